#include "replayer/model/simulator.h"

#include <algorithm>

namespace reprobe {

std::string_view to_string(TriggerCause c) {
  static constexpr std::string_view n[] = {"bound",    "race",          "late_initcall",  "timeout",       "resume",
                                           "periodic", "provider_kick", "component_kick", "resource_kick", "unseen"};
  return n[static_cast<size_t>(c)];
}

std::string_view to_string(RecKind k) {
  static constexpr std::string_view n[] = {"probe_start",     "probe_end",        "defer_add",      "bound",
                                           "trigger",         "trigger_ignored",  "targeted_retry", "retry",
                                           "resource_up",     "resource_down",    "card_register",  "card_unbind",
                                           "timeout_armed",   "timeout_extended", "timeout_fired",  "device_add",
                                           "driver_register", "late_initcall"};
  return n[static_cast<size_t>(k)];
}

// Effective triggers of the run (driver_deferred_probe_trigger() calls that moved the lists).
uint32_t SimResult::triggers() const {
  uint32_t n = 0;
  for (auto c : state.triggers_by_cause) n += c;
  return n;
}

namespace {
__extension__ using Key = unsigned __int128;
Key key(const QItem& q) { return (static_cast<Key>(q.t) << 64) | q.seq; }

// 4-ary min-heap on (t, seq), moving a hole instead of swapping.
constexpr size_t kArity = 4;
void sift_up(std::vector<QItem>& h, size_t i) {
  const QItem x = h[i];
  const Key kx = key(x);
  while (i > 0) {
    const size_t p = (i - 1) / kArity;
    if (kx >= key(h[p])) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}
void sift_down(std::vector<QItem>& h, size_t i) {
  const QItem x = h[i];
  const Key kx = key(x);
  const size_t n = h.size();
  for (;;) {
    const size_t first = kArity * i + 1;
    if (first >= n) break;
    const size_t last = std::min(first + kArity, n);
    size_t c = first;
    Key kc = key(h[c]);
    for (size_t k = first + 1; k < last; ++k) {
      const Key kk = key(h[k]);
      if (kk < kc) {
        kc = kk;
        c = k;
      }
    }
    if (kc >= kx) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}
void heap_push(std::vector<QItem>& h, const QItem& q) {
  h.push_back(q);
  if (h.size() > 1) sift_up(h, h.size() - 1);  // the hot heap holds 1-2 items on average
}
QItem heap_pop(std::vector<QItem>& h) {
  const QItem q = h[0];
  h[0] = h.back();
  h.pop_back();
  if (!h.empty()) sift_down(h, 0);
  return q;
}

// Items queued further ahead than this go to SimState::later. Most steps are
// due within microseconds; a timeout (re-armed on every driver_register, 10 s
// ahead) or a root context's next action seconds away would otherwise sit in
// the hot heap and deepen every pop.
constexpr uint64_t kLaterNs = 1'000'000;
}  // namespace

// The state at the start of the capture: devices and drivers of the header, the late_initcall
// (deferred_probe_initcall()) still to come or already past, a pending deferred_probe_timeout.
Simulator::Simulator(const Model& model, const Policy& policy, const SimConfig& config)
    : model_(&model), policy_(policy), config_(config) {
  const Model& m = model;
  binding_driver_.resize(m.bindings.size());
  driver_bindings_.resize(m.drivers.size());
  for (size_t b = 0; b < m.bindings.size(); ++b) binding_driver_[b] = m.driver_index(m.bindings[b].drv);
  // driver_register walks the bus's devices in order (one binding per device and driver).
  for (const auto& dm : m.devices)
    for (uint32_t b : dm.bindings)
      if (binding_driver_[b] != kNone) driver_bindings_[binding_driver_[b]].push_back(b);
  if (policy_.inline_provider_work()) inline_span_.assign(m.contexts.size(), 0);
  for (size_t i = inline_span_.size(); i-- > 0;) {
    const Context& c = m.contexts[i];
    uint64_t span = c.duration();
    for (const Action& a : c.actions)
      if (a.kind == ActionKind::spawn) {
        const auto k = m.contexts[a.child].kind;
        if (k == CtxKind::work || k == CtxKind::fw_callback) span = std::max(span, a.offset + inline_span_[a.child]);
      }
    inline_span_[i] = span;
  }
  // Pessimistic reading, sync-provider: a userspace loader task (a root) that started after
  // another one's module init ended is taken to have waited for it (a shell or a udev worker
  // running modprobe after modprobe), so inline provider work delays it too.
  if (config_.pessimistic && policy_.inline_provider_work()) {
    root_pred_.assign(m.contexts.size(), kNone);
    std::vector<std::pair<uint64_t, uint64_t>> span(m.contexts.size(), {UINT64_MAX, 0});  // root: first, end
    for (uint32_t c = 0; c < m.contexts.size(); ++c) {
      const Context& ctx = m.contexts[c];
      if (ctx.kind != CtxKind::root || ctx.actions.empty()) continue;
      span[c] = {ctx.actions.front().offset, ctx.actions.back().offset};
      for (const Action& a : ctx.actions)
        if (a.kind == ActionKind::spawn && m.contexts[a.child].kind == CtxKind::module_init)
          span[c].second = std::max(span[c].second, m.contexts[a.child].end_t);
    }
    for (uint32_t c = 0; c < m.contexts.size(); ++c) {
      if (span[c].first == UINT64_MAX) continue;
      uint64_t best_end = 0;
      for (uint32_t p = 0; p < m.contexts.size(); ++p)
        if (p != c && span[p].first != UINT64_MAX && span[p].second <= span[c].first && span[p].second >= best_end &&
            span[p].first < span[c].first) {
          best_end = span[p].second;
          root_pred_[c] = p;
        }
    }
  }
  horizon_ = m.end_t + config.horizon_after_end_ns;
  uint64_t work = m.attempts.size() + m.devices.size() + m.arrivals.size();
  for (const auto& c : m.contexts) work += c.actions.size();
  if (config_.max_steps == 0) config_.max_steps = 200 * work + 1'000'000;

  auto& s = state_;
  // A run records 3.4-3.9 records per unit of `work` (about 4 per simulated probe
  // attempt), 5 under inline provider work (sync-provider retries consumers
  // more). Reserving that once avoids regrowing (a copy, and a capacity twice
  // the need); 24-byte records keep the 1 M-event benchmark's largest timeline
  // (6 x 205 k x 24 B = 30 MB) under glibc's largest dynamic mmap threshold
  // (32 MiB), so a process that replays again reuses the freed heap memory
  // instead of page-faulting a fresh mapping on every run.
  if (config_.record_timeline) s.timeline.reserve((policy_.inline_provider_work() ? 6 : 4) * work);
  s.devs.resize(m.devices.size());
  for (DevId d = 0; d < m.devices.size(); ++d) {
    s.devs[d].present = m.devices[d].declared_in_header;
    s.devs[d].bound = m.devices[d].initially_bound;
    s.devs[d].ever_bound = s.devs[d].bound;
  }
  // Deferred before the capture: on deferred_probe_pending_list (in device order).
  for (DevId d = 0; d < m.devices.size(); ++d)
    if (m.devices[d].deferred_at_start && s.devs[d].present && !s.devs[d].bound) list_append(DeferList::pending, d);
  initial_driver_.assign(m.devices.size(), kNone);
  for (DevId d = 0; m.trace && d < m.devices.size() && d < m.trace->devices.size(); ++d)
    if (m.devices[d].initially_bound) initial_driver_[d] = m.driver_index(m.trace->devices[d].initial_driver);
  s.driver_registered.assign(m.drivers.size(), 0);
  s.driver_reg_order.assign(m.drivers.size(), 0);
  for (size_t i = 0; i < m.drivers.size(); ++i)
    if (m.drivers[i].initially_registered || !m.drivers[i].registered_in_trace) {
      s.driver_registered[i] = 1;
      s.driver_reg_order[i] = ++s.reg_seq;
    }
  s.binding_attempts.assign(m.bindings.size(), 0);
  s.resource_up.assign(m.resources.size(), 0);
  new_thread(true);
  // Without a late_initcall event the capture started after boot: triggers are live,
  // and the one-shot timeout may still be pending (seen in the trace).
  s.enabled = !m.observed.has_late_initcall;
  if (policy_.timeout_s > 0)
    if (auto due = pending_timeout_at_start(m.observed, static_cast<uint64_t>(policy_.timeout_s) * 1'000'000'000ull)) {
      if (policy_.timeout_as_observed && m.observed.timeout_fired) due = m.observed.timeout_fired_at;
      s.timeout_armed = true;
      s.timeout_due = *due;
      push(QItem::timeout, *due, ++s.timeout_version);
    }
  // driver_deferred_probe_timeout: a capture that starts after boot with no timer pending
  // starts after deferred_probe_timeout_work_func() set it to 0 (or none was armed).
  s.probe_timeout = policy_.timeout_s;
  if (s.enabled && policy_.timeout_s > 0 && !s.timeout_armed) s.probe_timeout = 0;
  s.drivers_done = policy_.drivers_done_at_timeout && s.enabled && policy_.timeout_s > 0 && !s.timeout_armed;
  if (s.enabled && policy_.kind == PolicyKind::periodic)
    push(QItem::periodic,
         config_.periodic_phase_ns ? config_.periodic_phase_ns : static_cast<uint64_t>(policy_.period_ms) * 1'000'000);
  ctx_instance_.assign(m.contexts.size(), kNone);
  for (uint32_t c = 0; c < m.contexts.size(); ++c)
    if (m.contexts[c].kind == CtxKind::root) {
      ctx_instance_[c] = static_cast<uint32_t>(s.instances.size());
      start_instance(c, 0, false);
    }
  promote_due();
}

// Queues an item: a delayed or queued kernel action (queue_work(), a timer, the next step of a thread).
void Simulator::push(QItem::Kind k, uint64_t t, uint32_t subject, uint32_t action_index) {
  QItem q;
  q.kind = k;
  q.t = std::max(t, state_.now);
  if (state_.seq == UINT32_MAX) renumber_queue();
  q.seq = state_.seq++;
  q.subject = subject;
  q.action_index = action_index;
  if (q.t == state_.now && use_due_now_)
    due_now_.push_back(q);
  else
    heap_push(q.t - state_.now > kLaterNs ? state_.later : state_.queue, q);
}

// Moves what is left in due_now_ into the heap, seq kept (a truncated run).
void Simulator::flush_due_now() {
  for (size_t i = due_now_head_; i < due_now_.size(); ++i) heap_push(state_.queue, due_now_[i]);
  due_now_.clear();
  due_now_head_ = 0;
}

// Moves every item of `later` due no later than the earliest item of `queue`
// (ties included) into `queue`, keeping its seq. Then `queue` holds every item
// that can run next, and its (t, seq) minimum is the minimum of both heaps:
// the order is exactly that of one heap. Runs after every step.
void Simulator::promote_due() {
  auto& s = state_;
  while (!s.later.empty() && (s.queue.empty() || s.later[0].t <= s.queue[0].t)) heap_push(s.queue, heap_pop(s.later));
}

// Gives the queued items seq 0..n-1 in their (t, seq) order, so the counter
// never wraps; the relative order of everything queued is unchanged.
void Simulator::renumber_queue() {
  std::vector<QItem*> all;
  for (size_t i = due_now_head_; i < due_now_.size(); ++i) all.push_back(&due_now_[i]);
  for (QItem& q : state_.queue) all.push_back(&q);
  for (QItem& q : state_.later) all.push_back(&q);
  std::sort(all.begin(), all.end(), [](const QItem* x, const QItem* y) { return key(*x) < key(*y); });
  for (size_t i = 0; i < all.size(); ++i) all[i]->seq = static_cast<uint32_t>(i);  // order kept: heaps stay heaps
  state_.seq = static_cast<uint32_t>(all.size());
}

// Removes queue[i] (a choice of choices()), keeping the heap a heap.
QItem Simulator::pop_at(size_t i) {
  auto& h = state_.queue;
  QItem q = h[i];
  if (h.size() == 1) {
    h.pop_back();
    return q;
  }
  h[i] = h.back();
  h.pop_back();
  if (i < h.size()) {
    sift_down(h, i);
    if (i > 0) sift_up(h, i);
  }
  return q;
}

// The items due at the earliest time, in seq order: where the kernel's order is open.
std::vector<size_t> Simulator::choices() const {
  std::vector<size_t> out;
  if (state_.queue.empty()) return out;
  const uint64_t t = state_.queue[0].t;
  for (size_t i = 0; i < state_.queue.size(); ++i)
    if (state_.queue[i].t == t) out.push_back(i);
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) { return state_.queue[a].seq < state_.queue[b].seq; });
  return out;
}

// The items due within window_ns of the earliest, in (t, seq) order (explorer only).
std::vector<size_t> Simulator::choices_within(uint64_t window_ns) {
  auto& s = state_;
  std::vector<size_t> out;
  if (s.queue.empty()) return out;
  const uint64_t t0 = s.queue[0].t;
  const uint64_t limit = t0 > UINT64_MAX - window_ns ? UINT64_MAX : t0 + window_ns;
  while (!s.later.empty() && s.later[0].t <= limit) heap_push(s.queue, heap_pop(s.later));
  for (size_t i = 0; i < s.queue.size(); ++i)
    if (s.queue[i].t <= limit) out.push_back(i);
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) { return key(s.queue[a]) < key(s.queue[b]); });
  return out;
}

// Runs a schedule of the explorer to the end (a counterexample replayed).
SimResult Simulator::run_schedule(const std::vector<uint32_t>& ranks, uint64_t window_ns) {
  size_t next = 0;
  while (!done()) {
    const auto ch = choices_within(window_ns);
    size_t r = 0;
    if (ch.size() > 1 && next < ranks.size()) r = std::min<size_t>(ranks[next++], ch.size() - 1);
    step(ch[r]);
  }
  return SimResult{std::move(state_)};
}

// Runs one item, the i-th of state().queue (explorer stepping).
void Simulator::step(size_t i) {
  if (done()) return;
  run_item(pop_at(i));
}

// Advances the clock to the item and runs it; stops the run past config.max_steps.
void Simulator::run_item(const QItem& q) {
  state_.now = std::max(state_.now, q.t);
  if (++state_.steps > config_.max_steps) {
    state_.truncated = true;
    return;
  }
  dispatch(q);
  const auto& s = state_;
  if (!s.later.empty() && (s.queue.empty() || s.later[0].t <= s.queue[0].t)) promote_due();
}

// One step of run()/run_until(): the (t, seq)-first item of the heap and
// due_now_. Heap items due at `now` precede due_now_ (queued before `now` was
// reached, so lower seq); due_now_ items are in seq order; past `now` only
// the heap has items. False when nothing is queued.
bool Simulator::run_next() {
  auto& s = state_;
  if (!s.queue.empty() && s.queue[0].t == s.now) {
    run_item(pop_at(0));
  } else if (due_now_head_ < due_now_.size()) {
    const QItem q = due_now_[due_now_head_++];
    if (due_now_head_ == due_now_.size()) {
      due_now_.clear();
      due_now_head_ = 0;
    }
    run_item(q);
  } else if (!s.queue.empty()) {
    run_item(pop_at(0));
  } else {
    return false;
  }
  return true;
}

// Runs every item due at or before t (the state at the end of the capture: fidelity).
void Simulator::run_until(uint64_t t) {
  use_due_now_ = true;
  while (!state_.truncated && (due_now_head_ < due_now_.size() || (!state_.queue.empty() && state_.queue[0].t <= t)))
    run_next();
  flush_due_now();
  use_due_now_ = false;
}

// Runs until nothing is queued.
SimResult Simulator::run() {
  use_due_now_ = true;
  while (!state_.truncated && run_next()) {}
  flush_due_now();
  use_due_now_ = false;
  return SimResult{std::move(state_)};  // the simulator is spent (see run())
}

// Runs one queued item: the kernel function its kind stands for.
void Simulator::dispatch(const QItem& q) {
  switch (q.kind) {
    case QItem::action:
      run_action(q.subject, q.action_index);
      break;
    case QItem::thread_step:
      thread_step(q.subject);
      break;
    case QItem::probe_decide:
      probe_decide(q.subject);
      break;
    case QItem::probe_bind:
      probe_bind(q.subject);
      break;
    case QItem::probe_end:
      probe_end(q.subject);
      break;
    case QItem::timeout:  // deferred_probe_timeout_work_func(): one trigger, once
      if (q.subject != state_.timeout_version || state_.timeout_fired || !state_.timeout_armed) break;
      state_.timeout_fired = true;
      state_.timeout_armed = false;
      state_.timeout_fired_at = state_.now;
      state_.timeout_fired_pending = state_.pending.size + state_.active.size;
      state_.drivers_done = state_.drivers_done || policy_.drivers_done_at_timeout;  // fw_devlink_drivers_done()
      state_.probe_timeout = 0;  // driver_deferred_probe_timeout = 0: check_state callers give up
      record(RecKind::timeout_fired, kNoDev);
      trigger(TriggerCause::timeout);
      break;
    case QItem::periodic:
      if (state_.now > horizon_) break;
      trigger(TriggerCause::periodic);
      push(QItem::periodic, state_.now + static_cast<uint64_t>(policy_.period_ms) * 1'000'000);
      break;
    case QItem::kick:
      trigger(TriggerCause::provider_kick);
      break;
  }
}

// Starts one execution context of the trace (a module init, a probe's body, a work item, a
// firmware callback): models the work or callback being queued; its actions follow at their offsets.
void Simulator::start_instance(uint32_t ctx, uint64_t base, bool inline_children, uint32_t parent) {
  const Context& c = model_->contexts[ctx];
  const auto inst = static_cast<uint32_t>(state_.instances.size());
  CtxInstance ci;
  ci.ctx = ctx;
  ci.base = base;
  ci.inline_children = inline_children;
  ci.parent = parent;
  state_.instances.push_back(ci);
  if (!c.actions.empty()) push(QItem::action, base + c.actions[0].offset, inst, 0);
  if (policy_.kicks_after_provider_work() && (c.kind == CtxKind::work || c.kind == CtxKind::fw_callback) &&
      model_->caused_by_probe(ctx))
    push(QItem::kick, base + c.duration());
}

// driver_register() -> bus_add_driver() -> driver_attach(): every present, unbound device it matches
// is probed, on the caller's task (or one async helper per device); a registration extends the
// deferred_probe_timeout while it is pending.
void Simulator::register_driver(const Action& a, uint32_t inst_idx) {
  auto& s = state_;
  const uint32_t drv = model_->driver_index(a.drv);
  if (drv == kNone || s.driver_registered[drv]) return;
  s.driver_registered[drv] = 1;
  s.driver_reg_order[drv] = ++s.reg_seq;
  record(RecKind::driver_register, kNoDev, drv);
  if (policy_.extend_on_register && s.timeout_armed && !s.timeout_fired &&
      !(policy_.timeout_as_observed && model_->observed.timeout_fired)) {
    s.timeout_due = s.now + static_cast<uint64_t>(policy_.timeout_s) * 1'000'000'000ull;
    push(QItem::timeout, s.timeout_due, ++s.timeout_version);
    record(RecKind::timeout_extended, kNoDev, 0, policy_.timeout_s);
  }
  uint32_t th = kNone;
  for (uint32_t b : driver_bindings_[drv]) {
    const DevId dev = model_->bindings[b].dev;
    if (!s.devs[dev].present || s.devs[dev].bound) continue;
    if (th == kNone || a.async) {
      th = new_thread(false);
      if (!a.async) s.threads[th].owner = inst_idx;
      push(QItem::thread_step, s.now + (a.async ? 0 : a.start_delay), th);
    }
    s.threads[th].jobs.push_back(Job{dev, drv, 0});
  }
}

// One recorded action of a context: device_add() (bus_probe_device()), driver_register()
// (driver_attach()), a resource registration, snd_card_register(), a resume, deferred_probe_initcall().
void Simulator::run_action(uint32_t inst_idx, uint32_t idx) {
  auto& s = state_;
  if (const uint64_t lag = instance_lag(inst_idx); lag > s.instances[inst_idx].applied) {
    // A synchronous probe it called (or the loader it waited for) took longer than observed.
    push(QItem::action, s.now + (lag - s.instances[inst_idx].applied), inst_idx, idx);
    s.instances[inst_idx].applied = lag;
    return;
  }
  s.instances[inst_idx].started = true;
  const CtxInstance inst = s.instances[inst_idx];
  const Context& c = model_->contexts[inst.ctx];
  const Action& a = c.actions[idx];
  if (idx + 1 < c.actions.size())
    push(QItem::action, inst.base + inst.applied + c.actions[idx + 1].offset, inst_idx, idx + 1);
  switch (a.kind) {
    case ActionKind::late_initcall:
      // deferred_probe_initcall(): trigger; flush_work; trigger; flush_work; arm the timer.
      record(RecKind::late_initcall, kNoDev);
      s.enabled = true;
      s.late_initcall_stage = 1;
      trigger(TriggerCause::late_initcall);
      late_initcall_continue();
      if (policy_.kind == PolicyKind::periodic)
        push(QItem::periodic,
             s.now + (config_.periodic_phase_ns ? config_.periodic_phase_ns
                                                : static_cast<uint64_t>(policy_.period_ms) * 1'000'000));
      break;
    case ActionKind::device_add: {
      auto& d = s.devs[a.dev];
      if (d.present) break;
      d.present = true;
      record(RecKind::device_add, a.dev);
      candidates(a.dev, kNone, scratch_);
      if (!scratch_.empty()) {
        const uint32_t th = new_thread(false);
        s.threads[th].owner = inst_idx;
        s.threads[th].jobs.push_back(Job{a.dev, kNone, 0});
        push(QItem::thread_step, s.now + a.start_delay, th);
      }
      break;
    }
    case ActionKind::device_del: {
      auto& d = s.devs[a.dev];
      list_remove(a.dev);
      d.present = false;
      d.bound = false;
      card_gone(a.dev);
      break;
    }
    case ActionKind::driver_register:
      register_driver(a, inst_idx);
      break;
    case ActionKind::driver_unregister: {
      const uint32_t drv = model_->driver_index(a.drv);
      if (drv == kNone) break;
      s.driver_registered[drv] = 0;
      for (DevId dev = 0; dev < s.devs.size(); ++dev) {
        auto& d = s.devs[dev];
        const uint32_t bound_to = d.bound_binding != kNone ? binding_driver_[d.bound_binding] : initial_driver_[dev];
        if (d.bound && bound_to == drv) {
          d.bound = false;
          d.bound_binding = kNone;
          card_gone(dev);
        }
      }
      break;
    }
    case ActionKind::resource_up:
      resources_changed(a.arrival, true);
      record(RecKind::resource_up, a.dev, a.arrival);
      {
        const auto& arr = model_->arrivals[a.arrival];
        const bool component =
            !arr.resources.empty() && model_->resource_name(arr.resources[0]).starts_with("component:");
        if (component) try_rebind_cards();
        if (policy_.kicks_on_resource())
          trigger(TriggerCause::resource_kick);
        else if (component && policy_.kicks_on_component())
          trigger(TriggerCause::component_kick);
      }
      break;
    case ActionKind::resource_down:
      resources_changed(a.arrival, false);
      record(RecKind::resource_down, a.dev, a.arrival);
      card_unbind(model_->arrivals[a.arrival].card);
      break;
    case ActionKind::spawn: {
      const Context& child = model_->contexts[a.child];
      const bool inl = inst.inline_children && (child.kind == CtxKind::work || child.kind == CtxKind::fw_callback);
      start_instance(a.child, inl ? s.now : s.now + child.delay(), inl, inst_idx);
      break;
    }
    case ActionKind::card_register:
      if (a.dev != kNoDev) {
        s.devs[a.dev].card_live = true;
        s.devs[a.dev].card_at = s.now;
        s.devs[a.dev].card_registers++;
      }
      record(RecKind::card_register, a.dev);
      break;
    case ActionKind::resume:
      trigger(TriggerCause::resume);
      break;
    case ActionKind::unseen_trigger:
      trigger(TriggerCause::unseen);
      break;
    case ActionKind::device_unbind:
    case ActionKind::bind_request:
      sysfs_action(a, inst_idx);
      break;
  }
}

// Models deferred_probe_initcall()'s second half: after the first flush_work(), a second trigger and
// flush; then the deferred_probe_timeout work is armed (schedule_delayed_work()).
void Simulator::late_initcall_continue() {
  auto& s = state_;
  while (s.late_initcall_stage > 0 && !s.worker_scheduled) {
    if (s.late_initcall_stage == 1) {
      s.late_initcall_stage = 2;
      trigger(TriggerCause::late_initcall);
      continue;
    }
    s.late_initcall_stage = 0;
    if (policy_.timeout_s > 0) {
      s.timeout_armed = true;
      s.timeout_due = s.now + static_cast<uint64_t>(policy_.timeout_s) * 1'000'000'000ull;
      if (policy_.timeout_as_observed && model_->observed.timeout_fired)
        s.timeout_due = std::max(s.now, model_->observed.timeout_fired_at);
      push(QItem::timeout, s.timeout_due, ++s.timeout_version);
      record(RecKind::timeout_armed, kNoDev, 0, policy_.timeout_s);
    }
  }
}

// A new thread of probing: the deferred_probe_work worker (threads[0]) or the context of a
// device_add()/driver_register() (async drivers: one per device, as async_schedule_dev()).
uint32_t Simulator::new_thread(bool worker) {
  SimThread t;
  t.is_worker = worker;
  state_.threads.push_back(std::move(t));
  return static_cast<uint32_t>(state_.threads.size() - 1);
}

// Models __device_attach()'s bus_for_each_drv(): the registered drivers that match, in bus order.
void Simulator::candidates(DevId d, uint32_t only_driver, std::vector<uint32_t>& out) const {
  out.clear();
  const auto& bindings = model_->devices[d].bindings;
  if (bindings.size() == 1) {  // the common case: one matching driver
    const uint32_t drv = binding_driver_[bindings[0]];
    if (drv != kNone && state_.driver_registered[drv] && (only_driver == kNone || drv == only_driver))
      out.push_back(bindings[0]);
    return;
  }
  for (uint32_t b : bindings) {
    const uint32_t drv = binding_driver_[b];
    if (drv == kNone || !state_.driver_registered[drv]) continue;
    if (only_driver != kNone && drv != only_driver) continue;
    out.push_back(b);
  }
  std::sort(out.begin(), out.end(), [&](uint32_t x, uint32_t y) {
    return state_.driver_reg_order[binding_driver_[x]] < state_.driver_reg_order[binding_driver_[y]];
  });
}

// The next probe of a thread: __device_attach() / __driver_attach() for a device_add() or
// driver_register(); for the worker, deferred_probe_work_func(), taking the active list's head.
void Simulator::thread_step(uint32_t th) {
  auto& s = state_;
  for (;;) {
    SimThread& t = s.threads[th];
    if (t.busy) return;
    if (t.pos >= t.jobs.size()) {
      t.jobs.clear();
      t.pos = 0;
      if (!t.is_worker) return;
      if (s.active.size == 0) {
        s.worker_scheduled = false;
        late_initcall_continue();
        return;
      }
      const DevId d = s.active.head;
      list_remove(d);
      record(RecKind::retry, d);
      if (retry_goes_async(d)) {
        // bus_probe_device() -> __device_attach(dev, allow_async=true) (drivers/base/dd.c): an async
        // driver's probe is scheduled on __device_attach_async_helper() and the worker moves on.
        const uint32_t helper = new_thread(false);
        s.threads[helper].jobs.push_back(Job{d, kNone, 0});
        push(QItem::thread_step, s.now, helper);
        continue;
      }
      s.threads[th].jobs.push_back(Job{d, kNone, 0});
    }
    Job& job = s.threads[th].jobs[s.threads[th].pos];
    DevState& ds = s.devs[job.dev];
    if (!ds.present || ds.bound) {
      ++s.threads[th].pos;
      continue;
    }
    if (ds.probing) {  // device_lock: wait for the other probe of this device
      push(QItem::thread_step, s.now + 100'000, th);
      return;
    }
    const auto& bindings = model_->devices[job.dev].bindings;
    uint32_t b = kNone;
    if (bindings.size() == 1) {  // the common case, as candidates() would list it, without the list
      const uint32_t drv = binding_driver_[bindings[0]];
      if (job.next_candidate == 0 && drv != kNone && s.driver_registered[drv] &&
          (job.only_driver == kNone || drv == job.only_driver))
        b = bindings[0];
    } else {
      candidates(job.dev, job.only_driver, scratch_);
      if (job.next_candidate < scratch_.size()) b = scratch_[job.next_candidate];
    }
    if (b == kNone) {
      ++s.threads[th].pos;
      continue;
    }
    ++job.next_candidate;
    start_probe(th, job.dev, b);
    return;
  }
}

// Whether __device_attach(dev, allow_async=true) from the deferred worker schedules the probe
// asynchronously: every registered driver that may probe d probes asynchronously (a mix probes its
// synchronous drivers on the worker first; not modelled).
bool Simulator::retry_goes_async(DevId d) {
  candidates(d, kNone, scratch_);
  if (scratch_.empty()) return false;
  return std::all_of(scratch_.begin(), scratch_.end(),
                     [&](uint32_t b) { return model_->drivers[binding_driver_[b]].async; });
}

// Models really_probe() starting: device_lock held, deferred_trigger_count read (the race fix).
void Simulator::start_probe(uint32_t th, DevId dev, uint32_t binding) {
  auto& s = state_;
  auto& ds = s.devs[dev];
  s.threads[th].busy = true;
  ds.probing = true;
  ds.probe = ProbeInFlight{};
  ds.probe.binding = binding;
  ds.probe.thread = th;
  ds.probe.start = s.now;
  ds.probe.count_at_start = s.trigger_count;
  ds.probe.attempt_index = s.binding_attempts[binding]++;
  ++ds.attempts;
  ++s.probe_attempts;
  record(RecKind::probe_start, dev, binding);
  push(QItem::probe_decide, s.now + model_->bindings[binding].lookup_offset, dev);
}

// What the driver's probe() returns on attempt k: as observed, or -EPROBE_DEFER while what it
// needs is missing (need inference), success once it is there.
ProbeOutcome Simulator::decide_outcome(uint32_t binding, uint32_t k, bool& assumed) const {
  const Binding& B = model_->bindings[binding];
  const DeviceModel& dm = model_->devices[B.dev];
  auto observed = [&] {
    const size_t i = std::min<size_t>(k, B.attempts.size() - 1);
    return model_->attempts[B.attempts[i]].outcome;
  };
  assumed = false;
  if (B.fixed_outcomes) return observed();
  if (!B.ever_deferred) return observed();
  // driver_deferred_probe_check_state(): -EPROBE_DEFER until the timeout expired, then -ETIMEDOUT
  // (its provider never came: otherwise the observed probe would not have failed).
  if (B.check_state_failure >= 0) return check_state_expired() ? ProbeOutcome::failed : ProbeOutcome::deferred;
  switch (dm.need_mode) {
    case Evidence::count:
      return B.success >= 0 && static_cast<int>(k) >= dm.count_success_after ? ProbeOutcome::bound
                                                                             : ProbeOutcome::deferred;
    case Evidence::none:
      return observed();
    case Evidence::unknown:
    case Evidence::reason:
    case Evidence::separation:
    case Evidence::ambiguous:
      if (!needs_met(B.dev)) return ProbeOutcome::deferred;
      assumed = B.success < 0;
      return ProbeOutcome::bound;
  }
  return observed();
}

// Models the driver's probe() running inside really_probe(): its outcome and how long it takes
// (its success context starts, inline under sync-provider).
void Simulator::probe_decide(DevId dev) {
  auto& s = state_;
  auto& p = s.devs[dev].probe;
  const Binding& B = model_->bindings[p.binding];
  bool assumed = false;
  p.outcome = decide_outcome(p.binding, p.attempt_index, assumed);
  p.decided = true;
  p.assumed = assumed;
  uint64_t duration = 0;
  if (p.outcome == ProbeOutcome::bound) {
    duration = B.success_duration;
    // The program of the first success, or of the observed success this attempt stands for (a device
    // bound again after a sysfs unbind runs its second probe's program).
    uint32_t program = B.success_ctx;
    if (p.attempt_index < B.attempts.size() && static_cast<int>(p.attempt_index) > B.success) {
      const Attempt& observed = model_->attempts[B.attempts[p.attempt_index]];
      if (observed.outcome == ProbeOutcome::bound && observed.ctx != kNone) {
        program = observed.ctx;
        duration = observed.end - observed.start;
      }
    }
    block_caller(p, duration);  // before sync-provider's inline span, which adds its own lag
    if (program != kNone && !assumed) {
      const bool inl = policy_.inline_provider_work();
      start_instance(program, p.start, inl);
      if (inl) {
        const uint64_t span = inline_span_[program];
        if (span > duration) {
          s.blocked_total_ns += span - duration;
          s.blocked_max_ns = std::max(s.blocked_max_ns, span - duration);
          add_lag(s.threads[p.thread].owner, span - duration);
          duration = span;
        }
      }
    }
  } else if (p.outcome == ProbeOutcome::deferred) {
    // The observed attempt it stands for, when that deferred too: its own duration (a task preempted
    // on a single CPU takes milliseconds, and what triggers meanwhile decides the race re-trigger);
    // an attempt the trace does not show takes the median.
    duration = B.defer_duration;
    if (p.attempt_index < B.attempts.size()) {
      const Attempt& observed = model_->attempts[B.attempts[p.attempt_index]];
      if (observed.outcome == ProbeOutcome::deferred) duration = observed.end - observed.start;
    }
  } else {
    size_t i = std::min<size_t>(p.attempt_index, B.attempts.size() - 1);
    if (B.check_state_failure >= 0) i = static_cast<size_t>(B.check_state_failure);
    const auto& a = model_->attempts[B.attempts[i]];
    duration = a.end - a.start;
  }
  if (p.outcome != ProbeOutcome::bound) {
    run_unsuccessful_program(p);
    block_caller(p, duration);
  } else if (!assumed && B.bind_offset < B.success_duration && duration == B.success_duration) {
    // driver_bound() ran before really_probe() returned: the bind and its trigger come first, the
    // caller stays busy until the probe returns. (Under sync-provider a longer inline span ends the
    // probe: the bind follows it, at the end.)
    push(QItem::probe_bind, p.start + B.bind_offset, dev);
  }
  push(QItem::probe_end, p.start + duration, dev);
}

// Models driver_bound() inside really_probe(), before it returns (the observed `bound` event).
void Simulator::probe_bind(DevId dev) {
  auto& ds = state_.devs[dev];
  if (!ds.probing || ds.probe.bound || ds.probe.outcome != ProbeOutcome::bound) return;
  ds.probe.bound = true;
  ds.assumed_success = ds.probe.assumed;
  device_bound(dev, ds.probe.binding);
}

// A deferred or failed probe still did what it did before returning (request_module(), device_add(),
// queue_work(), ...): the program of the observed attempt it stands for (same binding, same attempt
// number, same outcome) starts with it. An attempt the trace does not show has no program.
void Simulator::run_unsuccessful_program(const ProbeInFlight& p) {
  const Binding& B = model_->bindings[p.binding];
  if (p.attempt_index >= B.attempts.size()) return;
  const Attempt& observed = model_->attempts[B.attempts[p.attempt_index]];
  if (observed.outcome != p.outcome || observed.ctx == kNone || model_->contexts[observed.ctx].actions.empty()) return;
  start_instance(observed.ctx, p.start, false);
}

// A synchronous caller (the work item, module init or task whose device_add()/driver_register() runs
// this probe) waits for it: when the replayed attempt ends otherwise than the observed one it stands
// for and takes longer, the caller's later actions move by the difference (SOF's probe work adding
// the machine device). A shorter replayed attempt does not move them earlier.
void Simulator::block_caller(const ProbeInFlight& p, uint64_t duration) {
  const uint32_t owner = state_.threads[p.thread].owner;
  const Binding& B = model_->bindings[p.binding];
  if (owner == kNone || p.attempt_index >= B.attempts.size()) return;
  const Attempt& observed = model_->attempts[B.attempts[p.attempt_index]];
  const uint64_t observed_duration = observed.end - observed.start;
  if (observed.outcome != p.outcome && duration > observed_duration) add_lag(owner, duration - observed_duration);
}

// Models really_probe() returning: driver_bound() on success; on -EPROBE_DEFER
// driver_deferred_probe_add() and the race fix (a trigger if deferred_trigger_count changed).
void Simulator::probe_end(DevId dev) {
  auto& s = state_;
  auto& ds = s.devs[dev];
  // sync-provider: the probe returns only after the work it runs inline, which may run later than
  // its observed span when it started late (a lagging body, or a schedule of the explorer).
  if (policy_.inline_provider_work())
    if (const auto t = inline_work_pending(dev)) {
      push(QItem::probe_end, *t, dev);
      return;
    }
  const ProbeInFlight p = ds.probe;
  ds.probing = false;
  record(RecKind::probe_end, dev, p.binding, static_cast<int32_t>(p.outcome));
  SimThread& t = s.threads[p.thread];
  t.busy = false;
  if (p.outcome == ProbeOutcome::bound) {
    if (!p.bound) {
      ds.assumed_success = p.assumed;
      device_bound(dev, p.binding);
    }
  } else if (p.outcome == ProbeOutcome::deferred) {
    ++ds.deferrals;
    ++s.deferrals;
    add_pending(dev);
    if (policy_.race_fix && s.trigger_count != p.count_at_start) trigger(TriggerCause::race);
  }
  push(QItem::thread_step, s.now, p.thread);
}

// sync-provider: when the probe of dev still has its body or inline work queued, the due time of
// the latest of their next actions (the probe returns after them).
std::optional<uint64_t> Simulator::inline_work_pending(DevId dev) const {
  std::optional<uint64_t> latest;
  const auto check = [&](const QItem& q) {
    if (q.kind != QItem::action) return;
    for (uint32_t i = q.subject; i != kNone;) {
      const CtxInstance& ii = state_.instances[i];
      const Context& c = model_->contexts[ii.ctx];
      if (c.kind == CtxKind::probe) {
        if (c.dev == dev && ii.inline_children) latest = std::max(latest.value_or(0), q.t);
        return;
      }
      if (!ii.inline_children) return;
      i = ii.parent;
    }
  };
  for (const QItem& q : state_.queue) check(q);
  for (const QItem& q : state_.later) check(q);
  for (size_t i = due_now_head_; i < due_now_.size(); ++i) check(due_now_[i]);
  return latest;
}

// Models driver_bound(): off the deferred lists, then driver_deferred_probe_trigger().
void Simulator::device_bound(DevId d, uint32_t binding) {
  auto& ds = state_.devs[d];
  ds.bound = true;
  ds.ever_bound = true;
  ds.bound_binding = binding;
  ds.bound_at = state_.now;
  list_remove(d);
  record(RecKind::bound, d, binding);
  if (ds.assumed_success)  // what its probe would register, by ASoC's naming (need inference)
    for (uint32_t r : model_->devices[d].assumed_provides) state_.resource_up[r] = 1;
  // device_links_driver_bound() (core.c): consumers of its DL_FLAG_AUTOPROBE_CONSUMER links go on the
  // pending list (driver_deferred_probe_add(): a no-op for one already listed) before the trigger.
  if (d < model_->autoprobe_consumers.size())
    for (DevId c : model_->autoprobe_consumers[d]) {
      const DevState& cs = state_.devs[c];
      if (cs.present && !cs.bound && !cs.probing && cs.attempts > 0) add_pending(c);
    }
  trigger(TriggerCause::bound);
  if (model_->device_resource[d] != kNone) {
    state_.resource_up[model_->device_resource[d]] = 1;
    if (policy_.targeted_retry())
      for (DevId w : model_->waiters[model_->device_resource[d]])
        if (state_.devs[w].list == DeferList::pending && needs_met(w)) targeted_retry(w);
  }
}

// Models driver_deferred_probe_trigger(): count it, splice pending onto active, queue the work
// (ignored before deferred_probe_initcall() enabled triggers).
void Simulator::trigger(TriggerCause c) {
  auto& s = state_;
  if (!s.enabled) {
    ++s.triggers_ignored;
    record(RecKind::trigger_ignored, kNoDev, static_cast<uint32_t>(c));
    return;
  }
  ++s.trigger_count;
  ++s.triggers_by_cause[static_cast<size_t>(c)];
  record(RecKind::trigger, kNoDev, static_cast<uint32_t>(c), static_cast<int32_t>(s.trigger_count));
  // list_splice_tail_init(pending -> active)
  for (uint32_t d = s.pending.head; d != kNone; d = s.devs[d].next) s.devs[d].list = DeferList::active;
  if (s.pending.size) {
    if (s.active.tail == kNone) {
      s.active = s.pending;
    } else {
      s.devs[s.active.tail].next = s.pending.head;
      s.devs[s.pending.head].prev = s.active.tail;
      s.active.tail = s.pending.tail;
      s.active.size += s.pending.size;
    }
    s.pending = ListHead{};
  }
  // A log's inferred trigger stands where its retry ran: the worker's latency is already behind it.
  schedule_worker(c == TriggerCause::unseen ? 0 : config_.work_latency_ns);
}

// Models queue_work(system_wq, &deferred_probe_work) (a no-op while it is queued or running).
void Simulator::schedule_worker(std::optional<uint64_t> latency) {
  auto& s = state_;
  if (s.worker_scheduled || s.active.size == 0) return;
  s.worker_scheduled = true;
  push(QItem::thread_step, s.now + latency.value_or(config_.work_latency_ns), 0);
}

// list_add_tail() onto the pending or active list.
void Simulator::list_append(DeferList which, DevId d) {
  ListHead& l = which == DeferList::pending ? state_.pending : state_.active;
  auto& ds = state_.devs[d];
  ds.list = which;
  ds.prev = l.tail;
  ds.next = kNone;
  if (l.tail != kNone)
    state_.devs[l.tail].next = d;
  else
    l.head = d;
  l.tail = d;
  ++l.size;
}

// list_del_init() from whichever deferred-probe list the device is on.
void Simulator::list_remove(DevId d) {
  auto& ds = state_.devs[d];
  if (ds.list == DeferList::none) return;
  ListHead& l = ds.list == DeferList::pending ? state_.pending : state_.active;
  if (ds.prev != kNone)
    state_.devs[ds.prev].next = ds.next;
  else
    l.head = ds.next;
  if (ds.next != kNone)
    state_.devs[ds.next].prev = ds.prev;
  else
    l.tail = ds.prev;
  --l.size;
  ds.list = DeferList::none;
  ds.prev = ds.next = kNone;
}

// Models driver_deferred_probe_add(): onto the pending list (a no-op when already on a list).
void Simulator::add_pending(DevId d) {
  auto& ds = state_.devs[d];
  if (ds.list != DeferList::none) return;
  list_append(DeferList::pending, d);
  record(RecKind::defer_add, d);
  if (policy_.targeted_retry() && needs_met(d)) targeted_retry(d);
}

// Models driver_deferred_probe_check_state() (drivers/base/dd.c, 5.10-6.12, CONFIG_MODULES):
// -ETIMEDOUT once initcalls_done (set in deferred_probe_initcall() between its two flushes) and
// driver_deferred_probe_timeout == 0 -- at once on 5.10 (default 0), after the timeout work on
// 6.1+ (default 10 s); never with a negative timeout.
bool Simulator::check_state_expired() const {
  const bool initcalls_done = state_.enabled && state_.late_initcall_stage != 1;
  return initcalls_done && state_.probe_timeout == 0;
}

// Models fw_devlink_relax_link() from fw_devlink_drivers_done() (drivers/base/core.c, >= 5.13): once
// drivers are done, a device link made by fw_devlink (DL_FLAG_INFERRED) to a supplier that no driver
// ever matched (!can_match) becomes SYNC_STATE_ONLY, which device_links_check_suppliers() skips.
// A fwnode link ("wait for supplier") is no device link and stays. Where the trace cannot tell
// (no device_link event: a log, or a supplier the trace never saw), the optimistic reading relaxes
// and the pessimistic one keeps the link.
bool Simulator::link_relaxed(const SupplierLink& l) const {
  if (!state_.drivers_done || l.source != LinkSource::device_link) return false;
  bool certain = l.inferred == LinkInferred::yes;
  if (l.inferred == LinkInferred::no) return false;
  if (l.supplier != kNoDev) {
    const DevState& sup = state_.devs[l.supplier];
    if (sup.attempts > 0 || sup.ever_bound) return false;  // can_match: a driver matched it
  } else {
    certain = false;
  }
  return certain || !config_.pessimistic;
}

// Whether a missing resource still holds the device back: always, except a supplier link relaxed
// by fw_devlink_drivers_done().
bool Simulator::held_by_link(DevId d, uint32_t resource) const {
  if (!state_.drivers_done) return true;
  for (const SupplierLink& l : model_->devices[d].links)
    if (l.resource == resource) return !link_relaxed(l);
  return true;
}

// Whether everything the device needs is registered now (need inference; not in dd.c).
// How far a replayed attempt may run behind the observed one it stands for (work latency, rounding).
constexpr uint64_t kUnknownSlackNs = 1'000'000;

// Under the optimistic reading only what the evidence names (and one of the arrivals that may
// explain its last deferral); under the pessimistic one every possible need, and never an unknown one.
bool Simulator::needs_met(DevId d) const {
  const DeviceModel& dm = model_->devices[d];
  if (dm.need_mode == Evidence::none) return true;
  if (dm.need_mode == Evidence::count) return false;
  const auto up = [&](uint32_t r) { return state_.resource_up[r] != 0; };
  for (const Need& n : dm.needs)
    if (!up(n.resource) && held_by_link(d, n.resource)) return false;
  const NeedDoubt& u = dm.doubt;
  if (config_.pessimistic) {
    if (u.unknown) return false;
    return std::all_of(u.possible.begin(), u.possible.end(),
                       [&](const Need& n) { return up(n.resource) || !held_by_link(d, n.resource); });
  }
  if (!u.any_of.empty()) return std::any_of(u.any_of.begin(), u.any_of.end(), up);
  // After its last observed deferral: a later retry than any the trace shows (not the replayed
  // image of that deferral, which runs a little after it when the replay's work latency adds up).
  if (u.unknown)
    return state_.now > u.unknown_after &&
           (state_.devs[d].attempts > dm.observed_attempts || state_.now > u.unknown_after + kUnknownSlackNs);
  return true;
}

// A synchronous probe called from instance `inst` took `extra` longer than observed
// (sync-provider): the instance and the synchronous callers above it (module init, the
// loader task) wait that much longer.
void Simulator::add_lag(uint32_t inst, uint64_t extra) {
  while (inst != kNone) {
    CtxInstance& ci = state_.instances[inst];
    ci.lag += extra;
    const CtxKind k = model_->contexts[ci.ctx].kind;
    if (k != CtxKind::module_init) break;
    inst = ci.parent;
  }
}

// How far behind its observed times an instance runs: its own lag, and under the pessimistic
// reading (roots) the lag of the loader task it waited for, fixed when its first action runs.
// A root taken to wait for its predecessor (pessimistic sync-provider) inherits the predecessor's lag
// as it stands each time its first action comes due, until that action runs: a predecessor whose inline
// provider work is decided after the first check (the second of three modprobes in a row, whose
// probe runs only once the first one's lag has moved it) still delays it (`started` is set by
// run_action()).
uint64_t Simulator::instance_lag(uint32_t inst) {
  CtxInstance& ci = state_.instances[inst];
  if (!root_pred_.empty() && !ci.started && model_->contexts[ci.ctx].kind == CtxKind::root) {
    const uint32_t pred = root_pred_[ci.ctx];
    if (pred != kNone && ctx_instance_[pred] != kNone) ci.inherited = instance_lag(ctx_instance_[pred]);
  }
  return ci.lag + ci.inherited;
}

// Not in dd.c (policy resource-aware): moves one pending device to the active list and
// schedules deferred_probe_work_func(), as driver_deferred_probe_trigger() would for the whole list.
void Simulator::targeted_retry(DevId d) {
  if (state_.devs[d].list != DeferList::pending) return;
  list_remove(d);
  list_append(DeferList::active, d);
  record(RecKind::targeted_retry, d);
  schedule_worker();
}

// A resource registered or removed (a component, DAI, clock, ...); under resource-aware its
// waiters are retried at once (not in dd.c).
void Simulator::resources_changed(uint32_t arrival, bool up) {
  for (uint32_t r : model_->arrivals[arrival].resources) {
    state_.resource_up[r] = up ? 1 : 0;
    if (up && policy_.targeted_retry())
      for (DevId w : model_->waiters[r])
        if (state_.devs[w].list == DeferList::pending && needs_met(w)) targeted_retry(w);
  }
}

// A write to a driver's sysfs unbind or bind file (drivers/base/bus.c).
void Simulator::sysfs_action(const Action& a, uint32_t inst_idx) {
  auto& s = state_;
  auto& d = s.devs[a.dev];
  if (a.kind == ActionKind::device_unbind) {
    // unbind_store() -> device_release_driver() (drivers/base/dd.c).
    if (!d.bound) return;
    d.bound = false;
    d.bound_binding = kNone;
    card_gone(a.dev);
    return;
  }
  // bind_store() -> device_driver_attach(): a probe of the device with that driver, in the writing
  // task, which waits for it (a bound or probing device is left alone: -EBUSY / nothing to do).
  const uint32_t drv = model_->driver_index(a.drv);
  if (drv == kNone || !d.present || d.bound || d.probing || !s.driver_registered[drv]) return;
  const uint32_t th = new_thread(false);
  s.threads[th].owner = inst_idx;
  s.threads[th].jobs.push_back(Job{a.dev, drv, 0});
  push(QItem::thread_step, s.now, th);
}

// snd_soc_del_component_unlocked() (sound/soc/soc-core.c, 5.10-6.12): the card that probed the
// removed component is unbound (snd_soc_unbind_card(): its ALSA card is freed) and, when it was
// instantiated, put at the head of unbind_card_list. The machine device stays bound.
// The trace's `card` says the kernel had instantiated the card (component->card is set when the card
// probes the component); in the replay a bound card device not already unbound has its card, also one
// registered before the capture started (a DSP recovery on a booted machine).
void Simulator::card_unbind(DevId card) {
  auto& s = state_;
  if (card == kNoDev || card >= s.devs.size() || !s.devs[card].bound || s.devs[card].card_unbound) return;
  s.devs[card].card_live = false;
  s.devs[card].card_unbound = true;
  s.unbind_cards.insert(s.unbind_cards.begin(), card);
  record(RecKind::card_unbind, card);
}

// snd_soc_try_rebind_card(), called by snd_soc_add_component() after each registration: every card on
// unbind_card_list, head first, is bound again (snd_soc_bind_card()) when all its components are
// there, and leaves the list; one still missing a component stays. The re-bind's
// snd_card_register() comes the observed re-bind duration later.
void Simulator::try_rebind_cards() {
  auto& s = state_;
  for (size_t i = 0; i < s.unbind_cards.size();) {
    const DevId card = s.unbind_cards[i];
    const DeviceModel& dm = model_->devices[card];
    bool ready = s.devs[card].present && s.devs[card].bound;
    for (uint32_t r : dm.card_components) ready = ready && s.resource_up[r] != 0;
    if (!ready) {
      ++i;
      continue;
    }
    s.unbind_cards.erase(s.unbind_cards.begin() + static_cast<long>(i));
    auto& d = s.devs[card];
    d.card_unbound = false;
    d.card_live = true;
    d.card_at = s.now + dm.card_rebind_duration;
    d.card_registers++;
    d.card_rebinds++;
    record(RecKind::card_register, card);
  }
}

// The card of a device that unbinds goes with it (devm: snd_soc_unregister_card()).
void Simulator::card_gone(DevId dev) {
  auto& s = state_;
  s.devs[dev].card_live = false;
  s.devs[dev].card_unbound = false;
  std::erase(s.unbind_cards, dev);
}

}  // namespace reprobe
