// tracer/ebpf/event_decoder: hand-made raw ring-buffer records -> trace format v1
// events. No kernel needed. Every emitted event is also passed through the
// canonical writer, which validates kinds, fields and types.
#include "tracer/ebpf/event_decoder.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <sstream>

#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"

using namespace reprobe;
using json = nlohmann::ordered_json;

namespace {

constexpr uint64_t kMs = 1000000;

// A record as bpf/reprobe.bpf.c writes it (pushed through its packed bytes).
struct Rec {
  RawRecord r;
  rp_event& e = r.hdr;
  Rec(uint32_t kind, uint64_t ts) {
    e.kind = kind;
    e.ts = ts;
    e.cpu = 1;
    e.tid = 100;
    std::strcpy(e.comm, "kworker/1:0");
  }
  Rec(const Rec& o) : r(o.r) {}
  Rec& operator=(const Rec& o) {
    r = o.r;
    return *this;
  }
  std::vector<uint8_t> bytes() const { return encode_raw_record(r); }
  Rec& dev(const char* name, uint64_t ptr, const char* bus = "platform") {
    r.dev = name;
    r.bus = bus;
    e.dev = ptr;
    return *this;
  }
  Rec& drv(const char* d) {
    r.drv = d;
    return *this;
  }
  Rec& str(const char* s) {
    r.str = s;
    return *this;
  }
  Rec& sym(const char* s) {
    r.sym = s;
    return *this;
  }
  Rec& parent(const char* s) {
    r.parent = s;
    return *this;
  }
  Rec& dai(const char* s) {
    r.dais.push_back(s);
    return *this;
  }
  Rec& ret(int64_t r) {
    e.ret = r;
    return *this;
  }
  Rec& flags(uint32_t f) {
    e.flags |= f;
    return *this;
  }
  Rec& ptr(uint64_t p, uint64_t p2 = 0) {
    e.ptr = p;
    e.ptr2 = p2;
    return *this;
  }
  Rec& aux(uint64_t a) {
    e.aux = a;
    return *this;
  }
  Rec& task(uint32_t tid, uint32_t cpu) {
    e.tid = tid;
    e.cpu = cpu;
    return *this;
  }
};

struct Harness {
  EventDecoder dec;
  std::vector<json> out;
  std::ostringstream trace;
  TraceWriter writer{trace};

  explicit Harness(DecoderOptions o = {}) : dec(std::move(o)) {
    json h;
    h["format"] = "reprobe-trace";
    h["version"] = 1;
    h["source"] = "bpf";
    h["kernel"] = {{"release", "6.1.0-27-amd64"}};
    h["clock"] = "boottime_ns";
    h["hooks"] = json::object();
    EXPECT_TRUE(writer.header(h));
  }
  void push(const Rec& r) {
    auto b = r.bytes();
    ASSERT_TRUE(dec.push(b.data(), b.size()));
  }
  EventDecoder::Sink sink() {
    return [this](json j) {
      auto r = writer.event(j);  // refuses anything the format does not allow
      EXPECT_TRUE(r) << r.error().message;
      out.push_back(std::move(j));
    };
  }
  void drain() { dec.drain(sink()); }
  std::vector<std::string> kinds() const {
    std::vector<std::string> k;
    for (const auto& j : out) k.push_back(j["ev"].get<std::string>());
    return k;
  }
  const json& find(const std::string& ev, size_t nth = 0) const {
    for (const auto& j : out)
      if (j["ev"] == ev && nth-- == 0) return j;
    static json none;
    ADD_FAILURE() << "no event " << ev;
    return none;
  }
};

DecoderOptions with_devices(std::vector<std::string> d, bool new_conv = true) {
  DecoderOptions o;
  o.initial_devices = std::move(d);
  o.new_probe_convention = new_conv;
  o.symbolize = [](uint64_t a) -> std::string {
    if (a == 0x1000) return "sof_probe_work";
    if (a == 0x2000) return "reprobe_dsp_fw_cb";
    return "";
  };
  return o;
}

// --------------------------------------------------------------- reorder

TEST(Decoder, ReordersAcrossCpusByTimeThenArrival) {
  Harness h(with_devices({"a", "b"}));
  h.push(Rec(RP_BOUND, 30 * kMs).dev("a", 1).drv("x"));
  h.push(Rec(RP_BOUND, 10 * kMs).dev("b", 2).drv("y"));
  h.push(Rec(RP_DWORK_START, 20 * kMs));
  h.push(Rec(RP_DWORK_END, 20 * kMs));  // same ts: arrival order kept
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"bound", "deferred_work_start", "deferred_work_end", "bound"}));
  EXPECT_EQ(h.out[0]["t"], 10 * kMs);
  EXPECT_EQ(h.out[0]["dev"], "b");
  EXPECT_EQ(h.dec.stats().clamped, 0u);
}

TEST(Decoder, WindowHoldsRecentRecords) {
  Harness h(with_devices({}));
  h.push(Rec(RP_DWORK_START, 100 * kMs));
  h.push(Rec(RP_DWORK_END, 140 * kMs));
  h.dec.flush(160 * kMs, h.sink());  // cutoff 110 ms: only the first
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.dec.held(), 1u);
  h.push(Rec(RP_TIMEOUT_FIRED, 120 * kMs));  // late but still inside the window: sorted in
  h.dec.flush(200 * kMs, h.sink());
  EXPECT_EQ(h.kinds(), (std::vector<std::string>{"deferred_work_start", "timeout_fired", "deferred_work_end"}));
  EXPECT_EQ(h.dec.held(), 0u);
}

TEST(Decoder, ClampsRecordsOlderThanWhatWasWritten) {
  Harness h(with_devices({}));
  h.push(Rec(RP_DWORK_START, 500 * kMs));
  h.dec.flush(1000 * kMs, h.sink());
  h.push(Rec(RP_DWORK_END, 300 * kMs));  // arrives after its window closed
  h.dec.flush(2000 * kMs, h.sink());
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[1]["t"], 500 * kMs);
  EXPECT_EQ(h.dec.stats().clamped, 1u);
  EXPECT_EQ(h.dec.lost(), 1u);
}

TEST(Decoder, RejectsMalformedRecords) {
  Harness h(with_devices({}));
  auto push = [&](std::vector<uint8_t> b) { return h.dec.push(b.data(), b.size()); };
  auto set_u16 = [](std::vector<uint8_t>& b, size_t off, uint16_t v) { std::memcpy(b.data() + off, &v, sizeof v); };
  auto good = Rec(RP_BOUND, 1).dev("a", 1).drv("x").bytes();
  auto bad_abi = good;
  set_u16(bad_abi, offsetof(rp_event, abi), 99);
  EXPECT_FALSE(push(bad_abi));
  EXPECT_FALSE(push(Rec(RP_KIND_MAX, 1).bytes()));
  EXPECT_FALSE(push(Rec(RP_NONE, 1).bytes()));
  uint8_t small[8] = {};
  EXPECT_FALSE(h.dec.push(small, sizeof small));
  auto too_long = good;  // size field says more than the ring delivered
  set_u16(too_long, offsetof(rp_event, size), static_cast<uint16_t>(good.size() + 1));
  EXPECT_FALSE(push(too_long));
  auto past_end = good;  // first item's length runs past the record
  past_end[sizeof(rp_event) + 1] = 200;
  EXPECT_FALSE(push(past_end));
  auto bad_tag = good;
  bad_tag[sizeof(rp_event)] = RP_S_MAX;
  EXPECT_FALSE(push(bad_tag));
  auto half_item = good;  // a lone tag byte at the end
  half_item.push_back(RP_S_DEV);
  set_u16(half_item, offsetof(rp_event, size), static_cast<uint16_t>(half_item.size()));
  EXPECT_FALSE(push(half_item));
  EXPECT_EQ(h.dec.stats().malformed, 8u);
  EXPECT_EQ(h.dec.lost(), 8u);
  EXPECT_TRUE(push(good));
}

// The packed layout: header, then only the strings present, each tagged and
// length-prefixed, truncated like the BPF side.
TEST(Decoder, PackedRecordLayout) {
  Rec r(RP_DEVICE_ADD, 7);
  r.dev("reprobe-kick", 0x10).parent("platform");
  auto b = r.bytes();
  ASSERT_EQ(b.size(), sizeof(rp_event) + 2 + 12 + 2 + 8 + 2 + 8);
  rp_event hdr;
  std::memcpy(&hdr, b.data(), sizeof hdr);
  EXPECT_EQ(hdr.size, b.size());
  EXPECT_EQ(hdr.abi, RP_ABI_VERSION);
  EXPECT_EQ(b[sizeof(rp_event)], RP_S_DEV);
  EXPECT_EQ(b[sizeof(rp_event) + 1], 12);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&b[sizeof(rp_event) + 2]), 12), "reprobe-kick");
  RawRecord back;
  ASSERT_TRUE(parse_raw_record(b.data(), b.size(), &back));
  EXPECT_EQ(back.dev, "reprobe-kick");
  EXPECT_EQ(back.parent, "platform");
  EXPECT_EQ(back.bus, "platform");
  EXPECT_EQ(back.drv, "");
  EXPECT_EQ(back.hdr.ts, 7u);
  // Bare header when no string is present; long strings truncated to RP_*_LEN - 1.
  EXPECT_EQ(Rec(RP_DWORK_START, 1).bytes().size(), sizeof(rp_event));
  std::string long_reason(400, 'r');
  auto lb = Rec(RP_DEFER_REASON, 1).str(long_reason.c_str()).bytes();
  ASSERT_TRUE(parse_raw_record(lb.data(), lb.size(), &back));
  EXPECT_EQ(back.str, std::string(RP_STR_LEN - 1, 'r'));
  // Trailing bytes after rp_event.size (ring padding) are ignored.
  lb.resize(lb.size() + 5, 0xff);
  EXPECT_TRUE(parse_raw_record(lb.data(), lb.size(), &back));
  // Invalid UTF-8 in a kernel string is made valid.
  auto ub = Rec(RP_MODULE_LOAD, 1).str("m\xffx").bytes();
  ASSERT_TRUE(parse_raw_record(ub.data(), ub.size(), &back));
  EXPECT_EQ(back.str, "m?x");
}

// --------------------------------------------------------- device identity

TEST(Decoder, UnknownDeviceGetsInferredDeviceAdd) {
  Harness h(with_devices({"0000:00:1f.3"}));
  h.push(Rec(RP_PROBE_START, 10).dev("reprobe-machine", 7).drv("reprobe_machine"));
  h.push(Rec(RP_PROBE_START, 20).dev("0000:00:1f.3", 8, "pci").drv("snd_hda_intel"));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"device_add", "probe_start", "probe_start"}));
  EXPECT_EQ(h.out[0]["dev"], "reprobe-machine");
  EXPECT_EQ(h.out[0]["bus"], "platform");
  EXPECT_EQ(h.out[0]["inferred"], true);
  EXPECT_EQ(h.out[0]["t"], 10u);
  EXPECT_EQ(h.dec.stats().inferred_devices, 1u);
}

TEST(Decoder, DuplicateDeviceAddDroppedAndReAddAfterDel) {
  Harness h(with_devices({"dmic-codec"}));
  h.push(Rec(RP_DEVICE_ADD, 10).dev("dmic-codec", 1));                      // present at start: dropped
  h.push(Rec(RP_DEVICE_ADD, 20).dev("reprobe-dsp", 2).parent("platform"));  // new
  h.push(Rec(RP_DEVICE_ADD, 30).dev("reprobe-dsp", 2));                     // again: dropped
  h.push(Rec(RP_DEVICE_DEL, 40).dev("reprobe-dsp", 2));
  h.push(Rec(RP_DEVICE_ADD, 50).dev("reprobe-dsp", 3));  // new instance
  h.push(Rec(RP_DEVICE_DEL, 60).dev("never-seen", 4));   // unknown: dropped
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"device_add", "device_del", "device_add"}));
  EXPECT_EQ(h.out[0]["parent"], "platform");
  EXPECT_FALSE(h.out[2].contains("parent"));
  EXPECT_EQ(h.dec.stats().dup_device_add, 2u);
  EXPECT_EQ(h.dec.stats().ignored, 1u);
}

TEST(Decoder, UnnamedDeviceEventsAreDropped) {
  Harness h(with_devices({}));
  h.push(Rec(RP_BOUND, 10).dev("", 5).drv("x"));
  h.push(Rec(RP_DEVICE_ADD, 11).dev("", 5));
  h.drain();
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.dec.stats().unnamed, 2u);
}

// ------------------------------------------------------- probe conventions

TEST(Decoder, ProbeRetNewConvention61) {
  EXPECT_EQ(normalize_probe_ret(0, true, false).ret, 0);
  EXPECT_STREQ(normalize_probe_ret(0, true, false).outcome, "bound");
  EXPECT_EQ(normalize_probe_ret(517, true, false).ret, -517);
  EXPECT_STREQ(normalize_probe_ret(517, true, false).outcome, "deferred");
  EXPECT_EQ(normalize_probe_ret(-517, true, false).ret, -517);  // links / defer_all_probes
  EXPECT_STREQ(normalize_probe_ret(-517, true, false).outcome, "deferred");
  EXPECT_STREQ(normalize_probe_ret(19, true, false).outcome, "rejected");
  EXPECT_STREQ(normalize_probe_ret(6, true, false).outcome, "rejected");
  EXPECT_EQ(normalize_probe_ret(12, true, false).ret, -12);
  EXPECT_STREQ(normalize_probe_ret(12, true, false).outcome, "failed");
  EXPECT_STREQ(normalize_probe_ret(-16, true, false).outcome, "failed");  // -EBUSY pre-probe
  EXPECT_FALSE(normalize_probe_ret(12, true, false).ambiguous);
}

TEST(Decoder, ProbeRetOldConvention510) {
  EXPECT_EQ(normalize_probe_ret(1, false, false).ret, 0);
  EXPECT_STREQ(normalize_probe_ret(1, false, false).outcome, "bound");
  EXPECT_EQ(normalize_probe_ret(0, false, true).ret, -517);
  EXPECT_STREQ(normalize_probe_ret(0, false, true).outcome, "deferred");
  ProbeResult r = normalize_probe_ret(0, false, false);
  EXPECT_EQ(r.ret, -19);
  EXPECT_STREQ(r.outcome, "rejected");
  EXPECT_TRUE(r.ambiguous);
  EXPECT_STREQ(normalize_probe_ret(-517, false, false).outcome, "deferred");
  EXPECT_STREQ(normalize_probe_ret(-16, false, false).outcome, "failed");
}

TEST(Decoder, ProbeEnd61Deferred) {
  Harness h(with_devices({"m"}));
  h.push(Rec(RP_PROBE_START, 10).dev("m", 1).drv("mach"));
  h.push(Rec(RP_PROBE_END, 20).dev("m", 1).drv("mach").ret(517));
  h.push(Rec(RP_DEFER_ADD, 21).dev("m", 1));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"probe_start", "probe_end", "defer_add"}));
  EXPECT_EQ(h.out[1]["ret"], -517);
  EXPECT_EQ(h.out[1]["outcome"], "deferred");
  EXPECT_FALSE(h.out[1].contains("x-raw_ret"));
}

TEST(Decoder, ProbeEnd510DisambiguatedByDeferralDuringAttempt) {
  Harness h(with_devices({"m", "n"}, /*new_conv=*/false));
  // m: ->probe() returned -EPROBE_DEFER: really_probe adds it to the list before returning 0
  h.push(Rec(RP_PROBE_START, 10).dev("m", 1).drv("mach"));
  h.push(Rec(RP_DEFER_ADD, 15).dev("m", 1));
  h.push(Rec(RP_PROBE_END, 20).dev("m", 1).drv("mach").ret(0));
  // n: ->probe() failed with some error: 0, nothing deferred
  h.push(Rec(RP_PROBE_START, 30).dev("n", 2).drv("other"));
  h.push(Rec(RP_PROBE_END, 40).dev("n", 2).drv("other").ret(0));
  // m again, bound this time
  h.push(Rec(RP_PROBE_START, 50).dev("m", 1).drv("mach"));
  h.push(Rec(RP_PROBE_END, 60).dev("m", 1).drv("mach").ret(1));
  h.drain();
  EXPECT_EQ(h.find("probe_end", 0)["outcome"], "deferred");
  EXPECT_EQ(h.find("probe_end", 0)["ret"], -517);
  EXPECT_EQ(h.find("probe_end", 1)["outcome"], "rejected");
  EXPECT_EQ(h.find("probe_end", 1)["x-raw_ret"], 0);
  EXPECT_EQ(h.find("probe_end", 2)["outcome"], "bound");
  EXPECT_EQ(h.find("probe_end", 2)["ret"], 0);
}

TEST(Decoder, ProbeEnd510ReasonAlsoMarksDeferral) {
  Harness h(with_devices({"m"}, false));
  h.push(Rec(RP_PROBE_START, 10).dev("m", 1).drv("mach"));
  h.push(Rec(RP_DEFER_REASON, 12).dev("m", 1).str("mach: wait for dai\n"));
  h.push(Rec(RP_DEFER_ADD, 13).dev("m", 1).flags(RP_F_ON_LIST));  // already listed: no event
  h.push(Rec(RP_PROBE_END, 20).dev("m", 1).drv("mach").ret(0));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"probe_start", "defer_reason", "probe_end"}));
  EXPECT_EQ(h.out[2]["outcome"], "deferred");
}

TEST(Decoder, AttemptsCorrelateByDevicePointerAcrossTasks) {
  // PCI probes may run ->probe() on another CPU (work_on_cpu): the deferral is
  // seen from another task but for the same struct device.
  Harness h(with_devices({"0000:00:1f.3"}, false));
  h.push(Rec(RP_PROBE_START, 10).dev("0000:00:1f.3", 0xabc, "pci").drv("d").task(1, 0));
  h.push(Rec(RP_DEFER_ADD, 15).dev("0000:00:1f.3", 0xabc, "pci").task(2, 3));
  h.push(Rec(RP_PROBE_END, 20).dev("0000:00:1f.3", 0xabc, "pci").drv("d").ret(0).task(1, 0));
  h.drain();
  EXPECT_EQ(h.find("probe_end")["outcome"], "deferred");
}

// ------------------------------------------------------ deferred machinery

TEST(Decoder, DeferListReasonTriggerTimeout) {
  Harness h(with_devices({"m"}));
  h.push(Rec(RP_DEFER_REASON, 1).dev("m", 1).str("reprobe_machine: ASoC: CPU DAI reprobe-dsp-dai not registered\n"));
  h.push(Rec(RP_DEFER_REASON, 2).dev("m", 1).str("\n"));  // cleared: no event
  h.push(Rec(RP_DEFER_ADD, 3).dev("m", 1));
  h.push(Rec(RP_TRIGGER, 4).flags(RP_F_COUNT | RP_F_IN_BOUND).aux(7));
  h.push(Rec(RP_TRIGGER, 5).flags(RP_F_IN_TIMEOUT));
  h.push(Rec(RP_TRIGGER, 6));
  h.push(Rec(RP_DEFER_DEL, 7).dev("m", 1).flags(RP_F_ON_LIST));
  h.push(Rec(RP_TIMEOUT_EXTENDED, 8).ret(10).flags(RP_F_COUNT));
  h.push(Rec(RP_TIMEOUT_EXTENDED, 9).ret(10).flags(RP_F_COUNT | RP_F_NOT_PENDING));  // no-op
  h.push(Rec(RP_TIMEOUT_EXTENDED, 10));                                              // secs unknown
  h.push(Rec(RP_TIMEOUT_FIRED, 11));
  h.push(Rec(RP_RESUME, 12));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"defer_reason", "defer_add", "trigger", "trigger", "trigger",
                                                 "defer_del", "timeout_extended", "timeout_fired", "resume"}));
  EXPECT_EQ(h.out[0]["reason"], "reprobe_machine: ASoC: CPU DAI reprobe-dsp-dai not registered");
  EXPECT_EQ(h.out[2]["cause"], "bound");
  EXPECT_EQ(h.out[2]["count"], 7u);
  EXPECT_EQ(h.out[3]["cause"], "timeout");
  EXPECT_FALSE(h.out[3].contains("count"));
  EXPECT_FALSE(h.out[4].contains("cause"));
  EXPECT_EQ(h.out[6]["secs"], 10);
}

// device_link_add() exit: consumer, supplier name, the link's flags; a record without a supplier
// name maps to nothing.
TEST(Decoder, DeviceLink) {
  Harness h(with_devices({"c"}));
  h.push(Rec(RP_DEVICE_LINK, 1).dev("c", 1).str("reprobe-link-supplier").aux(0x60));
  h.push(Rec(RP_DEVICE_LINK, 2).dev("c", 1).aux(0x144));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"device_link"}));
  EXPECT_EQ(h.out[0]["dev"], "c");
  EXPECT_EQ(h.out[0]["supplier"], "reprobe-link-supplier");
  EXPECT_EQ(h.out[0]["flags"], 0x60u);
}

TEST(Decoder, RaceTriggerRightAfterDeferAddInSameTask) {
  Harness h(with_devices({"m"}));
  h.push(Rec(RP_DEFER_ADD, 1).dev("m", 1).task(5, 0));
  h.push(Rec(RP_BOUND, 2).dev("m", 1).drv("x").task(6, 1));  // other task in between
  h.push(Rec(RP_TRIGGER, 3).task(5, 0));
  h.drain();
  EXPECT_EQ(h.find("trigger")["cause"], "race");
}

TEST(Decoder, DriverRegisterFields) {
  Harness h(with_devices({}));
  h.push(Rec(RP_DRIVER_REGISTER, 1)
             .drv("reprobe_machine")
             .str("reprobe_machine")
             .flags(RP_F_ASYNC)
             .dev("", 0, "platform"));
  h.push(Rec(RP_DRIVER_REGISTER, 2).drv("snd_hda_intel").dev("", 0, "pci"));
  h.push(Rec(RP_DRIVER_UNREGISTER, 3).drv("snd_hda_intel"));
  h.drain();
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.out[0]["bus"], "platform");
  EXPECT_EQ(h.out[0]["async"], true);
  EXPECT_EQ(h.out[0]["module"], "reprobe_machine");
  EXPECT_FALSE(h.out[1].contains("async"));
  EXPECT_FALSE(h.out[1].contains("module"));
  EXPECT_EQ(h.out[2]["drv"], "snd_hda_intel");
}

TEST(Decoder, ProbeStartAsyncFlag) {
  // RP_F_ASYNC on a probe start: the probe runs from __driver_attach_async_helper /
  // __device_attach_async_helper. Only probe_start carries it, and only when set.
  Harness h(with_devices({"reprobe-kick", "m"}));
  h.push(Rec(RP_PROBE_START, 1).dev("reprobe-kick", 1).drv("reprobe-kick").flags(RP_F_ASYNC));
  h.push(Rec(RP_PROBE_END, 2).dev("reprobe-kick", 1).drv("reprobe-kick").ret(0));
  h.push(Rec(RP_PROBE_START, 3).dev("m", 2).drv("reprobe-machine"));
  h.push(Rec(RP_PROBE_END, 4).dev("m", 2).drv("reprobe-machine").ret(517));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"probe_start", "probe_end", "probe_start", "probe_end"}));
  EXPECT_EQ(h.out[0]["async"], true);
  EXPECT_FALSE(h.out[1].contains("async"));
  EXPECT_FALSE(h.out[2].contains("async"));
  EXPECT_EQ(h.trace.str().find(R"("ev":"probe_start","dev":"reprobe-kick","drv":"reprobe-kick","async":true})") !=
                std::string::npos,
            true)
      << "canonical line: async after dev, drv";
}

// ------------------------------------------------------------------ ids

TEST(Decoder, FirmwareSyncAndNowaitIds) {
  Harness h(with_devices({"reprobe-dsp"}));
  const uint64_t fw_work = 0xffff888012345678ull, cont = 0x2000, ctx = 0x77;
  h.push(Rec(RP_FW_REQUEST, 10).dev("reprobe-dsp", 1).str("intel/sof/a.ri").ptr(41));  // sync, cookie 41
  h.push(Rec(RP_FW_SYNC_DONE, 20).ptr(41).ret(-2));
  h.push(Rec(RP_FW_REQUEST, 30).dev("reprobe-dsp", 1).str("reprobe/dsp.bin").flags(RP_F_NOWAIT).ptr(cont, ctx));
  h.push(Rec(RP_FW_WORK_START, 40).dev("reprobe-dsp", 1).str("reprobe/dsp.bin").ptr(fw_work, ctx).aux(cont));
  h.push(Rec(RP_FW_LOADED, 50).ptr(fw_work).ret(0));
  h.push(Rec(RP_FW_LOADED, 51).ptr(fw_work).ret(0));  // second one (callback's own request): ignored
  h.push(Rec(RP_FW_WORK_END, 60).ptr(fw_work));
  h.push(Rec(RP_FW_SYNC_DONE, 70).ptr(999).ret(0));  // never requested
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"fw_request", "fw_done", "fw_request", "fw_done", "fw_cb_end"}));
  EXPECT_EQ(h.out[0]["id"], 1u);
  EXPECT_EQ(h.out[0]["mode"], "sync");
  EXPECT_EQ(h.out[0]["dev"], "reprobe-dsp");
  EXPECT_EQ(h.out[1]["id"], 1u);
  EXPECT_EQ(h.out[1]["ret"], -2);
  EXPECT_EQ(h.out[2]["id"], 2u);
  EXPECT_EQ(h.out[2]["mode"], "nowait");
  EXPECT_EQ(h.out[2]["cb"], "reprobe_dsp_fw_cb");
  EXPECT_EQ(h.out[3]["id"], 2u);
  EXPECT_EQ(h.out[3]["t"], 50u);
  EXPECT_EQ(h.out[4]["id"], 2u);
  EXPECT_EQ(h.dec.stats().unmatched, 2u);
  // no kernel pointer anywhere
  std::string all = h.trace.str();
  EXPECT_EQ(all.find(std::to_string(fw_work)), std::string::npos);
}

TEST(Decoder, NowaitWithoutLoadHookAndRequestBeforeCapture) {
  DecoderOptions o = with_devices({"d"});
  o.fw_loaded_hooked = false;
  Harness h(std::move(o));
  // request happened before the tracer started: inferred fw_request
  h.push(Rec(RP_FW_WORK_START, 40).dev("d", 1).str("x.bin").ptr(0x99, 0).aux(0x2000));
  h.push(Rec(RP_FW_WORK_END, 60).ptr(0x99));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"fw_request", "fw_done", "fw_cb_end"}));
  EXPECT_EQ(h.out[0]["inferred"], true);
  EXPECT_EQ(h.out[0]["cb"], "reprobe_dsp_fw_cb");
  EXPECT_EQ(h.out[1]["t"], 40u);  // written when the work starts
  EXPECT_EQ(h.out[1]["ret"], 0);
}

TEST(Decoder, NowaitWorkEndWithoutLoadResultInfersDone) {
  Harness h(with_devices({"d"}));
  h.push(Rec(RP_FW_REQUEST, 30).dev("d", 1).str("x.bin").flags(RP_F_NOWAIT).ptr(0x5000, 1));
  h.push(Rec(RP_FW_WORK_START, 40).dev("d", 1).str("x.bin").ptr(0x99, 1).aux(0x5000));
  h.push(Rec(RP_FW_WORK_END, 60).ptr(0x99));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"fw_request", "fw_done", "fw_cb_end"}));
  EXPECT_EQ(h.out[0]["cb"], "?");  // unknown symbol: never the address
  EXPECT_EQ(h.out[1]["inferred"], true);
}

TEST(Decoder, ModuleRequestLoadCorrelation) {
  Harness h(with_devices({}));
  h.push(Rec(RP_MODULE_REQUEST, 1).str("snd-hda-codec-generic").flags(RP_F_WAIT));
  h.push(Rec(RP_MODULE_REQUEST, 2).str("hdaudio:v1AF40022r00100101a01\n"));  // as snd-hda-codec passes it
  h.push(Rec(RP_MODULE_LOAD, 3).str("snd_hda_codec_generic"));
  h.push(Rec(RP_MODULE_INIT_DONE, 4).str("snd_hda_codec_generic").ret(0));
  h.push(Rec(RP_MODULE_LOAD, 5).str("snd_hda_codec"));
  h.push(Rec(RP_MODULE_FREE, 6).str("snd_hda_codec"));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"module_request", "module_request", "module_load", "module_init_done",
                                                 "module_load"}));
  EXPECT_EQ(h.out[0]["id"], 1u);
  EXPECT_EQ(h.out[0]["wait"], true);
  EXPECT_EQ(h.out[1]["id"], 2u);
  EXPECT_EQ(h.out[1]["wait"], false);
  EXPECT_EQ(h.out[1]["name"], "hdaudio:v1AF40022r00100101a01");
  EXPECT_EQ(h.out[2]["req"], 1u);
  EXPECT_FALSE(h.out[4].contains("req"));
  EXPECT_EQ(h.out[3]["ret"], 0);
}

TEST(Decoder, WorkIdsAcrossRequeueWhileRunning) {
  Harness h(with_devices({}));
  const uint64_t w = 0xffff8880aaaa0000ull;
  h.push(Rec(RP_WORK_QUEUE, 1).ptr(w).aux(0x1000));
  h.push(Rec(RP_WORK_START, 2).ptr(w).aux(0x1000));
  h.push(Rec(RP_WORK_QUEUE, 3).ptr(w).aux(0x1000));  // requeued while running: a new item
  h.push(Rec(RP_WORK_END, 4).ptr(w));
  h.push(Rec(RP_WORK_START, 5).ptr(w).aux(0x1000));
  h.push(Rec(RP_WORK_END, 6).ptr(w));
  h.push(Rec(RP_WORK_END, 7).ptr(w));                     // unmatched
  h.push(Rec(RP_WORK_QUEUE, 8).ptr(0x1234).aux(0x3000));  // unknown symbol
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"work_queue", "work_start", "work_queue", "work_end", "work_start",
                                                 "work_end", "work_queue"}));
  EXPECT_EQ(h.out[0]["work"], 1u);
  EXPECT_EQ(h.out[0]["func"], "sof_probe_work");
  EXPECT_EQ(h.out[1]["work"], 1u);
  EXPECT_EQ(h.out[2]["work"], 2u);
  EXPECT_EQ(h.out[3]["work"], 1u);
  EXPECT_EQ(h.out[4]["work"], 2u);
  EXPECT_EQ(h.out[5]["work"], 2u);
  EXPECT_EQ(h.out[6]["work"], 3u);
  EXPECT_EQ(h.out[6]["func"], "?");
  EXPECT_EQ(h.dec.stats().unmatched, 1u);
}

TEST(Decoder, KernelNamedSymbolsWinOverTheSymbolizer) {
  // RP_S_SYM: the kernel's "%ps" at record time (module symbols included);
  // "0x..." (no name) falls back to the loader's /proc/kallsyms symbolizer.
  Harness h(with_devices({}));
  const uint64_t w = 0xffff8880bbbb0000ull;
  h.push(Rec(RP_WORK_QUEUE, 1).ptr(w).aux(0x5000).sym("azx_probe_work [snd_hda_intel]"));
  h.push(Rec(RP_WORK_START, 2).ptr(w).aux(0x5000).sym("azx_probe_work [snd_hda_intel]"));
  h.push(Rec(RP_WORK_END, 3).ptr(w));
  h.push(Rec(RP_WORK_QUEUE, 4).ptr(w + 8).aux(0x1000).sym("0xffffffffc0a01230"));
  h.push(Rec(RP_WORK_QUEUE, 5).ptr(w + 16).aux(0x1000).sym("deferred_probe_work_func"));
  h.drain();
  ASSERT_EQ(h.out.size(), 5u);
  EXPECT_EQ(h.out[0]["func"], "azx_probe_work");
  EXPECT_EQ(h.out[1]["func"], "azx_probe_work");
  EXPECT_EQ(h.out[3]["func"], "sof_probe_work");  // 0x1000 through the symbolizer
  EXPECT_EQ(h.out[4]["func"], "deferred_probe_work_func");
}

TEST(Decoder, KernelNamesAreSentOncePerModuleGeneration) {
  // BPF names an address only the first time (per module load/free); the
  // decoder reuses that name until the next module_load / module_free record.
  Harness h(with_devices({}));
  const uint64_t w = 0xffff8880cccc0000ull;
  h.push(Rec(RP_WORK_QUEUE, 1).ptr(w).aux(0x4000).sym("reprobe_dsp_work [reprobe_dsp]"));
  h.push(Rec(RP_WORK_QUEUE, 2).ptr(w + 8).aux(0x4000));
  h.push(Rec(RP_MODULE_LOAD, 3).str("other_mod"));
  h.push(Rec(RP_WORK_QUEUE, 4).ptr(w + 16).aux(0x4000));  // the address may be another function now
  h.push(Rec(RP_WORK_QUEUE, 5).ptr(w + 24).aux(0x4000).sym("other_fn [other_mod]"));
  h.push(Rec(RP_MODULE_FREE, 6).str("other_mod"));
  h.push(Rec(RP_WORK_QUEUE, 7).ptr(w + 32).aux(0x4000));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"work_queue", "work_queue", "module_load", "work_queue", "work_queue",
                                                 "work_queue"}));
  EXPECT_EQ(h.out[0]["func"], "reprobe_dsp_work");
  EXPECT_EQ(h.out[1]["func"], "reprobe_dsp_work");
  EXPECT_EQ(h.out[3]["func"], "?");  // not named since the load, unknown to the symbolizer
  EXPECT_EQ(h.out[4]["func"], "other_fn");
  EXPECT_EQ(h.out[5]["func"], "?");
}

TEST(Decoder, SymItemRoundTripsThroughThePackedLayout) {
  RawRecord r;
  r.hdr.kind = RP_WORK_START;
  r.hdr.ts = 5;
  r.sym = std::string(200, 'x');  // truncated like the BPF side: RP_SYM_LEN - 1
  std::vector<uint8_t> bytes = encode_raw_record(r);
  RawRecord back;
  ASSERT_TRUE(parse_raw_record(bytes.data(), bytes.size(), &back));
  EXPECT_EQ(back.sym, std::string(RP_SYM_LEN - 1, 'x'));
}

// ----------------------------------------------------------------- sound

TEST(Decoder, ComponentAddWithDais) {
  Harness h(with_devices({"reprobe-dsp"}));
  // A DAI whose name is NULL in the driver is not in the record at all.
  h.push(Rec(RP_COMPONENT_ADD, 10)
             .dev("reprobe-dsp", 1)
             .str("reprobe-dsp")
             .aux(3)
             .dai("reprobe-dsp-dai")
             .dai("reprobe-dsp-dai2"));
  h.push(Rec(RP_COMPONENT_ADD, 20).dev("reprobe-dsp", 1).str("reprobe-dsp").aux(0));
  h.push(Rec(RP_COMPONENT_DEL, 30).dev("reprobe-dsp", 1).str("reprobe-dsp"));
  h.drain();
  ASSERT_EQ(h.kinds(), (std::vector<std::string>{"component_add", "component_add", "component_del"}));
  EXPECT_EQ(h.out[0]["dais"], json::array({"reprobe-dsp-dai", "reprobe-dsp-dai2"}));
  EXPECT_FALSE(h.out[1].contains("dais"));  // empty list omitted
  EXPECT_EQ(h.out[2]["name"], "reprobe-dsp");
  // At most RP_MAX_DAIS names.
  Rec many(RP_COMPONENT_ADD, 40);
  many.dev("reprobe-dsp", 1).str("c");
  for (int i = 0; i < RP_MAX_DAIS + 4; i++) many.dai(("dai" + std::to_string(i)).c_str());
  auto b = many.bytes();
  RawRecord back;
  ASSERT_TRUE(parse_raw_record(b.data(), b.size(), &back));
  EXPECT_EQ(back.dais.size(), static_cast<size_t>(RP_MAX_DAIS));
  EXPECT_LE(b.size(), static_cast<size_t>(RP_REC_MAX));
}

TEST(Decoder, CardBindAndSndCardRegister) {
  Harness h(with_devices({"reprobe-machine", "0000:00:04.0"}));
  h.push(Rec(RP_CARD_BIND_START, 1).dev("reprobe-machine", 1).str("reprobe"));
  h.push(Rec(RP_CARD_BIND_END, 2).dev("reprobe-machine", 1).ret(-517));
  h.push(Rec(RP_CARD_BIND_START, 3).dev("reprobe-machine", 1));
  h.push(Rec(RP_CARD_BIND_END, 4).dev("reprobe-machine", 1).ret(0));
  h.push(Rec(RP_SND_CARD_REGISTER, 5).dev("reprobe-machine", 1).ret(0).str("reprobe"));
  h.push(Rec(RP_SND_CARD_REGISTER, 6).ret(1).str("Intel"));  // no device
  h.drain();
  ASSERT_EQ(h.out.size(), 6u);
  EXPECT_EQ(h.out[0]["card"], "reprobe");
  EXPECT_FALSE(h.out[2].contains("card"));
  EXPECT_EQ(h.out[1]["ret"], -517);
  EXPECT_EQ(h.out[4]["index"], 0);
  EXPECT_EQ(h.out[4]["id"], "reprobe");
  EXPECT_EQ(h.out[4]["dev"], "reprobe-machine");
  EXPECT_FALSE(h.out[5].contains("dev"));
  EXPECT_EQ(h.out[5]["index"], 1);
}

TEST(Decoder, AsocMissingDaiOrComponentBecomesReason) {
  Harness h(with_devices({"reprobe-machine"}));
  h.push(Rec(RP_ASOC_MISSING, 1).dev("reprobe-machine", 1).str("reprobe-dsp-dai").flags(RP_F_LINK_CPU));
  h.push(Rec(RP_ASOC_MISSING, 2).dev("reprobe-machine", 1).str("dmic-hifi").flags(RP_F_LINK_CODEC));
  h.push(Rec(RP_ASOC_MISSING, 3).dev("reprobe-machine", 1).str("x"));
  h.push(Rec(RP_ASOC_MISSING, 4).dev("reprobe-machine", 1));  // no name: nothing to say
  h.push(Rec(RP_ASOC_MISSING, 5)
             .dev("reprobe-machine", 1)
             .str("reprobe-dsp")
             .drv("reprobe-link")
             .flags(RP_F_LINK_PLATFORM | RP_F_COMPONENT));
  h.push(Rec(RP_ASOC_MISSING, 6).dev("reprobe-machine", 1).str("aux-amp").flags(RP_F_COMPONENT));
  h.drain();
  ASSERT_EQ(h.out.size(), 5u);
  EXPECT_EQ(h.out[0]["ev"], "defer_reason");
  EXPECT_EQ(h.out[0]["reason"], "ASoC: CPU DAI reprobe-dsp-dai not registered");
  EXPECT_EQ(h.out[0]["x-source"], "asoc");
  EXPECT_EQ(h.out[1]["reason"], "ASoC: CODEC DAI dmic-hifi not registered");
  EXPECT_EQ(h.out[2]["reason"], "ASoC: DAI x not registered");
  EXPECT_EQ(h.out[3]["reason"], "ASoC: platform component reprobe-dsp not found for link reprobe-link");
  EXPECT_EQ(h.out[4]["reason"], "ASoC: Component aux-amp not found");
}

// ---------------------------------------------------------------- strings

TEST(Decoder, RawStringsAreBoundedValidUtf8) {
  char buf[8] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};  // no NUL: bounded by the array
  EXPECT_EQ(raw_string(buf, sizeof buf), "abcdefgh");
  const char bad[] = "x\xff\xc3(y";
  EXPECT_EQ(raw_string(bad, sizeof bad),
            "x?"
            "?(y");
  const char ok[] = "caf\xc3\xa9";
  EXPECT_EQ(raw_string(ok, sizeof ok), "caf\xc3\xa9");
  const char cut[] = "ab\xe2\x82";  // truncated 3-byte sequence
  EXPECT_EQ(raw_string(cut, sizeof cut), "ab??");
  EXPECT_EQ(normalize_module_name("snd-soc-core"), "snd_soc_core");
}

TEST(Decoder, CommAndCommonFields) {
  Harness h(with_devices({}));
  Rec r(RP_DWORK_START, 5);
  r.task(4242, 3);
  std::memset(r.e.comm, 0, sizeof r.e.comm);
  h.push(r);
  Rec r2(RP_DWORK_END, 6);
  std::memcpy(r2.e.comm, "0123456789abcdef", 16);  // full, no NUL
  h.push(r2);
  h.drain();
  EXPECT_EQ(h.out[0]["tid"], 4242u);
  EXPECT_EQ(h.out[0]["cpu"], 3u);
  EXPECT_FALSE(h.out[0].contains("comm"));
  EXPECT_EQ(h.out[1]["comm"], "0123456789abcdef");
}

// A full SOF-like sequence, read back with the strict reader.
TEST(Decoder, ProducesATraceTheReaderAccepts) {
  Harness h(with_devices({"reprobe-dsp"}));
  h.push(Rec(RP_DRIVER_REGISTER, 100).drv("reprobe_machine").dev("", 0, "platform"));
  h.push(Rec(RP_DEVICE_ADD, 110).dev("reprobe-machine", 2));
  h.push(Rec(RP_PROBE_START, 120).dev("reprobe-machine", 2).drv("reprobe_machine"));
  h.push(Rec(RP_CARD_BIND_START, 121).dev("reprobe-machine", 2).str("reprobe"));
  h.push(Rec(RP_DEFER_REASON, 122).dev("reprobe-machine", 2).str("reprobe_machine: wait\n"));
  h.push(Rec(RP_CARD_BIND_END, 123).dev("reprobe-machine", 2).ret(-517));
  h.push(Rec(RP_PROBE_END, 124).dev("reprobe-machine", 2).drv("reprobe_machine").ret(517));
  h.push(Rec(RP_DEFER_ADD, 125).dev("reprobe-machine", 2));
  h.drain();
  h.writer.end(0, h.dec.lost(), 1000);
  auto t = read_trace_text(h.trace.str(), "decoder.trace");
  ASSERT_TRUE(t.ok()) << t.error().str() << "\n" << h.trace.str();
}

}  // namespace
