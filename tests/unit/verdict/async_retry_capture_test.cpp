// The async-deferred-retry real captures (tests/vm/scenarios/async-deferred-retry.sh, recorded by
// `reprobe record` inside Debian's 6.1 and 6.12 kernels; issue 13 item 5): reprobe-machine's
// driver probes asynchronously (driver_async_probe=reprobe-machine), so the deferred worker's
// bus_probe_device() -> __device_attach(dev, allow_async=true) schedules its retry on
// __device_attach_async_helper and moves on. The capture shows the retry outside the deferred work's
// run on its task, flagged async; the replay (Simulator::retry_goes_async) reproduces the run exactly.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

class AsyncRetryCapture : public ::testing::TestWithParam<const char*> {
 protected:
  Trace load_capture() const {
    const std::string series = GetParam();
    const std::string label = std::string("tests/data/captures/") + (series == std::string("6.1") ? "" : series + "/") +
                              "async-deferred-retry.trace";
    std::ifstream f(kRoot / label, std::ios::binary);
    EXPECT_TRUE(f.good()) << label << " is missing (tests/vm/run-suite.sh async-deferred-retry --update-captures)";
    std::ostringstream os;
    os << f.rdbuf();
    auto t = read_trace_text(os.str(), label);
    EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
    return t.ok() ? std::move(*t) : Trace{};
  }
};

TEST_P(AsyncRetryCapture, TheRetryRunsOnAnAsyncHelperOffTheDeferredWork) {
  const Trace tr = load_capture();
  ASSERT_FALSE(tr.events.empty());
  // The deferred work's runs: task, [deferred_work_start, deferred_work_end].
  struct Run {
    int32_t tid;
    uint64_t start, end;
  };
  std::vector<Run> runs;
  for (const auto& e : tr.events)
    if (e.kind == EventKind::deferred_work_start)
      runs.push_back(Run{e.tid, e.t, UINT64_MAX});
    else if (e.kind == EventKind::deferred_work_end)
      for (auto it = runs.rbegin(); it != runs.rend(); ++it)
        if (it->tid == e.tid && it->end == UINT64_MAX) {
          it->end = e.t;
          break;
        }
  ASSERT_FALSE(runs.empty()) << "the capture shows the deferred work";
  int machine_probes = 0, retries_off_the_work = 0;
  for (const auto& e : tr.events) {
    if (e.kind != EventKind::probe_start || tr.dev_label(e.dev) != "reprobe-machine") continue;
    ++machine_probes;
    EXPECT_TRUE(e.has_flag() && e.flag) << "probe " << machine_probes << " of reprobe-machine is async";
    if (machine_probes == 1) continue;
    // The worker scheduled the helper and went on: the retry runs inside no run of the deferred
    // work on its own task (6.12: on another kworker while the work still runs; 6.1's single vCPU:
    // on the same kworker once the work has returned).
    const bool on_the_work = std::any_of(
        runs.begin(), runs.end(), [&](const Run& r) { return r.tid == e.tid && e.t >= r.start && e.t <= r.end; });
    if (!on_the_work) ++retries_off_the_work;
  }
  EXPECT_GE(machine_probes, 2) << "it deferred, then was retried";
  EXPECT_EQ(retries_off_the_work, machine_probes - 1) << "every retry ran off the deferred work";
}

TEST_P(AsyncRetryCapture, ReplaysExactlyAndBindsWhenTheKernelDid) {
  const Trace tr = load_capture();
  ReplayOptions o;
  o.policies = {"stock"};
  auto rep = replay(tr, o);
  ASSERT_TRUE(rep.ok()) << rep.error().str();
  EXPECT_TRUE(rep->fidelity.exact) << (rep->fidelity.divergences.empty() ? "" : rep->fidelity.divergences.front());
  ASSERT_EQ(rep->verdicts.size(), 1u);
  EXPECT_EQ(rep->verdicts[0].verdict, Verdict::bound);
  uint64_t observed_bind = 0;
  for (const auto& e : tr.events)
    if (e.kind == EventKind::bound && tr.dev_label(e.dev) == "reprobe-machine") observed_bind = e.t;
  ASSERT_NE(observed_bind, 0u);
  ASSERT_TRUE(rep->verdicts[0].target_bound_at.has_value());
  // The bind time within issue 12's tolerance (50 ms + the probe's duration): the model starts an
  // async helper's probe at once, the guest's single vCPU ran it ~10 ms after the work returned
  // (docs/model.md, "Async probing").
  const uint64_t predicted = *rep->verdicts[0].target_bound_at;
  const uint64_t error = predicted > observed_bind ? predicted - observed_bind : observed_bind - predicted;
  EXPECT_LE(error, 50'000'000u + 25'000'000u) << "predicted " << predicted << ", observed " << observed_bind;
}

INSTANTIATE_TEST_SUITE_P(Series, AsyncRetryCapture, ::testing::Values("6.1", "6.12"),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           return std::string(i.param) == "6.1" ? std::string("k6_1") : std::string("k6_12");
                         });

}  // namespace
}  // namespace reprobe
