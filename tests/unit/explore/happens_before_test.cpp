// The happens-before derivation of the explorer, one causal rule per test, and the pairs it
// leaves concurrent (docs/explore.md, "What is ordered").
#include <gtest/gtest.h>

#include "replayer/explore/happens_before.h"
#include "replayer/trace/scenario_builder.h"

namespace reprobe {
namespace {

const Task kInit{1, "swapper/0", 0}, kM1{100, "modprobe", 0}, kM2{101, "modprobe", 1}, kW1{60, "kworker/u8:2", 1},
    kW2{61, "kworker/u8:3", 0}, kCb{62, "kworker/1:2", 1}, kDefer{63, "kworker/u8:4", 0};

struct Loaded {
  Trace trace;
  Model model;
};

std::unique_ptr<Loaded> load(const ScenarioBuilder& b) {
  auto r = std::make_unique<Loaded>();
  auto t = b.build(ms(100));
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  r->trace = std::move(*t);
  r->model = build_model(r->trace);
  r->model.trace = &r->trace;
  return r;
}

// The first context of `kind` whose label (work function, callback, module) is `label`, or the
// probe context of device `label`.
uint32_t ctx(const Loaded& r, CtxKind kind, const std::string& label, int nth = 0) {
  for (uint32_t c = 0; c < r.model.contexts.size(); ++c) {
    const Context& x = r.model.contexts[c];
    if (x.kind != kind) continue;
    const std::string name = kind == CtxKind::probe ? r.trace.dev_label(x.dev) : std::string(r.trace.str(x.label));
    if (name == label && nth-- == 0) return c;
  }
  ADD_FAILURE() << "no " << to_string(kind) << " context " << label;
  return kNone;
}

// Module A (loader M1): its init queues work item wa and requests firmware with callback cba;
// its driver's probe of P queues work item wp. Module B (same loader) follows A. Module C on
// another loader M2: its probe of C defers twice and is retried by the deferred-probe work.
ScenarioBuilder scenario() {
  ScenarioBuilder b("hb", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(10), kM1).ev("module_load", {{"module", "mod_a"}});
  b.at(ms(10.1), kM1).ev("work_queue", {{"work", 1}, {"func", "wa"}});
  b.at(ms(10.2), kM1).ev("fw_request", {{"id", 7}, {"mode", "nowait"}, {"name", "a.bin"}, {"cb", "cba"}});
  b.at(ms(10.3), kM1).ev("driver_register", {{"drv", "pdrv"}, {"bus", "platform"}});
  b.at(ms(10.4), kM1).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(10.5), kM1).ev("work_queue", {{"work", 2}, {"func", "wp"}});
  b.at(ms(10.6), kM1).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(10.6), kM1).ev("bound", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(11), kM1).ev("module_init_done", {{"module", "mod_a"}, {"ret", 0}});
  b.at(ms(12), kM1).ev("module_load", {{"module", "mod_b"}});
  b.at(ms(12.5), kM1).ev("module_init_done", {{"module", "mod_b"}, {"ret", 0}});
  b.at(ms(15), kW1).ev("work_start", {{"work", 1}, {"func", "wa"}});
  b.at(ms(16), kW1).ev("work_end", {{"work", 1}});
  b.at(ms(15), kW2).ev("work_start", {{"work", 2}, {"func", "wp"}});
  b.at(ms(40), kW2).ev("component_add", {{"name", "p"}, {"dev", "P"}, {"dais", {"x"}}});
  b.at(ms(41), kW2).ev("work_end", {{"work", 2}});
  b.at(ms(17), kCb).ev("fw_done", {{"id", 7}, {"ret", 0}});
  b.at(ms(18), kCb).ev("fw_cb_end", {{"id", 7}});
  b.at(ms(20), kM2).ev("module_load", {{"module", "mod_c"}});
  b.at(ms(20.1), kM2).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(20.2), ms(20.5), kM2, "C", "cdrv", -517, "ASoC: CODEC DAI x not registered");
  b.at(ms(21), kM2).ev("module_init_done", {{"module", "mod_c"}, {"ret", 0}});
  b.probe(ms(30), ms(30.5), kDefer, "C", "cdrv", -517, "ASoC: CODEC DAI x not registered");
  b.probe(ms(45), ms(45.5), kDefer, "C", "cdrv", 0);
  return b;
}

void expect_edge(const HappensBefore& hb, uint32_t a, uint32_t b, HbRule rule) {
  const HbEdge* e = hb.edge(a, b);
  ASSERT_NE(e, nullptr) << "no edge " << a << " -> " << b;
  EXPECT_EQ(e->rule, rule) << to_string(e->rule);
  EXPECT_TRUE(hb.ordered(a, b));
  EXPECT_FALSE(hb.ordered(b, a));
  EXPECT_FALSE(hb.concurrent(a, b));
}

TEST(HappensBefore, WorkQueuedBeforeItRuns) {
  auto r = load(scenario());
  const HappensBefore hb(r->model);
  expect_edge(hb, ctx(*r, CtxKind::module_init, "mod_a"), ctx(*r, CtxKind::work, "wa"), HbRule::work_queued);
}

TEST(HappensBefore, FirmwareRequestBeforeItsCallback) {
  auto r = load(scenario());
  const HappensBefore hb(r->model);
  expect_edge(hb, ctx(*r, CtxKind::module_init, "mod_a"), ctx(*r, CtxKind::fw_callback, "cba"),
              HbRule::firmware_callback);
}

TEST(HappensBefore, ProbeBeforeTheWorkItQueued) {
  auto r = load(scenario());
  const HappensBefore hb(r->model);
  expect_edge(hb, ctx(*r, CtxKind::probe, "P"), ctx(*r, CtxKind::work, "wp"), HbRule::probe_queued);
}

TEST(HappensBefore, SameTaskProbeInsideModuleInit) {
  auto r = load(scenario());
  const HappensBefore hb(r->model);
  expect_edge(hb, ctx(*r, CtxKind::module_init, "mod_a"), ctx(*r, CtxKind::probe, "P"), HbRule::same_task);
  // Transitive: the module init happens before the work its probe queued.
  EXPECT_TRUE(hb.ordered(ctx(*r, CtxKind::module_init, "mod_a"), ctx(*r, CtxKind::work, "wp")));
}

TEST(HappensBefore, ModuleLoadOrderPerLoaderTask) {
  auto r = load(scenario());
  const HappensBefore hb(r->model);
  expect_edge(hb, ctx(*r, CtxKind::module_init, "mod_a"), ctx(*r, CtxKind::module_init, "mod_b"),
              HbRule::module_load_order);
  // Another loader task is not ordered with either.
  EXPECT_TRUE(hb.concurrent(ctx(*r, CtxKind::module_init, "mod_a"), ctx(*r, CtxKind::module_init, "mod_c")));
}

TEST(HappensBefore, DeferredProbeWorkIsSerial) {
  auto r = load(scenario());
  const HappensBefore hb(r->model);
  expect_edge(hb, ctx(*r, CtxKind::probe, "C", 1), ctx(*r, CtxKind::probe, "C", 2), HbRule::deferred_work_serial);
  // The first probe of C ran in its loader's task (module init), not in the deferred-probe work.
  EXPECT_EQ(hb.edge(ctx(*r, CtxKind::probe, "C", 0), ctx(*r, CtxKind::probe, "C", 1)), nullptr);
}

TEST(HappensBefore, EverythingElseIsConcurrent) {
  auto r = load(scenario());
  const HappensBefore hb(r->model);
  const uint32_t wa = ctx(*r, CtxKind::work, "wa"), wp = ctx(*r, CtxKind::work, "wp"),
                 cb = ctx(*r, CtxKind::fw_callback, "cba"), pc = ctx(*r, CtxKind::probe, "C");
  EXPECT_TRUE(hb.concurrent(wa, wp)) << "independent work items";
  EXPECT_TRUE(hb.concurrent(wa, cb)) << "a work item and a firmware callback";
  EXPECT_TRUE(hb.concurrent(wp, pc)) << "a provider's work and another loader's probe";
  EXPECT_TRUE(hb.concurrent(ctx(*r, CtxKind::probe, "P"), pc)) << "probes of different devices in different tasks";
  EXPECT_GT(hb.concurrent_pairs(), 5u);
}

}  // namespace
}  // namespace reprobe
