// The "Capture quality and data gaps" section: a log-derived trace (lower
// confidence), hooks missing or taken from the log, events the producer
// dropped or lost, and a trace cut without its end line are all said.
#include <string>

#include <gtest/gtest.h>

#include "replayer/report/report_markdown.h"
#include "replayer/trace/scenario_builder.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

std::string log_trace_text() {
  ScenarioBuilder b("from-dmesg", "6.1.0-27-amd64", "imported from a bug report's dmesg");
  b.header()["source"] = "dmesg";
  b.header()["hooks"] = {{"device_add", "dmesg"},   {"driver_register", "inferred"}, {"probe_start", "dmesg"},
                         {"probe_end", "dmesg"},    {"defer_reason", "dmesg"},       {"bound", "dmesg"},
                         {"defer_add", "inferred"}, {"trigger", "inferred"},         {"card_bind_start", "dmesg"},
                         {"card_bind_end", "dmesg"}};
  const Task k{-1, ""};
  b.at(ms(500), k).ev("device_add", {{"dev", "sof_sdw"}, {"bus", "platform"}});
  b.at(sec(2), k).ev("driver_register", {{"drv", "sof_sdw"}, {"bus", "platform"}});
  b.probe(sec(2) + ms(1), sec(2) + ms(2), k, "sof_sdw", "sof_sdw", -517, "ASoC: CODEC DAI rt711-aif1 not registered",
          true);
  return b.text(sec(20)).value();
}

std::string report_of(const std::string& text) {
  auto t = read_trace_text(text, "from-dmesg.trace");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  ReplayOptions o;
  o.all_policies = true;
  auto r = replay(*t, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return format_report_markdown(*r, *t, ReportOptions{});
}

std::string replace_end(std::string text, const std::string& end_line) {
  const size_t last = text.rfind('\n', text.size() - 2);
  return text.substr(0, last + 1) + end_line;
}

TEST(ReportGaps, LogDerivedTraceSaysLowerConfidenceAndWeakHooks) {
  const std::string md = report_of(log_trace_text());
  EXPECT_NE(md.find("Derived from the kernel log (source dmesg)"), std::string::npos) << md;
  EXPECT_NE(md.find("lower confidence than an eBPF capture"), std::string::npos);
  EXPECT_NE(md.find("Not captured (no hook in this capture): `late_initcall`, `device_del`"), std::string::npos) << md;
  EXPECT_NE(md.find("Taken from the log or inferred, not traced: `device_add (dmesg)`, `driver_register (inferred)`"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `dmesg` | 7 |"), std::string::npos) << "hooks by tier";
  EXPECT_NE(md.find("| `inferred` | 3 |"), std::string::npos);
  EXPECT_NE(md.find("No events dropped or lost."), std::string::npos);
}

TEST(ReportGaps, DropsAndLossesAreSaid) {
  const std::string md =
      report_of(replace_end(log_trace_text(), "{\"ev\":\"end\",\"t\":20000000000,\"dropped\":3,\"lost\":2}\n"));
  EXPECT_NE(md.find("The producer dropped 3 and lost 2 events"), std::string::npos) << md;
  EXPECT_EQ(md.find("No events dropped or lost."), std::string::npos);
}

TEST(ReportGaps, TraceWithoutEndLineSaysItWasCut) {
  const std::string md = report_of(replace_end(log_trace_text(), ""));
  EXPECT_NE(md.find("No end line: the capture was cut"), std::string::npos) << md;
}

}  // namespace
}  // namespace reprobe
