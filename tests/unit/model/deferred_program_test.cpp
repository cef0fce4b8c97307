// What a deferred probe did before deferring, and who waits for a probe (issue 13 item 4,
// docs/model.md §4): a deferred attempt runs the program of the observed attempt it stands for,
// and a synchronous caller (a work item's device_add()) waits for a replayed probe that ends
// otherwise and takes longer than the observed one.
#include <gtest/gtest.h>

#include "replayer/model/simulator.h"
#include "replayer/trace/scenario_builder.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const Task kLoader{100, "modprobe", 0}, kKmod{200, "modprobe", 1}, kWork{300, "kworker/0:1", 0},
    kWorker{51, "kworker/u8:0", 1};

struct Run {
  Trace trace;
  Model model;
};

std::unique_ptr<Run> load(const ScenarioBuilder& b, uint64_t end) {
  auto r = std::make_unique<Run>();
  auto t = b.build(end);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  r->trace = std::move(*t);
  r->model = build_model(r->trace);
  r->model.trace = &r->trace;
  return r;
}

SimResult simulate(const Run& r, const std::string& kernel = "6.1", const std::string& policy = "stock") {
  auto p = parse_policy(policy, *kernel_profile(kernel));
  EXPECT_TRUE(p.ok());
  Simulator s(r.model, *p);
  return s.run();
}

// P's probe asks for module m2 (request_module_nowait) and then defers. m2's init registers d2,
// which binds X; X's bind retries P, which binds. A capture after boot (triggers live).
ScenarioBuilder request_then_defer() {
  ScenarioBuilder b("request-then-defer", "6.1.0-27-amd64");
  b.at(ms(1), kLoader).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  b.at(ms(1), kLoader).ev("device_add", {{"dev", "X"}, {"bus", "platform"}});
  b.at(ms(2), kLoader).ev("driver_register", {{"drv", "pdrv"}, {"bus", "platform"}});
  b.at(ms(2), kLoader).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(2.1), kLoader).ev("module_request", {{"name", "m2"}, {"wait", false}, {"id", 1}});
  b.at(ms(2.5), kLoader).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 517}, {"outcome", "deferred"}});
  b.at(ms(2.5), kLoader).ev("defer_add", {{"dev", "P"}});
  b.at(ms(5), kKmod).ev("module_load", {{"module", "m2"}, {"req", 1}});
  b.at(ms(5.1), kKmod).ev("driver_register", {{"drv", "d2"}, {"bus", "platform"}});
  b.probe(ms(5.1), ms(5.3), kKmod, "X", "d2", 0);
  b.at(ms(5.4), kKmod).ev("module_init_done", {{"module", "m2"}, {"ret", 0}});
  b.probe(ms(5.4), ms(5.6), kWorker, "P", "pdrv", 0);
  return b;
}

TEST(DeferredProgram, ADeferredProbesRequestModuleStillLoadsTheModule) {
  auto r = load(request_then_defer(), ms(50));
  const DevId P = *r->trace.find_device("P"), X = *r->trace.find_device("X");
  for (const std::string kernel : {"5.10", "6.1", "6.12"}) {
    const SimResult s = simulate(*r, kernel);
    EXPECT_TRUE(s.state.devs[X].bound) << kernel << ": m2 loads although the probe that asked for it deferred";
    EXPECT_TRUE(s.state.devs[P].bound) << kernel;
    EXPECT_EQ(s.state.devs[P].attempts, 2u) << kernel;
  }
  ReplayOptions ro;
  ro.policies = {"stock"};
  ro.targets = {"P"};
  auto rep = replay(r->trace, ro);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->fidelity.exact) << (rep->fidelity.divergences.empty() ? "" : rep->fidelity.divergences[0]);
}

// A work item W (SOF's probe work) adds M, whose probe defers at once (0.1 ms), and registers a
// component 0.3 ms after the device_add; M binds later from the deferred worker in 5 ms.
ScenarioBuilder work_adds_device() {
  ScenarioBuilder b("work-adds-device", "6.1.0-27-amd64");
  b.at(ms(1), kLoader).ev("device_add", {{"dev", "D"}, {"bus", "platform"}});
  b.at(ms(1), kLoader).ev("driver_register", {{"drv", "mdrv"}, {"bus", "platform"}});
  b.at(ms(2), kLoader).ev("work_queue", {{"work", 7}, {"func", "probe_work"}});
  b.at(ms(3), kWork).ev("work_start", {{"work", 7}, {"func", "probe_work"}});
  b.at(ms(3.1), kWork).ev("device_add", {{"dev", "M"}, {"bus", "platform"}});
  b.probe(ms(3.1), ms(3.2), kWork, "M", "mdrv", -517);
  b.at(ms(3.4), kWork).ev("component_add", {{"name", "late"}, {"dev", "D"}});
  b.at(ms(3.5), kWork).ev("work_end", {{"work", 7}});
  b.at(ms(20), kLoader).ev("resume");
  b.probe(ms(20.1), ms(25.1), kWorker, "M", "mdrv", 0);
  return b;
}

uint64_t component_up_at(const Run& r, const SimResult& s) {
  for (const auto& rec : s.state.timeline)
    if (rec.kind == RecKind::resource_up &&
        r.model.resource_name(r.model.arrivals[rec.arrival()].resources[0]) == "component:late")
      return rec.t;
  return 0;
}

TEST(DeferredProgram, AProbeRunFromAWorkItemBlocksThatWork) {
  auto r = load(work_adds_device(), ms(50));
  const DevId M = *r->trace.find_device("M");
  // As observed: the probe defers in 0.1 ms and the work goes on at its observed offsets.
  const SimResult same = simulate(*r);
  EXPECT_EQ(component_up_at(*r, same), ms(3.4));
  // Had M's needs been met (here by hand), its first probe binds and takes its 5 ms inside the
  // work: the component comes 4.9 ms later.
  r->model.devices[M].needs.clear();
  r->model.devices[M].doubt = NeedDoubt{};
  r->model.devices[M].need_mode = Evidence::reason;
  const SimResult bound = simulate(*r);
  EXPECT_TRUE(bound.state.devs[M].bound);
  EXPECT_EQ(bound.state.devs[M].attempts, 1u);
  EXPECT_EQ(component_up_at(*r, bound), ms(3.4) + ms(4.9));
}

}  // namespace
}  // namespace reprobe
