#include "replayer/explore/schedule_trace.h"

#include "replayer/trace/trace_writer.h"

namespace reprobe {

void write_schedule_trace(const Trace& trace, const ExploreSchedule& schedule, std::ostream& out) {
  Trace copy = trace;
  nlohmann::ordered_json x = nlohmann::ordered_json::object();
  x["from"] = trace.source;  // the reader already resolved an explore trace's producer
  x["policy"] = schedule.policy;
  x["jitter_ns"] = schedule.jitter_ns;
  x["choices"] = schedule.choices;
  copy.header["source"] = "explore";
  copy.header["explore"] = x;
  (void)write_trace(copy, out);  // the header came from a trace the reader accepted: well-formed
}

}  // namespace reprobe
