#include "replayer/explore/explore_output.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reprobe {

namespace {

using json = nlohmann::ordered_json;

std::string count(double n) { return n < 1e15 ? fmt::format("{:.0f}", n) : fmt::format("{:.3g}", n); }

std::string ms_words(uint64_t ns) { return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6); }

std::string jitter_words(const ExploreRun& run) {
  return run.limits.kinds ? run.limits.kinds->str() : Jitter::uniform(run.limits.jitter_ns).str();
}

std::string target_names(const ExploreRun& run, const std::vector<DevId>& devs) {
  std::string out;
  for (size_t i = 0; i < devs.size(); ++i) out += (i ? ", " : "") + run.model->dev_label(devs[i]);
  return out;
}

}  // namespace

std::string answer_words(const PolicyExploration& r) {
  const auto robust = r.robust();
  if (robust == true) return fmt::format("robust: binds in all {} distinct schedules", count(r.schedules));
  if (robust == false) {
    const uint32_t n = r.counterexample ? static_cast<uint32_t>(r.counterexample->reorderings.size()) : 0;
    const std::string how = n == 0
                                ? "in the observed schedule itself"
                                : fmt::format("after {} reordering{} of the observed schedule", n, n == 1 ? "" : "s");
    if (!r.exhaustive) return "fails " + how + " (search not exhaustive)";
    return fmt::format("fails: strands a target in {} of {} schedules, first {}", count(r.stranded), count(r.schedules),
                       how);
  }
  if (r.cut_runs > 0)
    return fmt::format(
        "undetermined: {} of {} runs were cut by the simulator's step bound before every target bound (too many "
        "triggers to simulate, e.g. a short periodic timer over a long trace), none stranded{}",
        r.cut_runs, r.runs, r.exhaustive ? "" : " (search not exhaustive)");
  return fmt::format("not exhaustive{}: {} of >= {} schedules run, none stranded",
                     r.stopped_by_memory
                         ? fmt::format(" (the memory bound stopped it: {} MiB of visited states)", r.memo_bytes >> 20)
                         : "",
                     r.runs, r.runs + r.unexplored);
}

std::vector<std::string> counterexample_words(const ExploreRun& run, const PolicyExploration& r) {
  std::vector<std::string> out;
  if (!r.counterexample) return out;
  const auto& cx = *r.counterexample;
  for (const auto& ro : cx.reorderings)
    out.push_back(fmt::format("at {:.6f} s, if {} runs before {} ({} later than observed)",
                              static_cast<double>(ro.t) / 1e9, ro.ran, ro.instead, ms_words(ro.delay_ns)));
  out.push_back(
      fmt::format("then {} stay{} unbound", target_names(run, cx.stranded), cx.stranded.size() == 1 ? "s" : ""));
  return out;
}

std::string format_explore_text(const ExploreRun& run) {
  std::string o;
  o += fmt::format("reprobe explore: {} (jitter {}, kernel profile {})\n\n", run.trace_path, jitter_words(run),
                   run.kernel);
  o += fmt::format("Target: {}. {} happens-before edges, {} concurrent context pairs.\n\n",
                   target_names(run, run.targets), run.hb_edges, run.concurrent_pairs);
  o += fmt::format("  {:<16}  {:<8}  {:>10}  {:>10}  {:>8}  {:>8}  {:>9}\n", "policy", "robust?", "schedules",
                   "stranded", "runs", "states", "seconds");
  for (const auto& r : run.results) {
    const auto robust = r.robust();
    const std::string secs = run.timing ? fmt::format("{:.3f}", r.seconds) : "-";
    o += fmt::format("  {:<16}  {:<8}  {:>10}  {:>10}  {:>8}  {:>8}  {:>9}\n", r.policy.spec,
                     robust == true    ? "yes"
                     : robust == false ? "NO"
                                       : "unknown",
                     count(r.schedules), count(r.stranded), r.runs, r.states, secs);
  }
  o += "\n";
  for (size_t i = 0; i < run.results.size(); ++i) {
    const auto& r = run.results[i];
    o += fmt::format("- {}: {}.\n", r.policy.spec, answer_words(r));
    for (const auto& line : counterexample_words(run, r)) o += "    " + line + "\n";
    if (i < run.counterexample_paths.size() && !run.counterexample_paths[i].empty())
      o += "    schedule: " + run.counterexample_paths[i] + "\n";
  }
  return o;
}

std::string format_explore_json(const ExploreRun& run) {
  json j;
  j["trace"] = run.trace_path;
  j["kernel_profile"] = run.kernel;
  j["jitter_ms"] = static_cast<double>(run.limits.jitter_ns) / 1e6;
  j["jitter"] = jitter_words(run);
  json targets = json::array();
  for (DevId d : run.targets) targets.push_back(run.model->dev_label(d));
  j["targets"] = targets;
  j["happens_before_edges"] = run.hb_edges;
  j["concurrent_pairs"] = run.concurrent_pairs;
  json policies = json::array();
  for (size_t i = 0; i < run.results.size(); ++i) {
    const auto& r = run.results[i];
    json p;
    p["policy"] = r.policy.spec;
    const auto robust = r.robust();
    p["robust"] = robust ? json(*robust) : json(nullptr);
    p["exhaustive"] = r.exhaustive;
    p["schedules"] = r.schedules;
    p["stranded"] = r.stranded;
    p["runs"] = r.runs;
    p["states"] = r.states;
    p["unexplored_branches"] = r.unexplored;
    p["seconds"] = run.timing ? json(std::round(r.seconds * 1e3) / 1e3) : json(nullptr);
    p["observed_binds"] = r.observed_binds;
    if (r.cut_runs > 0) p["cut_runs"] = r.cut_runs;
    p["memo_bytes"] = r.memo_bytes;
    if (r.stopped_by_memory) p["stopped_by_memory"] = true;
    if (r.counterexample) {
      json cx;
      cx["path"] = i < run.counterexample_paths.size() && !run.counterexample_paths[i].empty()
                       ? json(run.counterexample_paths[i])
                       : json(nullptr);
      cx["reorderings"] = r.counterexample->reorderings.size();
      cx["choices"] = r.counterexample->choices;
      cx["words"] = counterexample_words(run, r);
      p["counterexample"] = cx;
    }
    policies.push_back(p);
  }
  j["policies"] = policies;
  return j.dump(2) + "\n";
}

}  // namespace reprobe
