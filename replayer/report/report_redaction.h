// The Redactor a report or export uses: a trace may have been recorded with
// --no-redact (or come from another tool), so reports scrub again at report
// time. Private names are the ones given (ReportOptions::host_names,
// user_names: `reprobe report` passes this machine's) plus the ones the trace
// itself reveals: host names under snapshot keys such as "hostname" or
// "nodename", user names from /home/NAME paths and user=NAME tokens anywhere
// in the header or end line. Disabled (the identity) without
// ReportOptions::redact.
#pragma once

#include "replayer/report/report_options.h"
#include "replayer/trace/redact.h"
#include "replayer/trace/trace.h"

namespace reprobe {

Redactor report_redactor(const Trace& trace, const ReportOptions& opts);

}  // namespace reprobe
