// Perfetto / Chrome trace JSON export (replayer/timeline/perfetto_export.h):
//   * golden files: what `reprobe export --perfetto TRACE` writes for every
//     example (tests/golden/perfetto/NAME.json) and every real capture
//     (tests/golden/perfetto/captures/NAME.json), byte for byte
//     (REPROBE_UPDATE_GOLDEN=1 rewrites them);
//   * the format's invariants on every trace with every policy replayed:
//     complete events nest per track, timestamps never go back on a track,
//     every async begin has its end (same id, cat and name) and every flow
//     start its finish, every track is named.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "examples/scenarios.h"
#include "replayer/timeline/perfetto_export.h"
#include "replayer/timeline/timeline.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"
#include "tests/support/golden_file.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;
const char* const kCaptures[] = {"hda",  "sof-late-component", "sof-fw-callback",
                                 "kick", "timeout-rescue",     "replug-hda"};

Trace load(const std::string& rel) {
  auto t = read_trace_text(slurp(kRoot / rel), rel);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  return t.ok() ? std::move(*t) : Trace{};
}

// What `reprobe export --perfetto` writes: policies empty = the capture only.
std::string export_json(const Trace& tr, const std::vector<std::string>& policies, bool all = false,
                        bool redact = true) {
  ReplayOptions o;
  o.policies = policies;
  o.all_policies = all;
  o.keep_timelines = true;
  auto r = replay(tr, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  if (!r.ok()) return {};
  if (policies.empty() && !all)
    for (auto& v : r->verdicts) v.timeline.clear();
  ReportOptions ro;
  ro.redact = redact;
  return format_perfetto_json(build_timeline(*r, tr), *r, tr, ro);
}

int64_t ns(const nlohmann::json& ts) { return std::llround(ts.get<double>() * 1000.0); }

// Checks the invariants; returns counts per phase for further assertions.
std::map<std::string, size_t> check_invariants(const std::string& text) {
  std::map<std::string, size_t> count;
  nlohmann::json j;
  EXPECT_NO_THROW(j = nlohmann::json::parse(text));
  EXPECT_TRUE(j.contains("traceEvents") && j["traceEvents"].is_array());
  if (!j.contains("traceEvents")) return count;
  using Track = std::pair<int64_t, int64_t>;
  std::set<Track> named;
  std::map<Track, int64_t> last_ts;
  std::map<Track, std::vector<std::pair<int64_t, int64_t>>> slices;
  std::map<std::string, nlohmann::json> async_open;  // cat/id -> begin
  std::map<int64_t, int64_t> flow_start;             // id -> ts
  std::set<int64_t> flow_done;
  for (const auto& e : j["traceEvents"]) {
    const std::string ph = e.at("ph");
    ++count[ph];
    const Track tr{e.at("pid").get<int64_t>(), e.at("tid").get<int64_t>()};
    if (ph == "M") {
      if (e.at("name") == "thread_name") {
        EXPECT_TRUE(e["args"]["name"].is_string());
        named.insert(tr);
      }
      continue;
    }
    EXPECT_TRUE(named.count(tr)) << "event on an unnamed track: " << e.dump();
    const int64_t t = ns(e.at("ts"));
    EXPECT_GE(t, 0);
    if (last_ts.count(tr)) {
      EXPECT_GE(t, last_ts[tr]) << "ts goes back on its track: " << e.dump();
    }
    last_ts[tr] = t;
    if (ph == "X") {
      const int64_t d = ns(e.at("dur"));
      EXPECT_GE(d, 0) << e.dump();
      slices[tr].push_back({t, t + d});
    } else if (ph == "b") {
      const std::string key = e.at("cat").get<std::string>() + "/" + std::to_string(e.at("id").get<int64_t>());
      EXPECT_FALSE(async_open.count(key)) << "async id reused while open: " << key;
      async_open[key] = e;
    } else if (ph == "e") {
      const std::string key = e.at("cat").get<std::string>() + "/" + std::to_string(e.at("id").get<int64_t>());
      auto it = async_open.find(key);
      EXPECT_NE(it, async_open.end()) << "async end without begin: " << e.dump();
      if (it != async_open.end()) {
        EXPECT_EQ(it->second.at("name"), e.at("name"));
        EXPECT_LE(ns(it->second.at("ts")), t);
        async_open.erase(it);
      }
    } else if (ph == "s") {
      EXPECT_FALSE(flow_start.count(e.at("id").get<int64_t>())) << "flow id reused: " << e.dump();
      flow_start[e.at("id").get<int64_t>()] = t;
    } else if (ph == "f") {
      const int64_t id = e.at("id").get<int64_t>();
      EXPECT_TRUE(flow_start.count(id)) << "flow finish before/without its start: " << e.dump();
      if (flow_start.count(id)) {
        EXPECT_LE(flow_start[id], t);
      }
      EXPECT_EQ(e.value("bp", ""), "e");
      flow_done.insert(id);
    } else if (ph == "i") {
      EXPECT_EQ(e.value("s", ""), "t");
    } else {
      ADD_FAILURE() << "unexpected phase " << ph;
    }
  }
  EXPECT_TRUE(async_open.empty()) << async_open.size() << " async span(s) never end, e.g. "
                                  << (async_open.empty() ? "" : async_open.begin()->second.dump());
  for (const auto& [id, t] : flow_start) EXPECT_TRUE(flow_done.count(id)) << "flow " << id << " never finishes";
  // Complete events nest on each track: sorted by (start, longer first), each
  // one either starts after the innermost open slice ends or ends inside it.
  for (auto& [track, v] : slices) {
    std::sort(v.begin(), v.end(),
              [](auto a, auto b) { return a.first != b.first ? a.first < b.first : a.second > b.second; });
    std::vector<int64_t> open;
    for (auto [b, e] : v) {
      while (!open.empty() && open.back() <= b) open.pop_back();
      if (!open.empty()) {
        EXPECT_LE(e, open.back()) << "X events overlap on pid " << track.first << " tid " << track.second;
      }
      open.push_back(e);
    }
  }
  return count;
}

std::string slug(std::string n) {
  for (auto& c : n)
    if (c == '-') c = '_';
  return n;
}

class PerfettoExample : public ::testing::TestWithParam<examples::Example> {};

TEST_P(PerfettoExample, MatchesGolden) {
  const Trace tr = load("examples/" + GetParam().name + ".trace");
  compare_or_update(kRoot / "tests/golden/perfetto" / (GetParam().name + ".json"), export_json(tr, {}));
}

TEST_P(PerfettoExample, InvariantsHoldForEveryPolicy) {
  const Trace tr = load("examples/" + GetParam().name + ".trace");
  const auto c = check_invariants(export_json(tr, {}, true));
  EXPECT_GT(c.at("X"), 0u);
  EXPECT_GT(c.at("M"), 0u);
}

TEST_P(PerfettoExample, IsDeterministic) {
  const Trace tr = load("examples/" + GetParam().name + ".trace");
  EXPECT_EQ(export_json(tr, {}, true), export_json(tr, {}, true));
}

INSTANTIATE_TEST_SUITE_P(Examples, PerfettoExample, ::testing::ValuesIn(examples::all()),
                         [](const auto& info) { return slug(info.param.name); });

class PerfettoCapture : public ::testing::TestWithParam<const char*> {};

TEST_P(PerfettoCapture, MatchesGolden) {
  const Trace tr = load(std::string("tests/data/captures/") + GetParam() + ".trace");
  compare_or_update(kRoot / "tests/golden/perfetto/captures" / (std::string(GetParam()) + ".json"),
                    export_json(tr, {}));
}

TEST_P(PerfettoCapture, InvariantsHoldForEveryPolicy) {
  const Trace tr = load(std::string("tests/data/captures/") + GetParam() + ".trace");
  check_invariants(export_json(tr, {}, true));
}

INSTANTIATE_TEST_SUITE_P(Captures, PerfettoCapture, ::testing::ValuesIn(kCaptures),
                         [](const auto& info) { return slug(info.param); });

// sof-late-component: the machine driver's deferral carries its reason, the
// SOF firmware load is an async span, and under component-kick the
// component's arrival triggers a retry of the card device (a flow).
TEST(PerfettoContent, SofLateComponentShowsReasonsFirmwareAndRetryFlows) {
  const Trace tr = load("examples/sof-late-component.trace");
  const auto j = nlohmann::json::parse(export_json(tr, {"component-kick"}));
  std::map<int64_t, std::string> pname;
  std::map<std::pair<int64_t, int64_t>, std::string> tname;
  for (const auto& e : j["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "process_name")
      pname[e["pid"]] = e["args"]["name"];
    else if (e["ph"] == "M" && e["name"] == "thread_name")
      tname[{e["pid"], e["tid"]}] = e["args"]["name"];
  ASSERT_EQ(pname.size(), 2u);
  EXPECT_EQ(pname[1], "observed (synthetic capture)");
  EXPECT_EQ(pname[2], "replay: component-kick — binds at 25.350450 s");
  EXPECT_EQ(tname[std::make_pair(int64_t{1}, int64_t{1})], "driver core");
  EXPECT_EQ(tname[std::make_pair(int64_t{1}, int64_t{3})], "skl_hda_dsp_generic (target)");
  bool reason = false, firmware = false;
  size_t flows_to_target = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "i" && e["name"] == "deferral" && e["pid"] == 1 && e["tid"] == 3 &&
        e["args"].value("reason", "") == "ASoC: CPU DAI Analog CPU DAI not registered")
      reason = true;
    if (e["ph"] == "b" && e["cat"] == "firmware" && e["name"] == "firmware intel/sof/sof-tgl.ri") firmware = true;
    if (e["ph"] == "f" && e["pid"] == 2 && e["tid"] == 3) ++flows_to_target;
  }
  EXPECT_TRUE(reason);
  EXPECT_TRUE(firmware);
  EXPECT_GE(flows_to_target, 1u) << "component-kick retries the card device";
}

TEST(PerfettoContent, TimestampsAreMicrosecondsWithNanosecondPrecision) {
  const Trace tr = load("examples/sof-late-component.trace");
  const std::string s = export_json(tr, {});
  // probe_start of 0000:00:1f.3 at 25000200000 ns.
  EXPECT_NE(s.find(R"("ts":25000200.000,"dur":900.000,"name":"probe bound")"), std::string::npos);
}

}  // namespace
}  // namespace reprobe
