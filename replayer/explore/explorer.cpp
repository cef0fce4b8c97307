#include "replayer/explore/explorer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "replayer/explore/schedule_words.h"
#include "replayer/explore/state_key.h"

namespace reprobe {

static_assert(std::is_copy_constructible_v<Simulator>, "the explorer forks the simulator by copying it");

std::optional<bool> PolicyExploration::robust() const {
  if (stranded > 0 || counterexample) return false;
  if (!exhaustive || cut_runs > 0) return std::nullopt;
  return true;
}

namespace {

constexpr uint32_t kNever = UINT32_MAX;  // no stranding end reachable
constexpr uint64_t kTruncatedBit = uint64_t{1} << 63;
// What one memo entry costs beside its key and outcomes: the hash node, the key's string header
// and allocation, the NodeInfo and its vector header (measured: docs/explore.md, "The search", --max-memory).
constexpr uint64_t kMemoEntryOverhead = 160;

// What the search knows about one state: every outcome reachable from it, how many schedules
// lead from it to an end, and the fewest reorderings (choices other than the observed order's
// next event) to an end that strands a target, with the first choice of that path.
struct NodeInfo {
  std::vector<uint64_t> outcomes;
  double schedules = 0;
  double stranded = 0;
  uint32_t min_reorderings = kNever;
  uint32_t best_rank = 0;
};

void merge_outcomes(std::vector<uint64_t>& into, const std::vector<uint64_t>& from) {
  std::vector<uint64_t> merged;
  std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(merged));
  into = std::move(merged);
}

// Whether queued item x must wait for instance `inst` to finish (its actions are still queued):
// the same task runs them first. A provider kick follows the work item or callback it ends; a
// probe returns after the actions of its own body; a loader task continues after the module init
// it called. The simulator queues these at their observed times, so only a reordering could
// break the order; the explorer never offers one that does (docs/explore.md).
bool waits_for(const Simulator& sim, const QItem& x, uint32_t inst) {
  const Model& m = sim.model();
  const CtxInstance& ci = sim.state().instances[inst];
  const Context& c = m.contexts[ci.ctx];
  switch (x.kind) {
    case QItem::kick:
      return (c.kind == CtxKind::work || c.kind == CtxKind::fw_callback) && x.t == ci.base + c.duration();
    case QItem::probe_bind:  // driver_bound() after the probe's body, like its return
    case QItem::probe_end:   // its body, and under sync-provider the work it runs inline
      for (uint32_t i = inst; i != kNone;) {
        const CtxInstance& ii = sim.state().instances[i];
        const Context& cc = m.contexts[ii.ctx];
        if (cc.kind == CtxKind::probe) return cc.dev == x.subject;
        if (!ii.inline_children) return false;
        i = ii.parent;
      }
      return false;
    case QItem::action:
      return c.kind == CtxKind::module_init && ci.parent == x.subject;
    default:
      return false;
  }
}

// Whether queued item x is a context's next action while that context is still inside a
// synchronous device_add()/driver_register()/sysfs bind: a probing thread it owns is probing or has
// devices left to probe. The caller returns only when they are done.
bool in_synchronous_call(const Simulator& sim, const QItem& x) {
  if (x.kind != QItem::action) return false;
  return std::any_of(sim.state().threads.begin(), sim.state().threads.end(),
                     [&](const SimThread& t) { return t.owner == x.subject && (t.busy || t.pos < t.jobs.size()); });
}

// Nothing left can change a binding: only timer items are queued (the periodic trigger, the
// deferred-probe timeout) and both deferred lists are empty, so each further trigger splices
// nothing and queues no work. The run's outcome is decided; the search stops it there instead of
// stepping through the rest of the timers (a periodic trigger ticks until a minute after the trace).
bool settled(const SimState& s) {
  if (s.pending.size != 0 || s.active.size != 0 || s.worker_scheduled) return false;
  const auto timer = [](const QItem& q) { return q.kind == QItem::periodic || q.kind == QItem::timeout; };
  return std::all_of(s.queue.begin(), s.queue.end(), timer) && std::all_of(s.later.begin(), s.later.end(), timer);
}

// The candidates of a choice point (positions in ch, the order of choices_within(), which is what
// a schedule's ranks count) that keep program order: the first (the observed order's next event)
// always, the others unless they must wait for a context whose actions are still queued.
// With per-kind windows, a later candidate must also be within the window of every earlier one it
// would delay (its kind's window, docs/explore.md "Timing"): ch was taken with the largest window.
std::vector<uint32_t> ordered_candidates(const Simulator& sim, const std::vector<size_t>& ch,
                                         const std::optional<Jitter>& kinds) {
  const auto& q = sim.state().queue;
  std::vector<bool> in_window(ch.size(), true);
  if (kinds) {
    uint64_t limit = UINT64_MAX;
    for (size_t k = 0; k < ch.size(); ++k) {
      const QItem& x = q[ch[k]];
      in_window[k] = k == 0 || x.t <= limit;
      const uint64_t w = kinds->window(sim, x);
      limit = std::min(limit, x.t > UINT64_MAX - w ? UINT64_MAX : x.t + w);
    }
  }
  std::vector<uint32_t> running;  // instances with queued actions
  for (size_t i : ch)
    if (q[i].kind == QItem::action) running.push_back(q[i].subject);
  for (const QItem& l : sim.state().later)
    if (l.kind == QItem::action) running.push_back(l.subject);
  std::vector<uint32_t> out;
  for (uint32_t k = 0; k < ch.size(); ++k) {
    const QItem& x = q[ch[k]];
    if (!in_window[k]) continue;
    const bool blocked =
        k > 0 && (std::any_of(running.begin(), running.end(),
                              [&](uint32_t inst) {
                                return !(x.kind == QItem::action && x.subject == inst) && waits_for(sim, x, inst);
                              }) ||
                  in_synchronous_call(sim, x));
    if (!blocked) out.push_back(k);
  }
  return out;
}

class Search {
 public:
  Search(const Model& model, const Policy& policy, const std::vector<DevId>& targets, const ExploreLimits& limits,
         PolicyExploration& out)
      : model_(model),
        policy_(policy),
        targets_(targets),
        limits_(limits),
        out_(out),
        start_(std::chrono::steady_clock::now()) {
    all_bound_ = targets.size() >= 64 ? ~kTruncatedBit : (uint64_t{1} << targets.size()) - 1;
  }

  NodeInfo explore(Simulator sim) {
    std::vector<size_t> ch;
    std::vector<uint32_t> ranks;
    for (;;) {
      if (sim.done() || settled(sim.state())) return terminal(sim.state());
      ch = sim.choices_within(limits_.jitter_ns);
      ranks = ordered_candidates(sim, ch, limits_.kinds);
      if (ranks.size() > 1) break;
      sim.step(ch[0]);
      ++out_.states;
    }
    std::string key;
    if (limits_.memoize) {
      key = state_key(sim.state());
      if (auto it = memo_.find(key); it != memo_.end()) return nodes_[it->second];
    }
    ++out_.branches;
    NodeInfo info;
    for (size_t k = 0; k < ranks.size(); ++k) {
      const uint32_t r = ranks[k];
      if (should_stop()) {
        out_.unexplored += ranks.size() - k;
        out_.exhaustive = false;
        break;
      }
      Simulator child = sim;
      child.step(ch[r]);
      ++out_.states;
      const NodeInfo c = explore(std::move(child));
      merge_outcomes(info.outcomes, c.outcomes);
      info.schedules += c.schedules;
      info.stranded += c.stranded;
      if (c.min_reorderings != kNever && c.min_reorderings + (r > 0) < info.min_reorderings) {
        info.min_reorderings = c.min_reorderings + (r > 0);
        info.best_rank = r;
      }
    }
    if (limits_.memoize) {
      out_.memo_bytes += key.size() + info.outcomes.size() * sizeof(uint64_t) + kMemoEntryOverhead;
      memo_.emplace(std::move(key), static_cast<uint32_t>(nodes_.size()));
      nodes_.push_back(info);
    }
    return info;
  }

  // The fewest-reorderings stranding schedule, rebuilt from the memo (memoized searches only).
  std::optional<Counterexample> counterexample(const NodeInfo& root) const {
    if (root.min_reorderings == kNever || !limits_.memoize) return std::nullopt;
    Counterexample cx;
    Simulator sim(model_, policy_, config());
    while (!sim.done()) {
      const auto ch = sim.choices_within(limits_.jitter_ns);
      if (ordered_candidates(sim, ch, limits_.kinds).size() ==
          1) {  // a schedule counts every choice point of choices_within()
        if (ch.size() > 1) cx.choices.push_back(0);
        sim.step(ch[0]);
        continue;
      }
      const auto it = memo_.find(state_key(sim.state()));
      if (it == memo_.end()) return std::nullopt;  // the search stopped before this state
      const uint32_t r = nodes_[it->second].best_rank;
      cx.choices.push_back(r);
      if (r > 0) {
        const QItem& ran = sim.state().queue[ch[r]];
        const QItem& first = sim.state().queue[ch[0]];
        cx.reorderings.push_back(Reordering{std::max(first.t, sim.state().now), describe_event(sim, ran),
                                            describe_event(sim, first), ran.t - first.t});
      }
      sim.step(ch[r]);
    }
    for (size_t i = 0; i < targets_.size(); ++i)
      if (!sim.state().devs[targets_[i]].bound) cx.stranded.push_back(targets_[i]);
    return cx;
  }

  SimConfig config() const {
    SimConfig c;
    c.record_timeline = false;
    return c;
  }

 private:
  NodeInfo terminal(const SimState& s) {
    ++out_.runs;
    if (limits_.progress) {
      limits_.progress->runs.fetch_add(1, std::memory_order_relaxed);
      limits_.progress->states.fetch_add(out_.states - reported_states_, std::memory_order_relaxed);
      reported_states_ = out_.states;
    }
    uint64_t bits = 0;
    for (size_t i = 0; i < targets_.size() && i < 63; ++i)
      if (s.devs[targets_[i]].bound) bits |= uint64_t{1} << i;
    NodeInfo n;
    n.schedules = 1;
    if (s.truncated && bits != all_bound_) {
      // Cut by the step bound with a target not bound yet: not an outcome, and never a
      // counterexample (what would have come after the cut is unknown).
      n.outcomes = {bits | kTruncatedBit};
      ++out_.cut_runs;
      return n;
    }
    n.outcomes = {bits};
    if (bits != all_bound_) {
      n.min_reorderings = 0;
      n.stranded = 1;
    }
    return n;
  }

  bool should_stop() {
    if (stopped_) return true;
    if (limits_.max_schedules && out_.runs >= limits_.max_schedules) stopped_ = true;
    if (limits_.max_memo_bytes && out_.memo_bytes >= limits_.max_memo_bytes) {
      stopped_ = true;
      out_.stopped_by_memory = true;
    }
    if (limits_.max_seconds > 0 && (++clock_checks_ & 63) == 0) {
      const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
      if (d.count() >= limits_.max_seconds) stopped_ = true;
    }
    return stopped_;
  }

  const Model& model_;
  const Policy& policy_;
  const std::vector<DevId>& targets_;
  const ExploreLimits& limits_;
  PolicyExploration& out_;
  std::chrono::steady_clock::time_point start_;
  uint64_t all_bound_ = 0;
  bool stopped_ = false;
  uint64_t clock_checks_ = 0;
  uint64_t reported_states_ = 0;                    // of out_.states, added to limits_.progress so far
  std::unordered_map<std::string, uint32_t> memo_;  // lookups only, never iterated (determinism)
  std::vector<NodeInfo> nodes_;
};

}  // namespace

PolicyExploration explore_policy(const Model& model, const Policy& policy, const std::vector<DevId>& targets,
                                 const ExploreLimits& limits) {
  const auto t0 = std::chrono::steady_clock::now();
  PolicyExploration out;
  out.policy = policy;
  Search search(model, policy, targets, limits, out);
  const NodeInfo root = search.explore(Simulator(model, policy, search.config()));
  out.outcomes = root.outcomes;
  out.schedules = root.schedules;
  out.stranded = root.stranded;
  out.counterexample = search.counterexample(root);
  const SimResult observed = run_schedule(model, policy, {}, limits.jitter_ns);
  out.observed_binds = !observed.state.truncated && std::all_of(targets.begin(), targets.end(),
                                                                [&](DevId d) { return observed.state.devs[d].bound; });
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (limits.progress) limits.progress->policies_done.fetch_add(1, std::memory_order_relaxed);
  return out;
}

std::vector<PolicyExploration> explore_policies(const Model& model, const std::vector<Policy>& policies,
                                                const std::vector<DevId>& targets, const ExploreLimits& limits,
                                                unsigned jobs) {
  std::vector<PolicyExploration> out(policies.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < policies.size(); i = next++)
      out[i] = explore_policy(model, policies[i], targets, limits);
  };
  const unsigned n = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(policies.size())));
  std::vector<std::thread> threads;
  for (unsigned k = 1; k < n; ++k) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return out;
}

SimResult run_schedule(const Model& model, const Policy& policy, const std::vector<uint32_t>& choices,
                       uint64_t jitter_ns) {
  return Simulator(model, policy).run_schedule(choices, jitter_ns);
}

}  // namespace reprobe
