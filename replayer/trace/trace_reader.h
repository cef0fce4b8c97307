// Strict reader for reprobe trace format v1 (docs/trace-format.md).
// Every problem is an Error "path:line: what is wrong"; a trace without the
// end line is accepted with a warning (a killed recorder leaves a valid prefix).
#pragma once

#include <string>
#include <string_view>

#include "replayer/trace/error.h"
#include "replayer/trace/trace.h"

namespace reprobe {

struct ReadLimits {
  size_t max_line_bytes = 1 << 20;  // one event line
  size_t max_string_bytes = 4096;   // one string value
  size_t max_list_items = 4096;     // one string list
  uint64_t max_time_ns = uint64_t{1} << 62;
  size_t max_nesting = 32;  // objects and arrays within each other, in any line (docs/trace-format.md)
};

Result<Trace> read_trace_file(const std::string& path, const ReadLimits& limits = {});
// `label` is used as the path in diagnostics.
Result<Trace> read_trace_text(std::string_view text, const std::string& label, const ReadLimits& limits = {});

}  // namespace reprobe
