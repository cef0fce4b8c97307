// Unit tests for the strict trace reader (replayer/trace/trace_reader.cpp): every
// error path with its exact message, and where parsed values land in Event.
#include <cstdio>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "replayer/trace/trace_event.h"
#include "replayer/trace/trace_reader.h"

namespace reprobe {
namespace {

using json = nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kHeader =
    R"({"format":"reprobe-trace","version":1,"source":"synthetic","kernel":{"release":"6.1.0-27-amd64"},)"
    R"("clock":"boottime_ns","hooks":{}})";
// Same header, declaring device "d0" as present before the capture.
constexpr std::string_view kHeaderD0 =
    R"({"format":"reprobe-trace","version":1,"source":"synthetic","kernel":{"release":"6.1.0-27-amd64"},)"
    R"("clock":"boottime_ns","hooks":{},"devices":[{"dev":"d0","bus":"platform"}]})";

// The header followed by `events`, each line terminated by '\n'.
std::string trace_text(std::initializer_list<std::string_view> events, std::string_view header = kHeader) {
  std::string s(header);
  s += '\n';
  for (auto l : events) {
    s += l;
    s += '\n';
  }
  return s;
}

std::string read_error(std::string_view text, const ReadLimits& limits = {}) {
  auto r = read_trace_text(text, "t.trace", limits);
  if (r.ok()) {
    ADD_FAILURE() << "expected an error, but the trace was accepted:\n" << text;
    return {};
  }
  return r.error().str();
}

// Error for the header `kHeader` after `mutate` changed it.
std::string header_error(const std::function<void(json&)>& mutate) {
  json h = json::parse(kHeader);
  mutate(h);
  return read_error(h.dump() + "\n");
}

// Error for a single event line after the header with device d0.
std::string event_error(std::string_view line, const ReadLimits& limits = {}) {
  return read_error(trace_text({line}, kHeaderD0), limits);
}

Result<Trace> read_ok(std::string_view text, const ReadLimits& limits = {}) {
  auto r = read_trace_text(text, "t.trace", limits);
  EXPECT_TRUE(r.ok()) << r.error().str();
  return r;
}

// The message nlohmann::json gives for `text` (the header parser).
std::string nlohmann_error(std::string_view text) {
  try {
    const json j = json::parse(text);
    ADD_FAILURE() << "nlohmann accepted " << j.dump();
  } catch (const nlohmann::json::exception& e) {
    return e.what();
  }
  return {};
}

// The message simdjson gives for `text` (the event line parser).
std::string simdjson_error(std::string_view text) {
  simdjson::dom::parser p;
  simdjson::padded_string padded(text);
  auto err = p.parse(padded).error();
  EXPECT_NE(err, simdjson::SUCCESS) << text;
  return simdjson::error_message(err);
}

// A valid value for field `f` (device references use "d0" from kHeaderD0).
json sample_value(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::dev_ref:
      return "d0";
    case FieldType::dev_decl:
      return "newdev";
    case FieldType::str:
      return "v-" + std::string(f.name);
    case FieldType::i64:
      return -517;
    case FieldType::u64:
      return 7;
    case FieldType::boolean:
      return true;
    case FieldType::str_list:
      return json::array({"a", "b"});
    case FieldType::outcome:
      return "deferred";
    case FieldType::fw_mode:
      return "nowait";
  }
  return nullptr;
}

// {"t":10,"ev":<kind>, fields...}; optional fields only when `with_optional`;
// `skip` names a field to leave out.
json event_json(const EventSpec& spec, bool with_optional, std::string_view skip = {}) {
  json e = json::object();
  e["t"] = 10;
  e["ev"] = spec.name;
  for (const auto& f : spec.fields)
    if ((f.required || with_optional) && f.name != skip) e[std::string(f.name)] = sample_value(f);
  return e;
}

std::vector<const EventSpec*> real_specs() {
  std::vector<const EventSpec*> out;
  for (const auto& s : all_event_specs())
    if (s.kind != EventKind::extension) out.push_back(&s);
  return out;
}

StrId slot_str(const Event& e, Slot s) {
  switch (s) {
    case Slot::drv:
      return e.drv;
    case Slot::name:
      return e.name;
    case Slot::s2:
      return e.s2;
    case Slot::s3:
      return e.s3;
    default:
      return 0;
  }
}

// Checks that every field of `j` landed in the slot its FieldSpec names.
void expect_fields_in_slots(const Trace& tr, const Event& ev, const EventSpec& spec, const json& j) {
  SCOPED_TRACE(std::string(spec.name));
  for (const auto& f : spec.fields) {
    const std::string key(f.name);
    SCOPED_TRACE(key);
    if (!j.contains(key)) continue;
    const json& v = j[key];
    switch (f.type) {
      case FieldType::dev_ref:
      case FieldType::dev_decl:
        ASSERT_NE(ev.dev, kNoDev);
        EXPECT_EQ(tr.dev_name(ev.dev), v.get<std::string>());
        break;
      case FieldType::str:
        EXPECT_EQ(tr.str(slot_str(ev, f.slot)), v.get<std::string>());
        break;
      case FieldType::i64:
        EXPECT_TRUE(ev.has_num());
        EXPECT_EQ(ev.num, v.get<int64_t>());
        break;
      case FieldType::u64:
        EXPECT_TRUE(ev.has_id());
        EXPECT_EQ(ev.id, v.get<uint64_t>());
        break;
      case FieldType::boolean:
        EXPECT_TRUE(ev.has_flag());
        EXPECT_EQ(ev.flag, v.get<bool>());
        break;
      case FieldType::str_list: {
        ASSERT_NE(ev.list, 0u);
        ASSERT_LT(ev.list, tr.lists.size());
        std::vector<std::string> got;
        for (StrId s : tr.lists[ev.list]) got.emplace_back(tr.str(s));
        EXPECT_EQ(got, v.get<std::vector<std::string>>());
        break;
      }
      case FieldType::outcome:
        EXPECT_EQ(to_string(ev.outcome), v.get<std::string>());
        break;
      case FieldType::fw_mode:
        EXPECT_EQ(ev.flag, v == "nowait");
        break;
    }
  }
}

// ---------------------------------------------------------------- header

TEST(TraceReaderHeader, MinimalHeaderIsAccepted) {
  auto r = read_ok(trace_text({R"({"ev":"end"})"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path, "t.trace");
  EXPECT_EQ(r->source, "synthetic");
  EXPECT_EQ(r->kernel_release, "6.1.0-27-amd64");
  EXPECT_TRUE(r->events.empty());
  EXPECT_TRUE(r->devices.empty());
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_EQ(r->header, json::parse(kHeader));
  ASSERT_TRUE(r->end.has_value());
  EXPECT_EQ(r->end->line, 2u);
}

TEST(TraceReaderHeader, EveryDocumentedSourceIsAccepted) {
  for (const char* src : {"bpf", "kmsg", "dmesg", "synthetic"}) {
    json h = json::parse(kHeader);
    h["source"] = src;
    auto r = read_ok(h.dump() + "\n");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->source, src);
  }
}

TEST(TraceReaderHeader, EmptyFile) {
  EXPECT_EQ(read_error(""), "t.trace: empty file: not a reprobe trace (no header line)");
}

TEST(TraceReaderHeader, NotJson) {
  EXPECT_EQ(read_error("hello world\n"), "t.trace:1: header is not valid JSON: " + nlohmann_error("hello world"));
  EXPECT_EQ(read_error("\n"), "t.trace:1: header is not valid JSON: " + nlohmann_error(""));
  const std::string cut(kHeader.substr(0, 40));
  EXPECT_EQ(read_error(cut + "\n"), "t.trace:1: header is not valid JSON: " + nlohmann_error(cut));
}

TEST(TraceReaderHeader, NotAnObject) {
  EXPECT_EQ(read_error("[1,2]\n"), "t.trace:1: header must be a JSON object");
  EXPECT_EQ(read_error("\"reprobe-trace\"\n"), "t.trace:1: header must be a JSON object");
  EXPECT_EQ(read_error("null\n"), "t.trace:1: header must be a JSON object");
}

TEST(TraceReaderHeader, Format) {
  EXPECT_EQ(header_error([](json& h) { h.erase("format"); }), "t.trace:1: header: missing field 'format'");
  EXPECT_EQ(header_error([](json& h) { h["format"] = 1; }), "t.trace:1: header: field 'format' must be a string");
  EXPECT_EQ(header_error([](json& h) { h["format"] = "ftrace"; }),
            "t.trace:1: header: format is 'ftrace', expected 'reprobe-trace'");
}

TEST(TraceReaderHeader, Version) {
  EXPECT_EQ(header_error([](json& h) { h.erase("version"); }),
            "t.trace:1: header: missing or non-integer field 'version'");
  EXPECT_EQ(header_error([](json& h) { h["version"] = "1"; }),
            "t.trace:1: header: missing or non-integer field 'version'");
  EXPECT_EQ(header_error([](json& h) { h["version"] = 1.5; }),
            "t.trace:1: header: missing or non-integer field 'version'");
  EXPECT_EQ(header_error([](json& h) { h["version"] = 2; }),
            "t.trace:1: header: unsupported trace version 2 (this reprobe reads version 1)");
  EXPECT_EQ(header_error([](json& h) { h["version"] = 0; }),
            "t.trace:1: header: unsupported trace version 0 (this reprobe reads version 1)");
}

TEST(TraceReaderHeader, Source) {
  EXPECT_EQ(header_error([](json& h) { h.erase("source"); }), "t.trace:1: header: missing field 'source'");
  EXPECT_EQ(header_error([](json& h) { h["source"] = json::array(); }),
            "t.trace:1: header: field 'source' must be a string");
  EXPECT_EQ(header_error([](json& h) { h["source"] = "ftrace"; }),
            "t.trace:1: header: source 'ftrace' is not one of bpf|kmsg|dmesg|synthetic");
}

TEST(TraceReaderHeader, Clock) {
  EXPECT_EQ(header_error([](json& h) { h.erase("clock"); }), "t.trace:1: header: missing field 'clock'");
  EXPECT_EQ(header_error([](json& h) { h["clock"] = 1; }), "t.trace:1: header: field 'clock' must be a string");
  EXPECT_EQ(header_error([](json& h) { h["clock"] = "monotonic_ns"; }),
            "t.trace:1: header: clock 'monotonic_ns' is not supported (expected boottime_ns)");
}

TEST(TraceReaderHeader, Kernel) {
  EXPECT_EQ(header_error([](json& h) { h.erase("kernel"); }), "t.trace:1: header: missing object 'kernel'");
  EXPECT_EQ(header_error([](json& h) { h["kernel"] = "6.1.0"; }), "t.trace:1: header: missing object 'kernel'");
  EXPECT_EQ(header_error([](json& h) { h["kernel"] = json::object(); }),
            "t.trace:1: header: kernel.release must be a string");
  EXPECT_EQ(header_error([](json& h) { h["kernel"]["release"] = 6; }),
            "t.trace:1: header: kernel.release must be a string");
}

TEST(TraceReaderHeader, Hooks) {
  EXPECT_EQ(header_error([](json& h) { h.erase("hooks"); }), "t.trace:1: header: missing object 'hooks'");
  EXPECT_EQ(header_error([](json& h) { h["hooks"] = json::array(); }), "t.trace:1: header: missing object 'hooks'");
}

TEST(TraceReaderHeader, Snapshot) {
  EXPECT_EQ(header_error([](json& h) { h["snapshot"] = json::array(); }),
            "t.trace:1: header: 'snapshot' must be an object");
  json h = json::parse(kHeader);
  h["snapshot"] = {{"devices_deferred", json::array({"a"})}};
  EXPECT_TRUE(read_ok(h.dump() + "\n").ok());
}

TEST(TraceReaderHeader, DevicesMalformed) {
  const std::string kEntry = "t.trace:1: header: each devices[] entry needs string fields 'dev' and 'bus'";
  EXPECT_EQ(header_error([](json& h) { h["devices"] = json::object(); }),
            "t.trace:1: header: 'devices' must be an array");
  EXPECT_EQ(header_error([](json& h) { h["devices"] = json::array({"d0"}); }), kEntry);
  EXPECT_EQ(header_error([](json& h) { h["devices"] = json::parse(R"([{"dev":"d0"}])"); }), kEntry);
  EXPECT_EQ(header_error([](json& h) { h["devices"] = json::parse(R"([{"bus":"pci"}])"); }), kEntry);
  EXPECT_EQ(header_error([](json& h) { h["devices"] = json::parse(R"([{"dev":1,"bus":"pci"}])"); }), kEntry);
  EXPECT_EQ(header_error([](json& h) { h["devices"] = json::parse(R"([{"dev":"d0","bus":false}])"); }), kEntry);
  EXPECT_EQ(header_error([](json& h) { h["devices"] = json::parse(R"([{"dev":"d0","bus":"pci","driver":3}])"); }),
            "t.trace:1: header: devices[].driver must be a string or null");
}

TEST(TraceReaderHeader, DeviceListedTwice) {
  EXPECT_EQ(header_error([](json& h) {
              h["devices"] =
                  json::parse(R"([{"dev":"d0","bus":"pci"},{"dev":"d1","bus":"pci"},{"dev":"d0","bus":"usb"}])");
            }),
            "t.trace:1: header: device 'd0' listed twice");
}

TEST(TraceReaderHeader, DriversMalformed) {
  const std::string kEntry = "t.trace:1: header: each drivers[] entry needs string fields 'drv' and 'bus'";
  EXPECT_EQ(header_error([](json& h) { h["drivers"] = "snd_hda_intel"; }),
            "t.trace:1: header: 'drivers' must be an array");
  EXPECT_EQ(header_error([](json& h) { h["drivers"] = json::array({1}); }), kEntry);
  EXPECT_EQ(header_error([](json& h) { h["drivers"] = json::parse(R"([{"drv":"x"}])"); }), kEntry);
  EXPECT_EQ(header_error([](json& h) { h["drivers"] = json::parse(R"([{"bus":"pci"}])"); }), kEntry);
  EXPECT_EQ(header_error([](json& h) { h["drivers"] = json::parse(R"([{"drv":"x","bus":7}])"); }), kEntry);
}

TEST(TraceReaderHeader, DevicesAndDriversAreLoaded) {
  json h = json::parse(kHeader);
  h["devices"] = json::parse(R"([{"dev":"0000:00:1f.3","bus":"pci","driver":"snd_hda_intel"},)"
                             R"({"dev":"ehdaudio0D0","bus":"hdaudio","parent":"0000:00:1f.3","driver":null}])");
  h["drivers"] =
      json::parse(R"([{"drv":"snd_hda_intel","bus":"pci","async":true},{"drv":"snd_hda_codec","bus":"hdaudio"}])");
  auto r = read_ok(trace_text({R"({"t":5,"ev":"probe_start","dev":"ehdaudio0D0","drv":"snd_hda_codec"})"}, h.dump()));
  ASSERT_TRUE(r.ok());
  const Trace& tr = *r;
  ASSERT_EQ(tr.devices.size(), 2u);
  EXPECT_EQ(tr.str(tr.devices[0].name), "0000:00:1f.3");
  EXPECT_EQ(tr.str(tr.devices[0].bus), "pci");
  EXPECT_EQ(tr.devices[0].parent, 0u);
  EXPECT_EQ(tr.str(tr.devices[0].initial_driver), "snd_hda_intel");
  EXPECT_TRUE(tr.devices[0].from_header);
  EXPECT_EQ(tr.devices[0].instance, 1u);
  EXPECT_EQ(tr.devices[0].decl_line, 0u);
  EXPECT_EQ(tr.str(tr.devices[1].parent), "0000:00:1f.3");
  EXPECT_EQ(tr.devices[1].initial_driver, 0u);  // null = unbound
  ASSERT_EQ(tr.initial_drivers.size(), 2u);
  EXPECT_EQ(tr.str(tr.initial_drivers[0].name), "snd_hda_intel");
  EXPECT_EQ(tr.str(tr.initial_drivers[0].bus), "pci");
  EXPECT_TRUE(tr.initial_drivers[0].async);
  EXPECT_FALSE(tr.initial_drivers[1].async);
  ASSERT_EQ(tr.events.size(), 1u);
  EXPECT_EQ(tr.events[0].dev, 1u);
}

// ---------------------------------------------------------------- line framing

TEST(TraceReaderFraming, LineTooLong) {
  ReadLimits limits;
  limits.max_line_bytes = kHeader.size();  // the header itself is exactly at the limit
  const std::string ok_line = R"({"t":1,"ev":"resume"})";
  EXPECT_TRUE(read_ok(trace_text({ok_line}), limits).ok());
  const std::string long_line = R"({"t":1,"ev":"resume","comm":")" + std::string(kHeader.size(), 'c') + "\"}";
  EXPECT_EQ(read_error(trace_text({ok_line, long_line}), limits),
            "t.trace:3: line is " + std::to_string(long_line.size()) + " bytes long (limit " +
                std::to_string(kHeader.size()) + "): not a reprobe trace line");
  limits.max_line_bytes = 10;
  EXPECT_EQ(read_error(trace_text({}), limits), "t.trace:1: line is " + std::to_string(kHeader.size()) +
                                                    " bytes long (limit 10): not a reprobe trace line");
}

TEST(TraceReaderFraming, NulByte) {
  std::string text = trace_text({R"({"t":1,"ev":"resume"})"});
  text += std::string("{\"t\":2,\"ev\":\"resume\"}\0\n", 23);
  EXPECT_EQ(read_error(text), "t.trace:3: binary data (NUL byte) in line: not a reprobe trace");
  EXPECT_EQ(read_error(std::string("\0\x7f"
                                   "ELF\n",
                                   6)),
            "t.trace:1: binary data (NUL byte) in line: not a reprobe trace");
}

TEST(TraceReaderFraming, EmptyLineInTheMiddle) {
  EXPECT_EQ(read_error(trace_text({R"({"t":1,"ev":"resume"})", "", R"({"t":2,"ev":"resume"})"})),
            "t.trace:3: empty line");
  EXPECT_EQ(read_error(trace_text({"", R"({"ev":"end"})"})), "t.trace:2: empty line");
  EXPECT_EQ(read_error(trace_text({"\r", R"({"ev":"end"})"})), "t.trace:2: empty line");
}

TEST(TraceReaderFraming, CrlfLinesAreAccepted) {
  std::string text =
      std::string(kHeader) + "\r\n" + R"({"t":1,"cpu":2,"ev":"resume"})" + "\r\n" + R"({"ev":"end","t":3})" + "\r\n";
  auto r = read_ok(text);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].cpu, 2);
  ASSERT_TRUE(r->end.has_value());
  EXPECT_EQ(r->end->t, 3u);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(TraceReaderFraming, TrailingNewlineAfterEndIsAccepted) {
  for (std::string_view tail : {"", "\n", "\r\n"}) {
    std::string text = std::string(kHeader) + "\n" + R"({"t":1,"ev":"resume"})" + "\n" + R"({"ev":"end"})";
    text += tail;
    auto r = read_ok(text);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->end.has_value());
    EXPECT_TRUE(r->warnings.empty());
  }
  // One blank line after the end line is tolerated too (editors, `echo >>`).
  auto r = read_ok(trace_text({R"({"ev":"end"})", ""}));
  EXPECT_TRUE(r.ok());
}

TEST(TraceReaderFraming, DataAfterEndLine) {
  EXPECT_EQ(read_error(trace_text({R"({"t":1,"ev":"resume"})", R"({"ev":"end"})", R"({"t":2,"ev":"resume"})"})),
            "t.trace:4: data after the end line");
  EXPECT_EQ(read_error(trace_text({R"({"ev":"end"})", "", ""})), "t.trace:3: data after the end line");
  EXPECT_EQ(read_error(trace_text({R"({"ev":"end"})", R"({"ev":"end"})"})), "t.trace:3: data after the end line");
}

TEST(TraceReaderFraming, MissingEndLineIsAWarning) {
  auto r = read_ok(trace_text({R"({"t":1,"ev":"resume"})", R"({"t":2,"ev":"late_initcall"})"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events.size(), 2u);
  EXPECT_FALSE(r->end.has_value());
  EXPECT_THAT(r->warnings, ElementsAre("t.trace: no end line (recorder killed?); using the 2 events read"));
  EXPECT_THAT(r->warnings[0], HasSubstr("no end line"));

  auto header_only = read_ok(std::string(kHeader));  // not even a newline after the header
  ASSERT_TRUE(header_only.ok());
  EXPECT_THAT(header_only->warnings, ElementsAre("t.trace: no end line (recorder killed?); using the 0 events read"));
}

TEST(TraceReaderFraming, TruncatedLastLineIsIgnoredWithAWarning) {
  const std::string cut = R"({"t":2,"ev":"probe_sta)";
  std::string text = trace_text({R"({"t":1,"ev":"resume"})"}) + cut;  // no final newline
  auto r = read_ok(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events.size(), 1u);
  EXPECT_THAT(r->warnings,
              ElementsAre("t.trace:3: truncated last line ignored (invalid JSON: " + simdjson_error(cut) + ")",
                          "t.trace: no end line (recorder killed?); using the 1 events read"));
  EXPECT_THAT(r->warnings[0], HasSubstr("truncated last line ignored"));
}

TEST(TraceReaderFraming, CompleteUnterminatedLastLineIsAnEvent) {
  std::string text = trace_text({R"({"t":1,"ev":"resume"})"}) + R"({"t":2,"ev":"late_initcall"})";
  auto r = read_ok(text);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[1].kind, EventKind::late_initcall);
  EXPECT_THAT(r->warnings, ElementsAre("t.trace: no end line (recorder killed?); using the 2 events read"));
}

TEST(TraceReaderFraming, UnterminatedLastLineWithAValidationErrorIsStillAnError) {
  // A recorder killed mid-write leaves invalid JSON; a complete object that is
  // wrong (typo in a hand-written trace without final newline) is an error.
  std::string text = trace_text({R"({"t":5,"ev":"resume"})"}) + R"({"t":6,"ev":"probe_strat"})";
  EXPECT_EQ(read_error(text), "t.trace:3: unknown event 'probe_strat' (extension events must start with 'x-')");
  text = trace_text({R"({"t":5,"ev":"resume"})"}) + R"({"t":4,"ev":"resume"})";
  EXPECT_EQ(read_error(text), "t.trace:3: time goes backwards: t=4 is before t=5 at line 2");
  // A broken end line is never "truncated": the end line was complete.
  text = trace_text({R"({"t":5,"ev":"resume"})"}) + R"({"ev":"end","t":1})";
  EXPECT_EQ(read_error(text), "t.trace:3: time goes backwards: t=1 is before t=5 at line 2");
}

// ---------------------------------------------------------------- event lines

TEST(TraceReaderEvent, InvalidJson) {
  for (std::string_view bad : {R"({"t":1,)", R"({"t":1,"ev":"resume"}})", "{'t':1}", R"({"t":01,"ev":"resume"})"}) {
    EXPECT_EQ(event_error(bad), "t.trace:2: invalid JSON: " + simdjson_error(bad)) << bad;
  }
}

TEST(TraceReaderEvent, NotAnObject) {
  EXPECT_EQ(event_error(R"(["t",1])"), "t.trace:2: event must be a JSON object, got an array");
  EXPECT_EQ(event_error(R"("resume")"), "t.trace:2: event must be a JSON object, got a string");
  EXPECT_EQ(event_error("42"), "t.trace:2: event must be a JSON object, got a signed integer");
  EXPECT_EQ(event_error("1.5"), "t.trace:2: event must be a JSON object, got a number with a fraction");
  EXPECT_EQ(event_error("true"), "t.trace:2: event must be a JSON object, got a boolean");
  EXPECT_EQ(event_error("null"), "t.trace:2: event must be a JSON object, got null");
}

TEST(TraceReaderEvent, MissingEv) {
  EXPECT_EQ(event_error(R"({"t":1})"), "t.trace:2: missing field 'ev'");
  EXPECT_EQ(event_error(R"({})"), "t.trace:2: missing field 'ev'");
}

TEST(TraceReaderEvent, EvNotAString) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":3})"), "t.trace:2: field 'ev' must be a string, got a signed integer");
  EXPECT_EQ(event_error(R"({"t":1,"ev":null})"), "t.trace:2: field 'ev' must be a string, got null");
  EXPECT_EQ(event_error(R"({"t":1,"ev":["resume"]})"), "t.trace:2: field 'ev' must be a string, got an array");
}

TEST(TraceReaderEvent, UnknownEvent) {
  EXPECT_EQ(read_error(trace_text({R"({"t":1,"ev":"resume"})", R"({"t":2,"ev":"foo"})"})),
            "t.trace:3: unknown event 'foo' (extension events must start with 'x-')");
  EXPECT_TRUE(read_ok(trace_text({R"({"t":1,"ev":"x-*"})"})).ok());  // any "x-" prefix is an extension
  EXPECT_EQ(event_error(R"({"t":1,"ev":"X-foo"})"),
            "t.trace:2: unknown event 'X-foo' (extension events must start with 'x-')");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"extension"})"),
            "t.trace:2: unknown event 'extension' (extension events must start with 'x-')");
}

TEST(TraceReaderEvent, UnknownField) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"resume","foo":1})"),
            "t.trace:2: unknown field 'foo' in event 'resume' (extension fields must start with 'x-')");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_start","dev":"d0","drv":"x","ret":0})"),
            "t.trace:2: unknown field 'ret' in event 'probe_start' (extension fields must start with 'x-')");
}

TEST(TraceReaderEvent, ExtensionFieldIsAccepted) {
  auto r = read_ok(
      trace_text({R"({"t":1,"ev":"probe_start","dev":"d0","drv":"x","x-prio":3,"x-note":{"a":[1,2]}})"}, kHeaderD0));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].kind, EventKind::probe_start);
  EXPECT_TRUE(r->extensions.empty());
}

TEST(TraceReaderEvent, ExtensionEventIsKeptVerbatim) {
  const std::string x1 = R"({"t":1,"ev":"x-irq","irq":17,"name":"i915","whatever":[1,{"a":null}]})";
  const std::string x2 = R"({"ev":"x-note","t":2,"cpu":1,"text":"hello"})";
  auto r = read_ok(trace_text({x1, R"({"t":2,"ev":"resume"})", x2}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_THAT(r->extensions, ElementsAre(x1, x2));
  const Event& e1 = r->events[0];
  EXPECT_EQ(e1.kind, EventKind::extension);
  EXPECT_EQ(e1.id, 0u);
  EXPECT_EQ(r->str(e1.name), "x-irq");
  EXPECT_EQ(e1.t, 1u);
  const Event& e2 = r->events[2];
  EXPECT_EQ(e2.kind, EventKind::extension);
  EXPECT_EQ(e2.id, 1u);
  EXPECT_EQ(r->str(e2.name), "x-note");
  EXPECT_EQ(e2.cpu, 1);
  EXPECT_EQ(e2.line, 4u);
}

TEST(TraceReaderEvent, ExtensionEventStillNeedsAValidTime) {
  EXPECT_EQ(event_error(R"({"ev":"x-foo","a":1})"), "t.trace:2: event 'x-foo' is missing field 't'");
  EXPECT_EQ(event_error(R"({"ev":"x-foo","t":"soon"})"),
            "t.trace:2: field 't' must be an unsigned integer, got a string");
  EXPECT_EQ(read_error(trace_text({R"({"t":9,"ev":"resume"})", R"({"t":8,"ev":"x-foo"})"})),
            "t.trace:3: time goes backwards: t=8 is before t=9 at line 2");
}

TEST(TraceReaderEvent, MissingTime) {
  EXPECT_EQ(event_error(R"({"ev":"resume"})"), "t.trace:2: event 'resume' is missing field 't'");
  // t is checked before the kind's required fields.
  EXPECT_EQ(event_error(R"({"ev":"probe_end"})"), "t.trace:2: event 'probe_end' is missing field 't'");
}

TEST(TraceReaderEvent, MissingRequiredFieldOfEveryKind) {
  int checked = 0;
  for (const EventSpec* spec : real_specs()) {
    for (const auto& f : spec->fields) {
      if (!f.required) continue;
      const json e = event_json(*spec, /*with_optional=*/true, f.name);
      EXPECT_EQ(event_error(e.dump()), fmt::format("t.trace:2: event '{}' is missing field '{}'", spec->name, f.name))
          << e.dump();
      ++checked;
    }
  }
  EXPECT_GE(checked, 40);
}

TEST(TraceReaderEvent, MissingRequiredFieldExamples) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_end","dev":"d0","drv":"x","ret":0})"),
            "t.trace:2: event 'probe_end' is missing field 'outcome'");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"device_add","dev":"d1"})"),
            "t.trace:2: event 'device_add' is missing field 'bus'");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"fw_request","id":1,"name":"i915/tgl_dmc.bin"})"),
            "t.trace:2: event 'fw_request' is missing field 'mode'");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"module_request","name":"snd-soc-rt5682"})"),
            "t.trace:2: event 'module_request' is missing field 'wait'");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"snd_card_register","id":"PCH"})"),
            "t.trace:2: event 'snd_card_register' is missing field 'index'");
  // The first missing field in schema order is reported.
  EXPECT_EQ(event_error(R"({"t":1,"ev":"bound"})"), "t.trace:2: event 'bound' is missing field 'dev'");
}

TEST(TraceReaderEvent, WrongTypeOfEveryField) {
  for (const EventSpec* spec : real_specs()) {
    for (const auto& f : spec->fields) {
      json e = event_json(*spec, /*with_optional=*/true);
      const std::string key(f.name);
      std::string expected;
      switch (f.type) {
        case FieldType::dev_ref:
        case FieldType::dev_decl:
        case FieldType::str:
        case FieldType::outcome:
        case FieldType::fw_mode:
          e[key] = 5;
          expected = fmt::format("field '{}' must be a string, got a signed integer", key);
          break;
        case FieldType::i64:
          e[key] = "0";
          expected = fmt::format("field '{}' must be an integer, got a string", key);
          break;
        case FieldType::u64:
          e[key] = "1";
          expected = fmt::format("field '{}' must be an unsigned integer, got a string", key);
          break;
        case FieldType::boolean:
          e[key] = "true";
          expected = fmt::format("field '{}' must be a boolean, got a string", key);
          break;
        case FieldType::str_list:
          e[key] = "a";
          expected = fmt::format("field '{}' must be an array of strings, got a string", key);
          break;
      }
      EXPECT_EQ(event_error(e.dump()), "t.trace:2: " + expected) << e.dump();
    }
  }
}

TEST(TraceReaderEvent, WrongTypes) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_end","dev":"d0","drv":"x","ret":"-517","outcome":"deferred"})"),
            "t.trace:2: field 'ret' must be an integer, got a string");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_end","dev":"d0","drv":"x","ret":-5.0,"outcome":"failed"})"),
            "t.trace:2: field 'ret' must be an integer, got a number with a fraction");
  EXPECT_EQ(
      event_error(R"({"t":1,"ev":"probe_end","dev":"d0","drv":"x","ret":9223372036854775808,"outcome":"failed"})"),
      "t.trace:2: field 'ret' is out of range for a signed integer");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"fw_cb_end","id":-1})"),
            "t.trace:2: field 'id' must be an unsigned integer, got -1");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"fw_cb_end","id":1.5})"),
            "t.trace:2: field 'id' must be an unsigned integer, got a number with a fraction");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"fw_cb_end","id":null})"),
            "t.trace:2: field 'id' must be an unsigned integer, got null");
  EXPECT_EQ(event_error(R"({"t":-1,"ev":"resume"})"), "t.trace:2: field 't' must be an unsigned integer, got -1");
  EXPECT_EQ(event_error(R"({"t":1.5,"ev":"resume"})"),
            "t.trace:2: field 't' must be an unsigned integer, got a number with a fraction");
  EXPECT_EQ(event_error(R"({"t":"1","ev":"resume"})"),
            "t.trace:2: field 't' must be an unsigned integer, got a string");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"bound","dev":"d0","drv":null})"),
            "t.trace:2: field 'drv' must be a string, got null");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"bound","dev":{"name":"d0"},"drv":"x"})"),
            "t.trace:2: field 'dev' must be a string, got an object");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"resume","comm":7})"),
            "t.trace:2: field 'comm' must be a string, got a signed integer");
}

TEST(TraceReaderEvent, BooleanFields) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"driver_register","drv":"x","bus":"pci","async":"yes"})"),
            "t.trace:2: field 'async' must be a boolean, got a string");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"module_request","name":"m","wait":1})"),
            "t.trace:2: field 'wait' must be a boolean, got a signed integer");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_start","dev":"d0","drv":"x","async":null})"),
            "t.trace:2: field 'async' must be a boolean, got null");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"resume","inferred":1})"), "t.trace:2: field 'inferred' must be a boolean");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"resume","inferred":"true"})"), "t.trace:2: field 'inferred' must be a boolean");
}

TEST(TraceReaderEvent, OutcomeValueInvalid) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_end","dev":"d0","drv":"x","ret":-517,"outcome":"defer"})"),
            "t.trace:2: field 'outcome' is 'defer', expected bound|deferred|failed|rejected");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_end","dev":"d0","drv":"x","ret":0,"outcome":"Bound"})"),
            "t.trace:2: field 'outcome' is 'Bound', expected bound|deferred|failed|rejected");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_end","dev":"d0","drv":"x","ret":0,"outcome":0})"),
            "t.trace:2: field 'outcome' must be a string, got a signed integer");
}

TEST(TraceReaderEvent, FirmwareModeInvalid) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"fw_request","id":1,"mode":"async","name":"fw.bin"})"),
            "t.trace:2: field 'mode' is 'async', expected sync|nowait");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"fw_request","id":1,"mode":"","name":"fw.bin"})"),
            "t.trace:2: field 'mode' is '', expected sync|nowait");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"fw_request","id":1,"mode":true,"name":"fw.bin"})"),
            "t.trace:2: field 'mode' must be a string, got a boolean");
}

TEST(TraceReaderEvent, StringLists) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"component_add","name":"c","dev":"d0","dais":"hifi"})"),
            "t.trace:2: field 'dais' must be an array of strings, got a string");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"component_add","name":"c","dev":"d0","dais":{"0":"hifi"}})"),
            "t.trace:2: field 'dais' must be an array of strings, got an object");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"component_add","name":"c","dev":"d0","dais":["hifi",2]})"),
            "t.trace:2: field 'dais' must be a string, got a signed integer");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"component_add","name":"c","dev":"d0","dais":[["hifi"]]})"),
            "t.trace:2: field 'dais' must be a string, got an array");
}

TEST(TraceReaderEvent, TooManyListItems) {
  ReadLimits limits;
  limits.max_list_items = 2;
  EXPECT_TRUE(
      read_ok(trace_text({R"({"t":1,"ev":"component_add","name":"c","dev":"d0","dais":["a","b"]})"}, kHeaderD0), limits)
          .ok());
  EXPECT_EQ(event_error(R"({"t":1,"ev":"component_add","name":"c","dev":"d0","dais":["a","b","c"]})", limits),
            "t.trace:2: field 'dais' has more than 2 items");
}

TEST(TraceReaderEvent, StringTooLong) {
  ReadLimits limits;
  limits.max_string_bytes = 8;
  EXPECT_TRUE(read_ok(trace_text({R"({"t":1,"ev":"bound","dev":"d0","drv":"abcdefgh"})"}, kHeaderD0), limits).ok());
  EXPECT_EQ(event_error(R"({"t":1,"ev":"bound","dev":"d0","drv":"abcdefghi"})", limits),
            "t.trace:2: field 'drv' is 9 bytes long (limit 8)");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"resume","comm":"kworker/0:1"})", limits),
            "t.trace:2: field 'comm' is 11 bytes long (limit 8)");
  // The event name is a string too.
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_start","dev":"d0","drv":"x"})", limits),
            "t.trace:2: field 'ev' is 11 bytes long (limit 8)");
  limits.max_string_bytes = 13;
  EXPECT_EQ(event_error(R"({"t":1,"ev":"component_add","name":"c","dev":"d0","dais":["ok","much-too-long!"]})", limits),
            "t.trace:2: field 'dais' is 14 bytes long (limit 13)");
  limits.max_string_bytes = 8;
  // The limit counts bytes of the decoded string, not characters.
  EXPECT_EQ(event_error(R"({"t":1,"ev":"bound","dev":"d0","drv":"\u00e9\u00e9\u00e9\u00e9\u00e9"})", limits),
            "t.trace:2: field 'drv' is 10 bytes long (limit 8)");
}

TEST(TraceReaderEvent, AbsurdTimestamp) {
  const uint64_t max = uint64_t{1} << 62;
  EXPECT_TRUE(read_ok(trace_text({fmt::format(R"({{"t":{},"ev":"resume"}})", max)})).ok());
  EXPECT_EQ(event_error(fmt::format(R"({{"t":{},"ev":"resume"}})", max + 1)),
            fmt::format("t.trace:2: absurd timestamp t={}", max + 1));
  EXPECT_EQ(event_error(R"({"t":18446744073709551615,"ev":"resume"})"),
            "t.trace:2: absurd timestamp t=18446744073709551615");
  ReadLimits limits;
  limits.max_time_ns = 1000;
  EXPECT_EQ(event_error(R"({"t":1001,"ev":"resume"})", limits), "t.trace:2: absurd timestamp t=1001");
}

TEST(TraceReaderEvent, CpuAndTidRange) {
  auto r = read_ok(trace_text({R"({"t":1,"cpu":2147483647,"tid":0,"ev":"resume"})"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events[0].cpu, 2147483647);
  EXPECT_EQ(r->events[0].tid, 0);
  EXPECT_EQ(event_error(R"({"t":1,"cpu":2147483648,"ev":"resume"})"), "t.trace:2: absurd cpu 2147483648");
  EXPECT_EQ(event_error(R"({"t":1,"tid":4294967296,"ev":"resume"})"), "t.trace:2: absurd tid 4294967296");
  EXPECT_EQ(event_error(R"({"t":1,"cpu":-1,"ev":"resume"})"),
            "t.trace:2: field 'cpu' must be an unsigned integer, got -1");
  EXPECT_EQ(event_error(R"({"t":1,"tid":"42","ev":"resume"})"),
            "t.trace:2: field 'tid' must be an unsigned integer, got a string");
}

TEST(TraceReaderEvent, TimeGoingBackwards) {
  EXPECT_EQ(read_error(trace_text({R"({"t":10,"ev":"resume"})", R"({"t":10,"ev":"resume"})",
                                   R"({"t":20,"ev":"resume"})", R"({"t":19,"ev":"resume"})"})),
            "t.trace:5: time goes backwards: t=19 is before t=20 at line 4");
}

TEST(TraceReaderEvent, EqualTimestampsAreAllowed) {
  auto r = read_ok(trace_text({R"({"t":0,"ev":"resume"})", R"({"t":0,"ev":"resume"})", R"({"ev":"end","t":0})"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events.size(), 2u);
}

// ---------------------------------------------------------------- devices

TEST(TraceReaderDevices, UnknownDeviceReference) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"probe_start","dev":"d9","drv":"x"})"),
            "t.trace:2: unknown device 'd9' (no device_add and not in the header's devices)");
  // Optional device references are checked too.
  EXPECT_EQ(event_error(R"({"t":1,"ev":"resource","name":"gpio","dev":"gpiochip9"})"),
            "t.trace:2: unknown device 'gpiochip9' (no device_add and not in the header's devices)");
}

TEST(TraceReaderDevices, DeviceAddDeclaresTheDevice) {
  auto r = read_ok(trace_text({R"({"t":1,"ev":"device_add","dev":"card0","bus":"platform","parent":"d0"})",
                               R"({"t":2,"ev":"probe_start","dev":"card0","drv":"sof-audio"})"},
                              kHeaderD0));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->devices.size(), 2u);
  const DeviceInfo& d = r->devices[1];
  EXPECT_EQ(r->str(d.name), "card0");
  EXPECT_EQ(r->str(d.bus), "platform");
  EXPECT_EQ(r->str(d.parent), "d0");
  EXPECT_EQ(d.decl_line, 2u);
  EXPECT_EQ(d.instance, 1u);
  EXPECT_FALSE(d.from_header);
  EXPECT_EQ(r->events[0].dev, 1u);
  EXPECT_EQ(r->events[1].dev, 1u);
  EXPECT_EQ(r->dev_label(1), "card0");
}

TEST(TraceReaderDevices, DeviceAddedTwice) {
  EXPECT_EQ(read_error(trace_text({R"({"t":1,"ev":"device_add","dev":"a","bus":"pci"})",
                                   R"({"t":2,"ev":"device_add","dev":"b","bus":"pci"})",
                                   R"({"t":3,"ev":"device_add","dev":"a","bus":"pci"})"})),
            "t.trace:4: device 'a' added again without device_del (added at line 2)");
}

TEST(TraceReaderDevices, DeviceInHeaderThenDeviceAdd) {
  EXPECT_EQ(event_error(R"({"t":1,"ev":"device_add","dev":"d0","bus":"platform"})"),
            "t.trace:2: device 'd0' added but the header already lists it");
}

TEST(TraceReaderDevices, NameReusedAfterDeviceDelGetsANewInstance) {
  auto r = read_ok(trace_text({
      R"({"t":1,"ev":"device_add","dev":"a","bus":"pci"})",                 // 2
      R"({"t":2,"ev":"probe_start","dev":"a","drv":"x"})",                  // 3
      R"({"t":3,"ev":"device_del","dev":"a"})",                             // 4
      R"({"t":4,"ev":"device_add","dev":"a","bus":"usb","parent":"hub"})",  // 5
      R"({"t":5,"ev":"probe_start","dev":"a","drv":"y"})",                  // 6
      R"({"t":6,"ev":"device_del","dev":"a"})",                             // 7
      R"({"t":7,"ev":"device_add","dev":"a","bus":"usb"})",                 // 8
      R"({"t":8,"ev":"bound","dev":"a","drv":"y"})",                        // 9
  }));
  ASSERT_TRUE(r.ok());
  const Trace& tr = *r;
  ASSERT_EQ(tr.devices.size(), 3u);
  EXPECT_EQ(tr.devices[0].instance, 1u);
  EXPECT_EQ(tr.devices[1].instance, 2u);
  EXPECT_EQ(tr.devices[2].instance, 3u);
  EXPECT_EQ(tr.str(tr.devices[0].bus), "pci");
  EXPECT_EQ(tr.str(tr.devices[1].bus), "usb");
  EXPECT_EQ(tr.str(tr.devices[1].parent), "hub");
  EXPECT_EQ(tr.devices[1].decl_line, 5u);
  EXPECT_EQ(tr.dev_label(0), "a");
  EXPECT_EQ(tr.dev_label(1), "a#2");
  EXPECT_EQ(tr.dev_label(2), "a#3");
  EXPECT_EQ(tr.dev_name(1), "a");
  // Each reference resolves to the instance live at that point.
  std::vector<DevId> devs;
  for (const auto& e : tr.events) devs.push_back(e.dev);
  EXPECT_THAT(devs, ElementsAre(0u, 0u, 0u, 1u, 1u, 1u, 2u, 2u));
  EXPECT_EQ(tr.find_device("a#2"), DevId{1});
  EXPECT_EQ(tr.find_device("a"), DevId{0});
  EXPECT_EQ(tr.find_device("a#3"), DevId{2});
  EXPECT_EQ(tr.find_device("b"), std::nullopt);
}

TEST(TraceReaderDevices, HeaderDeviceRemovedAndAddedAgain) {
  auto r = read_ok(
      trace_text({R"({"t":1,"ev":"device_del","dev":"d0"})", R"({"t":2,"ev":"device_add","dev":"d0","bus":"platform"})",
                  R"({"t":3,"ev":"defer_add","dev":"d0"})"},
                 kHeaderD0));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->devices.size(), 2u);
  EXPECT_TRUE(r->devices[0].from_header);
  EXPECT_FALSE(r->devices[1].from_header);
  EXPECT_EQ(r->devices[1].instance, 2u);
  EXPECT_EQ(r->dev_label(1), "d0#2");
  EXPECT_EQ(r->events[0].dev, 0u);
  EXPECT_EQ(r->events[2].dev, 1u);
}

// ---------------------------------------------------------------- end line

TEST(TraceReaderEnd, EndLineFields) {
  auto r = read_ok(trace_text(
      {R"({"t":5,"ev":"resume"})", R"({"lost":2,"ev":"end","t":9,"dropped":1,"reason":"sigint","x-cpus":[0,1]})"}));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->end.has_value());
  EXPECT_EQ(r->end->t, 9u);
  EXPECT_EQ(r->end->dropped, 1u);
  EXPECT_EQ(r->end->lost, 2u);
  EXPECT_EQ(r->end->line, 3u);
  EXPECT_EQ(r->end_extra, json::parse(R"({"reason":"sigint","x-cpus":[0,1]})"));
  EXPECT_EQ(r->last_time(), 9u);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(TraceReaderEnd, EndLineWithoutTime) {
  auto r = read_ok(trace_text({R"({"t":5,"ev":"resume"})", R"({"ev":"end"})"}));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->end.has_value());
  EXPECT_FALSE(r->end->t.has_value());
  EXPECT_EQ(r->end->dropped, 0u);
  EXPECT_EQ(r->end->lost, 0u);
  EXPECT_TRUE(r->end_extra.is_null() || r->end_extra.empty());
}

TEST(TraceReaderEnd, EndLineTimeGoingBackwards) {
  EXPECT_EQ(read_error(trace_text({R"({"t":5,"ev":"resume"})", R"({"t":10,"ev":"resume"})", R"({"ev":"end","t":9})"})),
            "t.trace:4: time goes backwards: t=9 is before t=10 at line 3");
}

TEST(TraceReaderEnd, EndLineWrongTypes) {
  EXPECT_EQ(read_error(trace_text({R"({"ev":"end","t":"9"})"})),
            "t.trace:2: field 't' must be an unsigned integer, got a string");
  EXPECT_EQ(read_error(trace_text({R"({"ev":"end","dropped":-1})"})),
            "t.trace:2: field 'dropped' must be an unsigned integer, got -1");
  EXPECT_EQ(read_error(trace_text({R"({"ev":"end","lost":0.5})"})),
            "t.trace:2: field 'lost' must be an unsigned integer, got a number with a fraction");
}

// ---------------------------------------------------------------- values land in slots

TEST(TraceReaderValues, EveryKindWithRequiredFieldsParses) {
  for (const EventSpec* spec : real_specs()) {
    const json e = event_json(*spec, /*with_optional=*/false);
    auto r = read_ok(trace_text({e.dump()}, kHeaderD0));
    ASSERT_TRUE(r.ok()) << e.dump();
    ASSERT_EQ(r->events.size(), 1u) << e.dump();
    const Event& ev = r->events[0];
    EXPECT_EQ(ev.kind, spec->kind) << e.dump();
    EXPECT_EQ(ev.t, 10u);
    EXPECT_EQ(ev.line, 2u);
    EXPECT_EQ(ev.cpu, -1);
    EXPECT_EQ(ev.tid, -1);
    EXPECT_EQ(ev.comm, 0u);
    EXPECT_FALSE(ev.inferred);
    expect_fields_in_slots(*r, ev, *spec, e);
  }
}

TEST(TraceReaderValues, EveryKindWithAllFieldsParses) {
  for (const EventSpec* spec : real_specs()) {
    json e = event_json(*spec, /*with_optional=*/true);
    e["cpu"] = 3;
    e["tid"] = 77;
    e["comm"] = "kworker/u8:2";
    e["inferred"] = true;
    auto r = read_ok(trace_text({e.dump()}, kHeaderD0));
    ASSERT_TRUE(r.ok()) << e.dump();
    ASSERT_EQ(r->events.size(), 1u);
    const Event& ev = r->events[0];
    EXPECT_EQ(ev.kind, spec->kind);
    EXPECT_EQ(ev.cpu, 3);
    EXPECT_EQ(ev.tid, 77);
    EXPECT_EQ(r->str(ev.comm), "kworker/u8:2");
    EXPECT_TRUE(ev.inferred);
    expect_fields_in_slots(*r, ev, *spec, e);
  }
}

TEST(TraceReaderValues, SlotsAreUniquePerKind) {
  // The reader stores each field in its slot: two fields sharing one would clobber each other.
  for (const EventSpec* spec : real_specs()) {
    std::set<Slot> slots;
    for (const auto& f : spec->fields) EXPECT_TRUE(slots.insert(f.slot).second) << spec->name << "." << f.name;
    EXPECT_LE(spec->fields.size(), 32u);
  }
}

TEST(TraceReaderValues, ProbeEnd) {
  auto r = read_ok(trace_text({R"({"t":1,"ev":"probe_end","dev":"d0","drv":"rt5682","ret":-517,"outcome":"deferred"})",
                               R"({"t":2,"ev":"probe_end","dev":"d0","drv":"rt5682","ret":0,"outcome":"bound"})",
                               R"({"t":3,"ev":"probe_end","dev":"d0","drv":"rt5682","ret":-19,"outcome":"rejected"})",
                               R"({"t":4,"ev":"probe_end","dev":"d0","drv":"rt5682","ret":-5,"outcome":"failed"})"},
                              kHeaderD0));
  ASSERT_TRUE(r.ok());
  const auto& ev = r->events;
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].num, -517);
  EXPECT_TRUE(ev[0].has_num());
  EXPECT_EQ(ev[0].outcome, ProbeOutcome::deferred);
  EXPECT_EQ(r->str(ev[0].drv), "rt5682");
  EXPECT_EQ(ev[0].dev, 0u);
  EXPECT_EQ(ev[1].num, 0);
  EXPECT_EQ(ev[1].outcome, ProbeOutcome::bound);
  EXPECT_EQ(ev[2].num, -19);
  EXPECT_EQ(ev[2].outcome, ProbeOutcome::rejected);
  EXPECT_EQ(ev[3].outcome, ProbeOutcome::failed);
}

TEST(TraceReaderValues, FirmwareRequest) {
  auto r = read_ok(trace_text(
      {R"({"t":1,"ev":"fw_request","id":3,"mode":"nowait","name":"i915/tgl_dmc.bin","dev":"d0","cb":"intel_dmc_fw_cb"})",
       R"({"t":2,"ev":"fw_request","id":4,"mode":"sync","name":"rt5682.bin"})",
       R"({"t":3,"ev":"fw_done","id":3,"ret":-2})", R"({"t":4,"ev":"fw_cb_end","id":3})"},
      kHeaderD0));
  ASSERT_TRUE(r.ok());
  const auto& ev = r->events;
  EXPECT_TRUE(ev[0].flag);
  EXPECT_EQ(ev[0].id, 3u);
  EXPECT_TRUE(ev[0].has_id());
  EXPECT_EQ(r->str(ev[0].name), "i915/tgl_dmc.bin");
  EXPECT_EQ(r->str(ev[0].s3), "intel_dmc_fw_cb");
  EXPECT_EQ(ev[0].dev, 0u);
  EXPECT_FALSE(ev[1].flag);
  EXPECT_EQ(ev[1].dev, kNoDev);
  EXPECT_EQ(ev[1].s3, 0u);
  EXPECT_EQ(ev[2].id, 3u);
  EXPECT_EQ(ev[2].num, -2);
  EXPECT_EQ(ev[3].id, 3u);
}

TEST(TraceReaderValues, ComponentAddDais) {
  auto r = read_ok(trace_text(
      {R"({"t":1,"ev":"component_add","name":"rt5682.0-001a","dev":"d0","dais":["rt5682-aif1","rt5682-aif2"]})",
       R"({"t":2,"ev":"component_add","name":"pcm","dev":"d0","dais":[]})",
       R"({"t":3,"ev":"component_add","name":"dmic","dev":"d0"})",
       R"({"t":4,"ev":"component_add","name":"x","dev":"d0","dais":["rt5682-aif1"]})"},
      kHeaderD0));
  ASSERT_TRUE(r.ok());
  const auto& ev = r->events;
  EXPECT_EQ(r->str(ev[0].name), "rt5682.0-001a");
  ASSERT_NE(ev[0].list, 0u);
  std::vector<std::string> dais;
  for (StrId s : r->lists[ev[0].list]) dais.emplace_back(r->str(s));
  EXPECT_THAT(dais, ElementsAre("rt5682-aif1", "rt5682-aif2"));
  EXPECT_EQ(ev[1].list, 0u);  // empty list = no list
  EXPECT_EQ(ev[2].list, 0u);
  ASSERT_NE(ev[3].list, 0u);
  EXPECT_NE(ev[3].list, ev[0].list);
  ASSERT_EQ(r->lists[ev[3].list].size(), 1u);
  EXPECT_EQ(r->lists[ev[3].list][0], r->lists[ev[0].list][0]);  // interned
  EXPECT_TRUE(r->lists[0].empty());
}

TEST(TraceReaderValues, ModuleRequest) {
  auto r = read_ok(trace_text({R"({"t":1,"ev":"module_request","name":"snd-soc-rt5682","wait":true,"id":12})",
                               R"({"t":2,"ev":"module_request","name":"platform:foo","wait":false})",
                               R"({"t":3,"ev":"module_load","module":"snd_soc_rt5682","req":12})",
                               R"({"t":4,"ev":"module_init_done","module":"snd_soc_rt5682","ret":0})"}));
  ASSERT_TRUE(r.ok());
  const auto& ev = r->events;
  EXPECT_EQ(r->str(ev[0].name), "snd-soc-rt5682");
  EXPECT_TRUE(ev[0].flag);
  EXPECT_TRUE(ev[0].has_flag());
  EXPECT_EQ(ev[0].id, 12u);
  EXPECT_TRUE(ev[0].has_id());
  EXPECT_FALSE(ev[1].flag);
  EXPECT_TRUE(ev[1].has_flag());
  EXPECT_FALSE(ev[1].has_id());
  EXPECT_EQ(r->str(ev[2].name), "snd_soc_rt5682");
  EXPECT_EQ(ev[2].id, 12u);
  EXPECT_TRUE(ev[3].has_num());
  EXPECT_EQ(ev[3].num, 0);
}

TEST(TraceReaderValues, SndCardRegister) {
  auto r = read_ok(trace_text({R"({"t":1,"ev":"snd_card_register","dev":"d0","index":1,"id":"PCH"})",
                               R"({"t":2,"ev":"snd_card_register","index":0,"id":"sofrt5682"})"},
                              kHeaderD0));
  ASSERT_TRUE(r.ok());
  const auto& ev = r->events;
  EXPECT_EQ(ev[0].num, 1);
  EXPECT_TRUE(ev[0].has_num());
  EXPECT_EQ(r->str(ev[0].name), "PCH");
  EXPECT_EQ(ev[0].dev, 0u);
  EXPECT_EQ(ev[1].num, 0);
  EXPECT_TRUE(ev[1].has_num());
  EXPECT_EQ(ev[1].dev, kNoDev);
}

TEST(TraceReaderValues, OptionalFieldsAreMarkedAbsent) {
  auto r = read_ok(
      trace_text({R"({"t":1,"ev":"driver_register","drv":"rt5682","bus":"i2c"})",
                  R"({"t":2,"ev":"driver_register","drv":"sof","bus":"pci","async":false,"module":"snd_sof_pci"})",
                  R"({"t":3,"ev":"trigger"})", R"({"t":4,"ev":"trigger","cause":"bound","count":5})",
                  R"({"t":5,"ev":"unbind","dev":"d0"})", R"({"t":6,"ev":"timeout_armed","secs":10})"},
                 kHeaderD0));
  ASSERT_TRUE(r.ok());
  const auto& ev = r->events;
  EXPECT_FALSE(ev[0].has_flag());
  EXPECT_EQ(ev[0].name, 0u);
  EXPECT_EQ(r->str(ev[0].s2), "i2c");
  EXPECT_TRUE(ev[1].has_flag());
  EXPECT_FALSE(ev[1].flag);
  EXPECT_EQ(r->str(ev[1].name), "snd_sof_pci");
  EXPECT_FALSE(ev[2].has_id());
  EXPECT_EQ(ev[2].name, 0u);
  EXPECT_TRUE(ev[3].has_id());
  EXPECT_EQ(ev[3].id, 5u);
  EXPECT_EQ(r->str(ev[3].name), "bound");
  EXPECT_EQ(ev[4].drv, 0u);
  EXPECT_EQ(ev[5].num, 10);
}

TEST(TraceReaderValues, KeyOrderDoesNotMatter) {
  auto r = read_ok(
      trace_text({R"({"outcome":"bound","ret":0,"drv":"x","dev":"d0","ev":"probe_end","comm":"c","t":4})"}, kHeaderD0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events[0].kind, EventKind::probe_end);
  EXPECT_EQ(r->events[0].t, 4u);
  EXPECT_EQ(r->str(r->events[0].comm), "c");
}

// ---------------------------------------------------------------- files

TEST(TraceReaderFile, MissingFile) {
  const std::string path = testing::TempDir() + "reprobe-no-such-dir/none.trace";
  auto r = read_trace_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().path, path);
  EXPECT_EQ(r.error().line, 0u);
  EXPECT_THAT(r.error().str(), ::testing::StartsWith(path + ": cannot read"));
}

// Issue 15: a file name holding ESC, BEL, a line break or U+202E is shown escaped (visible()) in
// the error line, which stays one line and cannot retitle or clear the terminal; the Error keeps
// the raw path for the caller.
TEST(TraceReaderFile, HostileFileNameIsEscapedInTheError) {
  const std::string dir = testing::TempDir() + "reprobe-no-such-dir/";
  const std::string path = dir + "x\x1b]0;pwned\x07\nreprobe: forged\xE2\x80\xAE.trace";
  auto r = read_trace_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().path, path);
  const std::string s = r.error().str();
  EXPECT_THAT(s, ::testing::StartsWith(dir + R"(x\x1b]0;pwned\x07\nreprobe: forged\u202e.trace: cannot read)"));
  EXPECT_EQ(s.find_first_of("\x1b\x07\n"), std::string::npos) << s;
  EXPECT_EQ(s.find("\xE2\x80\xAE"), std::string::npos) << s;
  // With a line number too.
  EXPECT_EQ((Error{"a\nb", 7, "bad"}.str()), R"(a\nb:7: bad)");
}

TEST(TraceReaderFile, ReadsAFile) {
  const std::string path = testing::TempDir() + "reprobe_trace_reader_test.trace";
  {
    std::ofstream f(path, std::ios::binary);
    f << trace_text({R"({"t":1,"ev":"resume"})", R"({"t":2,"ev":"bogus"})"});
  }
  auto r = read_trace_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str(), path + ":3: unknown event 'bogus' (extension events must start with 'x-')");
  {
    std::ofstream f(path, std::ios::binary);
    f << trace_text({R"({"t":1,"ev":"resume"})", R"({"ev":"end"})"});
  }
  auto ok = read_trace_file(path);
  ASSERT_TRUE(ok.ok()) << ok.error().str();
  EXPECT_EQ(ok->path, path);
  EXPECT_EQ(ok->events.size(), 1u);
  std::remove(path.c_str());
}

// ---------------------------------------------------------------- issue 15: nesting and duplicate keys

// `depth` objects within each other around a string: {"k":{"k":..."v"...}}.
std::string nested(size_t depth) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += R"({"k":)";
  s += R"("v")";
  s += std::string(depth, '}');
  return s;
}

std::string header_with(std::string_view extra) {
  std::string h(kHeader);
  h.pop_back();
  return h + "," + std::string(extra) + "}";
}

TEST(TraceReaderNesting, DeepHeaderIsRefusedWithItsLine) {
  // The hostile test's header: a key nested ~50 000 levels deep, well within the 1 MiB line limit.
  const std::string text = header_with(R"("x-deep":)" + nested(50000)) + "\n";
  ASSERT_LT(text.size(), size_t{1} << 20);
  EXPECT_EQ(read_error(text), "t.trace:1: nesting deeper than 32 (objects and arrays within each other)");
}

TEST(TraceReaderNesting, DeepArraysAreRefusedToo) {
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  EXPECT_EQ(read_error(header_with(R"("x-deep":)" + deep) + "\n"),
            "t.trace:1: nesting deeper than 32 (objects and arrays within each other)");
}

TEST(TraceReaderNesting, DeepEventAndEndLineAreRefused) {
  const std::string ev = R"({"t":1,"ev":"x-thing","x-v":)" + nested(100) + "}";
  EXPECT_EQ(event_error(ev), "t.trace:2: nesting deeper than 32 (objects and arrays within each other)");
  const std::string end = R"({"ev":"end","t":1,"x-v":)" + nested(40) + "}";
  EXPECT_EQ(event_error(end), "t.trace:2: nesting deeper than 32 (objects and arrays within each other)");
}

TEST(TraceReaderNesting, TheLimitItselfIsAccepted) {
  // The header object is level 1: 31 more levels reach the limit of 32.
  EXPECT_TRUE(read_ok(trace_text({}, header_with(R"("x-deep":)" + nested(31)))).ok());
  EXPECT_THAT(read_error(trace_text({}, header_with(R"("x-deep":)" + nested(32)))),
              HasSubstr("nesting deeper than 32"));
  ReadLimits lim;
  lim.max_nesting = 4;
  EXPECT_THAT(read_error(trace_text({}, header_with(R"("x-deep":)" + nested(4))), lim),
              HasSubstr("t.trace:1: nesting deeper than 4"));
}

TEST(TraceReaderDuplicateKeys, Header) {
  EXPECT_EQ(read_error(header_with(R"("version":2)") + "\n"), "t.trace:1: duplicate key 'version'");
  EXPECT_EQ(read_error(header_with(R"("x-a":{"b":1,"b":2})") + "\n"), "t.trace:1: duplicate key 'b'");
  // Keys are compared unescaped.
  EXPECT_EQ(read_error(header_with(R"("\u0073ource":"bpf")") + "\n"), "t.trace:1: duplicate key 'source'");
}

TEST(TraceReaderDuplicateKeys, EventsOnBothPaths) {
  // A line the fast path would take if it were not for the repeated key.
  EXPECT_EQ(event_error(R"({"t":1,"cpu":0,"tid":1,"comm":"c","ev":"bound","dev":"d0","drv":"a","drv":"b"})"),
            "t.trace:2: duplicate key 'drv'");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"late_initcall","ev":"trigger","source":"x"})"),
            "t.trace:2: duplicate key 'ev'");
  EXPECT_EQ(event_error(R"({"t":1,"t":2,"ev":"late_initcall"})"), "t.trace:2: duplicate key 't'");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"late_initcall","\u0074":2})"), "t.trace:2: duplicate key 't'");
  EXPECT_EQ(event_error(R"({"t":1,"ev":"x-e","x-a":1,"x-a":2})"), "t.trace:2: duplicate key 'x-a'");
  EXPECT_EQ(event_error(R"({"ev":"end","t":1,"lost":0,"lost":1})"), "t.trace:2: duplicate key 'lost'");
  // The same key in different objects is fine.
  EXPECT_TRUE(read_ok(trace_text({R"({"t":1,"ev":"x-e","x-a":{"k":1},"x-b":{"k":2}})"})).ok());
}

TEST(TraceReaderDuplicateKeys, InvalidJsonStillSaysInvalidJson) {
  EXPECT_THAT(event_error(R"({"t":1,"t":})"), HasSubstr("invalid JSON"));
}

}  // namespace
}  // namespace reprobe
