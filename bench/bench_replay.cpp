// bench-replay: Google Benchmark figures for the replay pipeline on one trace
// (docs/benchmarks.md).
//
//   bench-replay --trace=FILE [google benchmark flags]
//   bench-replay --trace=FILE --read-once     one read_trace_file(): wall and CPU seconds, events,
//                                             devices, peak RSS of the process (JSON on stdout)
//   bench-replay --trace=FILE --simulate=N    Simulator::run() N times per policy, interleaved: best
//                                             CPU (user+sys) and wall ms, M ev/s, and a hash of each
//                                             policy's timeline, device states and counters
//
// FILE defaults to $REPROBE_BENCH_TRACE. Make one with gen-bench-trace.
//
// Benchmarks (every rate is trace events per second of wall time, one core):
//   BM_ReadTrace           read_trace_file(): bytes/s and events/s
//   BM_BuildModel          build_model() on the parsed trace
//   BM_Simulate/<policy>   Simulator(model, policy).run(), profile 6.1, one per all_policy_specs()
//   BM_SimulateAll         every policy one after the other (what --all-policies simulates)
//   BM_Replay              replay() with all policies: model, simulations, verdicts, fidelity, explanation
//   BM_FormatJson          format_json() of that report
#include <sys/resource.h>
#include <sys/stat.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "replayer/model/kernel_profile.h"
#include "replayer/model/model.h"
#include "replayer/model/policy.h"
#include "replayer/model/simulator.h"
#include "replayer/report/replay_output.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace {

using namespace reprobe;

std::string g_trace_path;

// Parsed once, shared by every benchmark after BM_ReadTrace.
struct Fixture {
  Trace trace;
  Model model;
  KernelProfile profile;
  uint64_t bytes = 0;
};

Fixture& fixture() {
  static std::unique_ptr<Fixture> f = [] {
    auto fx = std::make_unique<Fixture>();
    auto tr = read_trace_file(g_trace_path);
    if (!tr) {
      std::cerr << "bench-replay: " << tr.error().str() << "\n";
      std::exit(2);
    }
    fx->trace = std::move(*tr);
    fx->model = build_model(fx->trace);
    fx->profile = *kernel_profile("6.1");
    struct stat st {};
    if (::stat(g_trace_path.c_str(), &st) == 0) fx->bytes = static_cast<uint64_t>(st.st_size);
    return fx;
  }();
  return *f;
}

void set_event_rate(benchmark::State& state, uint64_t events_per_iteration) {
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(events_per_iteration) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(events_per_iteration);
}

void BM_ReadTrace(benchmark::State& state) {
  const Fixture& fx = fixture();
  size_t events = 0;
  for (auto _ : state) {
    auto tr = read_trace_file(g_trace_path);
    if (!tr) {
      state.SkipWithError(tr.error().str().c_str());
      return;
    }
    events = tr->events.size();
    benchmark::DoNotOptimize(tr->events.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(fx.bytes) * static_cast<int64_t>(state.iterations()));
  set_event_rate(state, events);
}

void BM_BuildModel(benchmark::State& state) {
  const Fixture& fx = fixture();
  for (auto _ : state) {
    Model m = build_model(fx.trace);
    benchmark::DoNotOptimize(m.contexts.data());
  }
  set_event_rate(state, fx.trace.events.size());
}

void BM_Simulate(benchmark::State& state, const std::string& spec) {
  const Fixture& fx = fixture();
  auto policy = parse_policy(spec, fx.profile);
  if (!policy) {
    state.SkipWithError(policy.error().str().c_str());
    return;
  }
  uint64_t steps = 0, attempts = 0;
  bool truncated = false;
  for (auto _ : state) {
    Simulator sim(fx.model, *policy);
    SimResult r = sim.run();
    steps = r.state.steps;
    attempts = r.state.probe_attempts;
    truncated = r.state.truncated;
    benchmark::DoNotOptimize(r.state.devs.data());
  }
  set_event_rate(state, fx.trace.events.size());
  state.counters["sim_steps"] = static_cast<double>(steps);
  state.counters["probe_attempts"] = static_cast<double>(attempts);
  if (truncated) state.SetLabel("TRUNCATED");
}

void BM_SimulateAll(benchmark::State& state) {
  const Fixture& fx = fixture();
  std::vector<Policy> policies;
  for (const auto& spec : all_policy_specs()) policies.push_back(*parse_policy(spec, fx.profile));
  for (auto _ : state) {
    for (const Policy& p : policies) {
      Simulator sim(fx.model, p);
      SimResult r = sim.run();
      benchmark::DoNotOptimize(r.state.devs.data());
    }
  }
  set_event_rate(state, fx.trace.events.size());
  state.counters["policies"] = static_cast<double>(policies.size());
}

ReplayOptions all_policies_options() {
  ReplayOptions o;
  o.all_policies = true;
  o.kernel = "6.1";
  return o;
}

void BM_Replay(benchmark::State& state) {
  const Fixture& fx = fixture();
  const ReplayOptions o = all_policies_options();
  for (auto _ : state) {
    auto rep = replay(fx.trace, o);
    if (!rep) {
      state.SkipWithError(rep.error().str().c_str());
      return;
    }
    benchmark::DoNotOptimize(rep->verdicts.data());
  }
  set_event_rate(state, fx.trace.events.size());
}

void BM_FormatJson(benchmark::State& state) {
  const Fixture& fx = fixture();
  auto rep = replay(fx.trace, all_policies_options());
  if (!rep) {
    state.SkipWithError(rep.error().str().c_str());
    return;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    std::string s = format_json(*rep);
    bytes = s.size();
    benchmark::DoNotOptimize(s.data());
  }
  state.counters["json_bytes"] = static_cast<double>(bytes);
}

double cpu_seconds() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double sys_seconds() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
}

int read_once() {
  const double c0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  auto tr = read_trace_file(g_trace_path);
  const auto t1 = std::chrono::steady_clock::now();
  const double c1 = cpu_seconds();
  if (!tr) {
    std::cerr << "bench-replay: " << tr.error().str() << "\n";
    return 2;
  }
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  std::cout << fmt::format(
      "{{\"seconds\":{:.6f},\"cpu_seconds\":{:.6f},\"events\":{},\"devices\":{},\"maxrss_kb\":{}}}\n",
      std::chrono::duration<double>(t1 - t0).count(), c1 - c0, tr->events.size(), tr->devices.size(), ru.ru_maxrss);
  return 0;
}

// FNV-1a over values (not bytes: the hash does not depend on struct layout).
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      h ^= (x >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  }
};

// Everything a run produces that reports read: timeline, device states, counters.
uint64_t hash_result(const SimState& s) {
  Fnv f;
  f.add(s.timeline.size());
  for (const SimRecord& r : s.timeline) {
    f.add(r.t);
    f.add(static_cast<uint64_t>(r.kind));
    f.add(r.dev);
    f.add(r.subject);
    f.add(static_cast<uint64_t>(static_cast<int64_t>(r.value)));
  }
  for (const DevState& d : s.devs) {
    f.add(d.present | d.bound << 1 | d.probing << 2 | d.assumed_success << 3 | d.ever_bound << 4 | d.card_live << 5);
    f.add(static_cast<uint64_t>(d.list));
    f.add(d.bound_binding);
    f.add(d.bound_at);
    f.add(d.card_at);
    f.add(d.attempts);
    f.add(d.deferrals);
  }
  for (uint32_t c : s.triggers_by_cause) f.add(c);
  for (uint64_t x : {s.now, s.steps, s.trigger_count, uint64_t{s.triggers_ignored}, s.timeout_due, s.timeout_fired_at,
                     s.blocked_total_ns, s.blocked_max_ns, uint64_t{s.probe_attempts}, uint64_t{s.deferrals},
                     uint64_t{s.truncated}, uint64_t{s.timeout_fired}})
    f.add(x);
  return f.h;
}

// --simulate=N: Simulator(model, policy).run() N times per policy, interleaved
// (policy 1..9, then again), best CPU time (getrusage user+sys) and best wall
// time per policy, and a hash of each policy's result (identical on every run,
// and before and after an optimisation that must not change outputs).
int simulate_runs(int runs) {
  const Fixture& fx = fixture();
  const auto specs = all_policy_specs();
  std::vector<Policy> policies;
  for (const auto& spec : specs) policies.push_back(*parse_policy(spec, fx.profile));
  std::vector<double> best_cpu(specs.size(), 1e9), best_wall(specs.size(), 1e9), best_sys(specs.size(), 0);
  std::vector<uint64_t> hashes(specs.size(), 0), steps(specs.size(), 0), records(specs.size(), 0);
  for (int k = 0; k < runs; ++k)
    for (size_t i = 0; i < specs.size(); ++i) {
      const double c0 = cpu_seconds(), s0 = sys_seconds();
      const auto t0 = std::chrono::steady_clock::now();
      Simulator sim(fx.model, policies[i]);
      SimResult r = sim.run();
      const auto t1 = std::chrono::steady_clock::now();
      const double c1 = cpu_seconds(), s1 = sys_seconds();
      if (c1 - c0 < best_cpu[i]) best_sys[i] = s1 - s0;
      best_cpu[i] = std::min(best_cpu[i], c1 - c0);
      best_wall[i] = std::min(best_wall[i], std::chrono::duration<double>(t1 - t0).count());
      const uint64_t h = hash_result(r.state);
      if (k > 0 && h != hashes[i]) {
        std::cerr << "bench-replay: " << specs[i] << ": result differs between runs (not deterministic)\n";
        return 1;
      }
      hashes[i] = h;
      steps[i] = r.state.steps;
      records[i] = r.state.timeline.size();
    }
  const double n = static_cast<double>(fx.trace.events.size());
  std::string load = "?";
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    char buf[64] = {};
    if (std::fgets(buf, sizeof buf, f)) load.assign(buf, std::strlen(buf) - (buf[0] ? 1 : 0));
    std::fclose(f);
  }
  std::cout << fmt::format("{} events, best of {} interleaved runs per policy, load avg after: {}\n",
                           fx.trace.events.size(), runs, load);
  std::cout << fmt::format("{:<20} {:>9} {:>8} {:>10} {:>9} {:>10} {:>9} {:>9}  {}\n", "policy", "cpu ms", "(sys ms)",
                           "M ev/s cpu", "wall ms", "M ev/s wall", "steps", "records", "result hash");
  for (size_t i = 0; i < specs.size(); ++i)
    std::cout << fmt::format("{:<20} {:>9.1f} {:>8.1f} {:>10.2f} {:>9.1f} {:>10.2f} {:>9} {:>9}  {:016x}\n", specs[i],
                             best_cpu[i] * 1e3, best_sys[i] * 1e3, n / best_cpu[i] / 1e6, best_wall[i] * 1e3,
                             n / best_wall[i] / 1e6, steps[i], records[i], hashes[i]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest;
  bool once = false;
  int simulate = 0;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.starts_with("--trace="))
      g_trace_path = a.substr(8);
    else if (a == "--read-once")
      once = true;
    else if (a.starts_with("--simulate="))
      simulate = std::atoi(a.c_str() + 11);
    else
      rest.push_back(argv[i]);
  }
  if (g_trace_path.empty())
    if (const char* env = std::getenv("REPROBE_BENCH_TRACE")) g_trace_path = env;
  if (g_trace_path.empty()) {
    std::cerr << "usage: bench-replay --trace=FILE [--read-once | --simulate=N | google benchmark flags]\n"
                 "  (or set REPROBE_BENCH_TRACE; make a trace with gen-bench-trace FILE)\n";
    return 2;
  }
  if (once) return read_once();
  if (simulate > 0) return simulate_runs(simulate);

  // MinTime(2): a 1 M-event trace still gets a few iterations per figure.
  benchmark::RegisterBenchmark("BM_ReadTrace", BM_ReadTrace)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);
  benchmark::RegisterBenchmark("BM_BuildModel", BM_BuildModel)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->MinTime(2);
  for (const auto& spec : all_policy_specs())
    benchmark::RegisterBenchmark(("BM_Simulate/" + spec).c_str(), BM_Simulate, spec)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(2);
  benchmark::RegisterBenchmark("BM_SimulateAll", BM_SimulateAll)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("BM_Replay", BM_Replay)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("BM_FormatJson", BM_FormatJson)->Unit(benchmark::kMillisecond)->UseRealTime();

  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  benchmark::AddCustomContext("trace", g_trace_path);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
