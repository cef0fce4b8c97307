// How reports write times: instants on the trace clock in seconds with
// microseconds, like dmesg ("25.349900 s"), and gaps as short durations
// ("412 ms", "1.25 s", "35 µs"). Deterministic (integer arithmetic).
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "replayer/trace/trace.h"

namespace reprobe {

// How instants read in the report being written. A log without timestamps is imported on a
// clock of 1 ms per input line (docs/import.md): its reports give line numbers and line counts,
// never times (issue 14). Set for one report with ReportClockScope; thread-local, so concurrent
// reports of different traces do not mix.
enum class ReportClock : uint8_t { seconds, log_lines };
struct ReportClockState {
  ReportClock clock = ReportClock::seconds;
  uint64_t last_ns = UINT64_MAX;  // log_lines: the log's last line; later instants are not lines
};
inline ReportClockState& report_clock_state() {
  thread_local ReportClockState state;
  return state;
}
inline ReportClock report_clock() { return report_clock_state().clock; }
class ReportClockScope {
 public:
  explicit ReportClockScope(ReportClock c, uint64_t last_ns = UINT64_MAX) : saved_(report_clock_state()) {
    report_clock_state() = ReportClockState{c, last_ns};
  }
  ~ReportClockScope() { report_clock_state() = saved_; }
  ReportClockScope(const ReportClockScope&) = delete;
  ReportClockScope& operator=(const ReportClockScope&) = delete;

 private:
  ReportClockState saved_;
};

inline std::string report_instant(uint64_t ns) {
  if (report_clock() == ReportClock::log_lines) {
    // Past the last line: a timer's seconds counted on the line clock, not a line of the log.
    if (ns / kLogLineNs > report_clock_state().last_ns / kLogLineNs) return "after the log's last line";
    return fmt::format("line {}", ns / kLogLineNs);
  }
  return fmt::format("{}.{:06} s", ns / 1'000'000'000u, (ns % 1'000'000'000u) / 1'000u);
}

// When a timer fired (the deferred_probe_timeout): a log without timestamps cannot place it
// among its lines, so no line number is made up from the timer's seconds.
inline std::string report_timer_instant(uint64_t ns) {
  if (report_clock() == ReportClock::log_lines) return "a moment the untimed log cannot place";
  return report_instant(ns);
}

inline std::string report_gap(uint64_t ns) {
  if (report_clock() == ReportClock::log_lines) {
    const uint64_t lines = ns / kLogLineNs;
    return lines == 1 ? std::string("1 line") : fmt::format("{} lines", lines);
  }
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
