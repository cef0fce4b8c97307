// `reprobe boot run`: what the boot unit executes. Starts `reprobe record` on
// /run/reprobe/boot-<boot_id>.trace (tmpfs: there before any disk is writable, so the unit
// needs no ordering after the root remount or the mounts, which can wait for udev), tells
// systemd it is ready once the trace header is written (the hooks are attached), or after
// attach_timeout_s at the latest so a slow attach never holds udev back for long, and stops
// the recorder (SIGINT: a complete trace with its end line) idle_s after the last event
// (counted from the first event: the wait for udev does not count), at the size cap, after
// the duration, or when systemd stops the unit. The finished trace then moves to the output
// directory (waiting for it to become writable), where the oldest traces are rotated out.
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
  std::function<void(const std::string&)> log;
};

// Exit status: the recorder's, or 2 when it could not be started.
int run_boot_capture(const BootRunOptions& options);

}  // namespace reprobe
