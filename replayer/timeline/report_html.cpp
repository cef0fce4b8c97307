#include "replayer/timeline/report_html.h"

#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "replayer/report/escape.h"
#include "replayer/report/report_redaction.h"
#include "replayer/report/report_sections.h"
#include "replayer/report/scrub_cache.h"
#include "replayer/timeline/report_html_assets.h"
#include "replayer/timeline/report_html_data.h"
#include "replayer/timeline/timeline.h"
#include "replayer/verdict/report_units.h"

namespace reprobe {

namespace {

std::string esc(std::string_view s) { return escape_html(s); }

const nlohmann::ordered_json* at_path(const nlohmann::ordered_json& j, std::initializer_list<const char*> path) {
  const nlohmann::ordered_json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return nullptr;
    p = &(*p)[k];
  }
  return p;
}

std::string str_at(const nlohmann::ordered_json& j, std::initializer_list<const char*> path) {
  const auto* p = at_path(j, path);
  return p && p->is_string() ? p->get<std::string>() : std::string();
}

void row(std::string& o, std::string_view key, const std::string& value, bool code = false) {
  if (value.empty()) return;
  o += fmt::format("<tr><th scope=\"row\">{}</th><td>{}{}{}</td></tr>\n", esc(key), code ? "<code>" : "", esc(value),
                   code ? "</code>" : "");
}

std::string summary_html(const ReplayReport& rep, const Trace& tr, ScrubCache& scrub) {
  std::string o = "<table class=\"kv\" id=\"machine\">\n";
  const auto& h = tr.header;
  const RedactedHeader rh = redacted_header(tr, scrub.redactor());  // the same pass as Markdown and text
  row(o, "trace", scrub(std::filesystem::path(tr.path).filename().string()), true);
  row(o, "source",
      tr.source + (tr.source == "bpf"         ? " (eBPF capture)"
                   : tr.source == "synthetic" ? " (synthetic scenario)"
                                              : " (log-derived)"));
  row(o, "kernel release", scrub(tr.kernel_release), true);
  row(o, "kernel version", scrub(str_at(rh.snapshot, {"kernel", "version"})), true);
  row(o, "command line", scrub(rh.cmdline), true);
  const std::string vendor = str_at(rh.snapshot, {"dmi", "sys_vendor"}),
                    product = str_at(rh.snapshot, {"dmi", "product_name"});
  row(o, "machine", scrub(fmt::format("{}{}{}", vendor, vendor.empty() || product.empty() ? "" : " ", product)));
  const std::string bios_vendor = str_at(rh.snapshot, {"dmi", "bios_vendor"}),
                    bios = str_at(rh.snapshot, {"dmi", "bios_version"});
  if (!bios_vendor.empty() || !bios.empty())
    row(o, "BIOS", scrub(bios_vendor + (bios_vendor.empty() ? "" : " ") + bios));
  row(o, "replay profile",
      fmt::format("{}{}", rep.profile.name,
                  rep.capture_timeout
                      ? fmt::format(" (deferred_probe_timeout={} from the command line)", *rep.capture_timeout)
                      : std::string()));
  row(o, "events",
      fmt::format("{} events, {} devices, {} probe attempts, {} deferrals", tr.events.size(), tr.devices.size(),
                  rep.model.observed.probe_attempts, rep.model.observed.deferrals));
  if (tr.end)
    row(o, "capture end", fmt::format("{} events dropped, {} lost", tr.end->dropped, tr.end->lost));
  else
    row(o, "capture end", "no end line: the capture was cut short");
  if (const auto* hooks = at_path(h, {"hooks"}); hooks && hooks->is_object() && !hooks->empty()) {
    std::map<std::string, int> tiers;
    for (auto it = hooks->begin(); it != hooks->end(); ++it)
      if (it.value().is_string()) ++tiers[it.value().get<std::string>()];
    std::string t;
    for (const auto& [k, n] : tiers) t += fmt::format("{}{} {}", t.empty() ? "" : ", ", n, k);
    row(o, "hooks", t);
  }
  row(o, "fidelity",
      rep.fidelity.exact
          ? fmt::format("stock replay reproduces the capture exactly (confidence {})", rep.fidelity.confidence)
          : fmt::format("{} divergence(s) between the stock replay and the capture (confidence {})",
                        rep.fidelity.divergences.size(), rep.fidelity.confidence));
  o += "</table>\n";
  if (!rep.fidelity.divergences.empty()) {
    o += "<details><summary>divergences</summary><ul>\n";
    for (const auto& d : rep.fidelity.divergences) o += "<li>" + esc(scrub(d)) + "</li>\n";
    o += "</ul></details>\n";
  }
  return o;
}

std::string verdict_table_html(const ReplayReport& rep, ScrubCache& scrub) {
  std::string o =
      "<table id=\"verdicts\"><thead><tr><th>policy</th><th>target bound</th><th>bound at</th><th class=\"n\">probe "
      "attempts</th>"
      "<th class=\"n\">deferrals</th><th class=\"n\">triggers</th><th>timeout "
      "fired</th><th>stranded</th></tr></thead><tbody>\n";
  for (const auto& v : rep.verdicts) {
    std::string stranded;
    for (const auto& s : v.stranded)
      stranded += fmt::format("{}{}", stranded.empty() ? "" : ", ", scrub(rep.model.dev_label(s.dev)));
    o += fmt::format(
        "<tr data-policy=\"{}\" class=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
        esc(v.policy.spec),
        v.bound()                            ? "ok"
        : v.verdict == Verdict::undetermined ? "open"
                                             : "bad",
        esc(v.policy.spec),
        v.bound()                            ? "yes"
        : v.verdict == Verdict::undetermined ? "<em>undetermined</em>"
                                             : "<strong>no</strong>",
        v.target_bound_at ? report_instant(*v.target_bound_at) +
                                (v.target_bound_latest ? " – " + report_instant(*v.target_bound_latest) : "")
                          : "—",
        v.probe_attempts, v.deferrals, v.triggers,
        v.timeout_fired_at ? report_timer_instant(*v.timeout_fired_at) : "no", stranded.empty() ? "—" : esc(stranded));
  }
  o += "</tbody></table>\n";
  return o;
}

// The page header: the disagreement with the trace first, then the target and its verdict.
std::string header_html(const ReplayReport& rep, const std::string& trace_name, ScrubCache& scrub) {
  std::string body;
  std::string targets;
  for (DevId d : rep.targets)
    targets += fmt::format("{}<code>{}</code>", targets.empty() ? "" : ", ", esc(scrub(rep.model.dev_label(d))));
  body += fmt::format("<header><h1>reprobe report <span class=\"file\">{}</span></h1>\n", esc(trace_name));
  if (auto headline = divergence_headline(rep))
    body += fmt::format("<p class=\"lead divergence\"><strong>{}</strong></p>\n", esc(scrub(headline->plain())));
  body += fmt::format("<p class=\"lead\">Target{}: {}.", rep.targets.size() == 1 ? "" : "s", targets);
  if (!rep.verdicts.empty()) {
    const auto& first = rep.verdicts.front();
    body += fmt::format(" Under <code>{}</code> the target {} bound{}.", esc(first.policy.spec),
                        first.bound()                            ? "is"
                        : first.verdict == Verdict::undetermined ? "is <em>perhaps</em> (undetermined)"
                                                                 : "is <strong>not</strong>",
                        first.target_bound_at ? " at " + report_instant(*first.target_bound_at) : std::string());
    std::string rescuers;
    for (const auto& v : rep.verdicts)
      if (v.bound() && !first.bound())
        rescuers += fmt::format("{}<code>{}</code>", rescuers.empty() ? "" : ", ", esc(v.policy.spec));
    if (!rescuers.empty()) body += " Bound under: " + rescuers + ".";
  }
  return body;
}

// "Why each policy binds or not" (report_sections.h), as a list.
std::string policy_outcomes_html(const ReplayReport& rep, ScrubCache& scrub) {
  ReportDocument outcomes;
  add_policy_outcomes(outcomes, rep, ReportCaps{});
  if (outcomes.sections.empty()) return {};
  std::string o = "<h3>Why each policy binds or not</h3>\n<ul id=\"policy-outcomes\">\n";
  for (const auto& b : outcomes.sections.front().blocks)
    for (const auto& l : b.lines) o += "<li>" + esc(scrub(l.plain())) + "</li>\n";
  return o + "</ul>\n";
}

// The robustness section (robustness.h), its paragraphs, table and list as HTML.
std::string robustness_html(const Section& s, ScrubCache& scrub) {
  std::string o = "<section id=\"robustness\"><h2>" + esc(s.title) + "</h2>\n";
  const auto cell = [&](const Line& l) { return esc(scrub(l.plain())); };
  for (const auto& b : s.blocks) {
    if (b.kind == Block::Kind::table) {
      o += "<table id=\"robustness-table\"><thead><tr>";
      for (const auto& c : b.table.columns) o += "<th>" + esc(c) + "</th>";
      o += "</tr></thead><tbody>\n";
      for (const auto& row : b.table.rows) {
        o += "<tr>";
        for (const auto& c : row) o += "<td>" + cell(c) + "</td>";
        o += "</tr>\n";
      }
      o += "</tbody></table>\n";
    } else if (b.kind == Block::Kind::bullets) {
      o += "<ul>\n";
      for (const auto& l : b.lines) o += "<li>" + cell(l) + "</li>\n";
      o += "</ul>\n";
    } else {
      for (const auto& l : b.lines) o += "<p>" + cell(l) + "</p>\n";
    }
  }
  return o + "</section>\n";
}

// No string in the data can close the script element (escape.h).
std::string data_script(const nlohmann::json& data) {
  return escape_json_for_html(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

std::string format_report_html(const ReplayReport& rep, const Trace& tr, const ReportOptions& opts) {
  const ReportClockScope clock_scope(rep.clock, rep.clock_last_ns);
  Redactor redactor = report_redactor(tr, opts);
  ScrubCache scrub(redactor);
  const TimelineModel tm = build_timeline(rep, tr);

  std::string head =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  const std::string trace_name = scrub(std::filesystem::path(tr.path).filename().string());
  head += fmt::format("<title>reprobe report: {}</title>\n<style>\n{}</style>\n</head>\n<body>\n", esc(trace_name),
                      report_html_css());

  std::string body;
  body += header_html(rep, trace_name, scrub);
  body += "</p></header>\n<main>\n";
  body += "<section id=\"verdict-section\"><h2>Verdicts</h2>\n" + verdict_table_html(rep, scrub);
  body += policy_outcomes_html(rep, scrub);
  body += "</section>\n";
  if (opts.robustness) body += robustness_html(*opts.robustness, scrub);
  if (!rep.why.empty()) {
    body += "<section id=\"why\"><h2>Why (stock replay)</h2><ul>\n";
    for (const auto& w : rep.why) body += "<li>" + esc(scrub(w)) + "</li>\n";
    body += "</ul></section>\n";
  }

  // Timeline data, aggregated until the page fits html_limit.
  const size_t fixed = head.size() + body.size() + report_html_js().size() + 16384;
  // Choose the detail from a cheap count first (about 48 bytes per written item), so the
  // (expensive) JSON is usually built once; shrink further if the estimate was low.
  // Replay lanes identical to the capture are left out only when space is short.
  size_t detail = 24;
  const size_t budget = opts.html_limit > fixed ? opts.html_limit - fixed : 0;
  const bool drop_same = timeline_data_items(tm, detail, false) * 48 > budget;
  while (detail > 2 && timeline_data_items(tm, detail, drop_same) * 48 > budget)
    detail = detail > 8 ? detail * 2 / 3 : detail - 1;
  nlohmann::json data;
  TimelineDataStats stats;
  std::string data_text;
  for (;;) {
    stats = TimelineDataStats{};
    data = timeline_data_json(tm, detail, drop_same, scrub, stats);
    nlohmann::json policies = nlohmann::json::array();
    for (const auto& v : rep.verdicts)
      if (!v.timeline.empty()) policies.push_back(v.policy.spec);
    data["policies"] = policies;
    data["stats"] = {{"itemsIn", stats.items_in},
                     {"itemsOut", stats.items_out},
                     {"runs", stats.runs},
                     {"arrowsDropped", stats.arrows_dropped}};
    data_text = data_script(data);
    if (fixed + data_text.size() <= opts.html_limit || detail <= 2) break;
    detail = detail > 8 ? detail * 2 / 3 : detail - 1;
  }

  body +=
      "<section id=\"timeline-section\"><h2>Timeline</h2>\n"
      "<div class=\"controls\">\n"
      "<label>Overlay replay of <select id=\"policy\"><option value=\"-1\">(none: observed only)</option>";
  {
    size_t k = 0;
    for (const auto& v : rep.verdicts)
      if (!v.timeline.empty()) body += fmt::format("<option value=\"{}\">{}</option>", ++k, esc(v.policy.spec));
  }
  body +=
      "</select></label>\n"
      "<label>Filter devices <input id=\"filter\" type=\"search\" placeholder=\"name or bus, e.g. hda\"></label>\n"
      "<button id=\"toggle-healthy\" type=\"button\"></button>\n"
      "<label><input id=\"linear\" type=\"checkbox\"> linear time (no gap compression)</label>\n"
      "</div>\n<div id=\"legend\"></div>\n<p id=\"notes\" class=\"notes\"></p>\n<div id=\"timeline\"></div>\n";
  if (stats.runs > 0)
    body += fmt::format(
        "<p id=\"aggregated\" class=\"notes\">Aggregated to stay under {} MB: per device, kind and timeline, the first "
        "and "
        "last {} items are drawn one by one and the ones between are folded into {} runs in all (hatched bars and "
        "marks with \u00d7count; hover for the breakdown); replays leave out healthy devices (they bind on the first "
        "attempt under every policy){}. {} of {} items are drawn one by one; {} trigger\u2192retry arrow(s) whose ends "
        "were folded are not drawn. <code>reprobe export --perfetto</code> has the full timeline.</p>\n",
        opts.html_limit >> 20, detail / 2, stats.runs,
        stats.same_lanes ? fmt::format(" and, in {} (policy, device) pairs, devices whose replayed attempts have the "
                                       "capture's outcomes (their overlay row says so)",
                                       stats.same_lanes)
                         : std::string(),
        stats.items_out, stats.items_in, stats.arrows_dropped);
  else
    body +=
        "<p id=\"aggregated\" class=\"notes\">Nothing was aggregated: every probe attempt, mark and trigger is "
        "drawn.</p>\n";
  body += "</section>\n";
  body += "<section id=\"machine-section\"><h2>Machine and kernel" + std::string(opts.redact ? " (redacted)" : "") +
          "</h2>\n" + summary_html(rep, tr, scrub) + "</section>\n";
  body += "</main>\n<footer>Generated by reprobe " + std::string("0.1.0") +
          ". Self-contained: no network access, no external scripts or fonts.</footer>\n";

  std::string out = std::move(head);
  out += body;
  out += "<script type=\"application/json\" id=\"reprobe-data\">";
  out += data_text;
  out += "</script>\n<script>\n";
  out += report_html_js();
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace reprobe
