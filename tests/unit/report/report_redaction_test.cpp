// Reports are redacted at report time: a trace recorded with --no-redact
// (its snapshot and events carry serial numbers, MAC addresses, the host and
// user names) gives Markdown and text reports without them, unless the
// report itself is made with --no-redact (ReportOptions::redact = false).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "replayer/report/report_markdown.h"
#include "replayer/report/report_text.h"
#include "replayer/trace/scenario_builder.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const char* const kSecrets[] = {
    "SN-4C0FFEE42",        // serial number (USB SerialNumber:, ID_SERIAL=)
    "5f3e9a10-77c2-4e11",  // root=UUID=...
    "a4:bb:6d:11:22:33",   // MAC address
    "a4-bb-6d-44-55-66",   // MAC address, dash form
    "alice-xps",           // host name (snapshot "hostname")
    "alice",               // user name (/home/alice, user=alice)
};

Trace private_trace() {
  ScenarioBuilder b("private", "6.1.0-27-amd64", "a capture recorded with --no-redact");
  auto& h = b.header();
  h["kernel"]["cmdline"] =
      "BOOT_IMAGE=/home/alice/vmlinuz root=UUID=5f3e9a10-77c2-4e11 quiet deferred_probe_timeout=10";
  h["snapshot"] = nlohmann::ordered_json::parse(R"json({
    "kernel": {"release": "6.1.0-27-amd64", "version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1", "machine": "x86_64"},
    "hostname": "alice-xps",
    "cmdline": {"raw": "BOOT_IMAGE=/home/alice/vmlinuz root=UUID=5f3e9a10-77c2-4e11 quiet deferred_probe_timeout=10",
                "options": {"deferred_probe_timeout": "10"}},
    "dmi": {"sys_vendor": "Dell Inc.", "product_name": "XPS 13 9310", "product_version": "serial=SN-4C0FFEE42"},
    "udev": {"source": "libudev",
             "pci_audio": [{"slot": "0000:00:1f.3", "class": "0x040380", "vendor": "0x8086", "device": "0xa0c8",
                            "driver": "sof-audio-pci-intel-tgl"}]},
    "alsa": {"source": "procfs", "cards": [{"index": 0, "id": "alice-xps", "driver": "sof-hda-dsp"}]},
    "devices_deferred": {"readable": true, "devices": [
        {"dev": "skl_hda_dsp_generic", "reason": "wlan0 a4:bb:6d:11:22:33 on alice-xps (user=alice)"}]},
    "errors": ["/home/alice/.cache/reprobe: permission denied"],
    "redacted": false
  })json");
  const Task init{1, "swapper/0", 0}, mod{400, "modprobe", 1};
  b.at(ms(500), init).ev("device_add", {{"dev", "skl_hda_dsp_generic"}, {"bus", "platform"}});
  b.at(sec(1), init).ev("late_initcall");
  b.trigger(sec(1), init, "late_initcall");
  b.at(sec(2), mod).ev("driver_register", {{"drv", "skl_hda_dsp_generic"}, {"bus", "platform"}});
  b.probe(sec(2) + ms(1), sec(2) + ms(2), mod, "skl_hda_dsp_generic", "skl_hda_dsp_generic", -517,
          "wlan1 a4-bb-6d-44-55-66 for /home/alice: usb 1-1: SerialNumber: SN-4C0FFEE42", true);
  auto t = b.build(sec(30));
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  return std::move(*t);
}

// Whitespace runs as one space: the text format wraps prose at 100 columns.
std::string flat(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n';
    if (space && !out.empty() && out.back() == ' ') continue;
    out += space ? ' ' : c;
  }
  return out;
}

struct Reports {
  std::string markdown, text;
};

Reports reports(const Trace& tr, bool redact) {
  ReplayOptions o;
  o.all_policies = true;
  auto r = replay(tr, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  ReportOptions opts;
  opts.redact = redact;
  return {format_report_markdown(*r, tr, opts), format_report_text(*r, tr, opts)};
}

TEST(ReportRedaction, TraceIsReallyPrivate) {
  // The test means something only if the trace carries every secret.
  const Trace tr = private_trace();
  std::string all = tr.header.dump();
  for (uint32_t i = 0; i < tr.strings.size(); ++i) all += std::string(tr.strings[i]) + "\n";
  for (const char* s : kSecrets) EXPECT_NE(all.find(s), std::string::npos) << s;
}

TEST(ReportRedaction, ReportsHaveNoSecretsByDefault) {
  const Trace tr = private_trace();
  const Reports r = reports(tr, true);
  for (const std::string* out : {&r.markdown, &r.text}) {
    for (const char* s : kSecrets) EXPECT_EQ(out->find(s), std::string::npos) << "leaks '" << s << "':\n" << *out;
    for (const char* placeholder : {"<mac-1>", "<mac-2>", "<serial-1>", "<host-1>", "<user-1>"})
      EXPECT_NE(out->find(placeholder), std::string::npos) << placeholder << " missing:\n" << *out;
    EXPECT_NE(flat(*out).find("recorded with --no-redact; this report redacts"), std::string::npos);
  }
  // Hardware identity stays: that is what a bug report needs.
  EXPECT_NE(r.markdown.find("Dell Inc. XPS 13 9310"), std::string::npos);
  EXPECT_NE(r.markdown.find("0000:00:1f.3 0x8086:0xa0c8"), std::string::npos);
}

TEST(ReportRedaction, NoRedactKeepsEverything) {
  const Trace tr = private_trace();
  const Reports r = reports(tr, false);
  for (const std::string* out : {&r.markdown, &r.text}) {
    for (const char* s : kSecrets) EXPECT_NE(out->find(s), std::string::npos) << "'" << s << "' missing:\n" << *out;
    EXPECT_EQ(out->find("<mac-1>"), std::string::npos);
    EXPECT_NE(flat(*out).find("this report is NOT redacted"), std::string::npos);
  }
}

TEST(ReportRedaction, PrivateNamesGivenByTheCallerAreRedacted) {
  // `reprobe report` passes this machine's host and user names.
  const Trace tr = private_trace();
  ReplayOptions o;
  auto r = replay(tr, o);
  ASSERT_TRUE(r.ok());
  ReportOptions opts;
  opts.host_names = {"Dell"};
  const std::string md = format_report_markdown(*r, tr, opts);
  EXPECT_EQ(md.find("Dell Inc."), std::string::npos);
  EXPECT_NE(md.find("<host-"), std::string::npos);
}

}  // namespace
}  // namespace reprobe
