// The replay model rebuilt from a trace: execution contexts and what each one
// did (its "program", as offsets from the context's start), devices, drivers,
// matches, probe attempts, resources and their providers, and what every
// deferred device was waiting for (with evidence). The simulator re-runs the
// programs; caused contexts move with their cause, exogenous ones keep their
// observed times.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "replayer/trace/trace.h"

namespace reprobe {

inline constexpr uint32_t kNone = UINT32_MAX;

enum class CtxKind : uint8_t {
  root,         // exogenous: boot/userspace timeline, absolute times
  probe,        // one really_probe() attempt
  work,         // a work item
  fw_callback,  // request_firmware_nowait() callback
  module_init,  // a module's init (from userspace or request_module)
};
std::string_view to_string(CtxKind k);

enum class ActionKind : uint8_t {
  late_initcall,
  device_add,
  device_del,
  driver_register,
  driver_unregister,
  resource_up,    // resources[] become available (component + DAIs, firmware, named)
  resource_down,  // component_del
  spawn,          // start child context after `delay`
  card_register,  // snd_card_register: a card became live
  resume,
  unseen_trigger,  // a kernel log's inferred trigger (cause "other"): a retry it shows implies one
  device_unbind,   // device_release_driver() from user space (sysfs unbind): the device is unbound
  bind_request,    // device_driver_attach() from user space (sysfs bind): a probe of dev with drv, in this task
};

struct Action {
  uint64_t offset = 0;  // from the context's start
  ActionKind kind = ActionKind::resume;
  DevId dev = kNoDev;
  StrId drv = 0;
  uint32_t child = kNone;    // spawn: child context
  uint32_t arrival = kNone;  // resource_up/down: index into Model::arrivals
  bool async = false;        // driver_register: PROBE_PREFER_ASYNCHRONOUS
  uint32_t event = 0;        // index of the trace event it came from
  uint64_t start_delay = 0;  // device_add/driver_register: observed gap before its first probe started
                             // on the same task (the task was preempted; a single-CPU guest shows it)
};

struct Context {
  CtxKind kind = CtxKind::root;
  uint32_t parent = kNone;  // causing context (kNone for root)
  uint64_t spawn_t = 0;     // when the parent queued/requested it
  uint64_t start_t = 0;     // observed start
  uint64_t end_t = 0;       // observed end (== start when unknown)
  bool end_known = false;
  DevId dev = kNoDev;              // probe: device; work/fw: device of the originating probe
  StrId drv = 0;                   // probe: driver
  StrId label = 0;                 // work function, callback symbol, module name
  uint32_t probe_attempt = kNone;  // probe: index into Model::attempts
  std::vector<Action> actions;
  uint64_t delay() const { return start_t >= spawn_t ? start_t - spawn_t : 0; }
  uint64_t duration() const { return end_t >= start_t ? end_t - start_t : 0; }
};

struct Resource {
  std::string name;  // "component:NAME", "dai:NAME", "fw:NAME", "device:LABEL", "named:NAME"
};

// Whether the trace can show the resource appear: a bpf capture hooks component, firmware and
// bind events; a kernel log prints none of them (its component registrations are inferred).
// A synthetic scenario is complete by construction (docs/model.md §3, "Certain needs").
bool trace_observes(const Trace& trace, std::string_view resource_name);

// A moment where resources appeared (one component_add gives a component and its DAIs).
struct Arrival {
  uint64_t t = 0;
  std::vector<uint32_t> resources;
  uint32_t ctx = kNone;     // context that produced it
  DevId provider = kNoDev;  // device whose probe (transitively) caused it, if any
  uint32_t event = 0;
  bool is_bind = false;  // a device bind (weak evidence: binds are what trigger retries)
  bool removal = false;  // component_del: resources go away
  DevId card = kNoDev;   // component_del: the card it unbinds (ASoC puts it on unbind_card_list)
};

struct Attempt {
  DevId dev = kNoDev;
  StrId drv = 0;
  uint32_t ctx = kNone;
  uint64_t start = 0, end = 0;
  int64_t ret = 0;
  ProbeOutcome outcome = ProbeOutcome::failed;
  std::optional<uint64_t> lookup_offset;         // when the missing resource was looked up (reason / card bind)
  std::optional<uint64_t> bound_offset;          // when driver_bound() ran (the `bound` event), from start
  std::optional<uint64_t> bound_trigger_offset;  // its driver_deferred_probe_trigger() (same task)
  std::vector<StrId> reasons;
  uint32_t start_event = 0, end_event = 0;
};

enum class Evidence : uint8_t {
  none,        // never deferred: needs nothing
  reason,      // a deferral reason names it
  separation,  // it is the only arrival between the last deferral and the success
  ambiguous,   // several arrivals separate them: all are assumed needed
  count,       // nothing separates them: replay by attempt count
  unknown,     // never bound and no reason recorded
};
std::string_view to_string(Evidence e);

struct Need {
  uint32_t resource = kNone;
  Evidence evidence = Evidence::unknown;
  std::string detail;  // human-readable evidence
};

// What the trace cannot decide about a device's needs (docs/model.md §3, "Two readings"). The
// replay runs every policy twice: the optimistic reading needs only what the evidence names
// (and one of `any_of`), the pessimistic one also every `possible` need and never an unknown one.
// Where the two readings disagree on the target, the verdict is undetermined.
struct NeedDoubt {
  std::vector<uint32_t> any_of;  // optimistic: at least one of these resources must be up (if any)
  std::vector<Need> possible;    // pessimistic: these must be up as well
  bool unknown = false;          // a need nothing in the trace names: pessimistic never has it
  uint64_t unknown_after = 0;    // optimistic, unknown with `any_of` empty: there from just after this
  bool unseen = false;           // it waits for a resource the trace cannot show appear (a log)
  std::vector<std::string> why;  // in words, for an undetermined verdict
  bool empty() const { return any_of.empty() && possible.empty() && !unknown; }
};

// Probe behaviour of one (device, driver) pair.
struct Binding {
  DevId dev = kNoDev;
  StrId drv = 0;
  std::vector<uint32_t> attempts;  // Model::attempts, in order
  int success = -1;                // index into attempts of the first bound attempt
  uint64_t lookup_offset = 0;      // resource lookup point used by the simulator
  uint64_t defer_duration = 0;     // duration of a deferred attempt
  uint64_t success_duration = 0;
  // driver_bound() (the bind and its trigger) runs inside really_probe(), before it returns: the
  // observed trigger of driver_bound() (else its `bound` event) in the successful attempt, from its start. The caller
  // stays busy until success_duration; on a single CPU the task can be preempted in between (milliseconds).
  uint64_t bind_offset = 0;
  uint32_t success_ctx = kNone;  // program of the successful attempt
  bool success_assumed = false;  // never bound: success duration assumed, no program
  bool fixed_outcomes = false;   // always failed/rejected: replay by index
  bool ever_deferred = false;    // some observed attempt deferred
  // The probe asks driver_deferred_probe_check_state() (drivers/base/dd.c) for a provider that never
  // comes (a PM domain, as genpd does): an attempt after a deferral failed with -ETIMEDOUT/-ENODEV.
  // Index into `attempts` of that failure, -1 when none (docs/model.md §4, "check_state").
  int check_state_failure = -1;
};

// A deferral of the consumer by device_links_check_suppliers() (drivers/base/core.c): its reason
// ("supplier X not ready", "wait for supplier X") or a device_link event names the supplier
// (docs/kernel-model.md §1.7). The need on "device:X" it stands for is in DeviceModel::needs.
enum class LinkSource : uint8_t {
  device_link,  // a device link (device_link_add(), by a driver or by fw_devlink): "supplier X not ready"
  fwnode,       // a fwnode link whose supplier has no device yet: "wait for supplier X" (6.1+)
};
enum class LinkInferred : uint8_t { no, yes, unknown };  // DL_FLAG_INFERRED (unknown: no device_link event)
inline constexpr uint64_t kDlFlagInferred = 1u << 8;     // DL_FLAG_INFERRED (include/linux/device.h)

struct SupplierLink {
  uint32_t resource = kNone;  // "device:X", the need it stands for
  DevId supplier = kNoDev;    // the supplier device, when the trace knows one by that name
  LinkSource source = LinkSource::device_link;
  LinkInferred inferred = LinkInferred::unknown;
  uint64_t flags = 0;  // DL_FLAG_* from the device_link event (0 without one)
};

struct DeviceModel {
  DevId dev = kNoDev;
  StrId bus = 0;
  std::vector<uint32_t> bindings;  // Model::bindings, in order of first probe
  std::vector<Need> needs;         // empty + evidence count/unknown => see need_mode
  Evidence need_mode = Evidence::unknown;
  NeedDoubt doubt;                         // what the evidence leaves open (both readings)
  std::vector<SupplierLink> links;         // needs that are device links or fwnode links (supplier waits)
  std::vector<uint32_t> assumed_provides;  // never bound, but others wait for what its probe would
                                           // register (ASoC names a component after its device)
  int count_success_after = -1;            // count model: bound from this attempt index on
  bool card = false;                       // registered or tried to register a sound card
  // ASoC's re-bind (sound/soc/soc-core.c): components whose removal unbound this device's card
  // (snd_soc_del_component_unlocked()); snd_soc_try_rebind_card() re-binds it at the first
  // component registration after which all of them are back. Observed: how long the re-bind
  // took from that registration to its snd_card_register().
  std::vector<uint32_t> card_components;
  uint64_t card_rebind_duration = 0;
  uint32_t observed_card_registers = 0;  // snd_card_register events of its card
  bool observed_bound = false;
  uint64_t observed_bound_at = 0;
  uint32_t observed_attempts = 0;
  uint32_t observed_deferrals = 0;
  bool initially_bound = false;    // bound before the capture started
  bool deferred_at_start = false;  // on the pending list when the capture started (snapshot devices_deferred)
  std::string reason_at_start;     // its devices_deferred reason, if any
  bool declared_in_header = false;
  uint64_t added_at = 0;  // for ordering
};

struct DriverModel {
  StrId name = 0;
  StrId bus = 0;
  bool async = false;
  bool initially_registered = false;
  bool registered_in_trace = false;  // has a driver_register event
};

struct ObservedStats {
  uint32_t triggers = 0;
  uint32_t probe_attempts = 0;
  uint32_t deferrals = 0;
  bool timeout_fired = false;
  uint64_t timeout_fired_at = 0;                // first timeout_fired
  std::optional<uint64_t> timeout_armed_at;     // first timeout_armed
  std::optional<uint64_t> timeout_extended_at;  // first timeout_extended
  bool has_late_initcall = false;
  bool has_trigger_events = false;
};

// When the capture started after late_initcall, the deferred_probe_timeout
// timer may already be pending: it shows as a timeout_extended or
// timeout_fired event with no timeout_armed before it. Returns the due time
// the replay starts with (the observed firing, or the first extension, which
// re-arms the timer anyway), or nothing when no pending timer was seen.
std::optional<uint64_t> pending_timeout_at_start(const ObservedStats& o, uint64_t timeout_ns);

struct Model {
  const Trace* trace = nullptr;
  std::vector<Context> contexts;  // contexts[0] = root
  std::vector<Attempt> attempts;
  std::vector<Binding> bindings;
  std::vector<DeviceModel> devices;      // indexed by DevId
  std::vector<DriverModel> drivers;      // in order of appearance
  std::vector<uint32_t> driver_by_name;  // StrId -> index into drivers (kNone if none)
  std::vector<Resource> resources;
  std::unordered_map<std::string, uint32_t> resource_ids;  // name -> index (lookup only, never iterated)
  std::vector<Arrival> arrivals;                           // in time order
  std::vector<uint32_t> device_resource;                   // DevId -> its "device:LABEL" resource (kNone if none)
  std::vector<std::vector<DevId>> waiters;                 // resource -> devices whose needs include it
                                                           // (any reading)
  std::vector<std::vector<DevId>> autoprobe_consumers;     // supplier -> consumers of its DL_FLAG_AUTOPROBE_CONSUMER
                                                           // links (device_link events)
  std::vector<std::string> notes;                          // what the model could not attribute
  ObservedStats observed;
  uint64_t end_t = 0;

  uint32_t driver_index(StrId name) const;
  uint32_t resource_index(const std::string& name) const;
  uint32_t add_resource(const std::string& name);
  const std::string& resource_name(uint32_t r) const { return resources[r].name; }
  // Device whose probe (transitively) caused context c, if any.
  DevId provider_of(uint32_t ctx) const;
  // True when the context descends from a probe (a provider's deferred work).
  bool caused_by_probe(uint32_t ctx) const;
  std::string dev_label(DevId d) const { return trace->dev_label(d); }
};

// Fills DeviceModel::links from the deferral reasons and device_link events (after need inference).
void infer_supplier_links(Model& m);

// Builds the model; never fails on a trace the reader accepted (anything it
// cannot attribute is recorded in Model::notes).
Model build_model(const Trace& trace);

}  // namespace reprobe
