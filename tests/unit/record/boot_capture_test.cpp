// Boot capture (tracer/record/boot_capture.h, tracer/record/systemd_notify.h): the unit text
// and its round trip, the ordering that puts the recorder before udev, the option checks,
// trace names, listing and rotation in a real directory, and the sd_notify datagram on a
// real socket.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tracer/record/boot_capture.h"
#include "tracer/record/systemd_notify.h"

namespace reprobe {
namespace {
namespace fs = std::filesystem;

TEST(BootCapture, UnitRunsBeforeUdevAndModulesLoad) {
  const std::string u = boot_unit_text("/usr/bin/reprobe", BootCaptureConfig{});
  EXPECT_NE(u.find("DefaultDependencies=no\n"), std::string::npos);
  EXPECT_NE(u.find("Before=systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service"),
            std::string::npos);
  EXPECT_NE(u.find("Type=notify\n"), std::string::npos);
  EXPECT_NE(u.find("KillSignal=SIGINT\n"), std::string::npos);
  EXPECT_NE(u.find("TimeoutStartSec=60\n"), std::string::npos);
  EXPECT_NE(u.find("WantedBy=sysinit.target\n"), std::string::npos);
  EXPECT_NE(u.find("ExecStart=/usr/bin/reprobe boot run --output /var/log/reprobe --max-size 64 --duration 120 "
                   "--idle 10 --keep 5 --attach-timeout 30 --preload snd,snd-soc-core\n"),
            std::string::npos);
}

TEST(BootCapture, UnitRoundTrips) {
  BootCaptureConfig c;
  c.output_dir = "/srv/traces";
  c.max_size_mb = 8;
  c.duration_s = 42.5;
  c.idle_s = 3;
  c.keep = 2;
  c.attach_timeout_s = 120;
  c.preload = "";
  auto back = parse_boot_unit(boot_unit_text("/opt/reprobe", c), "u.service");
  ASSERT_TRUE(back) << back.error().str();
  EXPECT_EQ(back->output_dir, "/srv/traces");
  EXPECT_EQ(back->max_size_mb, 8u);
  EXPECT_DOUBLE_EQ(back->duration_s, 42.5);
  EXPECT_DOUBLE_EQ(back->idle_s, 3);
  EXPECT_EQ(back->keep, 2u);
  EXPECT_DOUBLE_EQ(back->attach_timeout_s, 120);
  EXPECT_EQ(back->preload, "");
  EXPECT_FALSE(back->initramfs);
  c.initramfs = true;
  back = parse_boot_unit(boot_unit_text("/opt/reprobe", c), "u.service");
  ASSERT_TRUE(back) << back.error().str();
  EXPECT_TRUE(back->initramfs);
  EXPECT_EQ(back->keep, 2u);
}

TEST(BootCapture, OptionWithoutValueIsAnErrorWithItsLine) {
  auto r = parse_boot_unit("[Service]\nExecStart=/r boot run --output /x --initramfs --keep\n", "x.service");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().str(), "x.service:2: ExecStart option '--keep' has no value");
}

TEST(BootCapture, ForeignUnitIsAnErrorWithItsLine) {
  auto r = parse_boot_unit("[Service]\nExecStart=/bin/true\n", "x.service");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().str(),
            "x.service:2: ExecStart does not run 'reprobe boot run' (not a unit written by 'reprobe boot enable')");
  EXPECT_EQ(parse_boot_unit("[Unit]\n", "y").error().str(), "y: no ExecStart line");
}

TEST(BootCapture, ConfigChecks) {
  BootCaptureConfig c;
  EXPECT_EQ(check_boot_config(c), "");
  c.output_dir = "relative";
  EXPECT_NE(check_boot_config(c), "");
  c.output_dir = "/with space";
  EXPECT_NE(check_boot_config(c), "");
  c = {};
  c.max_size_mb = 0;
  EXPECT_NE(check_boot_config(c), "");
  c = {};
  c.duration_s = 0;
  EXPECT_NE(check_boot_config(c), "");
  c = {};
  c.keep = 0;
  EXPECT_NE(check_boot_config(c), "");
}

TEST(BootCapture, BootIdIs32HexDigits) {
  auto id = current_boot_id();
  ASSERT_TRUE(id) << id.error().str();
  EXPECT_EQ(id->size(), 32u);
  EXPECT_EQ(boot_trace_path("/d", "ab").string(), "/d/boot-ab.trace");
}

class BootTraceDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/reprobe-boot-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void add(const std::string& name, int age_s) {
    std::ofstream(dir_ / name) << name;
    fs::last_write_time(dir_ / name, fs::file_time_type::clock::now() - std::chrono::seconds(age_s));
  }
  fs::path dir_;
};

TEST_F(BootTraceDir, ListsOldestFirstAndIgnoresOtherFiles) {
  add("boot-b.trace", 10);
  add("boot-a.trace", 30);
  add("boot-c.trace", 20);
  add("notes.txt", 40);
  add("boot-x.trace.tmp", 50);
  const auto t = list_boot_traces(dir_.string());
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].path.filename(), "boot-a.trace");
  EXPECT_EQ(t[1].path.filename(), "boot-c.trace");
  EXPECT_EQ(t[2].path.filename(), "boot-b.trace");
  EXPECT_EQ(t[0].size, 12u);
}

TEST_F(BootTraceDir, RotationLeavesRoomForTheNextBoot) {
  add("boot-1.trace", 40);
  add("boot-2.trace", 30);
  add("boot-3.trace", 20);
  add("boot-4.trace", 10);
  const auto removed = rotate_boot_traces(dir_.string(), 3);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].filename(), "boot-1.trace");
  EXPECT_EQ(removed[1].filename(), "boot-2.trace");
  EXPECT_EQ(list_boot_traces(dir_.string()).size(), 2u);
  EXPECT_TRUE(rotate_boot_traces("/nonexistent-reprobe-dir", 1).empty());
}

TEST(SystemdNotify, SendsTheStateToNotifySocket) {
  const std::string path = "/tmp/reprobe-notify-test." + std::to_string(getpid());
  const int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  unlink(path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notify_systemd("READY=1"));
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(notify_systemd("READY=1\nSTATUS=recording"));
  char buf[64] = {};
  const ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "READY=1\nSTATUS=recording");
  unsetenv("NOTIFY_SOCKET");
  close(fd);
  unlink(path.c_str());
}

}  // namespace
}  // namespace reprobe
