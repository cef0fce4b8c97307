// Which devices a replay is about when the user names none (issue 14, "no dead ends"): devices
// that registered or tried to register a sound card; else ASoC machine devices by name ("sound",
// "*-sound", "sof_sdw", "*_dsp_generic", ...) and HDA/SOF controllers by driver; else the devices
// a failure line of the log names; else every device that deferred. docs/report.md, "Targets".
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "replayer/model/model.h"

namespace reprobe {

struct DetectedTargets {
  std::vector<DevId> devices;
  std::string how;  // in words: which rule found them ("" for card devices, the usual case)
  // Of `devices`, the HDA/SOF controllers found by their driver: no device of the log registered
  // a card, so a controller's card is not there in this log whatever its probe returned.
  std::vector<DevId> controllers;
};

DetectedTargets detect_targets(const Model& m);

// The first failure line (import.md, "Failure lines") the log shows for `dev` that leaves it
// without a card: any class but deferrals and other errors. A device whose probe returned
// (bound) and then printed such a line (SOF's probe work, a DSP that does not boot) has no card:
// the replay counts it as not bound (issue 14, "no inventions"). Empty when there is none.
std::string card_failure_of(const Model& m, DevId dev);

// The first failure line of the log, in log order, that card_failure_of() would count, for any
// sound device: what explains a card missing from a log that never shows cards register.
std::optional<std::pair<DevId, std::string>> first_card_failure(const Model& m);

// A sound device or driver by its name (machine devices, SOF/HDA/ASoC drivers and devices,
// codec drivers such as wm8731 or rt711).
bool looks_like_sound(std::string_view name);

}  // namespace reprobe
