// Unit tests for the privacy redactor (replayer/trace/redact.cpp): every category,
// whole-token rules, placeholder numbering, JSON recursion, determinism and
// the absence of false positives on typical kernel / ALSA strings.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "replayer/trace/redact.h"

namespace reprobe {
namespace {

using ojson = nlohmann::ordered_json;

RedactOptions opts(std::vector<std::string> hosts = {}, std::vector<std::string> users = {}) {
  RedactOptions o;
  o.host_names = std::move(hosts);
  o.user_names = std::move(users);
  return o;
}

// ---------------------------------------------------------------- MAC

TEST(RedactMac, ColonAndDashFormsAreReplaced) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("wlan0: authenticate with 3c:a9:f4:12:34:56"), "wlan0: authenticate with <mac-1>");
  EXPECT_EQ(r.scrub_string("HWaddr 3C-A9-F4-12-34-57."), "HWaddr <mac-2>.");
  EXPECT_EQ(r.distinct(Redactor::Kind::mac), 2u);
}

TEST(RedactMac, SameAddressInAnyCaseOrSeparatorGetsSamePlaceholder) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("a 00:1b:21:ab:cd:ef b 00-1B-21-AB-CD-EF c 00:1B:21:AB:CD:EF"),
            "a <mac-1> b <mac-1> c <mac-1>");
  EXPECT_EQ(r.distinct(Redactor::Kind::mac), 1u);
  EXPECT_EQ(r.replacements(), 3u);
}

TEST(RedactMac, AtStringEdgesAndInPunctuation) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("00:1b:21:ab:cd:ef"), "<mac-1>");
  EXPECT_EQ(r.scrub_string("(00:1b:21:ab:cd:ef)"), "(<mac-1>)");
  EXPECT_EQ(r.scrub_string("\"addr\":\"00:1b:21:ab:cd:ef\""), "\"addr\":\"<mac-1>\"");
}

TEST(RedactMac, NullAndBroadcastAreKept) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("00:00:00:00:00:00 ff:ff:ff:ff:ff:ff"), "00:00:00:00:00:00 ff:ff:ff:ff:ff:ff");
}

TEST(RedactMac, LongerHexRunsAndMixedSeparatorsAreNotMacs) {
  Redactor r(opts());
  for (const std::string s : {
           "00:1b:21:ab:cd:ef:01",                       // 7 groups (EUI-64 fragment)
           "01:00:1b:21:ab:cd:ef",                       // MAC-shaped tail of a longer run
           "00:1b:21-ab:cd:ef",                          // mixed separators
           "x00:1b:21:ab:cd:ef",                         // glued to a word
           "00:1b:21:ab:cd:efg",                         //
           "0000:00:1f.3",                               // PCI address
           "00:1b:21:ab:cd",                             // 5 groups
           "uuid 8c5d7a8b-2c1e-4e1c-9b3f-0123456789ab",  // GUID groups are longer
       }) {
    EXPECT_EQ(r.scrub_string(s), s) << s;
  }
  EXPECT_EQ(r.replacements(), 0u);
}

TEST(RedactMac, MacTailOfIpv6IsNotAMac) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("fe80::1b:21:ab:cd:ef:01"), "fe80::1b:21:ab:cd:ef:01");
}

TEST(RedactMac, CanBeDisabled) {
  RedactOptions o = opts();
  o.macs = false;
  Redactor r(o);
  EXPECT_EQ(r.scrub_string("3c:a9:f4:12:34:56"), "3c:a9:f4:12:34:56");
}

// ---------------------------------------------------------------- serials

TEST(RedactSerial, KeyValueTokens) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("ID_SERIAL=Logitech_USB_Receiver_12AB ID_SERIAL_SHORT=12AB"),
            "ID_SERIAL=<serial-1> ID_SERIAL_SHORT=<serial-2>");
  EXPECT_EQ(r.scrub_string("serial=XYZ123,other=1"), "serial=<serial-3>,other=1");
  EXPECT_EQ(r.scrub_string("product_serial=\"7TQ2KQ3\""), "product_serial=\"<serial-4>\"");
}

TEST(RedactSerial, UuidTokensOnTheCommandLine) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("root=UUID=0f3c1a2b-1111-2222-3333-444455556666 ro resume=PARTUUID=abcd-01 quiet"),
            "root=UUID=<serial-1> ro resume=PARTUUID=<serial-2> quiet");
}

TEST(RedactSerial, UsbCoreAndDmidecodeLines) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("usb 1-4: SerialNumber: 0001 ABC  "), "usb 1-4: SerialNumber: <serial-1>  ");
  EXPECT_EQ(r.scrub_string("\tSerial Number: 7TQ2KQ3\n\tUUID: x"), "\tSerial Number: <serial-2>\n\tUUID: x");
}

TEST(RedactSerial, EqualValuesShareAPlaceholder) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("serial=A1 board_serial=B2 chassis_serial=A1"),
            "serial=<serial-1> board_serial=<serial-2> chassis_serial=<serial-1>");
}

TEST(RedactSerial, KernelStringsMentioningSerialAreKept) {
  Redactor r(opts());
  for (const std::string s : {
           "Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled",
           "serial8250.nr_uarts=4",
           "00:04: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A",
           "serial=",  // empty value
           "bus serial-base",
       }) {
    EXPECT_EQ(r.scrub_string(s), s) << s;
  }
}

TEST(RedactSerial, SerialKeyRule) {
  for (const char* k : {"serial", "Serial", "product_serial", "board_serial", "chassis_serial", "product_uuid",
                        "ID_SERIAL", "ID_SERIAL_SHORT", "SerialNumber", "serial_number", "uuid", "PARTUUID",
                        "ID_FS_UUID", "usb.serial", "wwid", "ID_WWN"})
    EXPECT_TRUE(Redactor::is_serial_key(k)) << k;
  for (const char* k : {"dev", "bus", "driver", "serial8250.nr_uarts", "product_name", "sys_vendor", "modalias",
                        "serialize", "id", "subsystem_device", ""})
    EXPECT_FALSE(Redactor::is_serial_key(k)) << k;
}

// ---------------------------------------------------------------- host names

TEST(RedactHost, WholeTokenOnly) {
  Redactor r(opts({"dell"}));
  // '.', '/', ' ', '@', ':' and string edges are boundaries ...
  EXPECT_EQ(r.scrub_string("dell"), "<host-1>");
  EXPECT_EQ(r.scrub_string("alice@dell:~$ ls"), "alice@<host-1>:~$ ls");
  EXPECT_EQ(r.scrub_string("dell.lan resolved"), "<host-1>.lan resolved");
  EXPECT_EQ(r.scrub_string("/var/log/dell/x"), "/var/log/<host-1>/x");
  // ... letters, digits, '_' and '-' are not: "dell" does not eat "dellx"
  EXPECT_EQ(r.scrub_string("dellx xdell dell2 dell_1 dell-xps Dell DELL"),
            "dellx xdell dell2 dell_1 dell-xps Dell DELL");
}

TEST(RedactHost, HostNameWithDashesAndDots) {
  Redactor r(opts({"alice-xps", "box.example.org"}));
  EXPECT_EQ(r.scrub_string("systemd.hostname=alice-xps"), "systemd.hostname=<host-1>");
  EXPECT_EQ(r.scrub_string("alice-xps-2 alice-xps"), "alice-xps-2 <host-1>");
  EXPECT_EQ(r.scrub_string("ssh box.example.org"), "ssh <host-2>");
}

TEST(RedactHost, PublicNamesAreNeverPrivate) {
  Redactor r(opts({"localhost", "(none)", "x"}, {"root", "nobody"}));
  EXPECT_EQ(r.scrub_string("localhost (none) x root nobody /home/root"), "localhost (none) x root nobody /home/root");
  EXPECT_EQ(r.replacements(), 0u);
}

// ---------------------------------------------------------------- user names

TEST(RedactUser, ConfiguredUserAsWholeToken) {
  Redactor r(opts({}, {"bob"}));
  EXPECT_EQ(r.scrub_string("bob bobby kabob bob's /tmp/bob-1 bob.txt"),
            "<user-1> bobby kabob <user-1>'s /tmp/bob-1 <user-1>.txt");
}

TEST(RedactUser, LearntFromHomePaths) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("firmware loaded from /home/carol/fw/sof-adl.ri by carol"),
            "firmware loaded from /home/<user-1>/fw/sof-adl.ri by <user-1>");
}

TEST(RedactUser, LearntFromUserTokens) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("pam_unix(sudo:session): session opened for user=dave(uid=0) by dave"),
            "pam_unix(sudo:session): session opened for user=<user-1>(uid=0) by <user-1>");
  EXPECT_EQ(r.scrub_string("SUDO_USER=erin LOGNAME=root"), "SUDO_USER=<user-2> LOGNAME=root");
}

TEST(RedactUser, HostWinsOverAShorterUserPrefix) {
  Redactor r(opts({"alice-pc"}, {"alice"}));
  EXPECT_EQ(r.scrub_string("alice@alice-pc"), "<user-1>@<host-1>");
}

TEST(RedactUser, PlaceholdersAreNotReRedacted) {
  // users literally called "user", "mac" or "serial" must not corrupt placeholders,
  // and scrubbing an already redacted string changes nothing
  Redactor r(opts({"host"}, {"user", "mac", "serial"}));
  const std::string once = r.scrub_string("user on host, ID_SERIAL=AB12 3c:a9:f4:12:34:56");
  EXPECT_EQ(once, "<user-1> on <host-1>, ID_SERIAL=<serial-1> <mac-1>");
  EXPECT_EQ(r.scrub_string(once), once);
}

TEST(RedactUser, PathComponentsAreTokens) {
  // Explicit: '/' and '.' are token boundaries, '-' and '_' are not. A user
  // really named "sof" is therefore hidden in "intel/sof/", not in "sof-adl".
  Redactor r(opts({}, {"sof"}));
  EXPECT_EQ(r.scrub_string("intel/sof/sof-adl.ri snd_sof sof.ko"), "intel/<user-1>/sof-adl.ri snd_sof <user-1>.ko");
}

TEST(RedactUser, ThisMachine) {
  const auto dir = std::filesystem::temp_directory_path() / ("redact-proc-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "sys/kernel");
  std::ofstream(dir / "sys/kernel/hostname") << "frank-laptop\n";
  ::setenv("SUDO_USER", "frank", 1);
  const RedactOptions o = redact_options_for_this_machine(dir);
  ::unsetenv("SUDO_USER");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(o.host_names, std::vector<std::string>{"frank-laptop"});
  ASSERT_FALSE(o.user_names.empty());
  EXPECT_EQ(o.user_names.front(), "frank");
  Redactor r(o);
  EXPECT_EQ(r.scrub_string("frank@frank-laptop"), "<user-1>@<host-1>");
}

// ---------------------------------------------------------------- IP addresses

TEST(RedactIp, OffByDefault) {
  Redactor r(opts());
  EXPECT_EQ(r.scrub_string("dhcp 192.168.1.20 fe80::1c2b:3cff:fe4d:5e6f"),
            "dhcp 192.168.1.20 fe80::1c2b:3cff:fe4d:5e6f");
}

TEST(RedactIp, Ipv4AndIpv6WhenEnabled) {
  RedactOptions o = opts();
  o.ip_addresses = true;
  Redactor r(o);
  EXPECT_EQ(r.scrub_string("dhcp 192.168.1.20, gw 192.168.1.1. again 192.168.1.20"),
            "dhcp <ipv4-1>, gw <ipv4-2>. again <ipv4-1>");
  EXPECT_EQ(r.scrub_string("inet addr:10.0.0.7"), "inet addr:<ipv4-3>");
  EXPECT_EQ(r.scrub_string("inet6 fe80::1c2b:3cff:fe4d:5e6f/64 and FE80::1C2B:3CFF:FE4D:5E6F"),
            "inet6 <ipv6-1>/64 and <ipv6-1>");
  EXPECT_EQ(r.scrub_string("2001:db8:0:0:0:0:0:1"), "<ipv6-2>");
}

TEST(RedactIp, NoFalsePositivesWhenEnabled) {
  RedactOptions o = opts();
  o.ip_addresses = true;
  Redactor r(o);
  for (const std::string s : {"0000:00:1f.3", "v1.2.3.4", "1.2.3", "300.1.1.1", "01.02.03.04", "std::string",
                              "::1 and ::", "12:30:45", "6.1.0-27-amd64", "1.2.3.4.5", "snd_soc_core"}) {
    EXPECT_EQ(r.scrub_string(s), s) << s;
  }
}

// ---------------------------------------------------------------- kernel strings

TEST(RedactKernelStrings, NoFalsePositives) {
  // every category on (IP addresses too), typical host and user names
  RedactOptions o = opts({"alice-xps"}, {"alice"});
  o.ip_addresses = true;
  Redactor r(o);
  for (const std::string s : {"0000:00:1f.3",
                              "snd_hda_intel",
                              "hdaudioC0D0",
                              "ehdaudio0D0",
                              "intel/sof/sof-adl.ri",
                              "intel/sof-tplg/sof-hda-generic-2ch.tplg",
                              "skl_hda_dsp_generic",
                              "sof-audio-pci-intel-tgl",
                              "iDisp1 Pin",
                              "Analog CPU DAI",
                              "dmic-hifi",
                              "snd-soc-dmic",
                              "hda-dsp-analog-dai",
                              "ALC3246 Analog",
                              "HDA Intel PCH at 0x6001190000 irq 148",
                              "pci:v00008086d000051C8sv00001028sd00000B1Abc04sc03i80",
                              "INT34C5:00",
                              "platform:skl_hda_dsp_generic",
                              "6.1.0-27-amd64",
                              "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)",
                              "deferred_probe_timeout=1",
                              "snd_intel_dspcfg.dsp_driver=3",
                              "dyndbg=file drivers/base/dd.c +p",
                              "skl_hda_dsp_generic: snd_soc_register_card failed -517",
                              "sof-hda-dsp",
                              "HDA:8086281c,80860101,00100000"}) {
    EXPECT_EQ(r.scrub_string(s), s) << s;
  }
  EXPECT_EQ(r.replacements(), 0u);
}

// ---------------------------------------------------------------- JSON

TEST(RedactJson, RecursesIntoValuesAndKeepsKeys) {
  Redactor r(opts({"alice-xps"}, {}));
  ojson j = ojson::parse(R"({
    "cmdline": {"raw": "root=UUID=1234-abcd systemd.hostname=alice-xps", "options": {"deferred_probe_timeout": "1"}},
    "dmi": {"sys_vendor": "Dell Inc.", "product_serial": "7TQ2KQ3", "product_uuid": "4c4c4544-0054-5110"},
    "net": [{"mac": "3c:a9:f4:12:34:56"}, ["alice-xps", 3, true, null]],
    "ID_SERIAL": {"short": "AB12", "n": 42},
    "alice-xps": "key names are not redacted"
  })");
  r.scrub_json(j);
  EXPECT_EQ(
      j.dump(),
      R"({"cmdline":{"raw":"root=UUID=<serial-1> systemd.hostname=<host-1>","options":{"deferred_probe_timeout":"1"}},)"
      R"("dmi":{"sys_vendor":"Dell Inc.","product_serial":"<serial-2>","product_uuid":"<serial-3>"},)"
      R"("net":[{"mac":"<mac-1>"},["<host-1>",3,true,null]],)"
      R"("ID_SERIAL":{"short":"<serial-4>","n":"<serial-5>"},)"
      R"("alice-xps":"key names are not redacted"})");
}

TEST(RedactJson, UserLearntLaterInTheTreeIsRedactedEarlierToo) {
  Redactor r(opts());
  ojson j = ojson::parse(R"({"a": "owner grace", "b": "/home/grace/fw"})");
  r.scrub_json(j);
  EXPECT_EQ(j.dump(), R"({"a":"owner <user-1>","b":"/home/<user-1>/fw"})");
}

TEST(RedactJson, UnorderedJsonToo) {
  Redactor r(opts());
  nlohmann::json j = nlohmann::json::parse(R"({"board_serial": "X1", "s": ["00:1b:21:ab:cd:ef"]})");
  r.scrub_json(j);
  EXPECT_EQ(j.dump(), R"({"board_serial":"<serial-1>","s":["<mac-1>"]})");
}

TEST(RedactJson, EmptySerialValuesAndPlaceholdersStay) {
  Redactor r(opts());
  ojson j = ojson::parse(R"({"serial": "", "product_uuid": "<serial-7>", "uuid": null})");
  r.scrub_json(j);
  EXPECT_EQ(j.dump(), R"({"serial":"","product_uuid":"<serial-7>","uuid":null})");
  EXPECT_EQ(r.replacements(), 0u);
}

TEST(RedactJson, Deterministic) {
  const ojson in = ojson::parse(R"({"x": ["b2:00:00:00:00:02 serial=S2", "a1:00:00:00:00:01 serial=S1"],
                                    "y": {"z": "a1:00:00:00:00:01 b2:00:00:00:00:02 serial=S1"}})");
  std::string first;
  for (int i = 0; i < 3; ++i) {
    Redactor r(opts());
    const std::string out = r.scrubbed(in).dump();
    if (i == 0) first = out;
    EXPECT_EQ(out, first);
  }
  EXPECT_EQ(
      first,
      R"({"x":["<mac-1> serial=<serial-1>","<mac-2> serial=<serial-2>"],"y":{"z":"<mac-2> <mac-1> serial=<serial-2>"}})");
}

TEST(RedactJson, NumberingContinuesAcrossCalls) {
  // one Redactor shared by header snapshot, events and end line
  Redactor r(opts());
  ojson header = ojson::parse(R"({"snapshot": {"serial": "S1"}})");
  ojson end = ojson::parse(R"({"snapshot": {"serial": "S1", "other_serial": "S2"}})");
  r.scrub_json(header);
  r.scrub_json(end);
  EXPECT_EQ(header.dump(), R"({"snapshot":{"serial":"<serial-1>"}})");
  EXPECT_EQ(end.dump(), R"({"snapshot":{"serial":"<serial-1>","other_serial":"<serial-2>"}})");
}

// ---------------------------------------------------------------- disabled

TEST(RedactDisabled, IsIdentity) {
  Redactor r = Redactor::disabled();
  EXPECT_FALSE(r.enabled());
  r.add_host("alice-xps");
  r.add_user("alice");
  const std::string s = "alice@alice-xps /home/alice 3c:a9:f4:12:34:56 serial=AB12 root=UUID=1234";
  EXPECT_EQ(r.scrub_string(s), s);
  ojson j = ojson::parse(R"({"product_serial": "X", "s": "3c:a9:f4:12:34:56"})");
  const ojson before = j;
  r.scrub_json(j);
  EXPECT_EQ(j, before);
  EXPECT_EQ(r.replacements(), 0u);
}

TEST(RedactDisabled, DefaultConstructedIsEnabledWithoutNames) {
  Redactor r;
  EXPECT_TRUE(r.enabled());
  EXPECT_EQ(r.scrub_string("3c:a9:f4:12:34:56 somehost"), "<mac-1> somehost");
}

// ---------------------------------------------------------------- issue 15: command-line leaks, deep trees

TEST(RedactCommandLine, DiskSerialInByIdPath) {
  Redactor r;
  EXPECT_EQ(r.scrub_string("root=/dev/disk/by-id/ata-WDC_WD10EZEX-08WN4A0_WD-WCC6Y1234567-part2 ro"),
            "root=/dev/disk/by-id/ata-<serial-1>-part2 ro");
  EXPECT_EQ(r.scrub_string("resume=/dev/disk/by-id/ata-WDC_WD10EZEX-08WN4A0_WD-WCC6Y1234567-part3"),
            "resume=/dev/disk/by-id/ata-<serial-1>-part3");
  EXPECT_EQ(r.scrub_string("/dev/disk/by-uuid/0a1b2c3d-1111-2222-3333-444455556666"), "/dev/disk/by-uuid/<serial-2>");
  EXPECT_EQ(r.scrub_string("root=/dev/disk/by-id/ata-<serial-1>-part2"), "root=/dev/disk/by-id/ata-<serial-1>-part2");
}

TEST(RedactCommandLine, BareMacInOptions) {
  Redactor r;
  EXPECT_EQ(r.scrub_string("ifname=lan0:001B21AABBCD quiet"), "ifname=lan0:<mac-1> quiet");
  // The same MAC in the usual form is the same placeholder.
  EXPECT_EQ(r.scrub_string("lan0 00:1b:21:aa:bb:cd"), "lan0 <mac-1>");
  EXPECT_EQ(r.scrub_string("ifname=wan0:00:1b:21:aa:bb:ce"), "ifname=wan0:<mac-2>");
  EXPECT_EQ(r.scrub_string("BOOTIF=001b21aabbcd"), "BOOTIF=<mac-1>");
  // Not in such an option, twelve hex digits are not a MAC; nor is a longer run.
  EXPECT_EQ(r.scrub_string("build 001b21aabbcd"), "build 001b21aabbcd");
  EXPECT_EQ(r.scrub_string("ifname=lan0:001b21aabbcdef"), "ifname=lan0:001b21aabbcdef");
}

TEST(RedactCommandLine, HostNameInIpOption) {
  Redactor r;  // no host name given: the ip= option reveals it
  const std::string cmd = "ip=192.168.1.20::192.168.1.1:255.255.255.0:mybox:eth0:off quiet";
  EXPECT_EQ(r.scrub_string(cmd), "ip=192.168.1.20::192.168.1.1:255.255.255.0:<host-1>:eth0:off quiet");
  EXPECT_EQ(r.scrub_string("login on mybox.lan"), "login on <host-1>.lan");
  Redactor r6;
  EXPECT_EQ(r6.scrub_string("ip=[fd00::2]::[fd00::1]:64:box6:eth0:none"),
            "ip=[fd00::2]::[fd00::1]:64:<host-1>:eth0:none");
  Redactor r2;
  EXPECT_EQ(r2.scrub_string("ip=dhcp"), "ip=dhcp");
}

TEST(RedactJson, DeepTreesDoNotRecurse) {
  // 200 000 levels: a recursive walk overflows the stack (issue 15 saw it at 50 000).
  ojson j = "/home/zed SerialNumber: SN-123";
  for (int i = 0; i < 200000; ++i) {
    ojson o = ojson::object();
    o["k"] = std::move(j);
    j = std::move(o);
  }
  Redactor r;
  r.learn_json(j);
  r.scrub_json(j);
  const ojson* p = &j;
  while (p->is_object()) p = &(*p)["k"];
  EXPECT_EQ(p->get<std::string>(), "/home/<user-1> SerialNumber: <serial-1>");
}

}  // namespace
}  // namespace reprobe
