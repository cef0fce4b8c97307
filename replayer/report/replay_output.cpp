// Text, JSON and Markdown renderings of a ReplayReport. Deterministic: the
// same report renders to the same bytes.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "replayer/verdict/replay.h"
#include "replayer/report/replay_output.h"

namespace reprobe {

namespace {

using json = nlohmann::ordered_json;

std::string ms(uint64_t ns) { return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6); }
std::string ms_opt(const std::optional<uint64_t>& ns) { return ns ? ms(*ns) : "-"; }

std::string stranded_cell(const ReplayReport& r, const PolicyVerdict& v) {
  if (v.stranded.empty()) return "-";
  std::string out;
  for (const auto& s : v.stranded) {
    if (!out.empty()) out += "; ";
    std::string w;
    for (const auto& x : s.waiting_for) w += (w.empty() ? "" : ", ") + x;
    out += fmt::format("{} (waits for {})", r.model.dev_label(s.dev), w);
  }
  return out;
}

std::string cost_cell(const PolicyVerdict& v) {
  std::string c = fmt::format("{} triggers", v.triggers);
  if (v.blocked_total_ns) c += fmt::format(", probe blocked {} (max {})", ms(v.blocked_total_ns), ms(v.blocked_max_ns));
  return c;
}

std::string bound_cell(const PolicyVerdict& v) {
  std::string b = v.target_bound ? "yes" : "NO";
  for (const auto& t : v.targets)
    if (t.assumed_success) {
      b += " (assumed)";
      break;
    }
  return b;
}

std::string target_names(const ReplayReport& r) {
  std::string s;
  for (DevId d : r.targets) s += (s.empty() ? "" : ", ") + r.model.dev_label(d);
  return s;
}

json cause_json(const PolicyVerdict& v) {
  json c = json::object();
  for (size_t i = 0; i < kTriggerCauseCount; ++i)
    if (v.triggers_by_cause[i]) c[std::string(to_string(static_cast<TriggerCause>(i)))] = v.triggers_by_cause[i];
  return c;
}

}  // namespace

std::string format_text(const ReplayReport& r) {
  std::string out;
  out += fmt::format("trace:   {} (source {})\n", r.trace_path, r.source);
  out += fmt::format("kernel:  profile {}{}\n", r.profile.name,
                     r.capture_timeout ? fmt::format(", deferred_probe_timeout={} from the cmdline", *r.capture_timeout) : "");
  out += fmt::format("target:  {}\n\n", target_names(r));
  std::vector<std::array<std::string, 7>> rows;
  rows.push_back({"policy", "card bound?", "at", "probe attempts", "deferrals", "stranded (waiting for)", "cost"});
  for (const auto& v : r.verdicts)
    rows.push_back({v.policy.spec, bound_cell(v), ms_opt(v.target_bound_at), std::to_string(v.probe_attempts),
                    std::to_string(v.deferrals), stranded_cell(r, v), cost_cell(v)});
  std::array<size_t, 7> w{};
  for (const auto& row : rows)
    for (size_t i = 0; i < 7; ++i) w[i] = std::max(w[i], row[i].size());
  for (size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (size_t i = 0; i < 7; ++i) line += fmt::format("{:<{}}", rows[k][i], i + 1 < 7 ? w[i] + 2 : 0);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (k == 0) {
      std::string rule;
      for (size_t i = 0; i < 7; ++i) rule += std::string(w[i], '-') + (i + 1 < 7 ? "  " : "");
      out += rule + "\n";
    }
  }
  out += "\nwhy (stock):\n";
  for (const auto& s : r.why) out += "  " + s + "\n";
  out += fmt::format("\nfidelity: {} ({} confidence)\n", r.fidelity.exact ? "exact" : "DIVERGES", r.fidelity.confidence);
  for (const auto& d : r.fidelity.divergences) out += "  - " + d + "\n";
  for (const auto& w2 : r.warnings) out += "warning: " + w2 + "\n";
  return out;
}

std::string format_json(const ReplayReport& r) {
  const Model& m = r.model;
  json o = json::object();
  json targets = json::array();
  for (DevId d : r.targets) targets.push_back(m.dev_label(d));
  o["target"] = targets;
  o["trace"] = r.trace_path;
  o["source"] = r.source;
  o["kernel_profile"] = r.profile.name;
  o["capture_timeout_s"] = r.capture_timeout ? json(*r.capture_timeout) : json(nullptr);
  json pols = json::array();
  for (const auto& v : r.verdicts) {
    json p = json::object();
    p["policy"] = v.policy.spec;
    p["target_bound"] = v.target_bound;
    p["target_bound_at_ns"] = v.target_bound_at ? json(*v.target_bound_at) : json(nullptr);
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
      x["bound"] = t.bound;
      x["bound_at_ns"] = t.bound_at ? json(*t.bound_at) : json(nullptr);
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
    pols.push_back(p);
  }
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
      needs.push_back(json::object({{"resource", m.resource_name(n.resource)},
                                    {"evidence", to_string(n.evidence)},
                                    {"detail", n.detail}}));
    x["needs"] = needs;
    if (dm.need_mode == Evidence::count) x["bound_from_attempt"] = dm.count_success_after;
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
    x["bind_to_ready_ns"] = a.provider != kNoDev && pd.observed_bound && !pd.initially_bound && a.t >= pd.observed_bound_at
                                ? json(a.t - pd.observed_bound_at)
                                : json(nullptr);
    prov.push_back(x);
  }
  o["providers"] = prov;
  o["warnings"] = r.warnings;
  return o.dump(2) + "\n";
}

std::string format_markdown(const ReplayReport& r) {
  std::string out;
  out += fmt::format("### reprobe replay: {}\n\n", target_names(r));
  out += fmt::format("Trace `{}` (source {}), kernel profile **{}**.\n\n", r.trace_path, r.source, r.profile.name);
  out += "| policy | card bound? | at | probe attempts | deferrals | stranded (waiting for) | cost |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (const auto& v : r.verdicts)
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", v.policy.spec, bound_cell(v), ms_opt(v.target_bound_at),
                       v.probe_attempts, v.deferrals, stranded_cell(r, v), cost_cell(v));
  out += "\n**Why (stock):**\n\n";
  for (const auto& s : r.why) out += "- " + s + "\n";
  out += fmt::format("\n**Fidelity:** {} ({} confidence)\n", r.fidelity.exact ? "exact" : "diverges", r.fidelity.confidence);
  for (const auto& d : r.fidelity.divergences) out += "- " + d + "\n";
  return out;
}

}  // namespace reprobe
