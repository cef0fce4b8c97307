// Self-contained HTML report: one file with no network access (inline CSS and
// JS under a strict CSP), an SVG timeline with one lane per device built from
// the shared timeline model (replayer/timeline/timeline.h), a policy selector that
// overlays the counterfactual (replayed) timeline of a chosen policy on the
// observed one, the verdict table and the redacted machine/kernel summary.
// Large traces are aggregated per device so the page stays under
// ReportOptions::html_limit; the page says what was aggregated.
// docs/report-html.md describes the page.
#pragma once

#include <string>

#include "replayer/report/report_options.h"
#include "replayer/trace/trace.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

// `report` must come from replay() with ReplayOptions::keep_timelines set (so
// each PolicyVerdict carries its simulated timeline); without it the page
// shows the observed timeline only and says so. Deterministic bytes.
std::string format_report_html(const ReplayReport& report, const Trace& trace, const ReportOptions& opts);

}  // namespace reprobe
