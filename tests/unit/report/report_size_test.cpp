// A huge trace (thousands of sound-card devices, most of them deferring,
// many stranded) still gives a Markdown report under the limit, and the
// report says what it cut and how many rows. The trace is generated here with
// the scenario builder: 1 500 machine devices defer on a codec DAI; codecs
// register their components from work items (no driver-core trigger), a bind
// every 100 devices retries the deferred list, and every fourth machine
// device waits for a DAI that never appears.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "replayer/report/report_markdown.h"
#include "replayer/report/report_text.h"
#include "replayer/trace/scenario_builder.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

constexpr int kMachines = 1500;

Trace huge_trace() {
  ScenarioBuilder b("huge", "6.1.0-27-amd64", "report size test: 1 500 sound cards");
  const Task init{1, "swapper/0", 0}, mod{400, "modprobe", 1}, work{60, "kworker/u8:2", 1},
      defer{61, "kworker/u8:3", 0};
  b.at(ms(100), init).ev("device_add", {{"dev", "0000:00:1f.3"}, {"bus", "pci"}});
  for (int i = 0; i < kMachines; ++i)
    b.at(ms(200) + static_cast<uint64_t>(i) * 1000, init)
        .ev("device_add", {{"dev", fmt::format("sof-mach.{}", i)}, {"bus", "platform"}});
  b.at(sec(1), init).ev("late_initcall");
  b.trigger(sec(1), init, "late_initcall");
  // The machine driver: every probe defers on its own codec DAI.
  b.at(sec(2), mod).ev("driver_register", {{"drv", "sof-mach"}, {"bus", "platform"}});
  for (int i = 0; i < kMachines; ++i) {
    const uint64_t t = sec(2) + ms(0.1) + static_cast<uint64_t>(i) * ms(0.2);
    b.probe(t, t + ms(0.1), mod, fmt::format("sof-mach.{}", i), "sof-mach", -517,
            fmt::format("ASoC: CODEC DAI codec{}-dai not registered", i), true);
  }
  // The provider binds; its work item registers the codec components in batches.
  b.at(sec(3), mod).ev("driver_register", {{"drv", "sof-pci"}, {"bus", "pci"}});
  b.at(sec(3) + ms(0.1), mod).ev("probe_start", {{"dev", "0000:00:1f.3"}, {"drv", "sof-pci"}});
  b.at(sec(3) + ms(0.2), mod).ev("work_queue", {{"work", 1}, {"func", "sof_probe_work"}});
  b.at(sec(3) + ms(0.3), mod)
      .ev("probe_end", {{"dev", "0000:00:1f.3"}, {"drv", "sof-pci"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(sec(3) + ms(0.3), mod).ev("bound", {{"dev", "0000:00:1f.3"}, {"drv", "sof-pci"}});
  b.trigger(sec(3) + ms(0.3), mod, "bound");
  b.at(sec(4), work).ev("work_start", {{"work", 1}, {"func", "sof_probe_work"}});
  uint64_t t = sec(4) + ms(1);
  for (int batch = 0; batch * 100 < kMachines; ++batch) {
    for (int i = batch * 100; i < (batch + 1) * 100 && i < kMachines; ++i) {
      if (i % 4 == 3) continue;  // nobody registers this DAI
      b.at(t, work).ev(
          "component_add",
          {{"name", fmt::format("codec{}", i)}, {"dev", "0000:00:1f.3"}, {"dais", {fmt::format("codec{}-dai", i)}}});
      t += ms(0.05);
    }
    // A bind (some helper device) triggers a retry round of the deferred list.
    const std::string helper = fmt::format("helper.{}", batch);
    b.at(t, work).ev("device_add", {{"dev", helper}, {"bus", "platform"}});
    b.at(t, work).ev("driver_register", {{"drv", helper}, {"bus", "platform"}});
    b.probe(t + ms(0.01), t + ms(0.02), work, helper, helper, 0);
    t += ms(0.1);
    b.at(t, defer).ev("deferred_work_start");
    for (int i = 0; i < (batch + 1) * 100 && i < kMachines; ++i) {
      if (i < batch * 100 && i % 4 != 3) continue;  // bound in an earlier round
      const bool ok = i % 4 != 3;
      b.probe(t, t + ms(0.01), defer, fmt::format("sof-mach.{}", i), "sof-mach", ok ? 0 : -517,
              ok ? std::string() : fmt::format("ASoC: CODEC DAI codec{}-dai not registered", i), true);
      if (ok)
        b.at(t + ms(0.005), defer)
            .ev("snd_card_register", {{"dev", fmt::format("sof-mach.{}", i)}, {"index", i}, {"id", "sofmach"}});
      t += ms(0.02);
    }
    b.at(t, defer).ev("deferred_work_end");
    t += ms(1);
  }
  b.at(t, work).ev("work_end", {{"work", 1}});
  auto tr = b.build(t + sec(20));
  EXPECT_TRUE(tr.ok()) << (tr.ok() ? "" : tr.error().str());
  return std::move(*tr);
}

class ReportSize : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    trace_ = new Trace(huge_trace());
    ReplayOptions o;
    o.all_policies = true;
    auto r = replay(*trace_, o);
    ASSERT_TRUE(r.ok()) << r.error().str();
    report_ = new ReplayReport(std::move(*r));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete trace_;
  }
  static Trace* trace_;
  static ReplayReport* report_;
};
Trace* ReportSize::trace_ = nullptr;
ReplayReport* ReportSize::report_ = nullptr;

TEST_F(ReportSize, TraceIsHuge) {
  EXPECT_GT(trace_->devices.size(), static_cast<size_t>(kMachines));
  EXPECT_GT(trace_->events.size(), 20'000u);
  EXPECT_EQ(report_->targets.size(), static_cast<size_t>(kMachines));
}

TEST_F(ReportSize, MarkdownStaysUnderTheLimitAndSaysWhatWasCut) {
  const ReportOptions opts;
  const std::string md = format_report_markdown(*report_, *trace_, opts);
  EXPECT_LT(md.size(), 60'000u);
  // What was cut, with counts.
  EXPECT_NE(md.find(fmt::format("and {} more (cut)", kMachines - 8)), std::string::npos) << "target list";
  EXPECT_NE(md.find("more targets are not explained here (cut)"), std::string::npos);
  EXPECT_NE(md.find("Cut: the table shows the 60 devices with the most deferrals; "), std::string::npos);
  EXPECT_NE(md.find("more stranded (cut)"), std::string::npos);
  EXPECT_NE(md.find("<details>"), std::string::npos);
  EXPECT_EQ(md.find("**Report cut:**"), std::string::npos) << "summarising alone was enough";
}

TEST_F(ReportSize, TighterLimitShrinksTheCapsNotTheStructure) {
  ReportOptions opts;
  opts.markdown_limit = 12'000;
  const std::string md = format_report_markdown(*report_, *trace_, opts);
  EXPECT_LT(md.size(), 12'000u);
  EXPECT_NE(md.find("### Verdict per policy"), std::string::npos);
  EXPECT_NE(md.find("### Capture quality and data gaps"), std::string::npos);
  EXPECT_NE(md.find("Cut: the table shows the "), std::string::npos);
  // Balanced <details>.
  size_t open = 0, close = 0;
  for (size_t p = md.find("<details>"); p != std::string::npos; p = md.find("<details>", p + 1)) ++open;
  for (size_t p = md.find("</details>"); p != std::string::npos; p = md.find("</details>", p + 1)) ++close;
  EXPECT_EQ(open, close);
}

TEST_F(ReportSize, ImpossibleLimitCutsAtALineAndSaysSo) {
  ReportOptions opts;
  opts.markdown_limit = 2'000;
  const std::string md = format_report_markdown(*report_, *trace_, opts);
  EXPECT_LT(md.size(), 2'000u);
  EXPECT_NE(md.find("**Report cut:**"), std::string::npos);
}

TEST_F(ReportSize, Deterministic) {
  const ReportOptions opts;
  EXPECT_EQ(format_report_markdown(*report_, *trace_, opts), format_report_markdown(*report_, *trace_, opts));
  EXPECT_EQ(format_report_text(*report_, *trace_, opts), format_report_text(*report_, *trace_, opts));
}

}  // namespace
}  // namespace reprobe
