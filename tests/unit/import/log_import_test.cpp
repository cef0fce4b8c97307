// Unit tests of the kernel-log importer pieces: prefixes, message map,
// assembly rules, error paths (binary input, huge line, corrupt compression,
// --strict).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "replayer/trace/trace_reader.h"
#include "tracer/import/log_importer.h"
#include "tracer/import/log_input.h"
#include "tracer/import/log_line_prefix.h"
#include "tracer/import/log_message_map.h"

namespace reprobe {
namespace {

LinePrefix prefix(std::string_view s) {
  LinePrefix p;
  parse_line_prefix(s, p);
  return p;
}

TEST(LogLinePrefix, Timestamps) {
  auto p = prefix("[    4.305403] pci 0000:00:1f.3: Added to deferred list");
  ASSERT_TRUE(p.mono_ns);
  EXPECT_EQ(*p.mono_ns, 4305403000u);
  EXPECT_EQ(p.msg, "pci 0000:00:1f.3: Added to deferred list");
  EXPECT_EQ(*prefix("[ 34.7] x").mono_ns, 34700000000u);
  EXPECT_EQ(*prefix("[    4.475548 <    0.000350>] x").mono_ns, 4475548000u);
  EXPECT_EQ(prefix("[    4.475548 <    0.000350>] x").msg, "x");
  EXPECT_EQ(*prefix("[    1.000000][  T123] x").mono_ns, 1000000000u);
  EXPECT_EQ(prefix("[    1.000000][  T123] x").msg, "x");
  EXPECT_EQ(prefix("[    1.000000] [T1] x").msg, "x");
  EXPECT_FALSE(prefix("[123] not a time").mono_ns);
  EXPECT_FALSE(prefix("dmesg -t line").mono_ns);
}

TEST(LogLinePrefix, SyslogJournalKmsgAndDmesgX) {
  auto s = prefix("May 30 13:32:21 thinkpad kernel: [    4.460000] snd x: y");
  EXPECT_TRUE(s.syslog);
  EXPECT_FALSE(s.non_kernel);
  EXPECT_EQ(s.host, "thinkpad");
  EXPECT_EQ(*s.mono_ns, 4460000000u);
  EXPECT_EQ(s.msg, "snd x: y");
  auto de = prefix("Mai 30 13:32:21 thinkpad kernel: snd x: y");
  EXPECT_TRUE(de.wall_ns);
  EXPECT_EQ(de.msg, "snd x: y");
  EXPECT_TRUE(prefix("May 30 13:32:21 thinkpad systemd[1]: Started foo.").non_kernel);
  auto mono = prefix("[    2.160000] thinkpad kernel: pci 0000:00:1f.3: x");
  EXPECT_EQ(*mono.mono_ns, 2160000000u);
  EXPECT_EQ(mono.msg, "pci 0000:00:1f.3: x");
  EXPECT_EQ(prefix("[ 2.16] kernel: a b: c").msg, "a b: c");
  auto k = prefix("6,1234,4305403,-;pci 0000:00:1f.3: x");
  EXPECT_TRUE(k.kmsg);
  EXPECT_EQ(k.level, 6);
  EXPECT_EQ(*k.mono_ns, 4305403000u);
  auto x = prefix("kern  :err   : [    4.000000] boom");
  EXPECT_TRUE(x.dmesg_x);
  EXPECT_EQ(x.level, 3);
  EXPECT_EQ(x.msg, "boom");
  auto iso = prefix("2024-05-30T13:32:21,305403+02:00 pci 0000:00:1f.3: x");
  EXPECT_TRUE(iso.wall_ns);
  EXPECT_FALSE(iso.syslog);
  EXPECT_EQ(iso.msg, "pci 0000:00:1f.3: x");
  EXPECT_EQ(prefix("<6>[    1.0] x").level, 6);
}

TEST(LogLinePrefix, HtmlMailElisionEmbedded) {
  std::string out;
  ASSERT_TRUE(has_html("[ 1.0] a -&gt; b<br>"));
  clean_html("<pre>[ 1.0] a -&gt; b &amp; c&#39;d<br>", out);
  EXPECT_EQ(out, "[ 1.0] a -> b & c'd");
  EXPECT_FALSE(has_html("<intr> dd:really_probe: x"));
  EXPECT_EQ(strip_mail_quote("> > [ 1.0] x"), "[ 1.0] x");
  EXPECT_TRUE(is_elision("[...]"));
  EXPECT_TRUE(is_elision("  ...  "));
  EXPECT_TRUE(is_elision("--- snip ---"));
  EXPECT_FALSE(is_elision("pci x: ..."));
  std::vector<size_t> off;
  find_embedded_timestamps("$ modprobe x[    1.000000] a b: c [    2.000000] d", off);
  ASSERT_EQ(off.size(), 2u);
  EXPECT_EQ(off[0], 12u);
}

Message parse(std::string_view s) {
  Message m;
  parse_message(s, m);
  return m;
}

TEST(LogMessageMap, DriverCoreOldAndNewForms) {
  auto m = parse("bus: 'platform': really_probe: probing driver sof_sdw with device sof_sdw");
  EXPECT_EQ(m.kind, MsgKind::probing);
  EXPECT_EQ(m.drv, "sof_sdw");
  EXPECT_EQ(m.dev, "sof_sdw");
  EXPECT_EQ(m.bus, "platform");
  m = parse("platform sof_sdw: bus: 'platform': really_probe: probing driver sof_sdw with device");
  EXPECT_EQ(m.kind, MsgKind::probing);
  EXPECT_TRUE(m.new_form);
  EXPECT_EQ(m.dev, "sof_sdw");
  m = parse("driver: 'i915': driver_bound: bound to device '0000:00:02.0'");
  EXPECT_EQ(m.kind, MsgKind::bound_driver);
  EXPECT_EQ(m.dev, "0000:00:02.0");
  m = parse("sof_sdw sof_sdw: Driver sof_sdw requests probe deferral");
  EXPECT_EQ(m.kind, MsgKind::probe_deferral);
  EXPECT_EQ(m.drv, "sof_sdw");
  EXPECT_EQ(parse("platform sof_sdw: Added to deferred list").kind, MsgKind::defer_added);
  EXPECT_EQ(parse("platform sof_sdw: Retrying from deferred list").kind, MsgKind::retry);
  m = parse("snd_hda_intel: probe of 0000:00:1f.3 failed with error -12");
  EXPECT_EQ(m.kind, MsgKind::failed);
  EXPECT_EQ(m.ret, -12);
  m = parse("platform x.0: probe with driver y rejects match -19");
  EXPECT_EQ(m.kind, MsgKind::rejects);
  EXPECT_EQ(m.drv, "y");
  m = parse("platform sof_sdw: deferred probe pending: sof_sdw: ASoC: CPU DAI SDW0 Pin2 not registered");
  EXPECT_EQ(m.kind, MsgKind::pending);
  EXPECT_EQ(m.text, "sof_sdw: ASoC: CPU DAI SDW0 Pin2 not registered");
  EXPECT_TRUE(parse("platform x: deferred probe pending: (reason unknown)").text.empty());
  m = parse("pci 0000:00:1f.3: error -EPROBE_DEFER: wait for supplier \\_SB.PC00");
  EXPECT_EQ(m.kind, MsgKind::defer_reason);
  EXPECT_EQ(m.text, "wait for supplier \\_SB.PC00");
  EXPECT_EQ(parse("x y: error -517: supplier z not ready").kind, MsgKind::defer_reason);
  m = parse("probe of INT343A:00 returned -517 after 640 usecs");
  EXPECT_EQ(m.kind, MsgKind::probe_returned);
  EXPECT_EQ(m.ret, -517);
  EXPECT_EQ(m.usecs, 640u);
  m = parse("initcall azx_driver_init+0x0/0x1000 [snd_hda_intel] returned 0 after 2096 usecs");
  EXPECT_EQ(m.kind, MsgKind::initcall_returned);
  EXPECT_EQ(m.text, "snd_hda_intel");
  EXPECT_EQ(parse("Extended deferred probe timeout by 10 secs").ret, 10);
  // dev_name() is never "": these forms with an empty name are not those messages (import_fuzz)
  EXPECT_EQ(parse("probe of  returned 0 after 5 usecs").kind, MsgKind::none);
  EXPECT_EQ(parse("snd_hda_intel: probe of  failed with error -5").kind, MsgKind::none);
  EXPECT_EQ(parse("snd_hda_intel: probe of  rejects match -19").kind, MsgKind::none);
  EXPECT_EQ(parse("probe of \t  returned 0 after 5 usecs").kind, MsgKind::none);
  EXPECT_NE(parse("snd_hda_intel: device   already bound").kind, MsgKind::already_bound);
  m = parse("probe of Fixed MDIO bus.0 returned 0 after 5 usecs");  // a device name with spaces
  EXPECT_EQ(m.kind, MsgKind::probe_returned);
  EXPECT_EQ(m.dev, "Fixed MDIO bus.0");
}

TEST(LogMessageMap, SoundFirmwareAndDumps) {
  auto m = parse("skl_hda_dsp_generic skl_hda_dsp_generic: ASoC: CPU DAI iDisp1 Pin not registered");
  EXPECT_EQ(m.kind, MsgKind::asoc_not_registered);
  EXPECT_EQ(m.first, "skl_hda_dsp_generic");
  m = parse("sof_sdw sof_sdw: snd_soc_register_card failed -517");
  EXPECT_EQ(m.kind, MsgKind::card_failed);
  EXPECT_EQ(m.ret, -517);
  m = parse("x 0000:00:1f.3: Direct firmware load for intel/sof/sof-tgl.ri failed with error -2");
  EXPECT_EQ(m.kind, MsgKind::fw_failed);
  EXPECT_EQ(m.text, "intel/sof/sof-tgl.ri");
  m = parse("i915 0000:00:02.0: firmware: failed to load i915/tgl_guc_70.bin (-2)");
  EXPECT_EQ(m.kind, MsgKind::fw_failed);
  EXPECT_EQ(m.ret, -2);
  EXPECT_EQ(parse("x y: firmware: direct-loading firmware a.bin").text, "a.bin");
  m = parse("input: HDA Intel PCH Mic as /devices/pci0000:00/0000:00:1f.3/sound/card0/input8");
  EXPECT_EQ(m.kind, MsgKind::card_input);
  EXPECT_EQ(m.dev, "0000:00:1f.3");
  EXPECT_EQ(m.index, 0);
  // Found by import_fuzz (session 19): an empty path component before /sound/card named the
  // device '' and the import ended with "internal error: ... unknown device ''".
  EXPECT_NE(parse("input: X as /devices/pci0000:00/0000:00:1f.3/skl//sound/card5/input22").kind, MsgKind::card_input);
  m = parse("skl_hda_dsp_generic\tskl_hda_dsp_generic: ASoC: CPU DAI iDisp1 Pin not registered");
  EXPECT_EQ(m.kind, MsgKind::devices_deferred);
  EXPECT_EQ(m.dev, "skl_hda_dsp_generic");
  EXPECT_EQ(parse("ACPI: Early table checksum verification disabled").kind, MsgKind::none);
  EXPECT_EQ(parse("usb 1-1: new high-speed USB device").kind, MsgKind::dev_line);
  bool stripped = false;
  EXPECT_EQ(strip_dyndbg_prefix("[  312] dd:really_probe:590: bus: 'pci': x", stripped), "bus: 'pci': x");
  EXPECT_TRUE(stripped);
  EXPECT_EQ(strip_dyndbg_prefix("<intr> really_probe:658: pci a: b", stripped), "pci a: b");
  EXPECT_EQ(strip_dyndbg_prefix("pci 0000:00:1f.3: x", stripped), "pci 0000:00:1f.3: x");
  EXPECT_FALSE(stripped);
  EXPECT_TRUE(looks_like_driver_core("platform x: Added to deferred lis"));
}

std::string import_text(const std::string& text, ImportOptions o = {}) {
  auto in = LogInput::from_memory(text, "mem.log");
  LogImporter imp(o);
  auto r = imp.import(*in);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  std::ostringstream os;
  imp.write_trace(os);
  auto back = read_trace_text(os.str(), "mem.trace");
  EXPECT_TRUE(back.ok()) << (back.ok() ? "" : back.error().str()) << "\n" << os.str();
  return os.str();
}

TEST(LogImporter, DevicesDeclaredBeforeUseAndTimesNeverDecrease) {
  const std::string t = import_text(
      "[    5.000000] probe of 0000:00:1f.3 returned 0 after 2000000 usecs\n"
      "[    4.000000] platform late: deferred probe pending\n");
  EXPECT_NE(
      t.find("{\"t\":3000000000,\"ev\":\"device_add\",\"dev\":\"0000:00:1f.3\",\"bus\":\"pci\",\"inferred\":true}"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("\"ev\":\"timeout_fired\""), std::string::npos);
}

TEST(LogImporter, LastBootOnlyAndUntimedLinesKeepOrder) {
  ImportOptions o;
  LogImporter imp(o);
  auto in = LogInput::from_memory(
      "[    0.000000] Linux version 6.1.0-1-amd64 (x)\n[    3.000000] a b.0: probe with driver a failed with error -5\n"
      "[    0.000000] Linux version 6.1.0-2-amd64 (x)\n[    2.000000] c d.0: probe with driver c failed with error "
      "-5\n",
      "two-boots.log");
  ASSERT_TRUE(imp.import(*in).ok());
  std::ostringstream os;
  imp.write_trace(os);
  EXPECT_EQ(imp.stats().boots, 2u);
  EXPECT_EQ(os.str().find("b.0"), std::string::npos);
  EXPECT_NE(os.str().find("6.1.0-2-amd64"), std::string::npos);
  const std::string untimed =
      import_text("x a.0: ASoC: CPU DAI P not registered\nplatform a.0: deferred probe pending\n");
  EXPECT_NE(untimed.find("synthetic"), std::string::npos);
}

TEST(LogImporter, RedactsHostsAndSerials) {
  const std::string t = import_text(
      "May 30 13:32:21 janes-laptop kernel: [    1.0] x 0000:00:1f.3: firmware: failed to load janes-laptop/fw.bin "
      "(-2)\n");
  EXPECT_EQ(t.find("janes-laptop"), std::string::npos) << t;
}

TEST(LogImporter, InvalidUtf8BecomesQuestionMarks) {
  // Found by the fuzzer: Latin-1 bytes in a message must not reach the JSON writer.
  const std::string t = import_text("[ 1.0] x 0000:00:1f.3: firmware: failed to load caf\xe9.bin (-2)\n");
  EXPECT_NE(t.find("caf?.bin"), std::string::npos) << t;
}

TEST(LogImporter, NamesDifferingOnlyInInvalidBytesAreOneDevice) {
  // Found by import_fuzz: two device names that differ only in invalid UTF-8 bytes were two
  // devices to the importer but one name in the trace, which then declared it twice (the import
  // failed with an internal error).
  const std::string a(80, '\xf2');
  std::string b = a;
  b[40] = '\xf7';
  const std::string t = import_text(
      "[ 4.3] sof-audio-pci-intel-tgl 0000:00:" + a + "1f.3: enabling device (0000 -> 0002)\n" +
      "[ 4.4] sof-audio-pci-intel-tgl 0000:00:" + b + "1f.3: enabling device (0000 -> 0002)\n" + "[ 4.5] platform " +
      b + "x: deferred probe pending\n" + "[ 4.6] platform " + a + "x: deferred probe pending\n");
  const auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = t.find(needle); at != std::string::npos; at = t.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("\"ev\":\"device_add\",\"dev\":\"0000:00:" + std::string(80, '?') + "1f.3\""), 1U) << t;
  EXPECT_EQ(count("\"ev\":\"device_add\",\"dev\":\"" + std::string(80, '?') + "x\""), 1U) << t;
  EXPECT_EQ(count("\"kind\":\"failure:deferral\""), 2U) << t;
}

TEST(LogImporter, ExplainNamesInputLines) {
  ImportOptions o;
  std::vector<std::string> where;
  o.explain = [&](const std::string& w, const std::string&) { where.push_back(w); };
  import_text("[ 1.0] noise\n[ 2.0] platform x: deferred probe pending\n", o);
  ASSERT_FALSE(where.empty());
  EXPECT_EQ(where.front(), "mem.log:2");
}

TEST(LogImporter, NonDeviceLinesAreNotDevices) {
  // pr_info lines shaped "Word1 Word2: text" and kmsg records without a dictionary.
  const std::string t = import_text(
      "[ 0.1] Zone ranges:\n[ 0.2] Dynamic Preempt: voluntary\n[ 0.3] NMI watchdog: Enabled\n"
      "[ 0.4] pinctrl core: initialized pinctrl subsystem\n[ 0.5] EDAC MC: Ver: 3.0.0\n"
      "[ 0.6] Policy zone: Normal\n[ 0.7] pci_bus 0000:00: root bus resource [io  0x0000-0x0cf7 window]\n");
  for (const char* bogus :
       {"\"ranges\"", "\"Preempt\"", "\"watchdog\"", "\"core\"", "\"MC\"", "\"zone\"", "\"0000:00\""})
    EXPECT_EQ(t.find(bogus), std::string::npos) << bogus << "\n" << t;
  const std::string k = import_text(
      "6,1,100000,-;pinctrl core: x\n6,2,200000,-;serio serio1: x\n SUBSYSTEM=serio\n DEVICE=+serio:serio1\n"
      "6,3,300000,-;foo bar1: no dictionary\n");
  EXPECT_EQ(k.find("\"core\""), std::string::npos) << k;
  EXPECT_EQ(k.find("bar1"), std::string::npos) << k;
}

TEST(LogImporter, RetryWithoutTriggerImpliesTheTimeout) {
  // 6.1: the timeout fires and everything binds: nothing printed but the retry.
  const std::string t = import_text(
      "[ 41.259053] bus: 'platform': really_probe: probing driver m with device m\n"
      "[ 41.265791] m m: Driver m requests probe deferral\n"
      "[ 41.266165] platform m: Added to deferred list\n"
      "[ 41.266285] Extended deferred probe timeout by 5 secs\n"
      "[ 46.510732] platform m: Retrying from deferred list\n"
      "[ 46.510900] bus: 'platform': really_probe: probing driver m with device m\n"
      "[ 46.540569] driver: 'm': driver_bound: bound to device 'm'\n");
  EXPECT_NE(t.find("{\"t\":46266285000,\"ev\":\"timeout_fired\",\"inferred\":true}\n"
                   "{\"t\":46266285000,\"ev\":\"trigger\",\"cause\":\"timeout\",\"inferred\":true}"),
            std::string::npos)
      << t;
  // the driver is registered at its first match line, never after
  EXPECT_NE(
      t.find("{\"t\":41259053000,\"ev\":\"driver_register\",\"drv\":\"m\",\"bus\":\"platform\",\"inferred\":true}"),
      std::string::npos)
      << t;
  const std::string other =
      import_text("[ 1.0] platform m: Added to deferred list\n[ 3.0] platform m: Retrying from deferred list\n");
  EXPECT_NE(other.find("\"cause\":\"other\""), std::string::npos) << other;
}

TEST(LogImporter, HdaCodecImpliesItsControllerBoundAndRegisteredTheCard) {
  const std::string t = import_text(
      "[ 1.135117] pci 0000:00:01.0: [8086:2668] type 00 class 0x040300\n"
      "[ 1.135200] pci 0000:00:02.0: [1234:1111] type 00 class 0x030000\n"
      "[ 37.453572] snd_hda_codec_generic hdaudioC0D0: autoconfig for Generic: line_outs=1\n");
  EXPECT_NE(t.find("\"ev\":\"bound\",\"dev\":\"0000:00:01.0\",\"drv\":\"snd_hda_intel\",\"inferred\":true"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("\"ev\":\"snd_card_register\",\"dev\":\"0000:00:01.0\",\"index\":0"), std::string::npos) << t;
  EXPECT_EQ(t.find("\"dev\":\"0000:00:02.0\",\"drv\""), std::string::npos) << t;
  // without the PCI class line nothing is inferred about a controller
  const std::string n = import_text("[ 37.4] snd_hda_codec_generic hdaudioC0D0: autoconfig for Generic\n");
  EXPECT_EQ(n.find("\"ev\":\"snd_card_register\""), std::string::npos) << n;
}

TEST(LogImporter, AsocBindLineMarksTheCardDevice) {
  const std::string t = import_text("[ 46.527395] reprobe-machine reprobe-machine: ASoC: no DMI vendor name!\n");
  EXPECT_NE(t.find("\"ev\":\"card_bind_start\",\"dev\":\"reprobe-machine\""), std::string::npos) << t;
}

TEST(LogImporter, ExplainAttributesEndOfLogBindsToTheDevicesLine) {
  ImportOptions o;
  std::vector<std::pair<std::string, std::string>> ev;
  o.explain = [&](const std::string& w, const std::string& e) { ev.emplace_back(w, e); };
  import_text("[ 1.0] drv dev.0: hello\n[ 2.0] noise\n[ 3.0] more noise\n", o);
  bool seen = false;
  for (const auto& [w, e] : ev)
    if (e.find("\"bound\"") != std::string::npos) {
      EXPECT_EQ(w, "mem.log:1") << e;
      seen = true;
    }
  EXPECT_TRUE(seen);
}

std::vector<std::string> all_lines(LogInput& in, std::string* error);

TEST(LogImporter, LiveFlushingWritesTheSameEventsAsTheFileImport) {
  // The kmsg backend's path: feed record by record, flush what is final, finish.
  namespace fs = std::filesystem;
  for (const char* run :
       {"timeout-rescue-kmsg", "kick-kmsg", "hda-kmsg", "sof-late-component-kmsg", "sof-fw-callback-kmsg"}) {
    SCOPED_TRACE(run);
    const fs::path log = fs::path(REPROBE_SOURCE_ROOT) / "tests" / "data" / "logs" / run / "kmsg.log";
    if (!fs::exists(log)) GTEST_FAIL() << log << " missing";
    auto in = LogInput::open(log.string());
    ASSERT_TRUE(in.ok()) << in.error().str();
    std::string err;
    std::vector<std::string> lines = all_lines(**in, &err);
    ASSERT_TRUE(err.empty()) << err;
    auto events = [](const std::string& trace) {
      std::string out;
      std::istringstream is(trace);
      std::string l;
      while (std::getline(is, l))
        if (l.rfind("{\"t\"", 0) == 0) out += l + "\n";
      return out;
    };
    ImportOptions fo;
    LogImporter file(fo);
    for (size_t i = 0; i < lines.size(); ++i) ASSERT_TRUE(file.feed(lines[i], "kmsg.log", i + 1).ok());
    std::ostringstream fos;
    file.write_trace(fos);
    ImportOptions lo;
    lo.source = "kmsg";
    LogImporter live(lo);
    std::ostringstream los;
    for (size_t i = 0; i < lines.size(); ++i) {
      ASSERT_TRUE(live.feed(lines[i], "kmsg.log", i + 1).ok());
      const uint64_t lt = live.last_time();
      live.flush_events(los, lt > 2000000000ull ? lt - 2000000000ull : 0);
    }
    live.finish_events(los);
    EXPECT_EQ(events(los.str()), events(fos.str()));
  }
}

TEST(LogImportErrors, BinaryInputIsRefused) {
  std::string bin(4096, '\0');
  for (size_t i = 0; i < bin.size(); i += 3) bin[i] = static_cast<char>(i);
  auto in = LogInput::from_memory(bin, "core.bin");
  LogImporter imp{ImportOptions{}};
  auto r = imp.import(*in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("core.bin: binary data"), std::string::npos) << r.error().str();
}

TEST(LogImportErrors, Utf16IsRefusedWithTheConversion) {
  // A log saved as "Unicode" by a Windows editor: little- or big-endian, with or without a BOM.
  const std::string text = "[    1.000000] platform x: deferred probe pending\n";
  const auto utf16 = [&](bool big, bool bom) {
    std::string out = bom ? (big ? "\xfe\xff" : "\xff\xfe") : "";
    for (const char c : text) out += big ? std::string{'\0', c} : std::string{c, '\0'};
    return out;
  };
  for (const bool big : {false, true})
    for (const bool bom : {false, true}) {
      auto in = LogInput::from_memory(utf16(big, bom), "notepad.log");
      LogImporter imp{ImportOptions{}};
      auto r = imp.import(*in);
      ASSERT_FALSE(r.ok()) << big << bom;
      EXPECT_NE(r.error().str().find("notepad.log: the log is UTF-16 text"), std::string::npos) << r.error().str();
      EXPECT_NE(r.error().str().find("iconv -f UTF-16 -t UTF-8"), std::string::npos) << r.error().str();
    }
  // All NULs is binary, not UTF-16.
  auto zeros = LogInput::from_memory(std::string(4096, '\0'), "zeros.bin");
  LogImporter imp{ImportOptions{}};
  auto r = imp.import(*zeros);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("zeros.bin: binary data"), std::string::npos) << r.error().str();
}

TEST(LogImporter, BareCarriageReturnsEndLines) {
  // Lines ending in a bare '\r' (classic Mac, some serial consoles) import like '\n' lines.
  const std::string lf =
      "[    1.000000] platform x: deferred probe pending\n[    2.000000] platform y: deferred probe pending\n";
  std::string cr = lf;
  for (char& c : cr)
    if (c == '\n') c = '\r';
  EXPECT_EQ(import_text(cr), import_text(lf));
  EXPECT_NE(import_text(cr).find("\"dev\":\"y\""), std::string::npos);
}

TEST(LogImportErrors, HugeLineIsRefused) {
  LogInputLimits lim;
  lim.max_line_bytes = 1 << 20;
  auto in = LogInput::from_memory("[ 1.0] ok\n" + std::string(3 << 20, 'a'), "huge.log", lim);
  LogImporter imp{ImportOptions{}};
  auto r = imp.import(*in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("huge.log:2: line longer than 1 MiB"), std::string::npos) << r.error().str();
}

TEST(LogImportErrors, CorruptAndTruncatedGzip) {
  std::string data = "[    1.000000] platform x: deferred probe pending\n";
  uLongf n = compressBound(data.size()) + 32;
  std::string gz(n, '\0');
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  gz.resize(z.total_out);
  deflateEnd(&z);
  {
    auto in = LogInput::from_memory(gz, "ok.gz");
    std::string_view line;
    auto r = in->next(line);
    ASSERT_TRUE(r.ok() && *r);
    EXPECT_EQ(in->compression(), LogCompression::gzip);
    EXPECT_EQ(line, "[    1.000000] platform x: deferred probe pending");
  }
  auto in = LogInput::from_memory(gz.substr(0, gz.size() / 2), "cut.gz");
  LogImporter imp{ImportOptions{}};
  auto r = imp.import(*in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("cut.gz: gzip: truncated"), std::string::npos) << r.error().str();
}

TEST(LogImportErrors, StrictFailsOnUnparsableDriverCoreLines) {
  const std::string log = "[ 1.0] fine line\n[ 2.0] bus: 'pci': really_probe: probing drivr x with device y\n";
  {
    LogImporter imp{ImportOptions{}};
    auto in = LogInput::from_memory(log, "lax.log");
    EXPECT_TRUE(imp.import(*in).ok());
    EXPECT_EQ(imp.stats().skipped[static_cast<size_t>(SkipKind::driver_core_unparsed)], 1u);
  }
  ImportOptions o;
  o.strict = true;
  LogImporter imp(o);
  auto in = LogInput::from_memory(log, "strict.log");
  auto r = imp.import(*in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("strict.log:2: looks like driver-core output"), std::string::npos) << r.error().str();
}

// Uncompressed regular files are memory-mapped (LogInput::open): the same lines,
// line numbers and errors as the streamed path (from_memory).
std::vector<std::string> all_lines(LogInput& in, std::string* error) {
  std::vector<std::string> out;
  std::string_view line;
  for (;;) {
    auto r = in.next(line);
    if (!r) {
      *error = r.error().str();
      return out;
    }
    if (!*r) return out;
    out.emplace_back(line);
  }
}

std::string write_temp(const std::string& name, const std::string& data) {
  const auto p =
      std::filesystem::temp_directory_path() / ("reprobe-log-input-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << data;
  return p.string();
}

TEST(LogInput, MappedFileSplitsLikeTheStream) {
  const std::string text = "[ 1.0] a\r\n\n[ 2.0] b\n\n\n[ 3.0] last without newline";
  const std::string path = write_temp("lines.log", text);
  auto mapped = LogInput::open(path);
  ASSERT_TRUE(mapped.ok()) << mapped.error().str();
  auto streamed = LogInput::from_memory(text, "mem.log");
  std::string e1, e2;
  const auto a = all_lines(**mapped, &e1);
  const auto b = all_lines(*streamed, &e2);
  EXPECT_EQ(e1, "");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0], "[ 1.0] a\r");
  EXPECT_EQ(a.back(), "[ 3.0] last without newline");
  EXPECT_EQ((*mapped)->line_number(), 6u);
  std::filesystem::remove(path);
}

TEST(LogInput, MappedFileErrors) {
  std::string bin(4096, '\0');
  for (size_t i = 0; i < bin.size(); i += 3) bin[i] = static_cast<char>(i);
  const std::string bin_path = write_temp("core.bin", bin);
  auto in = LogInput::open(bin_path);
  ASSERT_TRUE(in.ok());
  std::string err;
  all_lines(**in, &err);
  EXPECT_NE(err.find("core.bin: binary data"), std::string::npos) << err;
  std::filesystem::remove(bin_path);

  LogInputLimits lim;
  lim.max_line_bytes = 1 << 20;
  const std::string huge_path = write_temp("huge.log", "[ 1.0] ok\n" + std::string(3 << 20, 'a'));
  auto huge = LogInput::open(huge_path, lim);
  ASSERT_TRUE(huge.ok());
  err.clear();
  const auto lines = all_lines(**huge, &err);
  EXPECT_EQ(lines.size(), 1u);
  EXPECT_NE(err.find("huge.log:2: line longer than 1 MiB"), std::string::npos) << err;
  std::filesystem::remove(huge_path);
}

// ---------------------------------------------------------------- issue 15: hardening

namespace hardening {

// The trace the importer writes for `log`, with its end line's "lost".
std::string import_all(LogImporter& imp, const std::string& log, const std::string& label) {
  auto in = LogInput::from_memory(log, label);
  EXPECT_TRUE(imp.import(*in).ok());
  std::ostringstream out;
  imp.write_trace(out);
  return out.str();
}

// 40 deferral lines around one with a timestamp that is not a time.
std::string log_with_stamp(std::string_view bad) {
  std::string log;
  for (int i = 1; i <= 40; ++i) {
    if (i == 20)
      log += std::string(bad) + " platform dev19: Added to deferred list\n";
    else
      log += fmt::format("[    {}.000000] platform dev{}: Added to deferred list\n", i, i);
  }
  return log;
}

}  // namespace hardening

TEST(LogLinePrefix, BadTimestampsAreRecognised) {
  EXPECT_TRUE(is_bad_timestamp("[12345678901.000000] x"));
  EXPECT_TRUE(is_bad_timestamp("[123456789012] x"));
  EXPECT_TRUE(is_bad_timestamp("[nan] x"));
  EXPECT_TRUE(is_bad_timestamp("[   -nan] x"));
  EXPECT_TRUE(is_bad_timestamp("[ INF] x"));
  EXPECT_TRUE(is_bad_timestamp("[-1.500000] x"));
  EXPECT_TRUE(is_bad_timestamp("[12.5x] x"));
  EXPECT_FALSE(is_bad_timestamp("[    4.305403] x"));
  EXPECT_FALSE(is_bad_timestamp("[ 1234] pid"));  // OOM task dump: a pid
  EXPECT_FALSE(is_bad_timestamp("[drm] Initialized"));
  EXPECT_FALSE(is_bad_timestamp("[Firmware Bug]: x"));
  EXPECT_FALSE(is_bad_timestamp("[...]"));
  // The trace clock ends at 2^62 ns (ReadLimits::max_time_ns): a later time is refused.
  EXPECT_TRUE(is_bad_timestamp("[7117078642.5000] x"));
  EXPECT_TRUE(is_bad_timestamp("[4611686018.427387905] x"));
  EXPECT_TRUE(is_bad_timestamp("[4611686019] x"));
  EXPECT_FALSE(is_bad_timestamp("[4611686018.427387904] x"));
  uint64_t ns = 0;
  EXPECT_EQ(parse_bracket_time("[4611686018.427387904] x", ns), 22u);
  EXPECT_EQ(ns, uint64_t{1} << 62);
  EXPECT_EQ(parse_bracket_time("[4611686018.427387905] x", ns), 0u);
  EXPECT_EQ(parse_bracket_time("[9999999999.999999] x", ns), 0u);
}

// Issue 15 #4: a line with "[nan]" or 11+ digits of seconds was joined to the line before as
// an e-mail wrap, silently: each is now skipped, counted in "lost" and named in a warning.
TEST(LogImportErrors, BadTimestampsAreCountedNotJoined) {
  for (std::string_view bad : {"[12345678901.000000]", "[nan]", "[7117078642.500000]"}) {
    LogImporter imp{ImportOptions{}};
    const std::string t = hardening::import_all(imp, hardening::log_with_stamp(bad), "bad.log");
    EXPECT_EQ(imp.stats().bad_timestamps, 1u) << bad;
    EXPECT_EQ(imp.stats().skipped[static_cast<size_t>(SkipKind::wrapped)], 0u) << bad;
    EXPECT_NE(t.find("\"lost\":1"), std::string::npos) << t;
    EXPECT_NE(t.find("\"dev\":\"dev21\""), std::string::npos) << t;  // the line after is kept
    ASSERT_EQ(imp.warnings().size(), 1u);
    EXPECT_EQ(imp.warnings()[0].rfind("bad.log:20: timestamp '" + std::string(bad) + "' is not a time", 0), 0u)
        << imp.warnings()[0];
    EXPECT_TRUE(read_trace_text(t, "out").ok());
  }
  ImportOptions o;
  o.strict = true;
  LogImporter imp(o);
  auto in = LogInput::from_memory(hardening::log_with_stamp("[nan]"), "strict.log");
  auto r = imp.import(*in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str().rfind("strict.log:20: timestamp '[nan]' is not a time", 0), 0u) << r.error().str();
}

// Issue 15 #5: a 5000-byte driver name failed as "internal error ... OUT:21: field 'drv' is
// 5000 bytes long"; the message is now skipped with a warning naming the log's line.
TEST(LogImportErrors, OverlongNamesNameTheLogLine) {
  const std::string name(5000, 'd');
  const std::string log =
      "[ 1.0] platform a: Added to deferred list\n[ 2.0] bus: 'platform': really_probe: probing "
      "driver " +
      name + " with device a\n[ 3.0] platform b: Added to deferred list\n";
  LogImporter imp{ImportOptions{}};
  const std::string t = hardening::import_all(imp, log, "long.log");
  EXPECT_TRUE(read_trace_text(t, "out").ok()) << read_trace_text(t, "out").error().str();
  EXPECT_EQ(t.find(name), std::string::npos);
  EXPECT_NE(t.find("\"lost\":1"), std::string::npos);
  ASSERT_EQ(imp.warnings().size(), 1u);
  EXPECT_EQ(imp.warnings()[0].rfind("long.log:2: a name in this message is 5000 bytes long", 0), 0u)
      << imp.warnings()[0];
  ImportOptions o;
  o.strict = true;
  LogImporter strict(o);
  auto in = LogInput::from_memory(log, "long.log");
  auto r = strict.import(*in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str().rfind("long.log:2: a name in this message is 5000 bytes long", 0), 0u) << r.error().str();
}

// Found by import_fuzz (session 19): redaction lengthens a text (the user name "ab", learnt from
// user=ab, becomes "<user-1>"), so a reason within the 4096-byte limit in the log outgrew it in
// the trace and the import ended with "internal error: the trace built from the log does not read
// back: ...: field 'reason' is 4103 bytes long". The text is now cut to fit at a character boundary
// and a warning names the log's line; the events are kept.
TEST(LogImportErrors, TextLengthenedByRedactionIsCutToFit) {
  // Redacted, the 12-byte unit " <user-1> \xc3\xa9" puts a U+00E9 at bytes 4092-4093: a cut at
  // 4093 (the limit less the ellipsis) would split it.
  std::string reason = "sof_sdw: ASoC: user=ab pin 10 of";
  while (reason.size() < 4000) reason += " ab \xc3\xa9";
  const std::string log =
      "[ 1.0] platform sof_sdw: Added to deferred list\n[ 2.0] platform sof_sdw: deferred probe "
      "pending: " +
      reason + "\n[ 3.0] platform b: Added to deferred list\n";
  ASSERT_LT(log.size(), 4400u);
  LogImporter imp{ImportOptions{}};
  const std::string t = hardening::import_all(imp, log, "grow.log");
  auto back = read_trace_text(t, "out");
  ASSERT_TRUE(back.ok()) << back.error().str();
  EXPECT_NE(t.find("\"lost\":0"), std::string::npos) << "nothing is skipped";
  EXPECT_EQ(t.find("user=ab"), std::string::npos) << "still redacted";
  bool found = false;
  for (const auto& e : back->events) {
    if (e.kind != EventKind::defer_reason) continue;
    const std::string r(back->str(e.name));
    found = true;
    EXPECT_LE(r.size(), 4096u);
    EXPECT_EQ(r.size(), 4092u + 3) << "cut before the U+00E9 that straddles the limit";
    EXPECT_EQ(r.substr(r.size() - 3), "\xe2\x80\xa6") << "ends with an ellipsis";
    EXPECT_EQ(r.rfind("sof_sdw: ASoC: user=<user-1>", 0), 0u) << r.substr(0, 60);
  }
  EXPECT_TRUE(found) << t;
  ASSERT_EQ(imp.warnings().size(), 1u);
  EXPECT_EQ(imp.warnings()[0].rfind("grow.log:2: a text of ", 0), 0u) << imp.warnings()[0];
  EXPECT_NE(imp.warnings()[0].find("when redacted"), std::string::npos) << imp.warnings()[0];
}

// Found by import_fuzz (session 19): the importer read up to 10 digits of seconds (~1e19 ns)
// and clamped events to 2^62 ns, the latest time a trace may hold, but a component it infers
// for a deferred device is placed 1 ns after the deferral: at the limit that is past it, and the
// import ended with "internal error: the trace built from the log does not read back: ... absurd
// timestamp t=4611686018427387905". A time at the limit now imports; one past it is a bad
// timestamp (skipped, counted in "lost"); nothing the importer infers goes past the limit.
TEST(LogImportErrors, TimesAtTheTraceClockLimitReadBack) {
  for (std::string_view stamp : {"4611686018.427387904", "7117078642.500000"}) {
    std::string log =
        "[    6.400500] sof_sdw sof_sdw: ASoC: CPU DAI SDW0 Pin2 not registered\n"
        "[    6.400520] platform sof_sdw: Added to deferred list\n";
    for (std::string_view msg :
         {"platform sof_sdw: bus: 'platform': really_probe: probing driver sof_sdw with device",
          "sof_sdw sof_sdw: ASoC: CPU DAI SDW0 Pin2 not registered", "platform sof_sdw: Added to deferred list",
          "platform sof_sdw: bus: 'platform': really_probe: probing driver sof_sdw with device",
          "platform sof_sdw: driver: 'sof_sdw': driver_bound: bound to device 'sof_sdw'"})
      log += fmt::format("[{}] {}\n", stamp, msg);
    LogImporter imp{ImportOptions{}};
    const std::string t = hardening::import_all(imp, log, "clock.log");
    auto back = read_trace_text(t, "out");
    ASSERT_TRUE(back.ok()) << stamp << ": " << back.error().str();
    uint64_t last = 0;
    for (const auto& e : back->events) last = std::max(last, e.t);
    if (stamp[0] == '4') {
      EXPECT_EQ(last, uint64_t{1} << 62) << "the limit itself is a time";
      EXPECT_EQ(imp.stats().bad_timestamps, 0u);
    } else {
      EXPECT_EQ(imp.stats().bad_timestamps, 5u) << "each line past the limit is skipped";
      EXPECT_NE(t.find("\"lost\":5"), std::string::npos) << t;
      ASSERT_FALSE(imp.warnings().empty());
      EXPECT_EQ(imp.warnings()[0].rfind("clock.log:3: timestamp '[7117078642.500000]' is not a time", 0), 0u)
          << imp.warnings()[0];
    }
  }
}

// Found by import_fuzz (session 20): "probe of  returned 04.1...": initcall_debug's "probe of %s
// returned" with an empty name made the importer write a probe of device '', which the reader
// refuses, and the import ended with "internal error: ... unknown device ''"; "%s: probe of %s
// failed with error" and "... rejects match" did the same. Such a line names no device: it is
// counted as driver-core output that does not parse (lost), and --strict fails on it.
TEST(LogImportErrors, ProbeOfAnEmptyNameIsNotAProbe) {
  for (std::string_view line : {"probe of  returned 0 after 5 usecs", "probe of  returned -517 after 5 usecs",
                                "snd_hda_intel: probe of  failed with error -5",
                                "snd_hda_intel: probe of  rejects match -19", "probe of   returned 0 after 5 usecs"}) {
    const std::string log = fmt::format(
        "[ 1.0] platform a: Added to deferred list\n[ 2.0] {}\n[ 3.0] platform b: Added to deferred list\n", line);
    LogImporter imp{ImportOptions{}};
    const std::string t = hardening::import_all(imp, log, "empty.log");
    auto back = read_trace_text(t, "out");
    ASSERT_TRUE(back.ok()) << line << ": " << back.error().str();
    EXPECT_EQ(t.find("\"dev\":\"\""), std::string::npos) << t;
    EXPECT_NE(t.find("\"lost\":1"), std::string::npos) << line << "\n" << t;
    ImportOptions o;
    o.strict = true;
    LogImporter strict(o);
    auto in = LogInput::from_memory(log, "empty.log");
    auto r = strict.import(*in);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.error().str().rfind("empty.log:2: ", 0), 0u) << r.error().str();
  }
}

// Found by import_fuzz (session 19): "input: ... as /devices/.../skl_hda_dsp_generic//sound/card5/..."
// made the importer write snd_card_register for device '', which the reader refuses: the import
// ended with "internal error: the trace built from the log does not read back: ... unknown device
// ''". Such a line names no device and is not taken as a card's input.
TEST(LogImportErrors, InputPathWithAnEmptyComponentNamesNoDevice) {
  const std::string log =
      "[ 4.8] input: sof-hda-dsp Headphone as /devices/pci0000:00/0000:00:1f.3/skl_hda_dsp_generic//sound/card5/"
      "input22\n[ 4.9] platform b: Added to deferred list\n";
  LogImporter imp{ImportOptions{}};
  const std::string t = hardening::import_all(imp, log, "input.log");
  auto back = read_trace_text(t, "out");
  ASSERT_TRUE(back.ok()) << back.error().str() << "\n" << t;
  EXPECT_EQ(t.find(R"("dev":"")"), std::string::npos) << t;
}

// Issue 15 #11: the devices of one boot are held in memory; past the limit the import fails
// with the log's line instead of growing without bound.
TEST(LogImportErrors, TooManyDevicesInOneBootIsAnError) {
  ImportOptions o;
  o.max_devices = 10;
  LogImporter imp(o);
  std::string log;
  for (int i = 1; i <= 20; ++i) log += fmt::format("[ {}.0] platform dev{}: Added to deferred list\n", i, i);
  auto in = LogInput::from_memory(log, "many.log");
  auto r = imp.import(*in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("more than 10 distinct devices in one boot"), std::string::npos) << r.error().str();
  // The line of the 11th device, not the line after it (the importer reads one line ahead to
  // join wrapped lines).
  EXPECT_EQ(r.error().str().rfind("many.log:11: ", 0), 0u) << r.error().str();
}

// Issue 15 #5: a directory as LOG said "Input/output error".
TEST(LogImportErrors, DirectoryIsNamedAsSuch) {
  const std::string dir = ::testing::TempDir();
  auto in = LogInput::open(dir);
  ASSERT_FALSE(in.ok());
  EXPECT_NE(in.error().str().find("is a directory"), std::string::npos) << in.error().str();
}

}  // namespace
}  // namespace reprobe
