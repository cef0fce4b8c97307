// When `reprobe record` stops (tracer/record/recording_session.h), for both backends:
// each stop reason with a fake clock (time points passed in, no sleeping) and a
// fake command, their order, the exit code, the end line's fields, the status
// line's pace; and the real command watch on real child processes.
#include <sys/wait.h>

#include <csignal>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tracer/ebpf/bpf_tracer.h"
#include "tracer/record/recording_session.h"
#include "tracer/record/workload.h"

namespace reprobe {
namespace {

using Clock = RecordingSession::Clock;
using std::chrono::milliseconds;

const Clock::time_point kStart = Clock::time_point{} + std::chrono::hours(1);

// A command that ends (with `status`) at the `ends_after`-th question, or never (-1).
struct FakeCommand {
  explicit FakeCommand(int ends_after_ = -1, int status_ = 0) : ends_after(ends_after_), status(status_) {}
  int ends_after;
  int status;
  int asked = 0;
  int terminated = 0;
  std::vector<pid_t> pids_asked;
  CommandWatch watch() {
    CommandWatch w;
    w.ended = [this](pid_t pid) -> std::optional<int> {
      pids_asked.push_back(pid);
      if (++asked == ends_after) return status;
      return std::nullopt;
    };
    w.terminate = [this](pid_t) {
      ++terminated;
      return 128 + SIGTERM;
    };
    return w;
  }
};

TEST(RecordingSession, WithoutRulesItRunsUntilAsked) {
  std::atomic<int> sig{0};
  FakeCommand cmd;
  RecordingSession s({}, kStart, sig, cmd.watch());
  for (int i = 1; i <= 1000; ++i) EXPECT_FALSE(s.should_stop(kStart + std::chrono::minutes(i), false));
  EXPECT_EQ(s.why_stopped(), StopReason::running);
  EXPECT_EQ(s.exit_code(), 0);
  EXPECT_EQ(cmd.asked, 0);  // no command: nothing to wait for
  nlohmann::ordered_json extra;
  s.add_end_fields(extra);
  EXPECT_TRUE(extra.empty());
}

TEST(RecordingSession, DurationCountsFromTheStart) {
  std::atomic<int> sig{0};
  RecordingSession s({.duration = 2.5, .until_idle = 0}, kStart, sig, FakeCommand{}.watch());
  EXPECT_FALSE(s.should_stop(kStart + milliseconds(100), true));
  EXPECT_FALSE(s.should_stop(kStart + milliseconds(2499), true));
  EXPECT_TRUE(s.should_stop(kStart + milliseconds(2500), true));
  EXPECT_EQ(s.why_stopped(), StopReason::duration);
  EXPECT_EQ(s.exit_code(), 0);
}

TEST(RecordingSession, IdleCountsFromTheLastEventOrTheStart) {
  std::atomic<int> sig{0};
  RecordingSession s({.duration = 0, .until_idle = 3}, kStart, sig, FakeCommand{}.watch());
  EXPECT_FALSE(s.should_stop(kStart + milliseconds(2999), false));
  EXPECT_FALSE(s.should_stop(kStart + milliseconds(2999), true));  // an event: idle again from here
  EXPECT_FALSE(s.should_stop(kStart + milliseconds(5000), false));
  EXPECT_FALSE(s.should_stop(kStart + milliseconds(5998), false));
  EXPECT_TRUE(s.should_stop(kStart + milliseconds(5999), false));
  EXPECT_EQ(s.why_stopped(), StopReason::idle);

  RecordingSession quiet({.duration = 0, .until_idle = 3}, kStart, sig, FakeCommand{}.watch());
  EXPECT_TRUE(quiet.should_stop(kStart + milliseconds(3000), false));  // no event at all: from the start
  EXPECT_EQ(quiet.why_stopped(), StopReason::idle);
}

TEST(RecordingSession, StopSignalStopsFirstAndIsRecorded) {
  std::atomic<int> sig{0};
  FakeCommand cmd(1, 0);
  RecordingSession s({.duration = 1, .until_idle = 0}, kStart, sig, cmd.watch());
  s.watch_command(4242);
  EXPECT_EQ(s.stop_signal(), 0);
  sig.store(SIGINT);
  // Duration over and the command ended too: the signal wins, the command is not asked.
  EXPECT_TRUE(s.should_stop(kStart + std::chrono::seconds(5), true));
  EXPECT_EQ(s.why_stopped(), StopReason::signal);
  EXPECT_EQ(s.exit_code(), 0);
  EXPECT_EQ(cmd.asked, 0);
  s.finish_command();
  EXPECT_EQ(cmd.terminated, 1);
  nlohmann::ordered_json extra;
  s.add_end_fields(extra);
  EXPECT_EQ(extra.dump(), std::string(R"({"x-stopped_by":")") + strsignal(SIGINT) + R"(","x-command_status":143})");
}

TEST(RecordingSession, SignalAfterTheStopIsStillRecorded) {
  // A SIGTERM during the end snapshot: the end line says so (both backends read the flag at the end).
  std::atomic<int> sig{0};
  RecordingSession s({.duration = 1, .until_idle = 0}, kStart, sig, FakeCommand{}.watch());
  EXPECT_TRUE(s.should_stop(kStart + std::chrono::seconds(1), false));
  EXPECT_EQ(s.why_stopped(), StopReason::duration);
  sig.store(SIGTERM);
  nlohmann::ordered_json extra;
  s.add_end_fields(extra);
  EXPECT_EQ(extra.value("x-stopped_by", ""), strsignal(SIGTERM));
}

TEST(RecordingSession, CommandExitStopsWithItsStatus) {
  std::atomic<int> sig{0};
  FakeCommand cmd(3, 3);
  RecordingSession s({}, kStart, sig, cmd.watch());
  s.watch_command(777);
  EXPECT_FALSE(s.should_stop(kStart + milliseconds(100), true));
  EXPECT_FALSE(s.should_stop(kStart + milliseconds(200), false));
  EXPECT_EQ(s.command_status(), std::nullopt);
  EXPECT_TRUE(s.should_stop(kStart + milliseconds(300), false));
  EXPECT_EQ(s.why_stopped(), StopReason::command_exited);
  EXPECT_EQ(s.exit_code(), 0);
  EXPECT_EQ(s.command_status(), 3);
  EXPECT_EQ(cmd.pids_asked, (std::vector<pid_t>{777, 777, 777}));
  s.finish_command();  // already ended: not terminated
  EXPECT_EQ(cmd.terminated, 0);
  nlohmann::ordered_json extra;
  s.add_end_fields(extra);
  EXPECT_EQ(extra.dump(), R"({"x-command_status":3})");
}

TEST(RecordingSession, DurationBeforeCommandAndTheCommandIsEndedOnce) {
  std::atomic<int> sig{0};
  FakeCommand cmd(1, 0);
  {
    RecordingSession s({.duration = 1, .until_idle = 0}, kStart, sig, cmd.watch());
    s.watch_command(99);
    EXPECT_TRUE(s.should_stop(kStart + std::chrono::seconds(1), false));
    EXPECT_EQ(s.why_stopped(), StopReason::duration);
    EXPECT_EQ(cmd.asked, 0);
    s.finish_command();
    s.finish_command();
    EXPECT_EQ(s.command_status(), 128 + SIGTERM);
  }  // the destructor does not end it again
  EXPECT_EQ(cmd.terminated, 1);

  FakeCommand forgotten;
  {
    RecordingSession s({}, kStart, sig, forgotten.watch());
    s.watch_command(98);
  }
  EXPECT_EQ(forgotten.terminated, 1);  // a command is never left running behind the recorder
}

TEST(RecordingSession, FailedSpawnIsNotWatched) {
  // spawn_command's -errno: nothing to wait for (the recording runs until another reason).
  std::atomic<int> sig{0};
  FakeCommand cmd(1, 0);
  RecordingSession s({}, kStart, sig, cmd.watch());
  s.watch_command(-EAGAIN);
  EXPECT_FALSE(s.should_stop(kStart + std::chrono::hours(1), false));
  s.finish_command();
  EXPECT_EQ(cmd.asked, 0);
  EXPECT_EQ(cmd.terminated, 0);
  EXPECT_EQ(s.command_status(), std::nullopt);
}

TEST(RecordingSession, FailedWriteStopsWithExitTwo) {
  std::atomic<int> sig{0};
  RecordingSession s({}, kStart, sig, FakeCommand{}.watch());
  std::vector<std::string> said;
  auto log = [&](const std::string& m) { said.push_back(m); };
  std::ostringstream good;
  EXPECT_TRUE(s.output_ok(good, "out.trace", log));
  EXPECT_TRUE(said.empty());
  EXPECT_EQ(s.why_stopped(), StopReason::running);
  std::ostringstream bad;
  bad.setstate(std::ios::badbit);
  errno = ENOSPC;
  EXPECT_FALSE(s.output_ok(bad, "out.trace", log));
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0], std::string("out.trace: write failed: ") + std::strerror(ENOSPC));
  EXPECT_EQ(s.why_stopped(), StopReason::write_failed);
  EXPECT_EQ(s.exit_code(), 2);
}

TEST(RecordingSession, FailedSourceStopsWithExitTwo) {
  std::atomic<int> sig{0};
  RecordingSession s({}, kStart, sig, FakeCommand{}.watch());
  s.source_failed();
  EXPECT_EQ(s.why_stopped(), StopReason::source_failed);
  EXPECT_EQ(s.exit_code(), 2);
  EXPECT_STREQ(to_string(s.why_stopped()), "source failed");
}

TEST(RecordingSession, StatusLineEveryHalfSecond) {
  std::atomic<int> sig{0};
  RecordingSession s({}, kStart, sig, FakeCommand{}.watch());
  EXPECT_FALSE(s.status_line_due(kStart + milliseconds(100)));
  EXPECT_FALSE(s.status_line_due(kStart + milliseconds(500)));
  EXPECT_TRUE(s.status_line_due(kStart + milliseconds(501)));
  EXPECT_FALSE(s.status_line_due(kStart + milliseconds(1001)));
  EXPECT_TRUE(s.status_line_due(kStart + milliseconds(1002)));
}

// The real watch on real children: waitid(WNOWAIT) blocks until the child has
// ended without reaping it, so ended() sees it at once (no sleeping, no timing).
void wait_until_ended(pid_t pid) {
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0) << std::strerror(errno);
}

TEST(ProcessCommandWatch, ExitStatusAndSignal) {
  const CommandWatch w = process_command_watch();
  const pid_t three = spawn_command({"sh", "-c", "exit 3"});
  ASSERT_GT(three, 0);
  wait_until_ended(three);
  EXPECT_EQ(w.ended(three), 3);

  const pid_t killed = spawn_command({"sh", "-c", "kill -KILL $$"});
  ASSERT_GT(killed, 0);
  wait_until_ended(killed);
  EXPECT_EQ(w.ended(killed), 128 + SIGKILL);
}

TEST(ProcessCommandWatch, RunningCommandIsTerminated) {
  const CommandWatch w = process_command_watch();
  const pid_t sleeper = spawn_command({"sleep", "600"});
  ASSERT_GT(sleeper, 0);
  EXPECT_EQ(w.terminate(sleeper), 128 + SIGTERM);
}

// Issue 15 #10: `record` wrote a trace of 0 events and exited 0 when the probe hooks could not
// attach. missing_essential_hooks (tracer/ebpf/bpf_tracer.h) decides what makes it refuse.
HookStatus hook(std::string name, std::string tier, std::vector<std::string> kinds, std::string note = "") {
  HookStatus h;
  h.hook = std::move(name);
  h.tier = std::move(tier);
  h.kinds = std::move(kinds);
  h.note = std::move(note);
  return h;
}

TEST(EssentialHooks, ProbeAndBindHooksAttachedIsEnough) {
  const std::vector<HookStatus> hooks = {hook("really_probe", "kprobe", {"probe_start", "probe_end"}),
                                         hook("driver_bound", "fentry", {"bound"}),
                                         hook("driver_deferred_probe_trigger", "", {"trigger"}, "not in kallsyms"),
                                         hook("module:module_load", "tracepoint", {"module_load"})};
  EXPECT_TRUE(missing_essential_hooks(hooks).empty());
}

TEST(EssentialHooks, OnlyTracepointsAttachedIsRefused) {
  const std::vector<HookStatus> hooks = {hook("really_probe", "", {"probe_start", "probe_end"}, "kprobes disabled"),
                                         hook("driver_bound", "", {"bound"}, "kprobes disabled"),
                                         hook("module:module_load", "tracepoint", {"module_load"})};
  const auto missing = missing_essential_hooks(hooks);
  ASSERT_EQ(missing.size(), 3u);
  EXPECT_EQ(missing[0], "probe_start: really_probe not attached (kprobes disabled)");
  EXPECT_EQ(missing[2], "bound: driver_bound not attached (kprobes disabled)");
}

TEST(EssentialHooks, AKindNoHookProducesIsMissing) {
  const auto missing = missing_essential_hooks({hook("really_probe", "fentry", {"probe_start", "probe_end"})});
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], "bound: no hook produces it");
}

}  // namespace
}  // namespace reprobe
