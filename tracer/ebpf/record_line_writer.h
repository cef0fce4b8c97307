// Canonical trace lines straight from the eBPF decoder's DecodedEvent, with
// redaction, without building a JSON tree per event (`reprobe record`'s hot
// path). The bytes are exactly
//   canonical_event_line(redactor.scrubbed(event.to_json())) + "\n"
// (replayer/trace/trace_writer.h): same key order (t, cpu, tid, comm, ev, the
// kind's fields in schema order, inferred, x- fields sorted), same string
// escaping as nlohmann::json::dump(). Redaction goes through
// Redactor::scrub_string() once per distinct string (device, driver, comm and
// firmware names repeat constantly) with the results cached until the
// Redactor learns a new private name. Anything unusual (unknown kind or key,
// wrong type, serial-like key, invalid UTF-8) takes the slow JSON path, which
// also raises the same errors. Tested byte-for-byte against the slow path in
// tests/unit/record_line_writer_test.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "replayer/trace/error.h"
#include "replayer/trace/redact.h"
#include "replayer/trace/trace_event.h"
#include "tracer/ebpf/decoded_event.h"

namespace reprobe {

// Appends `s` as a JSON string literal exactly as nlohmann::json::dump()
// writes it (ensure_ascii off: \" \\ \b \f \n \r \t, other control bytes as
// \u00xx, UTF-8 and DEL as is). False, with `out` unchanged, if `s` is not
// valid UTF-8 (dump() throws type_error 316 then).
bool append_json_string(std::string_view s, std::string& out);

class RecordLineWriter {
 public:
  // `redactor` (disabled = no redaction) must outlive the writer and is
  // shared with the header and end-line snapshots.
  explicit RecordLineWriter(Redactor& redactor);

  // Appends the canonical line of `e` and '\n' to `out`, or returns the error of
  // canonical_event_line() (or of JSON serialisation, e.g. invalid UTF-8) for an event it
  // rejects; `out` is then unchanged.
  Result<void> append(const DecodedEvent& e, std::string& out);

  uint64_t fast_lines() const { return fast_; }
  uint64_t slow_lines() const { return slow_; }

 private:
  bool append_fast(const DecodedEvent& e, std::string& out);
  const std::string& scrubbed(const std::string& s);

  Redactor& redactor_;
  bool redact_;
  bool serial_keys_;                                     // redactor replaces serial-like keys whole
  std::array<bool, kEventKindCount> kind_has_serial_{};  // a schema field name looks serial-like
  std::unordered_map<std::string, std::string> cache_;   // raw -> scrubbed
  std::size_t names_known_ = 0;
  uint64_t fast_ = 0, slow_ = 0;
};

}  // namespace reprobe
