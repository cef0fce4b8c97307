// Checks a SoundCard before the preload testbed is built from it (testbed_names.h).
#include "tools/preload/testbed_names.h"

#include <fmt/format.h>

#include "replayer/trace/visible.h"

namespace reprobe {

namespace {

bool has_control(const std::string& s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

Error refused(const std::string& path, const std::string& what, const std::string& value, const std::string& why) {
  return Error{path, 0,
               fmt::format("{} '{}' {}: no testbed is built from it (a real kernel does not produce it; "
                           "the trace is damaged or crafted)",
                           what, visible(value), why)};
}

}  // namespace

std::string sysfs_name_problem(const std::string& name) {
  if (name.empty()) return "is empty";
  if (name == "." || name == "..") return "would leave its directory";
  if (name.find('/') != std::string::npos) return "holds a '/' (no name in sysfs does)";
  if (has_control(name)) return "holds a control character";
  if (name.size() > 255) return "is longer than a file name can be (255 bytes)";
  return {};
}

Result<void> check_testbed_names(const SoundCard& card, const std::string& path) {
  for (const auto& p : card.parents) {
    if (auto why = sysfs_name_problem(p.name); !why.empty())
      return refused(path, "the card's parent device", p.name, "cannot be a sysfs directory: it " + why);
    // umockdev makes directories of the bus (/sys/bus/NAME) and the driver's name too.
    if (auto why = sysfs_name_problem(p.bus); !p.bus.empty() && !why.empty())
      return refused(path, "the bus of device " + p.name + ",", p.bus, "cannot be a sysfs directory: it " + why);
    if (auto why = sysfs_name_problem(p.driver); !p.driver.empty() && !why.empty())
      return refused(path, "the driver of device " + p.name + ",", p.driver, "cannot be a sysfs directory: it " + why);
    for (const auto& [k, v] : p.attributes) {
      if (auto why = sysfs_name_problem(k); !why.empty())
        return refused(path, "the sysfs attribute", k, "cannot be a file name: it " + why);
      if (has_control(v))
        return refused(path, "the value of sysfs attribute " + k + " of device", p.name, "holds a control character");
    }
  }
  if (card.index < 0 || card.index >= kMaxAlsaCards)
    return refused(path, "the sound card index", std::to_string(card.index),
                   fmt::format("is outside ALSA's range 0-{}", kMaxAlsaCards - 1));
  const std::pair<const char*, const std::string*> fields[] = {{"id", &card.id},
                                                               {"driver", &card.driver},
                                                               {"name", &card.name},
                                                               {"longname", &card.longname},
                                                               {"mixername", &card.mixername},
                                                               {"components", &card.components}};
  for (const auto& [key, value] : fields)
    if (has_control(*value))
      return refused(path, fmt::format("the {} of sound card {}", key, card.index), *value,
                     "holds a control character");
  for (const auto& pcm : card.pcms) {
    if (pcm.device < 0 || pcm.device >= kMaxAlsaPcmDevices)
      return refused(path, fmt::format("the PCM device number of sound card {}", card.index),
                     std::to_string(pcm.device), fmt::format("is outside 0-{}", kMaxAlsaPcmDevices - 1));
    if (has_control(pcm.id) || has_control(pcm.name))
      return refused(path, fmt::format("the id or name of PCM device {} of sound card {}", pcm.device, card.index),
                     has_control(pcm.id) ? pcm.id : pcm.name, "holds a control character");
  }
  return {};
}

}  // namespace reprobe
