#include "replayer/trace/scenario_builder.h"

#include <sstream>

#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"

namespace reprobe {

using json = nlohmann::ordered_json;

ScenarioBuilder::ScenarioBuilder(std::string name, std::string kernel_release, std::string description) {
  header_["format"] = "reprobe-trace";
  header_["version"] = 1;
  header_["source"] = "synthetic";
  header_["kernel"] = json::object({{"release", kernel_release}});
  header_["clock"] = "boottime_ns";
  header_["hooks"] = json::object();
  header_["scenario"] = name;
  if (!description.empty()) header_["description"] = description;
}

void ScenarioBuilder::existing_device(const std::string& dev, const std::string& bus, const std::string& driver) {
  json d = json::object({{"dev", dev}, {"bus", bus}});
  if (!driver.empty()) d["driver"] = driver;
  header_["devices"].push_back(d);
}

void ScenarioBuilder::existing_driver(const std::string& drv, const std::string& bus) {
  header_["drivers"].push_back(json::object({{"drv", drv}, {"bus", bus}}));
}

ScenarioBuilder& ScenarioBuilder::at(uint64_t t, const Task& task) {
  t_ = t;
  task_ = task;
  return *this;
}

ScenarioBuilder& ScenarioBuilder::ev(const std::string& kind, json fields) {
  json e = json::object();
  e["t"] = t_;
  if (task_.cpu >= 0) e["cpu"] = task_.cpu;
  if (task_.tid >= 0) e["tid"] = task_.tid;
  if (!task_.comm.empty()) e["comm"] = task_.comm;
  e["ev"] = kind;
  for (auto& [k, v] : fields.items()) e[k] = v;
  events_.push_back(std::move(e));
  return *this;
}

void ScenarioBuilder::trigger(uint64_t t, const Task& task, const std::string& cause) {
  at(t, task).ev("trigger", {{"cause", cause}, {"count", ++trigger_count_}});
}

void ScenarioBuilder::probe(uint64_t start, uint64_t end, const Task& task, const std::string& dev,
                            const std::string& drv, int ret, const std::string& reason, bool card) {
  const char* outcome = ret == 0                    ? "bound"
                        : ret == -517               ? "deferred"
                        : (ret == -19 || ret == -6) ? "rejected"
                                                    : "failed";
  at(start, task).ev("probe_start", {{"dev", dev}, {"drv", drv}});
  const uint64_t span = end > start ? end - start : 0;
  if (card) at(start + span / 4, task).ev("card_bind_start", {{"dev", dev}});
  if (!reason.empty()) at(start + span / 2, task).ev("defer_reason", {{"dev", dev}, {"reason", reason}});
  if (card) at(start + 3 * span / 4, task).ev("card_bind_end", {{"dev", dev}, {"ret", ret}});
  at(end, task).ev("probe_end", {{"dev", dev}, {"drv", drv}, {"ret", ret}, {"outcome", outcome}});
  if (ret == 0) {
    at(end, task).ev("bound", {{"dev", dev}, {"drv", drv}});
    trigger(end, task, "bound");
  } else if (ret == -517) {
    at(end, task).ev("defer_add", {{"dev", dev}});
  }
}

Result<std::string> ScenarioBuilder::text(uint64_t end_t) const {
  std::ostringstream os;
  TraceWriter w(os);
  const std::string name = header_.value("scenario", std::string("scenario")) + ".trace";
  auto at_line = [&](Error e, unsigned line) { return Error{name, line, std::move(e.message)}; };
  if (auto r = w.header(header_); !r) return at_line(r.take_error(), 1);
  // Stable by time: events emitted out of order (helpers) are sorted, ties keep emission order.
  std::vector<const json*> order;
  for (const auto& e : events_) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(),
                   [](const json* a, const json* b) { return (*a)["t"].get<uint64_t>() < (*b)["t"].get<uint64_t>(); });
  unsigned line = 1;
  for (const json* e : order) {
    ++line;
    if (auto r = w.event(*e); !r) return at_line(r.take_error(), line);
  }
  w.end(0, 0, end_t);
  return os.str();
}

Result<Trace> ScenarioBuilder::build(uint64_t end_t) const {
  REPROBE_TRY_ASSIGN(const std::string text_, text(end_t));
  return read_trace_text(text_, header_.value("scenario", std::string("scenario")) + ".trace");
}

}  // namespace reprobe
