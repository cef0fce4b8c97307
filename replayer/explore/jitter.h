// The jitter of `reprobe explore` (docs/explore.md, "Timing"): how much later than modelled
// each kind of event may run, in ms or as a share of the observed duration it stands for.
// `--jitter 1` gives every kind 1 ms; `--jitter 1,work=2,fw=10%` overrides some kinds. The
// explorer asks window() for each candidate that would delay an earlier one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "replayer/model/simulator.h"
#include "replayer/trace/error.h"

namespace reprobe {

// The kinds of events a window applies to.
enum class JitterKind : uint8_t {
  probe,  // a probe's start, its decision and return, and what it does synchronously
  work,   // a work item's actions, and the provider kick that ends it
  fw,     // a firmware callback's actions (the firmware load before it)
  task,   // userspace and module loads: the trace's own tasks (device_add, driver_register, module init)
  timer,  // the deferred-probe timeout and the periodic trigger
};
inline constexpr size_t kJitterKindCount = 5;
std::string_view to_string(JitterKind k);

struct Jitter {
  std::array<uint64_t, kJitterKindCount> ns{};  // per kind, when no share is given
  // per kind, a share of the observed duration (0.1 = 10 %), replacing ns; negative: unset
  std::array<double, kJitterKindCount> share{-1, -1, -1, -1, -1};

  static Jitter uniform(uint64_t ns);
  // "MS" or "MS,KIND=MS,KIND=P%" or "KIND=…,…" (kinds not named keep MS, or 0 without it).
  static Result<Jitter> parse(std::string_view spec);
  bool is_uniform() const;
  // How long `item` may wait past its due time: its kind's ms, or its share of the observed
  // duration of the context, probe or delay it belongs to (0 when the trace has none).
  uint64_t window(const Simulator& sim, const QItem& item) const;
  // The largest window any event of the model can get (the explorer's choices_within bound).
  uint64_t max_window(const Model& model) const;
  // The spec in canonical form ("1 ms" when uniform, else "probe=1 ms, work=10%, …").
  std::string str() const;
};

JitterKind jitter_kind(const Simulator& sim, const QItem& item);

}  // namespace reprobe
