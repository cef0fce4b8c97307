// A counterexample as a trace file (docs/explore.md): the explored trace's own
// events under a header with "source":"explore" and the schedule (policy,
// jitter, the candidate taken at each choice point). `replay`, `report` and
// `export --perfetto` read it like any trace and run that policy through the
// schedule (replayer/verdict/replay.cpp).
#pragma once

#include <ostream>

#include "replayer/trace/explore_schedule.h"
#include "replayer/trace/trace.h"

namespace reprobe {

// Writes `trace` with the schedule in its header. A trace that is itself a counterexample keeps
// its original producer in explore.from.
void write_schedule_trace(const Trace& trace, const ExploreSchedule& schedule, std::ostream& out);

}  // namespace reprobe
