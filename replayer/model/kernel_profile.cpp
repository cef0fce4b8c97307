#include "replayer/model/kernel_profile.h"

#include <charconv>

#include <fmt/format.h>

namespace reprobe {

const std::vector<KernelProfile>& kernel_profiles() {
  static const std::vector<KernelProfile> k = {
      // name, timeout, extend, unbound_wq, probe_ret_positive, message, fw_devlink_on, drivers_done, reason
      {"5.10", 0, false, false, false, "dev_info: deferred probe pending", false, false, false},
      // 5.13: fw_devlink=on by default, fw_devlink_drivers_done() in the timeout work, system_unbound_wq.
      {"5.13", 0, false, true, false, "dev_info: deferred probe pending", true, true, false},
      // 5.14: the race re-trigger moves to driver_probe_device(); really_probe() returns +errno.
      {"5.14", 0, false, true, true, "dev_info: deferred probe pending", true, true, false},
      // 5.19: deferred_probe_extend_timeout() on driver_register (its 10 s default was reverted to 0
      // before the release, 9be4cbd09da8; 6.0 brought it back).
      {"5.19", 0, true, true, true, "dev_info: deferred probe pending", true, true, false},
      {"6.1", 10, true, true, true, "dev_info: deferred probe pending", true, true, false},
      {"6.6", 10, true, true, true, "dev_info: deferred probe pending", true, true, false},
      {"6.12", 10, true, true, true, "dev_warn: deferred probe pending: <reason>", true, true, true},
  };
  return k;
}

Result<KernelProfile> kernel_profile(std::string_view name) {
  for (const auto& p : kernel_profiles())
    if (p.name == name) return p;
  return Error{"", 0,
               fmt::format("unknown kernel profile '{}' (known: 5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12, auto)", name)};
}

std::optional<int> kernel_version_number(std::string_view release) {
  int major = 0, minor = 0;
  const char* p = release.data();
  const char* end = p + release.size();
  auto r = std::from_chars(p, end, major);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != '.') return std::nullopt;
  r = std::from_chars(r.ptr + 1, end, minor);
  if (r.ec != std::errc()) return std::nullopt;
  if (major < 0 || major >= 100 || minor < 0 || minor >= 1000) return std::nullopt;  // not a Linux release
  return major * 1000 + minor;
}

std::optional<KernelProfile> profile_for_release(std::string_view release) {
  const auto version = kernel_version_number(release);
  if (!version) return std::nullopt;
  const int v = *version;
  // 6.0 already has the 10 s default and its extension (f516d01b9df2): it replays as 6.1.
  const char* name = v >= 6012   ? "6.12"
                     : v >= 6006 ? "6.6"
                     : v >= 6000 ? "6.1"
                     : v >= 5019 ? "5.19"
                     : v >= 5014 ? "5.14"
                     : v >= 5013 ? "5.13"
                                 : "5.10";
  return *kernel_profile(name);
}

std::optional<int> cmdline_timeout(std::string_view cmdline) {
  static constexpr std::string_view key = "deferred_probe_timeout=";
  std::optional<int> found;
  size_t pos = 0;
  while ((pos = cmdline.find(key, pos)) != std::string_view::npos) {
    if (pos == 0 || cmdline[pos - 1] == ' ') {
      int v = 0;
      const char* b = cmdline.data() + pos + key.size();
      auto r = std::from_chars(b, cmdline.data() + cmdline.size(), v);
      if (r.ec == std::errc()) found = v;
    }
    pos += key.size();
  }
  return found;
}

}  // namespace reprobe
