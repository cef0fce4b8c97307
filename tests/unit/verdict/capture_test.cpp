// Real captures: traces recorded by `reprobe record` inside Debian's own 6.1
// kernel (tests/vm/run-suite.sh --update-captures), with the guest's ground
// truth beside them (tests/data/captures/NAME.{trace,ground-truth.json}).
// Without a VM these tests still replay real kernel data:
//   * the trace is a bpf capture the strict reader accepts, with no drops;
//   * the stock replay reproduces it exactly (fidelity);
//   * the stock target outcome is the real kernel's (card present <=> bound);
//   * a stranded card is bound by the rescue policies;
//   * the all-policies JSON verdict matches tests/golden/captures/NAME.json
//     byte for byte (REPROBE_UPDATE_GOLDEN=1 rewrites it).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "replayer/report/replay_output.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"
#include "tests/support/golden_file.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

// Listed, not globbed: a capture that goes missing fails here instead of
// silently shrinking the suite.
const char* const kCaptures[] = {"hda",        "sof-late-component", "sof-fw-callback",     "kick", "timeout-rescue",
                                 "replug-hda", "async-probe",        "pre-capture-deferral"};

// Captures whose target waits for something that never comes (#@no-rescue in the scenario): a
// PM-domain consumer fails at the timeout under every policy.
bool no_rescue(const std::string& capture) { return capture == "check-state-timeout"; }

struct Capture {
  Trace trace;
  nlohmann::json truth;
};

Capture load(const std::string& name) {
  Capture c;
  const std::string label = "tests/data/captures/" + name + ".trace";
  const auto path = kRoot / label;
  EXPECT_TRUE(std::filesystem::exists(path)) << path << " is missing (tests/vm/run-suite.sh --update-captures)";
  auto t = read_trace_text(slurp(path), label);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  if (t.ok()) c.trace = std::move(*t);
  c.truth = nlohmann::json::parse(slurp(kRoot / "tests/data/captures" / (name + ".ground-truth.json")));
  return c;
}

bool really_bound(const nlohmann::json& truth, const std::string& dev) {
  bool bound = false, deferred = false;
  for (const auto& b : truth["bound"])
    if (b["dev"] == dev && b["driver"].is_string()) bound = true;
  for (const auto& d : truth["deferred"])
    if (d["dev"] == dev) deferred = true;
  return bound && !deferred;
}

class RealCapture : public ::testing::TestWithParam<const char*> {};

TEST_P(RealCapture, IsAFaithfulBpfTrace) {
  const Capture c = load(GetParam());
  EXPECT_EQ(c.trace.source, "bpf");
  ASSERT_TRUE(c.trace.end.has_value()) << "the recorder stopped cleanly with the end line";
  EXPECT_EQ(c.trace.end->dropped, 0u);
  EXPECT_TRUE(c.trace.warnings.empty()) << ::testing::PrintToString(c.trace.warnings);
  auto r = replay(c.trace, ReplayOptions{});
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_TRUE(r->fidelity.exact) << ::testing::PrintToString(r->fidelity.divergences);
}

TEST_P(RealCapture, StockOutcomeIsTheRealKernelsAndRescuesBind) {
  const Capture c = load(GetParam());
  ReplayOptions o;
  o.all_policies = true;
  auto r = replay(c.trace, o);
  ASSERT_TRUE(r.ok()) << r.error().str();
  ASSERT_FALSE(r->targets.empty()) << "a sound-card device is the target";
  for (const auto& v : r->verdicts) {
    for (const auto& t : v.targets) {
      const std::string dev = c.trace.dev_label(t.dev);
      const bool real = really_bound(c.truth, dev);
      if (v.policy.spec == "stock") {
        EXPECT_EQ(t.bound(), real) << dev << ": stock replay vs the real kernel";
      }
      const bool rescue = v.policy.spec == "provider-kick" || v.policy.spec == "component-kick" ||
                          v.policy.spec == "resource-kick" || v.policy.spec == "resource-aware";
      if (rescue && !no_rescue(GetParam())) {
        EXPECT_TRUE(t.bound()) << dev << " stays stranded under " << v.policy.spec;
      }
    }
  }
}

TEST_P(RealCapture, AllPoliciesMatchGoldenVerdict) {
  const Capture c = load(GetParam());
  ReplayOptions o;
  o.all_policies = true;
  auto r = replay(c.trace, o);
  ASSERT_TRUE(r.ok()) << r.error().str();
  const std::string actual = format_json(*r);
  compare_or_update(kRoot / "tests/golden/captures" / (std::string(GetParam()) + ".json"), actual);
}

INSTANTIATE_TEST_SUITE_P(Captures, RealCapture, ::testing::ValuesIn(kCaptures), [](const auto& info) {
  std::string n = info.param;
  for (auto& ch : n)
    if (ch == '-') ch = '_';
  return n;
});

// What each real run showed, asserted directly.
TEST(RealOutcomes, GuestGroundTruth) {
  EXPECT_TRUE(load("sof-late-component").truth["cards"].empty()) << "the real kernel strands the card";
  EXPECT_TRUE(load("sof-fw-callback").truth["cards"].empty());
  EXPECT_FALSE(load("kick").truth["cards"].empty()) << "an unrelated bind after the component rescues it";
  EXPECT_FALSE(load("timeout-rescue").truth["cards"].empty()) << "the pending timeout rescues it";
  EXPECT_FALSE(load("hda").truth["cards"].empty()) << "snd-hda-intel binds qemu's intel-hda";
  EXPECT_FALSE(load("replug-hda").truth["cards"].empty()) << "record --replug brings the card back";
}

// record --replug on a bound card: the capture starts with the controller bound to
// its header driver; the unload unbinds it and deletes the codec device, the reload
// probes both again (a new instance of the codec name).
TEST(RealOutcomes, ReplugReprobesTheBoundController) {
  const Capture c = load("replug-hda");
  const auto ctl = c.trace.find_device("0000:00:01.0");
  ASSERT_TRUE(ctl.has_value());
  EXPECT_TRUE(c.trace.devices[*ctl].from_header);
  EXPECT_TRUE(c.trace.find_device("hdaudioC0D0#2").has_value()) << "the codec device was re-added";
  ReplayOptions o;
  o.policies = {"stock"};
  auto r = replay(c.trace, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->fidelity.exact) << ::testing::PrintToString(r->fidelity.divergences);
  ASSERT_EQ(r->verdicts[0].targets.size(), 1u);
  EXPECT_EQ(r->verdicts[0].targets[0].attempts, 1u) << "probed once, after the reload";
}

}  // namespace
}  // namespace reprobe

namespace reprobe {
namespace {

// Issue 13 item 1: the machine deferred before the recorder started; only the start snapshot's
// devices_deferred says so. The provider's bind inside the capture retries it, as the kernel did.
TEST(RealOutcomes, PreCaptureDeferralIsRetriedByTheNextBind) {
  Capture c = load("pre-capture-deferral");
  EXPECT_FALSE(c.truth["cards"].empty()) << "the provider's bind retried the machine";
  ReplayOptions o;
  o.policies = {"stock"};
  auto r = replay(c.trace, o);
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_TRUE(r->fidelity.exact) << ::testing::PrintToString(r->fidelity.divergences);
  // Without the snapshot the machine is on no list: nothing retries it.
  c.trace.header.erase("snapshot");
  auto blind = replay(c.trace, o);
  ASSERT_TRUE(blind.ok());
  EXPECT_FALSE(blind->fidelity.exact);
}

}  // namespace
}  // namespace reprobe
