// The trace reader's fast path: one event line read with simdjson On-Demand
// (no DOM tape), into plain values and views, without touching the trace.
// It accepts only what the full (DOM) path would accept and read the same way:
// anything else (a syntax or type error, duplicate, unknown or "x-" keys, an
// extension event, the end line, escaped keys) is declined, and the reader
// then reads the line with its full parser, which gives the diagnostics.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "replayer/trace/string_table.h"
#include "replayer/trace/trace_event.h"

namespace reprobe {

struct ScannedField {
  std::string_view str;  // str, dev_decl, dev_ref, outcome, fw_mode
  uint64_t u64 = 0;
  int64_t i64 = 0;
  bool flag = false;
  uint32_t list_begin = 0, list_end = 0;  // str_list: range of ScannedLine::list_items
};

struct ScannedLine {
  static constexpr size_t kMaxFields = 8;
  static constexpr uint8_t kComm = 0xff;  // in `order`: the comm field
  const EventSpec* spec = nullptr;
  EventKind kind = EventKind::extension;
  std::string_view ev;
  uint64_t t = 0, cpu = 0, tid = 0;
  bool has_t = false, has_cpu = false, has_tid = false, has_comm = false, has_inferred = false;
  bool inferred = false;
  std::string_view comm;
  uint32_t seen = 0;                            // bit per spec field
  std::array<ScannedField, kMaxFields> fields;  // by spec field index
  // Keys that intern strings, in line order (spec field index or kComm): interning in
  // that order gives the same string ids as the full path.
  std::array<uint8_t, kMaxFields + 1> order{};
  uint8_t order_size = 0;
  std::vector<std::string_view> list_items;
};

class TraceLineScanner {
 public:
  TraceLineScanner();
  // `capacity`: readable bytes from `line` (at least size + SIMDJSON_PADDING).
  // The views in `out` stay valid until the next scan().
  bool scan(std::string_view line, size_t capacity, ScannedLine& out);

 private:
  simdjson::ondemand::parser parser_;
  StringTable kind_names_;               // event names, interned once
  std::vector<EventKind> kind_by_name_;  // by kind_names_ id (0: not an event name)
};

}  // namespace reprobe
