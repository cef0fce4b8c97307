// In-memory form of a reprobe trace (format v1): header, device table and
// events, all string fields interned. Built by TraceReader or TraceBuilder,
// written by TraceWriter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "replayer/trace/string_table.h"
#include "replayer/trace/trace_event.h"

namespace reprobe {

// A kernel log imported without any timestamp gets this clock: t = its input line number times
// kLogLineNs (header x-import.clock "synthetic ..."); reports print "line N", never a time.
inline constexpr uint64_t kLogLineNs = 1'000'000;

// One device instance. A name reused after device_del gets a new instance
// (instance 2, 3, ...), so DevId stays stable for the whole trace.
struct DeviceInfo {
  StrId name = 0;
  StrId bus = 0;
  StrId parent = 0;
  StrId initial_driver = 0;  // header devices[].driver: bound before the capture started
  uint32_t instance = 1;
  uint32_t decl_line = 0;  // line of its device_add (0 = declared in the header)
  bool from_header = false;
};

// A driver registered before the capture started (header "drivers").
struct InitialDriver {
  StrId name = 0;
  StrId bus = 0;
  bool async = false;
};

struct TraceEnd {
  std::optional<uint64_t> t;
  uint64_t dropped = 0;
  uint64_t lost = 0;
  uint32_t line = 0;
};

struct Trace {
  std::string path;               // for diagnostics
  nlohmann::ordered_json header;  // whole header object as read/written
  std::string source;             // bpf|kmsg|dmesg|synthetic
  std::string kernel_release;
  StringTable strings;
  std::vector<DeviceInfo> devices;
  std::vector<InitialDriver> initial_drivers;
  std::vector<std::vector<StrId>> lists{{}};  // lists[0] is the empty list
  std::vector<std::string> extensions;        // raw JSON of x- events (Event::id indexes)
  std::vector<Event> events;
  std::optional<TraceEnd> end;
  nlohmann::ordered_json end_extra;  // end line fields besides ev/t/dropped/lost
  std::vector<std::string> warnings;

  std::string_view str(StrId id) const { return strings[id]; }
  std::string_view dev_name(DevId d) const { return d == kNoDev ? std::string_view() : strings[devices[d].name]; }
  // "name" or "name#2" for a reused name: unique and stable within the trace.
  std::string dev_label(DevId d) const;
  std::optional<DevId> find_device(std::string_view label) const;
  uint64_t last_time() const;
};

}  // namespace reprobe
