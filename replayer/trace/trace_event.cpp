#include "replayer/trace/trace_event.h"

#include <unordered_map>

namespace reprobe {
namespace {

using F = FieldSpec;
using T = FieldType;
using S = Slot;

constexpr F kNone[] = {{"", T::str, S::name, false, ""}};
constexpr F kDeviceAdd[] = {
    {"dev", T::dev_decl, S::dev, true, "device name (dev_name())"},
    {"bus", T::str, S::s2, true, "bus name (pci, platform, hdaudio, ...)"},
    {"parent", T::str, S::s3, false, "parent device name"},
};
constexpr F kDev[] = {{"dev", T::dev_ref, S::dev, true, "device name"}};
constexpr F kDriverRegister[] = {
    {"drv", T::str, S::drv, true, "driver name"},
    {"bus", T::str, S::s2, true, "bus name"},
    {"async", T::boolean, S::flag, false, "driver probes asynchronously (probe_type or module async_probe)"},
    {"module", T::str, S::name, false, "owning module"},
};
constexpr F kDrv[] = {{"drv", T::str, S::drv, true, "driver name"}};
constexpr F kProbeStart[] = {
    {"dev", T::dev_ref, S::dev, true, "device name"},
    {"drv", T::str, S::drv, true, "driver name"},
    {"async", T::boolean, S::flag, false, "runs from an async helper"},
};
constexpr F kProbeEnd[] = {
    {"dev", T::dev_ref, S::dev, true, "device name"},
    {"drv", T::str, S::drv, true, "driver name"},
    {"ret", T::i64, S::num, false,
     "return value as the driver's ->probe() returned it (0, -517, -19, ...); absent: the source does not show it "
     "(a log line says the probe failed without an error code), outcome `failed`"},
    {"outcome", T::outcome, S::flag, true, "normalised: bound|deferred|failed|rejected"},
};
constexpr F kDeferReason[] = {
    {"dev", T::dev_ref, S::dev, true, "device name"},
    {"reason", T::str, S::name, true, "deferral reason (dev_err_probe text or devices_deferred column)"},
};
constexpr F kTrigger[] = {
    {"cause", T::str, S::name, false, "bound|race|late_initcall|timeout|resume|other"},
    {"count", T::u64, S::id, false, "deferred_trigger_count after the trigger"},
};
constexpr F kSecs[] = {{"secs", T::i64, S::num, true, "timeout in seconds"}};
constexpr F kBound[] = {
    {"dev", T::dev_ref, S::dev, true, "device name"},
    {"drv", T::str, S::drv, true, "driver name"},
};
constexpr F kUnbind[] = {
    {"dev", T::dev_ref, S::dev, true, "device name"},
    {"drv", T::str, S::drv, false, "driver name"},
};
constexpr F kFwRequest[] = {
    {"id", T::u64, S::id, true, "request id, unique per trace"},
    {"mode", T::fw_mode, S::flag, true, "sync|nowait"},
    {"name", T::str, S::name, true, "firmware file name"},
    {"dev", T::dev_ref, S::dev, false, "requesting device"},
    {"cb", T::str, S::s3, false, "callback symbol (nowait)"},
};
constexpr F kFwDone[] = {
    {"id", T::u64, S::id, true, "request id"},
    {"ret", T::i64, S::num, true, "0 or -errno; for nowait this is where the callback starts"},
};
constexpr F kId[] = {{"id", T::u64, S::id, true, "request id"}};
constexpr F kModuleRequest[] = {
    {"name", T::str, S::name, true, "module name or alias passed to request_module()"},
    {"wait", T::boolean, S::flag, true, "request_module (true) or request_module_nowait (false)"},
    {"id", T::u64, S::id, false, "request id, referenced by module_load.req"},
};
constexpr F kModuleLoad[] = {
    {"module", T::str, S::name, true, "module name"},
    {"req", T::u64, S::id, false, "module_request id that caused this load"},
};
constexpr F kModuleInitDone[] = {
    {"module", T::str, S::name, true, "module name"},
    {"ret", T::i64, S::num, true, "init return value"},
};
constexpr F kWorkQueue[] = {
    {"work", T::u64, S::id, true, "work item id (hashed work_struct address)"},
    {"func", T::str, S::name, true, "work function symbol"},
};
constexpr F kWorkEnd[] = {{"work", T::u64, S::id, true, "work item id"}};
constexpr F kComponentAdd[] = {
    {"name", T::str, S::name, true, "ASoC component name"},
    {"dev", T::dev_ref, S::dev, true, "device registering the component"},
    {"dais", T::str_list, S::list, false, "DAI names registered with it"},
};
constexpr F kComponentDel[] = {
    {"name", T::str, S::name, true, "ASoC component name"},
    {"dev", T::dev_ref, S::dev, true, "device"},
    {"card", T::str, S::s2, false,
     "device of the card that had probed the component (component->card->dev): the removal unbinds that card, "
     "and ASoC re-binds it at a later component registration (snd_soc_try_rebind_card())"},
};
constexpr F kCardBindStart[] = {
    {"dev", T::dev_ref, S::dev, true, "card device (machine driver's device)"},
    {"card", T::str, S::name, false, "card name"},
};
constexpr F kCardBindEnd[] = {
    {"dev", T::dev_ref, S::dev, true, "card device"},
    {"ret", T::i64, S::num, false,
     "snd_soc_register_card()/bind return (-517 = deferred); absent: the source does not show it (a failure "
     "without an error code)"},
};
constexpr F kSndCardRegister[] = {
    {"dev", T::dev_ref, S::dev, false, "device owning the card"},
    {"index", T::i64, S::num, true, "card index"},
    {"id", T::str, S::name, true, "card id string"},
};
constexpr F kResource[] = {
    {"name", T::str, S::name, true, "named resource that became available"},
    {"dev", T::dev_ref, S::dev, false, "provider device"},
};
constexpr F kDeviceLink[] = {
    {"dev", T::dev_ref, S::dev, true, "consumer device"},
    {"supplier", T::str, S::name, true, "supplier device name (dev_name())"},
    {"flags", T::u64, S::id, true,
     "DL_FLAG_* bits of the link as device_link_add() left it (0x100 DL_FLAG_INFERRED: made by fw_devlink)"},
};

constexpr std::span<const F> none() { return std::span<const F>(kNone, 0); }

constexpr EventSpec kSpecs[] = {
    {EventKind::late_initcall, "late_initcall", none(), "deferred_probe_initcall(): triggers become live"},
    {EventKind::device_add, "device_add", kDeviceAdd, "device_add() of a device"},
    {EventKind::device_del, "device_del", kDev, "device_del()"},
    {EventKind::driver_register, "driver_register", kDriverRegister, "driver_register()"},
    {EventKind::driver_unregister, "driver_unregister", kDrv, "driver_unregister()"},
    {EventKind::probe_start, "probe_start", kProbeStart, "really_probe() entry"},
    {EventKind::probe_end, "probe_end", kProbeEnd, "really_probe() exit"},
    {EventKind::defer_add, "defer_add", kDev, "added to the deferred pending list"},
    {EventKind::defer_del, "defer_del", kDev, "removed from the deferred lists"},
    {EventKind::defer_reason, "defer_reason", kDeferReason, "deferral reason set"},
    {EventKind::trigger, "trigger", kTrigger, "driver_deferred_probe_trigger()"},
    {EventKind::deferred_work_start, "deferred_work_start", none(), "deferred_probe_work_func() entry"},
    {EventKind::deferred_work_end, "deferred_work_end", none(), "deferred_probe_work_func() exit"},
    {EventKind::timeout_armed, "timeout_armed", kSecs, "deferred_probe_timeout work scheduled"},
    {EventKind::timeout_extended, "timeout_extended", kSecs, "deferred_probe_extend_timeout() re-armed it"},
    {EventKind::timeout_fired, "timeout_fired", none(), "deferred_probe_timeout_work_func()"},
    {EventKind::bound, "bound", kBound, "driver_bound()"},
    {EventKind::unbind, "unbind", kUnbind, "device_release_driver()"},
    {EventKind::fw_request, "fw_request", kFwRequest, "request_firmware() / request_firmware_nowait()"},
    {EventKind::fw_done, "fw_done", kFwDone, "firmware request finished (nowait: callback starts)"},
    {EventKind::fw_cb_end, "fw_cb_end", kId, "nowait callback returned"},
    {EventKind::module_request, "module_request", kModuleRequest, "request_module()"},
    {EventKind::module_load, "module_load", kModuleLoad, "module init starts"},
    {EventKind::module_init_done, "module_init_done", kModuleInitDone, "module init returned"},
    {EventKind::work_queue, "work_queue", kWorkQueue, "work item queued"},
    {EventKind::work_start, "work_start", kWorkQueue, "work item starts executing"},
    {EventKind::work_end, "work_end", kWorkEnd, "work item finished"},
    {EventKind::component_add, "component_add", kComponentAdd, "snd_soc_add_component()"},
    {EventKind::component_del, "component_del", kComponentDel, "snd_soc_del_component()"},
    {EventKind::card_bind_start, "card_bind_start", kCardBindStart, "snd_soc_register_card() entry"},
    {EventKind::card_bind_end, "card_bind_end", kCardBindEnd, "snd_soc_register_card() exit"},
    {EventKind::snd_card_register, "snd_card_register", kSndCardRegister,
     "snd_card_register() succeeded: card is live"},
    {EventKind::resource, "resource", kResource, "generic named resource became available"},
    {EventKind::resume, "resume", none(), "system resume (dpm_complete unblocks probing: a trigger)"},
    {EventKind::device_link, "device_link", kDeviceLink,
     "device_link_add() returned a link: the consumer may not probe until the supplier binds"},
    {EventKind::extension, "x-*", none(), "extension event, kept verbatim, ignored by the model"},
};
static_assert(std::size(kSpecs) == kEventKindCount);

}  // namespace

const EventSpec& event_spec(EventKind k) { return kSpecs[static_cast<size_t>(k)]; }
std::span<const EventSpec> all_event_specs() { return kSpecs; }
std::string_view to_string(EventKind k) { return kSpecs[static_cast<size_t>(k)].name; }

std::optional<EventKind> event_kind_from(std::string_view name) {
  static const auto index = [] {
    std::unordered_map<std::string_view, EventKind> m;
    for (const auto& s : kSpecs)
      if (s.kind != EventKind::extension) m.emplace(s.name, s.kind);
    return m;
  }();
  auto it = index.find(name);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

std::string_view to_string(ProbeOutcome o) {
  switch (o) {
    case ProbeOutcome::bound:
      return "bound";
    case ProbeOutcome::deferred:
      return "deferred";
    case ProbeOutcome::failed:
      return "failed";
    case ProbeOutcome::rejected:
      return "rejected";
  }
  return "?";
}

std::optional<ProbeOutcome> probe_outcome_from(std::string_view s) {
  if (s == "bound") return ProbeOutcome::bound;
  if (s == "deferred") return ProbeOutcome::deferred;
  if (s == "failed") return ProbeOutcome::failed;
  if (s == "rejected") return ProbeOutcome::rejected;
  return std::nullopt;
}

}  // namespace reprobe
