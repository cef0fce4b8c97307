#include "tracer/record/boot_run.h"

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
#include <thread>

#include <fmt/format.h>

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

Supervision supervise(pid_t pid, const fs::path& trace, const BootRunOptions& o, const std::atomic<int>& stop) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const uint64_t cap = o.config.max_size_mb << 20;
  Supervision s;
  IdleWatch idle;
  while (!ended(pid, s)) {
    const auto now = clock::now();
    const double elapsed = std::chrono::duration<double>(now - t0).count();
    std::error_code ec;
    const uint64_t size = fs::file_size(trace, ec);
    if (!s.ready && (has_complete_line(trace) || elapsed >= o.attach_timeout_s)) {
      s.ready = true;
      const bool attached = has_complete_line(trace);
      if (attached) idle.header_written(fs::file_size(trace, ec));
      notify_systemd(attached ? "READY=1\nSTATUS=recording " + trace.string()
                              : "READY=1\nSTATUS=still attaching (boot not held back any longer)");
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
Result<fs::path> move_into_output(const fs::path& staged, const std::string& boot_id, const BootRunOptions& o) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  for (;;) {
    std::error_code ec;
    fs::create_directories(o.config.output_dir, ec);
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
                   fmt::format("not writable within {} s: {}; the trace stays in {}", o.move_timeout_s, ec.message(),
                               staged.string())};
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

int run_boot_capture(const BootRunOptions& o) {
  auto boot_id = current_boot_id();
  if (!boot_id) {
    o.log(boot_id.error().str());
    notify_systemd("READY=1");
    return 2;
  }
  std::error_code ec;
  fs::create_directories(o.stage_dir, ec);
  const fs::path trace = fresh_trace_path(o.stage_dir, *boot_id);
  // Modules whose hooks must be there from the start (BootCaptureConfig::preload).
  for (size_t b = 0; b < o.config.preload.size();) {
    const size_t e = std::min(o.config.preload.find(',', b), o.config.preload.size());
    const std::string m = o.config.preload.substr(b, e - b);
    if (!m.empty())
      if (const int rc = run_command({"modprobe", "-q", m}); rc != 0) o.log(fmt::format("modprobe {}: exit {}", m, rc));
    b = e + 1;
  }
  const std::atomic<int>& stop = install_stop_signal_handlers();
  const pid_t pid = spawn_command({o.reprobe_exe, "record", "-o", trace.string()});
  if (pid < 0) {
    o.log(fmt::format("cannot start {} record: {}", o.reprobe_exe, std::strerror(-pid)));
    notify_systemd("READY=1");
    return 2;
  }
  const Supervision s = supervise(pid, trace, o, stop);
  if (!s.ready) notify_systemd("READY=1");
  const uint64_t size = fs::file_size(trace, ec);
  if (ec) {
    o.log(fmt::format("the recorder wrote no trace (exit {})", s.status));
    return s.status != 0 ? s.status : 2;
  }
  notify_systemd("STATUS=moving the trace to " + o.config.output_dir);
  auto dest = move_into_output(trace, *boot_id, o);
  if (!dest) {
    o.log(dest.error().str());
    return 2;
  }
  o.log(fmt::format("{}: {} bytes, recorder exit {} ({})", dest->string(), size, s.status,
                    s.stop_reason != nullptr ? s.stop_reason : "the recorder stopped by itself"));
  return s.status;
}

}  // namespace reprobe
