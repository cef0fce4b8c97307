// What each deferred device was waiting for, with the evidence for it:
// deferral reasons first, otherwise the resource arrivals that separate its
// last deferred attempt from its successful one. Ambiguity is recorded, not
// hidden.
#include <fmt/format.h>
#include <algorithm>

#include "replayer/model/model.h"
#include "replayer/trace/kernel_vocabulary.h"

namespace reprobe {

namespace {

std::string fmt_ms(uint64_t ns) { return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6); }

}  // namespace

void infer_needs(Model& m) {
  const Trace& tr = *m.trace;
  auto first_arrival = [&](uint32_t res) -> const Arrival* {
    for (const auto& a : m.arrivals)
      if (!a.removal && std::find(a.resources.begin(), a.resources.end(), res) != a.resources.end()) return &a;
    return nullptr;
  };
  auto describe_arrival = [&](const Arrival& a) {
    std::string who = a.provider != kNoDev
                          ? fmt::format("{} context of {}", to_string(m.contexts[a.ctx].kind), m.dev_label(a.provider))
                          : std::string("an exogenous context");
    return fmt::format("appeared at {} ({}, line {})", fmt_ms(a.t), who, tr.events[a.event].line);
  };

  for (auto& dm : m.devices) {
    std::vector<std::pair<uint32_t, uint32_t>> atts;  // (attempt, binding)
    for (uint32_t b : dm.bindings)
      for (uint32_t a : m.bindings[b].attempts) atts.emplace_back(a, b);
    std::sort(atts.begin(), atts.end());
    bool any_deferred = false;
    int success = -1;
    for (size_t i = 0; i < atts.size(); ++i) {
      const auto& a = m.attempts[atts[i].first];
      if (a.outcome == ProbeOutcome::deferred) any_deferred = true;
      if (a.outcome == ProbeOutcome::bound && success < 0) success = static_cast<int>(i);
    }
    if (!any_deferred) {
      dm.need_mode = Evidence::none;
      continue;
    }
    // 1. Reasons.
    std::vector<std::string> unparsed;
    for (const auto& [ai, bi] : atts) {
      const auto& a = m.attempts[ai];
      if (a.outcome != ProbeOutcome::deferred) continue;
      for (StrId r : a.reasons) {
        const std::string text(tr.str(r));
        auto res = resource_from_reason(text);
        if (!res) {
          if (std::find(unparsed.begin(), unparsed.end(), text) == unparsed.end()) unparsed.push_back(text);
          continue;
        }
        const uint32_t rid = m.add_resource(*res);
        if (std::any_of(dm.needs.begin(), dm.needs.end(), [&](const Need& n) { return n.resource == rid; })) continue;
        const Arrival* arr = first_arrival(rid);
        dm.needs.push_back(
            Need{rid, Evidence::reason,
                 fmt::format("reason '{}' (line {}); {}", text, tr.events[a.start_event].line,
                             arr ? describe_arrival(*arr) : std::string("it never appears in the trace"))});
      }
    }
    if (!dm.needs.empty()) {
      dm.need_mode = Evidence::reason;
      continue;
    }
    // 2. Separation between the last deferral and the success.
    if (success > 0) {
      int last_def = -1;
      for (int i = 0; i < success; ++i)
        if (m.attempts[atts[i].first].outcome == ProbeOutcome::deferred) last_def = i;
      if (last_def < 0) {  // every deferral came after the first success: replay by attempt count
        dm.need_mode = Evidence::count;
        const auto& b = m.bindings[atts[success].second];
        dm.count_success_after =
            static_cast<int>(std::find(b.attempts.begin(), b.attempts.end(), atts[success].first) - b.attempts.begin());
        continue;
      }
      const auto& ad = m.attempts[atts[last_def].first];
      const auto& as = m.attempts[atts[success].first];
      const uint64_t lo = ad.start + ad.lookup_offset.value_or(m.bindings[atts[last_def].second].lookup_offset);
      const uint64_t hi = as.start + m.bindings[atts[success].second].lookup_offset;
      const std::string self = "device:" + m.dev_label(dm.dev);
      std::vector<const Arrival*> strong, binds;
      for (const auto& a : m.arrivals) {
        if (a.removal || a.t <= lo || a.t > hi) continue;
        if (a.is_bind) {
          if (m.resource_name(a.resources[0]) != self) binds.push_back(&a);
        } else {
          strong.push_back(&a);
        }
      }
      const auto& pick = strong.empty() ? binds : strong;
      const std::string reasons_note =
          unparsed.empty() ? std::string() : fmt::format(" (unmatched reason: '{}')", unparsed.front());
      if (pick.size() == 1) {
        dm.need_mode = Evidence::separation;
        dm.needs.push_back(
            Need{pick[0]->resources[0], Evidence::separation,
                 fmt::format("only arrival between the last deferral ({}) and the successful probe ({}); {}{}",
                             fmt_ms(lo), fmt_ms(hi), describe_arrival(*pick[0]), reasons_note)});
        continue;
      }
      if (pick.size() > 1) {
        dm.need_mode = Evidence::ambiguous;
        for (const Arrival* a : pick)
          dm.needs.push_back(
              Need{a->resources[0], Evidence::ambiguous,
                   fmt::format("one of {} arrivals between the last deferral ({}) and the success ({}); "
                               "all are assumed needed; {}{}",
                               pick.size(), fmt_ms(lo), fmt_ms(hi), describe_arrival(*a), reasons_note)});
        continue;
      }
      dm.need_mode = Evidence::count;
      // Index of the success within its binding.
      const auto& b = m.bindings[atts[success].second];
      dm.count_success_after =
          static_cast<int>(std::find(b.attempts.begin(), b.attempts.end(), atts[success].first) - b.attempts.begin());
      continue;
    }
    // 3. Never bound.
    if (!unparsed.empty()) {
      dm.need_mode = Evidence::reason;
      for (const auto& text : unparsed)
        dm.needs.push_back(Need{m.add_resource("reason:" + text), Evidence::reason,
                                fmt::format("reason '{}' names no resource reprobe can match to a provider", text)});
      continue;
    }
    dm.need_mode = Evidence::unknown;
  }
}

}  // namespace reprobe
