// Plain-words explanation of the stock outcome (see explanation.h).
#include "replayer/verdict/explanation.h"

#include <algorithm>

#include <fmt/format.h>

#include "replayer/trace/kernel_vocabulary.h"
#include "replayer/verdict/errno_names.h"
#include "replayer/verdict/report_units.h"

namespace reprobe {

namespace {

struct Instant {
  uint64_t t = 0;
  uint32_t a = 0;  // trigger: cause; bound: device
};

// Indexes of the stock timeline, built in one pass so that explaining
// thousands of targets stays linear.
struct TimelineIndex {
  std::vector<Instant> triggers;                  // effective triggers, time order
  std::vector<Instant> binds;                     // bound records (a = device), time order
  std::vector<uint64_t> probe_starts;             // every probe_start, time order
  std::vector<std::vector<uint64_t>> dev_starts;  // per device: its probe starts
  std::vector<uint64_t> dev_last_end;             // per device: last probe_end
  std::vector<uint64_t> first_up;                 // per resource: first resource_up time (UINT64_MAX: never)
  std::vector<uint32_t> first_up_arrival;         // per resource: that arrival

  TimelineIndex(const Model& m, const SimState& s)
      : dev_starts(m.devices.size()),
        dev_last_end(m.devices.size(), 0),
        first_up(m.resources.size(), UINT64_MAX),
        first_up_arrival(m.resources.size(), kNone) {
    for (const SimRecord& r : s.timeline) {
      switch (r.kind) {
        case RecKind::trigger:
          triggers.push_back({r.t, r.subject});
          break;
        case RecKind::bound:
          binds.push_back({r.t, r.dev});
          break;
        case RecKind::probe_start:
          probe_starts.push_back(r.t);
          if (r.dev < dev_starts.size()) dev_starts[r.dev].push_back(r.t);
          break;
        case RecKind::probe_end:
          if (r.dev < dev_last_end.size()) dev_last_end[r.dev] = r.t;
          break;
        case RecKind::resource_up:
          if (r.arrival() < m.arrivals.size())
            for (uint32_t res : m.arrivals[r.arrival()].resources)
              if (res < first_up.size() && first_up[res] == UINT64_MAX) {
                first_up[res] = r.t;
                first_up_arrival[res] = r.arrival();
              }
          break;
        default:
          break;
      }
    }
  }

  // Last instant with t <= limit (strictly before when `strict`).
  static const Instant* last_before(const std::vector<Instant>& v, uint64_t limit, bool strict) {
    auto it = strict
                  ? std::lower_bound(v.begin(), v.end(), limit, [](const Instant& i, uint64_t t) { return i.t < t; })
                  : std::upper_bound(v.begin(), v.end(), limit, [](uint64_t t, const Instant& i) { return t < i.t; });
    return it == v.begin() ? nullptr : &*(it - 1);
  }
  static size_t count_after(const std::vector<Instant>& v, uint64_t t) {
    return static_cast<size_t>(
        v.end() - std::upper_bound(v.begin(), v.end(), t, [](uint64_t x, const Instant& i) { return x < i.t; }));
  }
  size_t probes_after(uint64_t t) const {
    return static_cast<size_t>(probe_starts.end() - std::upper_bound(probe_starts.begin(), probe_starts.end(), t));
  }
};

std::string str(const Model& m, StrId id) { return std::string(m.trace->str(id)); }

std::string driver_of(const Model& m, DevId d) {
  const DeviceModel& dm = m.devices[d];
  for (uint32_t b : dm.bindings) {
    const Binding& bi = m.bindings[b];
    if (bi.success >= 0) return str(m, bi.drv);
  }
  return dm.bindings.empty() ? std::string() : str(m, m.bindings[dm.bindings.front()].drv);
}

Line device_with_driver(const Model& m, DevId d) {
  Line l;
  l.v(m.dev_label(d));
  const std::string drv = driver_of(m, d);
  if (!drv.empty()) l.t(" (driver ").v(drv).t(")");
  return l;
}

std::string evidence_words(Evidence e) {
  switch (e) {
    case Evidence::reason:
      return "named by its deferral reason";
    case Evidence::separation:
      return "the only resource that appeared between its last deferral and its success";
    case Evidence::ambiguous:
      return "one of several resources that appeared between its last deferral and its success";
    case Evidence::count:
      return "inferred from the attempt count";
    case Evidence::none:
      return "needed by nothing";
    case Evidence::unknown:
      return "unknown evidence";
  }
  return "unknown evidence";
}

// " from `sof_probe_work`, a work item queued by the probe of `0000:00:1f.3`"
// An arrival deduced by the importer (a kernel log's implied component registration), not observed.
bool inferred_arrival(const Model& m, const Arrival& a) {
  return m.trace && a.event < m.trace->events.size() && m.trace->events[a.event].inferred;
}

Line origin_of(const Model& m, const Arrival& a) {
  Line l;
  if (a.ctx == kNone || a.ctx >= m.contexts.size()) return l;
  const Context& c = m.contexts[a.ctx];
  const std::string label = c.label ? str(m, c.label) : std::string();
  switch (c.kind) {
    case CtxKind::work:
      l.t(", registered from ");
      if (!label.empty()) l.v(label).t(", ");
      l.t("a work item");
      break;
    case CtxKind::fw_callback:
      l.t(", registered from the firmware callback");
      if (!label.empty()) l.t(" ").v(label);
      if (a.provider != kNoDev) l.t(" of a request by the probe of ").v(m.dev_label(a.provider));
      return l;
    case CtxKind::module_init:
      l.t(", registered by the init of module");
      if (!label.empty()) l.t(" ").v(label);
      break;
    case CtxKind::probe:
      l.t(", registered during the probe of ").v(m.dev_label(c.dev));
      return l;
    case CtxKind::root:
      return l;
  }
  if (a.provider != kNoDev) l.t(" queued by the probe of ").v(m.dev_label(a.provider));
  return l;
}

std::string cause_words(TriggerCause c) {
  switch (c) {
    case TriggerCause::bound:
      return "bind";
    case TriggerCause::race:
      return "race-fix re-trigger (deferred_trigger_count changed during the probe)";
    case TriggerCause::late_initcall:
      return "late_initcall (deferred_probe_initcall)";
    case TriggerCause::timeout:
      return "deferred_probe_timeout expiry";
    case TriggerCause::resume:
      return "resume";
    case TriggerCause::periodic:
      return "periodic trigger";
    case TriggerCause::provider_kick:
      return "provider kick";
    case TriggerCause::component_kick:
      return "component kick";
    case TriggerCause::resource_kick:
      return "resource kick";
    case TriggerCause::unseen:
      return "trigger the log does not show (a retry it prints implies one: an unprinted bind)";
  }
  return "trigger";
}

// "a bind (`hdaudioC0D2` at 25.169800 s)" / "a late_initcall ... at 1.2 s"
Line trigger_words(const Model& m, const TimelineIndex& ix, const Instant& trig) {
  Line l;
  const auto cause = static_cast<TriggerCause>(trig.a);
  if (cause == TriggerCause::bound) {
    if (const Instant* b = TimelineIndex::last_before(ix.binds, trig.t, false); b && b->t == trig.t) {
      l.t("the bind of ").v(m.dev_label(b->a)).t(" at " + report_instant(trig.t));
      return l;
    }
  }
  l.t("the " + cause_words(cause) + " at " + report_instant(trig.t));
  return l;
}

// The deferral reasons of its last attempt that recorded any.
std::vector<std::string> last_reasons(const Model& m, DevId d) {
  const DeviceModel& dm = m.devices[d];
  const Attempt* last = nullptr;
  for (uint32_t b : dm.bindings)
    for (uint32_t ai : m.bindings[b].attempts) {
      const Attempt& a = m.attempts[ai];
      if (!a.reasons.empty() && (!last || a.start_event >= last->start_event)) last = &a;
    }
  std::vector<std::string> out;
  if (last)
    for (StrId r : last->reasons) out.push_back(str(m, r));
  return out;
}

std::string times(uint64_t n) {
  if (n == 1) return "once";
  if (n == 2) return "twice";
  return fmt::format("{} times", n);
}

Line rescue_words(const std::vector<std::pair<std::string, std::optional<uint64_t>>>& yes,
                  const std::vector<std::string>& no, bool stock_bound);

Line rescue_line(const ReplayReport& rep, DevId d, bool stock_bound) {
  std::vector<std::pair<std::string, std::optional<uint64_t>>> yes;
  std::vector<std::string> no, open;
  for (const auto& v : rep.verdicts) {
    if (v.policy.spec == "stock") continue;
    for (const auto& t : v.targets)
      if (t.dev == d) {
        if (t.bound())
          yes.emplace_back(v.policy.spec, t.bound_at);
        else if (t.verdict == Verdict::undetermined)
          open.push_back(v.policy.spec);
        else
          no.push_back(v.policy.spec);
      }
  }
  Line l = rescue_words(yes, no, stock_bound);
  if (!open.empty()) {
    l.t(l.plain().empty() ? "" : " ").t("The trace cannot decide ");
    for (size_t i = 0; i < open.size(); ++i) {
      if (i) l.t(i + 1 == open.size() ? " and " : ", ");
      l.v(open[i]);
    }
    l.t(" (undetermined; see why each policy binds or not).");
  }
  return l;
}

Line rescue_words(const std::vector<std::pair<std::string, std::optional<uint64_t>>>& yes,
                  const std::vector<std::string>& no, bool stock_bound) {
  Line l;
  if (yes.empty() && no.empty()) return l;
  if (stock_bound) {
    // Bound under stock: only the policies that would lose it are news.
    if (no.empty()) return l;
    l.t("It would stay unbound under ");
    for (size_t i = 0; i < no.size(); ++i) {
      if (i) l.t(i + 1 == no.size() ? " and " : ", ");
      l.v(no[i]);
    }
    l.t(".");
    return l;
  }
  if (yes.empty()) {
    l.t("No replayed policy binds it.");
    return l;
  }
  l.t("Replayed policies that bind it: ");
  for (size_t i = 0; i < yes.size(); ++i) {
    if (i) l.t(", ");
    l.v(yes[i].first);
    if (yes[i].second) l.t(" (at " + report_instant(*yes[i].second) + ")");
  }
  l.t(".");
  if (!no.empty()) {
    l.t(" It stays unbound under ");
    for (size_t i = 0; i < no.size(); ++i) {
      if (i) l.t(i + 1 == no.size() ? " and " : ", ");
      l.v(no[i]);
    }
    l.t(".");
  }
  return l;
}

void explain_bound(const ReplayReport& rep, const SimState& s, const TimelineIndex& ix, DevId d, TargetStory& st) {
  const Model& m = rep.model;
  const DevState& ds = s.devs[d];
  Line l = device_with_driver(m, d);
  if (ds.deferrals == 0) {
    l.t(fmt::format(" bound at {} on its {}.", report_instant(ds.bound_at),
                    ds.attempts <= 1 ? "first probe attempt" : fmt::format("probe attempt {}", ds.attempts)));
  } else {
    l.t(fmt::format(" deferred {} and bound at {} on probe attempt {}.", times(ds.deferrals),
                    report_instant(ds.bound_at), ds.attempts));
  }
  if (ds.assumed_success) l.t(" (The trace never shows this probe succeeding: the success is assumed.)");
  st.lines.push_back(std::move(l));
  if (ds.deferrals > 0) {
    // The retry that bound it: its last probe start at or before the bind, and the last trigger before that.
    const auto& starts = ix.dev_starts[d];
    auto it = std::upper_bound(starts.begin(), starts.end(), ds.bound_at);
    uint64_t retry_start = 0;
    if (it != starts.begin()) {
      const uint64_t start = *(it - 1);
      retry_start = start;
      if (const Instant* trig = TimelineIndex::last_before(ix.triggers, start, false)) {
        Line r;
        r.t("The successful retry followed ").add(trigger_words(m, ix, *trig)).t(".");
        st.lines.push_back(std::move(r));
      }
    }
    for (const Need& n : m.devices[d].needs) {
      if (n.resource >= ix.first_up.size() || ix.first_up[n.resource] == UINT64_MAX) continue;
      Line w;
      const Arrival& a = m.arrivals[ix.first_up_arrival[n.resource]];
      w.t("It waited for ").v(m.resource_name(n.resource)).t(" (" + evidence_words(n.evidence) + ")");
      if (inferred_arrival(m, a)) {
        // A kernel log prints no component registration: the importer placed it just after the
        // deferral, a time the log cannot show (issue 14, no invented numbers).
        w.t(", which appeared between that deferral and the successful retry; the log does not show when.");
        st.lines.push_back(std::move(w));
        continue;
      }
      w.t(", which appeared at " + report_instant(ix.first_up[n.resource]));
      w.add(origin_of(m, a));
      if (retry_start > ix.first_up[n.resource])
        w.t("; the successful retry started " + report_gap(retry_start - ix.first_up[n.resource]) + " later");
      w.t(".");
      st.lines.push_back(std::move(w));
    }
  }
  if (ds.card_live && ds.card_rebinds > 0)
    st.lines.emplace_back(fmt::format(
        "Its sound card was last registered at {}: ASoC unbound it when a component it uses was removed and "
        "re-bound it when the component registered again (snd_soc_try_rebind_card(); {} re-bind(s)).",
        report_instant(ds.card_at), ds.card_rebinds));
  else if (ds.card_live)
    st.lines.emplace_back(fmt::format("Its sound card was registered at {}.", report_instant(ds.card_at)));
  else if (ds.card_unbound)
    st.lines.emplace_back(
        "Its sound card was unbound when a component it uses was removed, and ASoC did not re-bind it: no "
        "registration brought all of its components back.");
}

// A device of the trace that a deferral reason of d's last attempt names as its supplier
// ("supplier X not ready", "wait for supplier X"), whether or not the model made it a need (a
// log cannot show binds, so need inference may leave it open).
std::optional<DevId> supplier_named_by_reasons(const Model& m, DevId d) {
  std::vector<std::string> reasons = last_reasons(m, d);
  if (reasons.empty())  // a reason printed outside any attempt the trace shows (link-level deferral)
    for (const Event& e : m.trace->events)
      if (e.kind == EventKind::defer_reason && e.dev == d) reasons = {std::string(m.trace->str(e.name))};
  for (const auto& reason : reasons)
    if (auto r = resource_from_reason(reason); r && r->starts_with("device:"))
      if (auto x = m.trace->find_device(r->substr(7)); x && *x != d) return x;
  return std::nullopt;
}

// The last observed probe of device d (nullptr: never probed in the trace).
const Attempt* last_observed_attempt(const Model& m, DevId d) {
  const Attempt* last = nullptr;
  for (uint32_t b : m.devices[d].bindings)
    for (uint32_t ai : m.bindings[b].attempts)
      if (!last || m.attempts[ai].start_event >= last->start_event) last = &m.attempts[ai];
  return last;
}

// Where a resource that never appeared leads when it names a device of the trace ("device:X",
// a supplier): that device, then what it waits for in turn, down to the first device whose
// probe failed (issue 14, "the chain from the card down to the first failure"). Empty when
// the resource names no device.
Line supplier_chain(const Model& m, const SimState& s, const std::string& resource) {
  Line l;
  if (!resource.starts_with("device:")) return l;
  auto next = m.trace->find_device(resource.substr(7));
  std::vector<DevId> seen;
  for (int hop = 0; next && hop < 8; ++hop) {
    const DevId x = *next;
    next.reset();
    if (std::find(seen.begin(), seen.end(), x) != seen.end()) {
      l.t(", which waits for it in turn (a loop)");
      break;
    }
    seen.push_back(x);
    l.t(hop == 0 ? ": " : hop == 1 ? " waits for " : ", which waits for ").v(m.dev_label(x));
    if (m.devices[x].observed_bound) {  // what the trace shows, not what a reading assumes
      l.t(" bound at " + report_instant(m.devices[x].observed_bound_at) +
          ", too late or without what this device needed from it");
      break;
    }
    const Attempt* a = last_observed_attempt(m, x);
    if (!a) {
      l.t(" was never probed in the capture (no driver bound it)");
      break;
    }
    if (a->outcome == ProbeOutcome::failed || a->outcome == ProbeOutcome::rejected) {
      const bool ret_known = a->end_event == 0 || m.trace->events[a->end_event].has_num();
      if (a->outcome == ProbeOutcome::rejected)
        l.t(", whose driver rejected it (" + errno_with_name(a->ret) + ")");
      else if (ret_known)
        l.t(", whose probe failed with " + errno_with_name(a->ret));
      else
        l.t(", whose probe failed (the log gives no error code)");
      l.t(" at " + report_instant(a->end));
      break;
    }
    for (const Need& n : m.devices[x].needs) {
      const std::string& rn = m.resource_name(n.resource);
      if (!rn.starts_with("device:") || s.resource_up[n.resource]) continue;
      next = m.trace->find_device(rn.substr(7));
      if (next) break;
    }
    if (!next) next = supplier_named_by_reasons(m, x);
    if (!next) l.t(a->outcome == ProbeOutcome::deferred ? " is still deferred at the end" : " never bound");
  }
  return l;
}

// ", which never appeared" and where that leads: the supplier chain when the resource names a
// device, else a guess at what is missing.
Line never_appeared(const Model& m, const SimState& s, const std::string& resource) {
  Line w(", which never appeared");
  if (Line chain = supplier_chain(m, s, resource); !chain.empty()) return w.add(chain).t(".");
  return w.t(": nothing in the capture registered it (a missing driver, module or firmware?).");
}

// The supplier chain of a deferral reason the model made no need of (a log shows no binds).
void add_reason_chain(const Model& m, const SimState& s, DevId d, TargetStory& st) {
  const DeviceModel& dm = m.devices[d];
  const bool device_need = std::any_of(dm.needs.begin(), dm.needs.end(), [&](const Need& n) {
    return m.resource_name(n.resource).starts_with("device:");
  });
  if (device_need) return;
  if (auto x = supplier_named_by_reasons(m, d)) {
    Line chain = supplier_chain(m, s, "device:" + std::string(m.trace->dev_name(*x)));
    if (!chain.empty()) st.lines.push_back(Line("Its deferral reason names a supplier").add(chain).t("."));
  }
}

// "It waits for X (evidence), which appeared at T ..." per need of a stranded device; returns the
// latest arrival of its needs (0: none appeared) and whether one never appeared.
std::pair<uint64_t, bool> add_need_lines(const Model& m, const SimState& s, const TimelineIndex& ix,
                                         const DeviceModel& dm, TargetStory& st) {
  uint64_t latest_arrival = 0;
  bool any_missing = false;
  for (const Need& n : dm.needs) {
    Line w;
    w.t("It waits for ").v(m.resource_name(n.resource)).t(" (" + evidence_words(n.evidence) + ")");
    const uint64_t up = n.resource < ix.first_up.size() ? ix.first_up[n.resource] : UINT64_MAX;
    if (up == UINT64_MAX) {
      any_missing = true;
      w.add(never_appeared(m, s, m.resource_name(n.resource)));
      st.lines.push_back(std::move(w));
      continue;
    }
    latest_arrival = std::max(latest_arrival, up);
    const Arrival& a = m.arrivals[ix.first_up_arrival[n.resource]];
    if (inferred_arrival(m, a))
      w.t(", which the log implies appeared (its registration is never printed; when is not shown).");
    else
      w.t(", which appeared at " + report_instant(up)).add(origin_of(m, a)).t(".");
    st.lines.push_back(std::move(w));
  }
  return {latest_arrival, any_missing};
}

// The deferred_probe_timeout in the stock run. A log without timestamps cannot place it among its
// lines: no timeout arithmetic on a line clock (issue 14).
void add_timeout_line(const ReplayReport& rep, const SimState& s, const Policy& stock, uint64_t latest_arrival,
                      TargetStory& st) {
  const Model& m = rep.model;
  if (rep.clock == ReportClock::log_lines && stock.timeout_s > 0) {
    st.lines.emplace_back(fmt::format(
        "The log has no timestamps, so when the one-shot deferred_probe_timeout ({} s) fired cannot be placed "
        "among its lines.",
        stock.timeout_s));
    return;
  }
  if (stock.timeout_s <= 0) {
    st.lines.emplace_back(
        fmt::format("deferred_probe_timeout is 0 with kernel profile {}: no timeout retry.", rep.profile.name));
  } else if (s.timeout_fired) {
    Line t;
    t.t(fmt::format("The one-shot deferred_probe_timeout ({} s) fired at {}", stock.timeout_s,
                    report_instant(s.timeout_fired_at)));
    if (latest_arrival > s.timeout_fired_at)
      t.t(", " + report_gap(latest_arrival - s.timeout_fired_at) + " before the arrival");
    t.t(".");
    st.lines.push_back(std::move(t));
  } else if (!m.observed.has_late_initcall && rep.source != "bpf" && rep.source != "synthetic") {
    // A kernel log (often an excerpt) prints nothing when the timeout is armed: it cannot show
    // whether the timeout was still pending (issue 14, no timeout arithmetic the log cannot back).
    const Trace& tr = *m.trace;
    const uint64_t end = tr.end && tr.end->t ? *tr.end->t : (tr.events.empty() ? 0 : tr.events.back().t);
    if (end < static_cast<uint64_t>(stock.timeout_s) * 1'000'000'000u)
      st.lines.emplace_back(
          fmt::format("The log ends at {}, before a {} s deferred_probe_timeout counted from boot could have fired; it "
                      "cannot show whether the timeout fired later (a retry it would have started is not replayed).",
                      report_instant(end), stock.timeout_s));
    else
      st.lines.emplace_back(fmt::format(
          "The log shows no sign of the {} s deferred_probe_timeout (armed at late_initcall, which the kernel "
          "does not print): whether it fired before the device deferred, the log cannot show.",
          stock.timeout_s));
  } else if (!m.observed.has_late_initcall) {
    st.lines.emplace_back(
        "The capture started after boot and shows no pending deferred_probe_timeout: it had expired before.");
  } else {
    st.lines.emplace_back(fmt::format("The deferred_probe_timeout ({} s) did not fire.", stock.timeout_s));
  }
}

void explain_stranded(const ReplayReport& rep, const SimState& s, const TimelineIndex& ix, const Policy& stock, DevId d,
                      TargetStory& st) {
  const Model& m = rep.model;
  const DevState& ds = s.devs[d];
  const DeviceModel& dm = m.devices[d];
  if (!ds.present) {
    st.lines.push_back(Line().v(m.dev_label(d)).t(" was never added (or was removed) in the replay."));
    return;
  }
  if (ds.attempts == 0) {
    st.lines.push_back(Line().v(m.dev_label(d)).t(" was never probed: no matching driver was registered."));
    return;
  }
  Line head = device_with_driver(m, d);
  if (ds.deferrals == 0) {
    head.t(fmt::format(" was probed {} and never bound (its probes failed, not deferred).", times(ds.attempts)));
    st.lines.push_back(std::move(head));
    return;
  }
  head.t(fmt::format(" was probed {} and deferred {}; its last attempt ended at {}{}.", times(ds.attempts),
                     times(ds.deferrals), report_instant(ix.dev_last_end[d]),
                     ds.list != DeferList::none ? " and it stayed on the deferred-probe list to the end" : ""));
  st.lines.push_back(std::move(head));
  if (const auto reasons = last_reasons(m, d); !reasons.empty()) {
    Line r(reasons.size() == 1 ? "Last deferral reason: " : "Deferral reasons of its last attempt: ");
    for (size_t i = 0; i < reasons.size(); ++i) r.t(i ? "; " : "").v(reasons[i]);
    st.lines.push_back(std::move(r.t(".")));
  }

  add_reason_chain(m, s, d, st);
  const auto [latest_arrival, any_missing] = add_need_lines(m, s, ix, dm, st);
  if (dm.needs.empty()) {
    if (dm.need_mode == Evidence::unknown && !dm.doubt.why.empty())
      st.lines.emplace_back("What it waits for is unknown: " + dm.doubt.why.front() +
                            ", and there is no successful probe to compare with.");
    else if (dm.need_mode == Evidence::unknown)
      st.lines.emplace_back(
          "What it waits for is unknown: the trace has no deferral reason for it and no successful probe to "
          "compare with.");
    else if (dm.need_mode == Evidence::count)
      st.lines.emplace_back(
          "Nothing in the trace separates its deferrals from a success, so the replay retries it by "
          "attempt count.");
  }
  if (latest_arrival > 0 && !any_missing) {
    // The gap that stranded it: what came last before the arrival, and what came after.
    const Instant* bind = TimelineIndex::last_before(ix.binds, latest_arrival, false);
    const Instant* trig = TimelineIndex::last_before(ix.triggers, latest_arrival, false);
    Line g;
    g.t("That was the last thing it waited for; it arrived ");
    if (bind) {
      g.t(report_gap(latest_arrival - bind->t) + " after the last bind (")
          .v(m.dev_label(bind->a))
          .t(" at " + report_instant(bind->t) + ")");
      if (trig && trig->t != bind->t)
        g.t(" and " + report_gap(latest_arrival - trig->t) + " after the last trigger (")
            .add(trigger_words(m, ix, *trig))
            .t(")");
      else if (trig)
        g.t(", the last trigger before it");
    } else if (trig) {
      g.t(report_gap(latest_arrival - trig->t) + " after the last trigger (").add(trigger_words(m, ix, *trig)).t(")");
    } else {
      g.t("when no trigger had run yet");
    }
    const auto& starts = ix.dev_starts[d];
    auto before = std::upper_bound(starts.begin(), starts.end(), latest_arrival);
    if (before != starts.begin())
      g.t("; its own last retry had started " + report_gap(latest_arrival - *(before - 1)) + " before");
    g.t(".");
    st.lines.push_back(std::move(g));
    const size_t trig_after = TimelineIndex::count_after(ix.triggers, latest_arrival);
    const size_t probes_after = ix.probes_after(latest_arrival);
    if (trig_after == 0 && probes_after == 0)
      st.lines.emplace_back(
          "Nothing triggered a retry afterwards: no device bound and no driver registered after it, so "
          "nothing probed afterwards.");
    else if (trig_after == 0)
      st.lines.emplace_back(
          fmt::format("Nothing triggered a retry afterwards: {} ran later (new devices or drivers), but "
                      "only a trigger retries the deferred-probe list.",
                      count_of(probes_after, "probe attempt", "probe attempts")));
    else
      st.lines.emplace_back(
          fmt::format("{} ran after it without binding the device.", count_of(trig_after, "trigger", "triggers")));
  }
  add_timeout_line(rep, s, stock, latest_arrival, st);
}

}  // namespace

std::vector<TargetStory> explain_stock_outcome(const ReplayReport& rep, const SimState& stock, const Policy& policy,
                                               size_t max_targets) {
  const Model& m = rep.model;
  const TimelineIndex ix(m, stock);
  // Stranded targets that only missed a retry (everything they wait for is
  // there) are the deferred-probe bug itself: they come first, then the other
  // stranded ones, then the bound ones.
  auto missed_retry = [&](DevId d) {
    const DeviceModel& dm = m.devices[d];
    if (dm.needs.empty()) return false;
    for (const Need& n : dm.needs)
      if (n.resource >= ix.first_up.size() || ix.first_up[n.resource] == UINT64_MAX) return false;
    return true;
  };
  std::vector<DevId> order;
  for (DevId d : rep.targets)
    if (d < stock.devs.size() && !stock.devs[d].bound && missed_retry(d)) order.push_back(d);
  for (DevId d : rep.targets)
    if (d < stock.devs.size() && !stock.devs[d].bound && !missed_retry(d)) order.push_back(d);
  for (DevId d : rep.targets)
    if (d < stock.devs.size() && stock.devs[d].bound) order.push_back(d);
  if (order.size() > max_targets) order.resize(max_targets);
  std::vector<TargetStory> out;
  for (DevId d : order) {
    TargetStory st;
    st.dev = d;
    st.bound = stock.devs[d].bound;
    if (st.bound)
      explain_bound(rep, stock, ix, d, st);
    else
      explain_stranded(rep, stock, ix, policy, d, st);
    Line rescue = rescue_line(rep, d, st.bound);
    if (!rescue.empty()) st.lines.push_back(std::move(rescue));
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace reprobe
