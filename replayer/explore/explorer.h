// `reprobe explore`: every schedule of a trace's concurrent events that the
// timing bound allows, run through the replay's own simulator (never a second
// model of dd.c), per policy. A schedule is the order in which the events due
// within the jitter window of each other run: running a later one first
// delays the earlier ones, as a slower probe, work item or firmware load would.
// The search is stateful: every simulator state is expanded once (equivalent
// interleavings meet in the same state), and the minimal counterexample (the
// fewest reorderings of the observed schedule that strand a target) falls out
// of the same pass (docs/explore.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replayer/explore/jitter.h"
#include "replayer/model/model.h"
#include "replayer/model/policy.h"
#include "replayer/model/simulator.h"

namespace reprobe {

// What a running search has done so far, for a progress line (read from another thread; the
// search only adds to it, so its results never depend on it).
struct ExploreProgress {
  std::atomic<uint64_t> runs{0}, states{0};
  std::atomic<uint32_t> policies_done{0};
};

struct ExploreLimits {
  uint64_t jitter_ns = 1'000'000;  // an event may run up to this much after its modelled time
  // Per-kind windows (docs/explore.md, "Timing"); jitter_ns must then be kinds->max_window(model).
  // Unset: every event gets jitter_ns.
  std::optional<Jitter> kinds;
  uint64_t max_schedules = 0;  // complete runs simulated before the search stops (0: no bound)
  double max_seconds = 0;      // wall-clock bound (0: none); a stopped search says so
  // Bound on the memo of visited states (keys and per-state results, counted in bytes the same
  // way on every machine, so that where it stops is deterministic); 0: none. A search that
  // reaches it stops like at the other bounds and says so (stopped_by_memory).
  uint64_t max_memo_bytes = 0;
  bool memoize = true;  // false: brute force, every interleaving run separately (tests)
  // Counters a progress line reads while the search runs (none when null).
  ExploreProgress* progress = nullptr;
};

// One reordering of a counterexample: at `t`, `ran` went before `instead` (the observed order's
// next event), which waited `delay_ns` longer.
struct Reordering {
  uint64_t t = 0;
  std::string ran, instead;
  uint64_t delay_ns = 0;
};

struct Counterexample {
  std::vector<uint32_t> choices;  // the schedule: at every choice point, the rank of the item run
  std::vector<Reordering> reorderings;
  std::vector<DevId> stranded;  // targets left unbound
};

struct PolicyExploration {
  Policy policy;
  // Outcomes as bitsets of the targets that bound (bit i: targets[i]), sorted: the outcome set.
  std::vector<uint64_t> outcomes;
  double schedules = 0;     // distinct schedules covered (path count through the state graph)
  double stranded = 0;      // of those, the ones that leave a target unbound
  uint64_t runs = 0;        // complete runs simulated to the end
  uint64_t states = 0;      // simulator states visited (each step of each run, once per state)
  uint64_t branches = 0;    // choice points expanded
  uint64_t unexplored = 0;  // branches left when a bound stopped the search (each ≥ 1 schedule)
  bool exhaustive = true;
  // Runs the simulator's step bound cut before every target bound (a short periodic timer over
  // a long trace): their outcome is unknown, so the policy is neither robust nor failing by them.
  uint64_t cut_runs = 0;
  uint64_t memo_bytes = 0;         // the memo's size as max_memo_bytes counts it
  bool stopped_by_memory = false;  // max_memo_bytes stopped the search
  bool observed_binds = false;     // the observed (default) schedule binds every target
  std::optional<Counterexample> counterexample;
  double seconds = 0;
  // robust: true when exhaustive and every schedule binds every target; false when one strands
  // a target (found, so certain even if not exhaustive); nullopt when the search stopped first
  // or a run was cut (cut_runs).
  std::optional<bool> robust() const;
};

// Explores one policy. Deterministic for a given model, policy and limits (except where
// max_seconds stops it).
PolicyExploration explore_policy(const Model& model, const Policy& policy, const std::vector<DevId>& targets,
                                 const ExploreLimits& limits);

// explore_policy for each policy, up to `jobs` at a time; the results in the policies' order.
std::vector<PolicyExploration> explore_policies(const Model& model, const std::vector<Policy>& policies,
                                                const std::vector<DevId>& targets, const ExploreLimits& limits,
                                                unsigned jobs);

// Replays a schedule (Counterexample::choices) to its end, the timeline recorded.
SimResult run_schedule(const Model& model, const Policy& policy, const std::vector<uint32_t>& choices,
                       uint64_t jitter_ns);

}  // namespace reprobe
