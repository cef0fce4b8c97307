// The timeline model (replayer/timeline/timeline.h) shared by the HTML report and the
// Perfetto export, checked on the example scenarios: lanes, probe attempts,
// deferral reasons, trigger -> retry links, deferred-work rounds, firmware
// spans, resource registrations, and the replayed timelines of policies.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "replayer/report/replay_output.h"
#include "replayer/timeline/timeline.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

Trace load(const std::string& rel) {
  std::ifstream f(kRoot / rel, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  auto t = read_trace_text(os.str(), rel);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  return t.ok() ? std::move(*t) : Trace{};
}

ReplayReport run(const Trace& tr, bool keep, bool all = true) {
  ReplayOptions o;
  o.all_policies = all;
  o.keep_timelines = keep;
  auto r = replay(tr, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return std::move(*r);
}

uint32_t lane_of(const TimelineModel& tm, const std::string& label) {
  for (uint32_t i = 0; i < tm.lanes.size(); ++i)
    if (tm.lanes[i].label == label) return i;
  ADD_FAILURE() << "no lane " << label;
  return 0;
}

const Timeline& replayed(const TimelineModel& tm, const std::string& policy) {
  for (const auto& t : tm.replayed)
    if (t.name == policy) return t;
  ADD_FAILURE() << "no replayed timeline " << policy;
  return tm.observed;
}

TEST(Timeline, LanesCoreModulesThenTargetsThenByFirstActivity) {
  const Trace tr = load("examples/sof-late-component.trace");
  const TimelineModel tm = build_timeline(run(tr, false), tr);
  ASSERT_GE(tm.lanes.size(), 5u);
  EXPECT_EQ(tm.lanes[kCoreLane].kind, LaneKind::core);
  EXPECT_EQ(tm.lanes[kModulesLane].kind, LaneKind::modules);
  EXPECT_EQ(tm.lanes[2].label, "skl_hda_dsp_generic");
  EXPECT_TRUE(tm.lanes[2].target);
  EXPECT_FALSE(tm.lanes[2].healthy);
  EXPECT_EQ(tm.lanes[3].label, "0000:00:1f.3");
  // The SOF PCI device bound at once, but it registers the DAI the card waits for: never collapsed.
  EXPECT_TRUE(tm.lanes[3].provider);
  EXPECT_FALSE(tm.lanes[3].healthy);
  EXPECT_TRUE(tm.replayed.empty()) << "no timelines kept";
}

TEST(Timeline, ObservedProbesDeferralsTriggersRoundsFirmwareResources) {
  const Trace tr = load("examples/sof-late-component.trace");
  const ReplayReport rep = run(tr, false);
  const TimelineModel tm = build_timeline(rep, tr);
  const Timeline& o = tm.observed;
  EXPECT_EQ(o.probes.size(), rep.model.attempts.size());
  const uint32_t card = lane_of(tm, "skl_hda_dsp_generic"), sof = lane_of(tm, "0000:00:1f.3");
  size_t card_probes = 0;
  for (const auto& p : o.probes)
    if (p.lane == card) {
      ++card_probes;
      EXPECT_EQ(p.outcome, ProbeOutcome::deferred);
      EXPECT_EQ(p.driver, "skl_hda_dsp_generic");
    }
  EXPECT_EQ(card_probes, 2u);
  const auto reason = std::find_if(o.marks.begin(), o.marks.end(), [&](const TimelineMark& m) {
    return m.lane == card && m.kind == MarkKind::deferral;
  });
  ASSERT_NE(reason, o.marks.end());
  EXPECT_EQ(reason->text, "ASoC: CPU DAI Analog CPU DAI not registered");
  // The codec's bind (trigger #5) caused the card's retry, which ran in a deferred-work round.
  const auto g =
      std::find_if(o.triggers.begin(), o.triggers.end(), [](const TimelineTrigger& t) { return t.count == 5; });
  ASSERT_NE(g, o.triggers.end());
  EXPECT_EQ(g->cause, "bound");
  ASSERT_EQ(g->retries.size(), 1u);
  EXPECT_EQ(o.probes[g->retries[0]].lane, card);
  EXPECT_EQ(o.probes[g->retries[0]].trigger, static_cast<uint32_t>(g - o.triggers.begin()));
  ASSERT_FALSE(o.rounds.empty());
  EXPECT_TRUE(o.rounds[0].end_known);
  ASSERT_EQ(o.firmware.size(), 1u);
  EXPECT_EQ(o.firmware[0].name, "intel/sof/sof-tgl.ri");
  EXPECT_EQ(o.firmware[0].lane, sof);
  EXPECT_TRUE(o.firmware[0].done_known);
  EXPECT_FALSE(o.firmware[0].nowait);
  EXPECT_EQ(o.firmware[0].done - o.firmware[0].request, 70'000'000u);
  const auto res = std::find_if(o.marks.begin(), o.marks.end(), [&](const TimelineMark& m) {
    return m.lane == sof && m.kind == MarkKind::resource && m.text.find("dai:Analog CPU DAI") != std::string::npos;
  });
  EXPECT_NE(res, o.marks.end());
  EXPECT_TRUE(std::any_of(o.marks.begin(), o.marks.end(), [](const TimelineMark& m) {
    return m.lane == kModulesLane && m.kind == MarkKind::module_request && m.text == "snd-soc-hdac-hda";
  }));
  EXPECT_TRUE(std::any_of(o.marks.begin(), o.marks.end(), [](const TimelineMark& m) {
    return m.lane == kCoreLane && m.kind == MarkKind::timeout_fired;
  }));
  EXPECT_TRUE(std::is_sorted(o.marks.begin(), o.marks.end(), [](const auto& a, const auto& b) { return a.t < b.t; }));
}

TEST(Timeline, ReplayedTimelinesShowWhatEachPolicyChanges) {
  const Trace tr = load("examples/sof-late-component.trace");
  const ReplayReport rep = run(tr, true);
  const TimelineModel tm = build_timeline(rep, tr);
  ASSERT_EQ(tm.replayed.size(), rep.verdicts.size());
  const uint32_t card = lane_of(tm, "skl_hda_dsp_generic");
  const auto binds = [&](const Timeline& t) {
    return std::count_if(t.marks.begin(), t.marks.end(),
                         [&](const auto& m) { return m.lane == card && m.kind == MarkKind::bind; });
  };
  EXPECT_EQ(binds(replayed(tm, "stock")), 0);
  const Timeline& kick = replayed(tm, "component-kick");
  EXPECT_EQ(binds(kick), 1);
  // The component kick is a trigger whose retry is the card's successful probe.
  const auto g = std::find_if(kick.triggers.begin(), kick.triggers.end(), [&](const TimelineTrigger& t) {
    return t.cause == "component_kick" && !t.retries.empty();
  });
  ASSERT_NE(g, kick.triggers.end());
  EXPECT_EQ(kick.probes[g->retries.back()].lane, card);
  const Timeline& aware = replayed(tm, "resource-aware");
  EXPECT_TRUE(
      std::any_of(aware.triggers.begin(), aware.triggers.end(), [](const auto& t) { return t.cause == "targeted"; }));
  // Replayed deferrals carry the observed reasons.
  EXPECT_TRUE(std::any_of(kick.marks.begin(), kick.marks.end(), [&](const auto& m) {
    return m.lane == card && m.kind == MarkKind::deferral && m.text == "ASoC: CPU DAI Analog CPU DAI not registered";
  }));
  for (const auto& t : tm.replayed)
    for (const auto& p : t.probes) EXPECT_LE(p.start, p.end) << t.name;
}

TEST(Timeline, KeepingTimelinesChangesNoVerdict) {
  const Trace tr = load("examples/spdif-race.trace");
  EXPECT_EQ(format_json(run(tr, true)), format_json(run(tr, false)));
}

TEST(Timeline, HealthyDevicesBindOnTheirFirstAttemptEverywhere) {
  const Trace tr = load("examples/hda-healthy.trace");
  const TimelineModel tm = build_timeline(run(tr, true), tr);
  size_t healthy = 0;
  for (const auto& l : tm.lanes) {
    if (l.kind != LaneKind::device) continue;
    if (l.target) {
      EXPECT_FALSE(l.healthy) << "targets are never collapsed";
    }
    if (!l.healthy) continue;
    ++healthy;
    EXPECT_EQ(l.deferrals, 0u);
    EXPECT_LE(l.attempts, 1u);
  }
  EXPECT_GT(healthy, 0u);
}

}  // namespace
}  // namespace reprobe
