// The timeline data model shared by every visual output (the HTML report and
// the Perfetto export): one lane per device plus a driver-core lane and a
// modules lane, and on them what happened, derived once from the replay model
// and the trace: probe attempts (start, end, outcome), deferral marks with
// their reasons, binds, trigger instants and the retries each caused,
// deferred-work rounds, firmware request->callback spans, resource
// (component/DAI/named) registrations, module requests and loads, the
// deferred_probe_timeout. Besides the observed timeline it holds the
// counterfactual timeline of every replayed policy (from the simulator's
// records), on the same lanes, so a viewer can overlay the two.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replayer/trace/trace.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

enum class LaneKind : uint8_t { core, modules, device };

struct TimelineLane {
  LaneKind kind = LaneKind::device;
  DevId dev = kNoDev;
  std::string label;  // device label, "driver core" or "modules"
  std::string bus;
  bool target = false;     // one of the replay's target devices
  bool healthy = false;    // in every timeline: bound on its first attempt, never deferred; not a provider
  bool provider = false;   // registered a resource some device waited for (never collapsed)
  uint32_t attempts = 0;   // observed
  uint32_t deferrals = 0;  // observed
  bool bound = false;      // observed: bound at some point
};

enum class MarkKind : uint8_t {
  deferral,          // text: the deferral reason(s), "" when none was recorded
  bind,              // text: driver
  unbind,            // text: driver
  resource,          // text: resource names (component:..., dai:..., named:...)
  resource_gone,     // text: resource names
  module_request,    // modules lane; text: module name or alias
  module_load,       // modules lane; text: module name
  driver_register,   // core lane; text: driver
  card_register,     // text: card id
  late_initcall,     // core lane
  timeout_armed,     // core lane; text: seconds
  timeout_extended,  // core lane; text: seconds
  timeout_fired,     // core lane
  device_add,
  device_del,
};
std::string_view to_string(MarkKind k);

struct TimelineMark {
  uint64_t t = 0;
  uint32_t lane = 0;
  MarkKind kind = MarkKind::deferral;
  std::string text;
};

struct TimelineProbe {
  uint32_t lane = 0;
  uint64_t start = 0, end = 0;
  ProbeOutcome outcome = ProbeOutcome::failed;
  bool end_known = true;  // false: the attempt was still running when the capture (or replay) ended
  std::string driver;
  int64_t ret = 0;                // observed only
  bool ret_known = true;          // false: the trace gives no error code (probe_end without ret)
  uint32_t trigger = UINT32_MAX;  // index into Timeline::triggers of the trigger whose retry this is
};

struct TimelineTrigger {
  uint64_t t = 0;
  std::string cause;              // bound, race, late_initcall, timeout, ..., "targeted" (resource-aware retry)
  uint64_t count = 0;             // deferred_trigger_count after it (0 when unknown)
  bool ignored = false;           // before late_initcall: the driver core drops it
  std::vector<uint32_t> retries;  // indices into Timeline::probes, in start order
};

struct WorkRound {  // one deferred_probe_work_func() run
  uint64_t start = 0, end = 0;
  bool end_known = true;
};

struct FirmwareSpan {  // request_firmware*() -> done (nowait: the callback) -> callback end
  uint32_t lane = 0;
  uint64_t request = 0, done = 0, callback_end = 0;
  bool done_known = false, callback_known = false;
  bool nowait = false;
  uint64_t id = 0;
  int64_t ret = 0;
  std::string name;      // firmware file
  std::string callback;  // callback symbol (nowait)
};

struct Timeline {
  std::string name;                       // "observed" or the policy spec
  uint64_t end_t = 0;                     // last instant on it
  std::vector<TimelineProbe> probes;      // in start order
  std::vector<TimelineMark> marks;        // in time order
  std::vector<TimelineTrigger> triggers;  // in time order
  std::vector<WorkRound> rounds;          // observed only (the simulator has no worker records)
  std::vector<FirmwareSpan> firmware;     // observed only (replays move firmware with its probe's work)
};

struct TimelineModel {
  std::vector<TimelineLane> lanes;  // [0] driver core, [1] modules, then devices
  Timeline observed;
  std::vector<Timeline> replayed;  // one per verdict that kept its timeline, verdict order
  uint64_t end_t = 0;              // max over all timelines
};

inline constexpr uint32_t kCoreLane = 0, kModulesLane = 1;

// `report` from replay(trace, ...); replays are included for the verdicts that
// carry a timeline (ReplayOptions::keep_timelines). Device lanes: every device
// that probed, bound, deferred, registered a resource or requested firmware
// in any timeline, targets first, then in order of first activity (DevId on
// ties). Deterministic.
TimelineModel build_timeline(const ReplayReport& report, const Trace& trace);

}  // namespace reprobe
