// Golden tests: every example scenario x every policy -> the checked-in JSON
// verdict (tests/golden/<example>/<policy>.json), compared byte for byte.
// REPROBE_UPDATE_GOLDEN=1 rewrites the files (review the diff!).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "examples/scenarios.h"
#include "replayer/report/replay_output.h"
#include "replayer/report/report_text.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"
#include "tests/support/golden_file.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

Trace load(const std::string& name) {
  const std::string label = "examples/" + name + ".trace";
  auto t = read_trace_text(slurp(kRoot / label), label);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  return std::move(*t);
}

PolicyVerdict verdict(const Trace& tr, const std::string& policy, const std::string& kernel = "auto") {
  ReplayOptions o;
  o.policies = {policy};
  o.kernel = kernel;
  auto r = replay(tr, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return r->verdicts.at(0);
}

class Golden : public ::testing::TestWithParam<examples::Example> {};

TEST_P(Golden, ExampleTraceIsCanonicalAndUpToDate) {
  const auto& ex = GetParam();
  auto text = ex.build().text(ex.end_t);
  ASSERT_TRUE(text) << text.error().str();
  compare_or_update(kRoot / "examples" / (ex.name + ".trace"), *text);
}

TEST_P(Golden, EveryPolicyMatchesGoldenVerdict) {
  const auto& ex = GetParam();
  const Trace tr = load(ex.name);
  for (const auto& p : all_policy_specs()) {
    ReplayOptions o;
    o.policies = {p};
    auto r = replay(tr, o);
    ASSERT_TRUE(r.ok()) << r.error().str();
    compare_or_update(kRoot / "tests/golden" / ex.name / (p + ".json"), format_json(*r));
  }
}

TEST_P(Golden, StockReplayIsFaithfulToTheTrace) {
  const Trace tr = load(GetParam().name);
  auto r = replay(tr, ReplayOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->fidelity.exact) << ::testing::PrintToString(r->fidelity.divergences);
}

TEST_P(Golden, OutputIsDeterministic) {
  const Trace tr = load(GetParam().name);
  ReplayOptions o;
  o.all_policies = true;
  auto a = replay(tr, o), b = replay(tr, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(format_json(*a), format_json(*b));
  EXPECT_EQ(format_text(*a), format_text(*b));
  EXPECT_EQ(format_markdown(*a), format_markdown(*b));
}

// The section between "TITLE\n----" and the next section title (text rendering).
std::string text_section(const std::string& text, const std::string& title) {
  const std::string head = title + "\n" + std::string(title.size(), '-') + "\n";
  const size_t a = text.find(head);
  if (a == std::string::npos) return "(no section " + title + ")";
  std::smatch next;
  const std::string rest = text.substr(a + head.size());
  if (!std::regex_search(rest, next, std::regex("\n\n[^\n]+\n-+\n"))) return rest;
  return head + rest.substr(0, static_cast<size_t>(next.position(0)));
}

// One explanation engine: `replay` (why, text) and `report` tell the same story.
TEST_P(Golden, ReplayAndReportTellTheSameStory) {
  const Trace tr = load(GetParam().name);
  ReplayOptions o;
  o.all_policies = true;
  auto r = replay(tr, o);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->stories.empty());
  std::vector<std::string> lines;
  for (const auto& st : r->stories)
    for (const auto& l : st.lines) lines.push_back(l.plain());
  EXPECT_EQ(r->why, lines);
  ReportOptions ro;
  ro.redact = false;
  EXPECT_EQ(text_section(format_text(*r), "What happened (stock)"),
            text_section(format_report_text(*r, tr, ro), "What happened (stock)"));
  EXPECT_EQ(text_section(format_text(*r), "Verdict per policy"),
            text_section(format_report_text(*r, tr, ro), "Verdict per policy"));
}

INSTANTIATE_TEST_SUITE_P(Examples, Golden, ::testing::ValuesIn(examples::all()), [](const auto& info) {
  std::string n = info.param.name;
  for (auto& c : n)
    if (c == '-') c = '_';
  return n;
});

// The outcomes kernel-model.md predicts, asserted directly (not only through goldens).
TEST(ExpectedOutcomes, SofLateComponent) {
  const Trace tr = load("sof-late-component");
  EXPECT_FALSE(verdict(tr, "stock").bound());
  EXPECT_FALSE(verdict(tr, "no-timeout").bound());
  EXPECT_FALSE(verdict(tr, "no-race-fix").bound());
  for (const char* p :
       {"provider-kick", "component-kick", "resource-kick", "resource-aware", "periodic", "sync-provider"})
    EXPECT_TRUE(verdict(tr, p).bound()) << p;
  const auto stock = verdict(tr, "stock");
  ASSERT_EQ(stock.stranded.size(), 1u);
  EXPECT_EQ(stock.stranded[0].evidence, Evidence::reason);
  // resource-aware retries exactly at the component's arrival: no later than component-kick.
  EXPECT_LE(*verdict(tr, "resource-aware").target_bound_at, *verdict(tr, "component-kick").target_bound_at);
  EXPECT_GT(verdict(tr, "sync-provider").blocked_total_ns, 0u);
}

TEST(ExpectedOutcomes, SofFwCallback) {
  const Trace tr = load("sof-fw-callback");
  EXPECT_FALSE(verdict(tr, "stock").bound());
  EXPECT_TRUE(verdict(tr, "provider-kick").bound());
  EXPECT_TRUE(verdict(tr, "component-kick").bound());
  EXPECT_TRUE(verdict(tr, "resource-aware").bound());
}

TEST(ExpectedOutcomes, SpdifRace) {
  const Trace tr = load("spdif-race");
  const auto stock = verdict(tr, "stock");
  EXPECT_TRUE(stock.bound());
  EXPECT_EQ(stock.triggers_by_cause[static_cast<size_t>(TriggerCause::race)], 1u);
  EXPECT_FALSE(verdict(tr, "no-race-fix").bound());
  EXPECT_TRUE(verdict(tr, "stock:race_fix=0,timeout=10").bound()) << "the timeout rescues it";
}

TEST(ExpectedOutcomes, TimeoutRescue) {
  const Trace tr = load("timeout-rescue");
  const auto v61 = verdict(tr, "stock");
  EXPECT_TRUE(v61.bound());
  EXPECT_TRUE(v61.timeout_fired_at.has_value());
  // Extended by both driver registrations: fires 10 s after the last one (2.1001 s).
  EXPECT_EQ(*v61.timeout_fired_at, 12'100'100'000u);
  EXPECT_FALSE(verdict(tr, "stock", "5.10").bound());
  EXPECT_FALSE(verdict(tr, "no-timeout").bound());
  EXPECT_EQ(*verdict(tr, "stock:extend=0").timeout_fired_at, 11'000'000'000u);
}

TEST(ExpectedOutcomes, TimeoutRescueOn510IsGolden) {
  const Trace tr = load("timeout-rescue");
  ReplayOptions o;
  o.kernel = "5.10";
  auto r = replay(tr, o);
  ASSERT_TRUE(r.ok());
  compare_or_update(kRoot / "tests/golden/timeout-rescue/stock@5.10.json", format_json(*r));
}

TEST(ExpectedOutcomes, AsyncProbe) {
  const Trace tr = load("async-probe");
  EXPECT_TRUE(verdict(tr, "stock").bound());
  EXPECT_FALSE(verdict(tr, "no-race-fix:timeout=0").bound());
}

TEST(ExpectedOutcomes, HdaHealthy) {
  const Trace tr = load("hda-healthy");
  for (const auto& p : all_policy_specs()) {
    const auto v = verdict(tr, p);
    EXPECT_TRUE(v.bound()) << p;
    EXPECT_EQ(v.deferrals, 0u) << p;
    ASSERT_EQ(v.targets.size(), 1u);
    EXPECT_TRUE(v.targets[0].card_at.has_value()) << "snd_card_register replayed under " << p;
  }
}

}  // namespace
}  // namespace reprobe
