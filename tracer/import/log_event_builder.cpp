// LogImporter, the state machine: one kernel message -> trace events (probe attempts,
// deferrals, binds, firmware, modules, components). See log_importer_impl.h and docs/import.md.
#include <algorithm>

#include "tracer/import/log_importer_impl.h"

namespace reprobe {

OutEvent& LogImporter::Impl::add(EventKind k, uint64_t t, bool inferred) {
  OutEvent& e = buf.emplace_back();
  e.t = std::min(t, kMaxT);
  e.seq = (seq += 2);  // odd numbers are left for events inserted in front of another
  e.kind = k;
  e.inferred = inferred;
  e.input = cur_input;
  e.line = pend_line;
  (inferred ? inferred_kind : observed)[static_cast<size_t>(k)] = true;
  if (k == EventKind::trigger) {
    any_trigger = true;
    last_trigger_t = std::max(last_trigger_t, e.t);
  }
  return e;
}

void LogImporter::Impl::ext(uint64_t t, sv kind, sv dev, sv text) {
  OutEvent& e = add(EventKind::extension, t, false);
  e.name = "x-dmesg";
  e.s2 = std::string(kind);
  e.dev = std::string(dev);
  e.drv = scrubbed(text);
}

Dev& LogImporter::Impl::dev(sv name) {
  auto it = devs.find(name);
  if (it == devs.end()) {
    if (devs.size() >= opt.max_devices && too_many_devices.empty()) {
      too_many_devices = fmt::format(
          "more than {} distinct devices in one boot: the importer holds each device of a boot in memory (about "
          "1.2 KB each; docs/import.md, \"Limits\"); is this a kernel log?",
          opt.max_devices);
      too_many_devices_line = pend_line;
    }
    it = devs.emplace(std::string(name), Dev{}).first;
  }
  return it->second;
}

void LogImporter::Impl::learn_bus(Dev& d, sv bus) {
  if (bus.empty()) return;
  if (d.bus.empty()) d.bus = std::string(bus);
  if (!static_buses().count(bus) && !learned_buses.count(bus)) learned_buses.emplace(bus);
}

std::string LogImporter::Impl::driver_for(const Dev& d, sv hint) const {
  if (!hint.empty()) return std::string(hint);
  if (d.open) return d.open_drv;
  if (!d.matched_drv.empty()) return d.matched_drv;
  if (!d.last_drv.empty()) return d.last_drv;
  return "unknown";
}

void LogImporter::Impl::open_attempt(sv name, Dev& d, sv drv, uint64_t t, bool inferred, bool heuristic) {
  OutEvent& e = add(EventKind::probe_start, t, inferred);
  e.dev = std::string(name);
  e.drv = std::string(drv);
  d.open = true;
  d.open_heuristic = heuristic;
  d.open_drv = std::string(drv);
  d.open_t = t;
  d.last_t = t;
  d.last_input = cur_input;
  d.last_line = pend_line;
  if (!drv.empty() && drv != "unknown") drivers_used.emplace(drv);
  d.bound = false;
  d.bound_event = false;
  d.failure_ret = 0;
  ++d.attempts;
}

void LogImporter::Impl::open_inferred_attempt(sv name, Dev& d, sv drv, uint64_t t) {
  if (d.has_close && d.last_close_deferred) infer_retry_trigger(d, t);
  open_attempt(name, d, drv, t, true, true);
}

void LogImporter::Impl::close_attempt(sv name, Dev& d, sv drv_hint, uint64_t t, int64_t ret, bool end_inferred,
                                      bool bound_observed) {
  std::string drv = driver_for(d, drv_hint);
  if (!d.open) open_attempt(name, d, drv, t, true, false);
  if (d.open_drv != drv && !drv_hint.empty()) drv = d.open_drv.empty() ? drv : d.open_drv;
  drv = d.open_drv;
  const ProbeOutcome oc = outcome_of(ret);
  if (d.card_bind_open) {
    OutEvent& cb = add(EventKind::card_bind_end, t, true);
    cb.dev = std::string(name);
    cb.num = oc == ProbeOutcome::bound ? 0 : ret;
    d.card_bind_open = false;
  }
  if (oc == ProbeOutcome::bound) {
    // driver_bound() runs before really_probe() returns: bound, its trigger, then probe_end.
    OutEvent& b = add(EventKind::bound, t, !bound_observed);
    b.dev = std::string(name);
    b.drv = drv;
    OutEvent& tr = add(EventKind::trigger, t, true);
    tr.s2 = "bound";
    d.bound_event = true;
  }
  OutEvent& e = add(EventKind::probe_end, t, end_inferred);
  e.dev = std::string(name);
  e.drv = drv;
  e.num = ret;
  e.outcome = oc;
  d.open = false;
  d.open_heuristic = false;
  d.has_close = true;
  d.last_close_t = t;
  d.last_close_deferred = oc == ProbeOutcome::deferred;
  if (d.last_close_deferred) {
    d.defer_t = t;
    d.deferred_once = true;
  }
  if (oc == ProbeOutcome::bound) {
    retry_run_open = false;
    d.bound = true;
    d.bound_drv = drv;
    d.failed_drv.clear();
  } else if (oc == ProbeOutcome::failed || oc == ProbeOutcome::rejected) {
    d.failed_drv = drv;
  }
}

void LogImporter::Impl::reason(sv name, uint64_t t, sv text) {
  OutEvent& e = add(EventKind::defer_reason, t, false);
  e.dev = std::string(name);
  e.name = scrubbed(text);
}

void LogImporter::Impl::deferring(sv name, Dev& d, sv first, uint64_t t) {
  if (dyndbg_seen) {
    if (!d.open && !is_bus(first) && !is_class(first)) open_attempt(name, d, first, t, true, false);
    return;
  }
  close_attempt(name, d, (is_bus(first) || is_class(first)) ? sv{} : first, t, kEprobeDefer, true);
}

bool LogImporter::Impl::dev_evidence(const Message& m) const {
  if (cur_kmsg) return cur_dict;
  const sv f = m.first;
  if (f.empty() || !(f[0] >= 'a' && f[0] <= 'z')) return false;
  for (char c : f)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
  const sv d = m.dev;
  if (d.empty()) return false;
  if (d == f || devs.count(d)) return true;
  return d.find_first_of("0123456789-.:_") != sv::npos;
}

void LogImporter::Impl::handle(sv text, uint64_t t, bool timed) {
  ++stats.messages;
  ++messages_in_boot;
  // Names taken from the message key devices, drivers and resources, and are written as UTF-8:
  // make the message valid first, so that two names differing only in invalid bytes are one name
  // here as they are in the trace.
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    valid_text = utf8(text);
    text = valid_text;
  }
  if (!timed)  // an untimed paste indented as a code block ("    sof-audio-pci 0000:00:1f.3: ...")
    while (!text.empty() && (text[0] == ' ' || text[0] == '\t')) text.remove_prefix(1);
  bool dyn = false;
  sv m0 = strip_dyndbg_prefix(text, dyn);
  parse_message(m0, msg);
  if (dyn && (msg.kind == MsgKind::none || msg.kind == MsgKind::dev_line)) {
    // "dd: bus: ..." (dyndbg +m only): one more token
    const size_t sp = m0.find(' ');
    if (sp != sv::npos && sp > 1 && m0[sp - 1] == ':') {
      Message alt;
      parse_message(m0.substr(sp + 1), alt);
      if (alt.kind != MsgKind::none && alt.kind != MsgKind::dev_line) msg = alt;
    }
  }
  const Message& m = msg;
  if (m.kind == MsgKind::none) {
    skip_unrecognised(m0);
    if (!in_oops) note_failure(m0, m, t);
    return;
  }
  if (overlong(m)) return;
  if (m.kind == MsgKind::dev_line) {
    if (in_oops || (m.first == "Call" && m.dev == "Trace")) return count(SkipKind::oops);
    if (!dev_evidence(m)) return count(SkipKind::other_message);
    on_dev_line(m, t);
    note_failure(m0, m, t);
    return;
  }
  in_oops = false;
  ++stats.recognised;
  ++stats.recognised_by_kind[std::string(to_string(m.kind))];
  (void)timed;
  on_message(m, t);
  note_failure(m0, m, t);
}

void LogImporter::Impl::on_dev_line(const Message& m, uint64_t t) {
  if (m.first.empty() || m.dev.empty()) return count(SkipKind::other_message);
  if (is_bus(m.first)) {
    auto it = devs.find(m.dev);
    if (it != devs.end() && it->second.bus.empty()) it->second.bus = std::string(m.first);
    return count(SkipKind::other_message);
  }
  if (is_class(m.first)) return count(SkipKind::other_message);
  Dev& d = dev(m.dev);
  d.last_drv.assign(m.first);
  if (d.open && d.open_heuristic && t > d.last_t + kSec) {
    // A quiet second after the last probe-time line: the probe succeeded then.
    at_line_of(d, [&] { close_attempt(m.dev, d, {}, d.last_t, heuristic_end_ret(d), true); });
  }
  if (!d.open && !(d.bound && d.bound_drv == m.first) && d.failed_drv != m.first) {
    open_inferred_attempt(m.dev, d, m.first, t);
  }
  if (d.open) {
    d.last_t = t;
    d.last_input = cur_input;
    d.last_line = pend_line;
    // snd_soc_bind_card() prints "ASoC: no DMI vendor name!" while the card binds.
    if (starts(m.text, "ASoC: no DMI vendor name") && !d.card_bind_open) {
      OutEvent& cb = add(EventKind::card_bind_start, t, true);
      cb.dev = std::string(m.dev);
      d.card_bind_open = true;
    }
  }
  on_hda_codec(m.dev, t);
  count(SkipKind::other_message);
}

void LogImporter::Impl::on_message(const Message& m, uint64_t t) {
  if (!m.dev.empty() && !m.first.empty() && !is_bus(m.first) && !is_class(m.first)) {
    // Any line printed with the driver's name belongs to the device's probe or binding.
    Dev& d = dev(m.dev);
    d.last_drv.assign(m.first);
    if (d.open && d.open_heuristic && d.open_drv == m.first) d.last_t = t;
  }
  // One family per message kind (none and dev_line are handled by handle()).
  (void)(on_driver_core_message(m, t) || on_deferral_message(m, t) || on_module_message(m, t) ||
         on_sound_message(m, t) || on_machine_message(m, t));
}

// drivers/base/dd.c and bus.c lines (dyndbg): retries, the deferred list, matches, probes, binds, failures.
bool LogImporter::Impl::on_driver_core_message(const Message& m, uint64_t t) {
  switch (m.kind) {
    case MsgKind::retry: {
      dyndbg_seen = true;
      if (!retry_run_open || t > last_retry_t + kSec / 2) retry_run_start = t;
      retry_run_open = true;
      last_retry_t = t;
      Dev& d = dev(m.dev);
      learn_bus(d, m.first);
      infer_retry_trigger(d, t);
      break;
    }
    case MsgKind::defer_added: {
      dyndbg_seen = true;
      Dev& d = dev(m.dev);
      if (!(d.bound && !d.open)) learn_bus(d, is_bus(m.first) ? m.first : sv{});
      if (d.open) close_attempt(m.dev, d, {}, t, kEprobeDefer, true);
      d.defer_t = t;
      d.deferred_once = true;
      OutEvent& e = add(EventKind::defer_add, t, false);
      e.dev = std::string(m.dev);
      break;
    }
    case MsgKind::defer_removed: {
      dyndbg_seen = true;
      dev(m.dev);
      OutEvent& e = add(EventKind::defer_del, t, false);
      e.dev = std::string(m.dev);
      break;
    }
    case MsgKind::probe_deferral: {
      dyndbg_seen = true;
      Dev& d = dev(m.dev);
      if (!d.open && d.has_close && d.last_close_deferred && d.last_close_t + kSec / 100 >= t)
        break;  // "Added" came first (<=5.13)
      close_attempt(m.dev, d, m.drv, t, kEprobeDefer, false);
      break;
    }
    case MsgKind::match_deferral:
      dev(m.dev);
      ext(t, "match_deferral", m.dev, "Device match requests probe deferral");
      break;
    case MsgKind::matched: {
      dyndbg_seen = true;
      new_form_seen |= m.new_form;
      Dev& d = dev(m.dev);
      learn_bus(d, m.bus);
      infer_driver_register(m.drv, m.bus, t);
      d.matched_drv = std::string(m.drv);
      break;
    }
    case MsgKind::probing: {
      dyndbg_seen = true;
      new_form_seen |= m.new_form;
      Dev& d = dev(m.dev);
      learn_bus(d, m.bus);
      infer_driver_register(m.drv, m.bus, t);
      if (d.open && d.open_heuristic) {
        d.open_heuristic = false;  // the same attempt, now seen properly
        break;
      }
      if (d.open) close_attempt(m.dev, d, {}, t, kEprobeDefer, true);
      open_attempt(m.dev, d, m.drv, t, false, false);
      break;
    }
    case MsgKind::bound_driver:
    case MsgKind::bound_bus: {
      dyndbg_seen = true;
      new_form_seen |= m.new_form;
      Dev& d = dev(m.dev);
      if (m.kind == MsgKind::bound_bus) learn_bus(d, m.bus);
      if (d.bound && !d.open && d.bound_drv == m.drv) break;  // the second line of the pair
      close_attempt(m.dev, d, m.drv, t, 0, true, m.kind == MsgKind::bound_driver || m.kind == MsgKind::bound_bus);
      break;
    }
    case MsgKind::already_bound:
      dev(m.dev);
      ext(t, "already_bound", m.dev, m.drv);
      break;
    case MsgKind::rejects:
    case MsgKind::failed: {
      new_form_seen |= m.new_form;
      Dev& d = dev(m.dev);
      const int64_t ret = m.has_ret ? m.ret : (m.kind == MsgKind::rejects ? -19 : -22);
      close_attempt(m.dev, d, m.drv, t,
                    m.kind == MsgKind::rejects && outcome_of(ret) != ProbeOutcome::rejected ? -19 : ret, false);
      break;
    }
    default:
      return false;
  }
  return true;
}

// Why devices wait: pending/deferral reasons, the deferred-probe timeout, devices_deferred lines.
bool LogImporter::Impl::on_deferral_message(const Message& m, uint64_t t) {
  switch (m.kind) {
    case MsgKind::pending: {
      Dev& d = dev(m.dev);
      learn_bus(d, is_bus(m.first) ? m.first : sv{});
      if (!m.text.empty()) pending_reason_seen = true;
      // The line is printed after the timeout's trigger and the retries it caused: without
      // dyndbg those are placed 1 ms before the first pending line.
      const uint64_t before =
          dyndbg_seen || t < kSec / 1000 ? t : std::max(t - kSec / 1000, last_written_or_buffered());
      timeout_fired_at(before);
      if (d.open)
        close_attempt(m.dev, d, {}, t, kEprobeDefer, true);
      else if (d.attempts == 0 || !dyndbg_seen)
        close_attempt(m.dev, d, {}, before, kEprobeDefer, true);  // the timeout's retry
      if (!m.text.empty()) reason(m.dev, t, m.text);
      break;
    }
    case MsgKind::defer_reason: {
      Dev& d = dev(m.dev);
      if (m.text.find("supplier") != sv::npos) supplier_seen = true;
      reason(m.dev, t, m.text);
      if (is_bus(m.first) && !m.first.empty()) learn_bus(d, m.first);
      // Link-level deferrals (wait for supplier / supplier not ready / not ready) happen before ->probe().
      deferring(m.dev, d, m.first, t);
      break;
    }
    case MsgKind::ignoring_dependency:
      dev(m.dev);
      ext(t, "ignoring_dependency", m.dev, m.text);
      break;
    case MsgKind::async_scheduled:
    case MsgKind::async_done:
      dev(m.dev);
      ext(t, to_string(m.kind), m.dev, m.drv);
      break;
    case MsgKind::timeout_extended: {
      OutEvent& e = add(EventKind::timeout_extended, t, false);
      e.num = m.has_ret ? m.ret : 0;
      extend_seen = true;
      last_extend_t = t;
      last_extend_secs = e.num;
      on_timeout_extended(t);
      break;
    }
    case MsgKind::devices_deferred: {
      Dev& d = dev(m.dev);
      devices_deferred.emplace_back(std::string(m.dev), scrubbed(m.text));
      const size_t colon = m.text.find(": ");
      const sv drv = colon == sv::npos ? sv{} : m.text.substr(0, colon);  // reason = "drv: msg"
      if (!d.open && d.attempts == 0)
        open_attempt(m.dev, d, drv.empty() ? driver_for(d, {}) : std::string(drv), t, true, false);
      // ASoC lookups and the card registration failure (dev_err_probe of snd_soc_register_card
      // callers) are card evidence.
      if (d.open && !d.card_bind_open &&
          (m.text.find("ASoC: ") != sv::npos || m.text.find("card registration") != sv::npos ||
           m.text.find("register_card") != sv::npos)) {
        OutEvent& cb = add(EventKind::card_bind_start, t, true);
        cb.dev = std::string(m.dev);
        d.card_bind_open = true;
      }
      if (d.open) close_attempt(m.dev, d, {}, t, kEprobeDefer, true);
      if (!m.text.empty()) reason(m.dev, t, m.text);
      break;
    }
    default:
      return false;
  }
  return true;
}

// initcall_debug (probe and initcall returns), firmware loads and module requests.
bool LogImporter::Impl::on_module_message(const Message& m, uint64_t t) {
  switch (m.kind) {
    case MsgKind::probe_returned: {
      initcall_seen = true;
      Dev& d = dev(m.dev);
      const uint64_t dur = std::min<uint64_t>(m.usecs, 1000000000000ull) * 1000;
      // Already closed by its messages (dyndbg's "bound device", a deferral): initcall_debug prints
      // this line after really_probe() returns, a serial console's printk later still (225 us seen
      // in a TCG guest for "after 0 usecs"), so the close may precede the window by a little.
      const bool ret0 = !m.has_ret || m.ret == 0;
      const bool same_outcome = !m.has_ret || (ret0 && d.bound) || (!ret0 && !d.bound);
      if (!d.open && d.has_close && d.last_close_t <= t && t <= d.last_close_t + dur + kSec / 200 && same_outcome)
        break;
      if (!d.open) {
        const uint64_t start = t >= dur ? t - dur : 0;
        open_attempt(m.dev, d, driver_for(d, {}), start, true, false);
      }
      close_attempt(m.dev, d, {}, t, m.has_ret ? m.ret : 0, false);
      break;
    }
    case MsgKind::initcall_calling:
      initcall_seen = true;
      if (!m.text.empty()) {
        OutEvent& e = add(EventKind::module_load, t, false);
        e.name = std::string(m.text);
        std::string mod(m.text);
        std::replace(mod.begin(), mod.end(), '-', '_');
        module_loads.emplace(std::move(mod), t);
        last_module = std::string(m.text);
      }
      break;
    case MsgKind::initcall_returned:
      initcall_seen = true;
      if (!m.text.empty()) {
        OutEvent& e = add(EventKind::module_init_done, t, false);
        e.name = std::string(m.text);
        e.num = m.has_ret ? m.ret : 0;
      }
      break;
    case MsgKind::fw_loaded:
    case MsgKind::fw_failed: {
      if (!m.dev.empty()) dev(m.dev);
      const uint64_t id = ++fw_ids;
      OutEvent& rq = add(EventKind::fw_request, t, true);
      rq.id = id;
      rq.name = scrubbed(m.text);
      rq.dev = std::string(m.dev);
      OutEvent& dn = add(EventKind::fw_done, t, false);
      dn.id = id;
      dn.num = m.kind == MsgKind::fw_loaded ? 0 : (m.has_ret ? m.ret : -2);
      break;
    }
    case MsgKind::module_request: {
      OutEvent& e = add(EventKind::module_request, t, false);
      e.name = std::string(m.text);
      e.flag = true;
      break;
    }
    default:
      return false;
  }
  return true;
}

// ASoC and ALSA: missing DAIs/components, card registration, card inputs, SOF milestones.
bool LogImporter::Impl::on_sound_message(const Message& m, uint64_t t) {
  switch (m.kind) {
    case MsgKind::asoc_not_registered:
    case MsgKind::asoc_not_found: {
      Dev& d = dev(m.dev);
      if (!d.open && !is_bus(m.first) && !is_class(m.first)) open_attempt(m.dev, d, m.first, t, true, false);
      if (d.open && !d.card_bind_open) {
        OutEvent& cb = add(EventKind::card_bind_start, t, true);
        cb.dev = std::string(m.dev);
        d.card_bind_open = true;
      }
      reason(m.dev, t, m.text);
      if (m.kind == MsgKind::asoc_not_registered)
        deferring(m.dev, d, m.first, t);
      else if (!d.open && !is_bus(m.first))
        open_attempt(m.dev, d, m.first, t, true, false);
      break;
    }
    case MsgKind::card_failed: {
      Dev& d = dev(m.dev);
      const bool defer = m.has_ret && (m.ret == kEprobeDefer || m.ret == 517);
      // "snd_soc_register_card failed (-517)" right after the ASoC lookup line that closed the attempt
      // as deferred ("ASoC: CODEC X not registered") is the same attempt's failure, not a retry.
      if (defer && !d.open && d.has_close && d.last_close_deferred && t >= d.last_close_t &&
          t - d.last_close_t <= kSec / 20)
        break;
      if (!d.open && !is_bus(m.first) && !(d.has_close && d.last_close_deferred && d.last_close_t == t))
        open_attempt(m.dev, d, m.first, t, true, false);
      OutEvent& e = add(EventKind::card_bind_end, t, false);
      e.dev = std::string(m.dev);
      e.num = m.has_ret ? (m.ret > 0 ? -m.ret : m.ret) : -22;
      d.card_bind_open = false;
      d.card_failed = true;
      if (defer && d.open) deferring(m.dev, d, m.first, t);
      break;
    }
    case MsgKind::asoc_mapping_ok: {
      // snd_soc_bind_card() prints it: the device's probe is binding its card (inferred attempt).
      Dev& d = dev(m.dev);
      if (!d.open && !d.bound && d.failed_drv.empty() && !m.first.empty() && !is_bus(m.first) && !is_class(m.first)) {
        open_inferred_attempt(m.dev, d, m.first, t);
      }
      ext(t, "asoc_mapping_ok", m.dev, m.text);
      break;
    }
    case MsgKind::card_input: {
      if (CardSeen& c = card_inputs[m.index]; c.inputs.size() < 8) {
        c.dev = std::string(m.dev);
        if (std::find(c.inputs.begin(), c.inputs.end(), m.text) == c.inputs.end()) c.inputs.emplace_back(m.text);
      }
      const std::string key = fmt::format("{}#{}", m.dev, m.index);
      if (cards.count(key)) break;
      cards.insert(key);
      Dev& d = dev(m.dev);
      // A card registers from its device's probe: a device never seen probing is (inferred attempt).
      if (!d.open && !d.bound && d.failed_drv.empty()) {
        open_inferred_attempt(m.dev, d, driver_for(d, {}), t);
      }
      OutEvent& e = add(EventKind::snd_card_register, t, true);
      e.dev = std::string(m.dev);
      e.num = m.index;
      e.name = fmt::format("card{}", m.index);
      break;
    }
    case MsgKind::sof_milestone:
    case MsgKind::sof_error:
      dev(m.dev);
      ext(t, to_string(m.kind), m.dev, m.text);
      break;
    default:
      return false;
  }
  return true;
}

// The machine: PCI devices (HDA controllers), the kernel version line, the command line.
bool LogImporter::Impl::on_machine_message(const Message& m, uint64_t t) {
  switch (m.kind) {
    case MsgKind::pci_device: {
      Dev& d = dev(m.dev);
      learn_bus(d, "pci");
      // "[8086:a0c8] type 00 class 0x040380": multimedia functions (class 0x04xx) by their ids.
      if (const size_t cls = m.text.find(" class 0x04"); cls != sv::npos && m.text.size() >= cls + 15)
        pci_multimedia[std::string(m.dev)] = {std::string(m.text.substr(1, 9)), std::string(m.text.substr(cls + 7, 8))};
      if (m.text.find(" class 0x0403") != sv::npos &&
          std::find(hda_controllers.begin(), hda_controllers.end(), m.dev) == hda_controllers.end())
        hda_controllers.emplace_back(m.dev);
      if (!d.declared && d.attempts == 0) {
        OutEvent& e = add(EventKind::device_add, t, false);
        e.dev = std::string(m.dev);
        e.s2 = "pci";
      }
      break;
    }
    case MsgKind::kernel_version:
      if (messages_in_boot > 1 && (!buf.empty() || stats.events > 0)) boot_boundary();
      if (chosen_boot_done) break;  // the first line of a boot after the one --boot chose
      release = std::string(m.text);
      break;
    case MsgKind::command_line:
      cmdline = scrubbed(m.text);
      break;
    default:
      return false;
  }
  return true;
}

}  // namespace reprobe
