// Unit tests for the machine snapshot (tracer/snapshot/snapshot.cpp) and the sysfs
// device/driver inventory (tracer/snapshot/sysfs_devices.cpp), on the fixture tree
// tests/data/snapshot (sysfs, proc and debugfs of a small SOF/HDA laptop; its
// symlinks are listed in links.txt and created in a temporary copy). libudev
// and alsa-lib cannot be pointed at a fixture: on the real machine the test
// only checks that they degrade into "errors" instead of failing (the real
// check runs in the VM harness).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "replayer/trace/redact.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"
#include "tracer/snapshot/snapshot.h"
#include "tracer/snapshot/sysfs_devices.h"

namespace reprobe {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const fs::path kFixture = fs::path(REPROBE_SOURCE_ROOT) / "tests/data/snapshot";

bool has_error_containing(const ojson& snap, const std::string& needle) {
  for (const auto& e : snap["errors"])
    if (e.get<std::string>().find(needle) != std::string::npos) return true;
  return false;
}

class FixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("reprobe-snapshot-" + std::to_string(getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    fs::copy(kFixture, root_, fs::copy_options::recursive);
    std::ifstream links(kFixture / "links.txt");
    ASSERT_TRUE(links) << "missing links.txt";
    std::string line;
    int n = 0;
    while (std::getline(links, line)) {
      if (line.empty() || line[0] == '#') continue;
      const auto arrow = line.find(" -> ");
      ASSERT_NE(arrow, std::string::npos) << line;
      const fs::path link = root_ / line.substr(0, arrow);
      fs::create_directories(link.parent_path());
      fs::create_directory_symlink(line.substr(arrow + 4), link);
      ++n;
    }
    ASSERT_GT(n, 10);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_ / "debug", fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }

  SnapshotOptions options(bool redact = false) const {
    SnapshotOptions o;
    o.sysfs_root = root_ / "sys";
    o.proc_root = root_ / "proc";
    o.debugfs_root = root_ / "debug";
    o.redact = redact;
    o.use_libudev = false;
    o.use_alsa_lib = false;
    return o;
  }

  fs::path root_;
};

// ---------------------------------------------------------------- sysfs inventory

TEST_F(FixtureTest, ScanSysfsListsEveryBusDeviceSortedWithParentAndDriver) {
  auto inv = scan_sysfs(root_ / "sys");
  ASSERT_TRUE(inv) << inv.error().str();
  EXPECT_THAT(inv->errors, IsEmpty());
  std::vector<std::string> got;
  for (const auto& d : inv->devices)
    got.push_back(d.bus + " " + d.dev + " parent=" + d.parent.value_or("-") + " driver=" + d.driver.value_or("-"));
  EXPECT_THAT(got, ElementsAre("acpi INT34C5:00 parent=LNXSYSTM:00 driver=-", "acpi LNXSYSTM:00 parent=- driver=-",
                               "hdaudio hdaudioC0D0 parent=0000:00:1f.3 driver=snd_hda_codec_realtek",
                               "pci 0000:00:02.0 parent=pci0000:00 driver=i915",
                               "pci 0000:00:1f.3 parent=pci0000:00 driver=snd_hda_intel",
                               "platform INT34C5:00 parent=platform driver=-",
                               "platform skl_hda_dsp_generic parent=platform driver=-"));
  std::vector<std::string> drv;
  for (const auto& d : inv->drivers) drv.push_back(d.bus + " " + d.drv);
  EXPECT_THAT(drv, ElementsAre("acpi button", "hdaudio snd_hda_codec_realtek", "pci i915", "pci snd_hda_intel",
                               "pci snd_sof_pci_intel_tgl", "platform skl_hda_dsp_generic"));
}

TEST_F(FixtureTest, HeaderArraysUseTraceFormatKeyOrderAndOneEntryPerName) {
  auto inv = scan_sysfs(root_ / "sys");
  ASSERT_TRUE(inv);
  std::vector<DeviceNameCollision> collisions;
  const ojson devices = header_devices_json(inv->devices, &collisions);
  EXPECT_EQ(devices.dump(),
            R"([{"dev":"LNXSYSTM:00","bus":"acpi"},)"
            R"({"dev":"hdaudioC0D0","bus":"hdaudio","parent":"0000:00:1f.3","driver":"snd_hda_codec_realtek"},)"
            R"({"dev":"0000:00:02.0","bus":"pci","parent":"pci0000:00","driver":"i915"},)"
            R"({"dev":"0000:00:1f.3","bus":"pci","parent":"pci0000:00","driver":"snd_hda_intel"},)"
            R"({"dev":"INT34C5:00","bus":"platform","parent":"platform"},)"
            R"({"dev":"skl_hda_dsp_generic","bus":"platform","parent":"platform"}])");
  ASSERT_EQ(collisions.size(), 1u);
  EXPECT_EQ(collisions[0].dev, "INT34C5:00");
  EXPECT_EQ(collisions[0].kept_bus, "platform");
  EXPECT_THAT(collisions[0].dropped_buses, ElementsAre("acpi"));
  EXPECT_EQ(header_drivers_json(inv->drivers).dump(),
            R"([{"drv":"button","bus":"acpi"},{"drv":"snd_hda_codec_realtek","bus":"hdaudio"},)"
            R"({"drv":"i915","bus":"pci"},{"drv":"snd_hda_intel","bus":"pci"},)"
            R"({"drv":"snd_sof_pci_intel_tgl","bus":"pci"},{"drv":"skl_hda_dsp_generic","bus":"platform"}])");
}

TEST(HeaderDevices, AcpiOnlyNameIsKept) {
  const std::vector<SysfsDevice> devs = {{"A:00", "acpi", std::nullopt, std::nullopt},
                                         {"A:00", "acpi2", std::nullopt, std::string("x")},
                                         {"B:00", "acpi", std::nullopt, std::nullopt}};
  std::vector<DeviceNameCollision> c;
  EXPECT_EQ(header_devices_json(devs, &c).dump(),
            R"([{"dev":"A:00","bus":"acpi2","driver":"x"},{"dev":"B:00","bus":"acpi"}])");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_THAT(c[0].dropped_buses, ElementsAre("acpi"));
}

TEST_F(FixtureTest, HeaderWithSnapshotIsReadByTheTraceReader) {
  auto inv = scan_sysfs(root_ / "sys");
  ASSERT_TRUE(inv);
  const ojson snap = take_snapshot(options(true));
  ojson h = ojson::object();
  h["format"] = "reprobe-trace";
  h["version"] = 1;
  h["source"] = "bpf";
  h["kernel"] = header_kernel_json(snap);
  h["clock"] = "boottime_ns";
  h["hooks"] = ojson::object();
  h["snapshot"] = snap;
  h["devices"] = header_devices_json(inv->devices);
  h["drivers"] = header_drivers_json(inv->drivers);
  const std::string text = canonical_header_line(h).value() + "\n";
  auto tr = read_trace_text(text, "fixture");
  ASSERT_TRUE(tr) << tr.error().str();
  EXPECT_EQ(tr->kernel_release, "6.1.0-27-amd64");
  EXPECT_EQ(tr->devices.size(), 6u);
  EXPECT_EQ(tr->initial_drivers.size(), 6u);
  EXPECT_EQ(h["kernel"]["cmdline"].get<std::string>().find("deferred_probe_timeout=1") != std::string::npos, true);
}

TEST(ScanSysfs, MissingRootIsAnError) {
  auto inv = scan_sysfs("/nonexistent/reprobe-sys");
  ASSERT_FALSE(inv);
  EXPECT_THAT(inv.error().str(), HasSubstr("/nonexistent/reprobe-sys/bus: cannot list"));
}

TEST(ScanSysfs, RealSysfsGivesAReadableHeader) {
  auto inv = scan_sysfs("/sys");
  if (!inv) GTEST_SKIP() << inv.error().str();
  ojson h = ojson::parse(R"({"format":"reprobe-trace","version":1,"source":"bpf","kernel":{"release":"x"},)"
                         R"("clock":"boottime_ns","hooks":{}})");
  h["devices"] = header_devices_json(inv->devices);
  h["drivers"] = header_drivers_json(inv->drivers);
  auto tr = read_trace_text(canonical_header_line(h).value() + "\n", "real-sysfs");
  ASSERT_TRUE(tr) << tr.error().str();  // duplicate names across buses (acpi/platform) are folded
  EXPECT_TRUE(std::is_sorted(inv->devices.begin(), inv->devices.end(), [](const auto& a, const auto& b) {
    return std::tie(a.bus, a.dev) < std::tie(b.bus, b.dev);
  }));
}

// ---------------------------------------------------------------- snapshot on the fixture

TEST_F(FixtureTest, SnapshotFields) {
  const ojson s = take_snapshot(options());
  std::vector<std::string> keys;
  for (const auto& [k, v] : s.items()) keys.push_back(k);
  EXPECT_THAT(keys, ElementsAre("t", "kernel", "cmdline", "dmi", "lockdown", "btf", "modules", "config_modules", "udev",
                                "alsa", "devices_deferred", "errors", "redacted"));
  EXPECT_EQ(s["config_modules"], true);
  EXPECT_TRUE(s["t"].is_number_unsigned());
  EXPECT_EQ(s["kernel"]["release"], "6.1.0-27-amd64");
  EXPECT_EQ(s["kernel"]["version"], "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)");
  EXPECT_TRUE(s["kernel"].contains("machine"));

  EXPECT_THAT(s["cmdline"]["raw"].get<std::string>(), HasSubstr("root=UUID=0f3c1a2b-1111"));
  EXPECT_EQ(s["cmdline"]["options"].dump(),
            R"({"deferred_probe_timeout":"1","snd_intel_dspcfg.dsp_driver":"3",)"
            R"("dyndbg":"file drivers/base/dd.c +p","snd_soc_core.dyndbg":"+p","initcall_debug":true,)"
            R"("fw_devlink":"permissive","driver_async_probe":"*"})");

  EXPECT_EQ(s["dmi"].dump(), R"({"sys_vendor":"Dell Inc.","product_name":"XPS 13 9315","product_family":"XPS",)"
                             R"("board_vendor":"Dell Inc.","board_name":"0N3P4F","bios_vendor":"Dell Inc.",)"
                             R"("bios_version":"1.20.0","bios_date":"03/12/2024","chassis_type":"10"})");
  EXPECT_EQ(s["lockdown"], "none");
  EXPECT_EQ(s["btf"].dump(),
            R"({"vmlinux":true,"sound_modules":["snd_hda_intel","snd_soc_core","snd_sof","snd_sof_pci_intel_tgl"]})");
  EXPECT_EQ(s["modules"].dump(),
            R"(["snd","snd_hda_codec_realtek","snd_hda_intel","snd_sof_pci_intel_tgl","soundcore","soundwire_intel"])");

  EXPECT_EQ(s["udev"]["source"], "sysfs");
  EXPECT_EQ(s["udev"]["pci_audio"].dump(),
            R"([{"slot":"0000:00:1f.3","class":"0x040380","vendor":"0x8086","device":"0x51c8",)"
            R"("subsystem_vendor":"0x1028","subsystem_device":"0x0b1a","revision":"0x01","driver":"snd_hda_intel",)"
            R"("modalias":"pci:v00008086d000051C8sv00001028sd00000B1Abc04sc03i80"}])");
  EXPECT_EQ(s["udev"]["sound"].dump(),
            R"([{"name":"card0","parent":"0000:00:1f.3","parent_subsystem":"pci","parent_driver":"snd_hda_intel"},)"
            R"({"name":"controlC0","parent":"card0","parent_subsystem":"sound"},)"
            R"({"name":"pcmC0D0p","parent":"card0","parent_subsystem":"sound"}])");

  EXPECT_EQ(s["alsa"].dump(),
            R"({"source":"procfs","cards":[{"index":0,"id":"PCH","driver":"HDA-Intel","name":"HDA Intel PCH",)"
            R"("longname":"HDA Intel PCH at 0x6001190000 irq 148","pcms":[)"
            R"({"device":0,"id":"ALC3246 Analog","name":"ALC3246 Analog","streams":["playback","capture"]},)"
            R"({"device":3,"id":"HDMI 0","name":"HDMI 0","streams":["playback"]}]}]})");

  EXPECT_EQ(s["devices_deferred"].dump(),
            R"({"readable":true,"devices":[{"dev":"skl_hda_dsp_generic",)"
            R"("reason":"skl_hda_dsp_generic: snd_soc_register_card failed"},{"dev":"INT34C5:00","reason":""}]})");
  EXPECT_THAT(s["errors"], IsEmpty());
  EXPECT_EQ(s["redacted"], false);
}

TEST_F(FixtureTest, SerialsAndUuidFromDmiAreNeverCollected) {
  for (const bool redact : {false, true}) {
    const ojson s = take_snapshot(options(redact));
    EXPECT_THAT(s.dump(), ::testing::Not(HasSubstr("7TQ2KQ3"))) << redact;
    EXPECT_THAT(s.dump(), ::testing::Not(HasSubstr("4c4c4544"))) << redact;
    for (const auto& [k, v] : s["dmi"].items()) {
      EXPECT_THAT(k, ::testing::Not(HasSubstr("serial")));
      EXPECT_THAT(k, ::testing::Not(HasSubstr("uuid")));
    }
  }
}

TEST_F(FixtureTest, RedactedSnapshotHidesHostAndRootUuid) {
  const ojson s = take_snapshot(options(true));
  EXPECT_EQ(s["redacted"], true);
  const std::string raw = s["cmdline"]["raw"];
  EXPECT_THAT(raw, HasSubstr("root=UUID=<serial-1> "));
  EXPECT_THAT(raw, HasSubstr("systemd.hostname=<host-1> "));
  EXPECT_THAT(raw, HasSubstr("deferred_probe_timeout=1 snd-intel-dspcfg.dsp_driver=3"));
  EXPECT_THAT(s.dump(), ::testing::Not(HasSubstr("alice-xps")));
  // everything else is untouched
  const ojson plain = take_snapshot(options(false));
  for (const char* k : {"kernel", "dmi", "btf", "modules", "udev", "alsa", "devices_deferred"})
    EXPECT_EQ(s[k], plain[k]) << k;
}

TEST_F(FixtureTest, SharedRedactorNumbersConsistently) {
  Redactor r(RedactOptions{});
  SnapshotOptions o = options(true);
  o.redactor = &r;
  (void)r.scrub_string("root=UUID=aaaa");  // an earlier value takes <serial-1>
  const ojson s = take_snapshot(o);
  EXPECT_THAT(s["cmdline"]["raw"].get<std::string>(), HasSubstr("root=UUID=<serial-2> "));
  // the shared redactor knows no host name: the snapshot did not add one
  EXPECT_THAT(s["cmdline"]["raw"].get<std::string>(), HasSubstr("systemd.hostname=alice-xps"));
  const ojson again = take_snapshot(o);
  EXPECT_EQ(again["cmdline"]["raw"], s["cmdline"]["raw"]);
}

TEST_F(FixtureTest, DisabledSharedRedactorMeansNotRedacted) {
  Redactor r = Redactor::disabled();
  SnapshotOptions o = options(true);
  o.redactor = &r;
  const ojson s = take_snapshot(o);
  EXPECT_EQ(s["redacted"], false);
  EXPECT_THAT(s["cmdline"]["raw"].get<std::string>(), HasSubstr("systemd.hostname=alice-xps"));
}

TEST_F(FixtureTest, LibudevAndAlsaLibAreNotUsedOnAFixtureRoot) {
  SnapshotOptions o = options();
  o.use_libudev = true;
  o.use_alsa_lib = true;
  const ojson s = take_snapshot(o);
  EXPECT_EQ(s["udev"]["source"], "sysfs");
  EXPECT_EQ(s["alsa"]["source"], "procfs");
  EXPECT_EQ(s["udev"]["pci_audio"].size(), 1u);
  EXPECT_EQ(s["alsa"]["cards"].size(), 1u);
}

TEST_F(FixtureTest, DevicesDeferredWhenDebugfsIsNotMounted) {
  fs::remove(root_ / "debug/devices_deferred");
  const ojson s = take_snapshot(options());
  EXPECT_EQ(s["devices_deferred"]["readable"], false);
  EXPECT_THAT(s["devices_deferred"]["why"].get<std::string>(), HasSubstr("debugfs is not mounted at"));
  EXPECT_TRUE(has_error_containing(s, "devices_deferred: debugfs is not mounted at"));
}

TEST_F(FixtureTest, DevicesDeferredMissingAlthoughMounted) {
  fs::remove(root_ / "debug/devices_deferred");
  std::ofstream(root_ / "proc/mounts", std::ios::app)
      << "debugfs " << (root_ / "debug").string() << " debugfs rw,relatime 0 0\n";
  auto r = read_devices_deferred(root_ / "debug", root_ / "proc");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("although debugfs is mounted"));
}

TEST_F(FixtureTest, DevicesDeferredWithoutMountTable) {
  fs::remove(root_ / "debug/devices_deferred");
  fs::remove(root_ / "proc/mounts");
  auto r = read_devices_deferred(root_ / "debug", root_ / "proc");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("is debugfs mounted?"));
}

TEST_F(FixtureTest, DevicesDeferredNotRoot) {
  fs::permissions(root_ / "debug", fs::perms::none);
  // as root, drop the effective uid for the read (root ignores mode 000)
  const bool was_root = geteuid() == 0;
  const int dropped = was_root ? seteuid(65534) : 0;
  auto r = read_devices_deferred(root_ / "debug", root_ / "proc");
  const int restored = was_root ? seteuid(0) : 0;
  ASSERT_EQ(dropped, 0);
  ASSERT_EQ(restored, 0);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("permission denied: reading debugfs needs root"));
}

TEST_F(FixtureTest, MissingSourcesBecomeErrorsNotExceptions) {
  for (const char* p : {"sys/class/dmi", "sys/kernel/security", "sys/kernel/btf", "sys/class/sound", "proc/asound",
                        "proc/modules", "proc/cmdline", "sys/bus/pci"})
    fs::remove_all(root_ / p);
  ojson s;
  ASSERT_NO_THROW(s = take_snapshot(options()));
  EXPECT_FALSE(s.contains("lockdown"));
  EXPECT_EQ(s["btf"].dump(), R"({"vmlinux":false,"sound_modules":[]})");
  EXPECT_EQ(s["config_modules"], false) << "no /proc/modules: a kernel without CONFIG_MODULES";
  EXPECT_EQ(s["alsa"]["cards"].size(), 0u);
  EXPECT_EQ(s["udev"]["pci_audio"].size(), 0u);
  EXPECT_EQ(s["udev"]["sound"].size(), 0u);
  EXPECT_EQ(s["dmi"].size(), 0u);
  EXPECT_TRUE(s["cmdline"].empty());
  EXPECT_TRUE(has_error_containing(s, "class/dmi/id: missing (no DMI)"));
  EXPECT_TRUE(has_error_containing(s, "kernel/security/lockdown: missing (securityfs not mounted"));
  EXPECT_TRUE(has_error_containing(s, "kernel/btf: missing: kernel without CONFIG_DEBUG_INFO_BTF"));
  EXPECT_TRUE(has_error_containing(s, "class/sound: missing (sound core not loaded?)"));
  EXPECT_TRUE(has_error_containing(s, "asound/cards: missing (ALSA core 'snd' not loaded)"));
  EXPECT_TRUE(has_error_containing(s, "proc/cmdline: No such file or directory"));
  EXPECT_TRUE(has_error_containing(s, "proc/modules: missing (kernel without module support?)"));
  EXPECT_TRUE(has_error_containing(s, "bus/pci/devices: cannot list"));
  EXPECT_EQ(s["errors"].size(), 8u) << s["errors"].dump(1);
}

TEST(Snapshot, NonexistentRootsDegrade) {
  SnapshotOptions o;
  o.sysfs_root = "/nonexistent/reprobe/sys";
  o.proc_root = "/nonexistent/reprobe/proc";
  o.debugfs_root = "/nonexistent/reprobe/debug";
  ojson s;
  ASSERT_NO_THROW(s = take_snapshot(o));
  EXPECT_TRUE(s["kernel"].contains("release"));  // falls back to uname()
  EXPECT_GE(s["errors"].size(), 8u);
  for (const auto& e : s["errors"]) EXPECT_THAT(e.get<std::string>(), HasSubstr("/nonexistent/reprobe/"));
}

// ---------------------------------------------------------------- the real machine

TEST(Snapshot, RealMachineDegradesGracefully) {
  // libudev + alsa-lib on whatever this machine has (often: no sound at all,
  // debugfs not mounted, no DMI in a container). Must not throw; everything
  // missing is explained in "errors".
  ojson s;
  ASSERT_NO_THROW(s = take_snapshot());
  EXPECT_TRUE(s["kernel"]["release"].is_string());
  EXPECT_EQ(s["udev"]["source"], "libudev");
  EXPECT_TRUE(s["udev"]["pci_audio"].is_array());
  EXPECT_TRUE(s["udev"]["sound"].is_array());
  EXPECT_TRUE(s["alsa"]["cards"].is_array());
  EXPECT_TRUE(s["alsa"]["source"] == "alsa-lib" || s["alsa"]["source"] == "procfs");
  EXPECT_TRUE(s["devices_deferred"]["readable"].is_boolean());
  if (!s["devices_deferred"]["readable"].get<bool>()) {
    EXPECT_TRUE(has_error_containing(s, "devices_deferred"));
  }
  if (s["alsa"]["cards"].empty() && !fs::exists("/proc/asound")) {
    EXPECT_TRUE(has_error_containing(s, "asound/cards: missing"));
  }
  if (s["udev"]["sound"].empty() && !fs::exists("/sys/class/sound")) {
    EXPECT_TRUE(has_error_containing(s, "/sys/class/sound: missing (sound core not loaded?)"));
  }
  EXPECT_TRUE(s["errors"].is_array());
  EXPECT_EQ(s["redacted"], true);
  // libudev and the sysfs reader agree on the real machine
  auto udev_pci = pci_audio_devices_udev();
  auto sysfs_pci = pci_audio_devices_sysfs("/sys");
  if (udev_pci && sysfs_pci) {
    ASSERT_EQ(udev_pci->size(), sysfs_pci->size());
    for (std::size_t i = 0; i < udev_pci->size(); ++i) EXPECT_EQ(to_json((*udev_pci)[i]), to_json((*sysfs_pci)[i]));
  }
  auto udev_snd = sound_devices_udev();
  auto sysfs_snd = sound_devices_sysfs("/sys");
  if (udev_snd && sysfs_snd) {
    ASSERT_EQ(udev_snd->size(), sysfs_snd->size());
    for (std::size_t i = 0; i < udev_snd->size(); ++i) EXPECT_EQ(to_json((*udev_snd)[i]), to_json((*sysfs_snd)[i]));
  }
}

// ---------------------------------------------------------------- parsers

TEST(Cmdline, SplitLikeTheKernel) {
  EXPECT_THAT(split_cmdline("  a=1  b=\"x y\" \"c=d e\" f\n"), ElementsAre("a=1", "b=x y", "c=d e", "f"));
  EXPECT_THAT(split_cmdline(""), IsEmpty());
}

TEST(Cmdline, RelevantOptions) {
  const ojson o = relevant_cmdline_options(
      "quiet deferred_probe_timeout=30 snd-hda-intel.dmic_detect=0 snd_sof.sof_debug=1 i915.dyndbg=+p "
      "module_blacklist=snd_sof_pci_intel_tgl modprobe.blacklist=snd_hda_intel fw_devlink.strict=1 "
      "snd_hda_intel.async_probe foo.async_probe=1 deferred_probe_timeout=5 initcall_debug=0 "
      "i915.modeset=0 root=/dev/sda1 -- deferred_probe_timeout=99");
  EXPECT_EQ(o.dump(),
            R"({"deferred_probe_timeout":"5","snd_hda_intel.dmic_detect":"0","snd_sof.sof_debug":"1",)"
            R"("i915.dyndbg":"+p","module_blacklist":"snd_sof_pci_intel_tgl","modprobe.blacklist":"snd_hda_intel",)"
            R"("fw_devlink.strict":"1","snd_hda_intel.async_probe":true,"foo.async_probe":"1","initcall_debug":"0"})");
}

TEST(DevicesDeferred, Parse) {
  const auto d = parse_devices_deferred("a\tb: reason one\nc\t\n\nold-kernel-name\n d \t x \n");
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].dev, "a");
  EXPECT_EQ(d[0].reason, "b: reason one");
  EXPECT_EQ(d[1].dev, "c");
  EXPECT_EQ(d[1].reason, "");
  EXPECT_EQ(d[2].dev, "old-kernel-name");
  EXPECT_EQ(d[3].dev, "d");
  EXPECT_EQ(d[3].reason, "x");
  EXPECT_THAT(parse_devices_deferred(""), IsEmpty());
}

TEST(Lockdown, Parse) {
  EXPECT_EQ(parse_lockdown("[none] integrity confidentiality\n"), "none");
  EXPECT_EQ(parse_lockdown("none integrity [confidentiality]"), "confidentiality");
  EXPECT_EQ(parse_lockdown("garbage"), "");
}

TEST(ProcAsound, ParseSeveralCardsAndNoCards) {
  const auto cards = parse_proc_asound(
      " 0 [sofhdadsp      ]: sof-hda-dsp - sof-hda-dsp\n"
      "                      Dell-XPS139315-0B1A\n"
      " 1 [Device         ]: USB-Audio - USB Audio Device\n"
      "                      C-Media Electronics Inc. USB Audio Device at usb-0000:00:14.0-2, full speed\n",
      "00-00: HDA Analog (*) :  : playback 1 : capture 1\n"
      "00-31: HDMI3 (*) :  : playback 1\n"
      "01-00: USB Audio : USB Audio : playback 1 : capture 1\n");
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_EQ(to_json(cards[0]).dump(),
            R"j({"index":0,"id":"sofhdadsp","driver":"sof-hda-dsp","name":"sof-hda-dsp",)j"
            R"j("longname":"Dell-XPS139315-0B1A","pcms":[{"device":0,"id":"HDA Analog (*)","name":"",)j"
            R"j("streams":["playback","capture"]},{"device":31,"id":"HDMI3 (*)","name":"","streams":["playback"]}]})j");
  EXPECT_EQ(cards[1].index, 1);
  EXPECT_EQ(cards[1].id, "Device");
  EXPECT_EQ(cards[1].longname, "C-Media Electronics Inc. USB Audio Device at usb-0000:00:14.0-2, full speed");
  ASSERT_EQ(cards[1].pcms.size(), 1u);
  EXPECT_THAT(parse_proc_asound("--- no soundcards ---\n", ""), IsEmpty());
}

}  // namespace
}  // namespace reprobe
