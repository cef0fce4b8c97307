#include "replayer/verdict/replay.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "replayer/verdict/explanation.h"

namespace reprobe {

namespace {

PolicyVerdict verdict_for(const Model& m, const Policy& p, const std::vector<DevId>& targets, const SimResult& r) {
  const SimState& s = r.state;
  PolicyVerdict v;
  v.policy = p;
  v.probe_attempts = s.probe_attempts;
  v.deferrals = s.deferrals;
  v.triggers = r.triggers();
  v.triggers_ignored = s.triggers_ignored;
  v.triggers_by_cause = s.triggers_by_cause;
  v.blocked_total_ns = s.blocked_total_ns;
  v.blocked_max_ns = s.blocked_max_ns;
  v.truncated = s.truncated;
  if (s.timeout_fired) v.timeout_fired_at = s.timeout_fired_at;
  v.target_bound = !targets.empty();
  for (DevId d : targets) {
    const DevState& ds = s.devs[d];
    TargetOutcome t;
    t.dev = d;
    t.bound = ds.bound;
    if (ds.bound) t.bound_at = ds.bound_at;
    if (ds.card_live) t.card_at = ds.card_at;
    t.attempts = ds.attempts;
    t.deferrals = ds.deferrals;
    t.assumed_success = ds.bound && ds.assumed_success;
    v.target_bound = v.target_bound && ds.bound;
    if (ds.bound && (!v.target_bound_at || ds.bound_at > *v.target_bound_at)) v.target_bound_at = ds.bound_at;
    v.targets.push_back(t);
  }
  if (!v.target_bound) v.target_bound_at.reset();
  for (DevId d = 0; d < s.devs.size(); ++d) {
    const DevState& ds = s.devs[d];
    if (!ds.present || ds.bound || ds.list == DeferList::none)
      continue;  // off the lists: never deferred, or
                 // deferred, then failed for good
    Stranded st;
    st.dev = d;
    const DeviceModel& dm = m.devices[d];
    st.evidence = dm.need_mode;
    for (const Need& n : dm.needs)
      if (!s.resource_up[n.resource]) st.waiting_for.push_back(m.resource_name(n.resource));
    if (st.waiting_for.empty()) {
      switch (dm.need_mode) {
        case Evidence::unknown:
          st.waiting_for.push_back("unknown (never bound, no deferral reason recorded)");
          break;
        case Evidence::count:
          st.waiting_for.push_back("unknown (nothing in the trace separates its deferrals from its success)");
          break;
        default:
          // Everything it needs is there: it only misses a retry.
          for (const Need& n : dm.needs)
            st.waiting_for.push_back(m.resource_name(n.resource) + " (available; no retry since)");
          if (st.waiting_for.empty()) st.waiting_for.push_back("a retry (it needs nothing missing)");
          break;
      }
    }
    v.stranded.push_back(std::move(st));
  }
  return v;
}

// Compares the stock replay, stopped at the end of the capture, with what the capture observed.
Fidelity check_fidelity(const Model& m, const Trace& tr, const SimState& st) {
  struct {
    const SimState& state;
  } r{st};
  Fidelity f;
  f.confidence = tr.source == "bpf" ? "high" : "lower";
  if (tr.source == "synthetic") f.confidence = "synthetic";
  for (DevId d = 0; d < m.devices.size(); ++d) {
    const DeviceModel& dm = m.devices[d];
    const DevState& ds = st.devs[d];
    if (dm.observed_attempts == 0 && !dm.initially_bound) continue;
    const std::string name = m.dev_label(d);
    // Both sides mean "bound at some point" (a device may be unbound or deleted later, e.g. a replug).
    if (dm.observed_bound != ds.ever_bound)
      f.divergences.push_back(fmt::format("{}: observed {}, replay {}", name, dm.observed_bound ? "bound" : "unbound",
                                          ds.ever_bound ? "bound" : "unbound"));
    if (dm.observed_attempts != ds.attempts)
      f.divergences.push_back(
          fmt::format("{}: observed {} probe attempt(s), replay {}", name, dm.observed_attempts, ds.attempts));
  }
  if (m.observed.has_trigger_events && m.observed.timeout_fired != r.state.timeout_fired)
    f.divergences.push_back(fmt::format("deferred_probe_timeout: observed {}, replay {}",
                                        m.observed.timeout_fired ? "fired" : "not fired",
                                        r.state.timeout_fired ? "fired" : "not fired"));
  for (const auto& n : m.notes) f.divergences.push_back("model: " + n);
  f.exact = f.divergences.empty();
  return f;
}

}  // namespace

Result<ReplayReport> replay(const Trace& trace, const ReplayOptions& opt) {
  ReplayReport rep;
  rep.trace_path = trace.path;
  rep.source = trace.source;
  // Kernel profile.
  if (opt.kernel == "auto") {
    std::string profile_hint;
    if (trace.header.contains("kernel") && trace.header["kernel"].contains("profile") &&
        trace.header["kernel"]["profile"].is_string())
      profile_hint = trace.header["kernel"]["profile"].get<std::string>();
    if (!profile_hint.empty()) {
      auto p = kernel_profile(profile_hint);
      if (!p) return Error{trace.path, 1, p.error().message};
      rep.profile = *p;
    } else if (auto p = profile_for_release(trace.kernel_release)) {
      rep.profile = *p;
    } else {
      return Error{
          trace.path, 1,
          fmt::format("cannot tell the kernel profile from release '{}'; pass --kernel", trace.kernel_release)};
    }
  } else {
    auto p = kernel_profile(opt.kernel);
    if (!p) return p.error();
    rep.profile = *p;
  }
  if (trace.header.contains("kernel") && trace.header["kernel"].contains("cmdline") &&
      trace.header["kernel"]["cmdline"].is_string())
    rep.capture_timeout = cmdline_timeout(trace.header["kernel"]["cmdline"].get<std::string>());

  rep.model = build_model(trace);
  const Model& m = rep.model;

  // Targets.
  if (opt.targets.empty()) {
    for (DevId d = 0; d < m.devices.size(); ++d)
      if (m.devices[d].card) rep.targets.push_back(d);
    if (rep.targets.empty() && opt.require_target)
      return Error{trace.path, 0, "no device registered or tried to register a sound card; name one with --target"};
  } else {
    for (const auto& t : opt.targets) {
      auto d = trace.find_device(t);
      if (!d) return Error{trace.path, 0, fmt::format("--target '{}': no such device in the trace", t)};
      rep.targets.push_back(*d);
    }
  }

  std::vector<std::string> specs = opt.policies;
  if (opt.all_policies) {
    auto all = all_policy_specs();
    specs.insert(specs.begin(), all.begin(), all.end());
  }
  if (specs.empty()) specs.push_back("stock");
  // The stock run always happens first: it feeds the fidelity check and the explanation.
  std::vector<Policy> policies;
  auto stock = parse_policy("stock", rep.profile, rep.capture_timeout);
  policies.push_back(*stock);
  for (const auto& s : specs) {
    auto p = parse_policy(s, rep.profile, rep.capture_timeout);
    if (!p) return p.error();
    if (p->spec == "stock") continue;
    if (std::any_of(policies.begin(), policies.end(), [&](const Policy& q) { return q.spec == p->spec; })) continue;
    policies.push_back(*p);
  }
  const bool stock_requested =
      std::any_of(specs.begin(), specs.end(), [&](const std::string& s) { return s == "stock"; });

  // Only the stock run records its timeline (the explanation reads it), unless every policy's is kept.
  SimState stock_final;
  for (size_t i = 0; i < policies.size(); ++i) {
    SimConfig config;
    config.record_timeline = i == 0 || opt.keep_timelines;
    Simulator sim(m, policies[i], config);
    if (i == 0) {
      sim.run_until(m.end_t);
      rep.fidelity = check_fidelity(m, trace, sim.state());
    }
    SimResult r = sim.run();
    rep.verdicts.push_back(verdict_for(m, policies[i], rep.targets, r));
    if (r.state.truncated)
      rep.warnings.push_back(fmt::format("policy {}: simulation stopped after {} steps (runaway triggers?)",
                                         policies[i].spec, r.state.steps));
    if (i == 0)
      stock_final = std::move(r.state);
    else if (opt.keep_timelines)
      rep.verdicts.back().timeline = std::move(r.state.timeline);
  }
  // The explanation names the other policies that would bind a target: it comes after every run.
  rep.stories = explain_stock_outcome(rep, stock_final, policies.front(), SIZE_MAX);
  for (const auto& story : rep.stories)
    for (const auto& line : story.lines) rep.why.push_back(line.plain());
  if (opt.keep_timelines) rep.verdicts.front().timeline = std::move(stock_final.timeline);
  if (!stock_requested) rep.verdicts.erase(rep.verdicts.begin());
  return rep;
}

}  // namespace reprobe
