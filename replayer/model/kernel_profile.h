// Driver-core behaviour that differs between the kernels reprobe models
// (docs/kernel-model.md §1.5, §1.9, §2.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replayer/trace/error.h"

namespace reprobe {

struct KernelProfile {
  std::string name;                 // "5.10", "6.1", "6.6", "6.12"
  int default_timeout_s = 0;        // driver_deferred_probe_timeout default (0 = no timer)
  bool extend_on_register = false;  // deferred_probe_extend_timeout() from driver_register (>= 5.19)
  bool unbound_wq = true;           // deferred work on system_unbound_wq (>= 5.13) vs system_wq
  bool probe_ret_positive = true;   // >= 5.14: really_probe returns +errno from ->probe()
  std::string timeout_message;      // what the timeout prints per pending device
};

const std::vector<KernelProfile>& kernel_profiles();
Result<KernelProfile> kernel_profile(std::string_view name);
// Nearest modelled profile for a kernel release string ("6.1.0-27-amd64").
std::optional<KernelProfile> profile_for_release(std::string_view release);
// deferred_probe_timeout=N from a kernel command line, if present.
std::optional<int> cmdline_timeout(std::string_view cmdline);

}  // namespace reprobe
