// Chrome trace-event JSON of a timeline model, for ui.perfetto.dev and
// chrome://tracing (docs/perfetto.md): one process for the observed capture
// and one per replayed policy, one thread (track) per lane, named by
// thread_name metadata. Probe attempts and deferred-work rounds are complete
// ("X") events that nest per track (one that would overlap another partially
// becomes an async b/e pair instead); deferrals and other marks are instant
// ("i") events with their text in args; every trigger -> retry it caused is
// a flow (s on the trigger, f binding to the retry's slice); firmware
// request -> callback is an async span. Timestamps are µs with ns precision
// ("25000200.000"). Deterministic bytes; strings pass the report Redactor.
#pragma once

#include <ostream>
#include <string>

#include "replayer/report/report_options.h"
#include "replayer/timeline/timeline.h"
#include "replayer/trace/trace.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

void write_perfetto_json(std::ostream& out, const TimelineModel& timeline, const ReplayReport& report,
                         const Trace& trace, const ReportOptions& opts);
std::string format_perfetto_json(const TimelineModel& timeline, const ReplayReport& report, const Trace& trace,
                                 const ReportOptions& opts);

}  // namespace reprobe
