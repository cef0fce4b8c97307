#include "tracer/record/recording_session.h"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "tracer/record/workload.h"

namespace reprobe {
namespace {

std::atomic<int> g_stop_signal{0};

void on_stop_signal(int sig) { g_stop_signal.store(sig); }

}  // namespace

const std::atomic<int>& install_stop_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  return g_stop_signal;
}

CommandWatch process_command_watch() {
  CommandWatch w;
  w.ended = [](pid_t pid) -> std::optional<int> {
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) != pid) return std::nullopt;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  };
  w.terminate = [](pid_t pid) {
    kill(pid, SIGTERM);
    return wait_command(pid);
  };
  return w;
}

const char* to_string(StopReason r) {
  switch (r) {
    case StopReason::running:
      return "running";
    case StopReason::signal:
      return "signal";
    case StopReason::duration:
      return "duration";
    case StopReason::idle:
      return "idle";
    case StopReason::command_exited:
      return "command exited";
    case StopReason::write_failed:
      return "write failed";
    case StopReason::source_failed:
      return "source failed";
  }
  return "?";
}

RecordingSession::RecordingSession(StopRules rules, Clock::time_point started, const std::atomic<int>& stop_signal,
                                   CommandWatch watch)
    : rules_(rules),
      started_(started),
      last_event_(started),
      last_status_(started),
      stop_signal_(stop_signal),
      watch_(std::move(watch)) {}

RecordingSession::~RecordingSession() { finish_command(); }

bool RecordingSession::output_ok(const std::ostream& out, const std::string& output_name,
                                 const std::function<void(const std::string&)>& log) {
  if (out) return true;
  log(fmt::format("{}: write failed: {}", output_name, std::strerror(errno)));
  reason_ = StopReason::write_failed;
  return false;
}

bool RecordingSession::should_stop(Clock::time_point now, bool events_seen) {
  if (events_seen) last_event_ = now;
  if (stop_signal_.load()) {
    reason_ = StopReason::signal;
    return true;
  }
  if (rules_.duration > 0 && std::chrono::duration<double>(now - started_).count() >= rules_.duration) {
    reason_ = StopReason::duration;
    return true;
  }
  if (rules_.until_idle > 0 && std::chrono::duration<double>(now - last_event_).count() >= rules_.until_idle) {
    reason_ = StopReason::idle;
    return true;
  }
  if (child_ > 0) {
    if (auto status = watch_.ended(child_)) {
      command_status_ = *status;
      child_ = -1;
      reason_ = StopReason::command_exited;
      return true;
    }
  }
  return false;
}

int RecordingSession::exit_code() const {
  return reason_ == StopReason::write_failed || reason_ == StopReason::source_failed ? 2 : 0;
}

bool RecordingSession::status_line_due(Clock::time_point now, std::chrono::milliseconds interval) {
  if (now - last_status_ <= interval) return false;
  last_status_ = now;
  return true;
}

void RecordingSession::finish_command() {
  if (child_ <= 0) return;
  command_status_ = watch_.terminate(child_);
  child_ = -1;
}

void RecordingSession::add_end_fields(nlohmann::ordered_json& extra) const {
  if (const int sig = stop_signal()) extra["x-stopped_by"] = strsignal(sig);
  if (command_status_ && *command_status_ >= 0) extra["x-command_status"] = *command_status_;
}

}  // namespace reprobe
