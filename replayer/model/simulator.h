// Deterministic discrete-event simulator of drivers/base/dd.c deferred
// probing (docs/kernel-model.md §1, §5.4), re-running a Model under a trigger
// Policy. All state is plain values (SimState) so a run can be copied and
// forked; where the trace leaves ordering open (events due at the same time)
// the simulator exposes the candidates as a choice point.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replayer/model/kernel_profile.h"
#include "replayer/model/model.h"
#include "replayer/model/policy.h"

namespace reprobe {

enum class TriggerCause : uint8_t {
  bound,
  race,
  late_initcall,
  timeout,
  resume,
  periodic,
  provider_kick,
  component_kick,
  resource_kick,
  unseen,  // a retry a kernel log shows without the trigger that caused it (an unprinted bind)
};
inline constexpr size_t kTriggerCauseCount = 10;
std::string_view to_string(TriggerCause c);

enum class RecKind : uint8_t {
  probe_start,
  probe_end,
  defer_add,
  bound,
  trigger,
  trigger_ignored,
  targeted_retry,
  retry,
  resource_up,
  resource_down,
  card_register,
  card_unbind,  // ASoC unbound the card: a component it had probed was removed
  timeout_armed,
  timeout_extended,
  timeout_fired,
  device_add,
  driver_register,
  late_initcall,
};
std::string_view to_string(RecKind k);

// One line of the simulated timeline. 24 bytes: a run records about 1.3 per
// step (a million on the 1 M-event benchmark trace), so its size is the
// simulator's memory traffic. `subject` and `value` mean what `kind` says;
// read them through the accessor of that kind.
struct SimRecord {
  uint64_t t = 0;
  DevId dev = kNoDev;    // the device concerned, kNoDev for core-wide records (trigger, timeout_*, late_initcall)
  uint32_t subject = 0;  // probe_start, probe_end, bound: binding; trigger, trigger_ignored: TriggerCause;
                         // resource_up/down: arrival; driver_register: driver index; others: 0
  int32_t value = 0;     // probe_end: ProbeOutcome; trigger: deferred_trigger_count after it (at most one
                         // per step: < 2^31 in any run that fits in memory); timeout_armed/extended: seconds
  RecKind kind = RecKind::probe_start;

  uint32_t binding() const { return subject; }                               // probe_start, probe_end, bound
  TriggerCause cause() const { return static_cast<TriggerCause>(subject); }  // trigger, trigger_ignored
  uint32_t arrival() const { return subject; }  // resource_up, resource_down (Model::arrivals)
  uint32_t driver() const { return subject; }   // driver_register (Model::drivers)
  ProbeOutcome outcome() const { return static_cast<ProbeOutcome>(value); }  // probe_end
  int32_t trigger_count() const { return value; }                            // trigger
  int32_t seconds() const { return value; }                                  // timeout_armed, timeout_extended
};
static_assert(sizeof(SimRecord) == 24, "timeline records stay small (docs/model.md §4)");

struct SimConfig {
  uint64_t work_latency_ns = 50'000;                  // trigger -> deferred_probe_work_func start
  uint64_t horizon_after_end_ns = 60'000'000'000ull;  // periodic triggers stop this long after the trace
  bool record_timeline = true;
  uint64_t max_steps = 0;  // 0 = automatic cap
  // The pessimistic reading of what the trace leaves open (docs/model.md §3, "Two readings"):
  // every possible need is needed, unknown needs never appear, and a userspace loader task
  // that started after another one ended waited for it (inline provider work delays both).
  bool pessimistic = false;
  // periodic: when the first tick comes (0: one period after the start). The phase of a real
  // periodic timer against the trace's events is unknown; the replay samples it (docs/model.md §3).
  uint64_t periodic_phase_ns = 0;
};

// A queued simulator event. Ordered by (t, seq); seq is assignment order, so
// the default schedule is deterministic. Items due far ahead wait in
// SimState::later until they are due (docs/model.md §4, "Event queue").
struct QItem {
  enum Kind : uint8_t { action, thread_step, probe_decide, probe_end, timeout, periodic, kick, probe_bind };
  uint64_t t = 0;
  uint32_t seq = 0;           // renumbered (order kept) before it would wrap
  uint32_t subject = 0;       // action: context instance (SimState::instances); thread_step: thread;
                              // probe_decide, probe_bind, probe_end: device; timeout: the SimState::timeout_version
                              // it was armed as (stale when that changed); periodic, kick: 0
  uint32_t action_index = 0;  // action: index of the action in its context; others: 0
  Kind kind = action;
};
static_assert(sizeof(QItem) == 24, "queue items stay small: the heap is the simulator's hot loop");

struct ProbeInFlight {
  uint32_t binding = kNone;
  uint32_t thread = kNone;
  uint64_t start = 0;
  uint64_t count_at_start = 0;
  uint32_t attempt_index = 0;
  bool decided = false;
  bool bound = false;  // driver_bound() ran (before really_probe() returns: Binding::bind_offset)
  bool assumed = false;
  ProbeOutcome outcome = ProbeOutcome::deferred;
};

// The deferred-probe list a device is on: none, deferred_probe_pending_list
// (waiting for a trigger) or deferred_probe_active_list (queued for
// deferred_probe_work_func()).
enum class DeferList : uint8_t { none, pending, active };

struct DevState {
  bool present = false;
  bool bound = false;
  bool probing = false;
  bool assumed_success = false;
  DeferList list = DeferList::none;
  uint32_t prev = kNone, next = kNone;  // links in the list it is on
  uint32_t bound_binding = kNone;       // kNone while bound to its header (pre-capture) driver
  bool ever_bound = false;              // bound at some point (initially, or in the replay)
  uint64_t bound_at = 0;
  uint64_t card_at = 0;
  bool card_live = false;
  bool card_unbound = false;    // on ASoC's unbind_card_list (a component it used was removed)
  uint32_t card_registers = 0;  // snd_card_register() of its card, first binds and re-binds
  uint32_t card_rebinds = 0;    // of those, ASoC's re-binds (snd_soc_try_rebind_card())
  uint32_t attempts = 0;
  uint32_t deferrals = 0;
  ProbeInFlight probe;
};

struct ListHead {
  uint32_t head = kNone, tail = kNone, size = 0;
};

struct Job {
  DevId dev = kNoDev;
  uint32_t only_driver = kNone;  // kNone: every matching driver in registration order
  uint32_t next_candidate = 0;
};

struct SimThread {
  std::vector<Job> jobs;
  uint32_t pos = 0;
  bool busy = false;
  bool is_worker = false;
  uint32_t owner = kNone;  // context instance blocked in it (a synchronous device_add/driver_register)
};

struct CtxInstance {
  uint32_t ctx = kNone;
  uint64_t base = 0;
  bool inline_children = false;  // sync-provider: work/fw children run inside the probe
  uint32_t parent = kNone;       // instance that started it (spawn), kNone for roots and probes
  uint64_t lag = 0;              // how much longer than observed its synchronous probes took
  uint64_t applied = 0;          // lag its remaining actions have already been moved by
  uint64_t inherited = 0;        // root, pessimistic: the lag of the loader it waited for
  bool started = false;          // root: its first action ran
};

struct SimState {
  uint64_t now = 0;
  uint32_t seq = 0;
  uint64_t steps = 0;
  // The event queue, in two 4-ary heaps (min on t, seq). `queue` holds the
  // items due soon and, between steps, every item due at the earliest time;
  // `later` holds items queued more than kLaterNs ahead (stale timeouts, far
  // exogenous actions) until they are due. The union runs in (t, seq) order.
  std::vector<QItem> queue;
  std::vector<QItem> later;
  std::vector<DevState> devs;
  std::vector<uint8_t> driver_registered;
  std::vector<uint32_t> driver_reg_order;  // registration sequence number per driver
  uint32_t reg_seq = 0;
  std::vector<uint32_t> binding_attempts;  // attempts made per binding
  std::vector<uint32_t> resource_up;
  std::vector<CtxInstance> instances;
  std::vector<SimThread> threads;  // threads[0] = deferred_probe_work
  ListHead pending, active;
  bool enabled = false;
  uint8_t late_initcall_stage = 0;  // 1: first drain, 2: second drain (deferred_probe_initcall)
  bool worker_scheduled = false;
  uint64_t trigger_count = 0;
  std::array<uint32_t, kTriggerCauseCount> triggers_by_cause{};
  uint32_t triggers_ignored = 0;
  bool timeout_armed = false;
  bool timeout_fired = false;
  uint64_t timeout_due = 0;
  uint64_t timeout_fired_at = 0;
  uint32_t timeout_fired_pending = 0;  // devices on the deferred lists when it fired (0: the kernel prints nothing)
  std::vector<DevId> unbind_cards;     // ASoC's unbind_card_list, head first
  uint32_t timeout_version = 0;
  // driver_deferred_probe_timeout as dd.c holds it: the policy's value, 0 once
  // deferred_probe_timeout_work_func() ran (< 0: never expires). With initcalls_done
  // (late_initcall_stage != 1 once enabled), 0 means driver_deferred_probe_check_state()
  // returns -ETIMEDOUT.
  int32_t probe_timeout = 0;
  // fw_devlink_drivers_done() ran (core.c, from the timeout work on >= 5.13): inferred device links
  // to suppliers no driver matched are relaxed and no longer hold their consumers back.
  bool drivers_done = false;
  uint64_t blocked_total_ns = 0;
  uint64_t blocked_max_ns = 0;
  uint32_t probe_attempts = 0;
  uint32_t deferrals = 0;
  std::vector<SimRecord> timeline;
  bool truncated = false;
};

struct SimResult {
  SimState state;
  uint32_t triggers() const;
};

class Simulator {
 public:
  Simulator(const Model& model, const Policy& policy, const SimConfig& config = {});

  bool done() const { return state_.queue.empty() || state_.truncated; }
  // Indices (into state().queue) of the events due next: more than one is a
  // choice point the explorer can branch on.
  std::vector<size_t> choices() const;
  // The explorer's timing choice point (docs/explore.md): the items due at most window_ns after
  // the earliest, in (t, seq) order. Running a later one first delays the earlier ones (they run
  // at the new `now`), as a longer duration or latency would. Moves the items of that window out
  // of SimState::later into the queue (the run order is unchanged: the queue still holds the
  // minimum); replay never calls it.
  std::vector<size_t> choices_within(uint64_t window_ns);
  // Runs to the end through a schedule of the explorer: at the k-th choice point of
  // choices_within(window_ns) with more than one candidate, the ranks[k]-th (the first once
  // ranks is used up). The simulator is spent, as with run().
  SimResult run_schedule(const std::vector<uint32_t>& ranks, uint64_t window_ns);
  void step(size_t queue_index);
  void step() { step(0); }
  // Runs to the end and moves the final state into the result: the simulator is spent.
  SimResult run();
  // Runs every event due at or before t (the state at the end of a capture).
  void run_until(uint64_t t);
  const SimState& state() const { return state_; }
  const Model& model() const { return *model_; }
  const Policy& policy() const { return policy_; }

 private:
  void push(QItem::Kind k, uint64_t t, uint32_t subject = 0, uint32_t action_index = 0);
  QItem pop_at(size_t i);
  void run_item(const QItem& q);
  bool run_next();  // run()/run_until(): pops from due_now_ or the heaps
  void flush_due_now();
  void promote_due();
  void renumber_queue();
  void dispatch(const QItem& q);
  void record(RecKind k, DevId dev, uint32_t subject = 0, int32_t value = 0) {  // inline: about 4 per probe attempt
    if (config_.record_timeline) state_.timeline.push_back(SimRecord{state_.now, dev, subject, value, k});
  }

  void start_instance(uint32_t ctx, uint64_t base, bool inline_children, uint32_t parent = kNone);
  void add_lag(uint32_t inst, uint64_t extra);
  uint64_t instance_lag(uint32_t inst);
  void run_action(uint32_t inst, uint32_t idx);
  void thread_step(uint32_t th);
  void start_probe(uint32_t th, DevId dev, uint32_t binding);
  void probe_decide(DevId dev);
  void register_driver(const Action& a, uint32_t inst_idx);
  void probe_bind(DevId dev);
  void probe_end(DevId dev);
  std::optional<uint64_t> inline_work_pending(DevId dev) const;
  void run_unsuccessful_program(const ProbeInFlight& p);
  void block_caller(const ProbeInFlight& p, uint64_t duration);
  void trigger(TriggerCause c);
  void late_initcall_continue();
  void schedule_worker(std::optional<uint64_t> latency = std::nullopt);
  void list_remove(DevId d);
  void list_append(DeferList which, DevId d);
  void add_pending(DevId d);
  void targeted_retry(DevId d);
  bool needs_met(DevId d) const;
  bool check_state_expired() const;
  bool link_relaxed(const SupplierLink& l) const;
  bool held_by_link(DevId d, uint32_t resource) const;
  bool retry_goes_async(DevId d);
  void resources_changed(uint32_t arrival, bool up);
  void card_unbind(DevId card);
  void try_rebind_cards();
  void card_gone(DevId dev);
  void sysfs_action(const Action& a, uint32_t inst_idx);
  void device_bound(DevId d, uint32_t binding);
  uint32_t new_thread(bool worker);
  // Drivers that may probe d now, in bus (registration) order; fills out.
  void candidates(DevId d, uint32_t only_driver, std::vector<uint32_t>& out) const;
  ProbeOutcome decide_outcome(uint32_t binding, uint32_t attempt, bool& assumed) const;
  uint64_t inline_span(uint32_t ctx) const;

  const Model* model_;
  Policy policy_;
  SimConfig config_;
  std::vector<uint32_t> binding_driver_;                // binding -> driver index
  std::vector<std::vector<uint32_t>> driver_bindings_;  // driver -> its bindings, in device order
  std::vector<uint32_t> initial_driver_;                // device -> driver index it was bound to before the capture
  std::vector<uint32_t> scratch_;                       // candidates() output, reused
  std::vector<uint64_t> inline_span_;                   // per context (sync-provider only)
  std::vector<uint32_t> root_pred_;                     // root context -> the root it waited for (or kNone)
  std::vector<uint32_t> ctx_instance_;                  // root context -> its instance
  uint64_t horizon_ = 0;
  // Inside run() and run_until() only (use_due_now_): items queued for `now`
  // itself (a third of all steps) go to this FIFO instead of the heap. Every
  // heap item due at `now` was queued earlier, so it runs first; the order is
  // exactly the heap's (t, seq). Empty whenever those calls return, so
  // state().queue, choices() and step(i) always see every queued item.
  std::vector<QItem> due_now_;
  size_t due_now_head_ = 0;
  bool use_due_now_ = false;
  SimState state_;
};

}  // namespace reprobe
