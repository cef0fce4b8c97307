// The robustness section of `reprobe report --explore FILE` (replayer/timeline/robustness.h): the
// explore JSON read back, refused with a clear error when it is not one, and the section's
// table and counterexample words in Markdown and text.
#include <gtest/gtest.h>

#include "replayer/report/report_markdown.h"
#include "replayer/report/report_text.h"
#include "replayer/timeline/robustness.h"

namespace reprobe {
namespace {

// The shape `reprobe explore --format json` writes (docs/explore.md, "Output").
const char* kExplore = R"({
  "trace": "examples/spdif-race.trace", "kernel_profile": "6.1", "jitter_ms": 1.0, "jitter": "1 ms",
  "targets": ["kirkwood-spdif-audio.1"], "happens_before_edges": 9, "concurrent_pairs": 4,
  "policies": [
    {"policy": "stock", "robust": true, "exhaustive": true, "schedules": 101705, "stranded": 0, "runs": 3865,
     "states": 28317, "unexplored_branches": 0, "seconds": null, "observed_binds": true},
    {"policy": "no-race-fix", "robust": false, "exhaustive": true, "schedules": 101705, "stranded": 4811,
     "runs": 3865, "states": 24725, "unexplored_branches": 0, "seconds": null, "observed_binds": false,
     "counterexample": {"path": "cx/no-race-fix.trace", "reorderings": 0, "choices": [],
                        "words": ["then kirkwood-spdif-audio.1 stays unbound"]}},
    {"policy": "provider-kick", "robust": null, "exhaustive": false, "schedules": 10, "stranded": 0, "runs": 10,
     "states": 99, "unexplored_branches": 3, "seconds": 0.5, "observed_binds": true},
    {"policy": "periodic:ms=1", "robust": null, "exhaustive": true, "schedules": 1, "stranded": 0, "runs": 1,
     "states": 1005601, "unexplored_branches": 0, "seconds": null, "observed_binds": false, "cut_runs": 1}
  ]})";

TEST(Robustness, ReadsTheExploreJson) {
  const auto r = parse_robustness(kExplore, "e.json");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->trace, "examples/spdif-race.trace");
  EXPECT_EQ(r->jitter, "1 ms");
  ASSERT_EQ(r->rows.size(), 4u);
  EXPECT_EQ(r->rows[3].cut_runs, 1u);
  EXPECT_EQ(r->rows[0].robust, true);
  EXPECT_EQ(r->rows[1].robust, false);
  EXPECT_EQ(r->rows[1].counterexample, "cx/no-race-fix.trace");
  EXPECT_EQ(r->rows[1].stranded, 4811);
  EXPECT_EQ(r->rows[2].robust, std::nullopt);
  EXPECT_FALSE(r->rows[2].exhaustive);
}

TEST(Robustness, SectionInMarkdownAndText) {
  const auto r = parse_robustness(kExplore, "e.json");
  ASSERT_TRUE(r.ok());
  ReportDocument doc;
  doc.title = "t";
  doc.sections.push_back(robustness_section(*r));
  const std::string md = render_markdown(doc);
  EXPECT_NE(md.find("Robustness across schedules (reprobe explore)"), std::string::npos) << md;
  EXPECT_NE(md.find("| `no-race-fix` | fails | 101705 | 4811 | 24725 | `cx/no-race-fix.trace` |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| `stock` | robust | 101705 | 0 | 28317 | - |"), std::string::npos) << md;
  EXPECT_NE(md.find("`no-race-fix`: then kirkwood-spdif-audio.1 stays unbound."), std::string::npos) << md;
  EXPECT_NE(md.find("not exhaustive"), std::string::npos) << md;
  EXPECT_NE(md.find("| `periodic:ms=1` | undetermined (runs cut by the step bound) |"), std::string::npos) << md;
  const std::string txt = render_text(doc);
  EXPECT_NE(txt.find("no-race-fix: then kirkwood-spdif-audio.1 stays unbound."), std::string::npos) << txt;
  EXPECT_NE(txt.find("cx/no-race-fix.trace"), std::string::npos) << txt;
}

TEST(Robustness, RefusesWhatIsNotAnExploreJson) {
  EXPECT_EQ(parse_robustness("{", "e.json").error().str(), "e.json: not JSON (byte 2)");
  EXPECT_EQ(parse_robustness("[]", "e.json").error().str(),
            "e.json: not reprobe explore --format json (not an object)");
  EXPECT_EQ(parse_robustness(R"({"trace":"t","jitter":"1 ms"})", "e.json").error().str(),
            "e.json: top level: \"policies\" must be an array");
  EXPECT_EQ(parse_robustness(R"({"jitter":"1 ms","policies":[]})", "e.json").error().str(),
            "e.json: top level: no \"trace\" (not reprobe explore --format json?)");
  EXPECT_EQ(
      parse_robustness(R"({"trace":"t","jitter":"1 ms","policies":[{"policy":"stock","robust":"yes"}]})", "e.json")
          .error()
          .str(),
      "e.json: policies[0]: \"robust\" must be true, false or null");
  EXPECT_EQ(
      parse_robustness(
          R"({"trace":"t","jitter":"1 ms","policies":[{"policy":"stock","robust":true,"exhaustive":true,"schedules":"many"}]})",
          "e.json")
          .error()
          .str(),
      "e.json: policies[0]: \"schedules\" has the wrong type");
  EXPECT_EQ(read_robustness("/nonexistent/e.json").error().str(),
            "/nonexistent/e.json: cannot read: No such file or directory");
}

}  // namespace
}  // namespace reprobe
