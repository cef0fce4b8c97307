// libFuzzer target for the report writers on generated traces: the input is
// either a whole trace (it starts with '{': mutations of examples/*.trace) or,
// otherwise, a hostile name put in place of a device name of the
// sof-late-component example. Every trace that reads is replayed under one
// policy (stock, provider-kick or stock:timeout=5) and rendered in one output
// (replay text or Markdown, report Markdown, text or HTML, Perfetto JSON), both
// chosen by a hash of the input, so that one input stays one reproducible case
// and an execution costs one replay and one rendering (all of them per input ran
// at ~140 exec/s, too slow for the long runs): no crash, no sanitizer report, and
// no output holds a raw control character (other than the line feed), a raw bidi
// control or a byte that is not UTF-8. Seed corpus: tests/fuzz/corpus-report_fuzz.
#include <array>
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

// FNV-1a: a stable choice of policy and output per input.
uint64_t input_hash(std::string_view in) {
  uint64_t h = 1469598103934665603ULL;
  for (const char c : in) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reprobe;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string text = !in.empty() && in[0] == '{' ? std::string(in) : with_name(in.substr(0, 512));
  auto tr = read_trace_text(text, "fuzz.trace");
  if (!tr) return 0;
  static constexpr std::array<const char*, 3> policies{"stock", "provider-kick", "stock:timeout=5"};
  const uint64_t h = input_hash(in);
  ReplayOptions o;
  o.policies = {policies[h % 3]};
  o.require_target = false;
  auto rep = replay(*tr, o);
  if (!rep) return 0;
  const ReportOptions opts;
  switch ((h / 3) % 6) {
    case 0:
      check(format_text(*rep), "replay text");
      break;
    case 1:
      check(format_markdown(*rep), "replay markdown");
      break;
    case 2:
      check(format_report_markdown(*rep, *tr, opts), "report markdown");
      break;
    case 3:
      check(format_report_text(*rep, *tr, opts), "report text");
      break;
    case 4:
      check(format_report_html(*rep, *tr, opts), "report html");
      break;
    default:
      check(format_perfetto_json(build_timeline(*rep, *tr), *rep, *tr, opts), "perfetto");
      break;
  }
  return 0;
}
