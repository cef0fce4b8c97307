// The stock outcome in plain words, per target device: which device waited
// for what, when that appeared, which bind or trigger came last before it,
// what the timeout did, and which policies would bind it, e.g.
// "`dai:Analog CPU DAI` appeared at 25.349900 s, 180 ms after the last bind
// (`hdaudioC0D2` at 25.169800 s), the last event that retries deferred
// devices; nothing probed afterwards". Built from the replay model and the
// stock simulation (its timeline), never from the raw trace. The one engine
// behind ReplayReport::stories and ::why (replay()), so `reprobe replay` (every
// format) and `reprobe report` tell the same story.
#pragma once

#include <cstddef>
#include <vector>

#include "replayer/model/simulator.h"
#include "replayer/verdict/replay.h"
#include "replayer/verdict/story.h"

namespace reprobe {

// `stock` is the final state of the stock simulation (under `stock_policy`)
// of `report.model`, with its timeline recorded; the other policies' verdicts
// of `report` name the policies that would bind a target. Stories come in this
// order, each group in target order: stranded targets that only missed a retry
// (all they wait for appeared), other stranded targets, bound targets; at most
// `max_targets`.
std::vector<TargetStory> explain_stock_outcome(const ReplayReport& report, const SimState& stock,
                                               const Policy& stock_policy, size_t max_targets);

}  // namespace reprobe
