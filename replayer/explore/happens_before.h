// The happens-before relation between the execution contexts of a replay model
// (docs/explore.md, "What is ordered"): which pieces of a trace are causally
// ordered and which are concurrent, so free to run in another order on another
// boot. Derived from the model alone; the explorer relies on the same rules,
// which the simulator enforces by queueing an event only once its cause ran.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "replayer/model/model.h"

namespace reprobe {

// Why one context happens before another.
enum class HbRule : uint8_t {
  same_task,             // a synchronous call on one task: a loader's module init, a probe run inside it
  work_queued,           // queue_work() -> the work item runs
  firmware_callback,     // request_firmware_nowait() -> its callback
  probe_queued,          // a probe -> the work item or callback it queued (runs after it started)
  deferred_work_serial,  // retries run one at a time in deferred_probe_work_func()
  module_load_order,     // modules loaded by one loader task load one after the other
};
std::string_view to_string(HbRule r);

struct HbEdge {
  uint32_t from = 0, to = 0;  // Model::contexts
  HbRule rule = HbRule::same_task;
};

class HappensBefore {
 public:
  explicit HappensBefore(const Model& model);
  const std::vector<HbEdge>& edges() const { return edges_; }
  // a happens before b (transitively); a context is not before itself.
  bool ordered(uint32_t a, uint32_t b) const;
  // Neither happens before the other: another boot may run them in either order.
  bool concurrent(uint32_t a, uint32_t b) const { return a != b && !ordered(a, b) && !ordered(b, a); }
  // The edge a -> b, if one was derived directly (rule lookups for the tests and the words).
  const HbEdge* edge(uint32_t a, uint32_t b) const;
  // Pairs of non-root contexts that are concurrent (the interleavings a trace allows).
  size_t concurrent_pairs() const;

 private:
  void add(uint32_t from, uint32_t to, HbRule rule);
  const Model* model_;
  std::vector<HbEdge> edges_;
  std::vector<std::vector<uint32_t>> succ_;
  std::vector<std::vector<uint64_t>> reach_;  // transitive closure, one bitset row per context
};

}  // namespace reprobe
