#include "tracer/record/workload.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

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

void replug_modules(const std::vector<std::string>& modules, const std::function<void()>& between,
                    const std::function<void(const std::string&)>& log) {
  std::vector<std::string> rm = {"modprobe", "-r"};
  for (auto it = modules.rbegin(); it != modules.rend(); ++it) rm.push_back(*it);
  if (int rc = run_command(rm); rc != 0) log(fmt::format("modprobe -r {}: exit {}", fmt::join(modules, " "), rc));
  if (between) between();
  for (const auto& m : modules)
    if (int rc = run_command({"modprobe", m}); rc != 0) log(fmt::format("modprobe {}: exit {}", m, rc));
}

}  // namespace reprobe
