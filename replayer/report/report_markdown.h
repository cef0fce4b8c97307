// `reprobe report --format markdown`: a report to paste into GitHub, GitLab,
// Launchpad or bugzilla (docs/report.md). Machine strings are code spans, long
// parts sit in <details> blocks, and the whole stays under
// ReportOptions::markdown_limit characters: the long parts are cut (top-N
// devices by deferrals, fewer stories, shorter lists) until it fits, and each
// cut says what it left out. Deterministic bytes.
#pragma once

#include <string>

#include "replayer/report/report_content.h"
#include "replayer/report/report_document.h"
#include "replayer/report/report_options.h"
#include "replayer/trace/trace.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

std::string format_report_markdown(const ReplayReport& report, const Trace& trace, const ReportOptions& opts);

// One document rendered as Markdown (no size control).
std::string render_markdown(const ReportDocument& doc);

}  // namespace reprobe
