// Builds the content of a report (see report_content.h and docs/report.md).
#include "replayer/report/report_content.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "replayer/model/policy.h"
#include "replayer/report/report_redaction.h"
#include "replayer/report/report_sections.h"
#include "replayer/report/report_triage.h"
#include "replayer/verdict/device_identity.h"
#include "replayer/verdict/report_units.h"

namespace reprobe {

using ojson = nlohmann::ordered_json;

bool ReportCaps::shrink() {
  if (device_rows <= 5 && targets_explained <= 1 && list_items <= 3 && verbatim_chars <= 80) return false;
  targets_listed = std::max<size_t>(2, targets_listed / 2);
  targets_explained = std::max<size_t>(1, targets_explained / 2);
  device_rows = std::max<size_t>(5, device_rows / 2);
  stranded_names = std::max<size_t>(1, stranded_names / 2);
  reasons_per_device = std::max<size_t>(1, reasons_per_device - 1);
  verbatim_chars = std::max<size_t>(80, verbatim_chars * 3 / 4);
  list_items = std::max<size_t>(3, list_items / 2);
  return true;
}

namespace {

struct DeviceRow {
  DevId dev = kNoDev;
  uint32_t attempts = 0, deferrals = 0;
  std::string label;
  std::vector<std::pair<StrId, uint32_t>> reasons;  // distinct, first appearance order, with counts
  ProbeOutcome last = ProbeOutcome::failed;
  int64_t last_ret = 0;
  bool last_ret_known = true;  // false: the trace gives no error code (probe_end without ret)
  uint64_t last_end = 0;
};

// Byte order, except that runs of digits compare as numbers ("sof-mach.3" < "sof-mach.11").
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      size_t is = i, js = j;
      while (is + 1 < ie && a[is] == '0') ++is;  // leading zeros do not count
      while (js + 1 < je && b[js] == '0') ++js;
      if (ie - is != je - js) return ie - is < je - js;
      const int c = a.compare(is, ie - is, b, js, je - js);
      if (c != 0) return c < 0;
      if (ie - i != je - j) return ie - i < je - j;  // "01" after "1"
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;
}

std::string json_str(const ojson& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return {};
}

const ojson* json_at(const ojson& j, std::initializer_list<const char*> path) {
  const ojson* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return nullptr;
    p = &(*p)[k];
  }
  return p;
}

std::string drivers_of(const Model& m, DevId d) {
  std::string s;
  for (uint32_t b : m.devices[d].bindings) {
    const std::string drv(m.trace->str(m.bindings[b].drv));
    if (s.find(drv) == std::string::npos) s += (s.empty() ? "" : ", ") + drv;
  }
  return s;
}

Line list_line(const std::vector<std::string>& items, size_t cap, size_t chars, const char* what) {
  Line l;
  for (size_t i = 0; i < items.size() && i < cap; ++i) {
    if (i) l.t(", ");
    l.v(cut_text(items[i], chars));
  }
  if (items.size() > cap) l.t(fmt::format(" and {} more {} (cut)", items.size() - cap, what));
  if (items.empty()) l.t("none");
  return l;
}

}  // namespace

struct ReportContent::Precomputed {
  std::vector<DeviceRow> deferred_rows;  // sorted: deferrals desc, attempts desc, label
  uint32_t probed = 0, bound_first = 0, deferred_any = 0, still_deferred = 0, failed_only = 0;
  uint64_t inferred_events = 0;
  uint64_t first_t = 0;
};

ReportContent::ReportContent(const ReplayReport& report, const Trace& trace, const ReportOptions& opts)
    : report_(report), trace_(trace), opts_(opts), pre_(std::make_unique<Precomputed>()) {
  const Model& m = report.model;
  for (const DeviceModel& dm : m.devices) {
    if (dm.observed_attempts == 0) continue;
    ++pre_->probed;
    DeviceRow row;
    row.dev = dm.dev;
    row.attempts = dm.observed_attempts;
    row.deferrals = dm.observed_deferrals;
    uint32_t last_event = 0;
    bool any_bound = false;
    for (uint32_t b : dm.bindings)
      for (uint32_t ai : m.bindings[b].attempts) {
        const Attempt& a = m.attempts[ai];
        if (a.outcome == ProbeOutcome::bound) any_bound = true;
        if (a.start_event >= last_event) {
          last_event = a.start_event;
          row.last = a.outcome;
          row.last_ret = a.ret;
          row.last_ret_known = a.end_event == 0 || m.trace->events[a.end_event].has_num();
          row.last_end = a.end;
        }
        for (StrId rs : a.reasons) {
          auto it = std::find_if(row.reasons.begin(), row.reasons.end(), [&](const auto& p) { return p.first == rs; });
          if (it == row.reasons.end())
            row.reasons.emplace_back(rs, 1);
          else
            ++it->second;
        }
      }
    if (dm.observed_deferrals == 0) {
      if (any_bound && dm.observed_attempts == 1)
        ++pre_->bound_first;
      else if (!any_bound)
        ++pre_->failed_only;
      continue;
    }
    ++pre_->deferred_any;
    if (!dm.observed_bound && row.last == ProbeOutcome::deferred) ++pre_->still_deferred;
    row.label = m.dev_label(dm.dev);
    pre_->deferred_rows.push_back(std::move(row));
  }
  std::sort(pre_->deferred_rows.begin(), pre_->deferred_rows.end(), [](const DeviceRow& a, const DeviceRow& b) {
    if (a.deferrals != b.deferrals) return a.deferrals > b.deferrals;
    if (a.attempts != b.attempts) return a.attempts > b.attempts;
    return natural_less(a.label, b.label);
  });
  for (const Event& e : trace.events)
    if (e.inferred) ++pre_->inferred_events;
  pre_->first_t = trace.events.empty() ? 0 : trace.events.front().t;
}

ReportContent::~ReportContent() = default;

namespace {

void add_devices(ReportDocument& doc, const ReplayReport& rep, const ReportContent::Precomputed& pre,
                 const ReportCaps& caps) {
  const Model& m = rep.model;
  Section s;
  s.title = "Deferrals per device";
  s.paragraph(
      fmt::format("{} probed in the capture: {} bound on the first attempt, {} deferred at least once "
                  "({} of them still deferred at the end), {} only failed or were rejected (no deferral).",
                  count_of(pre.probed, "device was", "devices were"), pre.bound_first, pre.deferred_any,
                  pre.still_deferred, pre.failed_only));
  if (pre.deferred_rows.empty()) {
    doc.sections.push_back(std::move(s));
    return;
  }
  s.collapsed = pre.deferred_rows.size() > 10;
  s.summary = count_of(pre.deferred_rows.size(), "device deferred", "devices deferred");
  Table t;
  t.columns = {"device",           "bus",
               "driver",           "attempts",
               "deferrals",        "outcome in the capture",
               "deferral reasons", "waits for (evidence)"};
  t.numeric = {false, false, false, true, true, false, false, false};
  const size_t shown = std::min(pre.deferred_rows.size(), caps.device_rows);
  for (size_t i = 0; i < shown; ++i) {
    const DeviceRow& r = pre.deferred_rows[i];
    const DeviceModel& dm = m.devices[r.dev];
    std::string outcome;
    if (dm.observed_bound)
      outcome = "bound at " + report_instant(dm.observed_bound_at);
    else if (r.last == ProbeOutcome::deferred)
      outcome = "deferred at the end";
    else if (!r.last_ret_known)
      outcome = fmt::format("{} (the log gives no error code) at {}", to_string(r.last), report_instant(r.last_end));
    else
      outcome = fmt::format("{} (ret {}) at {}", to_string(r.last), r.last_ret, report_instant(r.last_end));
    Line reasons;
    for (size_t k = 0; k < r.reasons.size() && k < caps.reasons_per_device; ++k) {
      if (k) reasons.t("; ");
      reasons.v(cut_text(std::string(m.trace->str(r.reasons[k].first)), caps.verbatim_chars));
      if (r.reasons[k].second > 1) reasons.t(fmt::format(" ×{}", r.reasons[k].second));
    }
    if (r.reasons.size() > caps.reasons_per_device)
      reasons.t(fmt::format("; {} more", r.reasons.size() - caps.reasons_per_device));
    if (r.reasons.empty()) reasons.t("none recorded");
    Line needs;
    for (size_t k = 0; k < dm.needs.size() && k < 2; ++k) {
      if (k) needs.t(", ");
      needs.v(cut_text(m.resource_name(dm.needs[k].resource), caps.verbatim_chars))
          .t(" (" + std::string(to_string(dm.needs[k].evidence)) + ")");
    }
    if (dm.needs.size() > 2) needs.t(fmt::format(", {} more", dm.needs.size() - 2));
    if (dm.needs.empty()) needs.t(dm.need_mode == Evidence::count ? "retried by count" : "unknown");
    const std::string drv = drivers_of(m, r.dev);
    t.rows.push_back({Line().v(r.label), Line().v(std::string(m.trace->str(dm.bus))),
                      drv.empty() ? Line("-") : Line().v(drv), Line(std::to_string(r.attempts)),
                      Line(std::to_string(r.deferrals)), Line(outcome), reasons, needs});
  }
  s.table(std::move(t));
  if (pre.deferred_rows.size() > shown) {
    uint64_t cut_deferrals = 0;
    for (size_t i = shown; i < pre.deferred_rows.size(); ++i) cut_deferrals += pre.deferred_rows[i].deferrals;
    s.paragraph(
        fmt::format("Cut: the table shows the {} devices with the most deferrals; {} more rows ({} deferrals "
                    "together, at most {} per device) are left out.",
                    shown, pre.deferred_rows.size() - shown, cut_deferrals, pre.deferred_rows[shown].deferrals));
  }
  doc.sections.push_back(std::move(s));
}

using KeyValues = std::vector<std::pair<std::string, Line>>;

// Machine (DMI), board, BIOS and the audio PCI devices of the snapshot.
void add_hardware(KeyValues& kv, const ojson& snap, const ReportCaps& caps) {
  auto cut = [&](const std::string& x) { return cut_text(x, caps.verbatim_chars); };
  if (const ojson* dmi = json_at(snap, {"dmi"}); dmi && dmi->is_object() && !dmi->empty()) {
    std::string machine;
    for (const char* key : {"sys_vendor", "product_name", "product_version"}) {
      const std::string x = json_str(*dmi, key);
      if (!x.empty()) machine += (machine.empty() ? "" : " ") + x;
    }
    std::string board = json_str(*dmi, "board_vendor");
    const std::string bn = json_str(*dmi, "board_name");
    if (!bn.empty()) board += (board.empty() ? "" : " ") + bn;
    std::string bios = json_str(*dmi, "bios_vendor");
    for (const char* key : {"bios_version", "bios_date"}) {
      const std::string x = json_str(*dmi, key);
      if (!x.empty()) bios += (bios.empty() ? "" : " ") + x;
    }
    if (!machine.empty()) kv.emplace_back("Machine (DMI)", Line().v(cut(machine)));
    if (!board.empty()) kv.emplace_back("Board", Line().v(cut(board)));
    if (!bios.empty()) kv.emplace_back("BIOS", Line().v(cut(bios)));
  }
  if (const ojson* pci = json_at(snap, {"udev", "pci_audio"}); pci && pci->is_array()) {
    std::vector<std::string> items;
    for (const auto& p : *pci) {
      std::string x = fmt::format("{} {}:{}", json_str(p, "slot"), json_str(p, "vendor"), json_str(p, "device"));
      const std::string sv = json_str(p, "subsystem_vendor"), sd = json_str(p, "subsystem_device");
      if (!sv.empty()) x += fmt::format(" (subsystem {}:{})", sv, sd);
      const std::string drv = json_str(p, "driver");
      x += " driver " + (drv.empty() ? std::string("none") : drv);
      items.push_back(x);
    }
    kv.emplace_back("Audio PCI devices", list_line(items, caps.list_items, caps.verbatim_chars, "devices"));
  }
}

// Sound cards at the start and end, and the sound modules loaded during the capture.
void add_cards_and_modules(KeyValues& kv, const ojson& snap, const ojson& end_snap, const ReportCaps& caps) {
  auto cards = [&](const ojson& sn) {
    std::vector<std::string> items;
    if (const ojson* c = json_at(sn, {"alsa", "cards"}); c && c->is_array())
      for (const auto& card : *c)
        items.push_back(
            fmt::format("{} {} ({})", json_str(card, "index"), json_str(card, "id"), json_str(card, "driver")));
    return items;
  };
  if (json_at(snap, {"alsa", "cards"}))
    kv.emplace_back("Sound cards at the start", list_line(cards(snap), caps.list_items, caps.verbatim_chars, "cards"));
  if (json_at(end_snap, {"alsa", "cards"}))
    kv.emplace_back("Sound cards at the end",
                    list_line(cards(end_snap), caps.list_items, caps.verbatim_chars, "cards"));
  auto modules = [](const ojson& sn) {
    std::vector<std::string> items;
    if (const ojson* mods = json_at(sn, {"modules"}); mods && mods->is_array())
      for (const auto& x : *mods)
        if (x.is_string()) items.push_back(x.get<std::string>());
    return items;
  };
  const auto mods_start = modules(snap);
  if (snap.contains("modules"))
    kv.emplace_back("Sound modules at the start",
                    list_line(mods_start, caps.list_items, caps.verbatim_chars, "modules"));
  if (end_snap.is_object() && end_snap.contains("modules")) {
    std::vector<std::string> loaded;
    const std::set<std::string> before(mods_start.begin(), mods_start.end());
    for (const auto& x : modules(end_snap))
      if (!before.count(x)) loaded.push_back(x);
    kv.emplace_back("Sound modules loaded during the capture",
                    list_line(loaded, caps.list_items, caps.verbatim_chars, "modules"));
  }
}

// debugfs devices_deferred, at the end when the end snapshot has it.
void add_devices_deferred(KeyValues& kv, const ojson& snap, const ojson& end_snap, const ReportCaps& caps) {
  auto cut = [&](const std::string& x) { return cut_text(x, caps.verbatim_chars); };
  const ojson& dd_snap = end_snap.is_object() ? end_snap : snap;
  if (const ojson* dd = json_at(dd_snap, {"devices_deferred"}); dd && dd->is_object()) {
    if (dd->contains("readable") && (*dd)["readable"] == true) {
      Line l;
      const ojson* devs = json_at(*dd, {"devices"});
      size_t n = 0, total = devs && devs->is_array() ? devs->size() : 0;
      if (total)
        for (const auto& x : *devs) {
          if (n == caps.list_items) break;
          if (n++) l.t("; ");
          l.v(json_str(x, "dev"));
          const std::string why = json_str(x, "reason");
          if (!why.empty()) l.t(": ").v(cut(why));
        }
      if (total > n) l.t(fmt::format("; {} more (cut)", total - n));
      if (!total) l.t("empty");
      kv.emplace_back(
          end_snap.is_object() ? "debugfs devices_deferred at the end" : "debugfs devices_deferred at the start", l);
    } else {
      kv.emplace_back("debugfs devices_deferred", Line("not readable: ").v(cut(json_str(*dd, "why"))));
    }
  }
}

void add_machine(ReportDocument& doc, const ReplayReport& rep, const Trace& tr, const ReportOptions& opts,
                 const ReportCaps& caps, Redactor& red) {
  Section s;
  s.title = "Machine and kernel";
  auto cut = [&](const std::string& x) { return cut_text(x, caps.verbatim_chars); };
  RedactedHeader rh = redacted_header(tr, red);
  const ojson& snap = rh.snapshot;
  const ojson& end_snap = rh.end_snapshot;
  const ojson& kernel = rh.kernel;
  std::vector<std::pair<std::string, Line>> kv;
  const std::string release = json_str(kernel, "release");
  Line k;
  k.v(release.empty() ? tr.kernel_release : release);
  k.t(", replayed with kernel profile " + rep.profile.name);
  if (rep.capture_timeout) k.t(fmt::format(" (deferred_probe_timeout={} from the command line)", *rep.capture_timeout));
  kv.emplace_back("Kernel", k);
  if (const ojson* ver = json_at(snap, {"kernel", "version"}); ver && ver->is_string())
    kv.emplace_back("Kernel build", Line().v(cut(ver->get<std::string>())));
  if (const ojson* mach = json_at(snap, {"kernel", "machine"}); mach && mach->is_string())
    kv.emplace_back("Architecture", Line().v(mach->get<std::string>()));
  if (!rh.cmdline.empty()) kv.emplace_back("Command line", Line().v(cut(rh.cmdline)));
  if (const ojson* o = json_at(snap, {"cmdline", "options"}); o && o->is_object() && !o->empty()) {
    std::vector<std::string> items;
    for (auto it = o->begin(); it != o->end(); ++it)
      items.push_back(it.key() + "=" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump()));
    kv.emplace_back("Probe-related options", list_line(items, caps.list_items, caps.verbatim_chars, "options"));
  }
  if (snap.is_object()) {
    add_hardware(kv, snap, caps);
    add_cards_and_modules(kv, snap, end_snap, caps);
    add_devices_deferred(kv, snap, end_snap, caps);
    if (const ojson* lock = json_at(snap, {"lockdown"}); lock && lock->is_string())
      kv.emplace_back("Lockdown", Line().v(lock->get<std::string>()));
    if (const ojson* btf = json_at(snap, {"btf", "vmlinux"}); btf && btf->is_boolean())
      kv.emplace_back("Kernel BTF", Line(btf->get<bool>() ? "yes" : "no (the tracer falls back to kprobes)"));
    if (const ojson* errs = json_at(snap, {"errors"}); errs && errs->is_array() && !errs->empty()) {
      std::vector<std::string> items;
      for (const auto& e : *errs)
        if (e.is_string()) items.push_back(e.get<std::string>());
      kv.emplace_back("Snapshot could not read", list_line(items, caps.list_items, caps.verbatim_chars, "errors"));
    }
  } else {
    s.paragraph("The trace header has no machine snapshot (source " + tr.source +
                "): only the kernel release and command line are known.");
  }
  std::string redaction;
  const bool recorded_redacted = snap.is_object() && snap.contains("redacted") && snap["redacted"] == true;
  if (snap.is_object() && snap.contains("redacted"))
    redaction = recorded_redacted ? "the trace was recorded redacted; " : "the trace was recorded with --no-redact; ";
  redaction += opts.redact ? "this report redacts serial numbers, MAC addresses, host and user names again"
                           : "this report is NOT redacted (--no-redact)";
  Line red_line(redaction);
  if (opts.redact) red_line.t(" (placeholders such as ").v("<mac-N>").t(")");
  kv.emplace_back("Redaction", red_line);
  s.key_values(std::move(kv));
  doc.sections.push_back(std::move(s));
}

std::string kinds_joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

void add_gaps(ReportDocument& doc, const ReplayReport& rep, const Trace& tr, const ReportContent::Precomputed& pre,
              const ReportCaps& caps) {
  Section s;
  s.title = "Capture quality and data gaps";
  std::vector<Line> items;
  if (tr.source == "bpf")
    items.emplace_back("Recorded live with eBPF (source bpf): timings are the kernel's own; high confidence.");
  else if (tr.source == "dmesg" || tr.source == "kmsg")
    items.emplace_back("Derived from the kernel log (source " + tr.source +
                       "): times are log timestamps and events the log does not print are missing or inferred; "
                       "lower confidence than an eBPF capture.");
  else if (tr.source == "synthetic")
    items.emplace_back(
        "Synthetic trace (scenario builder or hand-written, source synthetic): not observed on a machine.");
  else
    items.emplace_back(Line("Producer ").v(tr.source).t(": unknown confidence."));
  if (!tr.end) {
    items.emplace_back(
        "No end line: the capture was cut (recorder killed or file truncated); the replay ends at the last "
        "event (" +
        report_instant(tr.last_time()) + ").");
  } else {
    const uint64_t end_t = tr.end->t.value_or(tr.last_time());
    items.emplace_back(fmt::format("The capture ran from {} to {} ({}), {}.", report_instant(pre.first_t),
                                   report_instant(end_t), report_gap(end_t >= pre.first_t ? end_t - pre.first_t : 0),
                                   count_of(tr.events.size(), "event", "events")));
    if (tr.end->dropped || tr.end->lost)
      items.emplace_back(
          fmt::format("The producer dropped {} and lost {} events: the replay may miss probes, binds or "
                      "triggers.",
                      tr.end->dropped, tr.end->lost));
    else
      items.emplace_back("No events dropped or lost.");
  }
  if (pre.inferred_events)
    items.emplace_back(fmt::format("{} inferred by the producer, not observed.",
                                   count_of(pre.inferred_events, "event was", "events were")));
  // Hooks: what was not captured, and what came from the log or inference.
  const ojson* hooks = json_at(tr.header, {"hooks"});
  std::vector<std::string> missing, weak;
  if (hooks && hooks->is_object() && !hooks->empty()) {
    for (const auto& spec : all_event_specs()) {
      if (spec.kind == EventKind::extension) continue;
      const std::string name(spec.name);
      if (!hooks->contains(name))
        missing.push_back(name);
      else if ((*hooks)[name] == "dmesg" || (*hooks)[name] == "inferred")
        weak.push_back(name + " (" + (*hooks)[name].get<std::string>() + ")");
    }
    if (!missing.empty())
      items.push_back(Line("Not captured (no hook in this capture): ")
                          .add(list_line(missing, caps.list_items, 100, "kinds"))
                          .t("."));
    if (!weak.empty())
      items.push_back(Line("Taken from the log or inferred, not traced: ")
                          .add(list_line(weak, caps.list_items, 100, "kinds"))
                          .t("."));
  } else if (tr.source != "synthetic") {
    items.emplace_back("The header names no hooks: how the events were observed is unknown.");
  }
  if (rep.fidelity.exact) {
    items.emplace_back("The stock replay reproduces the capture exactly (every device's attempts and binding).");
  } else {
    Line l(fmt::format("The stock replay diverges from the capture in {}: ",
                       count_of(rep.fidelity.divergences.size(), "point", "points")));
    l.add(list_line(rep.fidelity.divergences, caps.list_items, caps.verbatim_chars, "divergences"));
    items.push_back(std::move(l));
  }
  if (!tr.warnings.empty())
    items.push_back(
        Line("Reader warnings: ").add(list_line(tr.warnings, caps.list_items, caps.verbatim_chars, "warnings")));
  if (!rep.warnings.empty())
    items.push_back(
        Line("Replay warnings: ").add(list_line(rep.warnings, caps.list_items, caps.verbatim_chars, "warnings")));
  s.bullets(std::move(items));
  doc.sections.push_back(std::move(s));

  if (hooks && hooks->is_object() && !hooks->empty()) {
    Section h;
    h.title = "Hooks and tiers";
    h.collapsed = true;
    std::map<std::string, std::vector<std::string>> by_tier;  // sorted by tier name
    for (auto it = hooks->begin(); it != hooks->end(); ++it)
      by_tier[it.value().is_string() ? it.value().get<std::string>() : it.value().dump()].push_back(it.key());
    h.summary = fmt::format("{} event kinds in {} tiers", hooks->size(), by_tier.size());
    Table t;
    t.columns = {"tier", "kinds", "event kinds"};
    t.numeric = {false, true, false};
    for (auto& [tier, kinds] : by_tier) {
      std::sort(kinds.begin(), kinds.end());
      t.rows.push_back({Line().v(tier), Line(std::to_string(kinds.size())), Line(kinds_joined(kinds))});
    }
    h.table(std::move(t));
    doc.sections.push_back(std::move(h));
  }
}

void redact_line(Line& l, Redactor& r) {
  // Prose too: some of it quotes the trace (an undetermined verdict cites the reason it could not link).
  for (auto& sp : l.spans) sp.text = r.scrub_string(sp.text);
}

void redact_document(ReportDocument& doc, Redactor& r) {
  for (auto& l : doc.lead) redact_line(l, r);
  for (auto& s : doc.sections)
    for (auto& b : s.blocks) {
      for (auto& l : b.lines) redact_line(l, r);
      for (auto& row : b.table.rows)
        for (auto& c : row) redact_line(c, r);
      for (auto& [k, l] : b.pairs) redact_line(l, r);
    }
}

}  // namespace

ReportDocument ReportContent::document(const ReportCaps& caps) const {
  const ReplayReport& rep = report_;
  const Model& m = rep.model;
  Redactor red = report_redactor(trace_, opts_);
  ReportDocument doc;
  const size_t n = rep.targets.size();
  if (n == 0)
    doc.title = "reprobe report: no sound card device in this log";
  else
    doc.title = "reprobe report: " + stock_outcome_words(rep);
  if (!rep.fidelity.exact) doc.title = "reprobe report: the replay disagrees with the trace";
  doc.title += " (stock, kernel profile " + rep.profile.name + ")";
  if (auto headline = divergence_headline(rep)) doc.lead.push_back(std::move(*headline));
  {
    Line l(n == 1 ? "Target: " : "Targets: ");
    for (size_t i = 0; i < n && i < caps.targets_listed; ++i) {
      if (i) l.t(", ");
      l.v(m.dev_label(rep.targets[i]));
      if (const std::string known = device_identity(trace_, rep.targets[i]); !known.empty()) l.t(" (" + known + ")");
    }
    if (n > caps.targets_listed) l.t(fmt::format(" and {} more (cut)", n - caps.targets_listed));
    l.t(". Trace ")
        .v(trace_.path)
        .t(fmt::format(" (source {}, {}, {}).", trace_.source, count_of(trace_.events.size(), "event", "events"),
                       count_of(m.devices.size(), "device", "devices")));
    doc.lead.push_back(std::move(l));
  }
  {
    std::vector<std::string> yes, no, open;
    const PolicyVerdict* stock = nullptr;
    for (const auto& v : rep.verdicts) {
      if (v.policy.spec == "stock") {
        stock = &v;
        continue;
      }
      (v.verdict == Verdict::bound ? yes : v.verdict == Verdict::stranded ? no : open).push_back(v.policy.spec);
    }
    size_t bound = stock_targets_bound(rep), undetermined = 0;
    if (stock) {
      bound = 0;
      for (const auto& t : stock->targets) {
        if (t.bound()) ++bound;
        if (t.verdict == Verdict::undetermined) ++undetermined;
      }
    }
    Line l("Stock outcome: ");
    if (n == 1)
      l.t(bound ? "bound" : undetermined ? "undetermined" : "NOT bound");
    else
      l.t(fmt::format("{} of {} bound", bound, n) +
          (undetermined ? fmt::format(" ({} undetermined)", undetermined) : std::string()));
    if (stock && stock->target_bound_at) l.t(" at " + report_instant(*stock->target_bound_at));
    l.t(".");
    if (!yes.empty() || !no.empty() || !open.empty()) {
      if (no.empty() && open.empty()) {
        l.t(fmt::format(" {} under every other replayed policy ({}).", n == 1 ? "Bound" : "All bound", yes.size()));
      } else if (!yes.empty()) {
        l.t(n == 1 ? " Bound under " : " All bound under ");
        for (size_t i = 0; i < yes.size(); ++i) l.t(i ? ", " : "").v(yes[i]);
        l.t(".");
      }
      if (!no.empty()) {
        l.t(n == 1 ? " Not bound under " : " Not all bound under ");
        for (size_t i = 0; i < no.size(); ++i) l.t(i ? ", " : "").v(no[i]);
        l.t(".");
      }
      if (!open.empty()) {
        l.t(" Undetermined under ");
        for (size_t i = 0; i < open.size(); ++i) l.t(i ? ", " : "").v(open[i]);
        l.t(" (the trace cannot decide; see \"Why each policy binds or not\").");
      }
    }
    doc.lead.push_back(std::move(l));
  }
  add_verdicts(doc, rep, caps);
  add_policy_outcomes(doc, rep, caps);
  if (opts_.robustness) doc.sections.push_back(*opts_.robustness);
  add_stories(doc, rep, caps);
  add_devices(doc, rep, *pre_, caps);
  add_machine(doc, rep, trace_, opts_, caps, red);
  add_gaps(doc, rep, trace_, *pre_, caps);
  add_triage(doc, rep, trace_, caps);
  redact_document(doc, red);
  return doc;
}

}  // namespace reprobe
