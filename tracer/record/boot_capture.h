// Boot capture (`reprobe boot`): the systemd unit that starts `reprobe record` before
// systemd-udevd and systemd-modules-load, where its traces go (DIR/boot-<boot_id>.trace)
// and their rotation. The unit carries the whole configuration on its ExecStart line, so
// `status` and `list` read it back from the installed unit (docs/boot-capture.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "replayer/trace/error.h"

namespace reprobe {

struct BootCaptureConfig {
  std::string output_dir = "/var/log/reprobe";
  uint64_t max_size_mb = 64;     // the recorder is stopped when its trace reaches this size
  double duration_s = 120;       // stop at the latest this long after the start
  double idle_s = 10;            // stop after this long without any event
  unsigned keep = 5;             // boot traces kept in output_dir (oldest removed first)
  double attach_timeout_s = 30;  // udev waits at most this long for the recorder to attach
  // Loaded before the recorder attaches, so the hooks in them (snd_card_register, the ASoC
  // component and card functions) are there from the start: the recorder attaches to a module
  // loaded later only after that module's load, and misses what the same modprobe run does.
  std::string preload = "snd,snd-soc-core";
  // Also record from the initramfs (initramfs-tools hook and init-top script,
  // tracer/record/boot_initramfs.h); the unit then adopts that capture.
  bool initramfs = false;
};

inline constexpr const char* kBootUnitName = "reprobe-boot.service";
inline constexpr const char* kBootUnitDir = "/etc/systemd/system";
inline constexpr const char* kBootWantsDir = "/etc/systemd/system/sysinit.target.wants";

// The unit file text that runs `EXE boot run ...` with the configuration.
std::string boot_unit_text(const std::string& exe, const BootCaptureConfig& config);

// The configuration written into a unit by boot_unit_text; an error names what is missing.
Result<BootCaptureConfig> parse_boot_unit(const std::string& text, const std::string& path);

// Options must make a usable unit: an absolute output directory without characters systemd
// would interpret, sizes and times in range. Empty when usable, else what is wrong.
std::string check_boot_config(const BootCaptureConfig& config);

// "boot-<boot_id>.trace" in dir.
std::filesystem::path boot_trace_path(const std::string& dir, const std::string& boot_id);

// This boot's id (/proc/sys/kernel/random/boot_id), without dashes.
Result<std::string> current_boot_id();

struct BootTrace {
  std::filesystem::path path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

// The boot traces in dir, oldest first (by modification time, then name).
std::vector<BootTrace> list_boot_traces(const std::string& dir);

// Removes the oldest boot traces so that at most keep - 1 remain (room for the next one);
// returns the removed paths.
std::vector<std::filesystem::path> rotate_boot_traces(const std::string& dir, unsigned keep);

// The newest boot trace: in the output directory of the unit installed at unit_path, or in
// the default directory when no unit is installed. An error says where it looked.
Result<std::filesystem::path> newest_boot_trace(const std::string& unit_path = std::string(kBootUnitDir) + "/" +
                                                                               kBootUnitName);

}  // namespace reprobe
