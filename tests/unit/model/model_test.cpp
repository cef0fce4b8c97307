#include <gtest/gtest.h>

#include "replayer/model/model.h"
#include "replayer/trace/kernel_vocabulary.h"
#include "replayer/trace/scenario_builder.h"

namespace reprobe {
namespace {

const Task kInit{1, "swapper/0", 0}, kMod{100, "modprobe", 0}, kMod2{101, "modprobe", 1}, kWork{50, "kworker/0:1", 0},
    kDefer{51, "kworker/u8:0", 1};

TEST(ReasonParsing, KnownKernelMessages) {
  EXPECT_EQ(resource_from_reason("ASoC: CODEC DAI spdif-dit-hifi not registered"), "dai:spdif-dit-hifi");
  EXPECT_EQ(resource_from_reason("ASoC: CPU DAI Analog CPU DAI not registered"), "dai:Analog CPU DAI");
  EXPECT_EQ(resource_from_reason("ASoC: Component ehdaudio0D2 not found for link Analog"), "component:ehdaudio0D2");
  EXPECT_EQ(resource_from_reason("ASoC: codec component i2c-10EC5682:00 not found for link SSP0-Codec"),
            "component:i2c-10EC5682:00");
  EXPECT_EQ(resource_from_reason("ASoC: CODEC spdif-dit not registered"), "component:spdif-dit");
  EXPECT_EQ(resource_from_reason("supplier 0000:00:02.0 not ready"), "device:0000:00:02.0");
  EXPECT_EQ(resource_from_reason("wait for supplier /soc/i2c@1000/codec@1a"), "device:/soc/i2c@1000/codec@1a");
  // fw_devlink's firmware-node names: a node on the SoC bus is its platform device (issue 14).
  EXPECT_EQ(resource_from_reason("platform: wait for supplier /soc@0/pinctrl@33c0000/wsa-swr-data-state"),
            "device:33c0000.pinctrl");
  EXPECT_EQ(resource_from_reason("error -EPROBE_DEFER: wait for supplier pinctrl@33c0000"), "device:33c0000.pinctrl");
  EXPECT_EQ(resource_from_reason("probe deferral - wait for supplier 2-0020"), "device:2-0020");
  EXPECT_EQ(resource_from_reason("wait for supplier /gpio-keys"), "device:/gpio-keys");
  EXPECT_EQ(resource_from_reason("snd_hda_intel: couldn't bind with audio component"), "named:i915-audio-component");
  EXPECT_FALSE(resource_from_reason("snd_soc_register_card failed").has_value());
}

// Provider P binds at 10 ms and registers component "c" (DAI "d") from a work item at 50 ms;
// consumer C defers at 5 ms and 20 ms (the 20 ms retry follows P's bind), binds at 60 ms.
ScenarioBuilder provider_consumer(bool with_reason, bool extra_arrival) {
  ScenarioBuilder b("pc", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "platform"}});
  b.at(ms(2), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(4), kMod).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(5), ms(6), kMod, "C", "cdrv", -517, with_reason ? "ASoC: CODEC DAI d not registered" : "");
  b.at(ms(9), kMod2).ev("driver_register", {{"drv", "pdrv"}, {"bus", "platform"}});
  b.at(ms(9.5), kMod2).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(9.8), kMod2).ev("work_queue", {{"work", 9}, {"func", "p_work"}});
  b.at(ms(10), kMod2).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(10), kMod2).ev("bound", {{"dev", "P"}, {"drv", "pdrv"}});
  b.probe(ms(20), ms(21), kDefer, "C", "cdrv", -517, with_reason ? "ASoC: CODEC DAI d not registered" : "");
  b.at(ms(30), kWork).ev("work_start", {{"work", 9}, {"func", "p_work"}});
  if (extra_arrival) b.at(ms(40), kWork).ev("resource", {{"name", "dsp-ready"}, {"dev", "P"}});
  b.at(ms(50), kWork).ev("component_add", {{"name", "c"}, {"dev", "P"}, {"dais", {"d"}}});
  b.at(ms(55), kWork).ev("work_end", {{"work", 9}});
  b.at(ms(59), kInit).ev("resume");
  b.probe(ms(60), ms(61), kDefer, "C", "cdrv", 0);
  return b;
}

Model model_of(const ScenarioBuilder& b, Trace& keep) {
  auto t = b.build(ms(100));
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  keep = std::move(*t);
  return build_model(keep);
}

TEST(Attribution, WorkMovesWithTheProbeThatQueuedIt) {
  Trace tr;
  const Model m = model_of(provider_consumer(true, false), tr);
  const auto P = *tr.find_device("P");
  // The component arrival is attributed to P's work item, whose parent is P's probe.
  const Arrival* comp = nullptr;
  for (const auto& a : m.arrivals)
    if (!a.is_bind && m.resource_name(a.resources[0]) == "component:c") comp = &a;
  ASSERT_NE(comp, nullptr);
  EXPECT_EQ(m.contexts[comp->ctx].kind, CtxKind::work);
  EXPECT_EQ(comp->provider, P);
  const Context& work = m.contexts[comp->ctx];
  EXPECT_EQ(m.contexts[work.parent].kind, CtxKind::probe);
  EXPECT_EQ(work.delay(), ms(30) - ms(9.8));
  EXPECT_EQ(work.duration(), ms(25));
  // Both DAI and component become available together.
  ASSERT_EQ(comp->resources.size(), 2u);
  EXPECT_EQ(m.resource_name(comp->resources[1]), "dai:d");
  // The resume (no context on its task) is exogenous: root context, absolute offset.
  bool resume_in_root = false;
  for (const auto& c : m.contexts)
    if (c.kind == CtxKind::root)
      for (const auto& a : c.actions) resume_in_root |= a.kind == ActionKind::resume && a.offset == ms(59);
  EXPECT_TRUE(resume_in_root);
}

TEST(Attribution, ModuleRequestAndFirmwareCallbackLinks) {
  ScenarioBuilder b("links", "6.1.0-27-amd64");
  const Task cb{70, "kworker/1:1", 1};
  b.at(ms(1), kInit).ev("device_add", {{"dev", "P"}, {"bus", "pci"}});
  b.at(ms(2), kMod).ev("driver_register", {{"drv", "pdrv"}, {"bus", "pci"}});
  b.at(ms(3), kMod).ev("probe_start", {{"dev", "P"}, {"drv", "pdrv"}});
  b.at(ms(3.5), kMod).ev("module_request", {{"name", "snd-codec-x"}, {"wait", true}});
  b.at(ms(3.6), kMod2).ev("module_load", {{"module", "snd_codec_x"}});
  b.at(ms(3.7), kMod2).ev("driver_register", {{"drv", "codec"}, {"bus", "hdaudio"}});
  b.at(ms(3.8), kMod2).ev("module_init_done", {{"module", "snd_codec_x"}, {"ret", 0}});
  b.at(ms(4), kMod)
      .ev("fw_request", {{"id", 1}, {"mode", "nowait"}, {"name", "fw.bin"}, {"dev", "P"}, {"cb", "p_fw_cb"}});
  b.at(ms(5), kMod).ev("probe_end", {{"dev", "P"}, {"drv", "pdrv"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(9), cb).ev("fw_done", {{"id", 1}, {"ret", 0}});
  b.at(ms(10), cb).ev("component_add", {{"name", "dsp"}, {"dev", "P"}});
  b.at(ms(11), cb).ev("fw_cb_end", {{"id", 1}});
  Trace tr;
  const Model m = model_of(b, tr);
  uint32_t mod_ctx = kNone, fw_ctx = kNone;
  for (uint32_t i = 0; i < m.contexts.size(); ++i) {
    if (m.contexts[i].kind == CtxKind::module_init) mod_ctx = i;
    if (m.contexts[i].kind == CtxKind::fw_callback) fw_ctx = i;
  }
  ASSERT_NE(mod_ctx, kNone);
  ASSERT_NE(fw_ctx, kNone);
  EXPECT_EQ(m.contexts[m.contexts[mod_ctx].parent].kind, CtxKind::probe) << "request_module name matched with - vs _";
  EXPECT_EQ(m.contexts[fw_ctx].delay(), ms(5));
  EXPECT_EQ(m.contexts[fw_ctx].duration(), ms(2));
  EXPECT_TRUE(m.caused_by_probe(fw_ctx));
  // The firmware itself is a resource that appears when the callback starts.
  EXPECT_NE(m.resource_index("fw:fw.bin"), kNone);
}

TEST(NeedInference, FromReason) {
  Trace tr;
  const Model m = model_of(provider_consumer(true, false), tr);
  const auto& dm = m.devices[*tr.find_device("C")];
  EXPECT_EQ(dm.need_mode, Evidence::reason);
  ASSERT_EQ(dm.needs.size(), 1u);
  EXPECT_EQ(m.resource_name(dm.needs[0].resource), "dai:d");
  EXPECT_NE(dm.needs[0].detail.find("appeared at 50.000 ms (work context of P"), std::string::npos)
      << dm.needs[0].detail;
}

TEST(NeedInference, BySeparationWhenNoReason) {
  Trace tr;
  const Model m = model_of(provider_consumer(false, false), tr);
  const auto& dm = m.devices[*tr.find_device("C")];
  EXPECT_EQ(dm.need_mode, Evidence::separation);
  ASSERT_EQ(dm.needs.size(), 1u);
  EXPECT_EQ(m.resource_name(dm.needs[0].resource), "component:c");
}

TEST(NeedInference, AmbiguousWhenSeveralArrivalsSeparate) {
  // Two arrivals separate the last deferral from the success: at least one was needed
  // (earliest reading), perhaps both (latest reading). Neither is a certain need.
  Trace tr;
  const Model m = model_of(provider_consumer(false, true), tr);
  const auto& dm = m.devices[*tr.find_device("C")];
  EXPECT_EQ(dm.need_mode, Evidence::ambiguous);
  EXPECT_TRUE(dm.needs.empty());
  ASSERT_EQ(dm.doubt.any_of.size(), 2u);
  ASSERT_EQ(dm.doubt.possible.size(), 2u);
  EXPECT_EQ(m.resource_name(dm.doubt.possible[0].resource), "named:dsp-ready");
  EXPECT_EQ(m.resource_name(dm.doubt.possible[1].resource), "component:c");
  EXPECT_NE(dm.doubt.possible[0].detail.find("one of 2 arrivals"), std::string::npos);
  EXPECT_FALSE(dm.doubt.unknown);
}

TEST(NeedInference, CountModelWhenNothingSeparates) {
  ScenarioBuilder b("count", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(2), kMod).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(3), ms(4), kMod, "C", "cdrv", -517);
  b.probe(ms(8), ms(9), kDefer, "C", "cdrv", 0);
  Trace tr;
  const Model m = model_of(b, tr);
  const auto& dm = m.devices[*tr.find_device("C")];
  EXPECT_EQ(dm.need_mode, Evidence::count);
  EXPECT_EQ(dm.count_success_after, 1);
}

TEST(NeedInference, UnknownWhenNeverBoundWithoutReason) {
  ScenarioBuilder b("unknown", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(2), kMod).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(3), ms(4), kMod, "C", "cdrv", -517);
  Trace tr;
  const Model m = model_of(b, tr);
  const auto& dm = m.devices[*tr.find_device("C")];
  EXPECT_EQ(dm.need_mode, Evidence::unknown);
  EXPECT_TRUE(m.bindings[dm.bindings[0]].success_assumed);
}

TEST(NeedInference, UnmatchedReasonIsUnknownNotAnInventedResource) {
  ScenarioBuilder b("opaque", "6.1.0-27-amd64");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  b.at(ms(2), kMod).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(3), ms(4), kMod, "C", "cdrv", -517, "cdrv: waiting for provider board EC");
  Trace tr;
  const Model m = model_of(b, tr);
  const auto& dm = m.devices[*tr.find_device("C")];
  EXPECT_EQ(dm.need_mode, Evidence::unknown);
  EXPECT_TRUE(dm.needs.empty());
  EXPECT_TRUE(dm.doubt.unknown);
  EXPECT_GE(dm.doubt.unknown_after, ms(3));
  EXPECT_LE(dm.doubt.unknown_after, ms(4));
  ASSERT_EQ(dm.doubt.why.size(), 1u);
  EXPECT_NE(dm.doubt.why[0].find("names nothing in the trace"), std::string::npos) << dm.doubt.why[0];
  EXPECT_EQ(m.resource_index("named:provider"), kNone) << "'waiting for X' is not a resource named X";
}

TEST(Bindings, DurationsAndLookupOffset) {
  Trace tr;
  const Model m = model_of(provider_consumer(true, false), tr);
  const auto& dm = m.devices[*tr.find_device("C")];
  const Binding& b = m.bindings[dm.bindings[0]];
  EXPECT_EQ(b.attempts.size(), 3u);
  EXPECT_EQ(b.success, 2);
  EXPECT_EQ(b.defer_duration, ms(1));
  EXPECT_EQ(b.success_duration, ms(1));
  EXPECT_EQ(b.lookup_offset, ms(0.5)) << "the deferral reason is logged half-way through the probe";
  EXPECT_EQ(dm.observed_attempts, 3u);
  EXPECT_EQ(dm.observed_deferrals, 2u);
}

}  // namespace
}  // namespace reprobe

namespace reprobe {
namespace {
TEST(TraceCopy, CopiedTraceOwnsItsStrings) {
  auto t = provider_consumer(true, false).build(ms(100));
  ASSERT_TRUE(t.ok());
  Trace copy;
  {
    Trace original = std::move(*t);
    copy = original;
  }
  EXPECT_EQ(copy.strings.find("cdrv"), copy.strings.intern("cdrv"));
  EXPECT_TRUE(copy.find_device("C").has_value());
  const Model m = build_model(copy);
  EXPECT_EQ(m.devices[*copy.find_device("C")].need_mode, Evidence::reason);
}
}  // namespace
}  // namespace reprobe
