// What `reprobe preload` plays for the bundled real capture (sof-late-component: the machine
// driver defers on a DSP component registered from a workqueue after its probe returned): the
// synthesized card, its umockdev records and the card timeline under stock and component-kick.
#include <gtest/gtest.h>

#include <filesystem>

#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"
#include "tools/preload/card_timeline.h"
#include "tools/preload/preload_session.h"
#include "tools/preload/sound_card.h"
#include "tools/preload/testbed_records.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

struct Loaded {
  Trace trace;
  ReplayReport report;
};

Loaded load(const std::string& policy) {
  auto trace = read_trace_file((kRoot / "tests/data/captures/sof-late-component.trace").string());
  EXPECT_TRUE(trace.ok());
  ReplayOptions ro;
  ro.policies = {policy};
  auto rep = replay(*trace, ro);
  EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.error().str());
  return {std::move(*trace), std::move(*rep)};
}

TEST(PreloadPlan, StrandedStockNeverAddsTheCard) {
  auto l = load("stock");
  ASSERT_EQ(l.report.targets.size(), 1u);
  const auto tl = card_timeline(l.trace, l.report.verdicts[0], l.report.targets[0]);
  EXPECT_TRUE(tl.events.empty());
  EXPECT_EQ(tl.verdict, Verdict::stranded);
  EXPECT_EQ(tl.origin, 15897876013u);
}

TEST(PreloadPlan, ComponentKickAddsTheCardAtTheReplayedBind) {
  auto l = load("component-kick");
  const auto tl = card_timeline(l.trace, l.report.verdicts[0], l.report.targets[0]);
  ASSERT_EQ(tl.events.size(), 1u);
  EXPECT_EQ(tl.events[0].change, CardChange::add);
  EXPECT_EQ(tl.events[0].t, *l.report.verdicts[0].target_bound_at);
  EXPECT_GT(tl.events[0].t, 16'250'000'000u);
  EXPECT_LT(tl.events[0].t, 16'300'000'000u);
}

TEST(PreloadPlan, CardSynthesizedFromWhatTheTraceNames) {
  auto l = load("component-kick");
  auto card = describe_sound_card(l.trace, l.report.targets[0], "reprobe-machine");
  ASSERT_TRUE(card.ok()) << card.error().str();
  EXPECT_TRUE(card->synthesized);
  EXPECT_EQ(card->id, "reprobe");
  EXPECT_EQ(card->name, "reprobe");
  EXPECT_EQ(card->driver, "reprobe");
  ASSERT_EQ(card->pcms.size(), 1u);
  EXPECT_EQ(card->pcms[0].id, "reprobe-dmic");  // the DAI link of the deferral reason
  ASSERT_EQ(card->parents.size(), 2u);
  EXPECT_EQ(card->parents[0].name, "platform");
  EXPECT_EQ(card->parents[1].name, "reprobe-machine");
  EXPECT_EQ(card->parents[1].bus, "platform");

  const auto records = testbed_records(*card);
  ASSERT_EQ(records.size(), 5u);  // parent, card0, pcmC0D0p, pcmC0D0c, controlC0 (registered last)
  EXPECT_EQ(records[0].syspath, "/sys/devices/platform/reprobe-machine");
  EXPECT_EQ(records[0].text.find("DRIVER"), std::string::npos);  // unbound until the card appears
  EXPECT_EQ(records[0].bound_driver, "reprobe-machine");
  EXPECT_EQ(records[1].syspath, "/sys/devices/platform/reprobe-machine/sound/card0");
  EXPECT_NE(records[1].text.find("A: id=reprobe\n"), std::string::npos);
  EXPECT_NE(records[1].text.find("E: SOUND_INITIALIZED=1\n"), std::string::npos);
  EXPECT_EQ(records[2].devnode, "/dev/snd/pcmC0D0p");
  EXPECT_NE(records[2].text.find("A: dev=116:16\n"), std::string::npos);
  EXPECT_EQ(records[3].devnode, "/dev/snd/pcmC0D0c");
  EXPECT_NE(records[3].text.find("A: dev=116:24\n"), std::string::npos);
  EXPECT_EQ(records[4].devnode, "/dev/snd/controlC0");
  EXPECT_NE(records[4].text.find("A: dev=116:0\n"), std::string::npos);
  EXPECT_FALSE(records[0].sound);
  EXPECT_TRUE(records[1].sound && records[2].sound);
}

TEST(PreloadPlan, CardIdLikeTheKernel) {
  EXPECT_EQ(card_id_from_name("sof-hda-dsp"), "sofhdadsp");
  EXPECT_EQ(card_id_from_name("HDA Intel PCH"), "PCH");
  EXPECT_EQ(card_id_from_name("3stack"), "D3stack");
  EXPECT_EQ(card_id_from_name("card-x"), "Default");
  EXPECT_EQ(card_id_from_name("abcdefghijklmnopqrstuvwxyz"), "abcdefghijklmno");
}

TEST(PreloadPlan, WallOffsetsNeverOverflow) {
  EXPECT_EQ(wall_offset(16'000'000'000u, 15'000'000'000u, 1), 1'000'000'000u);
  EXPECT_EQ(wall_offset(16'000'000'000u, 15'000'000'000u, 4), 250'000'000u);
  EXPECT_EQ(wall_offset(16'000'000'000u, 16'000'000'000u, 5e-324), 0u);
  // Further away than any run: the event does not happen while the command runs (it came at
  // once before: the delay overflowed when converted to an integer).
  EXPECT_FALSE(wall_offset(16'000'000'000u, 15'000'000'000u, 1e-300).has_value());
  EXPECT_FALSE(wall_offset(16'000'000'000u, 15'000'000'000u, 5e-324).has_value());
  EXPECT_FALSE(wall_offset(UINT64_MAX, 0, 1).has_value());
  EXPECT_TRUE(wall_offset(UINT64_MAX, 0, 1000).has_value());
}

TEST(PreloadPlan, AtTimes) {
  EXPECT_EQ(*parse_trace_time("16.4s"), 16'400'000'000u);
  EXPECT_EQ(*parse_trace_time("16400ms"), 16'400'000'000u);
  EXPECT_EQ(*parse_trace_time("16.4"), 16'400'000'000u);
  EXPECT_EQ(*parse_trace_time("5ns"), 5u);
  EXPECT_FALSE(parse_trace_time("16.4 min").ok());
  EXPECT_FALSE(parse_trace_time("-1s").ok());
  EXPECT_FALSE(parse_trace_time("soon").ok());
}

}  // namespace
}  // namespace reprobe
