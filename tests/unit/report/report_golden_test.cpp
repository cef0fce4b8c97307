// Golden tests of `reprobe report`: the Markdown and text reports (all
// policies, redacted) of every example (examples/*.trace) and every real
// capture (6.1: tests/data/captures/*.trace, 6.12: tests/data/captures/6.12/)
// compared byte for byte with tests/golden/report/{examples,captures,
// captures/6.12}/NAME.{md,txt}.
// REPROBE_UPDATE_GOLDEN=1 rewrites the files (review the diff!).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "examples/scenarios.h"
#include "replayer/report/report_markdown.h"
#include "replayer/report/report_text.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"
#include "tests/support/golden_file.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

// Listed, not globbed: a capture that goes missing fails here.
const char* const kCaptures[] = {"hda",  "sof-late-component", "sof-fw-callback",
                                 "kick", "timeout-rescue",     "replug-hda"};

struct Case {
  std::string kind;  // "examples", "captures" (6.1) or "captures/6.12"
  std::string name;
  std::string trace_label() const {
    return kind == "examples" ? "examples/" + name + ".trace" : "tests/data/" + kind + "/" + name + ".trace";
  }
};

std::vector<Case> all_cases() {
  std::vector<Case> v;
  for (const auto& ex : examples::all()) v.push_back({"examples", ex.name});
  for (const char* c : kCaptures) v.push_back({"captures", c});
  // 6.12: the same captures, from a real 6.12 kernel
  for (const char* c : kCaptures) v.push_back({"captures/6.12", c});
  return v;
}

class ReportGolden : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const auto path = kRoot / GetParam().trace_label();
    ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing";
    auto t = read_trace_text(slurp(path), GetParam().trace_label());
    ASSERT_TRUE(t.ok()) << t.error().str();
    trace_ = std::move(*t);
    ReplayOptions o;
    o.all_policies = true;
    auto r = replay(trace_, o);
    ASSERT_TRUE(r.ok()) << r.error().str();
    report_ = std::move(*r);
  }
  std::filesystem::path golden(const char* ext) const {
    return kRoot / "tests/golden/report" / GetParam().kind / (GetParam().name + ext);
  }
  Trace trace_;
  ReplayReport report_;
};

// Redaction with no private names given: only what the trace itself reveals
// (the machine running the test must not change the bytes).
ReportOptions golden_options() { return ReportOptions{}; }

TEST_P(ReportGolden, MarkdownMatchesGolden) {
  const std::string md = format_report_markdown(report_, trace_, golden_options());
  EXPECT_LT(md.size(), golden_options().markdown_limit);
  compare_or_update(golden(".md"), md);
}

TEST_P(ReportGolden, TextMatchesGolden) {
  compare_or_update(golden(".txt"), format_report_text(report_, trace_, golden_options()));
}

TEST_P(ReportGolden, OutputIsDeterministic) {
  // Twice from the same report, and once from a second replay of the same trace.
  ReplayOptions o;
  o.all_policies = true;
  auto again = replay(trace_, o);
  ASSERT_TRUE(again.ok());
  const std::string md = format_report_markdown(report_, trace_, golden_options());
  EXPECT_EQ(md, format_report_markdown(report_, trace_, golden_options()));
  EXPECT_EQ(md, format_report_markdown(*again, trace_, golden_options()));
  EXPECT_EQ(format_report_text(report_, trace_, golden_options()),
            format_report_text(*again, trace_, golden_options()));
}

TEST_P(ReportGolden, HasEverySection) {
  const std::string md = format_report_markdown(report_, trace_, golden_options());
  for (const char* heading : {"### Verdict per policy", "### What happened (stock)", "Deferrals per device",
                              "### Machine and kernel", "### Capture quality and data gaps"})
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  // One verdict row per policy of the catalogue.
  for (const auto& p : all_policy_specs()) EXPECT_NE(md.find("| `" + p + "` |"), std::string::npos) << p;
}

INSTANTIATE_TEST_SUITE_P(All, ReportGolden, ::testing::ValuesIn(all_cases()), [](const auto& info) {
  std::string n = info.param.kind + "_" + info.param.name;
  for (auto& c : n)
    if (c == '-' || c == '/' || c == '.') c = '_';
  return n;
});

// The plain-words explanation says what the issue asks for on the canonical
// stranding: what it waited for, when that arrived relative to the last bind,
// that nothing probed afterwards, and which policies rescue it.
TEST(ReportWhy, SofLateComponentExplainsTheMissedTrigger) {
  auto t = read_trace_text(slurp(kRoot / "examples/sof-late-component.trace"), "examples/sof-late-component.trace");
  ASSERT_TRUE(t.ok());
  ReplayOptions o;
  o.all_policies = true;
  auto r = replay(*t, o);
  ASSERT_TRUE(r.ok());
  const std::string md = format_report_markdown(*r, *t, ReportOptions{});
  EXPECT_NE(md.find("It waits for `dai:Analog CPU DAI` (named by its deferral reason), which appeared at 25.350000 s"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("it arrived 180 ms after the last bind (`ehdaudio0D2` at 25.170000 s), the last trigger before it"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("so nothing probed afterwards"), std::string::npos) << md;
  EXPECT_NE(md.find("fired at 11.000000 s, 14.35 s before the arrival"), std::string::npos) << md;
  EXPECT_NE(md.find("Replayed policies that bind it: `provider-kick`"), std::string::npos) << md;
}

}  // namespace
}  // namespace reprobe
