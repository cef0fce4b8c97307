// How reports write times: instants on the trace clock in seconds with
// microseconds, like dmesg ("25.349900 s"), and gaps as short durations
// ("412 ms", "1.25 s", "35 µs"). Deterministic (integer arithmetic).
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace reprobe {

inline std::string report_instant(uint64_t ns) {
  return fmt::format("{}.{:06} s", ns / 1'000'000'000u, (ns % 1'000'000'000u) / 1'000u);
}

inline std::string report_gap(uint64_t ns) {
  if (ns < 1'000u) return fmt::format("{} ns", ns);
  if (ns < 1'000'000u) return fmt::format("{:.1f} µs", static_cast<double>(ns) / 1e3);
  if (ns < 10'000'000u) return fmt::format("{:.2f} ms", static_cast<double>(ns) / 1e6);
  if (ns < 1'000'000'000u) return fmt::format("{:.0f} ms", static_cast<double>(ns) / 1e6);
  if (ns < 100'000'000'000u) return fmt::format("{:.2f} s", static_cast<double>(ns) / 1e9);
  return fmt::format("{:.0f} s", static_cast<double>(ns) / 1e9);
}

// "1 device", "3 devices"
inline std::string count_of(uint64_t n, const char* singular, const char* plural) {
  return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

}  // namespace reprobe
