// Issue 15, JSON members of the wrong type: every member of a trace's header, end line and x-
// extension lines (lists: their first two items) is replaced in turn by a value of each other
// JSON type, and the trace, when it still reads, is replayed and rendered in every format. None
// may throw: nlohmann's value(key, default) and get<T>() throw type_error on a member of another
// type, and an uncaught one ended replay, report, export and explore twice (a number as an x-
// line's 'kind', found by explore_fuzz; a string as devices_deferred.readable, found by the CLI
// form of this sweep). Inputs: a real bpf capture whose snapshots list an ALSA card, and a trace
// imported from a real kernel log (x-import header, x-dmesg lines).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

using ojson = nlohmann::ordered_json;

std::vector<std::string> lines_of(const std::string& rel) {
  std::ifstream in(std::filesystem::path(REPROBE_SOURCE_ROOT) / rel);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// JSON pointers to every member below `v` (arrays: their first two items).
void pointers(const ojson& v, const ojson::json_pointer& at, std::vector<ojson::json_pointer>& out) {
  if (!at.empty()) out.push_back(at);
  if (v.is_object())
    for (auto it = v.begin(); it != v.end(); ++it) pointers(it.value(), at / it.key(), out);
  else if (v.is_array())
    for (size_t i = 0; i < v.size() && i < 2; ++i) pointers(v[i], at / i, out);
}

const std::vector<ojson>& other_types() {
  static const std::vector<ojson> v = {ojson("x"),
                                       ojson(5),
                                       ojson(-7),
                                       ojson(18446744073709551615ULL),
                                       ojson(1.5),
                                       ojson(true),
                                       ojson(nullptr),
                                       ojson::array({1, "a"}),
                                       ojson::object({{"k", 1}})};
  return v;
}

// Replays and renders one variant; returns what threw ("" when nothing did).
std::string run_all(const std::string& text) {
  try {
    auto tr = read_trace_text(text, "sweep.trace");
    if (!tr) return {};
    ReplayOptions o;
    o.policies = {"stock", "provider-kick", "stock:timeout=5"};
    o.require_target = false;
    auto rep = replay(*tr, o);
    if (!rep) return {};
    const ReportOptions opts;
    (void)format_text(*rep);
    (void)format_markdown(*rep);
    (void)format_report_markdown(*rep, *tr, opts);
    (void)format_report_text(*rep, *tr, opts);
    (void)format_report_html(*rep, *tr, opts);
    (void)format_perfetto_json(build_timeline(*rep, *tr), *rep, *tr, opts);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

void sweep(const std::string& rel) {
  const auto lines = lines_of(rel);
  ASSERT_GT(lines.size(), 2u) << rel;
  std::vector<size_t> targets = {0, lines.size() - 1};
  for (size_t i = 1; i + 1 < lines.size(); ++i)
    if (lines[i].find("\"ev\":\"x-") != std::string::npos) targets.push_back(i);
  size_t variants = 0, read = 0;
  for (const size_t li : targets) {
    const ojson base = ojson::parse(lines[li]);
    std::vector<ojson::json_pointer> ptrs;
    pointers(base, ojson::json_pointer(), ptrs);
    for (const auto& p : ptrs) {
      if (li == 0 && p.to_string() == "/format") continue;  // not a trace any more: nothing to sweep
      for (const auto& alt : other_types()) {
        ojson v = base;
        v[p] = alt;
        std::vector<std::string> out = lines;
        out[li] = v.dump();
        std::string text;
        for (const auto& l : out) text += l + "\n";
        ++variants;
        read += read_trace_text(text, "sweep.trace").ok() ? 1 : 0;
        const std::string thrown = run_all(text);
        EXPECT_EQ(thrown, "") << rel << " line " << li + 1 << ", " << p.to_string() << " = " << alt.dump();
      }
    }
  }
  // The sweep must have reached the replay and the reports, not only the reader's refusals.
  EXPECT_GT(variants, 500u) << rel;
  EXPECT_GT(read, variants / 2) << rel;
}

TEST(JsonTypeSweep, RealCaptureWithSnapshotCards) { sweep("tests/data/captures/6.12/timeout-rescue.trace"); }

TEST(JsonTypeSweep, ImportedRealLog) { sweep("tests/data/import/dmesg-6.12-devdbg.trace"); }

}  // namespace
}  // namespace reprobe
