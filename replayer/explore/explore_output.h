// What `reprobe explore` prints (docs/explore.md): the answer per policy as a
// text table with the counterexamples in words, or JSON; and the schedule
// file of a counterexample. Deterministic: with timing off, the same inputs
// give the same bytes (the wall-clock seconds are the one varying field).
#pragma once

#include <string>
#include <vector>

#include "replayer/explore/explorer.h"
#include "replayer/explore/happens_before.h"

namespace reprobe {

struct ExploreRun {
  std::string trace_path;
  std::string kernel;  // kernel profile name
  const Model* model = nullptr;
  std::vector<DevId> targets;
  ExploreLimits limits;
  unsigned jobs = 1;
  bool timing = true;  // print wall-clock seconds
  size_t hb_edges = 0, concurrent_pairs = 0;
  std::vector<PolicyExploration> results;
  std::vector<std::string> counterexample_paths;  // per result, empty when none was written
};

std::string format_explore_text(const ExploreRun& run);
std::string format_explore_json(const ExploreRun& run);
// "fails: ..." / "robust: ..." / "not exhaustive: ..." for one policy, in words.
std::string answer_words(const PolicyExploration& r);
// One counterexample's reorderings as sentences.
std::vector<std::string> counterexample_words(const ExploreRun& run, const PolicyExploration& r);

}  // namespace reprobe
