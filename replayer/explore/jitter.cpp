#include "replayer/explore/jitter.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace reprobe {

namespace {

constexpr std::array<std::string_view, kJitterKindCount> kNames{"probe", "work", "fw", "task", "timer"};
constexpr double kMaxMs = 60'000;

JitterKind of_context(CtxKind k) {
  switch (k) {
    case CtxKind::probe:
      return JitterKind::probe;
    case CtxKind::work:
      return JitterKind::work;
    case CtxKind::fw_callback:
      return JitterKind::fw;
    case CtxKind::root:
    case CtxKind::module_init:
      break;
  }
  return JitterKind::task;
}

// The observed span a share of jitter is taken of: a context's duration (or its queue -> start
// delay, if longer: the first action of a work item waits that long), a probe's duration.
// A root context (userspace, the boot) keeps absolute times: no span.
uint64_t observed_span(const Context& c) { return c.kind == CtxKind::root ? 0 : std::max(c.duration(), c.delay()); }

uint64_t binding_span(const Binding& b) { return std::max(b.success_duration, b.defer_duration); }

std::optional<double> number(std::string_view s) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !(v >= 0)) return std::nullopt;
  return v;
}

std::string ms_str(uint64_t ns) { return fmt::format("{:g} ms", static_cast<double>(ns) / 1e6); }

}  // namespace

std::string_view to_string(JitterKind k) { return kNames[static_cast<size_t>(k)]; }

JitterKind jitter_kind(const Simulator& sim, const QItem& item) {
  switch (item.kind) {
    case QItem::action:
      return of_context(sim.model().contexts[sim.state().instances[item.subject].ctx].kind);
    case QItem::thread_step:
    case QItem::probe_decide:
    case QItem::probe_bind:
    case QItem::probe_end:
      return JitterKind::probe;
    case QItem::kick:
      return JitterKind::work;
    case QItem::timeout:
    case QItem::periodic:
      return JitterKind::timer;
  }
  return JitterKind::task;
}

Jitter Jitter::uniform(uint64_t ns) {
  Jitter j;
  j.ns.fill(ns);
  return j;
}

Result<Jitter> Jitter::parse(std::string_view spec) {
  Jitter j;
  const auto bad = [&](std::string_view part, std::string_view why) {
    return Error{"", 0, fmt::format("--jitter '{}': '{}' {}", spec, part, why)};
  };
  if (spec.empty()) return bad(spec, "is empty");
  size_t pos = 0;
  bool first = true;
  std::array<bool, kNames.size()> given{};
  while (pos <= spec.size()) {
    const size_t comma = std::min(spec.find(',', pos), spec.size());
    const std::string_view part = spec.substr(pos, comma - pos);
    pos = comma + 1;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (!first) return bad(part, "is not KIND=VALUE (only the first item may be a bare number of ms)");
      const auto v = number(part);
      if (!v || *v > kMaxMs) return bad(part, "is not a number of ms in 0..60000");
      j.ns.fill(static_cast<uint64_t>(*v * 1e6 + 0.5));
      first = false;
      continue;
    }
    first = false;
    const std::string_view name = part.substr(0, eq);
    std::string_view value = part.substr(eq + 1);
    const auto it = std::find(kNames.begin(), kNames.end(), name);
    if (it == kNames.end()) return bad(part, "names no kind (probe, work, fw, task, timer)");
    const auto k = static_cast<size_t>(it - kNames.begin());
    if (given[k]) return bad(part, "names a kind given before (one value per kind)");
    given[k] = true;
    if (value.size() > 1 && value.back() == '%') {
      const auto v = number(value.substr(0, value.size() - 1));
      if (!v || *v > 1000) return bad(part, "is not a share in 0..1000 %");
      j.share[k] = *v / 100;
      continue;
    }
    if (value.size() > 2 && value.substr(value.size() - 2) == "ms") value.remove_suffix(2);
    const auto v = number(value);
    if (!v || *v > kMaxMs) return bad(part, "is not a number of ms in 0..60000 or a share like 10%");
    j.ns[k] = static_cast<uint64_t>(*v * 1e6 + 0.5);
    j.share[k] = -1;
  }
  return j;
}

bool Jitter::is_uniform() const {
  return std::all_of(share.begin(), share.end(), [](double s) { return s < 0; }) &&
         std::all_of(ns.begin(), ns.end(), [&](uint64_t v) { return v == ns[0]; });
}

uint64_t Jitter::window(const Simulator& sim, const QItem& item) const {
  const auto k = static_cast<size_t>(jitter_kind(sim, item));
  if (share[k] < 0) return ns[k];
  const Model& m = sim.model();
  uint64_t span = 0;
  if (item.kind == QItem::action) {
    span = observed_span(m.contexts[sim.state().instances[item.subject].ctx]);
  } else if (item.kind == QItem::probe_decide || item.kind == QItem::probe_bind || item.kind == QItem::probe_end) {
    const uint32_t b = sim.state().devs[item.subject].probe.binding;
    if (b != kNone) span = binding_span(m.bindings[b]);
  }
  return static_cast<uint64_t>(std::llround(static_cast<double>(span) * share[k]));
}

uint64_t Jitter::max_window(const Model& model) const {
  uint64_t out = 0;
  for (size_t k = 0; k < kJitterKindCount; ++k)
    if (share[k] < 0) out = std::max(out, ns[k]);
  const auto shared = [&](JitterKind k, uint64_t span) {
    const double s = share[static_cast<size_t>(k)];
    if (s >= 0) out = std::max(out, static_cast<uint64_t>(std::llround(static_cast<double>(span) * s)));
  };
  for (const Context& c : model.contexts) shared(of_context(c.kind), observed_span(c));
  for (const Binding& b : model.bindings) shared(JitterKind::probe, binding_span(b));
  return out;
}

std::string Jitter::str() const {
  if (is_uniform()) return ms_str(ns[0]);
  std::string out;
  for (size_t k = 0; k < kJitterKindCount; ++k) {
    out += k ? ", " : "";
    out += fmt::format("{}={}", kNames[k], share[k] < 0 ? ms_str(ns[k]) : fmt::format("{:g}%", share[k] * 100));
  }
  return out;
}

}  // namespace reprobe
