// Machine snapshot for the trace header (`snapshot`) and the end line:
// kernel release and relevant command-line options, DMI model, lockdown,
// BTF availability, loaded sound modules, audio PCI devices and sound class
// devices (libudev), ALSA cards and PCMs (alsa-lib), and the contents of
// debugfs devices_deferred. Every reader returns errors as values; the
// snapshot collects them in "errors" and never throws for a missing file.
// What is collected and how it is redacted: docs/snapshot.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "replayer/trace/error.h"
#include "replayer/trace/redact.h"

namespace reprobe {

struct SnapshotOptions {
  std::filesystem::path sysfs_root = "/sys";
  std::filesystem::path proc_root = "/proc";
  std::filesystem::path debugfs_root = "/sys/kernel/debug";
  bool redact = true;
  // Shared redactor (same placeholders in the header snapshot, the events and
  // the end-line snapshot). Null with `redact`: one for this machine is made
  // from <proc_root>/sys/kernel/hostname and the invoking user.
  Redactor* redactor = nullptr;
  // libudev always reads /sys, so it is only used when sysfs_root is "/sys";
  // otherwise (or when false) the same fields are read from sysfs directly.
  bool use_libudev = true;
  // alsa-lib talks to /dev/snd, so it is only used with the default sysfs and
  // proc roots; otherwise (or when false, or when it fails or sees no card
  // while /proc/asound lists some) cards come from /proc/asound.
  bool use_alsa_lib = true;
};

// The snapshot object (docs/snapshot.md). Never throws for unreadable or
// missing sources: they are listed in "errors" ("path: why").
nlohmann::ordered_json take_snapshot(const SnapshotOptions& options = {});

// Header `kernel` object {release, cmdline?} from a snapshot.
nlohmann::ordered_json header_kernel_json(const nlohmann::ordered_json& snapshot);

// ---- individual readers (pure parsers take text; readers take roots) ----

// Kernel command line split like the kernel's next_arg(): whitespace
// separated, double quotes group (and are removed from) a value.
std::vector<std::string> split_cmdline(std::string_view cmdline);
// The options relevant to probe ordering, in command-line order (last
// occurrence wins): deferred_probe_timeout, driver_async_probe, dyndbg,
// MODULE.dyndbg, fw_devlink, initcall_debug, module_blacklist,
// modprobe.blacklist and every snd*/sof* module parameter (e.g.
// snd_intel_dspcfg.dsp_driver). Module names are normalised '-' -> '_'.
// A flag without '=' is `true`, everything else a string.
nlohmann::ordered_json relevant_cmdline_options(std::string_view cmdline);

struct DeferredDevice {
  std::string dev;
  std::string reason;  // "" when the kernel gave none (or is older than 5.8)
};
// Lines "name\treason" of debugfs devices_deferred.
std::vector<DeferredDevice> parse_devices_deferred(std::string_view text);
// Reads <debugfs_root>/devices_deferred; the error says why not (debugfs not
// mounted, not root, lockdown...). `proc_root` is used to look up mounts.
Result<std::vector<DeferredDevice>> read_devices_deferred(const std::filesystem::path& debugfs_root,
                                                          const std::filesystem::path& proc_root = "/proc");

// "[none] integrity confidentiality" -> "none"; "" if no bracket.
std::string parse_lockdown(std::string_view text);

struct PciAudioDevice {
  std::string slot;                                                                      // 0000:00:1f.3
  std::string class_code, vendor, device, subsystem_vendor, subsystem_device, revision;  // "0x040300", "0x8086"...
  std::optional<std::string> driver;
  std::string modalias;
};
// PCI devices of base class 0x04 (multimedia: audio, HDA, "other multimedia"
// DSPs, but also video/camera controllers), sorted by slot.
Result<std::vector<PciAudioDevice>> pci_audio_devices_udev();
Result<std::vector<PciAudioDevice>> pci_audio_devices_sysfs(const std::filesystem::path& sysfs_root);

struct SoundDevice {
  std::string name;                   // card0, controlC0, pcmC0D0p, ...
  std::optional<std::string> driver;  // class devices normally have none
  std::optional<std::string> parent;  // nearest parent device: 0000:00:1f.3, card0, ...
  std::optional<std::string> parent_subsystem;
  std::optional<std::string> parent_driver;
};
// Devices of subsystem "sound", sorted by name.
Result<std::vector<SoundDevice>> sound_devices_udev();
Result<std::vector<SoundDevice>> sound_devices_sysfs(const std::filesystem::path& sysfs_root);

struct AlsaPcm {
  int device = 0;
  std::string id, name;
  std::vector<std::string> streams;  // "playback", "capture"
};
struct AlsaCard {
  int index = 0;
  std::string id, driver, name, longname;
  std::optional<std::string> components, mixername;  // alsa-lib only
  std::vector<AlsaPcm> pcms;
};
// Cards via snd_card_next / snd_ctl_open / snd_ctl_card_info /
// snd_ctl_pcm_next_device; per-card failures go to `errors`.
Result<std::vector<AlsaCard>> alsa_cards_lib(std::vector<Error>& errors);
// Cards from <proc_root>/asound/cards and /asound/pcm.
Result<std::vector<AlsaCard>> alsa_cards_procfs(const std::filesystem::path& proc_root);
std::vector<AlsaCard> parse_proc_asound(std::string_view cards_text, std::string_view pcm_text);

nlohmann::ordered_json to_json(const PciAudioDevice& d);
nlohmann::ordered_json to_json(const SoundDevice& d);
nlohmann::ordered_json to_json(const AlsaCard& c);

}  // namespace reprobe
