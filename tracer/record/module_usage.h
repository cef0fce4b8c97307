// Why `record --replug MODULE` cannot work: a module in use (its reference count, the
// modules that depend on it) cannot be unloaded, and the usual holder of a sound module is
// a process with /dev/snd/* open (PipeWire, PulseAudio). Read from sysfs and procfs under a
// root directory, so tests can build a fake tree.
#pragma once

#include <string>
#include <vector>

namespace reprobe {

struct ModuleUse {
  bool loaded = false;
  long refcnt = 0;                   // /sys/module/M/refcnt
  std::vector<std::string> holders;  // /sys/module/M/holders/*
};

// The module's state; `name` may use '-' or '_'.
ModuleUse module_use(const std::string& name, const std::string& sys_root = "/sys");

struct DeviceHolder {
  int pid = 0;
  std::string comm;
  std::string path;  // the /dev/snd node it has open
};

// Processes with a /dev/snd node open (sorted by pid, one entry per process).
std::vector<DeviceHolder> sound_device_holders(const std::string& proc_root = "/proc");

// The reason `--replug` of modules cannot unload them now (empty: nothing in the way): names
// the module, what holds it and which processes have the sound devices open, and suggests
// `--rebind`.
std::string replug_blocker(const std::vector<std::string>& modules, const std::string& sys_root = "/sys",
                           const std::string& proc_root = "/proc");

}  // namespace reprobe
