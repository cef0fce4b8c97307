// Canonical writer for reprobe trace format v1. Every producer (tracer,
// importer, scenario builder) writes through it, so equal traces are equal
// bytes: fixed key order (t, cpu, tid, comm, ev, the kind's fields in schema
// order, inferred, x- fields sorted), one event per line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "replayer/trace/error.h"
#include "replayer/trace/trace.h"

namespace reprobe {

// Canonical header line, or an Error (no path or line: the caller knows where the header came
// from) on a malformed header.
Result<std::string> canonical_header_line(const nlohmann::ordered_json& header);
// Canonical event line from a JSON object with "ev" and "t", or an Error naming the problem
// (unknown kind or field, bad type).
Result<std::string> canonical_event_line(const nlohmann::ordered_json& event);
// Canonical line for an event of a parsed trace.
std::string canonical_event_line(const Trace& trace, const Event& event);
nlohmann::ordered_json event_to_json(const Trace& trace, const Event& event);

class TraceWriter {
 public:
  explicit TraceWriter(std::ostream& out) : out_(out) {}
  // Both write nothing and return the error of canonical_*_line() on a malformed input.
  Result<void> header(const nlohmann::ordered_json& header);
  Result<void> event(const nlohmann::ordered_json& event);
  void event(const Trace& trace, const Event& event);
  void end(uint64_t dropped, uint64_t lost, std::optional<uint64_t> t = std::nullopt,
           const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());
  void flush() { out_.flush(); }
  uint64_t events_written() const { return events_; }

 private:
  std::ostream& out_;
  uint64_t events_ = 0;
};

// Header of a parsed trace with devices/drivers regenerated from its tables.
nlohmann::ordered_json trace_header_json(const Trace& trace);
// Writes a whole parsed trace canonically.
Result<void> write_trace(const Trace& trace, std::ostream& out);

// Writes `path` through a temporary file in the same directory (`path.tmp.PID`) and renames
// it into place, so a failure never leaves a half-written file. "-" = stdout; devices and
// FIFOs are written in place. Replacing a file keeps its mode. A failed write names the
// reason (strerror: "No space left on device").
Result<void> write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& body);

// Async-signal-safe: unlinks the temporary files of the write_file_atomically() calls in
// progress (for a SIGINT/SIGTERM/SIGHUP handler, which then re-raises). Returns how many.
size_t remove_pending_temp_files();

}  // namespace reprobe
