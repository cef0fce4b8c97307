// One `reprobe preload` run (docs/preload.md): start COMMAND in a umockdev testbed at a point of
// the trace's clock and play the card timeline at a speed, then return the command's exit
// status. Also what has to happen before: running under umockdev's preload library (the process
// that sends uevents must itself be preloaded) and finding COMMAND on $PATH.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "replayer/trace/error.h"
#include "tools/preload/card_timeline.h"
#include "tools/preload/sound_card.h"

namespace reprobe {

struct PreloadPlan {
  SoundCard card;
  CardTimeline timeline;
  uint64_t start = 0;  // trace clock where COMMAND starts (--at, else the trace's origin)
  double speed = 1;    // trace seconds per wall second
  bool verbose = false;
  std::vector<std::string> command;
};

// The umockdev preload library's file name (LD_PRELOAD).
inline constexpr const char* kUmockdevPreload = "libumockdev-preload.so.0";

// Whether umockdev's preload library is loaded into this process.
bool umockdev_preload_loaded();

// Replaces this process by itself (/proc/self/exe, same arguments) with umockdev's preload
// library in LD_PRELOAD. Returns only on failure, or when a re-executed process still lacks the
// library (an error saying how to install it).
Error reexec_under_umockdev_preload(const std::vector<std::string>& argv);

// The path COMMAND runs from (a name with '/' as it is, else the first executable on $PATH);
// an error "command not found: X" otherwise.
Result<std::string> resolve_command(const std::string& command);

// Runs the plan; the command's exit status (128 + N when it died of signal N). Changes go to
// `log` with -v. Errors (testbed, spawn) come back as Error before the command started.
Result<int> run_preload(const PreloadPlan& plan, std::ostream& log);

// The wall-clock delay (ns) of trace time `t` after the command started at trace time `start`
// under --speed `speed`; nullopt when it is further away than any run lasts (over 30 years: a
// tiny speed such as 1e-300, or a trace clock near 2^64 ns), so that nothing overflows.
std::optional<uint64_t> wall_offset(uint64_t t, uint64_t start, double speed);

}  // namespace reprobe
