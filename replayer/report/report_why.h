// The stock outcome in plain words, per target device, for reports: which
// device waited for what, when that appeared, which bind or trigger came
// last before it, what the timeout did, and which policies would bind it,
// e.g. "`dai:Analog CPU DAI` appeared at 25.349900 s, 180 ms after the last
// bind (`hdaudioC0D2` at 25.169800 s), the last event that retries deferred
// devices; nothing probed afterwards". Built from the replay model and the
// stock simulation (its timeline), never from the raw trace.
#pragma once

#include <cstddef>
#include <vector>

#include "replayer/verdict/replay.h"
#include "replayer/report/report_document.h"
#include "replayer/model/simulator.h"

namespace reprobe {

struct TargetStory {
  DevId dev = kNoDev;
  bool bound = false;
  std::vector<Line> lines;
};

// `stock` is the final state of the stock simulation of `report.model` (with
// its timeline recorded). Stories come in this order, each group in target
// order: stranded targets that only missed a retry (all they wait for
// appeared), other stranded targets, bound targets; at most `max_targets`.
std::vector<TargetStory> explain_stock_outcome(const ReplayReport& report, const SimState& stock, size_t max_targets);

// The stock policy of a report: its "stock" verdict's, else parsed for the
// report's profile and capture timeout.
Policy stock_policy_of(const ReplayReport& report);

}  // namespace reprobe
