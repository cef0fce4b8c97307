#include "replayer/explore/happens_before.h"

#include <algorithm>
#include <map>

namespace reprobe {

std::string_view to_string(HbRule r) {
  static constexpr std::string_view n[] = {"same task",
                                           "work queued -> work runs",
                                           "firmware request -> callback",
                                           "probe -> what it queued",
                                           "serial deferred-probe work",
                                           "module load order"};
  return n[static_cast<size_t>(r)];
}

namespace {

// Why a child context follows the context that started it.
HbRule spawn_rule(CtxKind parent, CtxKind child) {
  if (child == CtxKind::probe || child == CtxKind::module_init) return HbRule::same_task;
  if (parent == CtxKind::probe) return HbRule::probe_queued;
  return child == CtxKind::fw_callback ? HbRule::firmware_callback : HbRule::work_queued;
}

// A probe attempt that retries a device whose previous attempt (same binding) deferred: the
// deferred-probe work runs it, one retry at a time.
bool is_retry(const Model& m, const Context& c) {
  if (c.kind != CtxKind::probe || c.probe_attempt == kNone) return false;
  if (c.parent != kNone && m.contexts[c.parent].kind != CtxKind::root) return false;
  const Attempt& a = m.attempts[c.probe_attempt];
  const auto& dm = m.devices[a.dev];
  for (uint32_t b : dm.bindings) {
    const auto& att = m.bindings[b].attempts;
    const auto it = std::find(att.begin(), att.end(), c.probe_attempt);
    if (it == att.end()) continue;
    for (auto p = att.begin(); p != it; ++p)
      if (m.attempts[*p].outcome == ProbeOutcome::deferred) return true;
  }
  return false;
}

}  // namespace

HappensBefore::HappensBefore(const Model& model) : model_(&model) {
  const auto& ctxs = model.contexts;
  const auto n = static_cast<uint32_t>(ctxs.size());
  succ_.assign(n, {});
  // Spawns: whoever queued, requested or called a context happens before it.
  for (uint32_t c = 0; c < n; ++c)
    if (ctxs[c].parent != kNone) add(ctxs[c].parent, c, spawn_rule(ctxs[ctxs[c].parent].kind, ctxs[c].kind));
  // Modules of one loader task, in the order they were loaded.
  std::map<uint32_t, std::vector<uint32_t>> modules_by_root;
  for (uint32_t c = 0; c < n; ++c)
    if (ctxs[c].kind == CtxKind::module_init && ctxs[c].parent != kNone && ctxs[ctxs[c].parent].kind == CtxKind::root)
      modules_by_root[ctxs[c].parent].push_back(c);
  for (auto& [root, mods] : modules_by_root) {
    std::stable_sort(mods.begin(), mods.end(),
                     [&](uint32_t a, uint32_t b) { return ctxs[a].start_t < ctxs[b].start_t; });
    for (size_t i = 1; i < mods.size(); ++i) add(mods[i - 1], mods[i], HbRule::module_load_order);
  }
  // Retries run from the one deferred_probe_work item: serially, in their observed order.
  std::vector<uint32_t> retries;
  for (uint32_t c = 0; c < n; ++c)
    if (is_retry(model, ctxs[c])) retries.push_back(c);
  std::stable_sort(retries.begin(), retries.end(),
                   [&](uint32_t a, uint32_t b) { return ctxs[a].start_t < ctxs[b].start_t; });
  for (size_t i = 1; i < retries.size(); ++i) add(retries[i - 1], retries[i], HbRule::deferred_work_serial);
  // Transitive closure: a walk from every context (models have hundreds of contexts, not millions).
  const size_t words = (n + 63) / 64;
  reach_.assign(n, std::vector<uint64_t>(words, 0));
  std::vector<uint32_t> stack;
  for (uint32_t s = 0; s < n; ++s) {
    auto& row = reach_[s];
    stack.assign(succ_[s].begin(), succ_[s].end());
    while (!stack.empty()) {
      const uint32_t v = stack.back();
      stack.pop_back();
      if ((row[v / 64] >> (v % 64)) & 1) continue;
      row[v / 64] |= uint64_t{1} << (v % 64);
      stack.insert(stack.end(), succ_[v].begin(), succ_[v].end());
    }
  }
}

void HappensBefore::add(uint32_t from, uint32_t to, HbRule rule) {
  if (from == to) return;
  edges_.push_back(HbEdge{from, to, rule});
  succ_[from].push_back(to);
}

bool HappensBefore::ordered(uint32_t a, uint32_t b) const {
  if (a >= reach_.size() || b >= reach_.size() || a == b) return false;
  return (reach_[a][b / 64] >> (b % 64)) & 1;
}

const HbEdge* HappensBefore::edge(uint32_t a, uint32_t b) const {
  for (const auto& e : edges_)
    if (e.from == a && e.to == b) return &e;
  return nullptr;
}

size_t HappensBefore::concurrent_pairs() const {
  const auto& ctxs = model_->contexts;
  size_t pairs = 0;
  for (uint32_t a = 0; a < ctxs.size(); ++a)
    for (uint32_t b = a + 1; b < ctxs.size(); ++b)
      if (ctxs[a].kind != CtxKind::root && ctxs[b].kind != CtxKind::root && concurrent(a, b)) ++pairs;
  return pairs;
}

}  // namespace reprobe
