// When a `reprobe record` capture stops, for both backends (bpf in
// tools/cmd_record.cpp, kmsg in tracer/record/kmsg_backend.cpp): SIGINT/SIGTERM/
// SIGHUP, --duration, --until-idle, the end of `-- COMMAND`, or a failed write
// of the trace. The backends only poll their source and write; once per poll
// round they ask should_stop(now, events_seen). Time is passed in (steady
// clock), so the rules are tested with a fake clock and a fake command
// (tests/unit/record/recording_session_test.cpp).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reprobe {

// Installs the handlers of SIGINT, SIGTERM and SIGHUP (no SA_RESTART: a
// blocking poll() returns EINTR at once) and returns the flag they set to the
// signal's number. The recorder's own process-wide flag; call once the
// recorder is ready to stop cleanly.
const std::atomic<int>& install_stop_signal_handlers();

// How the session watches the command it records (`-- COMMAND`).
struct CommandWatch {
  // The command's exit status (128 + signal when a signal ended it) once it
  // has ended, without blocking; nullopt while it runs.
  std::function<std::optional<int>(pid_t)> ended;
  // SIGTERM, then wait: its exit status.
  std::function<int(pid_t)> terminate;
};
// The real processes: waitpid(WNOHANG); kill(SIGTERM) + wait_command (tracer/record/workload.h).
CommandWatch process_command_watch();

enum class StopReason {
  running,         // not stopped (yet)
  signal,          // SIGINT, SIGTERM or SIGHUP
  duration,        // --duration seconds since the start
  idle,            // --until-idle seconds without an event
  command_exited,  // -- COMMAND ended; the backend drains once more (grace poll)
  write_failed,    // the trace could not be written (ENOSPC, EIO...): exit 2
  source_failed,   // the backend's event source failed (reported by the backend): exit 2
};
const char* to_string(StopReason r);

struct StopRules {
  double duration = 0;    // seconds, 0 = none
  double until_idle = 0;  // seconds without an event, 0 = none
};

// What `reprobe record` was asked, whichever backend records
// (KmsgRecordOptions in tracer/record/kmsg_backend.h adds the kmsg backend's own).
struct RecordOptions {
  std::string output = "-";  // the trace file, "-" = stdout
  double duration = 0;
  double until_idle = 0;
  std::vector<std::string> command;  // -- COMMAND...
  std::vector<std::string> replug;   // --replug MODULE...
  std::vector<std::string> rebind;   // --rebind DEVICE...
  bool redact = true;
  bool verbose = false;
  StopRules stop_rules() const { return {duration, until_idle}; }
};

class RecordingSession {
 public:
  using Clock = std::chrono::steady_clock;

  // `started`: the start of the recording (before the workload runs); the
  // duration and the first idle period count from it.
  RecordingSession(StopRules rules, Clock::time_point started, const std::atomic<int>& stop_signal,
                   CommandWatch watch = process_command_watch());
  // Ends a command still running (terminate()), like finish_command().
  ~RecordingSession();
  RecordingSession(const RecordingSession&) = delete;
  RecordingSession& operator=(const RecordingSession&) = delete;

  // The pid of the command under trace (spawn_command's result; <= 0: none,
  // e.g. fork failed, and then its end never stops the recording).
  void watch_command(pid_t pid) { child_ = pid; }

  // After a poll round that wrote what it read: false (message through `log`,
  // "OUTPUT: write failed: ...") when the output stream failed; the recording stops with exit 2.
  bool output_ok(const std::ostream& out, const std::string& output_name,
                 const std::function<void(const std::string&)>& log);
  // The backend's source failed (it reported why): the recording stops with exit 2.
  void source_failed() { reason_ = StopReason::source_failed; }

  // Once per poll round, after writing: true when the recording should stop,
  // checked in this order: a stop signal, the duration, idleness, the end of the command.
  bool should_stop(Clock::time_point now, bool events_seen);
  StopReason why_stopped() const { return reason_; }
  // The recorder's exit status for how it stopped: 2 on a write or source failure, else 0.
  int exit_code() const;

  // Every `interval` (500 ms) since the start or the last true: time for a status line.
  bool status_line_due(Clock::time_point now, std::chrono::milliseconds interval = std::chrono::milliseconds(500));

  // After the loop: SIGTERM to a command still running and wait for it.
  void finish_command();
  // The command's exit status once it ended (or was ended), else nullopt.
  std::optional<int> command_status() const { return command_status_; }
  // The stop signal received so far (0: none), read when asked.
  int stop_signal() const { return stop_signal_.load(); }

  // The end line's fields the session knows: "x-stopped_by" (strsignal of the
  // signal received, if any) and "x-command_status", in that order.
  void add_end_fields(nlohmann::ordered_json& extra) const;

 private:
  StopRules rules_;
  Clock::time_point started_;
  Clock::time_point last_event_;
  Clock::time_point last_status_;
  const std::atomic<int>& stop_signal_;
  CommandWatch watch_;
  pid_t child_ = -1;
  std::optional<int> command_status_;
  StopReason reason_ = StopReason::running;
};

}  // namespace reprobe
