// libFuzzer target for the report writers on generated traces: the input is
// either a whole trace (it starts with '{': mutations of examples/*.trace) or,
// otherwise, a hostile name put in place of a device name of the
// sof-late-component example. Every trace that reads is replayed (stock and two
// other policies) and rendered as replay text, report Markdown, text, HTML and
// Perfetto JSON: no crash, no sanitizer report, and no output holds a raw
// control character (other than the line feed), a raw bidi control or a byte
// that is not UTF-8. Seed corpus: tests/fuzz/corpus-report_fuzz.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "examples/scenarios.h"
#include "replayer/report/escape.h"
#include "replayer/report/replay_output.h"
#include "replayer/report/report_markdown.h"
#include "replayer/report/report_text.h"
#include "replayer/timeline/perfetto_export.h"
#include "replayer/timeline/report_html.h"
#include "replayer/timeline/timeline.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace {

const std::string& example_text() {
  static const std::string text = [] {
    auto t = reprobe::examples::sof_late_component().text(reprobe::sec(60));
    if (!t) std::abort();
    return std::move(*t);
  }();
  return text;
}

std::string with_name(std::string_view name) {
  std::string quoted = nlohmann::json(std::string(name)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string t = example_text();
  const std::string from = "\"ehdaudio0D2\"";
  for (size_t p = t.find(from); p != std::string::npos; p = t.find(from, p + quoted.size()))
    t.replace(p, from.size(), quoted);
  return t;
}

void check(const std::string& out, const char* what) {
  std::string_view s(out);
  for (size_t i = 0; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) < 0x20 && s[i] != '\n') {
      std::fprintf(stderr, "report_fuzz: raw control 0x%02x in %s\n", static_cast<unsigned char>(s[i]), what);
      std::abort();
    }
  // Line feeds are the outputs' own; everything else visible() escapes must be gone.
  std::string no_lf(out);
  for (char& c : no_lf)
    if (c == '\n') c = ' ';
  if (reprobe::needs_escape(no_lf)) {
    std::fprintf(stderr, "report_fuzz: raw bidi/C1 control or invalid UTF-8 in %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reprobe;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string text = !in.empty() && in[0] == '{' ? std::string(in) : with_name(in.substr(0, 512));
  auto tr = read_trace_text(text, "fuzz.trace");
  if (!tr) return 0;
  ReplayOptions o;
  o.policies = {"stock", "provider-kick", "stock:timeout=5"};
  o.require_target = false;
  auto rep = replay(*tr, o);
  if (!rep) return 0;
  const ReportOptions opts;
  check(format_text(*rep), "replay text");
  check(format_markdown(*rep), "replay markdown");
  check(format_report_markdown(*rep, *tr, opts), "report markdown");
  check(format_report_text(*rep, *tr, opts), "report text");
  check(format_report_html(*rep, *tr, opts), "report html");
  check(format_perfetto_json(build_timeline(*rep, *tr), *rep, *tr, opts), "perfetto");
  return 0;
}
