// The workload a recording runs under trace, shared by the bpf and kmsg
// backends of `reprobe record`: a command to run (`-- COMMAND...`) and sound
// modules to unload and load again (`--replug`), devices to unbind and bind again
// through their driver (`--rebind`).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "replayer/trace/error.h"

namespace reprobe {

// Starts argv[0] (PATH lookup) with default SIGINT/SIGTERM dispositions, so
// the recorder can stop it. Returns the pid, or -errno when fork fails. A
// command that cannot be executed exits 127 after saying why on stderr.
pid_t spawn_command(const std::vector<std::string>& argv);

// Waits for pid (retrying on EINTR): its exit status, 128 + signal when a
// signal ended it, or pid itself when pid < 0 (the -errno of spawn_command).
int wait_command(pid_t pid);

// spawn_command + wait_command.
int run_command(const std::vector<std::string>& argv);

// `modprobe -r` of the modules (in reverse order, dependants first), then
// `between()` (e.g. drain what the unload produced), then `modprobe` of each
// module in order. A failure (a module that did not go away or did not come back)
// is reported through `log` and does not stop the rest; false then.
bool replug_modules(const std::vector<std::string>& modules, const std::function<void()>& between,
                    const std::function<void(const std::string&)>& log);

// A device `--rebind` re-probes: its sysfs directory and its driver's (where the unbind and
// bind files are).
struct RebindTarget {
  std::string device;      // the name the driver's bind file takes (e.g. 0000:00:1f.3)
  std::string driver_dir;  // /sys/bus/BUS/drivers/DRIVER
};

// DEVICE is a name under /sys/bus/*/devices/ or a path to a device directory in sysfs. An
// error says why it cannot be rebound (no such device, no driver bound now).
Result<RebindTarget> resolve_rebind_target(const std::string& device, const std::string& sys_root = "/sys");

// Writes each device to its driver's `unbind` (in reverse order), then `between()`, then to
// `bind` (in order): the driver core runs the probe again while every module stays loaded.
// The first write that fails is the error (the kernel's errno), after trying to bind the
// rest back.
Result<void> rebind_devices(const std::vector<RebindTarget>& targets, const std::function<void()>& between);

// Before tracing: every --rebind device resolves (tracer/record/workload.h) and no --replug
// module is in use (tracer/record/module_usage.h). The error says what is in the way.
Result<void> check_reprobe_workload(const std::vector<std::string>& replug, const std::vector<std::string>& rebind);

// The re-probe workload of `record`: --rebind devices first, then --replug modules, each with
// `between()` between taking down and bringing back. Failures are reported through `log`;
// false then.
bool reprobe_workload(const std::vector<std::string>& replug, const std::vector<std::string>& rebind,
                      const std::function<void()>& between, const std::function<void(const std::string&)>& log);

}  // namespace reprobe
