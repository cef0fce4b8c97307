// LogImporter, inference: what the log implies without printing it (retry triggers,
// the deferred-probe timeout, driver_register, HDA codec binds, the needs of
// deferred devices). See log_importer_impl.h and docs/import.md (inference rules).
#include "tracer/import/log_importer_impl.h"

namespace reprobe {

uint64_t LogImporter::Impl::last_written_or_buffered() const {
  uint64_t m = written_t;
  for (const auto& e : buf) m = std::max(m, e.t);
  return m;
}

void LogImporter::Impl::timeout_fired_at(uint64_t t, bool inferred) {
  if (timeout_fired) {
    // "deferred probe pending" proves the firing a retry implied: observed, at the due time.
    if (!inferred)
      for (auto& e : buf)
        if (e.kind == EventKind::timeout_fired && e.inferred) {
          e.inferred = false;
          observed[static_cast<size_t>(EventKind::timeout_fired)] = true;
        }
    return;
  }
  timeout_fired = true;
  if (!inferred && retry_run_open && retry_run_start <= t)
    t = retry_run_start;  // it fired before the retries it caused
  add(EventKind::timeout_fired, t, inferred);
  OutEvent& tr = add(EventKind::trigger, t, true);
  tr.s2 = "timeout";
}

void LogImporter::Impl::infer_retry_trigger(const Dev& d, uint64_t t) {
  if (!d.deferred_once) return;
  if (any_trigger && last_trigger_t >= d.defer_t) return;
  if (extend_seen && !timeout_fired && last_extend_secs > 0) {
    const uint64_t due = last_extend_t + static_cast<uint64_t>(last_extend_secs) * kSec;
    if (due <= t && t - due <= 2 * kSec) {
      timeout_fired_at(due, true);
      return;
    }
  }
  OutEvent& tr = add(EventKind::trigger, t, true);
  tr.s2 = "other";
}

void LogImporter::Impl::infer_driver_register(sv drv, sv bus, uint64_t t) {
  if (drv.empty() || drivers_registered.count(drv) || drivers_used.count(drv)) return;
  drivers_registered.emplace(drv);
  std::string mod(drv);
  std::replace(mod.begin(), mod.end(), '-', '_');
  uint64_t at = t;
  std::string module;
  if (auto it = module_loads.find(mod); it != module_loads.end() && it->second <= t) {
    at = it->second;
    module = it->first;
  }
  OutEvent& e = add(EventKind::driver_register, at, true);
  e.drv = std::string(drv);
  e.s2 = bus.empty() ? std::string("platform") : std::string(bus);
  e.name = module;
  register_since_extend = true;
}

void LogImporter::Impl::on_timeout_extended(uint64_t t) {
  if (!register_since_extend) {
    OutEvent& e = add(EventKind::driver_register, t, true);
    e.drv = fmt::format("unknown-driver-{}", ++unnamed_drivers);
    e.s2 = "platform";
    e.name = last_module;
  }
  register_since_extend = false;
}

void LogImporter::Impl::on_hda_codec(sv codec, uint64_t t) {
  if (!starts(codec, "hdaudioC")) return;
  int64_t card = 0;
  size_t i = 8;
  bool digits = false;
  while (i < codec.size() && codec[i] >= '0' && codec[i] <= '9' && card < 1000) {
    card = card * 10 + (codec[i++] - '0');
    digits = true;
  }
  if (!digits || i >= codec.size() || codec[i] != 'D') return;
  if (hda_cards.count(card) || static_cast<size_t>(card) >= hda_controllers.size()) return;
  hda_cards.insert(card);
  const std::string ctl = hda_controllers[static_cast<size_t>(card)];
  Dev& c = dev(ctl);
  const std::string key = fmt::format("{}#{}", ctl, card);
  if (!c.bound || c.open) {
    const std::string drv = c.matched_drv.empty() ? (c.last_drv.empty() ? "snd_hda_intel" : c.last_drv) : c.matched_drv;
    // No earlier line showed the driver: it was registered (module loaded) no later than
    // its codec appeared; without this the replay would bind the controller at enumeration.
    if (!c.open && !drivers_used.count(drv) && !drivers_registered.count(drv)) {
      drivers_registered.emplace(drv);
      OutEvent& r = add(EventKind::driver_register, t, true);
      r.drv = drv;
      r.s2 = "pci";
      register_since_extend = true;
    }
    if (!c.open) open_attempt(ctl, c, drv, t, true, false);
    close_attempt(ctl, c, {}, t, 0, true);
  }
  if (!cards.count(key)) {
    cards.insert(key);
    OutEvent& e = add(EventKind::snd_card_register, t, true);
    e.dev = ctl;
    e.num = card;
    e.name = fmt::format("card{}", card);
  }
}

void LogImporter::Impl::infer_components() {
  sort_buffer();
  std::vector<OutEvent> added;
  for (size_t i = 0; i < buf.size(); ++i) {
    OutEvent& e = buf[i];
    if (e.scanned) continue;
    e.scanned = true;
    if (e.kind == EventKind::defer_reason) {
      if (auto r = resource_from_reason(e.name); r && !starts(*r, "device:")) {
        auto& w = waiting[e.dev].resources;
        if (std::find(w.begin(), w.end(), *r) == w.end()) w.push_back(*r);
      }
    } else if (e.kind == EventKind::probe_end && e.outcome == ProbeOutcome::deferred) {
      auto it = waiting.find(e.dev);
      if (it != waiting.end()) {
        it->second.deferred = true;
        it->second.deferred_at = e.t;
        it->second.deferral.t = e.t;
        it->second.deferral.seq = e.seq;
        it->second.deferral.input = e.input;
        it->second.deferral.line = e.line;
      }
    } else if (e.kind == EventKind::bound) {
      auto it = waiting.find(e.dev);
      if (it != waiting.end() && it->second.deferred) {
        const Waiting& w = it->second;
        // the last bind of another device between the deferral and this bind
        const OutEvent* provider = nullptr;
        for (auto b = binds.rbegin(); b != binds.rend(); ++b) {
          if (b->t < w.deferred_at) break;
          if (b->dev == e.dev) continue;
          provider = &*b;
          break;
        }
        // None (the provider registered from a work item, or bound before and registered
        // its component later): what it waited for appeared between the deferral and the
        // trigger of the successful retry; placed at the earliest, right after the
        // deferral (the replay's own timer may fire a little earlier than the kernel's).
        // Credited to the device named like the component when the log knows one, else
        // to the waiting device.
        const OutEvent* at = provider ? provider : &w.deferral;
        {
          const OutEvent& pb = *at;
          std::string owner = provider ? pb.dev : e.dev;
          if (!provider)
            for (const auto& r : w.resources)
              if (starts(r, "component:") && devs.count(sv(r).substr(10))) owner = r.substr(10);
          OutEvent base;
          base.scanned = true;
          // right after the deferral: 1 ns later, so that no replay orders it before the lookup
          // that failed at the deferral's own timestamp (a log gives one time to the whole attempt)
          base.t = provider || pb.t >= kMaxT ? pb.t : pb.t + 1;  // never past the trace clock
          base.seq = provider ? pb.seq - 1 : pb.seq + 1;
          base.inferred = true;
          base.dev = owner;
          base.input = pb.input;
          base.line = pb.line;
          OutEvent dais = base;
          dais.kind = EventKind::component_add;
          dais.name = owner;
          for (const auto& r : w.resources) {
            if (starts(r, "dai:")) {
              dais.list.push_back(r.substr(4));
            } else if (starts(r, "component:")) {
              OutEvent c = base;
              c.kind = EventKind::component_add;
              c.name = r.substr(10);
              // ASoC names a component after its device (dev_name()): without a provider bind the
              // log names no other registrant, and never the device that waited for it.
              if (!provider) c.dev = c.name;
              added.push_back(std::move(c));
              inferred_kind[static_cast<size_t>(EventKind::component_add)] = true;
            } else if (starts(r, "named:")) {
              OutEvent c = base;
              c.kind = EventKind::resource;
              c.name = r.substr(6);
              added.push_back(std::move(c));
              inferred_kind[static_cast<size_t>(EventKind::resource)] = true;
            }
          }
          if (!dais.list.empty()) {
            added.push_back(std::move(dais));
            inferred_kind[static_cast<size_t>(EventKind::component_add)] = true;
          }
        }
        waiting.erase(it);
      }
      OutEvent copy;
      copy.t = e.t;
      copy.seq = e.seq;
      copy.dev = e.dev;
      copy.input = e.input;
      copy.line = e.line;
      binds.push_back(std::move(copy));
    }
  }
  for (auto& a : added) buf.push_back(std::move(a));
  sort_buffer();
}

uint64_t LogImporter::Impl::horizon() const {
  uint64_t h = kMaxT;
  for (const auto& [name, d] : devs)
    if (d.open) h = std::min(h, d.last_t);  // its close lands at its last line or later
  if (extend_seen && !timeout_fired && last_extend_secs > 0) {
    const uint64_t due = last_extend_t + static_cast<uint64_t>(last_extend_secs) * kSec;
    if (last_t <= due + 2 * kSec) h = std::min(h, due);
  }
  return h > 0 ? h - 1 : 0;
}

void LogImporter::Impl::close_open() {
  flush_pending();
  std::vector<std::string> names;
  for (auto& [name, d] : devs)
    if (d.open) names.push_back(name);
  std::sort(names.begin(), names.end());  // deterministic
  for (const auto& name : names) {
    Dev& d = devs[name];
    // A retry of a device whose card registration failed before, opened only by its driver's lines
    // and cut by the end of the log with no sign of the card (no "mapping ok", no card): the log
    // cannot say how it ended. It stays open: the trace ends while it probes (not a bind).
    if (d.open_heuristic && d.card_failed && d.has_close && d.last_close_deferred) continue;
    // Nothing said the attempt deferred or failed: the driver kept the device.
    at_line_of(d, [&] { close_attempt(name, d, {}, d.last_t, heuristic_end_ret(d), true); });
  }
}

}  // namespace reprobe
