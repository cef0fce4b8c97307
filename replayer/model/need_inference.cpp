// What each deferred device was waiting for, learned from the whole observed
// run (docs/model.md §3): every resource its deferral reasons name (successive
// deferrals name successive missing resources), reasons in free text linked to
// resources only by the names they contain, and the arrivals that separate its
// last deferral from its success. What the evidence leaves open is kept as a
// NeedDoubt: the replay runs an optimistic and a pessimistic reading of it and
// calls a verdict undetermined where they disagree. Never a made-up resource.
#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "replayer/model/model.h"
#include "replayer/trace/kernel_vocabulary.h"

namespace reprobe {

namespace {

std::string fmt_ms(uint64_t ns) { return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6); }

// The hook that shows a resource of this kind appear (docs/trace-format.md, "hooks").
std::string_view hook_for(std::string_view resource_name) {
  if (resource_name.starts_with("component:") || resource_name.starts_with("dai:")) return "component_add";
  if (resource_name.starts_with("fw:")) return "fw_done";
  if (resource_name.starts_with("device:")) return "bound";
  return "resource";
}

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The words of a message, lowercased: runs of letters, digits, '-', '_', '.', ':' without a
// trailing '.' or ':' ("reprobe-dsp." -> "reprobe-dsp"; "2-0020" and "0000:00:1f.3" stay whole).
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word_char(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && word_char(text[j])) ++j;
    std::string_view w = text.substr(i, j - i);
    while (!w.empty() && (w.back() == '.' || w.back() == ':')) w.remove_suffix(1);
    if (w.size() >= 4) out.push_back(lower(w));
    i = j;
  }
  return out;
}

class NeedInference {
 public:
  explicit NeedInference(Model& m) : m_(m), tr_(*m.trace) {
    first_.assign(m_.resources.size(), kNone);
    for (uint32_t i = 0; i < m_.arrivals.size(); ++i)
      if (!m_.arrivals[i].removal)
        for (uint32_t r : m_.arrivals[i].resources)
          if (first_[r] == kNone) first_[r] = i;
    // Names a free-text reason may mention: resources that appear in the trace, and devices
    // that probed in it (a device named in a reason is waited for until it binds).
    for (const auto& a : m_.arrivals) {
      if (a.removal || a.is_bind) continue;
      for (uint32_t r : a.resources) {
        const std::string& n = m_.resource_name(r);
        const auto colon = n.find(':');
        if (colon != std::string::npos) add_candidate(n.substr(colon + 1), n);
      }
    }
    for (const auto& dm : m_.devices)
      if (dm.observed_attempts > 0) add_candidate(m_.dev_label(dm.dev), "device:" + m_.dev_label(dm.dev));
  }

  void run() {
    for (auto& dm : m_.devices) infer(dm);
    link_assumed_providers();
  }

 private:
  // A one-word name (names with spaces are the kernel vocabulary's business); the first
  // resource named so wins (a component before the device of the same name).
  void add_candidate(const std::string& bare, const std::string& resource) {
    if (bare.size() < 4 || std::any_of(bare.begin(), bare.end(), [](char c) { return !word_char(c); })) return;
    candidates_.try_emplace(lower(bare), resource);
  }

  const Arrival* first_arrival(uint32_t res) const {
    return res < first_.size() && first_[res] != kNone ? &m_.arrivals[first_[res]] : nullptr;
  }

  std::string describe_arrival(const Arrival& a) const {
    std::string who = a.provider != kNoDev ? fmt::format("{} context of {}", to_string(m_.contexts[a.ctx].kind),
                                                         m_.dev_label(a.provider))
                                           : std::string("an exogenous context");
    return fmt::format("appeared at {} ({}, line {})", fmt_ms(a.t), who, tr_.events[a.event].line);
  }

  // The resource a reason waits for: the kernel's own wording (kernel_vocabulary), else a
  // name from the trace that the text contains. Nothing when the text names nothing known.
  // `self` (the deferring device, whose name messages often carry) is never the answer.
  std::optional<std::pair<std::string, bool>> link(const std::string& text, const std::string& self) const {
    if (auto res = resource_from_reason(text)) return std::make_pair(*res, false);
    const std::string me = lower(self);
    for (const auto& w : words(text)) {
      if (w == me) continue;
      if (auto it = candidates_.find(w); it != candidates_.end()) return std::make_pair(it->second, true);
    }
    return std::nullopt;
  }

  static bool has_need(const std::vector<Need>& v, uint32_t r) {
    return std::any_of(v.begin(), v.end(), [&](const Need& n) { return n.resource == r; });
  }

  // The arrivals of the observed run in (lo, hi], split into resource registrations (strong)
  // and binds of other devices (weak: binds are what trigger retries).
  void window(const DeviceModel& dm, uint64_t lo, uint64_t hi, std::vector<const Arrival*>& strong,
              std::vector<const Arrival*>& binds) const {
    const std::string self = "device:" + m_.dev_label(dm.dev);
    for (const auto& a : m_.arrivals) {
      if (a.removal || a.t <= lo || a.t > hi || a.resources.empty()) continue;
      if (a.provider == dm.dev && !a.is_bind) continue;  // what its own probe registers
      if (a.is_bind) {
        if (m_.resource_name(a.resources[0]) != self) binds.push_back(&a);
      } else if (first_arrival(a.resources[0]) == &a) {
        strong.push_back(&a);
      }
    }
  }

  // NOLINTNEXTLINE(readability-function-size): the evidence cases of docs/model.md §3 in order
  void infer(DeviceModel& dm) {
    std::vector<std::pair<uint32_t, uint32_t>> atts;  // (attempt, binding)
    for (uint32_t b : dm.bindings)
      for (uint32_t a : m_.bindings[b].attempts) atts.emplace_back(a, b);
    std::sort(atts.begin(), atts.end());
    int success = -1, last_def = -1;
    for (size_t i = 0; i < atts.size(); ++i) {
      const auto& a = m_.attempts[atts[i].first];
      if (a.outcome == ProbeOutcome::bound && success < 0) success = static_cast<int>(i);
      if (a.outcome == ProbeOutcome::deferred && (success < 0 || static_cast<int>(i) < success))
        last_def = static_cast<int>(i);
    }
    const bool any_deferred = std::any_of(atts.begin(), atts.end(), [&](const auto& p) {
      return m_.attempts[p.first].outcome == ProbeOutcome::deferred;
    });
    if (!any_deferred) {
      dm.need_mode = Evidence::none;
      return;
    }
    auto lookup_at = [&](int i) {
      const auto& a = m_.attempts[atts[i].first];
      return a.start + a.lookup_offset.value_or(m_.bindings[atts[i].second].lookup_offset);
    };

    // 1. Reasons, over every deferral of the run. A reason that names nothing counts only
    // when no other reason of the same attempt does ("card registration failed" wraps the
    // ASoC line that names the missing DAI).
    const std::string self = m_.dev_label(dm.dev);
    std::vector<std::string> unlinked;
    std::vector<std::string> unseen;  // needs the trace could not have shown appear
    for (const auto& [ai, bi] : atts) {
      const auto& a = m_.attempts[ai];
      if (a.outcome != ProbeOutcome::deferred) continue;
      const bool some_linked = std::any_of(a.reasons.begin(), a.reasons.end(),
                                           [&](StrId r) { return link(std::string(tr_.str(r)), self).has_value(); });
      for (StrId r : a.reasons) {
        const std::string text(tr_.str(r));
        auto linked = link(text, self);
        if (!linked) {
          if (!some_linked && std::find(unlinked.begin(), unlinked.end(), text) == unlinked.end())
            unlinked.push_back(text);
          continue;
        }
        const auto& [res, by_name] = *linked;
        const uint32_t rid = m_.add_resource(res);
        if (has_need(dm.needs, rid)) continue;
        const Arrival* arr = first_arrival(rid);
        std::string seen;
        if (arr) {
          seen = describe_arrival(*arr);
        } else if (!trace_observes(tr_, res)) {
          seen = fmt::format("the trace cannot show when {} appeared ({} is not observed)", res, hook_for(res));
          unseen.push_back(res);
        } else {
          seen = "it never appears in the trace";
        }
        dm.needs.push_back(Need{rid, Evidence::reason,
                                fmt::format("reason '{}' (line {}){}; {}", text, tr_.events[a.start_event].line,
                                            by_name ? fmt::format(" names {}", res) : std::string(), seen)});
      }
    }
    // A need the trace cannot show is unknown: not a need every reading waits for forever.
    for (const auto& res : unseen) {
      const uint32_t rid = m_.resource_index(res);
      dm.needs.erase(std::remove_if(dm.needs.begin(), dm.needs.end(), [&](const Need& n) { return n.resource == rid; }),
                     dm.needs.end());
      dm.doubt.unknown = true;
      dm.doubt.unseen = true;
      dm.doubt.why.push_back(fmt::format("the trace cannot show when {} appeared ({} is not observed by a {} trace)",
                                         res, hook_for(res), tr_.source));
    }
    const std::string unlinked_note =
        unlinked.empty() ? std::string() : fmt::format(" (reason naming nothing in the trace: '{}')", unlinked.front());

    if (success >= 0) {
      infer_bound(dm, atts, success, last_def, lookup_at, unlinked_note);
    } else {
      infer_never_bound(dm, lookup_at(last_def), unlinked);
    }
  }

  template <typename LookupAt>
  void infer_bound(DeviceModel& dm, const std::vector<std::pair<uint32_t, uint32_t>>& atts, int success, int last_def,
                   LookupAt lookup_at, const std::string& unlinked_note) {
    auto count_mode = [&] {
      dm.need_mode = Evidence::count;
      const auto& b = m_.bindings[atts[success].second];
      dm.count_success_after =
          static_cast<int>(std::find(b.attempts.begin(), b.attempts.end(), atts[success].first) - b.attempts.begin());
    };
    if (last_def < 0) {  // every deferral came after the first success: replay by attempt count
      if (dm.needs.empty() && !dm.doubt.unknown) return count_mode();
      dm.need_mode = Evidence::reason;
      return;
    }
    const uint64_t lo = lookup_at(last_def);
    const uint64_t hi = m_.attempts[atts[success].first].start + m_.bindings[atts[success].second].lookup_offset;
    std::vector<const Arrival*> strong, binds;
    window(dm, lo, hi, strong, binds);
    const auto& pick = strong.empty() ? binds : strong;
    if (!dm.needs.empty()) {
      dm.need_mode = Evidence::reason;
      const bool explained = std::any_of(dm.needs.begin(), dm.needs.end(), [&](const Need& n) {
        const Arrival* a = first_arrival(n.resource);
        return a && a->t > lo && a->t <= hi;
      });
      for (const Arrival* a : pick) {
        if (has_need(dm.needs, a->resources[0])) continue;
        if (!explained) dm.doubt.any_of.push_back(a->resources[0]);
        dm.doubt.possible.push_back(
            Need{a->resources[0], Evidence::separation,
                 fmt::format("arrived between its last deferral ({}) and its successful probe ({}); {}", fmt_ms(lo),
                             fmt_ms(hi), describe_arrival(*a))});
      }
      if (!dm.doubt.possible.empty())
        dm.doubt.why.push_back(fmt::format(
            "its observed success came after {} as well, which its deferral reasons do not name: it may need {}",
            m_.resource_name(dm.doubt.possible.front().resource), dm.doubt.possible.size() > 1 ? "them" : "it"));
      return;
    }
    if (pick.size() == 1) {
      dm.need_mode = Evidence::separation;
      dm.needs.push_back(
          Need{pick[0]->resources[0], Evidence::separation,
               fmt::format("only arrival between the last deferral ({}) and the successful probe ({}); {}{}",
                           fmt_ms(lo), fmt_ms(hi), describe_arrival(*pick[0]), unlinked_note)});
      return;
    }
    if (pick.size() > 1) {
      // Some of them was missing at the last deferral: one (optimistic) or all (pessimistic).
      dm.need_mode = Evidence::ambiguous;
      for (const Arrival* a : pick) {
        dm.doubt.any_of.push_back(a->resources[0]);
        dm.doubt.possible.push_back(
            Need{a->resources[0], Evidence::ambiguous,
                 fmt::format("one of {} arrivals between the last deferral ({}) and the success ({}); {}{}",
                             pick.size(), fmt_ms(lo), fmt_ms(hi), describe_arrival(*a), unlinked_note)});
      }
      dm.doubt.why.push_back(
          fmt::format("{} arrivals separate its last deferral from its success; it needs at least "
                      "one of them, perhaps all",
                      pick.size()));
      return;
    }
    if (dm.doubt.unknown) {
      dm.need_mode = Evidence::reason;
      return;
    }
    count_mode();
  }

  void infer_never_bound(DeviceModel& dm, uint64_t last_lookup, const std::vector<std::string>& unlinked) {
    // Everything that appears after its last deferral (not from its own probe) may be what it
    // still lacks: the pessimistic reading waits for all of it, the optimistic one for none
    // beyond the named needs (docs/model.md §3, "Devices that never bound").
    std::vector<const Arrival*> strong, binds;
    window(dm, last_lookup, UINT64_MAX, strong, binds);
    if (!unlinked.empty() || (dm.needs.empty() && !dm.doubt.unknown)) {
      dm.doubt.unknown = true;
      dm.doubt.why.push_back(
          unlinked.empty()
              ? std::string("the observed run never bound it and no deferral reason says what it waits for")
              : fmt::format("the observed run never bound it and its deferral reason '{}' names nothing in the trace",
                            unlinked.front()));
      // What it waits for may be an ASoC component, whose registration this trace cannot show (a
      // kernel log prints none): policies that retry on registrations cannot be judged from it.
      if (!trace_observes(tr_, "component:?")) dm.doubt.unseen = true;
    }
    if (dm.doubt.unknown) {
      // Optimistic: the unknown need is whatever appears next (a registration or a bind).
      for (const Arrival* a : strong) dm.doubt.any_of.push_back(a->resources[0]);
      for (const Arrival* a : binds) dm.doubt.any_of.push_back(a->resources[0]);
      dm.doubt.unknown_after = last_lookup;
    }
    // Only resources of the kinds it is known to wait for (a card that waits for DAIs may wait
    // for another DAI, not for a firmware file of some other driver).
    auto kind = [&](uint32_t r) {
      const std::string& n = m_.resource_name(r);
      return n.substr(0, n.find(':'));
    };
    std::vector<std::string> kinds;
    for (const Need& n : dm.needs) kinds.push_back(kind(n.resource));
    if (std::find(kinds.begin(), kinds.end(), "dai") != kinds.end()) kinds.push_back("component");
    if (std::find(kinds.begin(), kinds.end(), "component") != kinds.end()) kinds.push_back("dai");
    for (const Arrival* a : strong) {
      if (has_need(dm.needs, a->resources[0])) continue;
      if (std::find(kinds.begin(), kinds.end(), kind(a->resources[0])) == kinds.end()) continue;
      if (std::any_of(a->resources.begin(), a->resources.end(), [&](uint32_t r) { return has_need(dm.needs, r); }))
        continue;
      dm.doubt.possible.push_back(
          Need{a->resources[0], Evidence::ambiguous,
               fmt::format("appears after its last deferral ({}); {}", fmt_ms(last_lookup), describe_arrival(*a))});
    }
    dm.need_mode = dm.needs.empty() ? Evidence::unknown : Evidence::reason;
  }

  // A need for component:X or device:X that never appears, where device X exists and never
  // bound in the observed run: X's successful probe would provide it (ASoC names a component
  // after its device by default), so a replay that binds X makes it appear.
  void link_assumed_providers() {
    for (auto& dm : m_.devices)
      for (const Need& n : dm.needs) {
        if (first_arrival(n.resource)) continue;
        const std::string& name = m_.resource_name(n.resource);
        const auto colon = name.find(':');
        const std::string kind = name.substr(0, colon);
        if (kind != "component" && kind != "device") continue;
        auto d = tr_.find_device(std::string_view(name).substr(colon + 1));
        if (!d || *d == dm.dev || *d >= m_.devices.size()) continue;
        DeviceModel& provider = m_.devices[*d];
        if (provider.observed_bound || provider.initially_bound || provider.observed_attempts == 0) continue;
        if (std::find(provider.assumed_provides.begin(), provider.assumed_provides.end(), n.resource) ==
            provider.assumed_provides.end())
          provider.assumed_provides.push_back(n.resource);
      }
  }

  Model& m_;
  const Trace& tr_;
  std::unordered_map<std::string, std::string> candidates_;  // lowercased name -> resource (lookup only)
  std::vector<uint32_t> first_;                              // resource -> its first arrival (kNone: never)
};

}  // namespace

bool trace_observes(const Trace& trace, std::string_view resource_name) {
  if (trace.source == "synthetic") return true;
  const auto hooks = trace.header.find("hooks");
  if (hooks == trace.header.end() || !hooks->is_object()) return false;
  const auto h = hooks->find(std::string(hook_for(resource_name)));
  return h != hooks->end() && h->is_string() && h->get<std::string>() != "inferred";
}

void infer_needs(Model& m) { NeedInference(m).run(); }

}  // namespace reprobe
