// Synthetic example scenarios (examples/*.trace), built with ScenarioBuilder.
#pragma once

#include <string>
#include <vector>

#include "replayer/trace/scenario_builder.h"

namespace reprobe::examples {

struct Example {
  std::string name;
  ScenarioBuilder (*build)();
  uint64_t end_t;
};

ScenarioBuilder sof_late_component();
ScenarioBuilder sof_fw_callback();
ScenarioBuilder spdif_race();
ScenarioBuilder timeout_rescue();
ScenarioBuilder async_probe();
ScenarioBuilder hda_healthy();

const std::vector<Example>& all();

}  // namespace reprobe::examples
