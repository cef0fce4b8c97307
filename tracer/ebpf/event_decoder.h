// Raw BPF ring-buffer records (bpf/reprobe_abi.h) -> trace format v1 events
// (docs/trace-format.md), ready for TraceWriter::event().
//
// * Reorder window: the ring buffer is filled by all CPUs, so its order is not
//   time order. Records are held until they are older than the window
//   (default 50 ms) and released sorted by (ts, arrival); a record that still
//   arrives later than something already released is clamped to the last
//   written time and counted (stats().clamped).
// * Device identity: the decoder knows the devices present at start; a
//   device_add for a name already present is dropped (counted), a reference to
//   a device never seen gets a synthesized {"ev":"device_add",...,"inferred":true}
//   right before it. device_del of a device never known is dropped.
// * Ids: firmware requests, module requests and work items get per-trace
//   sequential ids; kernel pointers never reach the output (KASLR).
// * probe_end: really_probe's raw return is normalised per kernel convention
//   (>= 5.14: 0 bound, +errno from ->probe, -errno pre-probe; <= 5.13: 1 bound,
//   0 = failed or deferred, told apart by a deferral seen during the attempt).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "bpf/reprobe_abi.h"
#include "tracer/ebpf/decoded_event.h"

namespace reprobe {

struct DecoderOptions {
  // true: really_probe convention of kernels >= 5.14 (BTF has __driver_probe_device).
  bool new_probe_convention = true;
  // dev_name()s present when the capture started (the header's devices).
  std::vector<std::string> initial_devices;
  uint64_t reorder_window_ns = 50'000'000;
  // false when _request_firmware's return is not hooked: fw_done for a
  // nowait request is then written when its work starts (ret 0).
  bool fw_loaded_hooked = true;
  // Kernel text address -> symbol ("" if unknown). Used for work functions and
  // firmware callbacks; never print the address itself.
  std::function<std::string(uint64_t)> symbolize;
};

struct DecoderStats {
  uint64_t records = 0;           // raw records accepted
  uint64_t events = 0;            // trace events emitted (synthesized ones included)
  uint64_t clamped = 0;           // records later than an already written time
  uint64_t malformed = 0;         // records rejected by push() (size/abi/kind)
  uint64_t dup_device_add = 0;    // device_add of a device already present (dropped)
  uint64_t inferred_devices = 0;  // device_add synthesized for unknown devices
  uint64_t unnamed = 0;           // events dropped because the device had no name
  uint64_t unmatched = 0;         // completions without their start (fw_done, work_end, ...)
  uint64_t ignored = 0;           // records that map to no event (no-op defer_add, device_del of unknown, ...)
};

// One ring record (bpf/reprobe_abi.h) unpacked: header and its string items,
// made valid UTF-8 (absent items are empty).
struct RawRecord {
  rp_event hdr{};
  std::string dev, parent, bus, drv, str;
  std::vector<std::string> dais;  // COMPONENT_ADD: DAI names in order
  std::string sym;                // RP_S_SYM: the kernel's "%ps" of the record's code address
  std::string card;               // RP_S_CARD: COMPONENT_DEL: the device of the card it unbinds
};

// Unpacks one ring record. False if malformed: shorter than the header, size
// field larger than the record, wrong ABI version, unknown kind, an item
// running past the end or with an unknown field tag.
bool parse_raw_record(const void* data, size_t size, RawRecord* out);
// The bytes bpf/reprobe.bpf.c writes for `r` (empty strings are left out,
// strings truncated like the BPF side); sets size and abi. For tests and tools.
std::vector<uint8_t> encode_raw_record(const RawRecord& r);

class EventDecoder {
 public:
  using Sink = std::function<void(nlohmann::ordered_json)>;
  // Fast path: no JSON tree per event (tracer/ebpf/record_line_writer.h writes it).
  using EventSink = std::function<void(DecodedEvent&&)>;

  explicit EventDecoder(DecoderOptions opts);

  // Unpacks one raw ring record. Returns false (and counts it) if it is malformed.
  bool push(const void* data, size_t size);
  // Takes an unpacked record (its header's abi/size are not checked).
  bool push(RawRecord r);

  // Decodes and emits, in time order, every held record with ts <= now_ns - window.
  void flush(uint64_t now_ns, const Sink& sink);
  // Decodes and emits everything held (capture stops).
  void drain(const Sink& sink);
  // The same, events as DecodedEvent (Sink: DecodedEvent::to_json() of these).
  void flush_events(uint64_t now_ns, const EventSink& sink);
  void drain_events(const EventSink& sink);

  const DecoderStats& stats() const { return stats_; }
  // Records the decoder knows it lost or mangled: clamped + malformed.
  uint64_t lost() const { return stats_.clamped + stats_.malformed; }
  size_t held() const { return held_.size(); }
  uint64_t last_time() const { return last_t_; }

 private:
  struct Held {
    RawRecord r;
    uint64_t seq;
  };
  struct Attempt {
    bool saw_defer = false;
  };
  struct NowaitReq {
    uint64_t dev, context, cont, id;
    std::string name;
  };
  struct FwWork {
    uint64_t id = 0;
    bool done = false;
  };
  struct WorkIds {
    uint64_t queued = 0;
    uint64_t running = 0;
  };
  struct ModReq {
    std::string norm;
    uint64_t id;
    bool used = false;
  };

  void release(std::vector<Held>& batch, const EventSink& sink);
  void decode(const Held& h, uint64_t t, const EventSink& sink);
  // decode()'s handlers, one per record kind (rec: the record, t: its clamped time).
  // need_dev: ensure_device() for the record's device, counting it unnamed if it has none.
  bool need_dev(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_probe_start(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_probe_end(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_bound(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_unbind(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_defer_add(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_defer_del(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_defer_reason(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_trigger(const RawRecord& rec, uint64_t t, const EventSink& sink, uint32_t prev_kind);
  void on_timeout_extended(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_device_add(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_device_del(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_device_link(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_driver_register(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_driver_unregister(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_fw_request(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_fw_sync_done(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_fw_work_start(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_fw_loaded(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_fw_work_end(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_module_request(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_module_load(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_module_init_done(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_work_queue(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_work_start(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_work_end(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_component_add(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_component_del(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_card_bind_start(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_card_bind_end(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_snd_card_register(const RawRecord& rec, uint64_t t, const EventSink& sink);
  void on_asoc_missing(const RawRecord& rec, uint64_t t, const EventSink& sink);
  DecodedEvent base(const rp_event& e, uint64_t t, const char* ev) const;
  // Ensures `name` is a known device (synthesizing device_add); false if unnamed.
  bool ensure_device(const RawRecord& r, uint64_t t, const std::string& name, const EventSink& sink);
  void emit(DecodedEvent j, const EventSink& sink);
  // Name of the code address `addr` of record `r`: the kernel's own name
  // carried in the record (RP_S_SYM, without " [module]"), else the loader's
  // symbolizer (/proc/kallsyms), else "?".
  std::string sym(const RawRecord& r, uint64_t addr);
  // Names the kernel gave code addresses (RP_S_SYM) since the last module load/free.
  std::unordered_map<uint64_t, std::string> kernel_syms_;

  DecoderOptions opts_;
  DecoderStats stats_;
  // Records not yet released, ordered by (ts, arrival): hold() inserts from
  // the back (the ring delivers them almost in order), so a flush never sorts.
  std::deque<Held> held_;
  void hold(Held&& h);
  uint64_t seq_ = 0;
  uint64_t last_t_ = 0;

  std::set<std::string> known_;                       // ever declared (header or device_add)
  std::set<std::string> present_;                     // currently present
  std::unordered_map<uint64_t, Attempt> attempts_;    // struct device * -> probe in progress
  std::unordered_map<uint32_t, uint32_t> last_kind_;  // tid -> last raw kind decoded
  std::unordered_map<uint64_t, uint64_t> fw_sync_;    // cookie -> id
  std::deque<NowaitReq> fw_nowait_;
  std::unordered_map<uint64_t, FwWork> fw_work_;  // struct firmware_work * -> request
  std::unordered_map<uint64_t, WorkIds> works_;   // work_struct * -> ids
  std::vector<ModReq> mod_reqs_;
  uint64_t next_fw_id_ = 1, next_mod_id_ = 1, next_work_id_ = 1;
};

// Helpers exposed for tests and the loader.
// Bounded C string from a fixed char array, made valid UTF-8 (invalid bytes -> '?').
std::string raw_string(const char* p, size_t cap);
// Module name normalisation used to match module_request to module_load: '-' -> '_'.
std::string normalize_module_name(std::string_view s);
// probe_end ret/outcome from really_probe's raw return (saw_defer: a deferral
// was seen for the device during the attempt; only matters for <= 5.13).
struct ProbeResult {
  int64_t ret;
  const char* outcome;
  bool ambiguous;  // <= 5.13 "0": failed, reason unknown
};
ProbeResult normalize_probe_ret(int64_t raw, bool new_convention, bool saw_defer);

}  // namespace reprobe
