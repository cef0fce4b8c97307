// build_model(): attribution of every trace event to the context that caused
// it, per-(device, driver) probe behaviour, resources and arrivals. What each
// deferred device waited for is inferred in need_inference.cpp.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "replayer/model/model.h"

namespace reprobe {

void infer_needs(Model& m);  // need_inference.cpp

std::string_view to_string(CtxKind k) {
  switch (k) {
    case CtxKind::root:
      return "root";
    case CtxKind::probe:
      return "probe";
    case CtxKind::work:
      return "work";
    case CtxKind::fw_callback:
      return "fw_callback";
    case CtxKind::module_init:
      return "module_init";
  }
  return "?";
}

std::string_view to_string(Evidence e) {
  switch (e) {
    case Evidence::none:
      return "none";
    case Evidence::reason:
      return "reason";
    case Evidence::separation:
      return "separation";
    case Evidence::ambiguous:
      return "ambiguous";
    case Evidence::count:
      return "count";
    case Evidence::unknown:
      return "unknown";
  }
  return "?";
}

std::optional<uint64_t> pending_timeout_at_start(const ObservedStats& o, uint64_t timeout_ns) {
  if (o.has_late_initcall || o.timeout_armed_at) return std::nullopt;
  if (o.timeout_extended_at && (!o.timeout_fired || *o.timeout_extended_at <= o.timeout_fired_at))
    return *o.timeout_extended_at + timeout_ns;  // pending at the extension; the replay re-arms it there too
  if (o.timeout_fired) return o.timeout_fired_at;
  return std::nullopt;
}

uint32_t Model::driver_index(StrId name) const {
  if (name < driver_by_name.size()) return driver_by_name[name];
  for (uint32_t i = 0; i < drivers.size(); ++i)  // while the builder is still adding drivers
    if (drivers[i].name == name) return i;
  return kNone;
}

uint32_t Model::resource_index(const std::string& name) const {
  auto it = resource_ids.find(name);
  return it == resource_ids.end() ? kNone : it->second;
}

uint32_t Model::add_resource(const std::string& name) {
  if (auto it = resource_ids.find(name); it != resource_ids.end()) return it->second;
  const auto id = static_cast<uint32_t>(resources.size());
  resources.push_back(Resource{name});
  resource_ids.emplace(name, id);
  return id;
}

DevId Model::provider_of(uint32_t ctx) const {
  while (ctx != kNone) {
    if (contexts[ctx].kind == CtxKind::probe) return contexts[ctx].dev;
    ctx = contexts[ctx].parent;
  }
  return kNoDev;
}

bool Model::caused_by_probe(uint32_t ctx) const { return provider_of(ctx) != kNoDev; }

namespace {

// A probe that failed with -ETIMEDOUT after deferring: driver_deferred_probe_check_state()
// (drivers/base/dd.c) gave up on a provider once the deferred-probe timeout had expired. Only
// -ETIMEDOUT: its -ENODEV comes from kernels without CONFIG_MODULES, and drivers return -ENODEV
// for many other reasons.
constexpr int64_t kEtimedout = -110;
bool is_check_state_failure(const Attempt& a) { return a.outcome == ProbeOutcome::failed && a.ret == kEtimedout; }

std::string normalise_module(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

class Builder {
 public:
  explicit Builder(const Trace& tr) : tr_(tr) {
    m_.trace = &tr;
    m_.contexts.push_back(Context{});  // root
    m_.devices.resize(tr.devices.size());
    for (DevId d = 0; d < tr.devices.size(); ++d) {
      auto& dm = m_.devices[d];
      dm.dev = d;
      dm.bus = tr.devices[d].bus;
      dm.declared_in_header = tr.devices[d].from_header;
      if (tr.devices[d].initial_driver) {
        dm.initially_bound = true;
        dm.observed_bound = true;
        driver(tr.devices[d].initial_driver, tr.devices[d].bus, false, true);
      }
    }
    for (const auto& d : tr.initial_drivers) driver(d.name, d.bus, d.async, true);
    mark_deferred_at_start();
  }

  // Devices that deferred before the capture started sit on the kernel's pending list and are
  // retried by the next trigger (drivers/base/dd.c: deferred_probe_pending_list): the snapshot's
  // debugfs devices_deferred names them (docs/model.md §4, "Initial state").
  void mark_deferred_at_start() {
    const auto& h = tr_.header;
    const auto snap = h.find("snapshot");
    if (snap == h.end() || !snap->is_object()) return;
    const auto dd = snap->find("devices_deferred");
    if (dd == snap->end() || !dd->is_object()) return;
    // Not value("readable", false): it throws when the member is there with another type.
    const auto readable = dd->find("readable");
    if (readable == dd->end() || !readable->is_boolean() || !readable->get<bool>()) return;
    const auto devs = dd->find("devices");
    if (devs == dd->end() || !devs->is_array()) return;
    for (const auto& x : *devs) {
      if (!x.is_object() || !x.contains("dev") || !x["dev"].is_string()) continue;
      const auto d = tr_.find_device(x["dev"].get<std::string>());
      if (!d || *d >= m_.devices.size()) continue;
      auto& dm = m_.devices[*d];
      if (dm.initially_bound) continue;
      dm.deferred_at_start = true;
      if (x.contains("reason") && x["reason"].is_string() && !x["reason"].get<std::string>().empty())
        dm.reason_at_start = x["reason"].get<std::string>();
    }
  }

  Model run() {
    for (uint32_t i = 0; i < tr_.events.size(); ++i) event(i, tr_.events[i]);
    finish();
    return std::move(m_);
  }

 private:
  uint32_t driver(StrId name, StrId bus, bool async, bool initial) {
    uint32_t i = m_.driver_index(name);
    if (i == kNone) {
      i = static_cast<uint32_t>(m_.drivers.size());
      m_.drivers.push_back(DriverModel{name, bus, async, initial, false});
    } else if (bus && !m_.drivers[i].bus) {
      m_.drivers[i].bus = bus;
    }
    return i;
  }

  uint32_t resource(const std::string& name) { return m_.add_resource(name); }

  uint32_t current(const Event& e) {
    if (e.tid >= 0) {
      auto it = stacks_.find(e.tid);
      if (it != stacks_.end() && !it->second.empty()) return it->second.back();
    }
    // PCI probes may run on another task (work_on_cpu): correlate by device.
    if (e.dev != kNoDev)
      if (auto it = open_probe_.find(e.dev); it != open_probe_.end()) return it->second;
    return root_for(e.tid);
  }

  // Exogenous events keep their observed times. Each task gets its own root program, so
  // exogenous events of different tasks due at the same instant are a choice point.
  uint32_t root_for(int32_t tid) {
    if (tid < 0) return 0;
    auto [it, fresh] = task_roots_.try_emplace(tid, 0);
    if (fresh) {
      it->second = static_cast<uint32_t>(m_.contexts.size());
      m_.contexts.push_back(Context{});
    }
    return it->second;
  }

  bool is_root(uint32_t ctx) const { return m_.contexts[ctx].kind == CtxKind::root; }

  void push(int32_t tid, uint32_t ctx) {
    if (tid >= 0) stacks_[tid].push_back(ctx);
  }

  void pop(uint32_t ctx, uint64_t t) {
    auto& c = m_.contexts[ctx];
    c.end_t = std::max(t, c.start_t);
    c.end_known = true;
    for (auto& [tid, st] : stacks_) {
      auto it = std::find(st.begin(), st.end(), ctx);
      if (it != st.end()) {
        st.erase(it);
        return;
      }
    }
  }

  uint32_t new_ctx(CtxKind kind, uint32_t parent, uint64_t spawn_t, uint64_t start_t) {
    Context c;
    c.kind = kind;
    c.parent = parent;
    c.spawn_t = spawn_t;
    c.start_t = start_t;
    c.end_t = start_t;
    if (parent != kNone) c.dev = m_.contexts[parent].dev;
    m_.contexts.push_back(c);
    return static_cast<uint32_t>(m_.contexts.size() - 1);
  }

  void action(uint32_t ctx, uint64_t t, Action a) {
    auto& c = m_.contexts[ctx];
    a.offset = t >= c.start_t ? t - c.start_t : 0;
    c.actions.push_back(a);
    if (c.kind != CtxKind::root && t > c.end_t) c.end_t = t;
  }

  // The gap between a device_add()/driver_register() and the first probe it starts on the same
  // task, when nothing else of that task comes between: the task was preempted (the replay keeps
  // the gap, as it keeps work-queue delays). Called before the event's own action is added.
  void attach_latency(const Event& e, uint32_t ctx) {
    if (e.tid < 0) return;
    auto it = pending_attach_.find(e.tid);
    if (it != pending_attach_.end()) {
      const auto [actx, aidx, dev, t] = it->second;
      if (e.kind == EventKind::probe_start && (dev == kNoDev || dev == e.dev) && e.t >= t)
        m_.contexts[actx].actions[aidx].start_delay = e.t - t;
      pending_attach_.erase(it);
    }
    if (e.kind == EventKind::device_add || e.kind == EventKind::driver_register)
      pending_attach_[e.tid] = {ctx, static_cast<uint32_t>(m_.contexts[ctx].actions.size()),
                                e.kind == EventKind::device_add ? e.dev : kNoDev, e.t};
  }

  void spawn(uint32_t parent, uint32_t child, uint64_t spawn_t, uint32_t ev) {
    Action a;
    a.kind = ActionKind::spawn;
    a.child = child;
    a.event = ev;
    action(parent, spawn_t, a);
  }

  uint32_t arrival(uint64_t t, uint32_t ctx, std::vector<uint32_t> res, uint32_t ev, bool bind) {
    Arrival a;
    a.t = t;
    a.resources = std::move(res);
    a.ctx = ctx;
    a.provider = m_.provider_of(ctx);
    a.event = ev;
    a.is_bind = bind;
    m_.arrivals.push_back(std::move(a));
    return static_cast<uint32_t>(m_.arrivals.size() - 1);
  }

  void resource_action(uint32_t ctx, const Event& e, uint32_t idx, std::vector<uint32_t> res) {
    Action a;
    a.kind = ActionKind::resource_up;
    a.arrival = arrival(e.t, ctx, std::move(res), idx, false);
    a.event = idx;
    a.dev = e.dev;
    action(ctx, e.t, a);
  }

  Attempt* open_attempt(DevId d) {
    auto it = open_probe_.find(d);
    if (it == open_probe_.end()) return nullptr;
    return &m_.attempts[m_.contexts[it->second].probe_attempt];
  }

  // device_release_driver() of a bound device. From user space (a write to the driver's sysfs
  // unbind, `reprobe record --rebind`) it is an action of its own; the unbinds of a module's removal
  // (driver_unregister(), device_del()) come with those actions. A later probe of it by the same
  // driver from user space, with no device_add() or driver_register() between, is a sysfs bind.
  void device_unbound(uint32_t idx, const Event& e, uint32_t ctx) {
    if (!is_root(ctx)) return;
    action(ctx, e.t, Action{0, ActionKind::device_unbind, e.dev, e.drv, kNone, kNone, false, idx});
    sysfs_unbound_[e.dev] = e.drv;
  }

  // A probe starts: a probe context and an Attempt, open until its probe_end.
  void probe_started(uint32_t idx, const Event& e, uint32_t ctx) {
    if (open_probe_.count(e.dev)) {
      m_.notes.push_back(
          fmt::format("line {}: probe of {} starts while another is open; the earlier one is closed here", e.line,
                      tr_.dev_label(e.dev)));
      pop(open_probe_[e.dev], e.t);
      open_probe_.erase(e.dev);
    }
    const uint32_t di = driver(e.drv, tr_.devices[e.dev].bus, false, false);
    // Probed from an async helper: the driver probes asynchronously (PROBE_PREFER_ASYNCHRONOUS,
    // async_probe, driver_async_probe=), so its deferred retries go async too (issue 13 item 5).
    if (e.flag) m_.drivers[di].async = true;
    // bind_store() -> device_driver_attach(): user space binds a device it unbound (sysfs bind).
    if (auto it = sysfs_unbound_.find(e.dev); it != sysfs_unbound_.end() && is_root(ctx)) {
      if (it->second == 0 || it->second == e.drv)
        action(ctx, e.t, Action{0, ActionKind::bind_request, e.dev, e.drv, kNone, kNone, false, idx});
      sysfs_unbound_.erase(it);
    }
    const uint32_t c = new_ctx(CtxKind::probe, is_root(ctx) ? kNone : ctx, e.t, e.t);
    m_.contexts[c].dev = e.dev;
    m_.contexts[c].drv = e.drv;
    Attempt a;
    a.dev = e.dev;
    a.drv = e.drv;
    a.ctx = c;
    a.start = e.t;
    a.end = e.t;
    a.start_event = idx;
    m_.attempts.push_back(a);
    m_.contexts[c].probe_attempt = static_cast<uint32_t>(m_.attempts.size() - 1);
    open_probe_[e.dev] = c;
    push(e.tid, c);
    ++m_.observed.probe_attempts;
    ++m_.devices[e.dev].observed_attempts;
  }

  // A probe returns: its attempt gets its outcome and its context closes.
  void probe_ended(uint32_t idx, const Event& e) {
    Attempt* a = open_attempt(e.dev);
    if (!a) {
      m_.notes.push_back(
          fmt::format("line {}: probe_end of {} without probe_start: ignored", e.line, tr_.dev_label(e.dev)));
      return;
    }
    a->end = e.t;
    a->ret = e.num;
    a->outcome = e.outcome;
    a->end_event = idx;
    const uint32_t c = open_probe_[e.dev];
    open_probe_.erase(e.dev);
    pop(c, e.t);
    if (e.outcome == ProbeOutcome::deferred) {
      ++m_.observed.deferrals;
      ++m_.devices[e.dev].observed_deferrals;
    }
  }

  // A deferral reason: on the open attempt (and how far into it the lookup came), else on the last one.
  void defer_reason(const Event& e) {
    Attempt* a = open_attempt(e.dev);
    if (!a) {
      // Reason set outside a probe (or after it returned): attach to the device's last attempt.
      for (auto it = m_.attempts.rbegin(); it != m_.attempts.rend(); ++it)
        if (it->dev == e.dev) {
          a = &*it;
          break;
        }
    }
    if (a) {
      if (std::find(a->reasons.begin(), a->reasons.end(), e.name) == a->reasons.end()) a->reasons.push_back(e.name);
      if (open_probe_.count(e.dev) && (!a->lookup_offset || *a->lookup_offset > e.t - a->start))
        a->lookup_offset = e.t - a->start;
    } else {
      orphan_reasons_[e.dev].push_back(e.name);
    }
  }

  // A work item runs: a work context spawned by whoever queued it (or by the task's root).
  void work_started(uint32_t idx, const Event& e) {
    if (tr_.str(e.name) == "deferred_probe_work_func") return;
    uint32_t parent = root_for(e.tid);
    uint64_t spawn_t = e.t;
    if (auto it = queued_work_.find(e.id); it != queued_work_.end()) {
      parent = it->second.first;
      spawn_t = it->second.second;
      queued_work_.erase(it);
    }
    const uint32_t c = new_ctx(CtxKind::work, parent, spawn_t, e.t);
    m_.contexts[c].label = e.name;
    spawn(parent, c, spawn_t, idx);
    open_work_[e.id] = c;
    push(e.tid, c);
  }

  // A firmware request completes: the firmware resource, from a callback context when it was _nowait.
  void firmware_done(uint32_t idx, const Event& e) {
    auto it = fw_requests_.find(e.id);
    if (it == fw_requests_.end()) {
      m_.notes.push_back(fmt::format("line {}: fw_done for unknown request id {}", e.line, e.id));
      return;
    }
    const FwReq rq = it->second;
    const std::string res = "fw:" + std::string(tr_.str(rq.name));
    if (!rq.nowait) {
      if (e.num == 0) resource_action(rq.ctx, e, idx, {resource(res)});
      fw_requests_.erase(it);
      return;
    }
    const uint32_t c = new_ctx(CtxKind::fw_callback, rq.ctx, rq.t, e.t);
    m_.contexts[c].label = rq.cb;
    spawn(rq.ctx, c, rq.t, idx);
    if (e.num == 0) resource_action(c, e, idx, {resource(res)});
    open_fw_[e.id] = c;
    push(e.tid, c);
    fw_requests_.erase(it);
  }

  // A module init runs: a module_init context spawned by the request_module() that asked for it.
  void module_loaded(uint32_t idx, const Event& e) {
    // A module context left open on this task (no module_init_done) ends here.
    if (e.tid >= 0)
      if (auto it = stacks_.find(e.tid);
          it != stacks_.end() && !it->second.empty() && m_.contexts[it->second.back()].kind == CtxKind::module_init)
        pop(it->second.back(), e.t);
    uint32_t parent = root_for(e.tid);
    uint64_t spawn_t = e.t;
    const std::string mod = normalise_module(tr_.str(e.name));
    for (auto& rq : module_requests_) {
      if (rq.used) continue;
      if (e.has_id() ? rq.id == e.id : rq.name == mod) {
        rq.used = true;
        parent = rq.ctx;
        spawn_t = rq.t;
        break;
      }
    }
    const uint32_t c = new_ctx(CtxKind::module_init, parent, spawn_t, e.t);
    m_.contexts[c].label = e.name;
    spawn(parent, c, spawn_t, idx);
    push(e.tid, c);
  }

  // A component goes, with its DAIs: a resource_down action.
  void component_removed(uint32_t idx, const Event& e, uint32_t ctx) {
    std::vector<uint32_t> res{resource("component:" + std::string(tr_.str(e.name)))};
    // DAIs go with their component.
    for (const auto& a : m_.arrivals)
      if (!a.removal && !a.resources.empty() && a.resources[0] == res[0]) res = a.resources;
    Action act;
    act.kind = ActionKind::resource_down;
    act.arrival = arrival(e.t, ctx, std::move(res), idx, false);
    act.event = idx;
    m_.arrivals.back().removal = true;
    // snd_soc_del_component_unlocked() unbinds the card that probed it (component->card).
    if (e.s2 != 0)
      if (auto card = tr_.find_device(tr_.str(e.s2)); card && *card < m_.devices.size()) {
        m_.arrivals.back().card = *card;
        auto& cc = m_.devices[*card].card_components;
        for (uint32_t r : m_.arrivals.back().resources)
          if (std::find(cc.begin(), cc.end(), r) == cc.end()) cc.push_back(r);
        cards_unbound_.insert(*card);
      }
    action(ctx, e.t, act);
  }

  // A card registration of a card that a component removal unbound, outside that card device's
  // own probe: ASoC's re-bind (snd_soc_try_rebind_card() from a later snd_soc_add_component()).
  // The simulator re-binds the card from the model's rule, so it is no action of this context;
  // the observed duration from the registration that completed it is kept.
  bool card_rebind(const Event& e, DevId d, uint32_t ctx) {
    auto it = cards_unbound_.find(d);
    if (it == cards_unbound_.end()) return false;
    const Context& c = m_.contexts[ctx];
    if (c.kind == CtxKind::probe && c.dev == d) return false;
    uint64_t from = e.t;
    for (auto a = m_.arrivals.rbegin(); a != m_.arrivals.rend(); ++a)
      if (a->ctx == ctx && !a->removal && !a->is_bind) {
        from = a->t;
        break;
      }
    if (m_.devices[d].card_rebind_duration == 0) m_.devices[d].card_rebind_duration = e.t - std::min(from, e.t);
    cards_unbound_.erase(it);
    return true;
  }

  // One trace event, in trace order: context bookkeeping, actions to replay, observed statistics.
  // NOLINTNEXTLINE(readability-function-size): a dispatch over event kinds; the long cases are their own functions
  void event(uint32_t idx, const Event& e) {
    const uint32_t ctx = current(e);
    attach_latency(e, ctx);
    switch (e.kind) {
      case EventKind::late_initcall:
        m_.observed.has_late_initcall = true;
        action(ctx, e.t, Action{0, ActionKind::late_initcall, kNoDev, 0, kNone, kNone, false, idx});
        break;
      case EventKind::resume:
        action(ctx, e.t, Action{0, ActionKind::resume, kNoDev, 0, kNone, kNone, false, idx});
        break;
      case EventKind::device_add:
        m_.devices[e.dev].added_at = e.t;
        sysfs_unbound_.erase(e.dev);
        action(ctx, e.t, Action{0, ActionKind::device_add, e.dev, 0, kNone, kNone, false, idx});
        break;
      case EventKind::device_del:
        action(ctx, e.t, Action{0, ActionKind::device_del, e.dev, 0, kNone, kNone, false, idx});
        break;
      case EventKind::driver_register: {
        m_.drivers[driver(e.drv, e.s2, e.flag, false)].registered_in_trace = true;
        std::erase_if(sysfs_unbound_, [&](const auto& u) { return u.second == e.drv; });
        action(ctx, e.t, Action{0, ActionKind::driver_register, kNoDev, e.drv, kNone, kNone, e.flag, idx});
        break;
      }
      case EventKind::driver_unregister:
        action(ctx, e.t, Action{0, ActionKind::driver_unregister, kNoDev, e.drv, kNone, kNone, false, idx});
        break;
      case EventKind::probe_start:
        probe_started(idx, e, ctx);
        break;
      case EventKind::probe_end:
        probe_ended(idx, e);
        break;
      case EventKind::defer_reason:
        defer_reason(e);
        break;
      case EventKind::card_bind_start: {
        m_.devices[e.dev].card = true;
        if (Attempt* a = open_attempt(e.dev); a && !a->lookup_offset) a->lookup_offset = e.t - a->start;
        break;
      }
      case EventKind::card_bind_end:
        m_.devices[e.dev].card = true;
        break;
      case EventKind::snd_card_register: {
        const DevId d = e.dev != kNoDev ? e.dev : m_.contexts[ctx].dev;
        if (d != kNoDev) {
          m_.devices[d].card = true;
          m_.devices[d].observed_card_registers++;
          if (card_rebind(e, d, ctx)) break;
        }
        action(ctx, e.t, Action{0, ActionKind::card_register, d, 0, kNone, kNone, false, idx});
        break;
      }
      case EventKind::bound: {
        auto& dm = m_.devices[e.dev];
        if (!dm.observed_bound || dm.initially_bound) {
          dm.observed_bound = true;
          dm.observed_bound_at = e.t;
        }
        if (Attempt* a = open_attempt(e.dev); a && !a->bound_offset) a->bound_offset = e.t - a->start;
        arrival(e.t, ctx, {resource("device:" + tr_.dev_label(e.dev))}, idx, true);
        break;
      }
      case EventKind::unbind:
        device_unbound(idx, e, ctx);
        break;
      case EventKind::work_queue:
        if (tr_.str(e.name) == "deferred_probe_work_func") break;
        queued_work_[e.id] = {ctx, e.t};
        break;
      case EventKind::work_start:
        work_started(idx, e);
        break;
      case EventKind::work_end:
        if (auto it = open_work_.find(e.id); it != open_work_.end()) {
          pop(it->second, e.t);
          open_work_.erase(it);
        }
        break;
      case EventKind::fw_request:
        fw_requests_[e.id] = FwReq{ctx, e.t, e.name, e.flag, e.s3};
        break;
      case EventKind::fw_done:
        firmware_done(idx, e);
        break;
      case EventKind::fw_cb_end:
        if (auto it = open_fw_.find(e.id); it != open_fw_.end()) {
          pop(it->second, e.t);
          open_fw_.erase(it);
        }
        break;
      case EventKind::module_request:
        module_requests_.push_back(
            ModReq{ctx, e.t, normalise_module(tr_.str(e.name)), e.has_id() ? e.id : UINT64_MAX, false});
        break;
      case EventKind::module_load:
        module_loaded(idx, e);
        break;
      case EventKind::module_init_done:
        if (e.tid >= 0)
          if (auto it = stacks_.find(e.tid); it != stacks_.end())
            for (auto r = it->second.rbegin(); r != it->second.rend(); ++r)
              if (m_.contexts[*r].kind == CtxKind::module_init && m_.contexts[*r].label == e.name) {
                pop(*r, e.t);
                break;
              }
        break;
      case EventKind::component_add: {
        std::vector<uint32_t> res{resource("component:" + std::string(tr_.str(e.name)))};
        if (e.list)
          for (StrId dai : tr_.lists[e.list]) res.push_back(resource("dai:" + std::string(tr_.str(dai))));
        resource_action(ctx, e, idx, std::move(res));
        break;
      }
      case EventKind::component_del:
        component_removed(idx, e, ctx);
        break;
      case EventKind::resource:
        resource_action(ctx, e, idx, {resource("named:" + std::string(tr_.str(e.name)))});
        break;
      case EventKind::trigger:
        // A kernel log's retry without a printed cause: the importer infers a trigger (cause "other")
        // where the retry shows; an unprinted bind did it. The replay runs it as an exogenous trigger.
        if (e.inferred && tr_.str(e.name) == "other")
          action(ctx, e.t, Action{0, ActionKind::unseen_trigger, kNoDev, 0, kNone, kNone, false, idx});
        // driver_bound()'s own trigger, on the task of the probe it ends: where the bind takes effect
        if (tr_.str(e.name) == "bound" && ctx != kNone && m_.contexts[ctx].kind == CtxKind::probe &&
            m_.contexts[ctx].probe_attempt != kNone) {
          Attempt& a = m_.attempts[m_.contexts[ctx].probe_attempt];
          if (a.bound_offset && !a.bound_trigger_offset && e.t >= a.start) a.bound_trigger_offset = e.t - a.start;
        }
        ++m_.observed.triggers;
        m_.observed.has_trigger_events = true;
        break;
      case EventKind::timeout_fired:
        if (!m_.observed.timeout_fired) m_.observed.timeout_fired_at = e.t;
        m_.observed.timeout_fired = true;
        break;
      case EventKind::timeout_armed:
        if (!m_.observed.timeout_armed_at) m_.observed.timeout_armed_at = e.t;
        break;
      case EventKind::timeout_extended:
        if (!m_.observed.timeout_extended_at) m_.observed.timeout_extended_at = e.t;
        break;
      case EventKind::device_link:  // read by infer_supplier_links()
      case EventKind::defer_add:
      case EventKind::defer_del:
      case EventKind::deferred_work_start:
      case EventKind::deferred_work_end:
      case EventKind::extension:
        break;
    }
  }

  void finish() {
    m_.end_t = tr_.last_time();
    for (auto& [d, c] : open_probe_) {
      m_.notes.push_back(fmt::format("probe of {} still running at the end of the trace", tr_.dev_label(d)));
      (void)c;
    }
    for (auto& c : m_.contexts)
      std::stable_sort(c.actions.begin(), c.actions.end(),
                       [](const Action& a, const Action& b) { return a.offset < b.offset; });
    for (auto& [d, reasons] : orphan_reasons_)
      for (StrId r : reasons)
        m_.notes.push_back(
            fmt::format("deferral reason for {} outside any probe attempt: '{}'", tr_.dev_label(d), tr_.str(r)));
    build_bindings();
    m_.driver_by_name.assign(tr_.strings.size(), kNone);
    for (uint32_t i = m_.drivers.size(); i-- > 0;) m_.driver_by_name[m_.drivers[i].name] = i;
    infer_needs(m_);
    infer_supplier_links(m_);
    m_.device_resource.assign(m_.devices.size(), kNone);
    for (DevId d = 0; d < m_.devices.size(); ++d)
      m_.device_resource[d] = m_.resource_index("device:" + m_.dev_label(d));
    m_.waiters.assign(m_.resources.size(), {});
    for (const auto& dm : m_.devices) {
      std::vector<uint32_t> res;
      for (const auto& n : dm.needs) res.push_back(n.resource);
      for (const auto& n : dm.doubt.possible) res.push_back(n.resource);
      res.insert(res.end(), dm.doubt.any_of.begin(), dm.doubt.any_of.end());
      std::sort(res.begin(), res.end());
      res.erase(std::unique(res.begin(), res.end()), res.end());
      for (uint32_t r : res) m_.waiters[r].push_back(dm.dev);
    }
  }

  void build_bindings() {
    std::map<std::pair<DevId, StrId>, uint32_t> index;
    for (uint32_t i = 0; i < m_.attempts.size(); ++i) {
      const auto& a = m_.attempts[i];
      auto key = std::make_pair(a.dev, a.drv);
      auto it = index.find(key);
      if (it == index.end()) {
        it = index.emplace(key, static_cast<uint32_t>(m_.bindings.size())).first;
        Binding b;
        b.dev = a.dev;
        b.drv = a.drv;
        m_.bindings.push_back(b);
        m_.devices[a.dev].bindings.push_back(it->second);
      }
      m_.bindings[it->second].attempts.push_back(i);
    }
    // Initially bound devices with no attempt still need a binding for the driver they had.
    for (auto& b : m_.bindings) {
      std::vector<uint64_t> defer_durs;
      std::optional<uint64_t> lookup;
      for (size_t k = 0; k < b.attempts.size(); ++k) {
        const auto& a = m_.attempts[b.attempts[k]];
        if (a.outcome == ProbeOutcome::bound && b.success < 0) b.success = static_cast<int>(k);
        if (a.outcome == ProbeOutcome::deferred) {
          defer_durs.push_back(a.end - a.start);
          b.ever_deferred = true;
        }
        if (a.lookup_offset && (!lookup || *a.lookup_offset < *lookup)) lookup = a.lookup_offset;
        if (b.ever_deferred && b.check_state_failure < 0 && is_check_state_failure(a))
          b.check_state_failure = static_cast<int>(k);
      }
      std::sort(defer_durs.begin(), defer_durs.end());
      b.defer_duration = defer_durs.empty() ? 0 : defer_durs[defer_durs.size() / 2];
      if (b.success >= 0) {
        const auto& s = m_.attempts[b.attempts[b.success]];
        b.success_duration = s.end - s.start;
        b.bind_offset =
            std::min(s.bound_trigger_offset.value_or(s.bound_offset.value_or(b.success_duration)), b.success_duration);
        b.success_ctx = s.ctx;
      } else if (!defer_durs.empty()) {
        b.success_assumed = true;
        b.success_duration = b.defer_duration;
        b.bind_offset = b.success_duration;
      } else {
        b.fixed_outcomes = true;
      }
      b.lookup_offset = lookup.value_or(0);
      const uint64_t cap = b.success >= 0
                               ? std::min(b.defer_duration ? b.defer_duration : b.success_duration, b.success_duration)
                               : b.defer_duration;
      if (b.lookup_offset > cap) b.lookup_offset = cap;
    }
  }

  struct FwReq {
    uint32_t ctx;
    uint64_t t;
    StrId name;
    bool nowait;
    StrId cb;
  };
  struct ModReq {
    uint32_t ctx;
    uint64_t t;
    std::string name;
    uint64_t id;
    bool used;
  };

  const Trace& tr_;
  Model m_;
  std::map<int32_t, std::vector<uint32_t>> stacks_;
  std::map<int32_t, uint32_t> task_roots_;
  std::map<DevId, uint32_t> open_probe_;
  std::map<uint64_t, std::pair<uint32_t, uint64_t>> queued_work_;
  std::map<uint64_t, uint32_t> open_work_;
  std::map<uint64_t, FwReq> fw_requests_;
  std::map<uint64_t, uint32_t> open_fw_;
  std::vector<ModReq> module_requests_;
  std::map<DevId, std::vector<StrId>> orphan_reasons_;
  std::set<DevId> cards_unbound_;         // cards a component removal unbound, not re-bound yet
  std::map<DevId, StrId> sysfs_unbound_;  // devices user space unbound, and their driver
  std::map<int32_t, std::tuple<uint32_t, uint32_t, DevId, uint64_t>> pending_attach_;  // tid -> attach action
};

}  // namespace

Model build_model(const Trace& trace) { return Builder(trace).run(); }

}  // namespace reprobe
