// Issue 15, report side: hostile strings in a trace (line breaks, ESC
// sequences, bidi overrides) are escaped in every output format, the kernel
// command line is redacted alike in every format, and a header nested far
// deeper than the reader allows (a Trace built in memory) does not crash a
// report or the export.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "replayer/report/escape.h"
#include "replayer/report/replay_output.h"
#include "replayer/report/report_markdown.h"
#include "replayer/report/report_text.h"
#include "replayer/timeline/perfetto_export.h"
#include "replayer/timeline/report_html.h"
#include "replayer/timeline/timeline.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

std::string example_text(const std::string& name) {
  std::ifstream in(std::filesystem::path(REPROBE_SOURCE_ROOT) / "examples" / (name + ".trace"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

Trace read(const std::string& text) {
  auto t = read_trace_text(text, "hostile.trace");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  return t.ok() ? std::move(*t) : Trace{};
}

struct Outputs {
  std::string replay_text, replay_markdown, markdown, text, html, perfetto;
};

Outputs all_outputs(const Trace& tr) {
  ReplayOptions o;
  o.all_policies = true;
  auto r = replay(tr, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  if (!r.ok()) return {};
  const ReportOptions opts;
  return {format_text(*r),
          format_markdown(*r),
          format_report_markdown(*r, tr, opts),
          format_report_text(*r, tr, opts),
          format_report_html(*r, tr, opts),
          format_perfetto_json(build_timeline(*r, tr), *r, tr, opts)};
}

std::vector<std::pair<const char*, const std::string*>> named(const Outputs& o) {
  return {{"replay text", &o.replay_text},  {"replay markdown", &o.replay_markdown},
          {"report markdown", &o.markdown}, {"report text", &o.text},
          {"report html", &o.html},         {"perfetto", &o.perfetto}};
}

// Hostile names: a DAI name that forges a verdict row, a device name that
// retitles the terminal and clears the screen, a driver with an RTL override.
std::string hostile_trace() {
  std::string t = example_text("sof-late-component");
  replace_all(t, "\"Analog Codec DAI\"", R"("Analog\n| stock | yes | FORGED |")");
  replace_all(t, "\"ehdaudio0D2\"", R"("ehda\u001b]0;TITLE\u0007\u001b[2J\u001b[31mRED")");
  replace_all(t, "skl_hda_dsp_generic", R"(skl_hda\u202egeneric\u2066x\u0085)");
  return t;
}

void expect_no_raw_controls(const std::string& out, const char* what) {
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << what << " has a raw ESC";
  EXPECT_EQ(out.find('\x07'), std::string::npos) << what << " has a raw BEL";
  EXPECT_EQ(out.find("\xE2\x80\xAE"), std::string::npos) << what << " has a raw U+202E";
  EXPECT_EQ(out.find("\xE2\x81\xA6"), std::string::npos) << what << " has a raw U+2066";
  EXPECT_EQ(out.find("\xC2\x85"), std::string::npos) << what << " has a raw U+0085";
  // No line starts with the forged row: the line break inside the name is an escape.
  EXPECT_EQ(out.find("\n| stock | yes | FORGED"), std::string::npos) << what << " has a forged row:\n" << out;
  for (char c : out)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == '\x7f') {
      ADD_FAILURE() << what << " has raw control 0x" << std::hex << int(static_cast<unsigned char>(c));
      break;
    }
  std::string no_lf = out;  // the outputs' own line feeds aside, nothing may need escaping
  std::replace(no_lf.begin(), no_lf.end(), '\n', ' ');
  EXPECT_FALSE(needs_escape(no_lf)) << what << " has a raw C1 or bidi control or a byte that is not UTF-8";
}

TEST(ReportEscaping, HostileStringsAreVisibleEscapesInEveryFormat) {
  const Trace tr = read(hostile_trace());
  ASSERT_FALSE(tr.events.empty());
  const Outputs o = all_outputs(tr);
  for (const auto& [what, out] : named(o)) {
    ASSERT_FALSE(out->empty()) << what;
    expect_no_raw_controls(*out, what);
  }
  for (const std::string* out : {&o.replay_text, &o.text, &o.markdown, &o.html}) {
    EXPECT_NE(out->find(R"(ehda\x1b]0;TITLE\x07\x1b[2J\x1b[31mRED)"), std::string::npos) << *out;
    EXPECT_NE(out->find(R"(skl_hda\u202egeneric\u2066x\u0085)"), std::string::npos) << *out;
  }
  // Perfetto is JSON: the visible escape's backslash is itself escaped there.
  EXPECT_NE(o.perfetto.find(R"(skl_hda\\u202egeneric)"), std::string::npos);
}

// A trigger's cause is a free string of the trace (the documented values are
// not enforced). The Perfetto export wrote it raw into slice names and args:
// DEL, C1 controls and bidi overrides survived JSON escaping (found by
// report_fuzz, eighteenth session).
TEST(ReportEscaping, HostileTriggerCauseIsEscapedInEveryFormat) {
  std::string t = example_text("sof-late-component");
  replace_all(t, R"("cause":"late_initcall","count":2)", R"("cause":"late\u007f\u0085\u202e\u001b[2Jx","count":2)");
  const Trace tr = read(t);
  ASSERT_FALSE(tr.events.empty());
  const Outputs o = all_outputs(tr);
  for (const auto& [what, out] : named(o)) {
    ASSERT_FALSE(out->empty()) << what;
    expect_no_raw_controls(*out, what);
  }
  EXPECT_NE(o.perfetto.find(R"(trigger late\\x7f\\u0085\\u202e\\x1b[2Jx)"), std::string::npos) << o.perfetto;
}

TEST(ReportEscaping, Helpers) {
  EXPECT_EQ(visible("a\nb\r\t\x1b[2J\x7f"), R"(a\nb\r\t\x1b[2J\x7f)");
  EXPECT_EQ(visible("\xE2\x80\xAE \xE2\x80\x8F \xD8\x9C \xE2\x80\xA8"), R"(\u202e \u200f \u061c \u2028)");
  EXPECT_EQ(visible("bad \xff\xC0\x80 ok µ×—"), R"(bad \xff\xc0\x80 ok µ×—)");
  EXPECT_EQ(visible(visible("x\n\xE2\x80\xAE")), visible("x\n\xE2\x80\xAE"));  // idempotent
  EXPECT_FALSE(needs_escape("plain µs text \\n"));
  EXPECT_TRUE(needs_escape("a\x1b"));
  EXPECT_EQ(escape_html("<a href='x'>&\n"), R"(&lt;a href=&#39;x&#39;&gt;&amp;\n)");
  EXPECT_EQ(markdown_code("a|b\nc", true), R"(`a\|b\nc`)");
  EXPECT_EQ(markdown_prose("*x*\n", false), R"(\*x\*\n)");
  EXPECT_EQ(escape_json_for_html(R"({"a":"</script>&"} )"
                                 "\xE2\x80\xA8"),
            R"({"a":"\u003c/script\u003e\u0026"} \u2028)");
}

// ---------------------------------------------------------------- redaction of the command line

Trace cmdline_trace(bool with_hostname_key) {
  std::string t = example_text("sof-late-component");
  nlohmann::ordered_json h = nlohmann::ordered_json::parse(t.substr(0, t.find('\n')));
  h["kernel"]["cmdline"] =
      "BOOT_IMAGE=/vmlinuz root=/dev/disk/by-id/ata-WDC_WD10EZEX-08WN4A0_WD-WCC6Y7ABCDEF-part2 "
      "ifname=lan0:001B21AABBCD ip=10.0.0.5::10.0.0.1:255.255.255.0:secretbox:lan0:off quiet";
  if (with_hostname_key) h["snapshot"] = {{"hostname", "secretbox"}};
  return read(h.dump() + t.substr(t.find('\n')));
}

TEST(ReportRedaction, CommandLineIsRedactedAlikeInEveryFormat) {
  for (bool hostname_key : {false, true}) {
    const Outputs o = all_outputs(cmdline_trace(hostname_key));
    for (const auto* out : {&o.markdown, &o.text, &o.html, &o.perfetto}) {
      ASSERT_FALSE(out->empty());
      for (const char* secret : {"WCC6Y7ABCDEF", "WD10EZEX", "001B21AABBCD", "secretbox"})
        EXPECT_EQ(out->find(secret), std::string::npos) << "leaks " << secret << ":\n" << *out;
    }
    for (const auto* out : {&o.markdown, &o.text, &o.html}) {
      EXPECT_TRUE(out->find("by-id/ata-&lt;serial-1&gt;-part2") != std::string::npos ||
                  out->find("by-id/ata-<serial-1>-part2") != std::string::npos)
          << *out;
      EXPECT_NE(out->find("mac-1"), std::string::npos) << *out;
      EXPECT_NE(out->find("host-1"), std::string::npos) << *out;
    }
  }
}

// ---------------------------------------------------------------- deep headers

TEST(ReportDeepHeader, ReportsAndExportSurviveA50000LevelHeader) {
  // The reader refuses such a header (nesting limit); a Trace built in memory
  // can still hold one, and every walk of the header is iterative.
  Trace tr = read(example_text("sof-late-component"));
  nlohmann::ordered_json deep = "hostname";
  for (int i = 0; i < 50000; ++i) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    o[i % 2 ? "hostname" : "k"] = std::move(deep);
    deep = std::move(o);
  }
  tr.header["x-deep"] = std::move(deep);
  const Outputs o = all_outputs(tr);
  EXPECT_FALSE(o.markdown.empty());
  EXPECT_FALSE(o.html.empty());
  EXPECT_FALSE(o.perfetto.empty());
}

}  // namespace
}  // namespace reprobe
