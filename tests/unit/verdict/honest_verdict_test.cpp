// Issue 12: counterfactual verdicts that say what the trace cannot decide.
// Synthetic scenarios (each the smallest trace that shows one rule of
// docs/model.md §2 "Two readings"); the real-kernel check of the same rules is
// tests/vm/run-enacted.sh with the captures in tests/data/captures/enacted/.
#include <gtest/gtest.h>

#include <string>

#include "replayer/report/replay_output.h"
#include "replayer/trace/scenario_builder.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"

namespace reprobe {
namespace {

const Task kInit{1, "swapper/0", 0}, kModA{100, "modprobe", 0}, kModB{101, "modprobe", 0}, kModM{102, "modprobe", 0},
    kWorkA{50, "kworker/0:1", 0}, kWorkB{52, "kworker/0:2", 0}, kDefer{51, "kworker/u8:0", 0};

// A provider that binds at once and registers component NAME (DAI NAME-dai) from a work item
// `late` after its probe, loaded by its own modprobe task (module NAME).
void late_provider(ScenarioBuilder& b, uint64_t t, const Task& mod, const Task& worker, const std::string& name,
                   uint64_t late, int work_id, bool with_module = false) {
  if (with_module) b.at(t, mod).ev("module_load", {{"module", name}});
  b.at(t + ms(0.1), mod).ev("driver_register", {{"drv", name}, {"bus", "platform"}});
  b.at(t + ms(0.2), mod).ev("probe_start", {{"dev", name}, {"drv", name}});
  b.at(t + ms(0.3), mod).ev("work_queue", {{"work", work_id}, {"func", name + "_probe_work"}});
  b.at(t + ms(0.5), mod).ev("probe_end", {{"dev", name}, {"drv", name}, {"ret", 0}, {"outcome", "bound"}});
  b.at(t + ms(0.5), mod).ev("bound", {{"dev", name}, {"drv", name}});
  if (with_module) b.at(t + ms(0.6), mod).ev("module_init_done", {{"module", name}, {"ret", 0}});
  b.at(t + ms(1), worker).ev("work_start", {{"work", work_id}, {"func", name + "_probe_work"}});
  b.at(t + late, worker).ev("component_add", {{"name", name}, {"dev", name}, {"dais", {name + "-dai"}}});
  b.at(t + late + ms(0.1), worker).ev("work_end", {{"work", work_id}});
}

ScenarioBuilder base(const std::string& name) {
  ScenarioBuilder b(name, "6.1.0-27-amd64");
  b.header()["kernel"]["cmdline"] = "deferred_probe_timeout=1";
  return b;
}

// Provider prov-a registers its DAI `late` after its probe (a work item); machine defers at 30 ms
// with `reason`: the smallest card whose one need appears late.
ScenarioBuilder one_late_provider(const std::string& name, uint64_t late, const std::string& reason) {
  auto b = base(name);
  b.at(ms(1), kInit).ev("device_add", {{"dev", "prov-a"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "machine"}, {"bus", "platform"}});
  late_provider(b, ms(10), kModA, kWorkA, "prov-a", late, 1);
  b.at(ms(30), kModM).ev("driver_register", {{"drv", "machine"}, {"bus", "platform"}});
  b.probe(ms(30.1), ms(31), kModM, "machine", "machine", -517, reason, true);
  return b;
}

Trace built(const ScenarioBuilder& b, uint64_t end) {
  auto t = b.build(end);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().str());
  return t.ok() ? std::move(*t) : Trace{};
}

ReplayReport run(const Trace& tr, std::vector<std::string> policies) {
  ReplayOptions o;
  o.policies = std::move(policies);
  auto r = replay(tr, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return r.ok() ? std::move(*r) : ReplayReport{};
}

const PolicyVerdict& of(const ReplayReport& r, const std::string& spec) {
  for (const auto& v : r.verdicts)
    if (v.policy.spec == spec) return v;
  ADD_FAILURE() << "no verdict for " << spec;
  return r.verdicts.front();
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// A card needs the DAIs of two late providers (300 ms and 700 ms after their probes); its one
// deferral names only the first. Under component-kick it is bound, but the time is a range:
// at the first DAI (if that was all it needed) up to the second (which the trace shows later).
TEST(HonestVerdict, TwoLateProvidersGiveABindTimeRangeNotTheFirstArrival) {
  auto b = base("two-providers");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "prov-a"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "prov-b"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "machine"}, {"bus", "platform"}});
  late_provider(b, ms(10), kModA, kWorkA, "prov-a", ms(300), 1);
  late_provider(b, ms(20), kModB, kWorkB, "prov-b", ms(700), 2);
  b.at(ms(30), kModM).ev("driver_register", {{"drv", "machine"}, {"bus", "platform"}});
  b.probe(ms(30.1), ms(31), kModM, "machine", "machine", -517, "ASoC: CPU DAI prov-a-dai not registered", true);
  const Trace tr = built(b, sec(2));
  const auto r = run(tr, {"stock", "component-kick"});
  EXPECT_EQ(of(r, "stock").verdict, Verdict::stranded);
  const auto& v = of(r, "component-kick");
  ASSERT_EQ(v.verdict, Verdict::bound) << joined(v.undetermined);
  ASSERT_TRUE(v.target_bound_at && v.target_bound_latest);
  EXPECT_NEAR(static_cast<double>(*v.target_bound_at), static_cast<double>(ms(310)), ms(2));
  EXPECT_NEAR(static_cast<double>(*v.target_bound_latest), static_cast<double>(ms(720)), ms(2));
  EXPECT_NE(v.targets[0].range_note.find("component:prov-b"), std::string::npos) << v.targets[0].range_note;
  const std::string json = format_json(r);
  EXPECT_NE(json.find("\"bound_at_range_ns\": ["), std::string::npos);
  EXPECT_NE(format_text(r).find("binds between 0.311 s and 0.721 s"), std::string::npos) << format_text(r);
}

// provider C late -> codec D defers with free text naming C's component -> the card defers on
// D's component, which ASoC names after D. component-kick rescues the whole chain.
TEST(HonestVerdict, FreeTextNamingAComponentLinksAChain) {
  auto b = base("chain");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "prov-c"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "codec-d"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "machine"}, {"bus", "platform"}});
  late_provider(b, ms(10), kModA, kWorkA, "prov-c", ms(300), 1);
  b.at(ms(20), kModB).ev("driver_register", {{"drv", "codec-d"}, {"bus", "platform"}});
  b.probe(ms(20.1), ms(21), kModB, "codec-d", "codec-d", -517, "codec-d: waiting for prov-c to register");
  b.at(ms(30), kModM).ev("driver_register", {{"drv", "machine"}, {"bus", "platform"}});
  b.probe(ms(30.1), ms(31), kModM, "machine", "machine", -517, "ASoC: codec component codec-d not found for link codec",
          true);
  const Trace tr = built(b, sec(2));
  const auto r = run(tr, {"stock", "component-kick"});
  const auto& D = r.model.devices[*tr.find_device("codec-d")];
  ASSERT_EQ(D.needs.size(), 1u);
  EXPECT_EQ(r.model.resource_name(D.needs[0].resource), "component:prov-c");
  ASSERT_EQ(D.assumed_provides.size(), 1u);
  EXPECT_EQ(r.model.resource_name(D.assumed_provides[0]), "component:codec-d");
  EXPECT_EQ(r.model.resource_index("named:prov-c"), kNone);
  EXPECT_EQ(of(r, "stock").verdict, Verdict::stranded);
  const auto& v = of(r, "component-kick");
  EXPECT_EQ(v.verdict, Verdict::bound) << joined(v.undetermined);
  ASSERT_TRUE(v.target_bound_at);
  EXPECT_GT(*v.target_bound_at, ms(310));
}

// A reason that names nothing the trace holds: the need is unknown, and every verdict that
// depends on it is undetermined -- never "stranded for named:<word>", never a confident yes.
TEST(HonestVerdict, FreeTextNamingNothingIsUndetermined) {
  const Trace tr = built(one_late_provider("free-text", ms(300), "machine: DSP firmware not ready"), sec(2));
  const auto r = run(tr, {"stock", "component-kick", "periodic:100"});
  EXPECT_EQ(of(r, "stock").verdict, Verdict::stranded) << "no retry after its deferral: both readings agree";
  for (const char* p : {"component-kick", "periodic:ms=100"}) {
    const auto& v = of(r, p);
    EXPECT_EQ(v.verdict, Verdict::undetermined) << p;
    EXPECT_NE(joined(v.undetermined).find("'machine: DSP firmware not ready' names nothing in the trace"),
              std::string::npos)
        << joined(v.undetermined);
  }
  const std::string json = format_json(r);
  EXPECT_NE(json.find("\"target_bound\": null"), std::string::npos);
  EXPECT_NE(json.find("\"verdict\": \"undetermined\""), std::string::npos);
  EXPECT_NE(format_text(r).find("is undetermined: machine: the observed run never bound it"), std::string::npos);
}

// From a kernel log, component registrations are not observed: a DAI the log never shows may
// well have appeared. No policy may then say "stranded, waiting for it".
TEST(HonestVerdict, LogWithoutRegistrationsIsNeverConfidentlyStranded) {
  auto b = base("log");
  b.header()["hooks"] = {
      {"probe_start", "dmesg"}, {"probe_end", "dmesg"}, {"bound", "dmesg"}, {"component_add", "inferred"}};
  b.at(ms(1), kInit).ev("device_add", {{"dev", "machine"}, {"bus", "platform"}});
  b.at(ms(30), kModM).ev("driver_register", {{"drv", "machine"}, {"bus", "platform"}});
  b.probe(ms(30.1), ms(31), kModM, "machine", "machine", -517, "ASoC: CPU DAI iDisp1 Pin not registered", true);
  auto text = b.text(sec(2));
  ASSERT_TRUE(text.ok());
  std::string s = *text;
  s.replace(s.find("\"source\":\"synthetic\""), 20, "\"source\":\"dmesg\"");
  auto tr = read_trace_text(s, "log.trace");
  ASSERT_TRUE(tr.ok()) << tr.error().str();
  const auto r = run(*tr, {"stock", "periodic:500", "component-kick"});
  // stock is what the log shows happening: stranded. Every other policy would have retried at
  // some moment the log cannot place.
  EXPECT_EQ(of(r, "stock").verdict, Verdict::stranded);
  for (const auto& v : r.verdicts) {
    if (v.policy.spec == "stock") continue;
    EXPECT_EQ(v.verdict, Verdict::undetermined) << v.policy.spec;
  }
  EXPECT_NE(joined(of(r, "periodic:ms=500").undetermined).find("cannot show when dai:iDisp1 Pin appeared"),
            std::string::npos);
}

// The stock replay disagrees with the trace: every format says so first, before any verdict.
TEST(HonestVerdict, DisagreementWithTheTraceComesFirst) {
  auto b = base("diverges");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "machine"}, {"bus", "platform"}});
  b.at(ms(30), kModM).ev("driver_register", {{"drv", "machine"}, {"bus", "platform"}});
  b.probe(ms(30.1), ms(31), kModM, "machine", "machine", -517, "", true);
  b.probe(ms(500), ms(501), kDefer, "machine", "machine", 0, "", true);  // nothing the model sees retries it
  const Trace tr = built(b, sec(2));
  const auto r = run(tr, {"stock"});
  ASSERT_FALSE(r.fidelity.exact);
  const std::string text = format_text(r), md = format_markdown(r), json = format_json(r);
  EXPECT_EQ(text.rfind("reprobe replay: the replay disagrees with the trace", 0), 0u) << text;
  EXPECT_NE(text.find("The replay disagrees with the trace: the trace shows machine bound at 0.501"), std::string::npos)
      << text;
  EXPECT_LT(text.find("disagrees"), text.find("Verdict per policy"));
  EXPECT_LT(md.find("disagrees"), md.find("Verdict per policy"));
  EXPECT_NE(json.find("\"headline\": \"The replay disagrees with the trace"), std::string::npos) << json;
}

// The trace shows the timeout work running: the replay fires it then, not "timeout after the
// last extension" by its own arithmetic.
TEST(HonestVerdict, TimeoutFiresWhenTheTraceShowsIt) {
  ScenarioBuilder b("timeout", "6.1.0-27-amd64");
  b.header()["kernel"]["cmdline"] = "deferred_probe_timeout=10";
  b.at(ms(1), kInit).ev("device_add", {{"dev", "machine"}, {"bus", "platform"}});
  b.at(ms(5), kInit).ev("late_initcall");
  b.at(ms(5.1), kInit).ev("timeout_armed", {{"secs", 10}});
  b.at(ms(30), kModM).ev("driver_register", {{"drv", "machine"}, {"bus", "platform"}});
  b.at(ms(30), kModM).ev("timeout_extended", {{"secs", 10}});
  b.probe(ms(30.1), ms(31), kModM, "machine", "machine", -517, "", true);
  b.at(sec(10.4), kWorkA).ev("timeout_fired");  // the kernel's timer ran late: 10.4 s, not 10.03 s
  b.trigger(sec(10.4) + 1000, kWorkA, "timeout");
  b.probe(sec(10.4) + ms(0.2), sec(10.4) + ms(1), kDefer, "machine", "machine", 0, "", true);
  const Trace tr = built(b, sec(11));
  const auto r = run(tr, {"stock", "stock:timeout=20"});
  ASSERT_TRUE(of(r, "stock").timeout_fired_at);
  EXPECT_EQ(*of(r, "stock").timeout_fired_at, sec(10.4));
  EXPECT_TRUE(r.fidelity.exact) << joined(r.fidelity.divergences);
  ASSERT_TRUE(of(r, "stock:timeout=20").timeout_fired_at);
  EXPECT_EQ(*of(r, "stock:timeout=20").timeout_fired_at, ms(30) + sec(20)) << "another timeout is computed";
}

// Two providers whose late work sync-provider runs inside their probes (modprobes at 10 and 20 ms),
// then the machine's modprobe at `machine_at`; the machine defers naming prov-a's DAI.
Trace three_sequential_loaders(uint64_t machine_at) {
  auto b = base("sync");
  b.at(ms(1), kInit).ev("device_add", {{"dev", "prov-a"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "prov-b"}, {"bus", "platform"}});
  b.at(ms(1), kInit).ev("device_add", {{"dev", "machine"}, {"bus", "platform"}});
  late_provider(b, ms(10), kModA, kWorkA, "prov-a", ms(300), 1, true);
  late_provider(b, ms(20), kModB, kWorkB, "prov-b", ms(300), 2, true);
  b.at(machine_at, kModM).ev("module_load", {{"module", "machine"}});
  b.at(machine_at + ms(0.05), kModM).ev("driver_register", {{"drv", "machine"}, {"bus", "platform"}});
  b.probe(machine_at + ms(0.1), machine_at + ms(1), kModM, "machine", "machine", -517,
          "ASoC: CPU DAI prov-a-dai not registered", true);
  b.at(machine_at + ms(1.1), kModM).ev("module_init_done", {{"module", "machine"}, {"ret", 0}});
  return built(b, sec(2));
}

// sync-provider: two providers do their late work inside probe. Under the latest reading, the
// second modprobe (and the machine's after it) waits for the first, as a shell or udev worker
// that loads one module after the other does: the bind time is a range reaching that far.
TEST(HonestVerdict, SyncProviderSerialisesSequentialLoaders) {
  const auto r = run(three_sequential_loaders(ms(30)), {"sync-provider"});
  const auto& v = of(r, "sync-provider");
  ASSERT_EQ(v.verdict, Verdict::bound) << joined(v.undetermined);
  EXPECT_TRUE(v.two_readings);
  ASSERT_TRUE(v.target_bound_latest);
  // prov-a's probe now lasts ~300 ms; prov-b's modprobe starts after it, the machine's after that.
  EXPECT_GT(*v.target_bound_latest, ms(600));
  EXPECT_LT(*v.target_bound_at, ms(340));
}

// The third of three modprobes in a row waits for both before it: its lag is taken as the second
// one's stands when its own first action comes due, again and again until that action runs. The
// second provider's inline work is decided only after the first one's lag has moved it (310 ms),
// after the machine's modprobe first came due (120 ms): taken then, the machine would load at
// ~420 ms and be retried by prov-b's bind at ~620 ms; it loads ~99 ms after prov-b's modprobe
// returns, as in the trace, ~720 ms (enact-two-providers under sync-provider, docs/fidelity.md).
TEST(HonestVerdict, SyncProviderThirdLoaderWaitsForTheSecondsInlineWork) {
  const auto r = run(three_sequential_loaders(ms(120)), {"sync-provider"});
  const auto& v = of(r, "sync-provider");
  ASSERT_EQ(v.verdict, Verdict::bound) << joined(v.undetermined);
  ASSERT_TRUE(v.target_bound_latest);
  // prov-b's modprobe returns at ~621 ms; the machine's came ~99 ms after it in the trace.
  EXPECT_GT(*v.target_bound_latest, ms(700)) << "after prov-a's and prov-b's inline work";
  EXPECT_LT(*v.target_bound_latest, ms(740));
  EXPECT_LT(*v.target_bound_at, ms(340)) << "optimistic: the loaders did not wait; it binds at prov-a's bind";
}

}  // namespace
}  // namespace reprobe

namespace reprobe {
namespace {

// periodic:N: nothing fixes the phase of the policy's timer against the trace, so the bind
// time is a range about one period wide (the first tick after the provider's DAI), not a point.
TEST(HonestVerdict, PeriodicBindTimeIsARangeOverThePhase) {
  const Trace tr = built(one_late_provider("periodic", ms(300), "ASoC: CPU DAI prov-a-dai not registered"), sec(2));
  const auto r = run(tr, {"periodic:200"});
  const auto& v = of(r, "periodic:ms=200");
  ASSERT_EQ(v.verdict, Verdict::bound);
  ASSERT_TRUE(v.target_bound_at && v.target_bound_latest);
  EXPECT_LE(*v.target_bound_at, ms(340)) << "a tick right after the DAI (310 ms)";
  EXPECT_GE(*v.target_bound_latest, ms(490)) << "a tick almost a period later";
  EXPECT_LE(*v.target_bound_latest - *v.target_bound_at, ms(200) + ms(60));
  EXPECT_NE(v.targets[0].range_note.find("200 ms timer"), std::string::npos) << v.targets[0].range_note;
}

// From a 6.1+ log: the timeout work prints only per pending device. Firing with nothing pending
// leaves no line, so a log without a timeout line does not disagree with a replay that fires it.
TEST(HonestVerdict, SilentTimeoutInALogIsNoDisagreement) {
  ScenarioBuilder b("silent", "6.1.0-27-amd64");
  b.header()["hooks"] = {{"probe_start", "dmesg"}, {"bound", "dmesg"}, {"trigger", "inferred"}};
  b.at(ms(1), kInit).ev("device_add", {{"dev", "machine"}, {"bus", "platform"}});
  b.at(ms(5), kInit).ev("late_initcall");
  b.at(ms(30), kModM).ev("driver_register", {{"drv", "machine"}, {"bus", "platform"}});
  b.probe(ms(30.1), ms(31), kModM, "machine", "machine", 0, "", true);
  b.trigger(ms(31), kModM, "bound");
  auto text = b.text(sec(12));
  ASSERT_TRUE(text.ok());
  std::string s = *text;
  s.replace(s.find("\"source\":\"synthetic\""), 20, "\"source\":\"dmesg\"");
  auto tr = read_trace_text(s, "silent.trace");
  ASSERT_TRUE(tr.ok()) << tr.error().str();
  const auto r = run(*tr, {"stock"});
  ASSERT_TRUE(of(r, "stock").timeout_fired_at) << "the replay fires the 10 s timeout";
  EXPECT_TRUE(r.fidelity.exact) << joined(r.fidelity.divergences);
}

}  // namespace
}  // namespace reprobe

namespace reprobe {
namespace {

// A device that deferred before the capture started is on the pending list: the first trigger
// in the trace (an unrelated bind) retries it, as the kernel does (issue 13 item 1).
TEST(PreCaptureDeferral, SnapshotDevicesDeferredAreRetriedByTheNextTrigger) {
  ScenarioBuilder b("pre-capture", "6.1.0-27-amd64");
  b.existing_device("machine", "platform");
  b.existing_driver("machine", "platform");
  b.header()["snapshot"] = {
      {"devices_deferred", {{"readable", true}, {"devices", {{{"dev", "machine"}, {"reason", ""}}}}}}};
  b.at(ms(100), kModA).ev("device_add", {{"dev", "kick"}, {"bus", "platform"}});
  b.probe(ms(100.1), ms(100.5), kModA, "kick", "kick", 0);
  b.trigger(ms(100.5), kModA, "bound");
  b.probe(ms(100.6), ms(101), kDefer, "machine", "machine", 0, "", true);
  const Trace tr = built(b, sec(1));
  const auto r = run(tr, {"stock"});
  EXPECT_TRUE(r.fidelity.exact) << joined(r.fidelity.divergences);
  EXPECT_EQ(of(r, "stock").verdict, Verdict::bound);
  // Without the snapshot the device is on no list and nothing retries it.
  auto b2 = b;
  b2.header().erase("snapshot");
  const Trace tr2 = built(b2, sec(1));
  const auto r2 = run(tr2, {"stock"});
  EXPECT_FALSE(r2.fidelity.exact);
}

// A provider registers the card's DAI 3 000 s after its probe (a work item). A 1 ms periodic
// timer over that span is more triggers than the simulator's step bound allows: the run is cut
// long before the DAI appears. That is not a stranded card (the old answer: "NO"), it is unknown.
TEST(HonestVerdict, ARunCutByTheStepBoundIsUndeterminedNotStranded) {
  const Trace tr =
      built(one_late_provider("cut", ms(3'000'000), "ASoC: CPU DAI prov-a-dai not registered"), ms(3'001'000));
  const ReplayReport r = run(tr, {"stock", "periodic:1", "periodic:1000"});
  const PolicyVerdict& cut = of(r, "periodic:ms=1");
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.verdict, Verdict::undetermined) << joined(cut.undetermined);
  EXPECT_NE(joined(cut.undetermined).find("was cut after"), std::string::npos) << joined(cut.undetermined);
  const std::string json = format_json(r);
  EXPECT_NE(json.find("\"target_bound\": null"), std::string::npos);
  const PolicyVerdict& slow = of(r, "periodic:ms=1000");
  EXPECT_FALSE(slow.truncated);
  EXPECT_EQ(slow.verdict, Verdict::bound) << joined(slow.undetermined);
}

// A capture whose ring buffer overflowed may lack any probe or bind: the replay says so in its
// warnings and no longer calls a bpf capture's fidelity "high".
TEST(HonestVerdict, DroppedEventsAreSaidAndLowerTheConfidence) {
  Trace tr = built(one_late_provider("dropped", ms(300), "ASoC: CPU DAI prov-a-dai not registered"), ms(2000));
  tr.source = "bpf";
  const ReplayReport clean = run(tr, {"stock"});
  EXPECT_EQ(clean.fidelity.confidence, "high");
  EXPECT_EQ(joined(clean.warnings).find("incomplete"), std::string::npos) << joined(clean.warnings);
  ASSERT_TRUE(tr.end.has_value());
  tr.end->dropped = 500;
  const ReplayReport r = run(tr, {"stock"});
  EXPECT_EQ(r.fidelity.confidence, "lower");
  EXPECT_NE(joined(r.warnings).find("the trace is incomplete: its producer dropped 500 and lost 0 events"),
            std::string::npos)
      << joined(r.warnings);
}

}  // namespace
}  // namespace reprobe
