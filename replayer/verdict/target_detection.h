// Which devices a replay is about when the user names none (issue 14, "no dead ends"): devices
// that registered or tried to register a sound card; else ASoC machine devices by name ("sound",
// "*-sound", "sof_sdw", "*_dsp_generic", ...) and HDA/SOF controllers by driver; else the devices
// a failure line of the log names; else every device that deferred. docs/report.md, "Targets".
#pragma once

#include <string>
#include <vector>

#include "replayer/model/model.h"

namespace reprobe {

struct DetectedTargets {
  std::vector<DevId> devices;
  std::string how;  // in words: which rule found them ("" for card devices, the usual case)
};

DetectedTargets detect_targets(const Model& m);

// A sound device or driver by its name (machine devices, SOF/HDA/ASoC drivers and devices,
// codec drivers such as wm8731 or rt711).
bool looks_like_sound(std::string_view name);

}  // namespace reprobe
