// `reprobe report --format text`: the Markdown report's content as plain
// text for terminals and mail: no markup, prose wrapped at 100 columns, tables
// as aligned columns (numbers right-aligned), collapsed sections shown in
// full. The long parts are cut to the default caps (ReportCaps) and each cut
// says what it left out, but no overall size limit applies. Deterministic.
#pragma once

#include <string>

#include "replayer/report/report_document.h"
#include "replayer/report/report_options.h"
#include "replayer/trace/trace.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

std::string format_report_text(const ReplayReport& report, const Trace& trace, const ReportOptions& opts);

// One document rendered as plain text.
std::string render_text(const ReportDocument& doc);

}  // namespace reprobe
