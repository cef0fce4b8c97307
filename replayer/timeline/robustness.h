// The robustness section of `reprobe report --explore FILE` (docs/report.md, docs/explore.md): what `reprobe
// explore --format json` answered per policy — schedules explored, how many strand a target,
// the counterexample in words and its trace file — read back from that JSON (the report layer
// does not run the explorer) and added to the report document.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "replayer/report/report_document.h"
#include "replayer/trace/error.h"

namespace reprobe {

struct RobustnessRow {
  std::string policy;
  std::optional<bool> robust;  // nullopt: a bound stopped the search before an answer
  bool exhaustive = true;
  double schedules = 0, stranded = 0;
  uint64_t runs = 0, states = 0;
  uint64_t cut_runs = 0;                      // runs the simulator's step bound cut before every target bound
  std::optional<std::string> counterexample;  // the trace file of the schedule, if one was written
  std::vector<std::string> words;             // the counterexample in words
};

struct Robustness {
  std::string source;  // the explore JSON
  std::string trace;   // the trace it explored
  std::string jitter;  // the jitter in words ("1 ms", "probe=1 ms, work=10%, ...")
  std::vector<RobustnessRow> rows;
};

// Reads `reprobe explore --format json` output; errors name the file and what is wrong.
Result<Robustness> read_robustness(const std::string& path);
Result<Robustness> parse_robustness(const std::string& text, const std::string& path);

// The section "Robustness across schedules (reprobe explore)": a table policy × schedules explored
// × stranded × answer × counterexample, then each counterexample in words. The report adds it
// after the verdicts (ReportOptions::robustness); report_html renders the same section.
Section robustness_section(const Robustness& r);

}  // namespace reprobe
