// Trigger policies replayed against a trace (docs/policies.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "replayer/model/kernel_profile.h"
#include "replayer/trace/error.h"

namespace reprobe {

enum class PolicyKind {
  stock,           // the kernel profile's own behaviour
  no_race_fix,     // before 58b116bce136 (2014): no deferred_trigger_count re-trigger
  no_timeout,      // deferred_probe_timeout=-1 (no timer, never expires)
  provider_kick,   // RFC 2021: provider's deferred work / fw callback ends with a trigger
  component_kick,  // trigger from snd_soc_add_component()
  resource_kick,   // every resource provider API triggers
  resource_aware,  // retry a deferred device exactly when what it waits for appears
  periodic,        // stock + a trigger every N ms
  sync_provider,   // provider finishes its async init inside probe
};

struct Policy {
  PolicyKind kind = PolicyKind::stock;
  std::string spec;  // canonical text, e.g. "stock", "stock:timeout=30", "periodic:500"
  // Resolved knobs (kernel profile defaults unless overridden by parameters).
  int timeout_s = 0;  // driver_deferred_probe_timeout: > 0 a timer; 0 no timer, already expired; < 0 never
  bool extend_on_register = false;
  bool drivers_done_at_timeout = false;  // the profile's fw_devlink_drivers_done() in the timeout work
  bool race_fix = true;
  int period_ms = 1000;
  // The capture's own timeout (same value and extension rule): when the trace shows the
  // timeout work running, the replay fires it at that moment (docs/model.md §4, "timeout seen in the trace").
  bool timeout_as_observed = false;

  bool kicks_after_provider_work() const { return kind == PolicyKind::provider_kick; }
  bool kicks_on_component() const { return kind == PolicyKind::component_kick || kind == PolicyKind::resource_kick; }
  bool kicks_on_resource() const { return kind == PolicyKind::resource_kick; }
  bool targeted_retry() const { return kind == PolicyKind::resource_aware; }
  bool inline_provider_work() const { return kind == PolicyKind::sync_provider; }
};

struct PolicyInfo {
  std::string_view name;
  PolicyKind kind;
  std::string_view summary;
};
const std::vector<PolicyInfo>& policy_catalog();

// Parses "name[:param=value,...]" (periodic also takes "periodic:500").
// `timeout_override` is the capture's own deferred_probe_timeout= when known.
Result<Policy> parse_policy(std::string_view spec, const KernelProfile& profile,
                            std::optional<int> timeout_override = std::nullopt);
std::vector<std::string> all_policy_specs();

}  // namespace reprobe
