// Driver-core behaviour that differs between the kernels reprobe models
// (docs/kernel-model.md §1.5, §1.7, §1.9, §2.1). 5.11-5.18 and 5.19 get their own profiles where the
// semantics changed (fw_devlink, the work queue, the race re-trigger, the timeout extension).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replayer/trace/error.h"

namespace reprobe {

struct KernelProfile {
  std::string name;                 // "5.10", "5.13", "5.14", "5.19", "6.1", "6.6", "6.12"
  int default_timeout_s = 0;        // driver_deferred_probe_timeout default (0 = no timer), with CONFIG_MODULES
  bool extend_on_register = false;  // deferred_probe_extend_timeout() from driver_register (>= 5.19)
  bool unbound_wq = true;           // deferred work on system_unbound_wq (>= 5.13) vs system_wq
  bool probe_ret_positive = true;   // >= 5.14: really_probe returns +errno from ->probe()
  std::string timeout_message;      // what the timeout prints per pending device
  bool fw_devlink_on = false;       // fw_devlink=on by default (>= 5.13; 5.10: permissive, no fwnode waits)
  // deferred_probe_timeout_work_func() calls fw_devlink_drivers_done() first (>= 5.13): inferred links
  // to suppliers no driver can match are relaxed before the timeout's trigger (core.c).
  bool drivers_done_at_timeout = false;
  // The timeout message carries the deferral reason (>= 6.8: "deferred probe pending: <reason>").
  bool timeout_message_has_reason = false;

  // driver_deferred_probe_timeout's default on a kernel built with or without CONFIG_MODULES: the
  // 10 s of 6.0+ is under #ifdef CONFIG_MODULES, 0 otherwise (dd.c).
  int default_timeout(bool config_modules) const { return config_modules ? default_timeout_s : 0; }
};

const std::vector<KernelProfile>& kernel_profiles();
Result<KernelProfile> kernel_profile(std::string_view name);
// Nearest modelled profile for a kernel release string ("6.1.0-27-amd64").
// MAJOR * 1000 + MINOR of a release string ("6.1.0-27-amd64" -> 6001), or nullopt when it does
// not start with two numbers a Linux version can have (major < 100, minor < 1000).
std::optional<int> kernel_version_number(std::string_view release);
std::optional<KernelProfile> profile_for_release(std::string_view release);
// deferred_probe_timeout=N from a kernel command line, if present.
std::optional<int> cmdline_timeout(std::string_view cmdline);

}  // namespace reprobe
