// `reprobe boot run`: what the boot unit executes. Starts `reprobe record` on
// /run/reprobe/boot-<boot_id>.trace (tmpfs: there before any disk is writable, so the unit
// needs no ordering after the root remount or the mounts, which can wait for udev), tells
// systemd it is ready once the trace header is written (the hooks are attached), or after
// attach_timeout_s at the latest so a slow attach never holds udev back for long, and stops
// the recorder (SIGINT: a complete trace with its end line) idle_s after the last event
// (counted from the first event: the wait for udev does not count), at the size cap, after
// the duration, or when systemd stops the unit. The finished trace then moves to the output
// directory (waiting for it to become writable), where the oldest traces are rotated out.
// When a capture started in the initramfs is still running, the unit adopts it (READY at once,
// a stop of the unit stops it) rather than starting a second recorder.
#pragma once

#include <functional>
#include <string>

#include "tracer/record/boot_capture.h"

namespace reprobe {

struct BootRunOptions {
  BootCaptureConfig config;
  std::string reprobe_exe;       // the binary to run `record` with
  double attach_timeout_s = 30;  // READY=1 at the latest after this long (config.attach_timeout_s)
  std::string stage_dir = "/run/reprobe";
  double move_timeout_s = 120;  // how long to wait for the output directory to be writable
  // Started by the initramfs-tools script (scripts/init-top/reprobe): returns once the recorder
  // is attached (or after attach_timeout_s) and records on in the background, across the
  // switch to the real root (tracer/record/init_root_follower.h); the boot unit then adopts
  // it instead of starting a second recorder. The idle clock restarts at the switch, and the
  // trace moves to the output directory only in the real root.
  bool in_initramfs = false;
  std::function<void(const std::string&)> log;
};

// Where a capture started in the initramfs leaves its pid (in stage_dir: /run moves into
// the real root with it).
inline constexpr const char* kInitramfsPidFile = "initramfs.pid";

// Exit status: the recorder's, or 2 when it could not be started.
int run_boot_capture(const BootRunOptions& options);

}  // namespace reprobe
