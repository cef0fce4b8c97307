// The HTML report (replayer/timeline/report_html.h): one self-contained file (strict
// CSP, no external resources), deterministic, its verdict table and embedded
// timeline data matching the replay, redacted unless asked otherwise, and the
// per-lane aggregation that keeps huge traces small. The page itself is
// exercised in a real browser by tests/browser (meson test --suite browser).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "replayer/timeline/report_html.h"
#include "replayer/timeline/report_html_data.h"
#include "replayer/timeline/timeline.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

Trace parse(const std::string& text, const std::string& label) {
  auto t = read_trace_text(text, label);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  return t.ok() ? std::move(*t) : Trace{};
}

std::string html(const Trace& tr, bool redact = true) {
  ReplayOptions o;
  o.all_policies = true;
  o.keep_timelines = true;
  auto r = replay(tr, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  ReportOptions ro;
  ro.redact = redact;
  return format_report_html(*r, tr, ro);
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

nlohmann::json embedded_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"reprobe-data\">";
  const size_t b = page.find(open);
  EXPECT_NE(b, std::string::npos);
  const size_t e = page.find("</script>", b);
  return nlohmann::json::parse(page.substr(b + open.size(), e - b - open.size()));
}

TEST(ReportHtml, IsOneSelfContainedFileUnderAStrictPolicy) {
  const std::string page =
      html(parse(slurp(kRoot / "tests/data/captures/sof-late-component.trace"), "sof-late-component.trace"));
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(
      page.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
                "script-src 'unsafe-inline'; img-src data:\">"),
      std::string::npos);
  for (const char* external :
       {"<link", "@import", " src=", "url(http", "https://", "<iframe", "<object", "fetch(", "XMLHttpRequest"})
    EXPECT_EQ(page.find(external), std::string::npos) << external;
  // The only URL is the SVG namespace (an identifier, never fetched).
  EXPECT_EQ(count(page, "http://"), count(page, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(count(page, "<script"), 2u);
  EXPECT_EQ(page.substr(page.size() - 8), "</html>\n");
}

TEST(ReportHtml, IsDeterministic) {
  const Trace tr = parse(slurp(kRoot / "examples/spdif-race.trace"), "spdif-race.trace");
  EXPECT_EQ(html(tr), html(tr));
}

TEST(ReportHtml, VerdictTableAndDataMatchTheReplay) {
  const Trace tr = parse(slurp(kRoot / "examples/sof-late-component.trace"), "sof-late-component.trace");
  const std::string page = html(tr);
  const size_t policies = all_policy_specs().size();
  EXPECT_EQ(count(page, "<tr data-policy="), policies);
  EXPECT_NE(page.find("<tr data-policy=\"stock\" class=\"bad\">"), std::string::npos);
  EXPECT_NE(page.find("<tr data-policy=\"component-kick\" class=\"ok\">"), std::string::npos);
  EXPECT_EQ(count(page, "<option value="), policies + 1);
  const auto d = embedded_data(page);
  EXPECT_EQ(d["policies"].size(), policies);
  EXPECT_EQ(d["timelines"].size(), policies + 1);
  const auto& strings = d["strings"];
  EXPECT_EQ(strings[d["timelines"][0]["name"].get<size_t>()], "observed");
  EXPECT_EQ(strings[d["lanes"][2][1].get<size_t>()], "skl_hda_dsp_generic");
  EXPECT_EQ(d["lanes"][2][3], 1) << "target";
  EXPECT_EQ(d["stats"]["runs"], 0) << "a small trace is drawn in full";
  EXPECT_NE(page.find("Nothing was aggregated"), std::string::npos);
  // The explanation of the stock outcome is there in plain words.
  EXPECT_NE(page.find("Why (stock replay)"), std::string::npos);
}

TEST(ReportHtml, DataCannotCloseItsScriptElement) {
  std::string text = slurp(kRoot / "examples/sof-late-component.trace");
  const std::string reason = "ASoC: CPU DAI Analog CPU DAI not registered";
  text.replace(text.find(reason), reason.size(), "</script><script>alert(1)</script>");
  const std::string page = html(parse(text, "evil.trace"));
  EXPECT_EQ(count(page, "</script>"), 2u);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"), std::string::npos);
}

TEST(ReportHtml, RedactsTheMachineUnlessAskedNotTo) {
  std::string text = slurp(kRoot / "examples/sof-late-component.trace");
  const size_t nl = text.find('\n');
  auto header = nlohmann::ordered_json::parse(text.substr(0, nl));
  header["kernel"]["cmdline"] = "root=/dev/sda1 init=/home/alice/bin/init quiet";
  header["snapshot"] = {{"hostname", "secretbox"},
                        {"kernel", {{"release", "6.1.0-27-amd64"}, {"version", "#1 SMP alice@secretbox 2026"}}},
                        {"dmi", {{"sys_vendor", "LENOVO"}, {"product_name", "21A0 serial=PF3ABCDE"}}}};
  text = header.dump() + text.substr(nl);
  const Trace tr = parse(text, "/home/alice/private.trace");
  const std::string red = html(tr), plain = html(tr, false);
  for (const char* secret : {"alice", "secretbox", "PF3ABCDE"}) {
    EXPECT_EQ(red.find(secret), std::string::npos) << secret;
    EXPECT_NE(plain.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(red.find("LENOVO"), std::string::npos) << "the hardware model stays";
  EXPECT_NE(red.find("Machine and kernel (redacted)"), std::string::npos);
}

// Aggregation: 1 000 attempts on one lane fold into runs around the first
// and last attempts kept as they are; the counts add up.
TEST(ReportHtmlData, FoldsLongLanesIntoRunsThatAddUp) {
  TimelineModel tm;
  tm.lanes.resize(3);
  tm.lanes[2].label = "dev";
  for (uint32_t i = 0; i < 1000; ++i) {
    TimelineProbe p;
    p.lane = 2;
    p.start = i * 1000;
    p.end = p.start + 500;
    p.outcome = i == 999 ? ProbeOutcome::bound : ProbeOutcome::deferred;
    p.driver = "drv";
    tm.observed.probes.push_back(p);
    tm.observed.marks.push_back(TimelineMark{p.end, 2, MarkKind::deferral, i % 2 ? "reason a" : "reason b"});
  }
  tm.observed.name = "observed";
  Redactor off = Redactor::disabled();
  ScrubCache scrub(off);
  TimelineDataStats st;
  const auto d = timeline_data_json(tm, 8, false, scrub, st);
  const auto& o = d["timelines"][0];
  ASSERT_EQ(o["p"].size(), 8u);
  EXPECT_EQ(o["p"][0][1], 0) << "the first attempt is kept";
  EXPECT_EQ(o["p"][7][3], 0) << "the last (bound) attempt is kept";
  size_t folded = 0;
  for (const auto& r : o["pr"])
    folded += r[3].get<size_t>() + r[4].get<size_t>() + r[5].get<size_t>() + r[6].get<size_t>() + r[7].get<size_t>();
  EXPECT_EQ(folded, 992u);
  EXPECT_EQ(o["pr"].size(), 4u);
  size_t marks_folded = 0;
  for (const auto& r : o["mr"]) {
    marks_folded += r[4].get<size_t>();
    EXPECT_EQ(r[5].size(), 2u) << "both distinct reasons named";
  }
  EXPECT_EQ(marks_folded + o["m"].size(), 1000u);
  EXPECT_EQ(st.items_in, 2000u);
  EXPECT_EQ(st.runs, 8u);
}

}  // namespace
}  // namespace reprobe
