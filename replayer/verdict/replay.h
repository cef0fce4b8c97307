// Replays a trace under trigger policies and turns the simulator's final
// states into verdicts: was the target card bound, when, what stranded and
// why, and how faithful the stock replay is to what the kernel really did.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "replayer/model/kernel_profile.h"
#include "replayer/model/model.h"
#include "replayer/model/policy.h"
#include "replayer/model/simulator.h"
#include "replayer/trace/error.h"
#include "replayer/verdict/report_units.h"
#include "replayer/verdict/story.h"

namespace reprobe {

struct ReplayOptions {
  std::vector<std::string> policies;  // empty = stock only
  bool all_policies = false;
  std::string kernel = "auto";
  std::vector<std::string> targets;  // device labels; empty = card devices
  bool require_target = true;        // false: a trace with no card device replays with no target (export)
  bool allow_no_target = false;      // report: no target found is not an error (the report triages the log)
  bool keep_timelines = false;       // keep each policy's simulated timeline (PolicyVerdict::timeline);
                                     // without it only the stock run records one (for the explanation)
};

// A policy's answer for a target (docs/model.md §3, "Two readings"): bound or stranded in both
// readings of what the trace leaves open, or undetermined when they disagree.
enum class Verdict : uint8_t { bound, stranded, undetermined };
std::string_view to_string(Verdict v);

struct TargetOutcome {
  DevId dev = kNoDev;
  Verdict verdict = Verdict::stranded;
  std::optional<uint64_t> bound_at;         // bound (or, undetermined, if it binds): the earliest reading
  std::optional<uint64_t> bound_at_latest;  // bound in both readings at different times: the latest
  std::vector<std::string> undetermined;    // why the readings disagree (undetermined)
  std::string range_note;                   // bound_at_latest: why the time is a range, in words
  std::optional<uint64_t> card_at;          // snd_card_register replayed
  uint32_t attempts = 0, deferrals = 0;
  bool assumed_success = false;  // bound, but the trace never showed how this probe succeeds
  bool bound() const { return verdict == Verdict::bound; }
};

struct Stranded {
  DevId dev = kNoDev;
  std::vector<std::string> waiting_for;  // missing resources, or "unknown (...)"
  Evidence evidence = Evidence::unknown;
};

struct PolicyVerdict {
  Policy policy;
  Verdict verdict = Verdict::stranded;          // over every target: bound only if all are
  std::optional<uint64_t> target_bound_at;      // the last target's bind (earliest reading)
  std::optional<uint64_t> target_bound_latest;  // the same under the latest reading, when it differs
  std::vector<std::string> undetermined;        // why (verdict undetermined), per target
  bool bound() const { return verdict == Verdict::bound; }
  std::vector<TargetOutcome> targets;
  uint32_t probe_attempts = 0, deferrals = 0, triggers = 0, triggers_ignored = 0;
  std::array<uint32_t, kTriggerCauseCount> triggers_by_cause{};
  std::vector<Stranded> stranded;
  uint64_t blocked_total_ns = 0, blocked_max_ns = 0;
  std::optional<uint64_t> timeout_fired_at;
  bool truncated = false;
  bool two_readings = false;        // the pessimistic reading was run (the trace leaves needs open)
  std::vector<SimRecord> timeline;  // the simulated run, only with ReplayOptions::keep_timelines
};

struct Fidelity {
  bool exact = true;
  std::string confidence;  // "high" (bpf capture), "lower" (log-derived or synthetic)
  std::vector<std::string> divergences;
};

struct ReplayReport {
  std::string trace_path;
  std::string source;
  KernelProfile profile;
  std::optional<int> capture_timeout;  // deferred_probe_timeout= from the header cmdline
  std::vector<DevId> targets;
  std::string targets_how;  // how the targets were found when no device registered a card (target_detection.h)
  std::vector<PolicyVerdict> verdicts;
  Fidelity fidelity;
  std::vector<TargetStory> stories;  // the stock outcome in plain words, per target (explanation.h)
  std::vector<std::string> why;      // the stories' lines as plain text, in order
  std::vector<std::string> warnings;
  // Line numbers instead of times: a log imported without timestamps (report_units.h). Every
  // formatter of this report writes under ReportClockScope(clock).
  ReportClock clock = ReportClock::seconds;
  uint64_t clock_last_ns = UINT64_MAX;  // log_lines: the trace's end (its last line)
  Model model;
};

// The clock a trace's reports use: log_lines for a log imported without timestamps.
ReportClock report_clock_of(const Trace& trace);

Result<ReplayReport> replay(const Trace& trace, const ReplayOptions& options);

}  // namespace reprobe
