// Issue 14: regression tests built from the real bug-tracker logs of tests/data/real-logs/
// (each log's source and date are in its .facts.json), one per bug of the "Why" that
// the corpus shows, plus unit tests of the failure-line classifier (log_failure_line.h).
#include <algorithm>
#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include "replayer/report/report_options.h"
#include "replayer/report/report_text.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"
#include "tracer/import/log_failure_line.h"
#include "tracer/import/log_importer.h"
#include "tracer/import/log_input.h"

namespace reprobe {
namespace {

namespace fs = std::filesystem;
const fs::path kDir = fs::path(REPROBE_SOURCE_ROOT) / "tests" / "data" / "real-logs";

struct Imported {
  std::string text;
  Trace trace;
};

Imported import_real(const std::string& name) {
  Imported out;
  auto in = LogInput::open((kDir / (name + ".log")).string());
  EXPECT_TRUE(in.ok()) << (in.ok() ? "" : in.error().str());
  if (!in) return out;
  LogImporter imp{ImportOptions{}};
  auto r = imp.import(**in);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  std::ostringstream os;
  imp.write_trace(os);
  out.text = os.str();
  auto tr = read_trace_text(out.text, name + ".trace");
  EXPECT_TRUE(tr.ok()) << (tr.ok() ? "" : tr.error().str());
  if (tr) out.trace = std::move(*tr);
  return out;
}

ReplayReport replay_stock(const Trace& tr) {
  ReplayOptions o;
  o.policies = {"stock"};
  o.allow_no_target = true;
  auto rep = replay(tr, o);
  EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.error().str());
  return rep ? std::move(*rep) : ReplayReport{};
}

// The text report with every run of blanks and newlines as one space (it wraps long lines).
std::string report_text(const ReplayReport& rep, const Trace& tr) {
  const std::string text = format_report_text(rep, tr, ReportOptions{});
  std::string out;
  for (char c : text) {
    const bool blank = c == ' ' || c == '\n';
    if (blank && !out.empty() && out.back() == ' ') continue;
    out.push_back(blank ? ' ' : c);
  }
  return out;
}

bool has_event(const std::string& trace_text, const std::string& a, const std::string& b = "") {
  std::istringstream is(trace_text);
  for (std::string l; std::getline(is, l);)
    if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
  return false;
}

TEST(FailureLine, Classes) {
  EXPECT_EQ(classify_failure_line("sof-audio-pci", "0000:00:1f.3",
                                  "Direct firmware load for intel/sof/sof-cfl.ri failed with error -2")
                .cls,
            FailureClass::firmware_missing);
  EXPECT_EQ(
      classify_failure_line("sof-audio-pci", "0000:00:1f.3", "error: failed to reset HDA controller gctl 0x1").cls,
      FailureClass::hda_controller);
  EXPECT_EQ(classify_failure_line("snd_sof_amd_acp70", "0000:c4:00.5", "Firmware boot failure due to timeout").cls,
            FailureClass::dsp_boot);
  auto supply = classify_failure_line("pcm512x", "1-004d", "Failed to get supply 'AVDD': -517");
  EXPECT_EQ(supply.cls, FailureClass::deferral);
  EXPECT_EQ(supply.err, -517);
  EXPECT_EQ(classify_failure_line("tlv320aic32x4", "1-0018", "Failed to get clk 'codec_clkin': -2").cls,
            FailureClass::resource);
  // Not a sound device, not a resource: not a failure line.
  EXPECT_EQ(classify_failure_line("e1000e", "0000:00:1f.6", "failed to get link").cls, FailureClass::none);
  EXPECT_EQ(classify_failure_line("snd_hda_intel", "0000:00:1f.3", "bound 0000:00:02.0 (ops i915)").cls,
            FailureClass::none);
  int64_t e = 0;
  EXPECT_TRUE(errno_in_text("sof_probe_work failed err: -5", e));
  EXPECT_EQ(e, -5);
  EXPECT_FALSE(errno_in_text("gctl 0xffffffff", e));
  EXPECT_FALSE(errno_in_text("rate 48000-96000", e));
}

// Why, "dead ends": a log whose only line is `deferred probe pending` gets a target and a report.
TEST(RealLogs, DeferredProbePendingIsATarget) {
  auto im = import_real("032-sof-essx8336-deferred-probe-pending");
  auto rep = replay_stock(im.trace);
  ASSERT_EQ(rep.targets.size(), 1u);
  EXPECT_EQ(im.trace.dev_label(rep.targets[0]), "sof-essx8336");
  EXPECT_FALSE(rep.verdicts.front().bound());
}

// Why, "dead ends": a SOF log whose failure is not a deferral (firmware file missing) gets a
// report that names the failure with its line, first; the controller is not shown bound.
TEST(RealLogs, FirmwareMissingIsNamedFirst) {
  auto im = import_real("001-sof-cfl-firmware-missing");
  EXPECT_TRUE(has_event(im.text, "\"failure:firmware-missing\"", "sof-cfl.ri"));
  auto rep = replay_stock(im.trace);
  ASSERT_FALSE(rep.targets.empty());
  EXPECT_FALSE(rep.verdicts.front().bound());
  const std::string text = report_text(rep, im.trace);
  EXPECT_NE(text.find("No deferral explains the missing card"), std::string::npos) << text;
  EXPECT_NE(text.find("Direct firmware load for intel/sof/sof-cfl.ri failed with error -2"), std::string::npos);
  EXPECT_NE(text.find("-2 (ENOENT)"), std::string::npos);
}

// Why, "dead ends": HDA controller reset failure.
TEST(RealLogs, HdaControllerResetFailureIsNamed) {
  auto im = import_real("021-sof-icl-hda-reset-gctl-reboot");
  auto rep = replay_stock(im.trace);
  const std::string text = report_text(rep, im.trace);
  EXPECT_NE(text.find("failed to reset HDA controller gctl 0x1"), std::string::npos) << text;
}

// Why, "root cause lost": `Failed to get supply 'AVDD': -517` is a deferral reason of the codec.
TEST(RealLogs, SupplyReasonMakesTheCodecDefer) {
  auto im = import_real("014-rpi-pcm512x-avdd-supply-defer");
  EXPECT_TRUE(has_event(im.text, "\"ev\":\"defer_reason\"", "Failed to get supply 'AVDD': -517"));
  EXPECT_TRUE(has_event(im.text, "\"outcome\":\"deferred\"", "\"dev\":\"1-004d\""));
}

// Why, "misleading names": i2c client 1-004d is on i2c, not usb.
TEST(RealLogs, I2cClientIsNotUsb) {
  auto im = import_real("014-rpi-pcm512x-avdd-supply-defer");
  EXPECT_TRUE(has_event(im.text, "\"dev\":\"1-004d\",\"bus\":\"i2c\"")) << im.text;
  EXPECT_FALSE(has_event(im.text, "\"dev\":\"1-004d\",\"bus\":\"usb\""));
}

// Why, "wrong verdicts": `ASoC: failed to init link …: -517` is a deferral.
TEST(RealLogs, FailedToInitLink517IsADeferral) {
  auto im = import_real("012-rpi-allo-piano-dac-init-link-517");
  EXPECT_TRUE(has_event(im.text, "\"outcome\":\"deferred\"", "\"dev\":\"soc:sound\""));
}

// Why, "wrong verdicts": a shell prompt after the last kernel line is not joined onto it.
TEST(RealLogs, ShellPromptIsNotAContinuation) {
  auto im = import_real("034-sof-soundwire-probe-failed-shell-trailer");
  EXPECT_FALSE(has_event(im.text, "sof_remove.sh")) << im.text;
}

// Why, "misleading numbers": an untimed log's report gives lines, not invented times.
TEST(RealLogs, UntimedLogReportGivesLines) {
  auto im = import_real("018-rpi-audiosense-aic32x4-probe-121-nots");
  auto rep = replay_stock(im.trace);
  const std::string text = report_text(rep, im.trace);
  EXPECT_NE(text.find("no timestamps"), std::string::npos) << text;
  EXPECT_NE(text.find("probe of 1-0018 failed with error -121"), std::string::npos) << text;
  EXPECT_NE(text.find("-121 (EREMOTEIO)"), std::string::npos) << text;
}

}  // namespace
}  // namespace reprobe
