// Boot capture from the initramfs: the follower of PID 1's root (tracer/record/init_root_follower.h)
// in a real chroot, the unit's adoption of a capture the initramfs started (tracer/record/boot_run.h),
// the hook's configuration and the texts initramfs-tools runs (tracer/record/boot_initramfs.h).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "tracer/record/boot_initramfs.h"
#include "tracer/record/boot_run.h"
#include "tracer/record/init_root_follower.h"
#include "tracer/record/workload.h"

namespace reprobe {
namespace {
namespace fs = std::filesystem;

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("reprobe-initramfs-test." + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

using InitRootFollowerTest = TempDir;

// A child opens the follower, chroots into an empty directory (the initramfs's position after
// init moved the mounts away), and follows "init" back into its root, as the recorder does at
// switch_root: the root's files are visible again and a second follow() has nothing to do.
// "init" is a sleeping process of the test in the test's root (PID 1's root may not be readable
// where the tests run, e.g. a sandbox whose PID 1 is not dumpable).
TEST_F(InitRootFollowerTest, FollowsInitIntoItsRoot) {
  ASSERT_EQ(geteuid(), 0u) << "chroot needs root: run the unit tests as root (CI does)";
  const fs::path marker = dir_ / "marker";
  std::ofstream(marker) << "x";
  fs::create_directories(dir_ / "empty-root");
  const pid_t init = spawn_command({"/bin/sleep", "30"});
  ASSERT_GT(init, 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto f = InitRootFollower::open("/proc", init);
    if (!f) _exit(10);
    auto same = f->follow();
    if (!same || *same) _exit(11);  // same root as "init": nothing to do
    const unsigned before = f->moves();
    if (chroot((dir_ / "empty-root").c_str()) != 0 || chdir("/") != 0) _exit(12);
    struct stat st {};
    if (stat(marker.c_str(), &st) == 0) _exit(13);  // really inside the empty root
    auto moved = f->follow();
    if (!moved || !*moved || f->moves() != before + 1) _exit(14);
    if (stat(marker.c_str(), &st) != 0) _exit(15);  // back where PID 1 is
    auto again = f->follow();
    if (!again || *again) _exit(16);
    _exit(0);
  }
  int st = 0;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  kill(init, SIGKILL);
  wait_command(init);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0) << "10 open, 11 first follow, 12 chroot, 13 not chrooted, 14 no move, 15 marker "
                                   "not visible after the move, 16 a second move";
}

TEST(InitRootFollower, ProcThatIsNotThereIsAnError) {
  auto f = InitRootFollower::open("/nonexistent-reprobe-proc");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().str().find("/nonexistent-reprobe-proc"), std::string::npos);
}

using AdoptTest = TempDir;

// The unit's `boot run` finds the pid file of a running capture started in the initramfs: it tells
// systemd it is ready at once, starts no recorder (the binary given would fail), and returns when
// that capture has ended (its pid file gone).
TEST_F(AdoptTest, UnitAdoptsTheInitramfsCapture) {
  const fs::path pidfile = dir_ / kInitramfsPidFile;
  const std::string script = "sleep 0.6; rm -f " + pidfile.string();
  const pid_t child = spawn_command({"/bin/sh", "-c", script, "sh", "--in-initramfs"});
  ASSERT_GT(child, 0);
  for (int i = 0; i < 200; ++i) {  // until the child runs sh (before, its command line is ours)
    std::ifstream cmd("/proc/" + std::to_string(child) + "/cmdline", std::ios::binary);
    const std::string args((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (args.find("--in-initramfs") != std::string::npos) break;
    usleep(5000);
  }
  std::ofstream(pidfile) << child << "\n";
  const std::string sock = (dir_ / "notify").string();
  const int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  sock.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  setenv("NOTIFY_SOCKET", sock.c_str(), 1);
  BootRunOptions o;
  o.stage_dir = dir_.string();
  o.reprobe_exe = "/bin/false";
  std::string said;
  o.log = [&](const std::string& s) { said += s + "\n"; };
  EXPECT_EQ(run_boot_capture(o), 0);
  unsetenv("NOTIFY_SOCKET");
  // The capture removes its pid file as it ends: gone means the unit waited for it (no timing).
  EXPECT_FALSE(fs::exists(pidfile)) << "returned before the initramfs capture ended";
  char buf[128] = {};
  const ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
  close(fd);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0),
            "READY=1\nSTATUS=recording from the initramfs (pid " + std::to_string(child) + ")");
  EXPECT_NE(said.find("is recording; the unit follows it"), std::string::npos) << said;
  EXPECT_NE(said.find("has ended"), std::string::npos) << said;
  EXPECT_EQ(wait_command(child), 0);
}

// A pid file whose process is not a capture from the initramfs (a stale file, a reused pid) is
// not adopted: the unit starts its own recorder (here /bin/false, which writes no trace).
TEST_F(AdoptTest, StalePidFileIsIgnored) {
  std::ofstream(dir_ / kInitramfsPidFile) << getpid() << "\n";
  BootRunOptions o;
  o.stage_dir = dir_.string();
  o.reprobe_exe = "/bin/false";
  o.config.preload = "";
  std::string said;
  o.log = [&](const std::string& s) { said += s + "\n"; };
  EXPECT_NE(run_boot_capture(o), 0);
  EXPECT_EQ(said.find("follows it"), std::string::npos) << said;
  EXPECT_NE(said.find("the recorder wrote no trace"), std::string::npos) << said;
}

TEST(BootInitramfs, ConfigIsWhatTheScriptPassesToBootRun) {
  BootCaptureConfig c;
  c.preload = "snd,snd-soc-core";
  c.idle_s = 2.5;
  EXPECT_EQ(initramfs_config_text(c),
            "REPROBE_ARGS='--output /var/log/reprobe --max-size 64 --duration 120 --idle 2.5 --keep 5 "
            "--attach-timeout 30 --preload snd,snd-soc-core'\nREPROBE_PRELOAD='snd snd-soc-core'\n");
  c.preload.clear();
  EXPECT_NE(initramfs_config_text(c).find("--preload -'\nREPROBE_PRELOAD=''\n"), std::string::npos);
}

// What initramfs-tools requires of both: a shell script answering `prereqs`, and the marker
// line `disable` recognises; the hook adds nothing unless the unit asks for the initramfs.
TEST(BootInitramfs, ScriptsAreInitramfsToolsScripts) {
  for (const std::string& t : {initramfs_hook_text(), initramfs_script_text()}) {
    EXPECT_EQ(t.rfind(std::string("#!/bin/sh\n") + kInitramfsMarker + "\n", 0), 0u) << t;
    EXPECT_NE(t.find("case \"$1\" in prereqs) prereqs; exit 0 ;; esac\n"), std::string::npos) << t;
  }
  const std::string hook = initramfs_hook_text();
  EXPECT_NE(hook.find("grep -q '^ExecStart=.* boot run .*--initramfs' \"$unit\" || exit 0\n"), std::string::npos);
  EXPECT_NE(hook.find("copy_exec \"$exe\" /sbin/reprobe\n"), std::string::npos);
  EXPECT_NE(
      initramfs_script_text().find("/sbin/reprobe boot run --in-initramfs $REPROBE_ARGS 2>>/run/reprobe/initramfs.log"),
      std::string::npos);
}

}  // namespace
}  // namespace reprobe
