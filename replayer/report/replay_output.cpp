// Text, JSON and Markdown renderings of a ReplayReport. Deterministic: the
// same report renders to the same bytes.
#include "replayer/report/replay_output.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "replayer/report/report_markdown.h"
#include "replayer/report/report_sections.h"
#include "replayer/report/report_text.h"
#include "replayer/verdict/device_identity.h"
#include "replayer/verdict/report_units.h"

namespace reprobe {

namespace {

using json = nlohmann::ordered_json;

// Version 2: three-valued verdicts (`verdict`, `target_bound` null when undetermined,
// `undetermined`, `bound_at_range_ns`, `readings`) and `inference[].doubt` (docs/replay-json.md).
constexpr int kReplayJsonSchema = 2;

json bound_json(Verdict v) { return v == Verdict::undetermined ? json(nullptr) : json(v == Verdict::bound); }

json cause_json(const PolicyVerdict& v) {
  json c = json::object();
  for (size_t i = 0; i < kTriggerCauseCount; ++i)
    if (v.triggers_by_cause[i]) c[std::string(to_string(static_cast<TriggerCause>(i)))] = v.triggers_by_cause[i];
  return c;
}

// One entry of `policies` (docs/replay-json.md, "policies[]").
json policy_json(const Model& m, const PolicyVerdict& v) {
  json p = json::object();
  p["policy"] = v.policy.spec;
  p["verdict"] = to_string(v.verdict);
  p["target_bound"] = bound_json(v.verdict);
  p["target_bound_at_ns"] = v.target_bound_at ? json(*v.target_bound_at) : json(nullptr);
  p["bound_at_range_ns"] =
      v.target_bound_latest ? json::array({*v.target_bound_at, *v.target_bound_latest}) : json(nullptr);
  p["undetermined"] = v.undetermined;
  p["readings"] = v.two_readings ? 2 : 1;
  p["probe_attempts"] = v.probe_attempts;
  p["deferrals"] = v.deferrals;
  p["triggers"] = v.triggers;
  p["triggers_by_cause"] = cause_json(v);
  p["triggers_ignored"] = v.triggers_ignored;
  json st = json::array();
  for (const auto& s : v.stranded) {
    json x = json::object();
    x["device"] = m.dev_label(s.dev);
    x["waiting_for"] = s.waiting_for;
    x["evidence"] = to_string(s.evidence);
    st.push_back(x);
  }
  p["stranded"] = st;
  json ts = json::array();
  for (const auto& t : v.targets) {
    json x = json::object();
    x["device"] = m.dev_label(t.dev);
    x["verdict"] = to_string(t.verdict);
    x["bound"] = bound_json(t.verdict);
    x["bound_at_ns"] = t.bound_at ? json(*t.bound_at) : json(nullptr);
    x["bound_at_range_ns"] = t.bound_at_latest ? json::array({*t.bound_at, *t.bound_at_latest}) : json(nullptr);
    if (t.bound_at_latest) x["range_note"] = t.range_note;
    x["undetermined"] = t.undetermined;
    x["card_registered_at_ns"] = t.card_at ? json(*t.card_at) : json(nullptr);
    x["probe_attempts"] = t.attempts;
    x["deferrals"] = t.deferrals;
    x["assumed_success"] = t.assumed_success;
    ts.push_back(x);
  }
  p["targets"] = ts;
  json cost = json::object();
  cost["triggers"] = v.triggers;
  cost["probe_blocked_total_ns"] = v.blocked_total_ns;
  cost["probe_blocked_max_ns"] = v.blocked_max_ns;
  p["cost"] = cost;
  p["timeout"] = json::object({{"secs", v.policy.timeout_s},
                               {"extend_on_register", v.policy.extend_on_register},
                               {"fired_at_ns", v.timeout_fired_at ? json(*v.timeout_fired_at) : json(nullptr)}});
  p["race_fix"] = v.policy.race_fix;
  if (v.truncated) p["truncated"] = true;
  return p;
}

}  // namespace

ReportDocument replay_document(const ReplayReport& r) {
  const ReportClockScope clock_scope(r.clock, r.clock_last_ns);
  ReportCaps caps;  // nothing is cut: replay output has no size limit
  caps.targets_listed = caps.targets_explained = caps.stranded_names = caps.verbatim_chars = SIZE_MAX;
  ReportDocument doc;
  doc.made_by = "reprobe replay";
  const size_t n = r.targets.size();
  if (n == 0)
    doc.title = "reprobe replay: no target device";
  else
    doc.title = "reprobe replay: " + stock_outcome_words(r);
  if (!r.fidelity.exact) doc.title = "reprobe replay: the replay disagrees with the trace";
  doc.title += " (stock, kernel profile " + r.profile.name + ")";
  Line lead(n == 1 ? "Target: " : "Targets: ");
  for (size_t i = 0; i < n; ++i) {
    lead.t(i ? ", " : "").v(r.model.dev_label(r.targets[i]));
    if (r.model.trace)
      if (const std::string known = device_identity(*r.model.trace, r.targets[i]); !known.empty())
        lead.t(" (" + known + ")");
  }
  if (n == 0) lead.t("none");
  lead.t(". Trace ").v(r.trace_path).t(" (source " + r.source + "), kernel profile " + r.profile.name);
  if (r.capture_timeout) lead.t(fmt::format(", deferred_probe_timeout={} from the command line", *r.capture_timeout));
  if (auto headline = divergence_headline(r)) doc.lead.push_back(std::move(*headline));
  doc.lead.push_back(std::move(lead.t(".")));
  add_verdicts(doc, r, caps);
  add_policy_outcomes(doc, r, caps);
  add_stories(doc, r, caps);
  Section fid;
  fid.title = "Fidelity";
  if (r.fidelity.exact)
    fid.paragraph(
        fmt::format("The stock replay reproduces the capture exactly ({} confidence).", r.fidelity.confidence));
  else
    fid.paragraph(fmt::format("The stock replay diverges from the capture in {} ({} confidence):",
                              count_of(r.fidelity.divergences.size(), "point", "points"), r.fidelity.confidence));
  std::vector<Line> divergences;
  for (const auto& d : r.fidelity.divergences) divergences.push_back(Line().v(d));
  if (!divergences.empty()) fid.bullets(std::move(divergences));
  doc.sections.push_back(std::move(fid));
  if (!r.warnings.empty()) {
    Section w;
    w.title = "Warnings";
    std::vector<Line> items;
    for (const auto& x : r.warnings) items.push_back(Line().v(x));
    w.bullets(std::move(items));
    doc.sections.push_back(std::move(w));
  }
  return doc;
}

std::string format_text(const ReplayReport& r) { return render_text(replay_document(r)); }

std::string format_json(const ReplayReport& r) {
  const ReportClockScope clock_scope(r.clock, r.clock_last_ns);
  const Model& m = r.model;
  json o = json::object();
  o["schema_version"] = kReplayJsonSchema;
  if (auto headline = divergence_headline(r))
    o["headline"] = headline->plain();
  else
    o["headline"] = nullptr;
  json targets = json::array();
  for (DevId d : r.targets) targets.push_back(m.dev_label(d));
  o["target"] = targets;
  o["trace"] = r.trace_path;
  o["source"] = r.source;
  o["kernel_profile"] = r.profile.name;
  o["capture_timeout_s"] = r.capture_timeout ? json(*r.capture_timeout) : json(nullptr);
  json pols = json::array();
  for (const auto& v : r.verdicts) pols.push_back(policy_json(m, v));
  o["policies"] = pols;
  json fid = json::object();
  fid["exact"] = r.fidelity.exact;
  fid["confidence"] = r.fidelity.confidence;
  fid["divergences"] = r.fidelity.divergences;
  o["fidelity"] = fid;
  o["why"] = r.why;
  // What the model inferred, with evidence.
  json inf = json::array();
  for (const auto& dm : m.devices) {
    if (dm.need_mode == Evidence::none) continue;
    json x = json::object();
    x["device"] = m.dev_label(dm.dev);
    x["evidence"] = to_string(dm.need_mode);
    json needs = json::array();
    for (const auto& n : dm.needs)
      needs.push_back(json::object(
          {{"resource", m.resource_name(n.resource)}, {"evidence", to_string(n.evidence)}, {"detail", n.detail}}));
    x["needs"] = needs;
    if (dm.need_mode == Evidence::count) x["bound_from_attempt"] = dm.count_success_after;
    if (!dm.doubt.empty()) {
      json d = json::object();
      json any = json::array(), possible = json::array();
      for (uint32_t res : dm.doubt.any_of) any.push_back(m.resource_name(res));
      for (const auto& n : dm.doubt.possible)
        possible.push_back(json::object({{"resource", m.resource_name(n.resource)}, {"detail", n.detail}}));
      d["any_of"] = any;
      d["possible"] = possible;
      d["unknown"] = dm.doubt.unknown;
      d["why"] = dm.doubt.why;
      x["doubt"] = d;
    }
    if (!dm.assumed_provides.empty()) {
      json ap = json::array();
      for (uint32_t res : dm.assumed_provides) ap.push_back(m.resource_name(res));
      x["assumed_provides"] = ap;
    }
    inf.push_back(x);
  }
  o["inference"] = inf;
  json prov = json::array();
  for (const auto& a : m.arrivals) {
    if (a.is_bind || a.removal) continue;
    json x = json::object();
    x["resource"] = m.resource_name(a.resources[0]);
    x["at_ns"] = a.t;
    x["context"] = to_string(m.contexts[a.ctx].kind);
    x["provider"] = a.provider != kNoDev ? json(m.dev_label(a.provider)) : json(nullptr);
    const auto& pd = a.provider != kNoDev ? m.devices[a.provider] : m.devices.front();
    x["bind_to_ready_ns"] =
        a.provider != kNoDev && pd.observed_bound && !pd.initially_bound && a.t >= pd.observed_bound_at
            ? json(a.t - pd.observed_bound_at)
            : json(nullptr);
    prov.push_back(x);
  }
  o["providers"] = prov;
  o["warnings"] = r.warnings;
  return o.dump(2) + "\n";
}

std::string format_markdown(const ReplayReport& r) { return render_markdown(replay_document(r)); }

}  // namespace reprobe
