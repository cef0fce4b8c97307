#include "replayer/timeline/report_html_data.h"

#include <algorithm>
#include <unordered_map>

namespace reprobe {

namespace {

using nlohmann::json;

class Strings {
 public:
  explicit Strings(ScrubCache& scrub) : scrub_(scrub) {}
  uint32_t operator()(std::string_view s) {
    const std::string& v = scrub_(s);
    auto it = ids_.find(v);  // lookup only; ids follow first use, so output order is deterministic
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<uint32_t>(list_.size());
    ids_.emplace(v, id);
    list_.push_back(v);
    return id;
  }
  json to_json() const { return json(list_); }

 private:
  ScrubCache& scrub_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> list_;
};

// Splits one group (indices in time order) into items kept as they are and
// runs of consecutive items folded together.
struct Split {
  std::vector<uint32_t> detail;
  std::vector<std::pair<size_t, size_t>> runs;  // [begin, end) positions in the group
};

Split split_group(const std::vector<uint32_t>& group, size_t detail) {
  Split s;
  const size_t n = group.size();
  if (n <= detail + 1) {
    s.detail = group;
    return s;
  }
  const size_t head = detail / 2, tail = detail - head;
  for (size_t i = 0; i < head; ++i) s.detail.push_back(group[i]);
  const size_t mid_b = head, mid_e = n - tail, mid_n = mid_e - mid_b;
  const size_t chunks = std::max<size_t>(1, std::min(mid_n, detail / 2));
  for (size_t c = 0; c < chunks; ++c) s.runs.push_back({mid_b + c * mid_n / chunks, mid_b + (c + 1) * mid_n / chunks});
  for (size_t i = mid_e; i < n; ++i) s.detail.push_back(group[i]);
  return s;
}

int outcome_code(const TimelineProbe& p) { return p.end_known ? static_cast<int>(p.outcome) : 4; }

// Whether an item on `lane` is written: replays skip healthy lanes (they bind on
// the first attempt under every policy, like in the capture) and, when space
// is short, lanes whose probe attempts have the capture's outcomes, in order ("same").
struct LaneFilter {
  std::vector<uint8_t> skip;  // per lane
  bool operator()(uint32_t lane) const { return !skip[lane]; }
};

// Per lane: a hash of the sequence of its probe outcomes (times left out: a
// replay shifts them by the simulator's latencies even when nothing changes).
std::vector<uint64_t> probe_signatures(const Timeline& tl, size_t lanes) {
  std::vector<uint64_t> h(lanes, 1469598103934665603ull);
  for (const auto& p : tl.probes)
    h[p.lane] = (h[p.lane] ^ (static_cast<uint64_t>(p.outcome) + (p.end_known ? 1 : 9))) * 1099511628211ull;
  return h;
}

// The filters of the observed timeline ([0]) and of every replay, and per replay
// the lanes left out because they equal the capture.
struct Plan {
  std::vector<LaneFilter> filters;
  std::vector<std::vector<uint32_t>> same;
};

Plan make_plan(const TimelineModel& tm, bool drop_same) {
  const size_t lanes = tm.lanes.size();
  Plan plan;
  plan.filters.push_back(LaneFilter{std::vector<uint8_t>(lanes, 0)});
  plan.same.emplace_back();
  const auto observed = drop_same ? probe_signatures(tm.observed, lanes) : std::vector<uint64_t>();
  for (const auto& t : tm.replayed) {
    LaneFilter f{std::vector<uint8_t>(lanes, 0)};
    std::vector<uint32_t> same;
    const auto sig = drop_same ? probe_signatures(t, lanes) : std::vector<uint64_t>();
    for (uint32_t l = 0; l < lanes; ++l) {
      if (tm.lanes[l].kind != LaneKind::device) continue;
      if (tm.lanes[l].healthy)
        f.skip[l] = 1;
      else if (drop_same && sig[l] == observed[l]) {
        f.skip[l] = 1;
        same.push_back(l);
      }
    }
    plan.filters.push_back(std::move(f));
    plan.same.push_back(std::move(same));
  }
  return plan;
}

// Marks, per lane and kind. (timeline_json "m", "mr").
void add_marks(json& out, const Timeline& tl, size_t lanes, size_t detail, const LaneFilter& keep_lane, Strings& str,
               TimelineDataStats& st) {
  constexpr size_t kKinds = static_cast<size_t>(MarkKind::device_del) + 1;
  std::vector<std::vector<uint32_t>> by_lane_kind(lanes * kKinds);
  std::vector<uint8_t> lane_probes(lanes, 0);
  for (const auto& p : tl.probes) lane_probes[p.lane] = 1;
  for (uint32_t i = 0; i < tl.marks.size(); ++i) {
    const auto& mk = tl.marks[i];
    if (!keep_lane(mk.lane)) continue;
    // device_add/del only matter on a lane without probe attempts (the lane's first bar says it exists).
    if ((mk.kind == MarkKind::device_add || mk.kind == MarkKind::device_del) && lane_probes[mk.lane]) continue;
    by_lane_kind[mk.lane * kKinds + static_cast<size_t>(mk.kind)].push_back(i);
  }
  std::vector<uint8_t> keep_mark(tl.marks.size(), 0);
  json mark_runs = json::array();
  for (auto& g : by_lane_kind) {
    Split s = split_group(g, detail);
    for (uint32_t i : s.detail) keep_mark[i] = 1;
    for (auto [b, e] : s.runs) {
      std::vector<uint32_t> texts;
      for (size_t k = b; k < e; ++k) {
        const auto& t = tl.marks[g[k]].text;
        if (t.empty()) continue;
        const uint32_t id = str(t);
        if (std::find(texts.begin(), texts.end(), id) == texts.end() && texts.size() < 3) texts.push_back(id);
      }
      const auto& first = tl.marks[g[b]];
      mark_runs.push_back(
          json::array({first.lane, first.t, tl.marks[g[e - 1]].t, static_cast<int>(first.kind), e - b, texts}));
      ++st.runs;
    }
  }
  json marks = json::array();
  for (uint32_t i = 0; i < tl.marks.size(); ++i) {
    if (!keep_mark[i]) continue;
    const auto& m = tl.marks[i];
    marks.push_back(json::array({m.lane, m.t, static_cast<int>(m.kind), str(m.text)}));
    ++st.items_out;
  }
  out["m"] = std::move(marks);
  out["mr"] = std::move(mark_runs);
}

// Deferred-work rounds (driver-core lane). (timeline_json "w", "wr").
void add_rounds(json& out, const Timeline& tl, size_t detail, TimelineDataStats& st) {
  std::vector<uint32_t> all_rounds(tl.rounds.size());
  for (uint32_t i = 0; i < all_rounds.size(); ++i) all_rounds[i] = i;
  const Split rs = split_group(all_rounds, detail * 8);
  json rounds = json::array(), round_runs = json::array();
  for (uint32_t i : rs.detail) {
    rounds.push_back(json::array({tl.rounds[i].start, tl.rounds[i].end, tl.rounds[i].end_known ? 1 : 0}));
    ++st.items_out;
  }
  for (auto [b, e] : rs.runs) {
    round_runs.push_back(json::array({tl.rounds[all_rounds[b]].start, tl.rounds[all_rounds[e - 1]].end, e - b}));
    ++st.runs;
  }
  out["w"] = std::move(rounds);
  out["wr"] = std::move(round_runs);
}

// Firmware, per lane. (timeline_json "f", "fr").
void add_firmware(json& out, const Timeline& tl, size_t lanes, size_t detail, const LaneFilter& keep_lane, Strings& str,
                  TimelineDataStats& st) {
  std::vector<std::vector<uint32_t>> fw_lane(lanes);
  for (uint32_t i = 0; i < tl.firmware.size(); ++i)
    if (keep_lane(tl.firmware[i].lane)) fw_lane[tl.firmware[i].lane].push_back(i);
  json fw = json::array(), fw_runs = json::array();
  for (auto& g : fw_lane) {
    Split s = split_group(g, detail);
    for (uint32_t i : s.detail) {
      const auto& f = tl.firmware[i];
      fw.push_back(json::array({f.lane, f.request, f.done, f.callback_known ? f.callback_end : f.done, str(f.name),
                                f.nowait ? 1 : 0, f.ret, f.done_known ? 1 : 0, str(f.callback)}));
      ++st.items_out;
    }
    for (auto [b, e] : s.runs) {
      fw_runs.push_back(
          json::array({tl.firmware[g[b]].lane, tl.firmware[g[b]].request, tl.firmware[g[e - 1]].callback_end, e - b}));
      ++st.runs;
    }
  }
  out["f"] = std::move(fw);
  out["fr"] = std::move(fw_runs);
}

json timeline_json(const Timeline& tl, size_t lanes, size_t detail, const LaneFilter& keep_lane, Strings& str,
                   TimelineDataStats& st) {
  json out = json::object();
  out["name"] = str(tl.name);
  out["end"] = tl.end_t;
  st.items_in += tl.probes.size() + tl.marks.size() + tl.triggers.size() + tl.rounds.size() + tl.firmware.size();

  // Probes, per lane.
  std::vector<std::vector<uint32_t>> by_lane(lanes);
  for (uint32_t i = 0; i < tl.probes.size(); ++i)
    if (keep_lane(tl.probes[i].lane)) by_lane[tl.probes[i].lane].push_back(i);
  std::vector<uint8_t> keep(tl.probes.size(), 0);
  json runs = json::array();
  for (auto& g : by_lane) {
    Split s = split_group(g, detail);
    for (uint32_t i : s.detail) keep[i] = 1;
    for (auto [b, e] : s.runs) {
      std::array<uint32_t, 5> n{};
      uint64_t t0 = UINT64_MAX, t1 = 0;
      for (size_t k = b; k < e; ++k) {
        const auto& p = tl.probes[g[k]];
        ++n[outcome_code(p)];
        t0 = std::min(t0, p.start);
        t1 = std::max(t1, p.end);
      }
      runs.push_back(json::array({tl.probes[g[b]].lane, t0, t1, n[0], n[1], n[2], n[3], n[4]}));
      ++st.runs;
    }
  }
  // Triggers (driver-core lane): capped at 8x the per-lane detail.
  std::vector<uint32_t> all_triggers(tl.triggers.size());
  for (uint32_t i = 0; i < all_triggers.size(); ++i) all_triggers[i] = i;
  const Split ts = split_group(all_triggers, detail * 8);
  std::vector<uint8_t> keep_trigger(tl.triggers.size(), 0);
  for (uint32_t i : ts.detail) keep_trigger[i] = 1;

  std::vector<int64_t> probe_out(tl.probes.size(), -1);
  json probes = json::array();
  for (uint32_t i = 0; i < tl.probes.size(); ++i) {
    if (!keep[i]) continue;
    const auto& p = tl.probes[i];
    probe_out[i] = static_cast<int64_t>(probes.size());
    const int64_t trig = p.trigger != UINT32_MAX && keep_trigger[p.trigger] ? static_cast<int64_t>(p.trigger) : -1;
    probes.push_back(json::array({p.lane, p.start, p.end, outcome_code(p), str(p.driver), trig}));
    ++st.items_out;
  }
  out["p"] = std::move(probes);
  out["pr"] = std::move(runs);

  // Triggers: output index = position among kept triggers.
  std::vector<int64_t> trig_out(tl.triggers.size(), -1);
  json trig = json::array();
  for (uint32_t i = 0; i < tl.triggers.size(); ++i) {
    if (!keep_trigger[i]) continue;
    trig_out[i] = static_cast<int64_t>(trig.size());
    const auto& g = tl.triggers[i];
    json retries = json::array();
    for (uint32_t r : g.retries) {
      if (probe_out[r] >= 0)
        retries.push_back(probe_out[r]);
      else
        ++st.arrows_dropped;
    }
    trig.push_back(json::array({g.t, str(g.cause), g.count, g.ignored ? 1 : 0, std::move(retries)}));
    ++st.items_out;
  }
  // Probes point at their trigger by output index.
  for (auto& p : out["p"]) {
    const int64_t t = p[5].get<int64_t>();
    p[5] = t >= 0 ? trig_out[t] : -1;
  }
  json trig_runs = json::array();
  for (auto [b, e] : ts.runs) {
    std::vector<uint32_t> causes;
    size_t retries = 0;
    for (size_t k = b; k < e; ++k) {
      const auto& g = tl.triggers[all_triggers[k]];
      const uint32_t c = str(g.cause);
      if (std::find(causes.begin(), causes.end(), c) == causes.end() && causes.size() < 4) causes.push_back(c);
      retries += g.retries.size();
      st.arrows_dropped += g.retries.size();
    }
    trig_runs.push_back(
        json::array({tl.triggers[all_triggers[b]].t, tl.triggers[all_triggers[e - 1]].t, e - b, retries, causes}));
    ++st.runs;
  }
  out["g"] = std::move(trig);
  out["gr"] = std::move(trig_runs);

  add_marks(out, tl, lanes, detail, keep_lane, str, st);

  add_rounds(out, tl, detail, st);

  add_firmware(out, tl, lanes, detail, keep_lane, str, st);
  return out;
}

size_t folded_size(size_t n, size_t detail) {
  if (n <= detail + 1) return n;
  return detail + std::max<size_t>(1, std::min(n - detail, detail / 2));
}

}  // namespace

size_t timeline_data_items(const TimelineModel& tm, size_t detail, bool drop_same) {
  detail = std::max<size_t>(detail, 2);
  const Plan plan = make_plan(tm, drop_same);
  constexpr size_t kKinds = static_cast<size_t>(MarkKind::device_del) + 1;
  const size_t lanes = tm.lanes.size();
  size_t items = 0;
  const auto one = [&](const Timeline& tl, const LaneFilter& keep) {
    std::vector<uint32_t> probes(lanes, 0), marks(lanes * kKinds, 0), fw(lanes, 0);
    for (const auto& p : tl.probes)
      if (keep(p.lane)) ++probes[p.lane];
    for (const auto& m : tl.marks)
      if (keep(m.lane)) ++marks[m.lane * kKinds + static_cast<size_t>(m.kind)];
    for (const auto& f : tl.firmware) ++fw[f.lane];
    for (uint32_t n : probes) items += folded_size(n, detail);
    for (uint32_t n : marks) items += folded_size(n, detail);
    for (uint32_t n : fw) items += folded_size(n, detail);
    items += folded_size(tl.triggers.size(), detail * 8) + folded_size(tl.rounds.size(), detail * 8);
  };
  one(tm.observed, plan.filters[0]);
  for (size_t i = 0; i < tm.replayed.size(); ++i) one(tm.replayed[i], plan.filters[i + 1]);
  return items;
}

json timeline_data_json(const TimelineModel& tm, size_t detail, bool drop_same, ScrubCache& scrub,
                        TimelineDataStats& stats) {
  detail = std::max<size_t>(detail, 2);
  Strings str(scrub);
  json d = json::object();
  d["end"] = tm.end_t;
  d["detail"] = detail;
  json lanes = json::array();
  for (const auto& l : tm.lanes)
    lanes.push_back(json::array({static_cast<int>(l.kind), str(l.label), str(l.bus), l.target ? 1 : 0,
                                 l.healthy ? 1 : 0, l.attempts, l.deferrals, l.bound ? 1 : 0}));
  d["lanes"] = std::move(lanes);
  json tls = json::array();
  const Plan plan = make_plan(tm, drop_same);
  tls.push_back(timeline_json(tm.observed, tm.lanes.size(), detail, plan.filters[0], str, stats));
  for (size_t i = 0; i < tm.replayed.size(); ++i) {
    tls.push_back(timeline_json(tm.replayed[i], tm.lanes.size(), detail, plan.filters[i + 1], str, stats));
    tls.back()["same"] = plan.same[i + 1];
    stats.same_lanes += plan.same[i + 1].size();
  }
  d["timelines"] = std::move(tls);
  json kinds = json::array();
  for (int k = 0; k <= static_cast<int>(MarkKind::device_del); ++k)
    kinds.push_back(to_string(static_cast<MarkKind>(k)));
  d["markKinds"] = std::move(kinds);
  d["strings"] = str.to_json();
  return d;
}

}  // namespace reprobe
