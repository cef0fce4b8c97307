// Trigger rules of the dd.c simulator, on small hand-made traces.
#include <algorithm>

#include <gtest/gtest.h>

#include "replayer/model/simulator.h"
#include "replayer/trace/scenario_builder.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const Task kInit{1, "swapper/0", 0}, kM1{100, "modprobe", 0}, kM2{101, "modprobe", 1}, kDefer{51, "kworker/u8:0", 1};

struct Run {
  Trace trace;
  Model model;
};

std::unique_ptr<Run> load(const ScenarioBuilder& b, uint64_t end = ms(100)) {
  auto r = std::make_unique<Run>();
  auto t = b.build(end);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  r->trace = std::move(*t);
  r->model = build_model(r->trace);
  r->model.trace = &r->trace;
  return r;
}

SimResult simulate(const Run& r, const std::string& policy, const std::string& kernel = "6.1") {
  auto p = parse_policy(policy, *kernel_profile(kernel));
  EXPECT_TRUE(p.ok());
  Simulator s(r.model, *p);
  return s.run();
}

// The race window: consumer C looks up its codec at +0.1 ms and returns -EPROBE_DEFER at +2 ms;
// provider P registers the codec and binds at +1 ms, inside the window.
ScenarioBuilder race(bool with_late_initcall = false) {
  ScenarioBuilder b("race", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  if (with_late_initcall) b.at(ms(2), kInit).ev("late_initcall");
  b.at(ms(10), kM1).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(10), ms(12), kM1, "C", "cdrv", -517, "ASoC: CODEC DAI x not registered");
  b.at(ms(11), kM2).ev("driver_register", {{"drv", "pdrv"}, {"bus", "platform"}});
  b.at(ms(11), kM2).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(11.2), kM2).ev("component_add", {{"name", "p"}, {"dev", "P"}, {"dais", {"x"}}});
  b.at(ms(11.5), kM2).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(11.5), kM2).ev("bound", {{"dev", "P"}, {"drv", "pdrv"}});
  b.probe(ms(12.1), ms(13), kDefer, "C", "cdrv", 0);
  return b;
}

TEST(Simulator, RaceFixRetriggersWhenABindHappensInsideTheWindow) {
  auto r = load(race());
  const DevId C = *r->trace.find_device("C");
  const SimResult stock = simulate(*r, "stock");
  EXPECT_TRUE(stock.state.devs[C].bound);
  EXPECT_EQ(stock.state.triggers_by_cause[size_t(TriggerCause::race)], 1u);
  EXPECT_EQ(stock.state.devs[C].attempts, 2u);
  const SimResult pre2014 = simulate(*r, "no-race-fix");
  EXPECT_FALSE(pre2014.state.devs[C].bound);
  EXPECT_EQ(pre2014.state.devs[C].list, DeferList::pending) << "stranded on the pending list";
  EXPECT_EQ(pre2014.state.triggers_by_cause[size_t(TriggerCause::race)], 0u);
}

TEST(Simulator, TriggersBeforeLateInitcallAreNoOps) {
  auto r = load(race(true));
  const SimResult s = simulate(*r, "stock");
  EXPECT_EQ(s.state.triggers_by_cause[size_t(TriggerCause::late_initcall)], 2u);
  EXPECT_TRUE(s.state.devs[*r->trace.find_device("C")].bound);
  // Without late_initcall in the trace, the capture is post-boot: triggers are live, no timer.
  auto r2 = load(race(false));
  const SimResult s2 = simulate(*r2, "stock");
  EXPECT_EQ(s2.state.triggers_ignored, 0u);
  EXPECT_FALSE(s2.state.timeout_fired);
}

// A post-boot capture (no late_initcall) in which the kernel's deferred_probe_timeout
// timer was still pending: consumer C defers at 10 ms waiting for DAI x, x arrives at
// 500 ms from P's work item with nothing binding afterwards, the timer fires at 2 s
// (cmdline deferred_probe_timeout=2) and C binds from the timeout's trigger. With
// `extended` (6.1: driver_register re-arms a pending timer) the trace shows the
// extensions; without (5.10: no extension) the timer fires where it was armed.
ScenarioBuilder pending_timer(bool extended) {
  ScenarioBuilder b("pending-timer", extended ? "6.1.0-27-amd64" : "5.10.0-30-amd64");
  b.header()["kernel"]["cmdline"] = "quiet deferred_probe_timeout=2";
  const Task kw{60, "kworker/0:2", 0};
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  b.at(ms(5), kM2).ev("driver_register", {{"drv", "pdrv"}, {"bus", "platform"}});
  if (extended) b.at(ms(5), kM2).ev("timeout_extended", {{"secs", 2}});
  b.at(ms(5), kM2).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(5.1), kM2).ev("work_queue", {{"work", 1}, {"func", "p_late_work"}});
  b.at(ms(5.5), kM2).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(5.5), kM2).ev("bound", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(10), kM1).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  if (extended) b.at(ms(10), kM1).ev("timeout_extended", {{"secs", 2}});
  b.probe(ms(10), ms(12), kM1, "C", "cdrv", -517, "ASoC: CPU DAI x not registered");
  b.at(ms(500), kw).ev("work_start", {{"work", 1}, {"func", "p_late_work"}});
  b.at(ms(500.1), kw).ev("component_add", {{"name", "p"}, {"dev", "P"}, {"dais", {"x"}}});
  b.at(ms(500.2), kw).ev("work_end", {{"work", 1}});
  const uint64_t fire = extended ? ms(2010) : ms(2000);
  b.at(fire, kw).ev("timeout_fired");
  b.probe(fire + ms(0.1), fire + ms(1), kDefer, "C", "cdrv", 0);
  return b;
}

TEST(Simulator, TimerPendingWhenACaptureStartsIsReplayed) {
  for (bool extended : {false, true}) {
    auto r = load(pending_timer(extended), sec(3));
    const DevId C = *r->trace.find_device("C");
    const std::string kernel = extended ? "6.1" : "5.10";
    auto p = parse_policy("stock", *kernel_profile(kernel), 2);
    ASSERT_TRUE(p.ok());
    Simulator s(r->model, *p);
    const SimResult stock = s.run();
    EXPECT_TRUE(stock.state.timeout_fired) << "extended=" << extended;
    EXPECT_EQ(stock.state.timeout_fired_at, extended ? ms(2010) : ms(2000)) << "extended=" << extended;
    EXPECT_TRUE(stock.state.devs[C].bound) << "extended=" << extended;
    const SimResult none = simulate(*r, "no-timeout", kernel);
    EXPECT_FALSE(none.state.timeout_fired);
    EXPECT_FALSE(none.state.devs[C].bound) << "nothing else triggers after the component";
  }
  // Through replay(): the cmdline timeout is used and fidelity is exact.
  auto r = load(pending_timer(true), sec(3));
  ReplayOptions ro;
  ro.policies = {"stock", "no-timeout"};
  ro.targets = {"C"};
  auto rep = replay(r->trace, ro);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->fidelity.exact) << (rep->fidelity.divergences.empty() ? "" : rep->fidelity.divergences[0]);
  ASSERT_EQ(rep->verdicts.size(), 2u);
  EXPECT_TRUE(rep->verdicts[0].bound());
  EXPECT_FALSE(rep->verdicts[1].bound());
}

TEST(Simulator, TriggersIgnoredUntilEnabled) {
  ScenarioBuilder b("early", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  b.at(ms(2), kM1).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(2), ms(3), kM1, "C", "cdrv", -517, "ASoC: CODEC DAI x not registered");
  b.at(ms(4), kM2).ev("driver_register", {{"drv", "pdrv"}, {"bus", "platform"}});
  b.at(ms(4), kM2).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(4.5), kM2).ev("component_add", {{"name", "p"}, {"dev", "P"}, {"dais", {"x"}}});
  b.at(ms(5), kM2).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(50), kInit).ev("late_initcall");
  b.probe(ms(50.1), ms(51), kDefer, "C", "cdrv", 0);
  auto r = load(b);
  const SimResult s = simulate(*r, "stock");
  EXPECT_EQ(s.state.triggers_ignored, 1u) << "P's bind at 5 ms is before late_initcall";
  const DevId C = *r->trace.find_device("C");
  EXPECT_TRUE(s.state.devs[C].bound);
  EXPECT_GE(s.state.devs[C].bound_at, ms(50)) << "retried by the late_initcall trigger";
}

ScenarioBuilder late_component(int timeout_extensions) {
  ScenarioBuilder b("late", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  b.at(sec(1), kInit).ev("late_initcall");
  b.at(sec(2), kM1).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(sec(2), sec(2) + ms(1), kM1, "C", "cdrv", -517, "ASoC: CODEC DAI x not registered");
  for (int i = 0; i < timeout_extensions; ++i)
    b.at(sec(3 + i), kM2).ev("driver_register", {{"drv", "other" + std::to_string(i)}, {"bus", "platform"}});
  const Task w{60, "kworker/0:2", 0};
  b.at(sec(2) + ms(2), kM1).ev("resource", {{"name", "unrelated"}});
  b.at(sec(4) + ms(500), w).ev("component_add", {{"name", "p"}, {"dev", "P"}, {"dais", {"x"}}});
  return b;
}

TEST(Simulator, TimeoutIsOneShotAndExtendedByDriverRegister) {
  auto r0 = load(late_component(0), sec(30));
  const SimResult a = simulate(*r0, "stock");
  EXPECT_TRUE(a.state.timeout_fired);
  EXPECT_EQ(a.state.timeout_fired_at, sec(12)) << "armed at 1 s, extended by cdrv's registration at 2 s";
  auto r2 = load(late_component(2), sec(30));
  const SimResult b = simulate(*r2, "stock");
  EXPECT_EQ(b.state.timeout_fired_at, sec(14)) << "re-armed by the registrations at 3 s and 4 s";
  const SimResult c = simulate(*r2, "stock:extend=0");
  EXPECT_EQ(c.state.timeout_fired_at, sec(11));
  const SimResult d = simulate(*r2, "stock", "5.10");
  EXPECT_FALSE(d.state.timeout_fired) << "5.10 has no default timeout";
  EXPECT_EQ(d.state.triggers_by_cause[size_t(TriggerCause::timeout)], 0u);
  size_t armed = 0;
  for (const auto& rec : b.state.timeline) armed += rec.kind == RecKind::timeout_fired;
  EXPECT_EQ(armed, 1u) << "one-shot";
}

TEST(Simulator, ComponentKickVersusResourceKick) {
  auto r = load(late_component(0), sec(30));
  const DevId C = *r->trace.find_device("C");
  // Driver-less provider: the component comes from an exogenous context, so only the kick policies
  // (or the timeout, which fires before the component here) can retry C.
  EXPECT_FALSE(simulate(*r, "no-timeout").state.devs[C].bound);
  EXPECT_EQ(simulate(*r, "stock").state.devs[C].bound_at, sec(12) + 50'000 + ms(1)) << "rescued by the timeout";
  const SimResult ck = simulate(*r, "component-kick:timeout=0");
  EXPECT_TRUE(ck.state.devs[C].bound);
  EXPECT_EQ(ck.state.triggers_by_cause[size_t(TriggerCause::component_kick)], 1u);
  const SimResult rk = simulate(*r, "resource-kick");
  EXPECT_EQ(rk.state.triggers_by_cause[size_t(TriggerCause::resource_kick)], 2u) << "named resource and component";
  const SimResult ra = simulate(*r, "resource-aware");
  EXPECT_TRUE(ra.state.devs[C].bound);
  EXPECT_EQ(ra.state.devs[C].bound_at, sec(4) + ms(500) + 50'000 + ms(1)) << "retried at the arrival (+work latency)";
  const SimResult pk = simulate(*r, "periodic:100");
  EXPECT_TRUE(pk.state.devs[C].bound);
  EXPECT_LE(pk.state.devs[C].bound_at, sec(4) + ms(601) + 50'000);
}

TEST(Simulator, AddOnActiveListIsANoOp) {
  // Two binds in a row: the second trigger splices nothing new; C is retried once per splice.
  auto r = load(race());
  Simulator s(r->model, *parse_policy("stock", *kernel_profile("6.1")));
  const SimResult res = s.run();
  for (const auto& d : res.state.devs) EXPECT_NE(d.list, DeferList::active);
  EXPECT_EQ(res.state.active.size, 0u) << "active list drained";
}

TEST(Simulator, StateForksAndChoicePointsAreExposed) {
  auto r = load(race());
  Simulator a(r->model, *parse_policy("stock", *kernel_profile("6.1")));
  for (int i = 0; i < 8 && !a.done(); ++i) a.step();
  Simulator b = a;  // fork: plain-value state
  Simulator c = a;
  while (!c.done()) {
    c.step(c.choices().back());  // a different schedule: always the last candidate
  }
  const SimResult ra = a.run();
  const SimResult rb = b.run();
  EXPECT_EQ(ra.state.timeline.size(), rb.state.timeline.size());
  EXPECT_EQ(ra.state.devs[0].bound_at, rb.state.devs[0].bound_at);
  EXPECT_TRUE(c.state().devs[*r->trace.find_device("C")].bound);
  // Exogenous events of two tasks due at the same instant: a choice point, either order runs.
  ScenarioBuilder two("two", "6.1.0-27-amd64");
  two.at(ms(1), kM1).ev("device_add", {{"dev", "X"}, {"bus", "platform"}});
  two.at(ms(1), kM2).ev("device_add", {{"dev", "Y"}, {"bus", "platform"}});
  auto r2 = load(two);
  Simulator d(r2->model, *parse_policy("stock", *kernel_profile("6.1")));
  const auto ch = d.choices();
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_LT(d.state().queue[ch[0]].seq, d.state().queue[ch[1]].seq) << "default order = trace order";
  d.step(ch[1]);
  EXPECT_TRUE(d.state().devs[*r2->trace.find_device("Y")].present);
  EXPECT_FALSE(d.state().devs[*r2->trace.find_device("X")].present);
}

TEST(Simulator, RunMatchesStepByStep) {
  // run() takes items due `now` from a FIFO beside the heap (docs/model.md §4); step() uses
  // the heap alone. Both must give the same run, record for record, under every policy.
  for (const bool late : {false, true}) {
    auto r = load(race(late));
    for (const std::string& spec : all_policy_specs()) {
      auto p = parse_policy(spec, *kernel_profile("6.1"));
      ASSERT_TRUE(p.ok());
      Simulator a(r->model, *p), b(r->model, *p);
      while (!b.done()) b.step();
      const SimResult ra = a.run();
      const SimState& sb = b.state();
      ASSERT_EQ(ra.state.timeline.size(), sb.timeline.size()) << spec;
      for (size_t i = 0; i < sb.timeline.size(); ++i) {
        const SimRecord &x = ra.state.timeline[i], &y = sb.timeline[i];
        EXPECT_TRUE(x.t == y.t && x.kind == y.kind && x.dev == y.dev && x.subject == y.subject && x.value == y.value)
            << spec << " #" << i;
      }
      EXPECT_EQ(ra.state.steps, sb.steps) << spec;
      EXPECT_EQ(ra.state.now, sb.now) << spec;
      EXPECT_EQ(ra.state.trigger_count, sb.trigger_count) << spec;
      for (size_t d = 0; d < sb.devs.size(); ++d) {
        EXPECT_EQ(ra.state.devs[d].bound, sb.devs[d].bound) << spec;
        EXPECT_EQ(ra.state.devs[d].attempts, sb.devs[d].attempts) << spec;
      }
    }
  }
}

TEST(Simulator, SyncProviderReportsBlockedProbeTime) {
  auto r = load(race());
  const SimResult s = simulate(*r, "sync-provider");
  EXPECT_EQ(s.state.blocked_total_ns, 0u) << "no async provider work in this trace";
}

TEST(Simulator, DeterministicTimeline) {
  auto r = load(race());
  const SimResult a = simulate(*r, "stock"), b = simulate(*r, "stock");
  ASSERT_EQ(a.state.timeline.size(), b.state.timeline.size());
  for (size_t i = 0; i < a.state.timeline.size(); ++i) {
    EXPECT_EQ(a.state.timeline[i].t, b.state.timeline[i].t);
    EXPECT_EQ(a.state.timeline[i].kind, b.state.timeline[i].kind);
  }
}

}  // namespace
}  // namespace reprobe

namespace reprobe {
namespace {

const Task kBoot{1, "swapper/0", 0}, kDeferWorker{51, "kworker/u8:0", 1}, kTimeoutWorker{60, "kworker/0:2", 0};

// A PM-domain consumer whose provider never comes (issue 13 item 2): its probe returns what
// driver_deferred_probe_check_state() says. It defers before late_initcall; the trace then shows
// what `kernel` did: 5.10 (deferred_probe_timeout 0) fails it with -ETIMEDOUT in the second
// drain of deferred_probe_initcall() (initcalls_done), 6.1+ only after the timeout work ran.
ScenarioBuilder check_state_consumer(const std::string& kernel) {
  const bool v510 = kernel == "5.10";
  ScenarioBuilder b("check-state", v510 ? "5.10.0-30-amd64" : "6.1.0-27-amd64");
  b.header()["kernel"]["cmdline"] = v510 ? "quiet" : "quiet deferred_probe_timeout=2";
  b.at(ms(1), kBoot).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(2), kBoot).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(2), ms(2.2), kBoot, "C", "cdrv", -517, "cdrv: power domain pd not ready");
  b.at(ms(10), kBoot).ev("late_initcall");
  b.probe(ms(10.1), ms(10.3), kDeferWorker, "C", "cdrv", -517, "cdrv: power domain pd not ready");
  if (v510) {
    b.probe(ms(10.4), ms(10.6), kDeferWorker, "C", "cdrv", -110);
  } else {
    b.probe(ms(10.4), ms(10.6), kDeferWorker, "C", "cdrv", -517, "cdrv: power domain pd not ready");
    b.at(ms(2010.6), kTimeoutWorker).ev("timeout_fired");
    b.probe(ms(2010.7), ms(2010.9), kDeferWorker, "C", "cdrv", -110);
  }
  return b;
}

TEST(CheckState, TimeoutZeroExpiresAtTheSecondInitcallDrainOn510) {
  auto r = load(check_state_consumer("5.10"), sec(3));
  const DevId C = *r->trace.find_device("C");
  const SimResult s = simulate(*r, "stock", "5.10");
  EXPECT_FALSE(s.state.devs[C].bound);
  EXPECT_EQ(s.state.devs[C].list, DeferList::none) << "a failed probe leaves the deferred lists";
  EXPECT_EQ(s.state.devs[C].attempts, 3u) << "deferred before late_initcall, in the first drain, failed in the second";
  EXPECT_EQ(s.state.devs[C].deferrals, 2u);
  EXPECT_LT(s.state.now, sec(1)) << "no timer on 5.10: nothing waits for one";
  // Never expiring (a negative timeout, not 0): it stays deferred.
  const SimResult never = simulate(*r, "no-timeout", "5.10");
  EXPECT_EQ(never.state.devs[C].list, DeferList::pending);
  EXPECT_EQ(never.state.devs[C].deferrals, 3u);
}

TEST(CheckState, ExpiresWhenTheTimeoutWorkRunsOn61And66And612) {
  auto r = load(check_state_consumer("6.1"), sec(3));
  const DevId C = *r->trace.find_device("C");
  for (const std::string kernel : {"6.1", "6.6", "6.12"}) {
    auto p = parse_policy("stock", *kernel_profile(kernel), 2);
    ASSERT_TRUE(p.ok());
    Simulator sim(r->model, *p);
    const SimResult s = sim.run();
    EXPECT_TRUE(s.state.timeout_fired) << kernel;
    EXPECT_EQ(s.state.probe_timeout, 0) << kernel;
    EXPECT_FALSE(s.state.devs[C].bound) << kernel;
    EXPECT_EQ(s.state.devs[C].list, DeferList::none) << kernel;
    EXPECT_EQ(s.state.devs[C].attempts, 4u) << kernel << ": two drains defer (timer pending), the timeout fails it";
    EXPECT_EQ(s.state.devs[C].deferrals, 3u) << kernel;
    const SimResult never = simulate(*r, "no-timeout", kernel);
    EXPECT_EQ(never.state.probe_timeout, -1) << kernel;
    EXPECT_EQ(never.state.devs[C].list, DeferList::pending) << kernel << ": no-timeout never expires";
  }
  // Through replay(): the capture's own timeout; the stock replay is exact.
  ReplayOptions ro;
  ro.policies = {"stock", "no-timeout"};
  ro.targets = {"C"};
  auto rep = replay(r->trace, ro);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->fidelity.exact) << (rep->fidelity.divergences.empty() ? "" : rep->fidelity.divergences[0]);
}

TEST(CheckState, PostBootCaptureWithAPendingTimer) {
  // A capture after boot (no late_initcall) while the timer is pending (6.1: extended by the
  // consumer's driver_register): it defers until the timeout work, then fails (the VM scenario
  // check-state-timeout). Without the timer in the trace it counts as expired before the capture.
  ScenarioBuilder b("check-state-late", "6.1.0-27-amd64");
  b.header()["kernel"]["cmdline"] = "deferred_probe_timeout=2";
  b.at(ms(1), kBoot).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(2), kBoot).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.at(ms(2), kBoot).ev("timeout_extended", {{"secs", 2}});
  b.probe(ms(2), ms(2.2), kBoot, "C", "cdrv", -517, "cdrv: power domain pd not ready");
  b.at(ms(2002), kTimeoutWorker).ev("timeout_fired");
  b.probe(ms(2002.1), ms(2002.3), kDeferWorker, "C", "cdrv", -110);
  auto r = load(b, sec(3));
  const DevId C = *r->trace.find_device("C");
  ReplayOptions ro;
  ro.policies = {"stock", "no-timeout"};
  ro.targets = {"C"};
  auto rep = replay(r->trace, ro);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->fidelity.exact) << (rep->fidelity.divergences.empty() ? "" : rep->fidelity.divergences[0]);
  const SimResult never = simulate(*r, "no-timeout");
  EXPECT_EQ(never.state.devs[C].list, DeferList::pending);
  EXPECT_EQ(never.state.devs[C].attempts, 1u);
}

}  // namespace
}  // namespace reprobe

namespace reprobe {
namespace {

// Issue 13 item 5: A's driver probes asynchronously (driver_register async), B's synchronously;
// both defer, then an unrelated bind K triggers. The deferred worker's __device_attach() schedules
// A's retry on __device_attach_async_helper() and moves on: B's retry starts while A's (slow,
// 50 ms) probe still runs. Same on every profile.
TEST(AsyncDeferredRetry, TheWorkerSchedulesAnAsyncDriversRetryAndMovesOn) {
  const Task kM{100, "modprobe", 0}, kAsync{70, "kworker/u8:3", 0}, kW{51, "kworker/u8:0", 1};
  ScenarioBuilder b("async-retry", "6.1.0-27-amd64");
  b.at(ms(1), kM).ev("device_add", {{"dev", "A"}, {"bus", "platform"}});
  b.at(ms(1), kM).ev("device_add", {{"dev", "B"}, {"bus", "platform"}});
  b.at(ms(2), kM).ev("driver_register", {{"drv", "adrv"}, {"bus", "platform"}, {"async", true}});
  b.at(ms(2.1), kAsync).ev("probe_start", {{"dev", "A"}, {"drv", "adrv"}, {"async", true}});
  b.at(ms(52.1), kAsync).ev("probe_end", {{"dev", "A"}, {"drv", "adrv"}, {"ret", 517}, {"outcome", "deferred"}});
  b.at(ms(52.1), kAsync).ev("defer_add", {{"dev", "A"}});
  b.at(ms(60), kM).ev("driver_register", {{"drv", "bdrv"}, {"bus", "platform"}});
  b.probe(ms(60), ms(60.5), kM, "B", "bdrv", -517);
  b.at(ms(70), kM).ev("device_add", {{"dev", "K"}, {"bus", "platform"}});
  b.at(ms(70), kM).ev("driver_register", {{"drv", "kdrv"}, {"bus", "platform"}});
  b.probe(ms(70), ms(70.2), kM, "K", "kdrv", 0);
  auto r = load(b, sec(1));
  const DevId A = *r->trace.find_device("A"), B = *r->trace.find_device("B");
  for (const std::string kernel : {"5.10", "6.1", "6.6", "6.12"}) {
    const SimResult s = simulate(*r, "stock", kernel);
    uint64_t a_start = 0, a_end = 0, b_start = 0;
    for (const auto& rec : s.state.timeline) {
      if (rec.t < ms(70)) continue;
      if (rec.kind == RecKind::probe_start && rec.dev == A && !a_start) a_start = rec.t;
      if (rec.kind == RecKind::probe_end && rec.dev == A && !a_end) a_end = rec.t;
      if (rec.kind == RecKind::probe_start && rec.dev == B && !b_start) b_start = rec.t;
    }
    ASSERT_NE(a_start, 0u) << kernel << ": A is retried";
    ASSERT_NE(b_start, 0u) << kernel << ": B is retried";
    EXPECT_LT(b_start, a_end) << kernel << ": B's retry does not wait for A's async one";
    EXPECT_EQ(s.state.devs[A].attempts, 2u) << kernel;
    EXPECT_EQ(s.state.devs[B].attempts, 2u) << kernel;
  }
}

}  // namespace
}  // namespace reprobe

namespace reprobe {
namespace {

// Issue 13 item 6: dd.c's driver_deferred_probe_timeout defaults to 10 s with CONFIG_MODULES
// (5.19+) and 0 without; a capture's snapshot records whether /proc/modules exists.
TEST(DefaultTimeout, ZeroWithoutModuleSupport) {
  for (const bool modules : {true, false}) {
    ScenarioBuilder b("no-modules", "6.1.0-27-amd64");
    b.header()["snapshot"] = {{"config_modules", modules}};
    b.at(ms(1), kBoot).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
    b.at(ms(2), kBoot).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
    b.probe(ms(2), ms(2.2), kBoot, "C", "cdrv", -517, "cdrv: waiting");
    auto r = load(b, sec(1));
    ReplayOptions ro;
    ro.policies = {"stock"};
    ro.targets = {"C"};
    auto rep = replay(r->trace, ro);
    ASSERT_TRUE(rep.ok());
    EXPECT_EQ(rep->verdicts[0].policy.timeout_s, modules ? 10 : 0) << (modules ? "modular" : "no CONFIG_MODULES");
    EXPECT_EQ(std::any_of(rep->warnings.begin(), rep->warnings.end(),
                          [](const std::string& w) { return w.find("no module support") != std::string::npos; }),
              !modules);
  }
}

}  // namespace
}  // namespace reprobe
