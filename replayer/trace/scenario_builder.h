// Builds synthetic traces ("source":"synthetic") through the canonical
// writer. Used by tests and by examples/make_examples to write examples/.
//
//   ScenarioBuilder b("sof-late-component", "6.1.0-27-amd64");
//   const Task udev{400, "modprobe"};
//   b.at(ms(25), udev).ev("module_load", {{"module", "snd_sof_pci_intel_tgl"}});
//   b.probe(ms(25.0002), ms(25.0011), udev, "0000:00:1f.3", "sof-audio-pci-intel-tgl", 0);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "replayer/trace/error.h"
#include "replayer/trace/trace.h"

namespace reprobe {

struct Task {
  int tid = -1;
  std::string comm;
  int cpu = -1;
};

constexpr uint64_t ms(double v) { return static_cast<uint64_t>(v * 1e6 + 0.5); }
constexpr uint64_t sec(double v) { return static_cast<uint64_t>(v * 1e9 + 0.5); }

class ScenarioBuilder {
 public:
  ScenarioBuilder(std::string name, std::string kernel_release, std::string description = {});

  nlohmann::ordered_json& header() { return header_; }
  void existing_device(const std::string& dev, const std::string& bus, const std::string& driver = {});
  void existing_driver(const std::string& drv, const std::string& bus);

  // Sets the time and task of the next events.
  ScenarioBuilder& at(uint64_t t, const Task& task);
  // Emits one event at the current time/task; `fields` are the kind's fields.
  ScenarioBuilder& ev(const std::string& kind, nlohmann::ordered_json fields = nlohmann::ordered_json::object());

  // A whole probe attempt [start, end] as the kernel shows it: probe_start,
  // optional card bind and deferral reason, probe_end, then bound/defer_add.
  // outcome is derived from ret (0 bound, -517 deferred, -19/-6 rejected, else failed).
  void probe(uint64_t start, uint64_t end, const Task& task, const std::string& dev, const std::string& drv, int ret,
             const std::string& reason = {}, bool card = false);
  // trigger event with a cause; count is tracked here.
  void trigger(uint64_t t, const Task& task, const std::string& cause);

  // Canonical trace text with the end line, or the error of the first malformed event ("NAME.trace:LINE").
  Result<std::string> text(uint64_t end_t) const;
  Result<Trace> build(uint64_t end_t) const;

 private:
  nlohmann::ordered_json header_;
  std::vector<nlohmann::ordered_json> events_;
  uint64_t t_ = 0;
  Task task_;
  uint64_t trigger_count_ = 0;
};

}  // namespace reprobe
