// Unit tests for the canonical trace writer (replayer/trace/trace_writer.cpp): key
// order, validation, read/write round trips and atomic file writes.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "replayer/trace/trace_event.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"

namespace reprobe {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::string_view kHeader =
    R"({"format":"reprobe-trace","version":1,"source":"synthetic","kernel":{"release":"6.1.0-27-amd64"},)"
    R"("clock":"boottime_ns","hooks":{}})";

// The message of the Error a canonical_*_line() call returned, or "" (and a failure).
std::string rejection_of(const Result<std::string>& r) {
  if (r) {
    ADD_FAILURE() << "accepted: " << *r;
    return {};
  }
  EXPECT_EQ(r.error().path, "");  // the writer does not know where its input came from
  return r.error().message;
}

std::string event_rejection(std::string_view event_json) {
  return rejection_of(canonical_event_line(json::parse(event_json)));
}

std::string header_rejection(const json& h) { return rejection_of(canonical_header_line(h)); }

std::string write_to_string(const Trace& tr) {
  std::ostringstream out;
  EXPECT_TRUE(write_trace(tr, out));
  return out.str();
}

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
      return false;
    case FieldType::str_list:
      return json::array({"a", "b"});
    case FieldType::outcome:
      return "rejected";
    case FieldType::fw_mode:
      return "sync";
  }
  return nullptr;
}

// ---------------------------------------------------------------- canonical_event_line

TEST(CanonicalEventLine, KeyOrder) {
  const json e =
      json::parse(R"({"x-b":1,"inferred":true,"outcome":"bound","ret":0,"drv":"rt5682","dev":"i2c-10EC5682:00",)"
                  R"("ev":"probe_end","comm":"kworker/0:1","tid":12,"cpu":3,"t":100,"x-a":"z"})");
  EXPECT_EQ(canonical_event_line(e).value(),
            R"({"t":100,"cpu":3,"tid":12,"comm":"kworker/0:1","ev":"probe_end","dev":"i2c-10EC5682:00",)"
            R"("drv":"rt5682","ret":0,"outcome":"bound","inferred":true,"x-a":"z","x-b":1})");
}

TEST(CanonicalEventLine, FieldsFollowSchemaOrderForEveryKind) {
  for (const auto& spec : all_event_specs()) {
    if (spec.kind == EventKind::extension) continue;
    // Build the object in reverse order; the canonical line must be schema order.
    json expected = json::object();
    expected["t"] = 5;
    expected["cpu"] = 0;
    expected["tid"] = 1;
    expected["comm"] = "swapper/0";
    expected["ev"] = spec.name;
    for (const auto& f : spec.fields) expected[std::string(f.name)] = sample_value(f);
    expected["inferred"] = true;
    expected["x-z"] = 1;
    json reversed = json::object();
    std::vector<std::string> keys;
    for (const auto& [k, v] : expected.items()) keys.push_back(k);
    std::reverse(keys.begin(), keys.end());
    for (const auto& k : keys) reversed[k] = expected[k];
    EXPECT_EQ(canonical_event_line(reversed).value(), expected.dump()) << spec.name;
  }
}

TEST(CanonicalEventLine, OptionalPartsAreOmitted) {
  EXPECT_EQ(canonical_event_line(json::parse(R"({"ev":"resume","t":7})")).value(), R"({"t":7,"ev":"resume"})");
  // inferred:false is the default and is not written.
  EXPECT_EQ(canonical_event_line(json::parse(R"({"inferred":false,"ev":"resume","t":7})")).value(),
            R"({"t":7,"ev":"resume"})");
  EXPECT_EQ(canonical_event_line(json::parse(R"({"ev":"unbind","dev":"d0","t":7})")).value(),
            R"({"t":7,"ev":"unbind","dev":"d0"})");
}

TEST(CanonicalEventLine, ExtensionEventKeysAreSorted) {
  EXPECT_EQ(
      canonical_event_line(json::parse(R"({"zeta":[1],"ev":"x-irq","alpha":{"b":1,"a":2},"t":5,"cpu":2,"x-q":0})"))
          .value(),
      R"({"t":5,"cpu":2,"ev":"x-irq","alpha":{"b":1,"a":2},"x-q":0,"zeta":[1]})");
}

TEST(CanonicalEventLine, AcceptsAnyNonNegativeIntegerTime) {
  json e = json::object();
  e["t"] = 5;  // a C++ int: stored as a signed JSON integer
  e["ev"] = "resume";
  EXPECT_EQ(canonical_event_line(e).value(), R"({"t":5,"ev":"resume"})");
  e["t"] = uint64_t{1} << 62;
  EXPECT_EQ(canonical_event_line(e).value(), R"({"t":4611686018427387904,"ev":"resume"})");
}

TEST(CanonicalEventLine, RejectsMalformedEvents) {
  EXPECT_EQ(event_rejection(R"([1])"), "event needs a string field 'ev'");
  EXPECT_EQ(event_rejection(R"({"t":1})"), "event needs a string field 'ev'");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":5})"), "event needs a string field 'ev'");
  EXPECT_EQ(event_rejection(R"({"ev":"resume"})"), "event 'resume' needs an unsigned 't'");
  EXPECT_EQ(event_rejection(R"({"t":-1,"ev":"resume"})"), "event 'resume' needs an unsigned 't'");
  EXPECT_EQ(event_rejection(R"({"t":1.5,"ev":"resume"})"), "event 'resume' needs an unsigned 't'");
  EXPECT_EQ(event_rejection(R"({"t":"1","ev":"x-foo"})"), "event 'x-foo' needs an unsigned 't'");
}

TEST(CanonicalEventLine, RejectsUnknownEvent) {
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"foo"})"), "unknown event 'foo'");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"end"})"), "unknown event 'end'");
}

TEST(CanonicalEventLine, RejectsUnknownField) {
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"resume","foo":1})"), "unknown field 'foo' in event 'resume'");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"probe_start","dev":"d","drv":"x","ret":0})"),
            "unknown field 'ret' in event 'probe_start'");
}

TEST(CanonicalEventLine, RejectsMissingRequiredField) {
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"probe_end","dev":"d","drv":"x","ret":0})"),
            "event 'probe_end' is missing field 'outcome'");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"fw_request","id":1,"name":"a.bin"})"),
            "event 'fw_request' is missing field 'mode'");
  for (const auto& spec : all_event_specs()) {
    if (spec.kind == EventKind::extension) continue;
    for (const auto& missing : spec.fields) {
      if (!missing.required) continue;
      json e = json::object();
      e["t"] = 1u;
      e["ev"] = spec.name;
      for (const auto& f : spec.fields)
        if (f.name != missing.name) e[std::string(f.name)] = sample_value(f);
      EXPECT_EQ(rejection_of(canonical_event_line(e)),
                fmt::format("event '{}' is missing field '{}'", spec.name, missing.name));
    }
  }
}

TEST(CanonicalEventLine, RejectsWrongTypes) {
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"probe_end","dev":"d","drv":"x","ret":"0","outcome":"bound"})"),
            R"(field 'ret' must be an integer, got "0")");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"probe_end","dev":"d","drv":"x","ret":0.5,"outcome":"bound"})"),
            "field 'ret' must be an integer, got 0.5");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"probe_end","dev":"d","drv":"x","ret":0,"outcome":"ok"})"),
            R"(field 'outcome' must be bound|deferred|failed|rejected, got "ok")");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"probe_end","dev":7,"drv":"x","ret":0,"outcome":"bound"})"),
            "field 'dev' must be a string, got 7");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"device_add","dev":"a","bus":["pci"]})"),
            R"(field 'bus' must be a string, got ["pci"])");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"fw_cb_end","id":-1})"), "field 'id' must be an unsigned integer, got -1");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"fw_cb_end","id":"1"})"),
            R"(field 'id' must be an unsigned integer, got "1")");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"fw_request","id":1,"mode":"async","name":"a.bin"})"),
            R"(field 'mode' must be sync|nowait, got "async")");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"module_request","name":"m","wait":1})"),
            "field 'wait' must be a boolean, got 1");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"component_add","name":"c","dev":"d","dais":"a"})"),
            R"(field 'dais' must be an array of strings, got "a")");
  EXPECT_EQ(event_rejection(R"({"t":1,"ev":"component_add","name":"c","dev":"d","dais":["a",1]})"),
            R"(field 'dais' must be an array of strings, got ["a",1])");
}

// ---------------------------------------------------------------- canonical_header_line

TEST(CanonicalHeaderLine, KeyOrder) {
  const json h = json::parse(
      R"({"x-host":"lab3","drivers":[],"devices":[],"snapshot":{},"hooks":{"probe_start":"fentry"},)"
      R"("clock":"boottime_ns","kernel":{"release":"6.8.0"},"source":"bpf","version":1,"format":"reprobe-trace","a":0})");
  EXPECT_EQ(
      canonical_header_line(h).value(),
      R"({"format":"reprobe-trace","version":1,"source":"bpf","kernel":{"release":"6.8.0"},"clock":"boottime_ns",)"
      R"("hooks":{"probe_start":"fentry"},"snapshot":{},"devices":[],"drivers":[],"x-host":"lab3","a":0})");
  EXPECT_EQ(canonical_header_line(json::parse(kHeader)).value(), kHeader);
}

TEST(CanonicalHeaderLine, RequiresTheMandatoryFields) {
  EXPECT_EQ(header_rejection(json::array()), "header must be an object");
  EXPECT_EQ(header_rejection(json("reprobe-trace")), "header must be an object");
  for (const char* key : {"format", "version", "source", "kernel", "clock", "hooks"}) {
    json h = json::parse(kHeader);
    h.erase(key);
    EXPECT_EQ(header_rejection(h), fmt::format("header is missing '{}'", key));
  }
}

// ---------------------------------------------------------------- TraceWriter

TEST(TraceWriter, WritesHeaderEventsAndEnd) {
  std::ostringstream out;
  TraceWriter w(out);
  ASSERT_TRUE(w.header(json::parse(kHeader)));
  ASSERT_TRUE(w.event(json::parse(R"({"ev":"resume","t":1})")));
  ASSERT_TRUE(w.event(json::parse(R"({"ev":"late_initcall","t":2,"cpu":0})")));
  EXPECT_EQ(w.events_written(), 2u);
  w.end(3, 4, 10, json::parse(R"({"reason":"sigint","dropped":99})"));
  EXPECT_EQ(w.events_written(), 2u);
  EXPECT_EQ(out.str(), std::string(kHeader) + "\n" + R"({"t":1,"ev":"resume"})" + "\n" +
                           R"({"t":2,"cpu":0,"ev":"late_initcall"})" + "\n" +
                           R"({"ev":"end","t":10,"dropped":3,"lost":4,"reason":"sigint"})" + "\n");
}

TEST(TraceWriter, EndWithoutTime) {
  std::ostringstream out;
  TraceWriter(out).end(0, 0);
  EXPECT_EQ(out.str(), R"({"ev":"end","dropped":0,"lost":0})"
                       "\n");
}

TEST(TraceWriter, InvalidEventWritesNothing) {
  std::ostringstream out;
  TraceWriter w(out);
  auto r = w.event(json::parse(R"({"ev":"bogus","t":1})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "unknown event 'bogus'");
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(w.events_written(), 0u);
}

// ---------------------------------------------------------------- round trips

// Non-canonical key order everywhere, plus a device name reused after device_del.
constexpr std::string_view kMessyTrace =
    R"({"hooks":{"probe_start":"fentry","probe_end":"fentry"},"clock":"boottime_ns","kernel":{"release":"6.8.0","profile":"debian"},"source":"bpf","version":1,"format":"reprobe-trace","devices":[{"bus":"pci","dev":"0000:00:1f.3","driver":"snd_hda_intel"},{"driver":null,"bus":"platform","dev":"d0"}],"drivers":[{"async":false,"bus":"pci","drv":"snd_hda_intel"},{"bus":"i2c","drv":"rt5682","async":true}],"x-host":"lab3"}
{"ev":"device_add","bus":"platform","dev":"card0","t":100,"parent":"d0"}
{"comm":"kworker/0:1","drv":"sof","t":200,"ev":"probe_start","dev":"card0","tid":55,"cpu":1}
{"outcome":"deferred","ret":-517,"ev":"probe_end","drv":"sof","dev":"card0","t":300}
{"ev":"defer_add","dev":"card0","t":300}
{"t":310,"ev":"x-irq","b":2,"a":1}
{"ev":"defer_reason","reason":"wait for codec","dev":"card0","t":320}
{"inferred":true,"t":400,"ev":"trigger","cause":"late_initcall"}
{"ev":"fw_request","name":"sof/sof-tgl.ri","mode":"nowait","id":1,"t":500,"dev":"card0","cb":"sof_probe_cb"}
{"t":600,"ret":0,"id":1,"ev":"fw_done"}
{"dais":["ssp0","ssp1"],"dev":"card0","name":"sof-audio","t":700,"ev":"component_add"}
{"ev":"module_request","wait":false,"name":"snd-soc-rt5682","t":800}
{"id":"sofrt5682","index":0,"ev":"snd_card_register","t":900}
{"dev":"card0","ev":"device_del","t":950}
{"t":960,"dev":"card0","bus":"platform","ev":"device_add"}
{"drv":"sof","ev":"bound","t":970,"dev":"card0"}
{"lost":0,"dropped":3,"t":1000,"ev":"end","reason":"sigint"}
)";

constexpr std::string_view kCanonicalTrace =
    R"({"format":"reprobe-trace","version":1,"source":"bpf","kernel":{"release":"6.8.0","profile":"debian"},"clock":"boottime_ns","hooks":{"probe_start":"fentry","probe_end":"fentry"},"devices":[{"dev":"0000:00:1f.3","bus":"pci","driver":"snd_hda_intel"},{"dev":"d0","bus":"platform"}],"drivers":[{"drv":"snd_hda_intel","bus":"pci"},{"drv":"rt5682","bus":"i2c","async":true}],"x-host":"lab3"}
{"t":100,"ev":"device_add","dev":"card0","bus":"platform","parent":"d0"}
{"t":200,"cpu":1,"tid":55,"comm":"kworker/0:1","ev":"probe_start","dev":"card0","drv":"sof"}
{"t":300,"ev":"probe_end","dev":"card0","drv":"sof","ret":-517,"outcome":"deferred"}
{"t":300,"ev":"defer_add","dev":"card0"}
{"t":310,"ev":"x-irq","a":1,"b":2}
{"t":320,"ev":"defer_reason","dev":"card0","reason":"wait for codec"}
{"t":400,"ev":"trigger","cause":"late_initcall","inferred":true}
{"t":500,"ev":"fw_request","id":1,"mode":"nowait","name":"sof/sof-tgl.ri","dev":"card0","cb":"sof_probe_cb"}
{"t":600,"ev":"fw_done","id":1,"ret":0}
{"t":700,"ev":"component_add","name":"sof-audio","dev":"card0","dais":["ssp0","ssp1"]}
{"t":800,"ev":"module_request","name":"snd-soc-rt5682","wait":false}
{"t":900,"ev":"snd_card_register","index":0,"id":"sofrt5682"}
{"t":950,"ev":"device_del","dev":"card0"}
{"t":960,"ev":"device_add","dev":"card0","bus":"platform"}
{"t":970,"ev":"bound","dev":"card0","drv":"sof"}
{"ev":"end","t":1000,"dropped":3,"lost":0,"reason":"sigint"}
)";

TEST(RoundTrip, ReadThenWriteGivesTheCanonicalText) {
  auto r = read_trace_text(kMessyTrace, "messy.trace");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_THAT(r->warnings, IsEmpty());
  EXPECT_EQ(write_to_string(*r), kCanonicalTrace);
}

TEST(RoundTrip, CanonicalTextIsAFixedPoint) {
  auto r = read_trace_text(kCanonicalTrace, "canonical.trace");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const std::string once = write_to_string(*r);
  EXPECT_EQ(once, kCanonicalTrace);
  auto again = read_trace_text(once, "once.trace");
  ASSERT_TRUE(again.ok()) << again.error().str();
  EXPECT_EQ(write_to_string(*again), once);
}

TEST(RoundTrip, ParsedEventLineEqualsJsonEventLine) {
  // The two canonical_event_line overloads agree line by line.
  auto r = read_trace_text(kMessyTrace, "messy.trace");
  ASSERT_TRUE(r.ok()) << r.error().str();
  std::istringstream in{std::string(kMessyTrace)};
  std::string line;
  std::getline(in, line);  // header
  size_t i = 0;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    if (j["ev"] == "end") break;
    ASSERT_LT(i, r->events.size());
    EXPECT_EQ(canonical_event_line(*r, r->events[i]), canonical_event_line(j).value()) << line;
    ++i;
  }
  EXPECT_EQ(i, r->events.size());
}

TEST(RoundTrip, EveryKindWithAllFields) {
  const std::string header = R"({"format":"reprobe-trace","version":1,"source":"synthetic","kernel":{"release":"6.1"},)"
                             R"("clock":"boottime_ns","hooks":{},"devices":[{"dev":"d0","bus":"platform"}]})";
  for (const auto& spec : all_event_specs()) {
    if (spec.kind == EventKind::extension) continue;
    json e = json::object();
    e["t"] = 5u;
    e["cpu"] = 1;
    e["tid"] = 2;
    e["comm"] = "modprobe";
    e["ev"] = spec.name;
    for (const auto& f : spec.fields) e[std::string(f.name)] = sample_value(f);
    e["inferred"] = true;
    const std::string line = e.dump();
    ASSERT_EQ(canonical_event_line(e).value(), line) << spec.name;
    auto r = read_trace_text(header + "\n" + line + "\n", "k.trace");
    ASSERT_TRUE(r.ok()) << r.error().str();
    ASSERT_EQ(r->events.size(), 1u);
    EXPECT_EQ(canonical_event_line(*r, r->events[0]), line) << spec.name;
    EXPECT_EQ(event_to_json(*r, r->events[0]), e) << spec.name;
  }
}

TEST(RoundTrip, TraceWithoutEndLineIsWrittenWithoutOne) {
  const std::string text = std::string(kHeader) + "\n" + R"({"t":1,"ev":"resume"})" + "\n";
  auto r = read_trace_text(text, "t.trace");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(write_to_string(*r), text);
}

TEST(RoundTrip, HeaderDevicesAndDriversAreRegenerated) {
  const std::string text =
      std::string(R"({"format":"reprobe-trace","version":1,"source":"dmesg","kernel":{"release":"6.1"},)") +
      R"("clock":"boottime_ns","hooks":{"probe_end":"dmesg"},)" +
      R"("devices":[{"parent":"p","bus":"pci","dev":"a"}],"drivers":[{"bus":"pci","drv":"x"}]})" + "\n";
  auto r = read_trace_text(text, "t.trace");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const json h = trace_header_json(*r);
  EXPECT_EQ(h["devices"], json::parse(R"([{"dev":"a","bus":"pci","parent":"p"}])"));
  EXPECT_EQ(h["drivers"], json::parse(R"([{"drv":"x","bus":"pci"}])"));
}

// ---------------------------------------------------------------- write_file_atomically

class WriteFileAtomically : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           fmt::format("reprobe_writer_{}_{}", info->name(), static_cast<long>(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

TEST_F(WriteFileAtomically, WritesTheFile) {
  const std::string path = (dir_ / "out.trace").string();
  auto r = write_file_atomically(path, [](std::ostream& o) { o << "line 1\nline 2\n"; });
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_THAT(files(), ElementsAre("out.trace"));
  EXPECT_EQ(slurp(path), "line 1\nline 2\n");
}

TEST_F(WriteFileAtomically, ReplacesAnExistingFile) {
  const std::string path = (dir_ / "out.trace").string();
  std::ofstream(path) << "old contents that are longer than the new ones\n";
  auto r = write_file_atomically(path, [](std::ostream& o) { o << "new\n"; });
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_THAT(files(), ElementsAre("out.trace"));
  EXPECT_EQ(slurp(path), "new\n");
}

TEST_F(WriteFileAtomically, WritesAWholeTrace) {
  auto tr = read_trace_text(kMessyTrace, "messy.trace");
  ASSERT_TRUE(tr.ok()) << tr.error().str();
  const std::string path = (dir_ / "canon.trace").string();
  auto r = write_file_atomically(path, [&](std::ostream& o) { ASSERT_TRUE(write_trace(*tr, o)); });
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(slurp(path), kCanonicalTrace);
  auto back = read_trace_file(path);
  ASSERT_TRUE(back.ok()) << back.error().str();
  EXPECT_EQ(back->events.size(), tr->events.size());
}

TEST_F(WriteFileAtomically, BodyThrowingLeavesNoFile) {
  const std::string path = (dir_ / "out.trace").string();
  EXPECT_THROW((void)write_file_atomically(path,
                                           [](std::ostream& o) {
                                             o << "{\"t\":1,\"ev\":\"resume\"}\n";
                                             throw std::invalid_argument("unknown event 'bogus'");
                                           }),
               std::invalid_argument);
  EXPECT_THAT(files(), IsEmpty());
}

TEST_F(WriteFileAtomically, BodyThrowingKeepsTheOldFile) {
  const std::string path = (dir_ / "out.trace").string();
  std::ofstream(path) << "old\n";
  EXPECT_THROW((void)write_file_atomically(path, [](std::ostream&) { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_THAT(files(), ElementsAre("out.trace"));
  EXPECT_EQ(slurp(path), "old\n");
}

TEST_F(WriteFileAtomically, MissingDirectory) {
  const std::string path = (dir_ / "no-such-dir" / "out.trace").string();
  bool called = false;
  auto r = write_file_atomically(path, [&](std::ostream& o) {
    called = true;
    o << "x\n";
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str(), path + ": cannot create: No such file or directory");
  EXPECT_FALSE(called);
  EXPECT_THAT(files(), IsEmpty());
  EXPECT_FALSE(fs::exists(dir_ / "no-such-dir"));
}

TEST_F(WriteFileAtomically, RenameFailureLeavesNoTemporaryFile) {
  const fs::path target = dir_ / "is-a-dir";
  // The directory appears while the body is written (after the checks): the rename fails.
  auto r = write_file_atomically(target.string(), [&](std::ostream& o) {
    fs::create_directory(target);
    fs::create_directory(target / "child");  // a non-empty directory cannot be replaced by a file
    o << "x\n";
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str(), target.string() + ": cannot rename into place: Is a directory");
  EXPECT_THAT(files(), ElementsAre("is-a-dir"));
}

TEST_F(WriteFileAtomically, ADirectoryOrAnEmptyNameIsRefusedBeforeTheBodyRuns) {
  const fs::path target = dir_ / "is-a-dir";
  fs::create_directory(target);
  bool called = false;
  auto r = write_file_atomically(target.string(), [&](std::ostream&) { called = true; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str(), target.string() + ": cannot write: is a directory");
  auto e = write_file_atomically("", [&](std::ostream&) { called = true; });
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().str(), "the output file name is empty");
  EXPECT_FALSE(called);
  EXPECT_THAT(files(), ElementsAre("is-a-dir"));
}

TEST_F(WriteFileAtomically, DashWritesToStdout) {
  ::testing::internal::CaptureStdout();
  auto r = write_file_atomically("-", [](std::ostream& o) { o << "to stdout\n"; });
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(out, "to stdout\n");
  EXPECT_THAT(files(), IsEmpty());
}

// Issue 15 #9: replacing a file reset its mode (a 0600 report became 0644).
TEST_F(WriteFileAtomically, ReplacingKeepsTheFileMode) {
  const std::string path = (dir_ / "report.md").string();
  std::ofstream(path) << "old\n";
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = write_file_atomically(path, [](std::ostream& o) { o << "new\n"; });
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(slurp(path), "new\n");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

// Issue 15 #5: a full disk said "write failed" without the reason.
TEST_F(WriteFileAtomically, WriteFailureSaysWhy) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto r = write_file_atomically("/dev/full", [](std::ostream& o) { o << std::string(1 << 17, 'x'); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str(), "/dev/full: write failed: No space left on device");
}

// Issue 15 #8: the temporary file of a write in progress is known to the signal handlers,
// which remove it (remove_pending_temp_files); the write then fails and leaves nothing.
TEST_F(WriteFileAtomically, PendingTempFilesCanBeRemoved) {
  const std::string path = (dir_ / "out.trace").string();
  size_t removed = 0;
  std::vector<std::string> during;
  auto r = write_file_atomically(path, [&](std::ostream& o) {
    o << "x\n";
    during = files();
    removed = remove_pending_temp_files();
  });
  EXPECT_THAT(during, ElementsAre(fmt::format("out.trace.tmp.{}", static_cast<long>(::getpid()))));
  EXPECT_EQ(removed, 1u);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(files(), IsEmpty());
  EXPECT_EQ(remove_pending_temp_files(), 0u);  // finished writes are forgotten
}

}  // namespace
}  // namespace reprobe
