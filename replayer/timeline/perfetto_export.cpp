#include "replayer/timeline/perfetto_export.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "replayer/report/report_redaction.h"
#include "replayer/report/report_sections.h"
#include "replayer/report/scrub_cache.h"
#include "replayer/verdict/report_units.h"

namespace reprobe {

namespace {

// µs with the ns kept: "25000200.123". Integer arithmetic, so deterministic.
std::string us(uint64_t ns) { return fmt::format("{}.{:03}", ns / 1000u, ns % 1000u); }

// JSON string literal; invalid UTF-8 (a corrupt reason) becomes U+FFFD instead of throwing.
std::string js(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct Out {
  uint64_t ts = 0;
  uint64_t dur = 0;  // X only (sorts longer first, so parents open before children)
  uint8_t rank = 0;  // at equal ts: async ends, slices, async begins, instants, flows
  uint64_t seq = 0;
  std::string line;
};

enum Rank : uint8_t { kAsyncEnd = 0, kSlice = 1, kAsyncBegin = 2, kInstant = 3, kFlow = 4 };

struct SliceCandidate {
  uint64_t start = 0, end = 0;
  uint32_t tid = 0;
  std::string name, cat, args;    // args: a JSON object text
  uint32_t flow_in = UINT32_MAX;  // flow id ending at this slice's start
};

class Emitter {
 public:
  Emitter(uint32_t pid, uint64_t& next_id) : pid_(pid), next_id_(next_id) {}

  void slice(SliceCandidate c) { slices_.push_back(std::move(c)); }
  void instant(uint64_t t, uint32_t tid, std::string_view name, std::string_view cat, const std::string& args) {
    add(t, 0, kInstant,
        fmt::format(R"({{"ph":"i","s":"t","pid":{},"tid":{},"ts":{},"name":{},"cat":"{}","args":{}}})", pid_, tid,
                    us(t), js(name), cat, args));
  }
  void async(uint64_t b, uint64_t e, uint32_t tid, std::string_view name, std::string_view cat,
             const std::string& args) {
    const uint64_t id = next_id_++;
    add(b, 0, kAsyncBegin,
        fmt::format(R"({{"ph":"b","pid":{},"tid":{},"ts":{},"id":{},"name":{},"cat":"{}","args":{}}})", pid_, tid,
                    us(b), id, js(name), cat, args));
    add(e, 0, kAsyncEnd,
        fmt::format(R"({{"ph":"e","pid":{},"tid":{},"ts":{},"id":{},"name":{},"cat":"{}"}})", pid_, tid, us(e), id,
                    js(name), cat));
  }
  uint64_t flow_start(uint64_t t, uint32_t tid) {
    const uint64_t id = next_id_++;
    add(t, 0, kFlow,
        fmt::format(R"({{"ph":"s","pid":{},"tid":{},"ts":{},"id":{},"name":"retry","cat":"trigger"}})", pid_, tid,
                    us(t), id));
    return id;
  }
  void flow_end(uint64_t t, uint32_t tid, uint64_t id) {
    add(t, 0, kFlow,
        fmt::format(R"({{"ph":"f","bp":"e","pid":{},"tid":{},"ts":{},"id":{},"name":"retry","cat":"trigger"}})", pid_,
                    tid, us(t), id));
  }
  void metadata(std::string line) { meta_.push_back(std::move(line)); }

  // Slices that nest on their track become X events, the others async pairs.
  std::vector<std::string> finish() {
    std::stable_sort(slices_.begin(), slices_.end(), [](const SliceCandidate& a, const SliceCandidate& b) {
      if (a.tid != b.tid) return a.tid < b.tid;
      if (a.start != b.start) return a.start < b.start;
      return a.end > b.end;
    });
    std::vector<uint64_t> open;  // ends of the enclosing slices on the current track
    uint32_t track = UINT32_MAX;
    for (auto& c : slices_) {
      if (c.tid != track) {
        open.clear();
        track = c.tid;
      }
      while (!open.empty() && open.back() <= c.start) open.pop_back();
      if (!open.empty() && c.end > open.back()) {
        async(c.start, c.end, c.tid, c.name, c.cat, c.args);
        continue;
      }
      open.push_back(c.end);
      add(c.start, c.end - c.start, kSlice,
          fmt::format(R"({{"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"name":{},"cat":"{}","args":{}}})", pid_, c.tid,
                      us(c.start), us(c.end - c.start), js(c.name), c.cat, c.args));
    }
    std::stable_sort(out_.begin(), out_.end(), [](const Out& a, const Out& b) {
      if (a.ts != b.ts) return a.ts < b.ts;
      if (a.rank != b.rank) return a.rank < b.rank;
      if (a.dur != b.dur) return a.dur > b.dur;
      return a.seq < b.seq;
    });
    std::vector<std::string> lines = std::move(meta_);
    lines.reserve(lines.size() + out_.size());
    for (auto& o : out_) lines.push_back(std::move(o.line));
    return lines;
  }

 private:
  void add(uint64_t ts, uint64_t dur, uint8_t rank, std::string line) {
    out_.push_back(Out{ts, dur, rank, seq_++, std::move(line)});
  }
  uint32_t pid_;
  uint64_t& next_id_;
  uint64_t seq_ = 0;
  std::vector<SliceCandidate> slices_;
  std::vector<Out> out_;
  std::vector<std::string> meta_;
};

std::string_view mark_arg(MarkKind k) {
  switch (k) {
    case MarkKind::deferral:
      return "reason";
    case MarkKind::bind:
    case MarkKind::unbind:
    case MarkKind::driver_register:
      return "driver";
    case MarkKind::resource:
    case MarkKind::resource_gone:
      return "resources";
    case MarkKind::module_request:
    case MarkKind::module_load:
      return "module";
    case MarkKind::timeout_armed:
    case MarkKind::timeout_extended:
      return "timeout";
    case MarkKind::card_register:
      return "card";
    case MarkKind::device_add:
      return "bus";
    default:
      return "text";
  }
}

void emit_timeline(Emitter& em, const Timeline& tl, bool observed, ScrubCache& scrub) {
  const auto tid = [](uint32_t lane) { return lane + 1; };
  for (const auto& r : tl.rounds) {
    SliceCandidate c;
    c.start = r.start;
    c.end = r.end;
    c.tid = tid(kCoreLane);
    c.name = "deferred_probe_work_func";
    c.cat = "deferred_work";
    c.args = fmt::format(R"({{"complete":{}}})", r.end_known ? "true" : "false");
    em.slice(std::move(c));
  }
  for (const auto& g : tl.triggers) {
    if (g.ignored) {
      em.instant(g.t, tid(kCoreLane), "trigger ignored (" + scrub(g.cause) + ")", "trigger",
                 fmt::format(R"({{"cause":{}}})", js(scrub(g.cause))));
      continue;
    }
    SliceCandidate c;
    c.start = c.end = g.t;
    c.tid = tid(kCoreLane);
    c.name = "trigger " + scrub(g.cause);
    c.cat = "trigger";
    c.args = fmt::format(R"({{"cause":{},"count":{},"retries":{}}})", js(scrub(g.cause)), g.count, g.retries.size());
    em.slice(std::move(c));
    for (uint32_t p : g.retries) {
      const auto& probe = tl.probes[p];
      const uint64_t id = em.flow_start(g.t, tid(kCoreLane));
      em.flow_end(probe.start, tid(probe.lane), id);
    }
  }
  for (const auto& p : tl.probes) {
    SliceCandidate c;
    c.start = p.start;
    c.end = p.end;
    c.tid = tid(p.lane);
    c.name = fmt::format("probe {}", p.end_known ? to_string(p.outcome) : std::string_view("unfinished"));
    c.cat = "probe";
    std::string args = fmt::format(R"({{"driver":{},"outcome":"{}")", js(scrub(p.driver)),
                                   p.end_known ? to_string(p.outcome) : std::string_view("unfinished"));
    if (observed && p.end_known && p.ret_known) args += fmt::format(R"(,"ret":{})", p.ret);
    if (p.trigger != UINT32_MAX)
      args += fmt::format(R"(,"retry_after_trigger":{})", js(scrub(tl.triggers[p.trigger].cause)));
    args += "}";
    c.args = std::move(args);
    em.slice(std::move(c));
  }
  for (const auto& mk : tl.marks) {
    std::string name(to_string(mk.kind));
    std::string args =
        mk.text.empty() ? std::string("{}") : fmt::format(R"({{"{}":{}}})", mark_arg(mk.kind), js(scrub(mk.text)));
    em.instant(mk.t, tid(mk.lane), name, mk.kind == MarkKind::deferral ? "deferral" : "mark", args);
  }
  for (const auto& f : tl.firmware) {
    const uint64_t end = f.nowait && f.callback_known ? f.callback_end : f.done;
    std::string args = fmt::format(R"({{"mode":"{}","id":{},"complete":{})", f.nowait ? "nowait" : "sync", f.id,
                                   f.done_known ? "true" : "false");
    if (f.done_known) args += fmt::format(R"(,"ret":{})", f.ret);
    if (!f.callback.empty()) args += fmt::format(R"(,"callback":{})", js(scrub(f.callback)));
    args += "}";
    em.async(f.request, end, tid(f.lane), "firmware " + scrub(f.name), "firmware", args);
    if (f.nowait && f.done_known && f.callback_known)
      em.async(f.done, f.callback_end, tid(f.lane),
               "callback " + (f.callback.empty() ? std::string("(unknown)") : scrub(f.callback)), "firmware", "{}");
  }
}

// " — binds at 16.258 s", " — undetermined", " — stranded": the process name says the verdict.
std::string verdict_suffix(const ReplayReport& rep, const std::string& policy) {
  for (const auto& v : rep.verdicts) {
    if (v.policy.spec != policy) continue;
    if (v.verdict == Verdict::undetermined) return " — undetermined";
    if (v.verdict == Verdict::stranded) return " — stranded";
    if (!v.target_bound_at) return " — bound";
    if (v.target_bound_latest)
      return " — binds between " + report_instant(*v.target_bound_at) + " and " +
             report_instant(*v.target_bound_latest);
    return " — binds at " + report_instant(*v.target_bound_at);
  }
  return "";
}

}  // namespace

void write_perfetto_json(std::ostream& out, const TimelineModel& tm, const ReplayReport& rep, const Trace& tr,
                         const ReportOptions& opts) {
  const ReportClockScope clock_scope(rep.clock, rep.clock_last_ns);
  Redactor redactor = report_redactor(tr, opts);
  ScrubCache scrub(redactor);
  uint64_t next_id = 1;
  nlohmann::ordered_json meta;
  meta["generator"] = "reprobe export --perfetto";
  meta["source"] = tr.source;
  meta["kernel_release"] = scrub(tr.kernel_release);
  meta["profile"] = rep.profile.name;
  meta["redacted"] = opts.redact;
  nlohmann::ordered_json pols = nlohmann::ordered_json::array();
  for (const auto& t : tm.replayed) pols.push_back(t.name);
  meta["replayed_policies"] = pols;
  // The verdicts in words (undetermined ones with their reasons), and a replay that does not
  // reproduce the trace said first.
  if (auto headline = divergence_headline(rep)) meta["divergence"] = scrub(headline->plain());
  {
    ReportDocument outcomes;
    add_policy_outcomes(outcomes, rep, ReportCaps{});
    nlohmann::ordered_json words = nlohmann::ordered_json::array();
    if (!outcomes.sections.empty())
      for (const auto& b : outcomes.sections.front().blocks)
        for (const auto& l : b.lines) words.push_back(scrub(l.plain()));
    meta["verdicts"] = words;
  }
  out << "{\"displayTimeUnit\":\"ms\",\"metadata\":" << meta.dump() << ",\"traceEvents\":[\n";
  bool first = true;
  const auto emit = [&](uint32_t pid, const std::string& pname, const Timeline& tl, bool observed) {
    Emitter em(pid, next_id);
    em.metadata(
        fmt::format(R"({{"ph":"M","pid":{},"tid":0,"name":"process_name","args":{{"name":{}}}}})", pid, js(pname)));
    em.metadata(fmt::format(R"({{"ph":"M","pid":{},"tid":0,"name":"process_sort_index","args":{{"sort_index":{}}}}})",
                            pid, pid));
    for (uint32_t l = 0; l < tm.lanes.size(); ++l) {
      const auto& lane = tm.lanes[l];
      std::string name = scrub(lane.label);
      if (lane.target) name += " (target)";
      em.metadata(fmt::format(R"({{"ph":"M","pid":{},"tid":{},"name":"thread_name","args":{{"name":{}}}}})", pid, l + 1,
                              js(name)));
      em.metadata(fmt::format(R"({{"ph":"M","pid":{},"tid":{},"name":"thread_sort_index","args":{{"sort_index":{}}}}})",
                              pid, l + 1, l));
    }
    emit_timeline(em, tl, observed, scrub);
    for (auto& line : em.finish()) {
      if (!first) out << ",\n";
      first = false;
      out << line;
    }
  };
  emit(1, "observed (" + tr.source + " capture)", tm.observed, true);
  for (size_t i = 0; i < tm.replayed.size(); ++i)
    emit(static_cast<uint32_t>(i + 2), "replay: " + tm.replayed[i].name + verdict_suffix(rep, tm.replayed[i].name),
         tm.replayed[i], false);
  out << "\n]}\n";
}

std::string format_perfetto_json(const TimelineModel& tm, const ReplayReport& rep, const Trace& tr,
                                 const ReportOptions& opts) {
  std::ostringstream os;
  write_perfetto_json(os, tm, rep, tr, opts);
  return os.str();
}

}  // namespace reprobe
