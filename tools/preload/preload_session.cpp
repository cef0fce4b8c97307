// One `reprobe preload` run: testbed, command, timeline (docs/preload.md).
#include "tools/preload/preload_session.h"

#include <dlfcn.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>

#include "tools/preload/sound_testbed.h"

extern char** environ;  // NOLINT: POSIX

namespace reprobe {

namespace {

constexpr const char* kReexecMark = "REPROBE_PRELOAD_REEXEC";

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

std::string seconds(uint64_t ns) { return fmt::format("{:.3f}s", static_cast<double>(ns) / 1e9); }

std::string card_summary(const SoundCard& card) {
  std::string nodes = fmt::format("controlC{}", card.index);
  for (const auto& p : card.pcms) {
    if (p.playback) nodes += fmt::format(", pcmC{}D{}p", card.index, p.device);
    if (p.capture) nodes += fmt::format(", pcmC{}D{}c", card.index, p.device);
  }
  return fmt::format("card{} '{}' ({}){}", card.index, card.id, nodes, card.synthesized ? " [synthesized]" : "");
}

// Waits until monotonic time `due` or until the child exits; true when the child exited.
bool wait_until(int pidfd, uint64_t due) {
  for (;;) {
    const uint64_t now = monotonic_ns();
    if (now >= due) return false;
    const uint64_t left = due - now;
    timespec ts{static_cast<time_t>(left / 1'000'000'000ull), static_cast<long>(left % 1'000'000'000ull)};
    pollfd p{pidfd, POLLIN, 0};
    const int r = ppoll(&p, 1, &ts, nullptr);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

// Sleeps until `due` on CLOCK_MONOTONIC (where pidfd_open is missing: Linux < 5.3).
void sleep_until(uint64_t due) {
  const timespec ts{static_cast<time_t>(due / 1'000'000'000ull), static_cast<long>(due % 1'000'000'000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {}
}

int exit_status_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

void log_change(std::ostream& log, const PreloadPlan& plan, const CardEvent& e, uint64_t wall_ns, bool initial) {
  if (!plan.verbose) return;
  log << fmt::format("reprobe preload: replay {} wall +{}: {} {} ({}{})\n", seconds(e.t), seconds(wall_ns),
                     e.change == CardChange::add ? "add" : "remove", card_summary(plan.card), e.why,
                     initial ? "; before --at: present at start, no uevent" : "");
}

Result<void> apply(SoundTestbed& testbed, const CardEvent& e, bool with_uevents) {
  if (e.change == CardChange::add) return testbed.add_card(with_uevents);
  testbed.remove_card();
  return {};
}

}  // namespace

bool umockdev_preload_loaded() {
  void* h = dlopen(kUmockdevPreload, RTLD_LAZY | RTLD_NOLOAD);
  if (!h) return false;
  dlclose(h);
  return true;
}

Error reexec_under_umockdev_preload(const std::vector<std::string>& argv) {
  if (std::getenv(kReexecMark))
    return Error{"", 0,
                 fmt::format("umockdev's preload library {} could not be loaded (install the Debian package "
                             "umockdev: scripts/install-deps.sh --full)",
                             kUmockdevPreload)};
  const char* old = std::getenv("LD_PRELOAD");
  const std::string preload = old && *old ? fmt::format("{}:{}", kUmockdevPreload, old) : kUmockdevPreload;
  setenv("LD_PRELOAD", preload.c_str(), 1);
  setenv(kReexecMark, "1", 1);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: execv's signature
  args.push_back(nullptr);
  execv("/proc/self/exe", args.data());
  return Error{"", 0, fmt::format("cannot re-execute /proc/self/exe under {}: {}", kUmockdevPreload, strerror(errno))};
}

Result<std::string> resolve_command(const std::string& command) {
  const auto executable = [](const std::string& p) {
    struct stat st {};
    return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
  };
  if (command.empty()) return Error{"", 0, "no command given after --"};
  if (command.find('/') != std::string::npos) {
    if (executable(command)) return command;
    return Error{"", 0, "command not found or not executable: " + command};
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(begin, end - begin);
    if (dir.empty()) dir = ".";
    if (executable(dir + "/" + command)) return dir + "/" + command;
    begin = end + 1;
  }
  return Error{"", 0, "command not found: " + command + " (not on $PATH)"};
}

std::optional<uint64_t> wall_offset(uint64_t t, uint64_t start, double speed) {
  // Converting a delay beyond uint64_t to an integer overflowed: under --speed 1e-300 the card
  // appeared at once.
  const double d = static_cast<double>(t - start) / speed;
  if (!(d < 1e18)) return std::nullopt;
  return static_cast<uint64_t>(d);
}

Result<int> run_preload(const PreloadPlan& plan, std::ostream& log) {
  REPROBE_TRY_ASSIGN(auto testbed, SoundTestbed::create(plan.card));
  const auto& events = plan.timeline.events;
  size_t next = 0;
  for (; next < events.size() && events[next].t <= plan.start; ++next) {
    REPROBE_TRY(apply(*testbed, events[next], false));
    log_change(log, plan, events[next], 0, true);
  }
  const uint64_t t0 = monotonic_ns();
  setenv("REPROBE_PRELOAD_AT_NS", std::to_string(plan.start).c_str(), 1);
  setenv("REPROBE_PRELOAD_T0_NS", std::to_string(t0).c_str(), 1);
  setenv("REPROBE_PRELOAD_SPEED", fmt::format("{}", plan.speed).c_str(), 1);
  std::vector<char*> argv;
  for (const auto& a : plan.command) argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT: posix_spawn
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (int e = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); e != 0)
    return Error{"", 0, fmt::format("cannot start {}: {}", plan.command[0], strerror(e))};
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  for (; next < events.size(); ++next) {
    const auto offset = wall_offset(events[next].t, plan.start, plan.speed);
    if (!offset) break;  // not while the command runs: wait for it below
    if (pidfd >= 0 ? wait_until(pidfd, t0 + *offset) : (sleep_until(t0 + *offset), false)) break;
    if (auto r = apply(*testbed, events[next], true); !r) log << "reprobe preload: " << r.error().str() << "\n";
    log_change(log, plan, events[next], monotonic_ns() - t0, false);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (pidfd >= 0) close(pidfd);
  return exit_status_of(status);
}

}  // namespace reprobe
