// One event of a reprobe trace (format v1) and the schema table that defines
// every event kind's fields. The reader, the writer and docs/trace-format.md
// are all driven by kEventSpecs, so the three cannot disagree.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace reprobe {

enum class EventKind : uint8_t {
  late_initcall,
  device_add,
  device_del,
  driver_register,
  driver_unregister,
  probe_start,
  probe_end,
  defer_add,
  defer_del,
  defer_reason,
  trigger,
  deferred_work_start,
  deferred_work_end,
  timeout_armed,
  timeout_extended,
  timeout_fired,
  bound,
  unbind,
  fw_request,
  fw_done,
  fw_cb_end,
  module_request,
  module_load,
  module_init_done,
  work_queue,
  work_start,
  work_end,
  component_add,
  component_del,
  card_bind_start,
  card_bind_end,
  snd_card_register,
  resource,
  resume,
  device_link,
  extension,  // "x-..." event kinds: kept verbatim, ignored by the model
};
inline constexpr size_t kEventKindCount = static_cast<size_t>(EventKind::extension) + 1;

// Normalised outcome of a probe attempt (probe_end.outcome).
enum class ProbeOutcome : uint8_t { bound, deferred, failed, rejected };
std::string_view to_string(ProbeOutcome o);
std::optional<ProbeOutcome> probe_outcome_from(std::string_view s);

// Where a field's value lives inside Event. Each kind maps its JSON field
// names onto these slots; a slot is used at most once per kind.
enum class Slot : uint8_t { dev, drv, name, s2, s3, num, id, list, flag };
inline constexpr size_t kSlotCount = 9;

enum class FieldType : uint8_t {
  dev_ref,   // name of a known device (declared by device_add or the header)
  dev_decl,  // name of a device being declared (device_add)
  str,
  i64,
  u64,
  boolean,
  str_list,
  outcome,  // bound|deferred|failed|rejected
  fw_mode,  // sync|nowait
};

struct FieldSpec {
  std::string_view name;
  FieldType type;
  Slot slot;
  bool required;
  std::string_view doc;
};

struct EventSpec {
  EventKind kind;
  std::string_view name;
  std::span<const FieldSpec> fields;
  std::string_view doc;
};

const EventSpec& event_spec(EventKind k);
std::span<const EventSpec> all_event_specs();
std::optional<EventKind> event_kind_from(std::string_view name);
std::string_view to_string(EventKind k);

using StrId = uint32_t;  // index into the trace's StringTable; 0 = absent
using DevId = uint32_t;  // index into Trace::devices
inline constexpr DevId kNoDev = UINT32_MAX;

// Compact event: 64 bytes. Field meaning depends on kind (see kEventSpecs).
struct Event {
  uint64_t t = 0;     // ns, trace clock
  uint64_t id = 0;    // work / firmware request / module request id, trigger count
  int64_t num = 0;    // ret, secs, card index
  uint32_t line = 0;  // 1-based source line (0 = built in memory)
  int32_t cpu = -1;
  int32_t tid = -1;
  StrId comm = 0;
  DevId dev = kNoDev;
  StrId drv = 0;
  StrId name = 0;
  StrId s2 = 0;
  StrId s3 = 0;
  uint32_t list = 0;  // index into Trace::lists (0 = empty list)
  EventKind kind = EventKind::extension;
  ProbeOutcome outcome = ProbeOutcome::failed;  // probe_end only
  uint8_t present = 0;                          // bit per optional numeric/bool slot: kHasNum, kHasId, kHasFlag
  bool flag = false;                            // boolean field; fw_request: true = nowait
  bool inferred = false;                        // produced by inference (importer), not observed

  static constexpr uint8_t kHasNum = 1, kHasId = 2, kHasFlag = 4;
  bool has_num() const { return present & kHasNum; }
  bool has_id() const { return present & kHasId; }
  bool has_flag() const { return present & kHasFlag; }
};
static_assert(sizeof(Event) <= 72, "keep events compact");

}  // namespace reprobe
