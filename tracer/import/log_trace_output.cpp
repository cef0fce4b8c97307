// LogImporter, output: the trace header, event lines in time order and the
// declarations of devices the log implies. See log_importer_impl.h.
#include <stdexcept>

#include "tracer/import/log_importer_impl.h"

namespace reprobe {

nlohmann::ordered_json LogImporter::Impl::event_json(const OutEvent& e) {
  nlohmann::ordered_json j;
  j["t"] = e.t;
  if (e.kind == EventKind::extension) {
    j["ev"] = e.name;
    j["kind"] = e.s2;
    if (!e.dev.empty()) j["dev"] = utf8(e.dev);
    if (!e.drv.empty()) j["text"] = utf8(e.drv);
    if (e.s2.starts_with("failure:") && e.line) j["line"] = e.line;  // reports quote failures by line
    return j;
  }
  j["ev"] = to_string(e.kind);
  switch (e.kind) {
    case EventKind::device_add:
      j["dev"] = utf8(e.dev);
      j["bus"] = utf8(e.s2);
      break;
    case EventKind::driver_register:
      j["drv"] = utf8(e.drv);
      j["bus"] = utf8(e.s2);
      if (!e.name.empty()) j["module"] = utf8(e.name);
      break;
    case EventKind::probe_start:
    case EventKind::bound:
      j["dev"] = utf8(e.dev);
      j["drv"] = utf8(e.drv);
      break;
    case EventKind::probe_end:
      j["dev"] = utf8(e.dev);
      j["drv"] = utf8(e.drv);
      if (e.num != kRetUnknown) j["ret"] = e.num;
      j["outcome"] = to_string(e.outcome);
      break;
    case EventKind::defer_add:
    case EventKind::defer_del:
      j["dev"] = utf8(e.dev);
      break;
    case EventKind::defer_reason:
      j["dev"] = utf8(e.dev);
      j["reason"] = utf8(e.name);
      break;
    case EventKind::trigger:
      j["cause"] = utf8(e.s2);
      break;
    case EventKind::timeout_extended:
      j["secs"] = e.num;
      break;
    case EventKind::fw_request:
      j["id"] = e.id;
      j["mode"] = "sync";
      j["name"] = utf8(e.name);
      if (!e.dev.empty()) j["dev"] = utf8(e.dev);
      break;
    case EventKind::fw_done:
      j["id"] = e.id;
      j["ret"] = e.num;
      break;
    case EventKind::module_request:
      j["name"] = utf8(e.name);
      j["wait"] = e.flag;
      break;
    case EventKind::module_load:
      j["module"] = utf8(e.name);
      break;
    case EventKind::module_init_done:
      j["module"] = utf8(e.name);
      j["ret"] = e.num;
      break;
    case EventKind::card_bind_start:
      j["dev"] = utf8(e.dev);
      break;
    case EventKind::card_bind_end:
      j["dev"] = utf8(e.dev);
      if (e.num != kRetUnknown) j["ret"] = e.num;
      break;
    case EventKind::resource:
      j["name"] = utf8(e.name);
      j["dev"] = utf8(e.dev);
      break;
    case EventKind::component_add:
      j["name"] = utf8(e.name);
      j["dev"] = utf8(e.dev);
      if (!e.list.empty()) {
        nlohmann::ordered_json l = nlohmann::ordered_json::array();
        for (const auto& d : e.list) l.push_back(utf8(d));
        j["dais"] = l;
      }
      break;
    case EventKind::snd_card_register:
      j["dev"] = utf8(e.dev);
      j["index"] = e.num;
      j["id"] = utf8(e.name);
      break;
    default:
      break;
  }
  if (e.inferred) j["inferred"] = true;
  return j;
}

void LogImporter::Impl::write_one(TraceWriter& w, const OutEvent& e) {
  const nlohmann::ordered_json j = event_json(e);
  std::string where = e.input < labels.size() ? labels[e.input] : "?";
  where += ":" + std::to_string(e.line);
  // The importer builds every event from the schema: a refusal is a bug, named by the log line.
  if (auto r = w.event(j); !r)
    throw std::logic_error(where + ": the importer built an invalid event: " + r.error().message);
  ++stats.events;
  if (e.inferred) ++stats.inferred;
  if (opt.explain) opt.explain(where, canonical_event_line(j).value());
}

void LogImporter::Impl::declare(TraceWriter& w, const OutEvent& user, const std::string& name) {
  Dev& d = dev(name);
  if (d.declared) return;
  d.declared = true;
  OutEvent a;
  a.t = user.t;
  a.kind = EventKind::device_add;
  a.inferred = true;
  a.dev = name;
  a.s2 = d.bus.empty() ? guess_bus(name) : d.bus;
  a.input = user.input;
  a.line = user.line;
  inferred_kind[static_cast<size_t>(EventKind::device_add)] = true;
  write_one(w, a);
}

void LogImporter::Impl::write_range(std::ostream& out, size_t n) {
  TraceWriter w(out);
  for (size_t i = 0; i < n; ++i) {
    OutEvent& e = buf[i];
    if (e.t < written_t) e.t = written_t;
    written_t = e.t;
    if (e.kind == EventKind::device_add) {
      Dev& d = dev(e.dev);
      if (d.declared) continue;
      d.declared = true;
      if (e.s2.empty()) e.s2 = d.bus.empty() ? guess_bus(e.dev) : d.bus;
      write_one(w, e);
      continue;
    }
    if (!e.dev.empty()) declare(w, e, e.dev);
    write_one(w, e);
  }
  buf.erase(buf.begin(), buf.begin() + static_cast<long>(n));
}

void LogImporter::Impl::sort_buffer() {
  std::stable_sort(buf.begin(), buf.end(),
                   [](const OutEvent& a, const OutEvent& b) { return a.t != b.t ? a.t < b.t : a.seq < b.seq; });
}

std::string LogImporter::Impl::profile_guess() const {
  if (new_form_seen) return "6.12";
  if (pending_reason_seen) return "6.6";
  return "6.1";
}

nlohmann::ordered_json LogImporter::Impl::header() {
  nlohmann::ordered_json h;
  h["format"] = "reprobe-trace";
  h["version"] = 1;
  h["source"] = opt.source;
  nlohmann::ordered_json k;
  std::string rel = release;
  std::string profile;
  if (!opt.kernel.empty()) {
    if (opt.kernel == "5.10" || opt.kernel == "6.1" || opt.kernel == "6.6" || opt.kernel == "6.12")
      profile = opt.kernel;
    else
      rel = opt.kernel;
  }
  k["release"] = rel.empty() ? "unknown" : utf8(rel);
  if (profile.empty() && rel.empty()) profile = profile_guess();
  if (!profile.empty()) k["profile"] = profile;
  if (!cmdline.empty()) k["cmdline"] = utf8(cmdline);
  h["kernel"] = k;
  h["clock"] = "boottime_ns";
  nlohmann::ordered_json hooks = nlohmann::ordered_json::object();
  nlohmann::ordered_json unobs = nlohmann::ordered_json::object();
  for (const auto& spec : all_event_specs()) {
    if (spec.kind == EventKind::extension) continue;
    const size_t i = static_cast<size_t>(spec.kind);
    if (observed[i])
      hooks[std::string(spec.name)] = "dmesg";
    else if (inferred_kind[i])
      hooks[std::string(spec.name)] = "inferred";
  }
  for (const auto& spec : all_event_specs()) {
    if (spec.kind == EventKind::extension) continue;
    const size_t i = static_cast<size_t>(spec.kind);
    if (observed[i] && spec.kind != EventKind::probe_start && spec.kind != EventKind::probe_end &&
        spec.kind != EventKind::bound)
      continue;
    if (observed[i] && dyndbg_seen) continue;
    unobs[std::string(spec.name)] = unobserved_reason(spec.kind);
  }
  h["hooks"] = hooks;
  h["unobserved"] = unobs;
  nlohmann::ordered_json x;
  std::vector<std::string> inputs;
  for (const auto& l : labels) {
    const size_t slash = l.rfind('/');
    inputs.push_back(utf8(slash == std::string::npos ? l : l.substr(slash + 1)));
  }
  x["inputs"] = inputs;
  x["clock"] = any_timed ? (any_wall_only ? "wall clock (relative to the first line)" : "monotonic")
                         : "synthetic (no timestamps: t is the input line number in ms)";
  x["dyndbg"] = dyndbg_seen;
  x["initcall_debug"] = initcall_seen;
  x["boots"] = stats.boots;
  if (stats.boots > 1) {
    x["boot"] = stats.imported_boot != 0 ? stats.imported_boot : stats.boots;
    x["boot_chosen"] = stats.imported_boot != 0 ? stats.imported_because : "the last boot of the input";
  }
  if (!devices_deferred.empty()) {
    nlohmann::ordered_json dd = nlohmann::ordered_json::array();
    for (const auto& [d, r] : devices_deferred) dd.push_back({{"dev", utf8(d)}, {"reason", utf8(r)}});
    x["devices_deferred"] = dd;
  }
  const nlohmann::ordered_json names = names_json();
  for (const auto& [k, v] : names.items()) x[k] = v;
  if (!opt.redact) x["redacted"] = false;
  h["x-import"] = x;
  return h;
}

namespace {

// The words all of a card's input names start with: its short name ("HDA Intel PCH Mic" and
// "HDA Intel PCH Headphone" -> "HDA Intel PCH"). The kernel names a jack's input device
// "<card short name> <jack>", so one input alone does not tell where the short name ends.
std::string common_words(const std::vector<std::string>& names) {
  if (names.size() < 2) return {};
  std::string_view first = names.front();
  size_t keep = first.size();
  for (const auto& n : names) {
    size_t i = 0;
    while (i < keep && i < n.size() && n[i] == first[i]) ++i;
    keep = i;
  }
  // Whole words only: a prefix ending inside a word is cut back to the last space.
  const bool whole = std::all_of(names.begin(), names.end(), [&](const std::string& n) {
    return n.size() == keep || (keep < n.size() && n[keep] == ' ');
  });
  if (!whole) {
    const size_t space = first.substr(0, keep).rfind(' ');
    keep = space == std::string_view::npos ? 0 : space;
  }
  while (keep > 0 && first[keep - 1] == ' ') --keep;
  return std::string(first.substr(0, keep));
}

}  // namespace

nlohmann::ordered_json LogImporter::Impl::names_json() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (!pci_multimedia.empty()) {
    nlohmann::ordered_json pci = nlohmann::ordered_json::array();
    for (const auto& [slot, ids] : pci_multimedia)
      pci.push_back({{"slot", utf8(slot)}, {"id", utf8(ids.first)}, {"class", utf8(ids.second)}});
    out["pci_multimedia"] = pci;
  }
  if (!card_inputs.empty()) {
    nlohmann::ordered_json cs = nlohmann::ordered_json::array();
    for (const auto& [index, c] : card_inputs) {
      nlohmann::ordered_json j = {{"index", index}, {"dev", utf8(c.dev)}};
      if (const std::string name = common_words(c.inputs); !name.empty()) j["name"] = utf8(name);
      cs.push_back(j);
    }
    out["cards"] = cs;
  }
  return out;
}

std::string LogImporter::Impl::unobserved_reason(EventKind k) const {
  switch (k) {
    case EventKind::probe_start:
      return dyndbg_seen
                 ? "partly: only attempts after dyndbg was enabled"
                 : "needs dyndbg for drivers/base/dd.c (probing driver lines); inferred from driver-prefixed lines, "
                   "initcall_debug durations and deferral messages";
    case EventKind::probe_end:
      return "partly: only bound/deferral/failure lines; other ends are inferred";
    case EventKind::bound:
      return dyndbg_seen ? "partly: binds before dyndbg was enabled are inferred"
                         : "needs dyndbg for drivers/base/dd.c; inferred from driver-prefixed lines";
    case EventKind::defer_add:
    case EventKind::defer_del:
      return "needs dyndbg for drivers/base/dd.c";
    case EventKind::trigger:
      return "never printed by the kernel; inferred from binds and the timeout";
    case EventKind::timeout_fired:
      return "only printed when a device is still deferred (deferred probe pending)";
    case EventKind::timeout_armed:
      return "not printed by the kernel";
    case EventKind::timeout_extended:
      return "needs dyndbg for drivers/base/dd.c (>= 5.19)";
    case EventKind::module_load:
    case EventKind::module_init_done:
      return "needs initcall_debug";
    case EventKind::fw_request:
      return "only failures and Debian's direct-loading lines are printed; requests are inferred";
    case EventKind::device_add:
      return "only PCI enumeration is printed; other devices are declared at their first message";
    case EventKind::snd_card_register:
      return "inferred from the card's input devices";
    default:
      return "not printed by the kernel";
  }
}

}  // namespace reprobe
