#include <gtest/gtest.h>

#include "replayer/model/kernel_profile.h"
#include "replayer/model/policy.h"

namespace reprobe {
namespace {

KernelProfile k61() { return *kernel_profile("6.1"); }
KernelProfile k510() { return *kernel_profile("5.10"); }

TEST(KernelProfile, ReleasesMapToNearestModelledProfile) {
  EXPECT_EQ(profile_for_release("5.10.0-33-amd64")->name, "5.10");
  EXPECT_EQ(profile_for_release("5.12.19")->name, "5.10");
  EXPECT_EQ(profile_for_release("5.13.0-52-generic")->name, "5.13");
  EXPECT_EQ(profile_for_release("5.15.0-100-generic")->name, "5.14");
  EXPECT_EQ(profile_for_release("5.18.19")->name, "5.14");
  EXPECT_EQ(profile_for_release("5.19.0-50-generic")->name, "5.19");
  EXPECT_EQ(profile_for_release("6.0.12")->name, "6.1");
  EXPECT_EQ(profile_for_release("6.1.0-27-amd64")->name, "6.1");
  EXPECT_EQ(profile_for_release("6.5.1")->name, "6.1");
  EXPECT_EQ(profile_for_release("6.6.57")->name, "6.6");
  EXPECT_EQ(profile_for_release("6.12.117+deb13-amd64")->name, "6.12");
  EXPECT_EQ(profile_for_release("7.1.0")->name, "6.12");
  EXPECT_FALSE(profile_for_release("garbage").has_value());
  // Found by explore_fuzz (UBSan: signed overflow in major * 1000): numbers no Linux release has.
  EXPECT_FALSE(profile_for_release("705492627.10.0-33-amd64").has_value());
  EXPECT_FALSE(profile_for_release("6.2147483647").has_value());
  EXPECT_FALSE(profile_for_release("6.1000").has_value());
  EXPECT_EQ(kernel_version_number("6.12.117+deb13-amd64"), 6012);
  EXPECT_FALSE(kernel_profile("4.19").ok());
  EXPECT_EQ(kernel_profile("4.19").error().message,
            "unknown kernel profile '4.19' (known: 5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12, auto)");
}

TEST(KernelProfile, TimeoutDefaultsFollowKernelHistory) {
  EXPECT_EQ(k510().default_timeout_s, 0);
  EXPECT_FALSE(k510().extend_on_register);
  for (const char* n : {"6.1", "6.6", "6.12"}) {
    EXPECT_EQ(kernel_profile(n)->default_timeout_s, 10) << n;
    EXPECT_TRUE(kernel_profile(n)->extend_on_register) << n;
  }
}

// The semantics that changed between 5.10 and 6.0 (docs/kernel-model.md §0.2, §1.5, §1.7).
TEST(KernelProfile, ProfilesBetween510And61FollowTheSemanticsThatChanged) {
  const auto p = [](const char* n) { return *kernel_profile(n); };
  // fw_devlink=on and fw_devlink_drivers_done() in the timeout work from 5.13; 5.10 is permissive.
  EXPECT_FALSE(p("5.10").fw_devlink_on);
  EXPECT_FALSE(p("5.10").drivers_done_at_timeout);
  for (const char* n : {"5.13", "5.14", "5.19", "6.1", "6.6", "6.12"}) {
    EXPECT_TRUE(p(n).fw_devlink_on) << n;
    EXPECT_TRUE(p(n).drivers_done_at_timeout) << n;
    EXPECT_TRUE(p(n).unbound_wq) << n;
  }
  EXPECT_FALSE(p("5.10").unbound_wq);
  // The race re-trigger moves to driver_probe_device() and really_probe() returns +errno in 5.14.
  EXPECT_FALSE(p("5.13").probe_ret_positive);
  EXPECT_TRUE(p("5.14").probe_ret_positive);
  // The extension arrives in 5.19, its 10 s default only in 6.0.
  for (const char* n : {"5.10", "5.13", "5.14"}) EXPECT_FALSE(p(n).extend_on_register) << n;
  EXPECT_TRUE(p("5.19").extend_on_register);
  EXPECT_EQ(p("5.19").default_timeout_s, 0);
  // Only 6.12 (>= 6.8) prints the reason with the timeout's per-device line.
  for (const char* n : {"5.10", "5.13", "5.14", "5.19", "6.1", "6.6"})
    EXPECT_FALSE(p(n).timeout_message_has_reason) << n;
  EXPECT_TRUE(p("6.12").timeout_message_has_reason);
  // Stock inherits fw_devlink_drivers_done() from its profile.
  EXPECT_TRUE(parse_policy("stock", p("6.1"))->drivers_done_at_timeout);
  EXPECT_FALSE(parse_policy("stock", p("5.10"))->drivers_done_at_timeout);
}

TEST(KernelProfile, NoTimeoutWithoutConfigModules) {
  for (const char* n : {"6.1", "6.6", "6.12"}) {
    EXPECT_EQ(kernel_profile(n)->default_timeout(true), 10) << n;
    EXPECT_EQ(kernel_profile(n)->default_timeout(false), 0) << n;
  }
  EXPECT_EQ(k510().default_timeout(true), 0);
}

TEST(KernelProfile, CmdlineTimeout) {
  EXPECT_EQ(cmdline_timeout("quiet deferred_probe_timeout=30 splash"), 30);
  EXPECT_EQ(cmdline_timeout("deferred_probe_timeout=-1"), -1);
  EXPECT_FALSE(cmdline_timeout("quiet splash").has_value());
  EXPECT_FALSE(cmdline_timeout("xdeferred_probe_timeout=5").has_value());
}

TEST(Policy, StockFollowsTheProfile) {
  auto p = parse_policy("stock", k61());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->timeout_s, 10);
  EXPECT_TRUE(p->extend_on_register);
  EXPECT_TRUE(p->race_fix);
  EXPECT_EQ(parse_policy("stock", k510())->timeout_s, 0);
  EXPECT_EQ(parse_policy("stock", k61(), 30)->timeout_s, 30) << "capture's cmdline wins over the default";
}

TEST(Policy, EachCatalogueEntryParses) {
  for (const auto& s : all_policy_specs()) {
    auto p = parse_policy(s, k61());
    ASSERT_TRUE(p.ok()) << s;
    EXPECT_EQ(p->spec, s);
  }
  EXPECT_FALSE(parse_policy("no-race-fix", k61())->race_fix);
  EXPECT_EQ(parse_policy("no-timeout", k61())->timeout_s, -1)
      << "never expires (dd.c: negative), not 0 (already expired)";
  EXPECT_TRUE(parse_policy("provider-kick", k61())->kicks_after_provider_work());
  EXPECT_TRUE(parse_policy("component-kick", k61())->kicks_on_component());
  EXPECT_FALSE(parse_policy("component-kick", k61())->kicks_on_resource());
  EXPECT_TRUE(parse_policy("resource-kick", k61())->kicks_on_resource());
  EXPECT_TRUE(parse_policy("resource-aware", k61())->targeted_retry());
  EXPECT_TRUE(parse_policy("sync-provider", k61())->inline_provider_work());
}

TEST(Policy, Parameters) {
  auto p = parse_policy("stock:timeout=30,extend=0", k61());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->timeout_s, 30);
  EXPECT_FALSE(p->extend_on_register);
  EXPECT_EQ(p->spec, "stock:timeout=30,extend=0");
  EXPECT_EQ(parse_policy("periodic:500", k61())->period_ms, 500);
  EXPECT_EQ(parse_policy("periodic:500", k61())->spec, "periodic:ms=500");
  EXPECT_EQ(parse_policy("periodic:ms=250", k61())->period_ms, 250);
  EXPECT_EQ(parse_policy("periodic", k61())->period_ms, 1000);
  EXPECT_FALSE(parse_policy("component-kick:race_fix=0", k61())->race_fix);
}

TEST(Policy, Errors) {
  EXPECT_EQ(parse_policy("kick-everything", k61()).error().message.substr(0, 34), "unknown policy 'kick-everything' (");
  EXPECT_EQ(parse_policy("stock:timeout=abc", k61()).error().message,
            "policy 'stock:timeout=abc': timeout='abc' is not an integer");
  EXPECT_EQ(parse_policy("stock:colour=3", k61()).error().message,
            "policy 'stock:colour=3': unknown parameter 'colour' (timeout, extend, race_fix)");
  EXPECT_EQ(parse_policy("stock:timeout", k61()).error().message,
            "policy 'stock:timeout': parameter 'timeout' needs a value (key=value)");
  EXPECT_EQ(parse_policy("stock:", k61()).error().message, "policy 'stock:': empty parameter list");
  EXPECT_EQ(parse_policy("no-timeout:timeout=5", k61()).error().message,
            "policy 'no-timeout:timeout=5': no-timeout takes no timeout");
  EXPECT_EQ(parse_policy("stock:extend=2", k61()).error().message, "policy 'stock:extend=2': extend must be 0 or 1");
  EXPECT_EQ(parse_policy("periodic:0", k61()).error().message, "policy 'periodic:0': ms must be 1..3600000");
}

}  // namespace
}  // namespace reprobe
