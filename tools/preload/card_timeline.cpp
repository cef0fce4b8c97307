// The card's replayed appearance and removal (docs/preload.md, "The timeline").
#include "tools/preload/card_timeline.h"

#include <fmt/format.h>
#include <cmath>

namespace reprobe {

CardTimeline card_timeline(const Trace& trace, const PolicyVerdict& verdict, DevId target) {
  CardTimeline tl;
  tl.policy = verdict.policy.spec;
  tl.verdict = verdict.verdict;
  tl.origin = trace.events.empty() ? 0 : trace.events.front().t;
  const TargetOutcome* outcome = nullptr;
  for (const auto& t : verdict.targets)
    if (t.dev == target) outcome = &t;
  if (!outcome || outcome->verdict == Verdict::stranded) {
    tl.verdict = Verdict::stranded;
    tl.verdict_note = "stranded under " + tl.policy + ": the card never appears";
    return tl;
  }
  if (outcome->verdict == Verdict::undetermined) {
    tl.verdict_note = "undetermined under " + tl.policy + " (the trace leaves open whether the card binds";
    for (const auto& why : outcome->undetermined) tl.verdict_note += "; " + why;
    tl.verdict_note += "): the card is not added";
    return tl;
  }
  const uint64_t at = outcome->card_at.value_or(outcome->bound_at.value_or(0));
  tl.events.push_back(
      CardEvent{at, CardChange::add,
                fmt::format("replayed {} ({})", outcome->card_at ? "card registration" : "bind", tl.policy)});
  for (const auto& e : trace.events)
    if (e.dev == target && e.t > at && (e.kind == EventKind::unbind || e.kind == EventKind::device_del)) {
      tl.events.push_back(
          CardEvent{e.t, CardChange::remove, fmt::format("observed {} (trace line {})", to_string(e.kind), e.line)});
      break;
    }
  return tl;
}

Result<uint64_t> parse_trace_time(const std::string& text) {
  const auto bad = [&] {
    return Error{"", 0,
                 "--at '" + text +
                     "': expected a time on the trace's clock such as 16.4s, 16400ms, 16400000us, "
                     "16400000000ns or 16.4 (seconds)"};
  };
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return bad();
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1e9;
  if (unit == "ms") scale = 1e6;
  if (unit == "us") scale = 1e3;
  if (unit == "ns") scale = 1;
  if (scale == 0 || !std::isfinite(value) || value < 0 || value * scale > 1.8e19) return bad();
  return static_cast<uint64_t>(std::llround(value * scale));
}

}  // namespace reprobe
