// The explorer: its choice point in the simulator, state matching against brute force (same
// outcome set, same schedule count), bounds, determinism, and counterexamples that replay to the
// stranded outcome they claim (docs/explore.md).
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <gtest/gtest.h>

#include "examples/scenarios.h"
#include "replayer/explore/explore_output.h"
#include "replayer/explore/explorer.h"
#include "replayer/explore/schedule_trace.h"
#include "replayer/trace/scenario_builder.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const Task kInit{1, "swapper/0", 0}, kM1{100, "modprobe", 0}, kM2{101, "modprobe", 1}, kDefer{51, "kworker/u8:0", 1};

struct Loaded {
  Trace trace;
  ReplayReport rep;
};

std::unique_ptr<Loaded> load(const ScenarioBuilder& b, uint64_t end, std::vector<std::string> policies) {
  auto r = std::make_unique<Loaded>();
  auto t = b.build(end);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  r->trace = std::move(*t);
  ReplayOptions o;
  o.policies = std::move(policies);
  o.require_target = false;
  auto rep = replay(r->trace, o);
  EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.error().str());
  r->rep = std::move(*rep);
  r->rep.model.trace = &r->trace;
  return r;
}

// Consumer C looks its codec up at +0.1 ms and defers at +2 ms; provider P registers the codec and
// binds at +1 ms: inside the window, and only the race fix retries C.
ScenarioBuilder race() {
  ScenarioBuilder b("race", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  b.at(ms(10), kM1).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(10), ms(12), kM1, "C", "cdrv", -517, "ASoC: CODEC DAI x not registered", true);
  b.at(ms(11), kM2).ev("driver_register", {{"drv", "pdrv"}, {"bus", "platform"}});
  b.at(ms(11), kM2).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(11.2), kM2).ev("component_add", {{"name", "p"}, {"dev", "P"}, {"dais", {"x"}}});
  b.at(ms(11.5), kM2).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(11.5), kM2).ev("bound", {{"dev", "P"}, {"drv", "pdrv"}});
  b.probe(ms(12.1), ms(13), kDefer, "C", "cdrv", 0, {}, true);
  return b;
}

const Policy& policy(const Loaded& r, const std::string& spec) {
  for (const auto& v : r.rep.verdicts)
    if (v.policy.spec == spec) return v.policy;
  ADD_FAILURE() << "no policy " << spec;
  return r.rep.verdicts.front().policy;
}

TEST(Explorer, ChoicesWithinAWindowIncludeLaterEvents) {
  auto r = load(race(), ms(100), {"stock"});
  Simulator s(r->rep.model, policy(*r, "stock"));
  while (!s.done() && s.state().now < ms(10)) s.step();
  const auto exact = s.choices();
  const auto wide = s.choices_within(ms(5));
  ASSERT_FALSE(exact.empty());
  EXPECT_GT(wide.size(), exact.size()) << "events due within 5 ms of the next one are candidates too";
  EXPECT_EQ(s.choices_within(0).size(), s.choices().size()) << "no jitter: the simultaneous events only";
  for (size_t i = 1; i < wide.size(); ++i) EXPECT_LE(s.state().queue[wide[i - 1]].t, s.state().queue[wide[i]].t);
}

TEST(Explorer, NoJitterIsTheReplay) {
  auto r = load(race(), ms(100), {"stock", "no-race-fix"});
  ExploreLimits lim;
  lim.jitter_ns = 0;
  for (const auto& v : r->rep.verdicts) {
    const auto e = explore_policy(r->rep.model, v.policy, r->rep.targets, lim);
    EXPECT_EQ(e.observed_binds, v.verdict == Verdict::bound) << v.policy.spec;
    EXPECT_EQ(e.robust(), v.verdict == Verdict::bound) << v.policy.spec;
  }
}

// The race window under no-race-fix: a component registered while the consumer's probe is
// between its lookup and its return strands it; the race fix closes that window.
TEST(Explorer, SpdifRaceWindowFoundAndClosedByTheRaceFix) {
  auto r = load(race(), ms(100), {"stock", "no-race-fix"});
  ExploreLimits lim;
  lim.jitter_ns = ms(2);
  const auto stock = explore_policy(r->rep.model, policy(*r, "stock"), r->rep.targets, lim);
  const auto old = explore_policy(r->rep.model, policy(*r, "no-race-fix"), r->rep.targets, lim);
  EXPECT_TRUE(stock.exhaustive);
  EXPECT_EQ(old.robust(), std::optional<bool>(false));
  ASSERT_TRUE(old.counterexample);
  EXPECT_GT(old.schedules, 1);
}

// State matching prunes equivalent interleavings but must reach exactly the outcomes (and cover
// exactly the schedules) that running every interleaving separately reaches.
void expect_same_as_brute_force(const Loaded& r, const std::string& spec, uint64_t jitter,
                                const std::optional<Jitter>& kinds = std::nullopt) {
  ExploreLimits memo, brute;
  memo.jitter_ns = brute.jitter_ns = kinds ? kinds->max_window(r.rep.model) : jitter;
  memo.kinds = brute.kinds = kinds;
  brute.memoize = false;
  brute.max_schedules = 20'000;  // small cases only: brute force grows exponentially
  const auto a = explore_policy(r.rep.model, policy(r, spec), r.rep.targets, memo);
  const auto b = explore_policy(r.rep.model, policy(r, spec), r.rep.targets, brute);
  ASSERT_TRUE(b.exhaustive) << spec << " jitter " << jitter << ": too large for brute force";
  ASSERT_TRUE(a.exhaustive);
  EXPECT_EQ(a.outcomes, b.outcomes) << spec << " jitter " << jitter;
  EXPECT_EQ(a.schedules, b.schedules) << spec << " jitter " << jitter;
  EXPECT_EQ(a.stranded, b.stranded) << spec << " jitter " << jitter;
  EXPECT_EQ(static_cast<double>(b.runs), b.schedules) << "brute force runs every schedule";
  EXPECT_LE(a.states, b.states) << spec;
  if (jitter >= ms(0.6)) {
    EXPECT_LT(a.runs * 10, b.runs) << spec << ": state matching prunes most interleavings";
  }
  EXPECT_EQ(a.robust(), b.robust()) << spec;
}

TEST(Explorer, StateMatchingGivesTheBruteForceOutcomeSet) {
  auto r = load(race(), ms(100), {"stock", "no-race-fix", "provider-kick", "component-kick"});
  for (const char* spec : {"stock", "no-race-fix", "provider-kick", "component-kick"})
    for (uint64_t j : {uint64_t{0}, ms(0.3), ms(0.6)}) expect_same_as_brute_force(*r, spec, j);
}

TEST(Explorer, StateMatchingOnTheExamples) {
  for (const auto& ex : examples::all()) {
    if (ex.name != "spdif-race" && ex.name != "async-probe") continue;
    auto r = load(ex.build(), sec(30), {"stock", "no-race-fix"});
    for (const char* spec : {"stock", "no-race-fix"}) expect_same_as_brute_force(*r, spec, ms(0.1));
  }
}

// Per-kind jitter (docs/explore.md, "Timing"): the same window for every kind is the plain window;
// a window for some kinds only is a smaller search, still equal to brute force; its
// counterexamples replay through the largest window, as the schedule file says.
TEST(Explorer, PerKindJitter) {
  auto r = load(race(), ms(100), {"stock", "no-race-fix"});
  for (const char* spec : {"stock", "no-race-fix"}) {
    ExploreLimits plain, kinds;
    plain.jitter_ns = kinds.jitter_ns = ms(0.6);
    kinds.kinds = Jitter::uniform(ms(0.6));
    const auto a = explore_policy(r->rep.model, policy(*r, spec), r->rep.targets, plain);
    const auto b = explore_policy(r->rep.model, policy(*r, spec), r->rep.targets, kinds);
    EXPECT_EQ(a.outcomes, b.outcomes) << spec;
    EXPECT_EQ(a.schedules, b.schedules) << spec;
    EXPECT_EQ(a.states, b.states) << spec;

    // Within 0.6 ms only probes (C's lookup and return, P's probe) overlap in this scenario: a
    // window for probes alone is the whole search, a window for everything but probes is smaller.
    auto probe_only = Jitter::parse("0,probe=0.6");
    auto no_probe = Jitter::parse("0.6,probe=0");
    ASSERT_TRUE(probe_only.ok() && no_probe.ok());
    ExploreLimits only, narrow;
    only.kinds = *probe_only;
    only.jitter_ns = probe_only->max_window(r->rep.model);
    narrow.kinds = *no_probe;
    narrow.jitter_ns = no_probe->max_window(r->rep.model);
    EXPECT_EQ(narrow.jitter_ns, ms(0.6));
    EXPECT_EQ(explore_policy(r->rep.model, policy(*r, spec), r->rep.targets, only).schedules, a.schedules) << spec;
    const auto c = explore_policy(r->rep.model, policy(*r, spec), r->rep.targets, narrow);
    EXPECT_LT(c.schedules, a.schedules) << spec << ": probes may not move, fewer schedules";
    expect_same_as_brute_force(*r, spec, 0, *probe_only);
    expect_same_as_brute_force(*r, spec, 0, *no_probe);
    auto task_share = Jitter::parse("0,task=50%,probe=20%");
    ASSERT_TRUE(task_share.ok());
    expect_same_as_brute_force(*r, spec, 0, *task_share);
    if (c.counterexample) {
      const SimResult run = run_schedule(r->rep.model, c.policy, c.counterexample->choices, narrow.jitter_ns);
      EXPECT_FALSE(run.state.devs[r->rep.targets[0]].bound) << spec;
    }
  }
}

TEST(Explorer, BoundsStopHonestly) {
  auto r = load(race(), ms(100), {"stock"});
  ExploreLimits lim;
  lim.jitter_ns = ms(2);
  lim.max_schedules = 1;
  const auto e = explore_policy(r->rep.model, policy(*r, "stock"), r->rep.targets, lim);
  EXPECT_FALSE(e.exhaustive);
  EXPECT_EQ(e.runs, 1u);
  EXPECT_GT(e.unexplored, 0u);
  EXPECT_EQ(e.robust(), std::nullopt) << "a stopped search that found no stranding says nothing";
  EXPECT_NE(answer_words(e).find("not exhaustive: 1 of >= "), std::string::npos) << answer_words(e);
}

TEST(Explorer, TheMemoryBoundStopsHonestlyAndDeterministically) {
  auto r = load(race(), ms(100), {"stock"});
  ExploreLimits lim;
  lim.jitter_ns = ms(2);
  const auto full = explore_policy(r->rep.model, policy(*r, "stock"), r->rep.targets, lim);
  ASSERT_TRUE(full.exhaustive);
  ASSERT_GT(full.memo_bytes, 0u);
  lim.max_memo_bytes = full.memo_bytes / 2;
  const auto a = explore_policy(r->rep.model, policy(*r, "stock"), r->rep.targets, lim);
  const auto b = explore_policy(r->rep.model, policy(*r, "stock"), r->rep.targets, lim);
  EXPECT_TRUE(a.stopped_by_memory);
  EXPECT_FALSE(a.exhaustive);
  EXPECT_EQ(a.robust(), std::nullopt);
  EXPECT_GE(a.memo_bytes, lim.max_memo_bytes);
  EXPECT_LT(a.memo_bytes, full.memo_bytes);
  EXPECT_EQ(a.runs, b.runs) << "where the bound stops does not depend on the machine or the run";
  EXPECT_EQ(a.memo_bytes, b.memo_bytes);
  EXPECT_NE(answer_words(a).find("the memory bound stopped it"), std::string::npos) << answer_words(a);
}

TEST(Explorer, DeterministicAcrossRunsAndJobs) {
  auto r = load(race(), ms(100), {"stock", "no-race-fix", "provider-kick"});
  std::vector<Policy> ps;
  for (const auto& v : r->rep.verdicts) ps.push_back(v.policy);
  ExploreLimits lim;
  lim.jitter_ns = ms(2);
  const auto a = explore_policies(r->rep.model, ps, r->rep.targets, lim, 1);
  const auto b = explore_policies(r->rep.model, ps, r->rep.targets, lim, 3);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].policy.spec, b[i].policy.spec);
    EXPECT_EQ(a[i].outcomes, b[i].outcomes);
    EXPECT_EQ(a[i].states, b[i].states);
    EXPECT_EQ(a[i].counterexample.has_value(), b[i].counterexample.has_value());
    if (a[i].counterexample) {
      EXPECT_EQ(a[i].counterexample->choices, b[i].counterexample->choices);
    }
  }
}

// Every counterexample replays to the stranded outcome it claims: through the simulator, and as
// a trace file (source explore) read back and replayed by replay() under its own policy.
void expect_counterexample_replays(const Loaded& r, const PolicyExploration& e, uint64_t jitter) {
  ASSERT_TRUE(e.counterexample);
  const auto& cx = *e.counterexample;
  ASSERT_FALSE(cx.stranded.empty());
  const SimResult direct = run_schedule(r.rep.model, e.policy, cx.choices, jitter);
  for (DevId d : cx.stranded) EXPECT_FALSE(direct.state.devs[d].bound) << e.policy.spec;

  std::ostringstream file;
  write_schedule_trace(r.trace, ExploreSchedule{r.trace.source, e.policy.spec, jitter, cx.choices}, file);
  EXPECT_NE(file.str().find("\"source\":\"explore\""), std::string::npos);
  auto back = read_trace_text(file.str(), "cx.trace");
  ASSERT_TRUE(back.ok()) << back.error().str();
  EXPECT_EQ(back->source, r.trace.source) << "the events are still the explored trace's";
  ReplayOptions o;  // no policy: the counterexample's own
  o.require_target = false;
  auto rep = replay(*back, o);
  ASSERT_TRUE(rep.ok()) << rep.error().str();
  ASSERT_EQ(rep->verdicts.size(), 1u);
  EXPECT_EQ(rep->verdicts[0].policy.spec, e.policy.spec);
  EXPECT_EQ(rep->verdicts[0].verdict, Verdict::stranded) << e.policy.spec;
}

TEST(Explorer, CounterexamplesReplayToTheirStrandedOutcome) {
  size_t found = 0, reordered = 0;
  for (const auto& ex : examples::all()) {
    auto r = load(ex.build(), sec(30), all_policy_specs());
    for (const auto& v : r->rep.verdicts) {
      ExploreLimits lim;
      lim.jitter_ns = ms(1);
      lim.max_schedules = 5'000;
      const auto e = explore_policy(r->rep.model, v.policy, r->rep.targets, lim);
      if (!e.counterexample) continue;
      ++found;
      if (!e.counterexample->reorderings.empty()) {
        ++reordered;
        EXPECT_TRUE(e.observed_binds) << ex.name << " " << v.policy.spec << ": a reordering was needed";
      }
      expect_counterexample_replays(*r, e, lim.jitter_ns);
    }
  }
  EXPECT_GT(found, 0u);
  std::printf("%zu counterexamples, %zu of them reorder the observed schedule\n", found, reordered);
}

TEST(Explorer, MalformedScheduleHeaderIsRefused) {
  auto r = load(race(), ms(100), {"stock"});
  std::ostringstream file;
  write_schedule_trace(r->trace, ExploreSchedule{r->trace.source, "stock", 5, {0, 1}}, file);
  std::string text = file.str();
  text.replace(text.find("\"jitter_ns\":5"), 13, "\"jitter_ns\":-5");
  auto back = read_trace_text(text, "bad.trace");
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().str(), "bad.trace:1: header: explore.jitter_ns must be an unsigned integer");
}

}  // namespace
}  // namespace reprobe

namespace reprobe {
namespace {

// The real captures of the VM suite (tests/data/captures) and the examples: every policy
// explored with a 1 ms window, exhaustively within 20 s each; prints the figures docs/explore.md
// quotes (and, with REPROBE_EXPLORE_WORDS set, the counterexamples). Each counterexample replays.
TEST(Explorer, RealCaptures) {
  const std::string root = std::string(REPROBE_SOURCE_ROOT);
  for (const char* name : {"tests/data/captures/sof-late-component", "tests/data/captures/sof-fw-callback",
                           "tests/data/captures/async-probe", "tests/data/captures/timeout-rescue",
                           "tests/data/captures/kick", "tests/data/captures/hda", "tests/data/captures/replug-hda",
                           "examples/spdif-race", "examples/sof-late-component", "examples/sof-fw-callback",
                           "examples/async-probe", "examples/timeout-rescue", "examples/hda-healthy"}) {
    auto r = std::make_unique<Loaded>();
    auto t = read_trace_file(root + "/" + name + ".trace");
    ASSERT_TRUE(t.ok()) << t.error().str();
    r->trace = std::move(*t);
    ReplayOptions o;
    o.all_policies = true;
    o.policies = {"stock:timeout=5", "stock:timeout=30"};
    auto rep = replay(r->trace, o);
    ASSERT_TRUE(rep.ok()) << rep.error().str();
    r->rep = std::move(*rep);
    r->rep.model.trace = &r->trace;
    ExploreLimits lim;
    lim.jitter_ns = ms(1);
    lim.max_seconds = 20;
    for (const auto& v : r->rep.verdicts) {
      const auto e = explore_policy(r->rep.model, v.policy, r->rep.targets, lim);
      std::printf("%s %zu events | %s | %s | schedules %.4g stranded %.4g runs %llu states %llu | %.3f s\n", name,
                  r->trace.events.size(), v.policy.spec.c_str(), answer_words(e).c_str(), e.schedules, e.stranded,
                  static_cast<unsigned long long>(e.runs), static_cast<unsigned long long>(e.states), e.seconds);
      if (e.counterexample && std::getenv("REPROBE_EXPLORE_WORDS")) {
        ExploreRun run;
        run.model = &r->rep.model;
        for (const auto& line : counterexample_words(run, e)) std::printf("    %s\n", line.c_str());
      }
      EXPECT_TRUE(e.exhaustive) << name << " " << v.policy.spec << ": 20 s per policy is far more than it needs";
      if (e.counterexample) expect_counterexample_replays(*r, e, lim.jitter_ns);
    }
  }
}

// A run the simulator's step bound cuts before the card binds (a 1 ms periodic timer over the
// 3 000 s until the provider's DAI appears) is not a counterexample: the policy is undetermined.
TEST(Explorer, ARunCutByTheStepBoundIsNoCounterexample) {
  ScenarioBuilder b("cut", "6.1.0-27-amd64");
  const Task work{50, "kworker/0:1", 0};
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  b.at(ms(10), kM1).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(10), ms(12), kM1, "C", "cdrv", -517, "ASoC: CODEC DAI x not registered", true);
  b.at(ms(20), kM2).ev("driver_register", {{"drv", "pdrv"}, {"bus", "platform"}});
  b.at(ms(20), kM2).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(20.1), kM2).ev("work_queue", {{"work", 1}, {"func", "p_work"}});
  b.at(ms(20.5), kM2).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(20.5), kM2).ev("bound", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(21), work).ev("work_start", {{"work", 1}, {"func", "p_work"}});
  b.at(ms(3'000'000), work).ev("component_add", {{"name", "p"}, {"dev", "P"}, {"dais", {"x"}}});
  b.at(ms(3'000'000.1), work).ev("work_end", {{"work", 1}});
  auto r = load(b, ms(3'001'000), {"periodic:1"});
  ExploreLimits lim;
  lim.jitter_ns = 0;
  const auto e = explore_policy(r->rep.model, policy(*r, "periodic:ms=1"), r->rep.targets, lim);
  EXPECT_GT(e.cut_runs, 0u);
  EXPECT_EQ(e.stranded, 0);
  EXPECT_FALSE(e.counterexample.has_value());
  EXPECT_EQ(e.robust(), std::nullopt);
  EXPECT_NE(answer_words(e).find("undetermined: "), std::string::npos) << answer_words(e);
}

}  // namespace
}  // namespace reprobe
