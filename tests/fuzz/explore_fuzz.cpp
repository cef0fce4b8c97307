// libFuzzer target for the schedule explorer (replayer/explore): every trace that reads and
// replays is explored under one policy and one jitter (both chosen by a hash of the input, so
// that an input stays one reproducible case), with a small bound on the schedules so that an
// execution stays cheap. No crash, no sanitizer report, and the explorer's own claims hold:
// a counterexample replays (run_schedule) to a run that leaves the targets it names unbound, a
// search the bound stopped never says "robust", and the Promela text of the same question is
// emitted or refused with an error, never a crash. The seed corpus
// is examples/*.trace.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "replayer/explore/explorer.h"
#include "replayer/explore/promela_model.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace {

// FNV-1a: a stable choice of policy and jitter per input.
uint64_t input_hash(std::string_view in) {
  uint64_t h = 1469598103934665603ULL;
  for (const char c : in) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

[[noreturn]] void fail(const char* what, const std::string& policy) {
  std::fprintf(stderr, "explore_fuzz: %s (policy %s)\n", what, policy.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reprobe;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto tr = read_trace_text(in, "fuzz.trace");
  if (!tr) return 0;
  static constexpr std::array<const char*, 6> policies{"stock",          "no-race-fix", "provider-kick",
                                                       "component-kick", "periodic",    "sync-provider"};
  static constexpr std::array<uint64_t, 3> jitters{0, 1'000'000, 2'000'000};
  const uint64_t h = input_hash(in);
  ReplayOptions o;
  o.policies = {policies[h % policies.size()]};
  o.require_target = false;
  auto rep = replay(*tr, o);
  if (!rep || rep->verdicts.empty()) return 0;
  rep->model.trace = &*tr;
  const Policy& policy = rep->verdicts.front().policy;
  ExploreLimits lim;
  lim.jitter_ns = jitters[(h / policies.size()) % jitters.size()];
  lim.max_schedules = 64;
  // A periodic timer under a 2 ms jitter makes every tick a choice point: 64 runs can visit
  // millions of states (a mutated spdif-race took 2 GB of memo). The bound keeps an execution
  // cheap; the CLI's default bound is --max-memory 2048.
  lim.max_memo_bytes = uint64_t{32} << 20;
  const PolicyExploration e = explore_policy(rep->model, policy, rep->targets, lim);
  if (e.robust() == true && !e.exhaustive) fail("a stopped search says robust", policy.spec);
  if (e.counterexample) {
    const auto& cx = *e.counterexample;
    if (cx.stranded.empty()) fail("a counterexample strands nothing", policy.spec);
    const SimResult run = run_schedule(rep->model, policy, cx.choices, lim.jitter_ns);
    for (const DevId d : cx.stranded)
      if (d >= run.state.devs.size() || run.state.devs[d].bound)
        fail("a counterexample does not replay to its stranded outcome", policy.spec);
  }
  PromelaOptions po;
  po.jitter_ns = lim.jitter_ns;
  (void)emit_promela(rep->model, policy, rep->targets, po);
  return 0;
}
