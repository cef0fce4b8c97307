// Kernel log -> reprobe trace (`reprobe import`, and the live kmsg backend
// of `reprobe record`). Lines go through log_line_prefix (timestamps and
// prefixes), log_message_map (what a message says), then this assembler:
// per-device probe state, attempts inferred where the log does not show them,
// devices declared before their first use, times made non-decreasing, and a
// header that says what the log could not show (`unobserved`). What is
// inferred and why: docs/import.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "replayer/trace/error.h"
#include "replayer/trace/redact.h"
#include "replayer/trace/trace_event.h"
#include "tracer/import/log_input.h"
#include "tracer/import/log_line_prefix.h"
#include "tracer/import/log_message_map.h"

namespace reprobe {

// Why a line produced no event (counted; `--explain` prints the counts).
enum class SkipKind : uint8_t {
  blank,
  other_message,         // a kernel message that says nothing about probing
  other_program,         // syslog/journal line of another program
  elision,               // "...", "[...]", "<snip>"
  oops,                  // oops/WARN fragment (Call Trace, RIP:, frames)
  console_echo,          // shell prompt or command echoed in front of a kernel message
  wrapped,               // continuation of a line hard-wrapped by e-mail (joined to the previous line)
  kmsg_continuation,     // /dev/kmsg " SUBSYSTEM=" / " DEVICE=" lines (used for bus names)
  journal_marker,        // "-- Boot ... --", "-- Logs begin at ... --", "-- Reboot --"
  driver_core_unparsed,  // looks like drivers/base output but does not parse (--strict fails)
  earlier_boot,          // lines of an earlier boot in the same input (only the last boot is imported)
  later_boot,            // lines after the boot chosen with --boot N
  count_,
};
std::string_view to_string(SkipKind k);

struct ImportOptions {
  std::string source = "dmesg";  // header "source": dmesg (file import) or kmsg (live)
  std::string kernel;   // --kernel: a release (6.1.0-27-amd64) or a profile (5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12)
  bool strict = false;  // fail on driver-core lines that do not parse
  bool redact = true;
  uint64_t boot = 0;  // --boot N: import the Nth boot of the input (1 = the first); 0: the last
  // Distinct devices of one boot held in memory (~1.2 KB each while the boot is imported);
  // more fail the import (docs/import.md, "Limits").
  uint64_t max_devices = 1000000;
  // Called for every event written with the input position that produced it (--explain).
  std::function<void(const std::string& where, const std::string& event_line)> explain;
};

struct ImportStats {
  uint64_t lines = 0;       // physical input lines
  uint64_t messages = 0;    // messages after splitting and joining
  uint64_t recognised = 0;  // messages that produced or informed an event
  uint64_t events = 0;      // events written
  uint64_t inferred = 0;    // of which inferred
  uint64_t boots = 1;       // boots seen in the input
  // The boot imported (1 = the first): --boot N, or the last boot that shows a failure (line or deferral)
  // when the last boot shows none (imported_because says so); 0 = the last boot.
  uint64_t imported_boot = 0;
  std::string imported_because;
  uint64_t backwards = 0;  // timestamps that went backwards (clamped)
  // Lines skipped and counted in the end line's `lost`: a timestamp that is not a time
  // ("[nan]", 11+ digits of seconds), a message naming something longer than a trace string.
  uint64_t bad_timestamps = 0;
  uint64_t overlong = 0;
  std::string first_bad_timestamp, first_overlong;  // "file:line: what" of the first of each
  // Texts kept but cut: redaction made them longer than a trace string (not lost, not skipped).
  uint64_t clipped = 0;
  std::string first_clipped;
  std::array<uint64_t, static_cast<size_t>(SkipKind::count_)> skipped{};
  std::map<std::string, uint64_t, std::less<>> recognised_by_kind;
};

class LogImporter {
 public:
  explicit LogImporter(ImportOptions options);
  ~LogImporter();
  LogImporter(const LogImporter&) = delete;
  LogImporter& operator=(const LogImporter&) = delete;

  // Reads every line of `in`. Errors: the input's own (binary data, huge
  // line, corrupt compression) and, with strict, "label:line: ..." for an
  // unparsable driver-core line.
  Result<bool> import(LogInput& in);
  // One physical line; `label`/`line_no` name it in errors and --explain.
  Result<bool> feed(std::string_view raw, std::string_view label, uint64_t line_no);

  // File import: the complete trace (header, events, end line) after every input was fed.
  void write_trace(std::ostream& out);

  // Live capture (kmsg backend): header written first from what is known,
  // events flushed as they become final.
  nlohmann::ordered_json header_json();
  // Writes buffered events with t <= upto_ns (later events never go before them).
  void flush_events(std::ostream& out, uint64_t upto_ns);
  // Closes open inferred attempts and writes everything still buffered.
  void finish_events(std::ostream& out);
  uint64_t last_time() const;

  const ImportStats& stats() const;
  // What was skipped with a loss (bad timestamps, over-long names): one line each, naming the
  // first such input line ("file:line: ...") and how many there were; empty when nothing was lost.
  std::vector<std::string> warnings() const;
  // Per-kind counts of recognised messages and skipped lines, for --explain.
  std::string summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reprobe
