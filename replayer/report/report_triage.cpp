// The "Triage" section of a report (see report_triage.h).
#include "replayer/report/report_triage.h"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "replayer/report/report_sections.h"
#include "replayer/verdict/json_field.h"
#include "replayer/verdict/report_units.h"

namespace reprobe {

namespace {

struct FailureSeen {
  std::string kind;  // class, without "failure:"
  std::string dev, text;
  uint64_t t = 0;
  uint64_t line = 0;
  size_t order = 0;
};

// Causes before their consequences (a missing file or a dead controller before the DSP boot or
// probe-work failure it causes), deferrals and other errors last.
int rank(const std::string& kind) {
  static constexpr std::array<std::string_view, 13> kOrder = {
      "firmware-missing", "topology", "hda-controller", "codec-probe",   "soundwire", "machine-driver", "dsp-boot",
      "card-register",    "resource", "probe-failed",   "rejects-match", "deferral",  "other-error"};
  for (size_t i = 0; i < kOrder.size(); ++i)
    if (kOrder[i] == kind) return static_cast<int>(i);
  return static_cast<int>(kOrder.size());
}

std::string in_words(const std::string& kind) {
  if (kind == "firmware-missing") return "firmware file missing";
  if (kind == "topology") return "topology missing or inconsistent";
  if (kind == "dsp-boot") return "DSP boot failure";
  if (kind == "hda-controller") return "HDA controller reset/ready failure";
  if (kind == "machine-driver") return "no machine driver";
  if (kind == "soundwire") return "SoundWire error";
  if (kind == "codec-probe") return "codec probe failure";
  if (kind == "card-register") return "card registration failure";
  if (kind == "probe-failed") return "probe failed";
  if (kind == "rejects-match") return "probe rejected the device";
  if (kind == "resource") return "regulator/clock/GPIO not obtained";
  if (kind == "deferral") return "deferral";
  return "error";
}

std::vector<FailureSeen> failures_of(const Trace& tr) {
  std::vector<FailureSeen> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& e : tr.events) {
    if (e.kind != EventKind::extension || e.id >= tr.extensions.size()) continue;
    const std::string& raw = tr.extensions[e.id];
    if (raw.find("\"failure:") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(raw, nullptr, false);
    if (j.is_discarded()) continue;
    FailureSeen f;
    f.kind = string_field(j, "kind");
    if (!f.kind.starts_with("failure:")) continue;
    f.kind = f.kind.substr(8);
    f.dev = string_field(j, "dev");
    f.text = string_field(j, "text");
    f.line = static_cast<uint64_t>(std::max<int64_t>(0, int_field(j, "line", 0)));
    f.t = e.t;
    if (!seen.insert({f.dev, f.text}).second) continue;  // repeated lines (retries, pasted twice)
    f.order = out.size();
    out.push_back(std::move(f));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FailureSeen& a, const FailureSeen& b) { return rank(a.kind) < rank(b.kind); });
  return out;
}

// "The log holds 3 boots; boot 2 is replayed: the last boot that shows a failure line ..." (empty:
// one boot, or a trace that is not a log import).
std::string boots_words(const Trace& tr) {
  const auto& h = tr.header;
  if (!h.contains("x-import") || !h["x-import"].is_object()) return {};
  const auto& x = h["x-import"];
  if (!x.contains("boots") || !x["boots"].is_number_unsigned() || x["boots"].get<uint64_t>() < 2) return {};
  if (!x.contains("boot") || !x["boot"].is_number_unsigned()) return {};
  const std::string why = x.contains("boot_chosen") && x["boot_chosen"].is_string()
                              ? x["boot_chosen"].get<std::string>()
                              : std::string("the last one");
  return fmt::format("The log holds {} boots; boot {} is replayed: {} (reprobe import --boot N chooses another).",
                     x["boots"].get<uint64_t>(), x["boot"].get<uint64_t>(), why);
}

Line failure_line(const FailureSeen& f, bool untimed, size_t chars) {
  Line l(in_words(f.kind));
  if (f.line) l.t(fmt::format(", line {}", f.line));
  if (!untimed) l.t(fmt::format(" ({})", report_instant(f.t)));
  l.t(": ");
  if (!f.dev.empty()) l.v(f.dev).t(": ");
  l.v(cut_text(f.text, chars));
  int64_t err = 0;
  const size_t p = f.text.rfind(" -");
  if (p != std::string::npos) {
    size_t q = p + 2;
    while (q < f.text.size() && f.text[q] >= '0' && f.text[q] <= '9') err = err * 10 + (f.text[q++] - '0');
    if (err > 0 && err < 4096 && (q == f.text.size() || f.text[q] < '0' || f.text[q] > '9'))
      l.t(" — errno " + errno_with_name(-err));
  }
  return l;
}

bool any_target_deferred(const ReplayReport& rep) {
  for (DevId d : rep.targets)
    if (rep.model.devices[d].observed_deferrals > 0 || rep.model.devices[d].deferred_at_start) return true;
  return false;
}

}  // namespace

void add_triage(ReportDocument& doc, const ReplayReport& rep, const Trace& tr, const ReportCaps& caps) {
  const auto failures = failures_of(tr);
  if (failures.empty() && rep.targets_how.empty() && !rep.targets.empty() && boots_words(tr).empty()) return;
  const bool untimed = rep.clock == ReportClock::log_lines;
  Section s;
  s.title = "Triage";
  if (!rep.targets_how.empty()) s.paragraph(Line(rep.targets_how + "."));
  if (rep.targets.empty())
    s.paragraph(
        "No device of this log registered or tried to register a sound card, and none of its lines names a "
        "sound device that deferred or failed; name one with --target to replay it.");
  const bool bound = !rep.targets.empty() && stock_targets_bound(rep) == rep.targets.size();
  const auto hard = std::find_if(failures.begin(), failures.end(),
                                 [](const FailureSeen& f) { return f.kind != "deferral" && f.kind != "other-error"; });
  if (!bound && hard != failures.end() && !any_target_deferred(rep)) {
    Line l("No deferral explains the missing card: the log shows a ");
    l.add(failure_line(*hard, untimed, caps.verbatim_chars));
    l.t(".");
    doc.lead.push_back(l);
  }
  if (const std::string boots = boots_words(tr); !boots.empty()) s.paragraph(Line(boots));
  if (untimed)
    s.paragraph(
        "The log has no timestamps: events are replayed in line order and this report gives line numbers, "
        "not times.");
  if (!failures.empty()) {
    s.paragraph(fmt::format("What the log says failed ({}, most severe kind first):",
                            count_of(failures.size(), "distinct line", "distinct lines")));
    std::vector<Line> items;
    for (size_t i = 0; i < failures.size() && i < caps.list_items; ++i)
      items.push_back(failure_line(failures[i], untimed, caps.verbatim_chars));
    if (failures.size() > caps.list_items)
      items.emplace_back(fmt::format("and {} more (cut)", failures.size() - caps.list_items));
    s.bullets(std::move(items));
  } else {
    s.paragraph("No line of the log says that a sound device failed.");
  }
  doc.sections.insert(doc.sections.begin(), std::move(s));
}

}  // namespace reprobe
