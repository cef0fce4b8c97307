// tracer/record_line_writer: the fast path of `reprobe record` must produce
// exactly the bytes of the JSON path,
//   canonical_event_line(redactor.scrubbed(event.to_json())) + "\n",
// for every event kind, edge strings (quotes, backslashes, control bytes,
// UTF-8, invalid bytes, max lengths), absent optional fields, x- fields and
// redaction (cached per string, learning before scrubbing), and reject the
// same events.
#include "tracer/ebpf/record_line_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "replayer/trace/trace_writer.h"
#include "tracer/ebpf/event_decoder.h"

using namespace reprobe;
using json = nlohmann::ordered_json;

namespace {

// The reference: the JSON path (nullopt = rejected).
std::optional<std::string> slow_line(const DecodedEvent& e, Redactor& r) {
  try {
    json j = e.to_json();
    r.scrub_json(j);
    return canonical_event_line(j).value() + "\n";
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> fast_line(const DecodedEvent& e, RecordLineWriter& w) {
  std::string out = "prefix\n";
  if (!w.append(e, out)) {
    EXPECT_EQ(out, "prefix\n") << "a rejected event must leave the buffer unchanged";
    return std::nullopt;
  }
  return out.substr(7);
}

std::string show(const std::optional<std::string>& s) { return s ? *s : std::string("<rejected>"); }

const std::vector<std::string>& edge_strings() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> s = {
        "",
        "0000:00:1f.3",
        "snd_hda_intel",
        "sof-audio-pci-intel-tgl",
        "a\"quoted\" \\back\\slash/",
        std::string("nul\0byte", 8),
        "\b\f\n\r\t\x01\x1f\x7f",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5",  // é € 🎵
        "bad \xff byte",
        "overlong \xc0\xaf",
        "surrogate \xed\xa0\x80",
        "truncated \xe2\x82",
        "beyond \xf4\x90\x80\x80",
        "intel/sof/sof-tgl.ri",
        "mac 00:11:22:33:44:55 here",
        "serial=ABC123XYZ",
        "/home/alice/fw.bin",
        "user=bob",
        "myhost",
        "on myhost and carol",
        "10.1.2.3",
        "bound",
        "deferred",
        "nowait",
        "sync",
        std::string(255, 'x'),
        std::string(63, 'd'),
        std::string(200, '\x02'),
    };
    std::string all;
    for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
    s.push_back(all);
    return s;
  }();
  return v;
}

RedactOptions options(int variant) {
  RedactOptions o;
  o.host_names = {"myhost"};
  o.user_names = {"carol"};
  if (variant == 1) o.ip_addresses = true;
  if (variant == 2) o.host_names.push_back("bound");  // scrubs an outcome: the event is rejected both ways
  if (variant == 3) o.enabled = false;
  return o;
}

}  // namespace

TEST(AppendJsonString, MatchesNlohmannDumpForEveryOneAndTwoByteString) {
  auto check = [](const std::string& s) {
    std::string fast = "x";
    const bool ok = append_json_string(s, fast);
    try {
      const std::string ref = json(s).dump();
      ASSERT_TRUE(ok) << json(s).dump(-1, ' ', false, json::error_handler_t::replace);
      ASSERT_EQ(fast, "x" + ref);
    } catch (const json::type_error&) {
      ASSERT_FALSE(ok) << "accepted invalid UTF-8";
      ASSERT_EQ(fast, "x");
    }
  };
  for (int a = 0; a < 256; ++a) {
    check(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) check(std::string{static_cast<char>(a), static_cast<char>(b)});
  }
  // Three and four byte sequences around every boundary of the UTF-8 table.
  std::mt19937 rng(7);
  const unsigned char lead[] = {0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8};
  const unsigned char cont[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  for (unsigned char l : lead)
    for (unsigned char c1 : cont)
      for (unsigned char c2 : cont)
        for (unsigned char c3 : cont) {
          check(std::string{char(l), char(c1), char(c2)});
          check(std::string{char(l), char(c1), char(c2), char(c3)});
        }
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 12, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    check(s);
  }
}

// Synthetic events of every kind from the schema: every field type with edge
// values, optional fields present or absent, inferred, x- fields, wrong types.
TEST(RecordLineWriter, SameBytesAsJsonPathForEveryKindAndEdgeString) {
  const auto& strs = edge_strings();
  for (int variant = 0; variant < 4; ++variant) {
    Redactor ra(options(variant)), rb(options(variant));
    RecordLineWriter w(ra);
    std::mt19937 rng(1234 + variant);
    auto pick = [&]() -> const std::string& { return strs[rng() % strs.size()]; };
    size_t accepted = 0, total = 0;
    for (int round = 0; round < 400; ++round) {
      for (const auto& spec : all_event_specs()) {
        if (spec.kind == EventKind::extension) continue;
        DecodedEvent e;
        e["t"] = static_cast<uint64_t>(round) * 1000 + rng() % 1000;
        if (rng() % 8) e["cpu"] = static_cast<uint32_t>(rng() % 4);
        if (rng() % 8) e["tid"] = static_cast<uint32_t>(rng() % 5000);
        if (rng() % 3) e["comm"] = (rng() % 2) ? std::string("kworker/1:0") : pick();
        e["ev"] = std::string(spec.name);
        const bool wrong = rng() % 20 == 0;  // one field of the wrong type
        for (const auto& f : spec.fields) {
          if (!f.required && rng() % 3 == 0) continue;
          if (f.required && rng() % 100 == 0) continue;  // missing required: rejected
          DecodedValue& v = e[f.name];
          switch (wrong ? FieldType::boolean : f.type) {
            case FieldType::dev_ref:
            case FieldType::dev_decl:
            case FieldType::str:
              v = pick();
              break;
            case FieldType::outcome:
              v = std::string(rng() % 10 ? "bound" : pick());
              break;
            case FieldType::fw_mode:
              v = std::string(rng() % 2 ? "sync" : (rng() % 4 ? "nowait" : pick()));
              break;
            case FieldType::i64:
              if (rng() % 2) {
                v = static_cast<int64_t>(rng() % 3 == 0 ? INT64_MIN : -static_cast<int64_t>(rng()));
              } else {
                v = static_cast<uint32_t>(rng());
              }
              break;
            case FieldType::u64:
              if (rng() % 10 == 0) {
                v = static_cast<int64_t>(rng() % 2 ? -5 : 5);
              } else {
                v = rng() % 2 ? UINT64_MAX : static_cast<uint64_t>(rng());
              }
              break;
            case FieldType::boolean:
              v = rng() % 2 == 0;
              break;
            case FieldType::str_list: {
              std::vector<std::string> l;
              for (unsigned i = rng() % 4; i > 0; --i) l.push_back(pick());
              v = l;
              break;
            }
          }
          if (wrong && f.type == FieldType::boolean) v = pick();
        }
        if (rng() % 4 == 0) e["inferred"] = rng() % 3 != 0;
        if (rng() % 6 == 0) e["x-source"] = std::string("asoc");
        if (rng() % 6 == 0) e["x-raw_ret"] = static_cast<int64_t>(-(rng() % 100));
        if (rng() % 10 == 0) e["x-a\"key"] = pick();
        if (rng() % 50 == 0) e["unknown"] = 1;        // rejected both ways
        if (rng() % 50 == 0) e["x-serial"] = pick();  // serial-like key: replaced whole (slow path)
        const auto ref = slow_line(e, rb);
        const auto got = fast_line(e, w);
        ASSERT_EQ(show(got), show(ref)) << "variant " << variant << " kind " << spec.name << "\n"
                                        << e.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
        ++total;
        accepted += ref.has_value();
      }
    }
    EXPECT_GT(accepted, total / 2) << "variant " << variant;
    if (variant != 2) {
      EXPECT_GT(w.fast_lines(), w.slow_lines()) << "the fast path should carry most events";
    }
    EXPECT_EQ(ra.distinct(Redactor::Kind::mac), rb.distinct(Redactor::Kind::mac));
    EXPECT_EQ(ra.distinct(Redactor::Kind::user), rb.distinct(Redactor::Kind::user));
    EXPECT_EQ(ra.distinct(Redactor::Kind::serial), rb.distinct(Redactor::Kind::serial));
  }
}

// A user name learnt from a later field of the same event, or from a later
// event, must reach strings scrubbed (and cached) before.
TEST(RecordLineWriter, LearningInvalidatesCachedResults) {
  Redactor ra, rb;
  RecordLineWriter w(ra);
  auto ev = [](const std::string& reason, const std::string& comm) {
    DecodedEvent e;
    e["t"] = uint64_t{5};
    e["comm"] = comm;
    e["ev"] = "defer_reason";
    e["dev"] = "dave-laptop-codec";
    e["reason"] = reason;
    return e;
  };
  for (const auto& e : {ev("no fw", "dave"), ev("/home/dave/x failed", "dave"), ev("no fw", "dave")}) {
    const auto ref = slow_line(e, rb);
    ASSERT_EQ(show(fast_line(e, w)), show(ref));
  }
  EXPECT_NE(show(slow_line(ev("x", "dave"), rb)).find("<user-1>"), std::string::npos);
}

// End to end: raw ring records of every kind through EventDecoder, the fast
// sink against the JSON sink of a second decoder fed the same records.
TEST(RecordLineWriter, DecoderEventsSameBytesAsJsonPath) {
  DecoderOptions o;
  o.initial_devices = {"0000:00:1f.3"};
  o.reorder_window_ns = 0;
  o.symbolize = [](uint64_t a) { return a == 0xffff1 ? std::string("snd_hdac_bus_process_unsol_events") : ""; };
  EventDecoder fast_dec(o), slow_dec(o);
  Redactor ra(options(0)), rb(options(0));
  RecordLineWriter w(ra);
  std::string fast, slow;
  std::mt19937 rng(99);
  const auto& strs = edge_strings();
  auto pick = [&]() -> const std::string& { return strs[rng() % strs.size()]; };
  const char* devs[] = {"0000:00:1f.3", "ehdaudio0D0", "skl_hda_dsp_generic", "dmic-codec"};
  for (int i = 0; i < 20000; ++i) {
    RawRecord r;
    r.hdr.kind = 1 + rng() % (RP_KIND_MAX - 1);
    r.hdr.ts = 1000 + static_cast<uint64_t>(i) * 10;
    r.hdr.cpu = rng() % 2;
    r.hdr.tid = 100 + rng() % 3;
    const std::string comm = rng() % 4 ? "kworker/1:0" : pick();
    std::memcpy(r.hdr.comm, comm.data(), std::min<size_t>(comm.size(), RP_COMM_LEN - 1));
    r.hdr.dev = 0x1000 + rng() % 4;
    r.hdr.ret = static_cast<int64_t>(rng() % 5) - 2;
    r.hdr.flags = rng() % 64;
    r.hdr.aux = rng() % 3 ? 0xffff1 : rng() % 5;
    r.hdr.ptr = 0x2000 + rng() % 4;
    r.hdr.ptr2 = rng() % 3;
    r.dev = rng() % 8 ? devs[rng() % 4] : pick();
    r.bus = rng() % 2 ? "pci" : "platform";
    if (rng() % 2) r.parent = pick();
    r.drv = rng() % 4 ? "snd_hda_intel" : pick();
    r.str = pick();
    for (unsigned k = rng() % 3; k > 0; --k) r.dais.push_back(pick());
    // Through the packed bytes, like the ring delivers them.
    const auto bytes = encode_raw_record(r);
    fast_dec.push(bytes.data(), bytes.size());
    slow_dec.push(bytes.data(), bytes.size());
    if (i % 100 == 99) {
      fast_dec.flush_events(r.hdr.ts, [&](DecodedEvent&& e) {
        if (!w.append(e, fast)) fast += "<rejected>\n";
      });
      slow_dec.flush(r.hdr.ts, [&](json j) {
        try {
          rb.scrub_json(j);
          slow += canonical_event_line(j).value() + "\n";
        } catch (const std::exception&) {
          slow += "<rejected>\n";
        }
      });
    }
  }
  fast_dec.drain_events([&](DecodedEvent&& e) { ASSERT_TRUE(w.append(e, fast)); });
  slow_dec.drain([&](json j) {
    rb.scrub_json(j);
    slow += canonical_event_line(j).value() + "\n";
  });
  EXPECT_GT(fast_dec.stats().events, 5000u);
  EXPECT_EQ(fast_dec.stats().events, slow_dec.stats().events);
  ASSERT_EQ(fast.size(), slow.size());
  EXPECT_TRUE(fast == slow);
  EXPECT_EQ(w.slow_lines(), 0u) << "decoder output is always fast-path material";
}
