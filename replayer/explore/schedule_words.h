// A queued simulator event in words, for counterexamples: "reprobe-dsp's
// component registration (work item sof_probe_work)", "the deferred-probe
// work", "the probe of reprobe-machine returning".
#pragma once

#include <string>

#include "replayer/model/simulator.h"

namespace reprobe {

std::string describe_event(const Simulator& sim, const QItem& q);

}  // namespace reprobe
