// `record --replug` in-use detection (tracer/record/module_usage.h) and `--rebind` target
// resolution (tracer/record/workload.h) on fake sysfs / procfs trees.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tracer/record/module_usage.h"
#include "tracer/record/workload.h"

namespace reprobe {
namespace {
namespace fs = std::filesystem;

class FakeTree : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/reprobe-modusage-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  void module(const std::string& name, int refcnt, const std::vector<std::string>& holders = {}) {
    const fs::path d = root_ / "sys/module" / name;
    fs::create_directories(d / "holders");
    std::ofstream(d / "refcnt") << refcnt << "\n";
    for (const auto& h : holders) fs::create_directory_symlink("../../" + h, d / "holders" / h);
  }
  void process(int pid, const std::string& comm, const std::string& fd_target) {
    const fs::path d = root_ / "proc" / std::to_string(pid);
    fs::create_directories(d / "fd");
    std::ofstream(d / "comm") << comm << "\n";
    fs::create_symlink(fd_target, d / "fd" / "3");
  }
  std::string sys() const { return (root_ / "sys").string(); }
  std::string proc() const { return (root_ / "proc").string(); }
  fs::path root_;
};

TEST_F(FakeTree, UnusedModuleIsNoBlocker) {
  module("snd_hda_intel", 0);
  fs::create_directories(root_ / "proc");
  EXPECT_EQ(replug_blocker({"snd-hda-intel"}, sys(), proc()), "");
  EXPECT_FALSE(module_use("not_loaded", sys()).loaded);
  EXPECT_EQ(replug_blocker({"not_loaded"}, sys(), proc()), "");
}

TEST_F(FakeTree, OpenCardNamesTheProcessAndSuggestsRebind) {
  module("snd_hda_intel", 2);
  process(812, "pipewire", "/dev/snd/controlC0");
  process(900, "bash", "/dev/null");
  const std::string msg = replug_blocker({"snd_hda_intel"}, sys(), proc());
  EXPECT_EQ(msg,
            "--replug cannot unload: snd_hda_intel is in use (reference count 2); sound devices are open in pipewire "
            "(pid 812, /dev/snd/controlC0); use --rebind DEVICE instead (unbinds and binds the device through its "
            "driver, modules stay loaded; e.g. --rebind 0000:00:1f.3 for the PCI audio function)");
}

TEST_F(FakeTree, HoldersNamedInTheReplugListDoNotBlock) {
  module("snd_soc_core", 1, {"snd_soc_dmic"});
  module("snd_soc_dmic", 0);
  fs::create_directories(root_ / "proc");
  EXPECT_EQ(replug_blocker({"snd_soc_core", "snd_soc_dmic"}, sys(), proc()), "");
  const std::string msg = replug_blocker({"snd_soc_core"}, sys(), proc());
  EXPECT_NE(msg.find("snd_soc_core is in use (reference count 1, needed by snd_soc_dmic)"), std::string::npos) << msg;
}

TEST_F(FakeTree, RebindTargetNeedsABoundDriver) {
  const fs::path drv = root_ / "sys/bus/pci/drivers/snd_hda_intel";
  fs::create_directories(drv);
  std::ofstream(drv / "bind");
  std::ofstream(drv / "unbind");
  const fs::path dev = root_ / "sys/devices/pci0000:00/0000:00:01.0";
  fs::create_directories(dev);
  fs::create_directories(root_ / "sys/bus/pci/devices");
  fs::create_directory_symlink(dev, root_ / "sys/bus/pci/devices/0000:00:01.0");
  auto unbound = resolve_rebind_target("0000:00:01.0", sys());
  ASSERT_FALSE(unbound);
  EXPECT_EQ(unbound.error().str(), "--rebind 0000:00:01.0: no driver is bound to it now, nothing to re-probe");
  fs::create_directory_symlink(drv, dev / "driver");
  auto t = resolve_rebind_target("0000:00:01.0", sys());
  ASSERT_TRUE(t) << t.error().str();
  EXPECT_EQ(t->device, "0000:00:01.0");
  EXPECT_EQ(t->driver_dir, fs::canonical(drv).string());
  EXPECT_FALSE(resolve_rebind_target("nope", sys()));
  // rebind_devices writes the name to unbind, then bind (regular files here)
  ASSERT_TRUE(rebind_devices({*t}, nullptr));
  std::ifstream u(drv / "unbind"), b(drv / "bind");
  std::string us, bs;
  std::getline(u, us);
  std::getline(b, bs);
  EXPECT_EQ(us, "0000:00:01.0");
  EXPECT_EQ(bs, "0000:00:01.0");
}

}  // namespace
}  // namespace reprobe
