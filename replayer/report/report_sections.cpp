// Sections shared by report and replay output (see report_sections.h).
#include "replayer/report/report_sections.h"

#include <algorithm>

#include <fmt/format.h>

#include "replayer/verdict/report_units.h"

namespace reprobe {

std::string cut_text(std::string s, size_t max) {
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // UTF-8 boundary
  return s.substr(0, n) + fmt::format("... (+{} bytes)", s.size() - n);
}

size_t stock_targets_bound(const ReplayReport& rep) {
  size_t n = 0;
  for (const auto& story : rep.stories)
    if (story.bound) ++n;
  return n;
}

std::string stock_outcome_words(const ReplayReport& rep) {
  const size_t n = rep.targets.size();
  size_t bound = stock_targets_bound(rep), open = 0;
  for (const auto& v : rep.verdicts)
    if (v.policy.spec == "stock") {
      bound = 0;
      for (const auto& t : v.targets) {
        if (t.bound()) ++bound;
        if (t.verdict == Verdict::undetermined) ++open;
      }
    }
  if (n == 1)
    return bound ? "the card binds" : open ? "whether the card binds is undetermined" : "the card does not bind";
  return fmt::format("{} of {} target devices bind{}", bound, n,
                     open ? fmt::format(" ({} undetermined)", open) : std::string());
}

namespace {

std::string bound_cell(const PolicyVerdict& v) {
  size_t n = 0, open = 0;
  bool assumed = false;
  for (const auto& t : v.targets) {
    if (t.bound()) ++n;
    if (t.verdict == Verdict::undetermined) ++open;
    if (t.assumed_success && t.bound()) assumed = true;
  }
  std::string s;
  if (v.targets.size() == 1)
    s = n ? "yes" : open ? "undetermined" : "NO";
  else
    s = fmt::format("{} of {}", n, v.targets.size()) + (open ? fmt::format(" ({} undetermined)", open) : "");
  if (assumed) s += " (assumed)";
  return s;
}

std::string bound_at_cell(const PolicyVerdict& v) {
  if (!v.target_bound_at) return "-";
  if (v.target_bound_latest) return report_instant(*v.target_bound_at) + " – " + report_instant(*v.target_bound_latest);
  return report_instant(*v.target_bound_at);
}

// Stranded::waiting_for holds a resource name, "NAME (available; no retry since)"
// or "unknown (why)": the name is verbatim, the annotation prose.
Line waiting_for_line(const std::string& w, const ReportCaps& caps) {
  static const std::string kAvailable = " (available; no retry since)";
  if (w.size() > kAvailable.size() && w.compare(w.size() - kAvailable.size(), kAvailable.size(), kAvailable) == 0)
    return Line().v(cut_text(w.substr(0, w.size() - kAvailable.size()), caps.verbatim_chars)).t(kAvailable);
  if (w.rfind("unknown (", 0) == 0 || w.rfind("a retry (", 0) == 0) return Line(w);
  return Line().v(cut_text(w, caps.verbatim_chars));
}

Line stranded_cell(const Model& m, const PolicyVerdict& v, const ReportCaps& caps) {
  Line l;
  if (v.stranded.empty()) return Line("-");
  for (size_t i = 0; i < v.stranded.size() && i < caps.stranded_names; ++i) {
    const auto& s = v.stranded[i];
    if (i) l.t("; ");
    l.v(m.dev_label(s.dev)).t(" waits for ");
    for (size_t k = 0; k < s.waiting_for.size() && k < 2; ++k) {
      if (k) l.t(", ");
      l.add(waiting_for_line(s.waiting_for[k], caps));
    }
    if (s.waiting_for.size() > 2) l.t(fmt::format(" +{}", s.waiting_for.size() - 2));
  }
  if (v.stranded.size() > caps.stranded_names)
    l.t(fmt::format("; {} more stranded (cut)", v.stranded.size() - caps.stranded_names));
  return l;
}

std::string cost_cell(const PolicyVerdict& v) {
  std::string c;
  if (v.blocked_total_ns)
    c = fmt::format("probe blocked {} (max {})", report_gap(v.blocked_total_ns), report_gap(v.blocked_max_ns));
  if (v.timeout_fired_at)
    c += (c.empty() ? "" : "; ") + (report_clock() == ReportClock::log_lines
                                        ? std::string("timeout fired (the untimed log cannot place it)")
                                        : fmt::format("timeout fired at {}", report_instant(*v.timeout_fired_at)));
  if (v.truncated) c += (c.empty() ? "" : "; ") + std::string("simulation cut (runaway triggers)");
  return c.empty() ? "-" : c;
}

}  // namespace

void add_verdicts(ReportDocument& doc, const ReplayReport& rep, const ReportCaps& caps) {
  Section s;
  s.title = "Verdict per policy";
  Table t;
  t.columns = {"policy",
               rep.targets.size() == 1 ? "card bound?" : "targets bound",
               "bound at",
               "probe attempts",
               "deferrals",
               "triggers",
               "stranded (waiting for)",
               "cost"};
  t.numeric = {false, false, true, true, true, true, false, false};
  for (const auto& v : rep.verdicts)
    t.rows.push_back({Line().v(v.policy.spec), Line(bound_cell(v)), Line(bound_at_cell(v)),
                      Line(std::to_string(v.probe_attempts)), Line(std::to_string(v.deferrals)),
                      Line(std::to_string(v.triggers)), stranded_cell(rep.model, v, caps), Line(cost_cell(v))});
  s.table(std::move(t));
  s.paragraph(Line().v("stock").t(" replays the kernel's own behaviour (kernel profile " + rep.profile.name +
                                  "); every other row is a counterfactual replay of the same trace under a candidate "
                                  "trigger policy (docs/policies.md). \"bound at\" is when the last target bound."));
  doc.sections.push_back(std::move(s));
}

std::optional<Line> divergence_headline(const ReplayReport& rep) {
  if (rep.fidelity.exact) return std::nullopt;
  Line l("The replay disagrees with the trace: ");
  bool said = false;
  for (DevId d : rep.targets) {
    const DeviceModel& dm = rep.model.devices[d];
    const bool replay_bound = std::any_of(rep.stories.begin(), rep.stories.end(),
                                          [&](const TargetStory& s) { return s.dev == d && s.bound; });
    if (dm.observed_bound == replay_bound) continue;
    if (said) l.t("; ");
    said = true;
    l.t("the trace shows ").v(rep.model.dev_label(d));
    if (dm.observed_bound)
      l.t(" bound at " + report_instant(dm.observed_bound_at) + ", the model does not reproduce it");
    else
      l.t(" never bound, the model binds it");
  }
  if (!said)
    l.t(fmt::format("{} ({} in all)", rep.fidelity.divergences.front(),
                    count_of(rep.fidelity.divergences.size(), "difference", "differences")));
  l.t(" — the verdicts below are lower confidence (see Fidelity).");
  return l;
}

void add_policy_outcomes(ReportDocument& doc, const ReplayReport& rep, const ReportCaps& caps) {
  Section s;
  s.title = "Why each policy binds or not";
  std::vector<Line> items;
  const Model& m = rep.model;
  for (const auto& v : rep.verdicts) {
    for (size_t i = 0; i < v.targets.size() && i < caps.targets_explained; ++i) {
      const TargetOutcome& t = v.targets[i];
      Line l("Under ");
      l.v(v.policy.spec).t(", ").v(m.dev_label(t.dev));
      switch (t.verdict) {
        case Verdict::bound:
          if (t.bound_at_latest)
            l.t(" " + t.range_note);
          else
            l.t(" binds at " + report_instant(*t.bound_at));
          if (t.assumed_success) l.t(" (its success is assumed: the observed run never bound it)");
          l.t(".");
          break;
        case Verdict::undetermined:
          l.t(" is undetermined: ");
          for (size_t i = 0; i < t.undetermined.size(); ++i) l.t(i ? "; " : "").t(t.undetermined[i]);
          if (t.bound_at) l.t(". If it binds, it binds at " + report_instant(*t.bound_at));
          l.t(".");
          break;
        case Verdict::stranded: {
          auto st =
              std::find_if(v.stranded.begin(), v.stranded.end(), [&](const Stranded& x) { return x.dev == t.dev; });
          if (st == v.stranded.end()) {
            l.t(" does not bind: it is not on the deferred list at the end (never probed, or failed for good).");
          } else {
            l.t(" still fails: it waits for ");
            for (size_t k = 0; k < st->waiting_for.size() && k < 3; ++k) {
              if (k) l.t(", ");
              l.add(waiting_for_line(st->waiting_for[k], caps));
            }
            l.t(".");
          }
          break;
        }
      }
      items.push_back(std::move(l));
    }
  }
  if (items.empty()) return;
  s.bullets(std::move(items));
  doc.sections.push_back(std::move(s));
}

void add_stories(ReportDocument& doc, const ReplayReport& rep, const ReportCaps& caps) {
  const std::vector<TargetStory>& stories = rep.stories;
  const size_t stock_bound = stock_targets_bound(rep);
  Section s;
  s.title = "What happened (stock)";
  if (rep.targets.size() > 1) {
    // The stranded targets by kind, from the stock verdict.
    size_t missed = 0, never = 0, unknown = 0, failed = 0;
    for (const auto& v : rep.verdicts) {
      if (v.policy.spec != "stock") continue;
      for (const auto& t : v.targets) {
        if (t.bound()) continue;
        auto st = std::find_if(v.stranded.begin(), v.stranded.end(), [&](const Stranded& x) { return x.dev == t.dev; });
        if (st == v.stranded.end())
          ++failed;
        else if (st->waiting_for.empty() || st->waiting_for.front().rfind("unknown (", 0) == 0)
          ++unknown;
        else if (st->waiting_for.front().find("(available; no retry since)") != std::string::npos ||
                 st->waiting_for.front().rfind("a retry (", 0) == 0)
          ++missed;
        else
          ++never;
      }
    }
    s.paragraph(
        fmt::format("Of {} targets, {} bound under stock and {} did not: {} missed a retry (everything they "
                    "wait for appeared, but no trigger came afterwards), {} wait for something that never "
                    "appeared, {} wait for something unknown, {} never deferred-and-waited (not probed, or "
                    "failed).",
                    rep.targets.size(), stock_bound, rep.targets.size() - stock_bound, missed, never, unknown, failed));
  }
  const size_t shown = std::min(stories.size(), caps.targets_explained);
  for (size_t i = 0; i < shown; ++i) s.bullets(stories[i].lines);
  if (rep.targets.size() > shown) {
    const size_t stranded_total = rep.targets.size() - stock_bound;
    size_t stranded_shown = 0;
    for (size_t i = 0; i < shown; ++i)
      if (!stories[i].bound) ++stranded_shown;
    s.paragraph(fmt::format(
        "{} more targets are not explained here (cut): {} bound, {} not bound under stock. "
        "The verdict table and the per-device table cover them.",
        rep.targets.size() - shown, stock_bound - (shown - stranded_shown), stranded_total - stranded_shown));
  }
  doc.sections.push_back(std::move(s));
}

}  // namespace reprobe
