// The Redactor a report or export uses: a trace may have been recorded with
// --no-redact (or come from another tool), so reports scrub again at report
// time. Private names are the ones given (ReportOptions::host_names,
// user_names: `reprobe report` passes this machine's) plus the ones the trace
// itself reveals: host names under snapshot keys such as "hostname" or
// "nodename", user names from /home/NAME paths and user=NAME tokens anywhere
// in the header or end line. Disabled (the identity) without
// ReportOptions::redact.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "replayer/report/report_options.h"
#include "replayer/trace/redact.h"
#include "replayer/trace/trace.h"

namespace reprobe {

Redactor report_redactor(const Trace& trace, const ReportOptions& opts);

// The header's machine description, redacted once with `red` for every report
// format (Markdown, text and HTML show these values, never the raw header):
// the snapshot, the end line's snapshot, the kernel object, and the kernel
// command line (snapshot cmdline.raw, else kernel.cmdline). The walks are
// iterative; the copies (nlohmann's copy is recursive) are of a header the
// reader has bounded to ReadLimits::max_nesting.
struct RedactedHeader {
  nlohmann::ordered_json kernel;        // header "kernel" (an object)
  nlohmann::ordered_json snapshot;      // header "snapshot", or null
  nlohmann::ordered_json end_snapshot;  // end line "snapshot", or null
  std::string cmdline;
};
RedactedHeader redacted_header(const Trace& trace, Redactor& red);

}  // namespace reprobe
