// Device links and fw_devlink in the simulator (issue 13 item 3, docs/kernel-model.md §1.7):
// device_links_check_suppliers() holds a consumer back until its supplier binds,
// fw_devlink_drivers_done() relaxes inferred links to driverless suppliers at the timeout (5.13+),
// and device_links_driver_bound() puts DL_FLAG_AUTOPROBE_CONSUMER consumers back on the pending list.
#include <gtest/gtest.h>

#include "replayer/model/simulator.h"
#include "replayer/trace/scenario_builder.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const Task kBoot{1, "swapper/0", 0}, kWorker{51, "kworker/u8:0", 1}, kTimeout{60, "kworker/0:2", 0},
    kLoader{100, "modprobe", 0};

constexpr uint64_t kInferredLink = 0x144;  // DL_FLAG_INFERRED | DL_FLAG_MANAGED | DL_FLAG_PM_RUNTIME (fw_devlink)
constexpr uint64_t kDriverLink = 0x60;     // DL_FLAG_MANAGED | DL_FLAG_AUTOPROBE_CONSUMER (a driver's own link)

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

SimResult simulate(const Run& r, const std::string& kernel, const std::string& policy = "stock",
                   bool pessimistic = false) {
  auto p = parse_policy(policy, *kernel_profile(kernel), 2);  // the capture's deferred_probe_timeout=2
  EXPECT_TRUE(p.ok());
  SimConfig cfg;
  cfg.pessimistic = pessimistic;
  Simulator s(r.model, *p, cfg);
  return s.run();
}

// Consumer C waits for supplier S ("supplier S not ready") from before late_initcall. No driver
// ever matches S (unless `supplier_driver`: its probe runs and fails). As a 6.1 kernel does it with
// an inferred link: C stays deferred through both initcall drains and binds in the timeout's trigger.
ScenarioBuilder supplier_wait(std::optional<uint64_t> link_flags, bool supplier_driver = false,
                              const std::string& reason = "supplier S not ready") {
  ScenarioBuilder b("device-link", "6.1.0-27-amd64");
  b.header()["kernel"]["cmdline"] = "quiet deferred_probe_timeout=2";
  b.at(ms(1), kBoot).ev("device_add", {{"dev", "S"}, {"bus", "platform"}});
  b.at(ms(1), kBoot).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  if (link_flags) b.at(ms(1.5), kBoot).ev("device_link", {{"dev", "C"}, {"supplier", "S"}, {"flags", *link_flags}});
  if (supplier_driver) {
    b.at(ms(1.8), kBoot).ev("driver_register", {{"drv", "sdrv"}, {"bus", "platform"}});
    b.probe(ms(1.8), ms(1.9), kBoot, "S", "sdrv", -22);
  }
  b.at(ms(2), kBoot).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(2), ms(2.1), kBoot, "C", "cdrv", -517, reason);
  b.at(ms(10), kBoot).ev("late_initcall");
  b.probe(ms(10.1), ms(10.2), kWorker, "C", "cdrv", -517, reason);
  b.probe(ms(10.3), ms(10.4), kWorker, "C", "cdrv", -517, reason);
  b.at(ms(2010.4), kTimeout).ev("timeout_fired");
  b.probe(ms(2010.5), ms(2010.7), kWorker, "C", "cdrv", 0);
  return b;
}

TEST(DeviceLinks, ReasonAndEventMakeASupplierLink) {
  auto r = load(supplier_wait(kInferredLink), sec(3));
  const DevId C = *r->trace.find_device("C"), S = *r->trace.find_device("S");
  const auto& links = r->model.devices[C].links;
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(r->model.resource_name(links[0].resource), "device:S");
  EXPECT_EQ(links[0].supplier, S);
  EXPECT_EQ(links[0].source, LinkSource::device_link);
  EXPECT_EQ(links[0].inferred, LinkInferred::yes);
  EXPECT_EQ(links[0].flags, kInferredLink);
  EXPECT_TRUE(r->model.devices[S].links.empty());
  // Without the event (a kernel log): the link's origin is unknown.
  auto log = load(supplier_wait(std::nullopt), sec(3));
  ASSERT_EQ(log->model.devices[C].links.size(), 1u);
  EXPECT_EQ(log->model.devices[C].links[0].inferred, LinkInferred::unknown);
}

TEST(DeviceLinks, InferredLinkToADriverlessSupplierIsRelaxedAtTheTimeoutFrom513) {
  auto r = load(supplier_wait(kInferredLink), sec(3));
  const DevId C = *r->trace.find_device("C");
  for (const std::string kernel : {"5.13", "5.14", "5.19", "6.1", "6.6", "6.12"}) {
    const SimResult s = simulate(*r, kernel);
    EXPECT_TRUE(s.state.timeout_fired) << kernel;
    EXPECT_TRUE(s.state.drivers_done) << kernel;
    EXPECT_TRUE(s.state.devs[C].bound) << kernel;
    EXPECT_GE(s.state.devs[C].bound_at, s.state.timeout_fired_at) << kernel << ": not before the timeout";
    EXPECT_EQ(s.state.devs[C].deferrals, 3u) << kernel << ": both initcall drains still defer it";
  }
  // The stock replay of what the 6.1 kernel did is exact.
  ReplayOptions ro;
  ro.policies = {"stock", "no-timeout"};
  ro.targets = {"C"};
  auto rep = replay(r->trace, ro);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->fidelity.exact) << (rep->fidelity.divergences.empty() ? "" : rep->fidelity.divergences[0]);
}

TEST(DeviceLinks, NoRelaxOn510OrWithoutATimeout) {
  auto r = load(supplier_wait(kInferredLink), sec(3));
  const DevId C = *r->trace.find_device("C");
  // 5.10: the timeout work (here from the command line) does not call fw_devlink_drivers_done().
  const SimResult v510 = simulate(*r, "5.10");
  EXPECT_TRUE(v510.state.timeout_fired);
  EXPECT_FALSE(v510.state.drivers_done);
  EXPECT_FALSE(v510.state.devs[C].bound);
  EXPECT_EQ(v510.state.devs[C].list, DeferList::pending);
  // No timeout, no drivers_done: the consumer waits for ever.
  const SimResult never = simulate(*r, "6.1", "no-timeout");
  EXPECT_FALSE(never.state.drivers_done);
  EXPECT_FALSE(never.state.devs[C].bound);
}

TEST(DeviceLinks, ADriversOwnLinkIsNeverRelaxed) {
  auto r = load(supplier_wait(kDriverLink), sec(3));
  const DevId C = *r->trace.find_device("C");
  ASSERT_EQ(r->model.devices[C].links.size(), 1u);
  EXPECT_EQ(r->model.devices[C].links[0].inferred, LinkInferred::no);
  const SimResult s = simulate(*r, "6.1");
  EXPECT_TRUE(s.state.drivers_done);
  EXPECT_FALSE(s.state.devs[C].bound) << "fw_devlink_relax_link() leaves links without DL_FLAG_INFERRED alone";
}

TEST(DeviceLinks, ASupplierADriverMatchedKeepsItsLink) {
  auto r = load(supplier_wait(kInferredLink, true), sec(3));
  const DevId C = *r->trace.find_device("C");
  const SimResult s = simulate(*r, "6.1");
  EXPECT_TRUE(s.state.drivers_done);
  EXPECT_FALSE(s.state.devs[C].bound) << "can_match: a driver matched the supplier, so the link stays";
}

TEST(DeviceLinks, WithoutTheLinkEventTheTwoReadingsDisagree) {
  auto r = load(supplier_wait(std::nullopt), sec(3));
  const DevId C = *r->trace.find_device("C");
  EXPECT_TRUE(simulate(*r, "6.1").state.devs[C].bound) << "optimistic: fw_devlink made the link";
  EXPECT_FALSE(simulate(*r, "6.1", "stock", true).state.devs[C].bound) << "pessimistic: a driver made it";
}

TEST(DeviceLinks, AFwnodeWaitIsNeverRelaxed) {
  auto r = load(supplier_wait(std::nullopt, false, "wait for supplier /soc/S"), sec(3));
  const DevId C = *r->trace.find_device("C");
  ASSERT_EQ(r->model.devices[C].links.size(), 1u);
  EXPECT_EQ(r->model.devices[C].links[0].source, LinkSource::fwnode);
  EXPECT_EQ(r->model.devices[C].links[0].supplier, kNoDev);
  for (const bool pessimistic : {false, true})
    EXPECT_FALSE(simulate(*r, "6.1", "stock", pessimistic).state.devs[C].bound)
        << "fw_devlink_drivers_done() relaxes device links, not fwnode links";
}

// device_links_driver_bound(): C's probe failed (it is on no list); when S binds, C's
// DL_FLAG_AUTOPROBE_CONSUMER link puts it on the pending list and S's bind triggers its retry.
ScenarioBuilder autoprobe(bool with_link_event) {
  ScenarioBuilder b("autoprobe", "6.1.0-27-amd64");
  b.at(ms(1), kBoot).ev("device_add", {{"dev", "S"}, {"bus", "platform"}});
  b.at(ms(1), kBoot).ev("device_add", {{"dev", "C"}, {"bus", "platform"}});
  if (with_link_event)
    b.at(ms(1.5), kBoot).ev("device_link", {{"dev", "C"}, {"supplier", "S"}, {"flags", kDriverLink}});
  b.at(ms(2), kLoader).ev("driver_register", {{"drv", "cdrv"}, {"bus", "platform"}});
  b.probe(ms(2), ms(2.1), kLoader, "C", "cdrv", -22);
  b.at(ms(50), kLoader).ev("driver_register", {{"drv", "sdrv"}, {"bus", "platform"}});
  b.probe(ms(50), ms(50.5), kLoader, "S", "sdrv", 0);
  b.probe(ms(50.6), ms(50.8), kWorker, "C", "cdrv", 0);
  return b;
}

TEST(DeviceLinks, ASuppliersBindPutsAutoprobeConsumersBackOnTheList) {
  auto r = load(autoprobe(true), ms(100));
  const DevId C = *r->trace.find_device("C"), S = *r->trace.find_device("S");
  ASSERT_EQ(r->model.autoprobe_consumers[S].size(), 1u);
  for (const std::string kernel : {"5.10", "6.1", "6.12"}) {
    const SimResult s = simulate(*r, kernel);
    EXPECT_TRUE(s.state.devs[C].bound) << kernel;
    EXPECT_EQ(s.state.devs[C].attempts, 2u) << kernel;
  }
  auto plain = load(autoprobe(false), ms(100));
  const SimResult s = simulate(*plain, "6.1");
  EXPECT_FALSE(s.state.devs[C].bound) << "without the link nothing retries a failed probe";
}

}  // namespace
}  // namespace reprobe
