#include "tracer/record/boot_run.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "tracer/record/init_root_follower.h"
#include "tracer/record/recording_session.h"
#include "tracer/record/systemd_notify.h"
#include "tracer/record/workload.h"

namespace reprobe {
namespace fs = std::filesystem;

namespace {

// A path for this boot that no earlier run of the same boot wrote (a restarted unit).
fs::path fresh_trace_path(const std::string& dir, const std::string& boot_id) {
  fs::path p = boot_trace_path(dir, boot_id);
  for (int i = 2; fs::exists(p); ++i) p = boot_trace_path(dir, fmt::format("{}-{}", boot_id, i));
  return p;
}

// The header is the first line: once a newline is in the file, the recorder is attached.
bool has_complete_line(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char c = 0;
  while (in.get(c))
    if (c == '\n') return true;
  return false;
}

struct Supervision {
  bool ready = false;
  bool follow_error_said = false;
  const char* stop_reason = nullptr;  // why we sent SIGINT
  int status = 0;
};

// Idle: the trace has not grown for idle_s since its last event. The clock starts at the first
// event after the header, so the time before udev loads anything (long under emulation) does
// not count.
class IdleWatch {
 public:
  using clock = std::chrono::steady_clock;
  void header_written(uint64_t size) { header_size_ = size; }
  // The idle clock starts again (the switch to the real root: udev's coldplug comes after it).
  void restart(clock::time_point now) { last_growth_ = now; }
  bool idle(uint64_t size, clock::time_point now, double idle_s) {
    if (size != last_size_) {
      last_size_ = size;
      last_growth_ = now;
    }
    const bool events = header_size_ != 0 && size > header_size_;
    return events && std::chrono::duration<double>(now - last_growth_).count() >= idle_s;
  }

 private:
  uint64_t header_size_ = 0, last_size_ = 0;
  clock::time_point last_growth_{};
};

// Whether the recorder has ended (its status in s), without blocking.
bool ended(pid_t pid, Supervision& s) {
  int st = 0;
  const pid_t r = waitpid(pid, &st, WNOHANG);
  if (r == pid) {
    s.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return true;
  }
  if (r < 0 && errno != EINTR) {
    s.status = 2;
    return true;
  }
  return false;
}

// Tells whoever waits that the recorder is attached (attached) or that the boot must not wait
// any longer (!attached): systemd (READY=1), or the initramfs script through a pipe.
using ReadyFn = std::function<void(bool attached, const fs::path& trace)>;

// In the initramfs: move into the real root once init has switched to it.
void follow_root(InitRootFollower& follower, IdleWatch& idle, std::chrono::steady_clock::time_point now, Supervision& s,
                 const BootRunOptions& o) {
  auto moved = follower.follow();
  if (moved && *moved) {
    idle.restart(now);
    o.log("init switched to the real root; recording on there");
  } else if (!moved && !s.follow_error_said) {
    s.follow_error_said = true;
    o.log(moved.error().str());
  }
}

Supervision supervise(pid_t pid, const fs::path& trace, const BootRunOptions& o, const std::atomic<int>& stop,
                      InitRootFollower* follower, const ReadyFn& ready) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const uint64_t cap = o.config.max_size_mb << 20;
  Supervision s;
  IdleWatch idle;
  while (!ended(pid, s)) {
    const auto now = clock::now();
    if (follower != nullptr) follow_root(*follower, idle, now, s, o);
    const double elapsed = std::chrono::duration<double>(now - t0).count();
    std::error_code ec;
    const uint64_t size = fs::file_size(trace, ec);
    if (!s.ready && (has_complete_line(trace) || elapsed >= o.attach_timeout_s)) {
      s.ready = true;
      const bool attached = has_complete_line(trace);
      if (attached) idle.header_written(fs::file_size(trace, ec));
      ready(attached, trace);
      if (!attached) o.log(fmt::format("not attached after {} s; letting the boot go on", o.attach_timeout_s));
    }
    const char* why = stop.load() != 0                        ? "stop requested"
                      : elapsed >= o.config.duration_s        ? "--duration reached"
                      : (!ec && size >= cap)                  ? "--max-size reached"
                      : idle.idle(size, now, o.config.idle_s) ? "idle"
                                                              : nullptr;
    if (why != nullptr && s.stop_reason == nullptr) {
      s.stop_reason = why;
      kill(pid, SIGINT);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return s;
}

// Moves the finished trace from the staging directory into the output directory (rotating
// the oldest out first); retries while the output is not writable yet (read-only root).
// From the initramfs, only once in the real root (the initramfs's own files go at the switch).
Result<fs::path> move_into_output(const fs::path& staged, const std::string& boot_id, const BootRunOptions& o,
                                  InitRootFollower* follower) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  for (;;) {
    std::error_code ec;
    if (follower != nullptr) (void)follower->follow();
    if (follower != nullptr && follower->moves() == 0) {
      ec = std::make_error_code(std::errc::no_such_device);  // not in the real root yet
    } else {
      fs::create_directories(o.config.output_dir, ec);
    }
    if (!ec) {
      for (const auto& p : rotate_boot_traces(o.config.output_dir, o.config.keep)) o.log("rotated out " + p.string());
      const fs::path dest = fresh_trace_path(o.config.output_dir, boot_id);
      const fs::path tmp = dest.string() + ".tmp";
      fs::copy_file(staged, tmp, fs::copy_options::overwrite_existing, ec);
      if (!ec) fs::rename(tmp, dest, ec);
      if (!ec) {
        fs::remove(staged, ec);
        return dest;
      }
      fs::remove(tmp, ec);
    }
    if (std::chrono::duration<double>(clock::now() - t0).count() >= o.move_timeout_s)
      return Error{o.config.output_dir, 0,
                   follower != nullptr && follower->moves() == 0
                       ? fmt::format("init did not switch to the real root within {} s; the trace stays in {}",
                                     o.move_timeout_s, staged.string())
                       : fmt::format("not writable within {} s: {}; the trace stays in {}", o.move_timeout_s,
                                     ec.message(), staged.string())};
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// The pid of a capture started in the initramfs that is still running, else 0.
pid_t running_initramfs_capture(const std::string& stage_dir) {
  std::ifstream in(fs::path(stage_dir) / kInitramfsPidFile);
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return 0;
  std::ifstream cmd(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  const std::string args((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
  return args.find("--in-initramfs") != std::string::npos ? static_cast<pid_t>(pid) : 0;
}

// The unit's part when the initramfs already records: ready at once, and a stop of the unit
// (SIGINT/SIGTERM) stops that capture, which then finishes its trace as usual.
int adopt_initramfs_capture(pid_t pid, const BootRunOptions& o) {
  o.log(fmt::format("the capture started in the initramfs (pid {}) is recording; the unit follows it", pid));
  notify_systemd(fmt::format("READY=1\nSTATUS=recording from the initramfs (pid {})", pid));
  const std::atomic<int>& stop = install_stop_signal_handlers();
  bool stopped = false;
  while (running_initramfs_capture(o.stage_dir) == pid) {
    if (stop.load() != 0 && !stopped) {
      stopped = true;
      kill(pid, SIGINT);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  o.log(fmt::format("the capture started in the initramfs (pid {}) has ended", pid));
  return 0;
}

// In the initramfs: forks; the parent waits until the child says the recorder is attached (or
// gave up waiting) and exits, so the init script goes on; the child returns the pipe's write
// end and records on in its own session. -1 when the fork failed.
int detach_until_ready(const BootRunOptions& o) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(p[0]);
    setsid();
    return p[1];
  }
  close(p[1]);
  pollfd pf{p[0], POLLIN, 0};
  char c = 0;
  const bool said = poll(&pf, 1, static_cast<int>((o.attach_timeout_s + 10) * 1000)) > 0 && read(p[0], &c, 1) == 1;
  o.log(said && c == '1' ? fmt::format("recorder attached; recording in the background (pid {})", pid)
                         : fmt::format("recorder not attached yet; the boot goes on (pid {})", pid));
  _exit(0);
}

// The recorder's run from its start to the trace in the output directory.
int record_and_move(const BootRunOptions& o, const std::string& boot_id, InitRootFollower* follower,
                    const std::function<void(bool, const fs::path&)>& ready) {
  std::error_code ec;
  const fs::path trace = fresh_trace_path(o.stage_dir, boot_id);
  // Modules whose hooks must be there from the start (BootCaptureConfig::preload).
  for (size_t b = 0; b < o.config.preload.size();) {
    const size_t e = std::min(o.config.preload.find(',', b), o.config.preload.size());
    const std::string m = o.config.preload.substr(b, e - b);
    if (!m.empty())
      if (const int rc = run_command({"modprobe", "-q", m}); rc != 0) o.log(fmt::format("modprobe {}: exit {}", m, rc));
    b = e + 1;
  }
  const std::atomic<int>& stop = install_stop_signal_handlers();
  std::vector<std::string> argv = {o.reprobe_exe, "record", "-o", trace.string()};
  if (follower != nullptr) argv.emplace_back("--follow-init-root");
  const pid_t pid = spawn_command(argv);
  if (pid < 0) {
    o.log(fmt::format("cannot start {} record: {}", o.reprobe_exe, std::strerror(-pid)));
    ready(false, trace);
    return 2;
  }
  const Supervision s = supervise(pid, trace, o, stop, follower, ready);
  if (!s.ready) ready(false, trace);
  const uint64_t size = fs::file_size(trace, ec);
  if (ec) {
    o.log(fmt::format("the recorder wrote no trace (exit {})", s.status));
    return s.status != 0 ? s.status : 2;
  }
  notify_systemd("STATUS=moving the trace to " + o.config.output_dir);
  auto dest = move_into_output(trace, boot_id, o, follower);
  if (!dest) {
    o.log(dest.error().str());
    return 2;
  }
  o.log(fmt::format("{}: {} bytes, recorder exit {} ({})", dest->string(), size, s.status,
                    s.stop_reason != nullptr ? s.stop_reason : "the recorder stopped by itself"));
  return s.status;
}

}  // namespace

int run_boot_capture(const BootRunOptions& o) {
  if (!o.in_initramfs)
    if (const pid_t p = running_initramfs_capture(o.stage_dir); p > 0) return adopt_initramfs_capture(p, o);
  auto boot_id = current_boot_id();
  if (!boot_id) {
    o.log(boot_id.error().str());
    notify_systemd("READY=1");
    return 2;
  }
  std::optional<InitRootFollower> follower;
  int ready_fd = -1;
  std::error_code ec;
  fs::create_directories(o.stage_dir, ec);
  if (o.in_initramfs) {
    auto f = InitRootFollower::open();
    if (!f) {
      o.log(f.error().str() + "; not recording from the initramfs");
      return 2;
    }
    follower.emplace(std::move(*f));
    ready_fd = detach_until_ready(o);
    if (ready_fd < 0) {
      o.log(fmt::format("cannot fork: {}", std::strerror(errno)));
      return 2;
    }
    std::ofstream(fs::path(o.stage_dir) / kInitramfsPidFile) << getpid() << "\n";
  }
  const ReadyFn ready = [&](bool attached, const fs::path& t) {
    if (ready_fd >= 0) {
      const char c = attached ? '1' : '0';
      (void)!write(ready_fd, &c, 1);
      close(ready_fd);
      ready_fd = -1;
      return;
    }
    notify_systemd(attached ? "READY=1\nSTATUS=recording " + t.string()
                            : "READY=1\nSTATUS=still attaching (boot not held back any longer)");
  };
  const int status = record_and_move(o, *boot_id, follower ? &*follower : nullptr, ready);
  if (o.in_initramfs) fs::remove(fs::path(o.stage_dir) / kInitramfsPidFile, ec);
  return status;
}

}  // namespace reprobe
