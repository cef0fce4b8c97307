#include "replayer/timeline/timeline.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace reprobe {

std::string_view to_string(MarkKind k) {
  switch (k) {
    case MarkKind::deferral:
      return "deferral";
    case MarkKind::bind:
      return "bind";
    case MarkKind::unbind:
      return "unbind";
    case MarkKind::resource:
      return "resource";
    case MarkKind::resource_gone:
      return "resource_gone";
    case MarkKind::module_request:
      return "module_request";
    case MarkKind::module_load:
      return "module_load";
    case MarkKind::driver_register:
      return "driver_register";
    case MarkKind::card_register:
      return "card_register";
    case MarkKind::late_initcall:
      return "late_initcall";
    case MarkKind::timeout_armed:
      return "timeout_armed";
    case MarkKind::timeout_extended:
      return "timeout_extended";
    case MarkKind::timeout_fired:
      return "timeout_fired";
    case MarkKind::device_add:
      return "device_add";
    case MarkKind::device_del:
      return "device_del";
  }
  return "?";
}

namespace {

// While building, lanes are DevIds; the two shared lanes use values no DevId takes.
constexpr uint32_t kTmpCore = UINT32_MAX - 1, kTmpModules = UINT32_MAX - 2;

std::string join_reasons(const Trace& tr, const std::vector<StrId>& reasons) {
  std::string s;
  for (StrId r : reasons) {
    if (!s.empty()) s += "; ";
    s += tr.str(r);
  }
  return s;
}

// Resources an arrival makes (or removes), without device binds and firmware
// files (those show as binds and firmware spans). Empty: nothing to mark.
std::string arrival_text(const Model& m, const Arrival& a) {
  if (a.is_bind) return {};
  std::string s;
  for (uint32_t r : a.resources) {
    const std::string& n = m.resource_name(r);
    if (n.starts_with("device:") || n.starts_with("fw:")) continue;
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

uint32_t arrival_lane(const Arrival& a, DevId event_dev) {
  if (event_dev != kNoDev) return event_dev;
  if (a.provider != kNoDev) return a.provider;
  return kTmpCore;
}

// Links every retry (an attempt of a device whose previous attempt deferred)
// to the trigger that caused it: the last trigger before the deferred-work
// round it ran in, or before its start when no round contains it, provided
// the trigger came after the device's previous attempt started.
void link_observed_retries(const Trace& tr, const Model& m, Timeline& tl) {
  std::vector<size_t> last_attempt(tr.devices.size(), SIZE_MAX);  // device -> index into probes
  size_t next_round = 0;
  std::vector<int32_t> round_tid(tl.rounds.size(), -1);
  // Round worker threads, from the deferred_work_start events (same order as rounds).
  {
    size_t r = 0;
    for (const Event& e : tr.events)
      if (e.kind == EventKind::deferred_work_start && r < round_tid.size()) round_tid[r++] = e.tid;
  }
  for (size_t i = 0; i < tl.probes.size(); ++i) {
    TimelineProbe& p = tl.probes[i];
    const Attempt& at = m.attempts[i];
    // The round containing the probe's start on the same thread, if any.
    while (next_round < tl.rounds.size() && tl.rounds[next_round].end < p.start) ++next_round;
    uint64_t cause_before = p.start;
    for (size_t r = next_round; r < tl.rounds.size() && tl.rounds[r].start <= p.start; ++r)
      if (tl.rounds[r].end >= p.start && round_tid[r] == tr.events[at.start_event].tid) {
        cause_before = tl.rounds[r].start;
        break;
      }
    const size_t prev = last_attempt[at.dev];
    const bool retry = prev != SIZE_MAX && tl.probes[prev].outcome == ProbeOutcome::deferred;
    if (retry) {
      auto it = std::upper_bound(tl.triggers.begin(), tl.triggers.end(), cause_before,
                                 [](uint64_t t, const TimelineTrigger& g) { return t < g.t; });
      if (it != tl.triggers.begin()) {
        const uint32_t k = static_cast<uint32_t>(it - tl.triggers.begin() - 1);
        if (tl.triggers[k].t >= tl.probes[prev].start) {
          p.trigger = k;
          tl.triggers[k].retries.push_back(static_cast<uint32_t>(i));
        }
      }
    }
    last_attempt[at.dev] = i;
  }
}

// NOLINTNEXTLINE(readability-function-size): one pass over the trace fills every track
Timeline observed_timeline(const ReplayReport& rep, const Trace& tr) {
  const Model& m = rep.model;
  Timeline tl;
  tl.name = "observed";
  tl.probes.reserve(m.attempts.size());
  for (const Attempt& a : m.attempts) {
    TimelineProbe p;
    p.lane = a.dev;
    p.start = a.start;
    p.end_known = a.end_event != 0;
    p.end = p.end_known ? a.end : std::max(a.start, m.end_t);
    p.outcome = a.outcome;
    p.driver = tr.str(a.drv);
    p.ret = a.ret;
    p.ret_known = !p.end_known || tr.events[a.end_event].has_num();
    if (p.end_known && a.outcome == ProbeOutcome::deferred)
      tl.marks.push_back(TimelineMark{a.end, a.dev, MarkKind::deferral, join_reasons(tr, a.reasons)});
    tl.probes.push_back(std::move(p));
  }
  std::map<uint64_t, size_t> fw_by_id;
  for (const Event& e : tr.events) {
    const auto mark = [&](uint32_t lane, MarkKind k, std::string text = {}) {
      tl.marks.push_back(TimelineMark{e.t, lane, k, std::move(text)});
    };
    switch (e.kind) {
      case EventKind::trigger:
        tl.triggers.push_back(
            TimelineTrigger{e.t, e.name ? std::string(tr.str(e.name)) : "other", e.has_id() ? e.id : 0, false, {}});
        break;
      case EventKind::deferred_work_start:
        tl.rounds.push_back(WorkRound{e.t, e.t, false});
        break;
      case EventKind::deferred_work_end:
        for (auto it = tl.rounds.rbegin(); it != tl.rounds.rend(); ++it)
          if (!it->end_known) {
            it->end = e.t;
            it->end_known = true;
            break;
          }
        break;
      case EventKind::late_initcall:
        mark(kTmpCore, MarkKind::late_initcall);
        break;
      case EventKind::timeout_armed:
        mark(kTmpCore, MarkKind::timeout_armed, fmt::format("{} s", e.num));
        break;
      case EventKind::timeout_extended:
        mark(kTmpCore, MarkKind::timeout_extended, fmt::format("{} s", e.num));
        break;
      case EventKind::timeout_fired:
        mark(kTmpCore, MarkKind::timeout_fired);
        break;
      case EventKind::driver_register:
        mark(kTmpCore, MarkKind::driver_register, std::string(tr.str(e.drv)));
        break;
      case EventKind::bound:
        mark(e.dev, MarkKind::bind, std::string(tr.str(e.drv)));
        break;
      case EventKind::unbind:
        mark(e.dev, MarkKind::unbind, std::string(tr.str(e.drv)));
        break;
      case EventKind::device_add:
        mark(e.dev, MarkKind::device_add, std::string(tr.str(e.s2)));
        break;
      case EventKind::device_del:
        mark(e.dev, MarkKind::device_del);
        break;
      case EventKind::module_request:
        mark(kTmpModules, MarkKind::module_request, std::string(tr.str(e.name)));
        break;
      case EventKind::module_load:
        mark(kTmpModules, MarkKind::module_load, std::string(tr.str(e.name)));
        break;
      case EventKind::snd_card_register:
        mark(e.dev != kNoDev ? e.dev : kTmpCore, MarkKind::card_register,
             fmt::format("card{} {}", e.num, tr.str(e.name)));
        break;
      case EventKind::fw_request: {
        FirmwareSpan f;
        f.lane = e.dev != kNoDev ? e.dev : kTmpCore;
        f.request = f.done = f.callback_end = e.t;
        f.nowait = e.flag;
        f.id = e.id;
        f.name = tr.str(e.name);
        if (e.s3) f.callback = tr.str(e.s3);
        fw_by_id[e.id] = tl.firmware.size();
        tl.firmware.push_back(std::move(f));
        break;
      }
      case EventKind::fw_done: {
        auto it = fw_by_id.find(e.id);
        if (it == fw_by_id.end()) break;
        FirmwareSpan& f = tl.firmware[it->second];
        f.done = f.callback_end = e.t;
        f.done_known = true;
        f.ret = e.num;
        break;
      }
      case EventKind::fw_cb_end: {
        auto it = fw_by_id.find(e.id);
        if (it == fw_by_id.end()) break;
        FirmwareSpan& f = tl.firmware[it->second];
        f.callback_end = e.t;
        f.callback_known = true;
        break;
      }
      default:
        break;
    }
  }
  for (FirmwareSpan& f : tl.firmware)
    if (!f.done_known) f.done = f.callback_end = std::max(f.request, m.end_t);
  for (WorkRound& r : tl.rounds)
    if (!r.end_known) r.end = std::max(r.start, m.end_t);
  for (const Arrival& a : m.arrivals) {
    std::string text = arrival_text(m, a);
    if (text.empty()) continue;
    const DevId ev_dev = a.event < tr.events.size() ? tr.events[a.event].dev : kNoDev;
    tl.marks.push_back(TimelineMark{a.t, arrival_lane(a, ev_dev),
                                    a.removal ? MarkKind::resource_gone : MarkKind::resource, std::move(text)});
  }
  link_observed_retries(tr, m, tl);
  tl.end_t = m.end_t;
  return tl;
}

// NOLINTNEXTLINE(readability-function-size): one pass over the simulated run fills every track
Timeline replayed_timeline(const Model& m, const Trace& tr, const PolicyVerdict& v) {
  Timeline tl;
  tl.name = v.policy.spec;
  const size_t nd = tr.devices.size();
  std::vector<size_t> open(nd, SIZE_MAX);        // device -> probe in flight
  std::vector<uint32_t> retry_cause(nd, kNone);  // device -> trigger of its pending retry (kNone: none)
  std::vector<uint8_t> retry_pending(nd, 0);
  std::vector<uint32_t> binding_attempts(m.bindings.size(), 0);
  std::vector<uint32_t> probe_binding(nd, kNone);
  std::vector<std::string> reason_cache(m.bindings.size());  // binding -> reasons of its last deferral text
  std::vector<uint32_t> reason_cache_at(m.bindings.size(), kNone);
  uint32_t last_trigger = kNone;
  const auto deferral_text = [&](uint32_t binding) -> std::string {
    // The reasons the observed attempt with the same index gave (the last one
    // with reasons when the replay probes more often than the capture).
    if (binding >= m.bindings.size()) return {};
    const Binding& b = m.bindings[binding];
    if (b.attempts.empty()) return {};
    const size_t current = binding_attempts[binding] == 0 ? 0 : binding_attempts[binding] - 1;
    for (size_t i = std::min(current, b.attempts.size() - 1) + 1; i-- > 0;)
      if (!m.attempts[b.attempts[i]].reasons.empty()) {
        // Replays retry the same bindings many times: join each attempt's reasons once.
        if (reason_cache_at[binding] != i) {
          reason_cache[binding] = join_reasons(tr, m.attempts[b.attempts[i]].reasons);
          reason_cache_at[binding] = static_cast<uint32_t>(i);
        }
        return reason_cache[binding];
      }
    return {};
  };
  for (const SimRecord& r : v.timeline) {
    tl.end_t = std::max(tl.end_t, r.t);
    const auto mark = [&](uint32_t lane, MarkKind k, std::string text = {}) {
      tl.marks.push_back(TimelineMark{r.t, lane, k, std::move(text)});
    };
    switch (r.kind) {
      case RecKind::probe_start: {
        TimelineProbe p;
        p.lane = r.dev;
        p.start = p.end = r.t;
        p.end_known = false;
        if (r.binding() < m.bindings.size()) {
          p.driver = tr.str(m.bindings[r.binding()].drv);
          ++binding_attempts[r.binding()];
        }
        if (retry_pending[r.dev]) {
          p.trigger = retry_cause[r.dev];
          if (p.trigger != kNone) tl.triggers[p.trigger].retries.push_back(static_cast<uint32_t>(tl.probes.size()));
          retry_pending[r.dev] = 0;
        }
        open[r.dev] = tl.probes.size();
        probe_binding[r.dev] = r.binding();
        tl.probes.push_back(std::move(p));
        break;
      }
      case RecKind::probe_end: {
        if (open[r.dev] == SIZE_MAX) break;
        TimelineProbe& p = tl.probes[open[r.dev]];
        p.end = r.t;
        p.end_known = true;
        p.outcome = r.outcome();
        open[r.dev] = SIZE_MAX;
        break;
      }
      case RecKind::defer_add: {
        mark(r.dev, MarkKind::deferral,
             probe_binding[r.dev] != kNone ? deferral_text(probe_binding[r.dev]) : std::string());
        break;
      }
      case RecKind::bound:
        retry_pending[r.dev] = 0;
        mark(r.dev, MarkKind::bind,
             r.binding() < m.bindings.size() ? std::string(tr.str(m.bindings[r.binding()].drv)) : std::string());
        break;
      case RecKind::trigger:
        tl.triggers.push_back(TimelineTrigger{
            r.t, std::string(to_string(r.cause())), static_cast<uint64_t>(r.trigger_count()), false, {}});
        last_trigger = static_cast<uint32_t>(tl.triggers.size() - 1);
        break;
      case RecKind::trigger_ignored:
        tl.triggers.push_back(TimelineTrigger{r.t, std::string(to_string(r.cause())), 0, true, {}});
        break;
      case RecKind::retry:
        retry_cause[r.dev] = last_trigger;
        retry_pending[r.dev] = 1;
        break;
      case RecKind::targeted_retry:
        tl.triggers.push_back(TimelineTrigger{r.t, "targeted", 0, false, {}});
        retry_cause[r.dev] = static_cast<uint32_t>(tl.triggers.size() - 1);
        retry_pending[r.dev] = 1;
        break;
      case RecKind::resource_up:
      case RecKind::resource_down: {
        if (r.arrival() >= m.arrivals.size()) break;
        const Arrival& a = m.arrivals[r.arrival()];
        std::string text = arrival_text(m, a);
        if (text.empty()) break;
        mark(arrival_lane(a, r.dev), r.kind == RecKind::resource_up ? MarkKind::resource : MarkKind::resource_gone,
             std::move(text));
        break;
      }
      case RecKind::card_register:
        mark(r.dev != kNoDev ? r.dev : kTmpCore, MarkKind::card_register);
        break;
      case RecKind::card_unbind:
        mark(r.dev, MarkKind::resource_gone, "card unbound (ASoC: a component it uses was removed)");
        break;
      case RecKind::timeout_armed:
        mark(kTmpCore, MarkKind::timeout_armed, fmt::format("{} s", r.seconds()));
        break;
      case RecKind::timeout_extended:
        mark(kTmpCore, MarkKind::timeout_extended, fmt::format("{} s", r.seconds()));
        break;
      case RecKind::timeout_fired:
        mark(kTmpCore, MarkKind::timeout_fired);
        break;
      case RecKind::late_initcall:
        mark(kTmpCore, MarkKind::late_initcall);
        break;
      case RecKind::driver_register:
        mark(kTmpCore, MarkKind::driver_register,
             r.driver() < m.drivers.size() ? std::string(tr.str(m.drivers[r.driver()].name)) : std::string());
        break;
      case RecKind::device_add:
        break;  // shown once, on the observed timeline
    }
  }
  for (size_t idx : open)
    if (idx != SIZE_MAX) tl.probes[idx].end = std::max(tl.probes[idx].start, tl.end_t);
  return tl;
}

bool device_lane_tmp(uint32_t lane) { return lane != kTmpCore && lane != kTmpModules; }

struct DevActivity {
  bool shown = false;
  bool troubled = false;  // deferred, failed, rejected or needed more than one attempt in some timeline
  uint64_t first_t = UINT64_MAX;
};

void note_activity(const Timeline& tl, std::vector<DevActivity>& act) {
  std::vector<uint32_t> attempts(act.size(), 0);
  for (const auto& p : tl.probes) {
    auto& a = act[p.lane];
    a.shown = true;
    a.first_t = std::min(a.first_t, p.start);
    if (p.outcome != ProbeOutcome::bound || !p.end_known || ++attempts[p.lane] > 1) a.troubled = true;
  }
  for (const auto& mk : tl.marks) {
    if (!device_lane_tmp(mk.lane)) continue;
    auto& a = act[mk.lane];
    if (mk.kind == MarkKind::deferral) a.troubled = true;
    if (mk.kind == MarkKind::device_add || mk.kind == MarkKind::device_del) continue;  // alone, not worth a lane
    a.shown = true;
    a.first_t = std::min(a.first_t, mk.t);
  }
  for (const auto& f : tl.firmware)
    if (device_lane_tmp(f.lane)) {
      act[f.lane].shown = true;
      act[f.lane].first_t = std::min(act[f.lane].first_t, f.request);
    }
}

}  // namespace

TimelineModel build_timeline(const ReplayReport& rep, const Trace& tr) {
  const ReportClockScope clock_scope(rep.clock, rep.clock_last_ns);
  const Model& m = rep.model;
  TimelineModel tm;
  tm.observed = observed_timeline(rep, tr);
  for (const PolicyVerdict& v : rep.verdicts)
    if (!v.timeline.empty()) tm.replayed.push_back(replayed_timeline(m, tr, v));

  // Lanes.
  std::vector<DevActivity> act(tr.devices.size());
  note_activity(tm.observed, act);
  for (const auto& t : tm.replayed) note_activity(t, act);
  std::vector<bool> is_target(tr.devices.size(), false);
  for (DevId d : rep.targets) is_target[d] = true;
  // Providers of a resource some device waited for stay expanded: their registration is the story.
  std::vector<bool> is_provider(tr.devices.size(), false);
  for (const Arrival& a : m.arrivals) {
    if (a.is_bind || a.removal) continue;
    const DevId ev_dev = a.event < tr.events.size() ? tr.events[a.event].dev : kNoDev;
    const DevId p = ev_dev != kNoDev ? ev_dev : a.provider;
    if (p == kNoDev) continue;
    for (uint32_t r : a.resources)
      if (r < m.waiters.size() && !m.waiters[r].empty()) is_provider[p] = true;
  }
  std::vector<DevId> order;
  for (DevId d : rep.targets) order.push_back(d);
  std::vector<DevId> rest;
  for (DevId d = 0; d < act.size(); ++d)
    if (act[d].shown && !is_target[d]) rest.push_back(d);
  std::stable_sort(rest.begin(), rest.end(), [&](DevId a, DevId b) { return act[a].first_t < act[b].first_t; });
  order.insert(order.end(), rest.begin(), rest.end());

  tm.lanes.push_back(TimelineLane{LaneKind::core, kNoDev, "driver core", "", false, false, false, 0, 0, false});
  tm.lanes.push_back(TimelineLane{LaneKind::modules, kNoDev, "modules", "", false, false, false, 0, 0, false});
  std::vector<uint32_t> lane_of(tr.devices.size(), kNone);
  for (DevId d : order) {
    TimelineLane l;
    l.dev = d;
    l.label = tr.dev_label(d);
    l.bus = tr.str(tr.devices[d].bus);
    l.target = is_target[d];
    const DeviceModel& dm = m.devices[d];
    l.attempts = dm.observed_attempts;
    l.deferrals = dm.observed_deferrals;
    l.bound = dm.observed_bound || dm.initially_bound;
    l.provider = is_provider[d];
    l.healthy = !l.target && !act[d].troubled && !l.provider;
    lane_of[d] = static_cast<uint32_t>(tm.lanes.size());
    tm.lanes.push_back(std::move(l));
  }
  const auto remap = [&](uint32_t lane) -> uint32_t {
    if (lane == kTmpCore) return kCoreLane;
    if (lane == kTmpModules) return kModulesLane;
    return lane_of[lane];
  };
  const auto relane = [&](Timeline& tl) {
    for (auto& p : tl.probes) p.lane = remap(p.lane);
    for (auto& f : tl.firmware) f.lane = remap(f.lane);
    // Marks on devices without a lane (device_add alone) are dropped.
    std::erase_if(tl.marks, [&](const TimelineMark& mk) { return remap(mk.lane) == kNone; });
    for (auto& mk : tl.marks) mk.lane = remap(mk.lane);
    std::stable_sort(tl.marks.begin(), tl.marks.end(),
                     [](const TimelineMark& a, const TimelineMark& b) { return a.t < b.t; });
    tm.end_t = std::max(tm.end_t, tl.end_t);
  };
  relane(tm.observed);
  for (auto& t : tm.replayed) relane(t);
  return tm;
}

}  // namespace reprobe
