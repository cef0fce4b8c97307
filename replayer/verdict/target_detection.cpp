// Target devices of a replay when none is named (see target_detection.h and docs/report.md).
#include "replayer/verdict/target_detection.h"

#include <algorithm>
#include <array>
#include <set>

#include <nlohmann/json.hpp>

#include "replayer/verdict/json_field.h"

namespace reprobe {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool has(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && lower(hay[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// ASoC machine devices: "sound", "soc:sound", "7702000.sound", "sound-ext-card", "sof_sdw",
// "skl_hda_dsp_generic", "bxt-pcm512x", "sof-essx8336", "snd-rpi-hifiberry-dacplus.0",
// "*-machine". Not the ASoC dummy component ("snd-soc-dummy"), which never has a card.
bool machine_device(std::string_view n) {
  if (has(n, "snd-soc-dummy")) return false;
  if (has(n, "sound") || has(n, "sof_sdw") || has(n, "dsp_generic") || has(n, "snd-") || has(n, "machine")) return true;
  return (n.starts_with("sof-") || n.starts_with("bxt-") || n.starts_with("cml_") || n.starts_with("sof_")) &&
         !has(n, "sof-audio");
}

// HDA/SOF controllers and audio DSPs by the driver that printed about them.
bool controller_driver(std::string_view drv) {
  return has(drv, "sof-audio") || has(drv, "snd_hda_intel") || has(drv, "snd_sof") || has(drv, "snd_soc_skl") ||
         has(drv, "snd_soc_avs") || has(drv, "hda-intel") || has(drv, "sst-acpi");
}

// A sound device by its name or by a driver that probed it ("1-0018" probed by tlv320aic32x4).
bool sound_device(const Model& m, DevId d) {
  if (looks_like_sound(m.trace->dev_name(d))) return true;
  for (uint32_t b : m.devices[d].bindings)
    if (looks_like_sound(m.trace->str(m.bindings[b].drv))) return true;
  return false;
}

bool controller(const Model& m, DevId d) {
  for (uint32_t b : m.devices[d].bindings)
    if (controller_driver(m.trace->str(m.bindings[b].drv))) return true;
  return false;
}

// Devices named by the importer's `x-dmesg` events whose kind passes `want` (docs/import.md).
template <typename Want>
std::vector<DevId> devices_of_extensions(const Model& m, const char* marker, Want want) {
  std::set<DevId> seen;
  std::vector<DevId> out;
  const Trace& tr = *m.trace;
  for (const auto& raw : tr.extensions) {
    if (raw.find(marker) == std::string::npos) continue;
    const auto j = nlohmann::json::parse(raw, nullptr, false);
    if (j.is_discarded() || !j.contains("dev") || !j["dev"].is_string()) continue;
    if (!want(string_field(j, "kind"))) continue;
    const auto d = tr.find_device(j["dev"].get<std::string>());
    if (!d || !sound_device(m, *d)) continue;
    if (seen.insert(*d).second) out.push_back(*d);
  }
  return out;
}

std::vector<DevId> devices_with_failures(const Model& m) {
  return devices_of_extensions(m, "\"failure:", [](const std::string& kind) {
    return kind.starts_with("failure:") && kind != "failure:other-error" && kind != "failure:deferral";
  });
}

// "ASoC: X <-> Y mapping ok" is printed while a card binds its links: that device is a card.
std::vector<DevId> devices_binding_links(const Model& m) {
  return devices_of_extensions(m, "asoc_mapping_ok", [](const std::string& kind) { return kind == "asoc_mapping_ok"; });
}

}  // namespace

namespace {

// A failure class that leaves a device without a card (card_failure_of).
bool card_failure_kind(const std::string& kind) {
  return kind.starts_with("failure:") && kind != "failure:other-error" && kind != "failure:deferral" &&
         kind != "failure:resource";
}

}  // namespace

std::string card_failure_of(const Model& m, DevId dev) {
  const Trace& tr = *m.trace;
  const std::string name(tr.dev_name(dev));
  for (const auto& raw : tr.extensions) {
    if (raw.find("\"failure:") == std::string::npos || raw.find(name) == std::string::npos) continue;
    const auto j = nlohmann::json::parse(raw, nullptr, false);
    if (j.is_discarded() || string_field(j, "dev") != name) continue;
    if (!card_failure_kind(string_field(j, "kind"))) continue;
    return string_field(j, "text");
  }
  return {};
}

std::optional<std::pair<DevId, std::string>> first_card_failure(const Model& m) {
  const Trace& tr = *m.trace;
  for (const auto& raw : tr.extensions) {
    if (raw.find("\"failure:") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(raw, nullptr, false);
    if (j.is_discarded() || !j.contains("dev") || !j["dev"].is_string()) continue;
    if (!card_failure_kind(string_field(j, "kind"))) continue;
    const auto d = tr.find_device(j["dev"].get<std::string>());
    if (d && sound_device(m, *d)) return std::make_pair(*d, string_field(j, "text"));
  }
  return std::nullopt;
}

bool looks_like_sound(std::string_view n) {
  static constexpr std::array<std::string_view, 13> kParts = {"sof",   "snd", "hda", "sound", "audio", "sdw", "asoc",
                                                              "codec", "skl", "sst", "avs",   "i2s",   "sai"};
  for (auto p : kParts)
    if (has(n, p)) return true;
  static constexpr std::array<std::string_view, 12> kCodecs = {"wm",  "rt",   "es",  "cs",  "max", "tlv",
                                                               "pcm", "sgtl", "tas", "da7", "nau", "aic"};
  for (auto p : kCodecs)
    if (n.starts_with(p) && n.size() > p.size() && digit(n[p.size()])) return true;
  return false;
}

DetectedTargets detect_targets(const Model& m) {
  DetectedTargets t;
  for (DevId d = 0; d < m.devices.size(); ++d)
    if (m.devices[d].card) t.devices.push_back(d);
  if (!t.devices.empty()) return t;
  t.devices = devices_binding_links(m);
  // A device binding its card's links is that card: the controllers are then its parts (a SOF
  // controller's card is its machine device's), not targets of their own.
  const bool card_binding = !t.devices.empty();
  for (DevId d = 0; d < m.devices.size(); ++d) {
    if (std::find(t.devices.begin(), t.devices.end(), d) != t.devices.end()) continue;
    if (machine_device(m.trace->dev_name(d))) {
      t.devices.push_back(d);
    } else if (!card_binding && controller(m, d)) {
      t.devices.push_back(d);
      t.controllers.push_back(d);
    }
  }
  if (!t.devices.empty()) {
    t.how =
        "No device registered a sound card: the targets are the ASoC machine devices and HDA/SOF controllers "
        "the log names";
    return t;
  }
  t.devices = devices_with_failures(m);
  if (!t.devices.empty()) {
    t.how = "No device registered a sound card: the targets are the sound devices whose failure the log shows";
    return t;
  }
  for (DevId d = 0; d < m.devices.size(); ++d)
    if (m.devices[d].observed_deferrals > 0 || m.devices[d].deferred_at_start) t.devices.push_back(d);
  if (!t.devices.empty()) t.how = "No sound device in this log: the targets are the devices that deferred their probe";
  return t;
}

}  // namespace reprobe
