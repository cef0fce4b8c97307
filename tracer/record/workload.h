// The workload a recording runs under trace, shared by the bpf and kmsg
// backends of `reprobe record`: a command to run (`-- COMMAND...`) and sound
// modules to unload and load again (`--replug`).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

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
// module in order. A failure is reported through `log` and does not stop the rest.
void replug_modules(const std::vector<std::string>& modules, const std::function<void()>& between,
                    const std::function<void(const std::string&)>& log);

}  // namespace reprobe
