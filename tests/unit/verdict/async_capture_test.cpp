// The async-probe real captures (tests/vm/scenarios/async-probe.sh, recorded by
// `reprobe record` inside Debian's 6.1 and 6.12 kernels): the eBPF recorder flags the
// probes that dd.c's async helpers run, and only those, and the
// driver_register of the drivers that probe asynchronously. The replay side of
// the same capture (fidelity, verdicts, golden) is in capture_test.cpp.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "replayer/trace/trace_reader.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

// The same scenario recorded on each kernel series (6.12: tests/data/captures/6.12/).
class AsyncCapture : public ::testing::TestWithParam<const char*> {
 protected:
  Trace load_capture() const;
};

Trace AsyncCapture::load_capture() const {
  const std::string series = GetParam();
  const std::string label =
      std::string("tests/data/captures/") + (series == "6.1" ? "" : series + "/") + "async-probe.trace";
  std::ifstream f(kRoot / label, std::ios::binary);
  EXPECT_TRUE(f.good()) << label << " is missing (tests/vm/run-suite.sh async-probe --update-captures)";
  std::ostringstream os;
  os << f.rdbuf();
  auto t = read_trace_text(os.str(), label);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  return t.ok() ? std::move(*t) : Trace{};
}

struct Probes {
  int total = 0;
  int async = 0;
  int async_on_kworker = 0;
};

TEST_P(AsyncCapture, HelperProbesAreFlaggedAndNoOthers) {
  const Trace tr = load_capture();
  ASSERT_FALSE(tr.events.empty());
  EXPECT_EQ(tr.source, "bpf");
  ASSERT_TRUE(tr.header["hooks"].contains("probe_start.async")) << "both async helpers were hooked";

  std::map<std::string, Probes> by_dev;
  for (const auto& e : tr.events) {
    if (e.kind != EventKind::probe_start) continue;
    Probes& p = by_dev[tr.dev_label(e.dev)];
    p.total++;
    if (e.has_flag() && e.flag) {
      p.async++;
      if (tr.str(e.comm).starts_with("kworker/")) p.async_on_kworker++;
    }
  }
  // reprobe_dsp async_probe=1: __driver_attach_async_helper; reprobe_kick
  // prefer_async=1: __device_attach_async_helper. Each probed once, on a kworker.
  for (const char* dev : {"reprobe-dsp", "reprobe-kick"}) {
    EXPECT_EQ(by_dev[dev].total, 1) << dev;
    EXPECT_EQ(by_dev[dev].async, 1) << dev << " was probed by an async helper";
    EXPECT_EQ(by_dev[dev].async_on_kworker, 1) << dev << ": async helpers run on async kworkers";
  }
  // synchronous: the machine defers in modprobe, is retried by the deferred work
  EXPECT_GE(by_dev["reprobe-machine"].total, 2);
  EXPECT_EQ(by_dev["reprobe-machine"].async, 0);
  EXPECT_EQ(by_dev["dmic-codec"].total, 1);
  EXPECT_EQ(by_dev["dmic-codec"].async, 0);
}

TEST_P(AsyncCapture, DriverRegisterSaysWhichDriversProbeAsynchronously) {
  const Trace tr = load_capture();
  std::map<std::string, bool> async;  // driver -> driver_register async
  for (const auto& e : tr.events)
    if (e.kind == EventKind::driver_register) async[std::string(tr.str(e.drv))] = e.has_flag() && e.flag;
  ASSERT_TRUE(async.count("reprobe-dsp") && async.count("reprobe-kick") && async.count("reprobe-machine") &&
              async.count("dmic-codec"));
  EXPECT_TRUE(async["reprobe-dsp"]) << "module parameter async_probe=1";
  EXPECT_TRUE(async["reprobe-kick"]) << "probe_type = PROBE_PREFER_ASYNCHRONOUS";
  EXPECT_FALSE(async["reprobe-machine"]);
  EXPECT_FALSE(async["dmic-codec"]);
}

INSTANTIATE_TEST_SUITE_P(Kernels, AsyncCapture, ::testing::Values("6.1", "6.12"), [](const auto& info) {
  std::string n = std::string("k") + info.param;
  for (auto& ch : n)
    if (ch == '.') ch = '_';
  return n;
});

}  // namespace
}  // namespace reprobe
