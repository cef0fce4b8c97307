// Issue 15: JSON members of the wrong type in a trace's extension lines and header snapshot.
// nlohmann's value(key, default) throws type_error when the member exists with another type; in
// replay's target detection that ended the process (std::terminate) on a crafted trace, found by
// explore_fuzz (a "kind" that is a number in an x- line naming a failure). Such members now read
// as absent (replayer/verdict/json_field.h), in the replay and in the report writers.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "examples/scenarios.h"
#include "replayer/report/report_markdown.h"
#include "replayer/report/report_text.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/json_field.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

// The sof-late-component example with extension lines whose failure members have other types,
// a card registered with index 0, a snapshot card whose index is a string (the report's card
// identity reads that list) and a devices_deferred list whose 'readable' is a string (the model's
// initial pending list reads it: a json type_error, found in the seventeenth session's hostile pass).
std::string hostile_trace() {
  auto text = examples::sof_late_component().text(sec(60));
  if (!text) return {};
  std::string t = std::move(*text);
  const std::string lines =
      R"({"t":25360000001,"cpu":1,"tid":60,"comm":"x","ev":"x-dmesg","dev":"0000:00:1f.3","kind":5,"text":"failure:x","line":"7"})"
      "\n"
      R"({"t":25360000002,"cpu":1,"tid":60,"comm":"x","ev":"x-dmesg","dev":7,"kind":"failure:probe-error","text":["failure:"],"line":-3})"
      "\n"
      R"({"t":25360000003,"cpu":1,"tid":60,"comm":"x","ev":"snd_card_register","dev":"skl_hda_dsp_generic","index":0,"id":"sofhda"})"
      "\n"
      R"({"t":25360000004,"cpu":1,"tid":60,"comm":"x","ev":"x-dmesg","dev":"0000:00:1f.3","kind":"failure:probe-error","text":{"a":1},"line":4})"
      "\n";
  const size_t end = t.rfind("{\"ev\":\"end\"");
  if (end == std::string::npos) return {};
  t.insert(end, lines);
  const size_t hdr = t.find("\"clock\"");
  if (hdr == std::string::npos) return {};
  t.insert(hdr, R"("snapshot":{"alsa":{"cards":[{"index":"0","id":5,"name":["x"]}]},)"
                R"("devices_deferred":{"readable":"yes","devices":[5,{"dev":7}]}},)");
  return t;
}

TEST(HostileJsonFields, WrongTypesReadAsAbsentInReplayAndReports) {
  const std::string text = hostile_trace();
  ASSERT_FALSE(text.empty());
  auto tr = read_trace_text(text, "hostile.trace");
  ASSERT_TRUE(tr) << tr.error().str();
  ReplayOptions o;
  o.policies = {"stock", "provider-kick"};
  std::optional<Result<ReplayReport>> rep;
  ASSERT_NO_THROW(rep.emplace(replay(*tr, o)));
  ASSERT_TRUE(*rep) << (*rep).error().str();
  const ReportOptions opts;
  EXPECT_NO_THROW(format_report_markdown(**rep, *tr, opts));
  EXPECT_NO_THROW(format_report_text(**rep, *tr, opts));
}

TEST(HostileJsonFields, TypedReadsNeverThrow) {
  const auto j = nlohmann::json::parse(R"({"s":5,"i":"x","ok":"y","n":3})");
  EXPECT_EQ(string_field(j, "s"), "");
  EXPECT_EQ(string_field(j, "s", "d"), "d");
  EXPECT_EQ(string_field(j, "ok"), "y");
  EXPECT_EQ(string_field(j, "missing"), "");
  EXPECT_EQ(int_field(j, "i", -1), -1);
  EXPECT_EQ(int_field(j, "n", -1), 3);
  EXPECT_EQ(string_field(nlohmann::json::array(), "s"), "");
}

}  // namespace
}  // namespace reprobe
