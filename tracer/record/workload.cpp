#include "tracer/record/workload.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tracer/record/module_usage.h"

namespace reprobe {

pid_t spawn_command(const std::vector<std::string>& argv) {
  const pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid != 0) return pid;
  // The command is ours to stop: restore default signal dispositions.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  std::vector<char*> a;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  execvp(a[0], a.data());
  std::fprintf(stderr, "reprobe record: cannot run %s: %s\n", a[0], std::strerror(errno));
  _exit(127);
}

int wait_command(pid_t pid) {
  if (pid < 0) return pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -errno;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_command(const std::vector<std::string>& argv) { return wait_command(spawn_command(argv)); }

bool replug_modules(const std::vector<std::string>& modules, const std::function<void()>& between,
                    const std::function<void(const std::string&)>& log) {
  bool ok = true;
  std::vector<std::string> rm = {"modprobe", "-r"};
  for (auto it = modules.rbegin(); it != modules.rend(); ++it) rm.push_back(*it);
  if (int rc = run_command(rm); rc != 0) log(fmt::format("modprobe -r {}: exit {}", fmt::join(modules, " "), rc));
  for (const auto& m : modules)
    if (module_use(m).loaded) {
      log(fmt::format("--replug: {} is still loaded after modprobe -r: its probe is not re-run", m));
      ok = false;
    }
  if (between) between();
  for (const auto& m : modules) {
    if (int rc = run_command({"modprobe", m}); rc != 0) log(fmt::format("modprobe {}: exit {}", m, rc));
    if (!module_use(m).loaded) {
      log(fmt::format("--replug: {} did not come back (modprobe {} left it unloaded)", m, m));
      ok = false;
    }
  }
  return ok;
}

namespace {

// Writes `value` to a sysfs attribute; the kernel's errno on failure.
Result<void> write_sysfs(const std::filesystem::path& file, const std::string& value) {
  FILE* f = std::fopen(file.c_str(), "w");
  if (f == nullptr) return Error{file.string(), 0, std::strerror(errno)};
  const bool ok = std::fputs(value.c_str(), f) >= 0 && std::fflush(f) == 0;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) return Error{file.string(), 0, fmt::format("writing {}: {}", value, std::strerror(err))};
  return {};
}

}  // namespace

Result<RebindTarget> resolve_rebind_target(const std::string& device, const std::string& sys_root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir;
  if (device.find('/') != std::string::npos) {
    dir = fs::canonical(device, ec);
  } else {
    for (const auto& bus : fs::directory_iterator(fs::path(sys_root) / "bus", ec)) {
      const fs::path p = bus.path() / "devices" / device;
      std::error_code ec2;
      if (fs::exists(p, ec2)) {
        dir = fs::canonical(p, ec2);
        break;
      }
    }
  }
  if (dir.empty() || !fs::is_directory(dir, ec))
    return Error{"", 0, fmt::format("--rebind {}: no such device in {}/bus/*/devices", device, sys_root)};
  const fs::path driver = fs::canonical(dir / "driver", ec);
  if (ec) return Error{"", 0, fmt::format("--rebind {}: no driver is bound to it now, nothing to re-probe", device)};
  if (!fs::exists(driver / "unbind", ec) || !fs::exists(driver / "bind", ec))
    return Error{"", 0, fmt::format("--rebind {}: its driver {} has no unbind/bind files", device, driver.string())};
  return RebindTarget{dir.filename().string(), driver.string()};
}

Result<void> check_reprobe_workload(const std::vector<std::string>& replug, const std::vector<std::string>& rebind) {
  for (const auto& d : rebind) REPROBE_TRY(resolve_rebind_target(d));
  if (!replug.empty())
    if (std::string blocker = replug_blocker(replug); !blocker.empty()) return Error{"", 0, blocker};
  return {};
}

bool reprobe_workload(const std::vector<std::string>& replug, const std::vector<std::string>& rebind,
                      const std::function<void()>& between, const std::function<void(const std::string&)>& log) {
  bool ok = true;
  if (!rebind.empty()) {
    std::vector<RebindTarget> targets;
    for (const auto& d : rebind) {
      auto t = resolve_rebind_target(d);
      if (!t) {
        log(t.error().str());
        ok = false;
        continue;
      }
      targets.push_back(*t);
    }
    if (auto r = rebind_devices(targets, between); !r) {
      log("--rebind: " + r.error().str());
      ok = false;
    }
  }
  if (!replug.empty()) ok = replug_modules(replug, between, log) && ok;
  return ok;
}

Result<void> rebind_devices(const std::vector<RebindTarget>& targets, const std::function<void()>& between) {
  std::optional<Error> first;
  size_t unbound = 0;
  for (auto it = targets.rbegin(); it != targets.rend(); ++it, ++unbound)
    if (auto r = write_sysfs(std::filesystem::path(it->driver_dir) / "unbind", it->device); !r) {
      first = r.error();
      break;
    }
  if (between) between();
  // Bind back what was unbound (in order), even after a failure.
  for (size_t i = targets.size() - unbound; i < targets.size(); ++i)
    if (auto r = write_sysfs(std::filesystem::path(targets[i].driver_dir) / "bind", targets[i].device); !r && !first)
      first = r.error();
  if (first) return *first;
  return {};
}

}  // namespace reprobe
