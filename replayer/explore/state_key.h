// The canonical key of a simulator state for the explorer's state matching:
// every field that can change what happens next or the outcome, none that only
// record the past (the timeline, the step count) or name an order already
// fixed (queue sequence numbers, replaced by the items' rank in (t, seq) order).
// Two schedules that reach the same key continue identically.
#pragma once

#include <string>

#include "replayer/model/simulator.h"

namespace reprobe {

std::string state_key(const SimState& s);

}  // namespace reprobe
