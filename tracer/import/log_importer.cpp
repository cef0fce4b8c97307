// Assembly of a reprobe trace from kernel-log messages; see log_importer.h
// and docs/import.md (mapping table, inference rules, limits).
#include "tracer/import/log_importer.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "replayer/trace/kernel_vocabulary.h"
#include "replayer/trace/trace_writer.h"

namespace reprobe {

std::string_view to_string(SkipKind k) {
  switch (k) {
    case SkipKind::blank: return "blank";
    case SkipKind::other_message: return "other kernel message";
    case SkipKind::other_program: return "syslog: other program";
    case SkipKind::elision: return "elision";
    case SkipKind::oops: return "oops fragment";
    case SkipKind::console_echo: return "console echo";
    case SkipKind::wrapped: return "wrapped line (joined)";
    case SkipKind::kmsg_continuation: return "kmsg continuation";
    case SkipKind::journal_marker: return "journal marker";
    case SkipKind::driver_core_unparsed: return "driver-core (unparsed)";
    case SkipKind::earlier_boot: return "earlier boot";
    case SkipKind::count_: break;
  }
  return "?";
}

namespace {

using sv = std::string_view;

constexpr uint64_t kSec = 1000000000ull;
constexpr uint64_t kMaxT = uint64_t{1} << 62;
constexpr int64_t kEprobeDefer = -517;

bool starts(sv s, sv p) { return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0; }

struct SvHash {
  using is_transparent = void;
  size_t operator()(sv s) const { return std::hash<sv>{}(s); }
};

// Buses whose name dev_printk shows for an unbound device (dev_driver_string falls back to the bus).
const std::unordered_set<std::string, SvHash, std::equal_to<>>& static_buses() {
  static const std::unordered_set<std::string, SvHash, std::equal_to<>> k = {
      "pci", "platform", "hdaudio", "soundwire", "i2c", "spi", "usb", "acpi", "serio", "pnp", "virtio", "mdio_bus",
      "hid", "scsi", "ac97", "snd_seq", "auxiliary", "mei", "thunderbolt", "nvmem", "cpu", "memory", "container",
      "node", "workqueue", "xen", "gpio", "wmi", "typec", "dax", "nd", "machinecheck", "edac", "pci_express",
      "sdw", "serial", "serial-base", "ishtp", "intel-ish-ipc", "mipi-dsi", "cec", "iio", "media", "nvdimm"};
  return k;
}

// Class names: the first token of class devices (never a driver).
const std::unordered_set<std::string, SvHash, std::equal_to<>>& static_classes() {
  static const std::unordered_set<std::string, SvHash, std::equal_to<>> k = {
      "input", "sound", "net", "block", "tty", "rtc", "drm", "hwmon", "thermal", "power_supply", "leds", "bluetooth",
      "ieee80211", "misc", "mem", "graphics", "backlight", "firmware", "iommu", "dma", "wakeup", "ptp", "watchdog",
      "regulator", "bdi", "scsi_host", "scsi_disk", "scsi_device", "scsi_generic", "usbmisc", "video4linux", "nvme",
      "pcmcia_socket", "card", "devlink", "tpm", "tpmrm", "dmi", "efi", "vc", "vtconsole", "hidraw", "i2c-dev",
      "spi_master", "mtd", "gpiochip", "pwm", "extcon", "usb_role", "typec_mux", "mdio", "virtio-ports", "dca",
      "intel_scu_ipc", "accel", "remoteproc", "rfkill", "phy", "udc", "devfreq", "powercap", "cxl", "snd", "pci_bus"};
  return k;
}

std::string guess_bus(sv dev) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  if (dev.size() == 12 && dev[4] == ':' && dev[7] == ':' && dev[10] == '.') {
    bool ok = true;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) ok &= hex(dev[i]);
    if (ok) return "pci";
  }
  if (starts(dev, "hdaudioC") || starts(dev, "ehdaudio")) return "hdaudio";
  if (starts(dev, "sdw:")) return "soundwire";
  if (starts(dev, "i2c-")) return "i2c";
  if (starts(dev, "spi")) return "spi";
  if (!dev.empty() && dev[0] >= '1' && dev[0] <= '9' && dev.find('-') != sv::npos && dev.find('-') < 3) return "usb";
  if (starts(dev, "usb") && dev.size() <= 5) return "usb";
  return "platform";
}

// Logs are bytes; trace strings are UTF-8. Invalid sequences (Latin-1 text, binary
// garbage from a serial console) become '?'.
std::string utf8(std::string_view in) {
  size_t i = 0;
  while (i < in.size() && static_cast<unsigned char>(in[i]) < 0x80) ++i;
  if (i == in.size()) return std::string(in);
  std::string out(in.substr(0, i));
  while (i < in.size()) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= in.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    if (ok && n == 2 && c < 0xc2) ok = false;  // overlong
    if (ok && n == 3) {
      const unsigned char c1 = static_cast<unsigned char>(in[i + 1]);
      if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) ok = false;  // overlong, surrogates
    }
    if (ok && n == 4) {
      const unsigned char c1 = static_cast<unsigned char>(in[i + 1]);
      if ((c == 0xf0 && c1 < 0x90) || c > 0xf4 || (c == 0xf4 && c1 >= 0x90)) ok = false;
    }
    if (ok) {
      out.append(in.substr(i, n));
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

struct OutEvent {
  uint64_t t = 0;
  uint64_t seq = 0;
  EventKind kind = EventKind::extension;
  bool inferred = false;
  bool has_id = false;
  bool flag = false;
  ProbeOutcome outcome = ProbeOutcome::failed;
  int64_t num = 0;
  uint64_t id = 0;
  uint32_t input = 0;
  uint64_t line = 0;
  std::string dev, drv, name, s2;  // s2: device_add bus / x-dmesg kind / trigger cause
  std::vector<std::string> list;   // component_add dais
  bool scanned = false;            // seen by infer_components (live capture runs it repeatedly)
};

struct Dev {
  std::string bus;
  bool declared = false;
  bool open = false;            // a probe attempt is open
  bool open_heuristic = false;  // opened from a driver-prefixed line only
  std::string open_drv;
  uint64_t open_t = 0;
  uint64_t last_t = 0;          // last line printed by this device with a driver prefix
  bool bound = false;
  std::string bound_drv;
  bool bound_event = false;     // a bound event was written for the current binding
  std::string matched_drv;
  std::string last_drv;
  uint64_t attempts = 0;
  uint64_t last_close_t = 0;
  bool last_close_deferred = false;
  bool has_close = false;
  bool card_bind_open = false;  // an ASoC card bind is in progress in the open attempt
  uint64_t defer_t = 0;         // last time it was seen deferring (Added to deferred list / deferred probe end)
  bool deferred_once = false;
  uint32_t last_input = 0;      // input and line of the last line that showed this device (--explain)
  uint64_t last_line = 0;
};

ProbeOutcome outcome_of(int64_t ret) {
  if (ret == 0) return ProbeOutcome::bound;
  if (ret == kEprobeDefer || ret == 517) return ProbeOutcome::deferred;
  if (ret == -19 || ret == -6) return ProbeOutcome::rejected;
  return ProbeOutcome::failed;
}

}  // namespace

struct LogImporter::Impl {
  ImportOptions opt;
  Redactor redactor;
  ImportStats stats;
  std::vector<std::string> labels;
  uint32_t cur_input = 0;

  std::unordered_map<std::string, Dev, SvHash, std::equal_to<>> devs;
  std::unordered_set<std::string, SvHash, std::equal_to<>> learned_buses;
  std::vector<OutEvent> buf;
  uint64_t seq = 0;
  uint64_t written_t = 0;
  uint64_t fw_ids = 0;
  std::array<bool, kEventKindCount> observed{};
  std::array<bool, kEventKindCount> inferred_kind{};

  // time
  uint64_t last_t = 0;
  bool any_timed = false;
  bool any_wall_only = false;
  std::optional<int64_t> wall_base;  // wall_ns - t
  uint64_t synth_lines = 0;

  // what the log shows
  bool dyndbg_seen = false;
  bool initcall_seen = false;
  bool new_form_seen = false;
  bool pending_reason_seen = false;
  bool supplier_seen = false;
  bool timeout_fired = false;
  // The deferred-work run the timeout's trigger started: retries after a quiet spell with no bind.
  bool retry_run_open = false;
  uint64_t retry_run_start = 0, last_retry_t = 0;
  std::string release, cmdline;
  std::vector<std::pair<std::string, std::string>> devices_deferred;
  std::unordered_set<std::string, SvHash, std::equal_to<>> cards;
  // HDA controllers (PCI class 0x0403) in enumeration order: hdaudioC<N>D<a> is a codec of card N.
  std::vector<std::string> hda_controllers;
  std::unordered_set<int64_t> hda_cards;
  // Trigger bookkeeping: a "Retrying from deferred list" needs a trigger before it.
  bool any_trigger = false;
  uint64_t last_trigger_t = 0;
  bool extend_seen = false;
  uint64_t last_extend_t = 0;
  int64_t last_extend_secs = 0;
  // Drivers: module_load times (initcall_debug) and drivers with a driver_register written.
  std::map<std::string, uint64_t, std::less<>> module_loads;  // module name with '-' as '_'
  std::unordered_set<std::string, SvHash, std::equal_to<>> drivers_registered;
  std::unordered_set<std::string, SvHash, std::equal_to<>> drivers_used;  // named by an attempt before any match line
  bool register_since_extend = false;
  uint64_t unnamed_drivers = 0;
  std::string last_module;
  uint64_t messages_in_boot = 0;
  bool in_oops = false;

  // one logical line of delay, to join e-mail wrapped lines
  bool pend = false;
  std::string pend_msg;
  uint64_t pend_t = 0;
  uint64_t pend_line = 0;
  bool pend_timed = false;
  size_t pend_raw_len = 0;
  bool pend_kmsg = false;   // the pending message is a /dev/kmsg record
  bool pend_dict = false;   // ... followed by SUBSYSTEM=/DEVICE= (dev_printk)
  bool cur_kmsg = false, cur_dict = false;  // the same for the message being handled
  std::string last_kmsg_dev;  // device of the last kmsg record (for DEVICE=)

  std::string last_host;  // last host name given to the redactor

  // scratch
  std::string html_buf;
  std::vector<size_t> offsets;
  LinePrefix px;
  Message msg;

  explicit Impl(ImportOptions o)
      : opt(std::move(o)), redactor(opt.redact ? Redactor(RedactOptions{}) : Redactor::disabled()) {}

  // ---------- events ----------
  OutEvent& add(EventKind k, uint64_t t, bool inferred) {
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

  void ext(uint64_t t, sv kind, sv dev, sv text) {
    OutEvent& e = add(EventKind::extension, t, false);
    e.name = "x-dmesg";
    e.s2 = std::string(kind);
    e.dev = std::string(dev);
    e.drv = redactor.scrub_string(text);
  }

  Dev& dev(sv name) {
    auto it = devs.find(name);
    if (it == devs.end()) it = devs.emplace(std::string(name), Dev{}).first;
    return it->second;
  }

  bool is_bus(sv tok) const { return static_buses().count(tok) || learned_buses.count(tok); }
  bool is_class(sv tok) const { return static_classes().count(tok) > 0; }

  void learn_bus(Dev& d, sv bus) {
    if (bus.empty()) return;
    if (d.bus.empty()) d.bus = std::string(bus);
    if (!static_buses().count(bus) && !learned_buses.count(bus)) learned_buses.emplace(bus);
  }

  std::string driver_for(const Dev& d, sv hint) const {
    if (!hint.empty()) return std::string(hint);
    if (d.open) return d.open_drv;
    if (!d.matched_drv.empty()) return d.matched_drv;
    if (!d.last_drv.empty()) return d.last_drv;
    return "unknown";
  }

  void open_attempt(sv name, Dev& d, sv drv, uint64_t t, bool inferred, bool heuristic) {
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
    ++d.attempts;
  }

  // Closes the open attempt (or an inferred zero-length one when none is open).
  void close_attempt(sv name, Dev& d, sv drv_hint, uint64_t t, int64_t ret, bool end_inferred, bool bound_observed = false) {
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
    }
  }

  void reason(sv name, uint64_t t, sv text) {
    OutEvent& e = add(EventKind::defer_reason, t, false);
    e.dev = std::string(name);
    e.name = redactor.scrub_string(text);
  }

  // A probe is deferring (reason printed inside it). Without dyndbg nothing else will say so.
  void deferring(sv name, Dev& d, sv first, uint64_t t) {
    if (dyndbg_seen) {
      if (!d.open && !is_bus(first) && !is_class(first)) open_attempt(name, d, first, t, true, false);
      return;
    }
    close_attempt(name, d, (is_bus(first) || is_class(first)) ? sv{} : first, t, kEprobeDefer, true);
  }

  uint64_t last_written_or_buffered() const {
    uint64_t m = written_t;
    for (const auto& e : buf) m = std::max(m, e.t);
    return m;
  }

  void timeout_fired_at(uint64_t t, bool inferred = false) {
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
    if (!inferred && retry_run_open && retry_run_start <= t) t = retry_run_start;  // it fired before the retries it caused
    add(EventKind::timeout_fired, t, inferred);
    OutEvent& tr = add(EventKind::trigger, t, true);
    tr.s2 = "timeout";
  }

  // "Retrying from deferred list" for a device that deferred with no trigger since: the
  // kernel only retries after driver_deferred_probe_trigger(), so one happened unprinted.
  // 6.1 prints nothing when the deferred_probe_timeout fires and every device then binds;
  // the last "Extended deferred probe timeout by N secs" + N at or shortly before the retry
  // says it was the timeout. Anything else: cause other. Both inferred.
  void infer_retry_trigger(const Dev& d, uint64_t t) {
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

  // A driver-core match line names a driver: its driver_register (never printed) happened
  // at its module's initcall (initcall_debug "calling ... [mod]") or, without one, no later
  // than this first match. Only for drivers no earlier line showed probing: a driver seen
  // before (log without dyndbg, or dyndbg enabled late) was registered at an unknown time.
  void infer_driver_register(sv drv, sv bus, uint64_t t) {
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

  // "Extended deferred probe timeout by N secs" is printed by driver_register() while the
  // timeout is pending. When no driver_register was inferred since the previous one, the
  // registered driver matched no device: an inferred driver_register of an unnamed driver
  // ("unknown-driver-K", module from the last initcall_debug "calling" line) keeps the
  // replay's timeout re-armed where the kernel re-armed it.
  void on_timeout_extended(uint64_t t) {
    if (!register_since_extend) {
      OutEvent& e = add(EventKind::driver_register, t, true);
      e.drv = fmt::format("unknown-driver-{}", ++unnamed_drivers);
      e.s2 = "platform";
      e.name = last_module;
    }
    register_since_extend = false;
  }

  // "snd_hda_codec_generic hdaudioC0D0: ..." : the codec of card N is probing, so the
  // controller that created card N (the Nth PCI function of class 0x0403) bound and
  // registers the card. Inferred; only with that PCI evidence.
  void on_hda_codec(sv codec, uint64_t t) {
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

  // A text line "<first> <dev>: ..." is a dev_printk only with evidence: a /dev/kmsg record
  // carries SUBSYSTEM=/DEVICE=; in text the first token must look like a driver name
  // (lower case, digits, '_', '-', '.') and the second like a dev_name (a digit or one of
  // "-.:_", the driver's own name, or a device already known). "Zone ranges:",
  // "NMI watchdog:", "pinctrl core:" are not.
  bool dev_evidence(const Message& m) const {
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

  // ---------- messages ----------
  void handle(sv text, uint64_t t, bool timed) {
    ++stats.messages;
    ++messages_in_boot;
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
      return;
    }
    if (m.kind == MsgKind::dev_line) {
      if (in_oops || (m.first == "Call" && m.dev == "Trace")) return count(SkipKind::oops);
      if (!dev_evidence(m)) return count(SkipKind::other_message);
      on_dev_line(m, t);
      return;
    }
    in_oops = false;
    ++stats.recognised;
    ++stats.recognised_by_kind[std::string(to_string(m.kind))];
    (void)timed;
    on_message(m, t);
  }

  void skip_unrecognised(sv m) {
    if (m.empty()) return count(SkipKind::blank);
    if (is_elision(m)) return count(SkipKind::elision);
    if (is_oops(m)) return count(SkipKind::oops);
    if (starts(m, "-- ") && m.size() > 6 && m.substr(m.size() - 3) == " --") {
      if (m.find("Boot ") != sv::npos || m.find("Reboot") != sv::npos) boot_boundary();
      return count(SkipKind::journal_marker);
    }
    if (looks_like_driver_core(m)) return count(SkipKind::driver_core_unparsed);
    count(SkipKind::other_message);
  }

  bool is_oops(sv m) {
    // Every prefix below starts with one of these bytes: other lines skip the ~30 comparisons.
    static constexpr sv kPrefixFirst = "-BWOgC<RFDPMH?";
    if (m.empty() || kPrefixFirst.find(m[0]) == sv::npos) return is_stack_frame(m) || in_oops;
    if ((m.size() > 12 && m[0] == '-' && m.find("[ cut here ]") != sv::npos) || starts(m, "BUG: ") || starts(m, "WARNING: CPU:") || starts(m, "Oops: ") ||
        starts(m, "general protection fault")) {
      in_oops = true;
      return true;
    }
    if (starts(m, "---[ end trace")) {
      in_oops = false;
      return true;
    }
    if (starts(m, "Call Trace:") || starts(m, "<TASK>") || starts(m, "</TASK>") || starts(m, "<IRQ>") ||
        starts(m, "</IRQ>") || starts(m, "RIP: ") || starts(m, "Code: ") || starts(m, "RSP: ") || starts(m, "RAX: ") ||
        starts(m, "RDX: ") || starts(m, "RBP: ") || starts(m, "R10: ") || starts(m, "R13: ") || starts(m, "FS: ") ||
        starts(m, "CS: ") || starts(m, "CR2: ") || starts(m, "DR0: ") || starts(m, "DR3: ") || starts(m, "PKRU: ") ||
        starts(m, "Modules linked in:") || starts(m, "Hardware name: ") || starts(m, "Workqueue: ") ||
        starts(m, "? ") || starts(m, "CPU: "))
      return true;
    return is_stack_frame(m) || in_oops;
  }

  // stack frame "func+0x1a/0x40 [mod]"
  static bool is_stack_frame(sv m) {
    if (!std::memchr(m.data(), '+', m.size())) return false;
    const size_t plus = m.find("+0x");
    return plus != sv::npos && plus > 0 && m.find('/', plus) != sv::npos && m.find(' ') >= plus;
  }

  void count(SkipKind k) {
    ++stats.skipped[static_cast<size_t>(k)];
    if (k == SkipKind::driver_core_unparsed && !strict_error) {
      strict_error = true;
      strict_label = cur_input < labels.size() ? labels[cur_input] : std::string();
      strict_line = pend_line;
    }
  }

  void on_dev_line(const Message& m, uint64_t t) {
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
      at_line_of(d, [&] { close_attempt(m.dev, d, {}, d.last_t, 0, true); });
    }
    if (!d.open && !(d.bound && d.bound_drv == m.first)) open_attempt(m.dev, d, m.first, t, true, true);
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

  // Runs f with events attributed to the last line that showed d (not the current line).
  template <typename F>
  void at_line_of(const Dev& d, F&& f) {
    const uint32_t in = cur_input;
    const uint64_t ln = pend_line;
    cur_input = d.last_input;
    pend_line = d.last_line;
    f();
    cur_input = in;
    pend_line = ln;
  }

  void on_message(const Message& m, uint64_t t) {
    if (!m.dev.empty() && !m.first.empty() && !is_bus(m.first) && !is_class(m.first)) {
      // Any line printed with the driver's name belongs to the device's probe or binding.
      Dev& d = dev(m.dev);
      d.last_drv.assign(m.first);
      if (d.open && d.open_heuristic && d.open_drv == m.first) d.last_t = t;
    }
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
        if (!d.open && d.has_close && d.last_close_deferred && d.last_close_t + kSec / 100 >= t) break;  // "Added" came first (<=5.13)
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
        close_attempt(m.dev, d, m.drv, t, m.kind == MsgKind::rejects && outcome_of(ret) != ProbeOutcome::rejected ? -19 : ret,
                      false);
        break;
      }
      case MsgKind::pending: {
        Dev& d = dev(m.dev);
        learn_bus(d, is_bus(m.first) ? m.first : sv{});
        if (!m.text.empty()) pending_reason_seen = true;
        // The line is printed after the timeout's trigger and the retries it caused: without
        // dyndbg those are placed 1 ms before the first pending line.
        const uint64_t before = dyndbg_seen || t < kSec / 1000 ? t : std::max(t - kSec / 1000, last_written_or_buffered());
        timeout_fired_at(before);
        if (d.open) close_attempt(m.dev, d, {}, t, kEprobeDefer, true);
        else if (d.attempts == 0 || !dyndbg_seen) close_attempt(m.dev, d, {}, before, kEprobeDefer, true);  // the timeout's retry
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
      case MsgKind::probe_returned: {
        initcall_seen = true;
        Dev& d = dev(m.dev);
        const uint64_t dur = std::min<uint64_t>(m.usecs, 1000000000000ull) * 1000;
        if (!d.open && d.has_close && d.last_close_t + dur >= t && d.last_close_t <= t) break;  // already closed by its messages
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
      case MsgKind::devices_deferred: {
        Dev& d = dev(m.dev);
        devices_deferred.emplace_back(std::string(m.dev), redactor.scrub_string(m.text));
        const size_t colon = m.text.find(": ");
        const sv drv = colon == sv::npos ? sv{} : m.text.substr(0, colon);  // reason = "drv: msg"
        if (!d.open && d.attempts == 0) open_attempt(m.dev, d, drv.empty() ? driver_for(d, {}) : std::string(drv), t, true, false);
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
        if (m.kind == MsgKind::asoc_not_registered) deferring(m.dev, d, m.first, t);
        else if (!d.open && !is_bus(m.first)) open_attempt(m.dev, d, m.first, t, true, false);
        break;
      }
      case MsgKind::card_failed: {
        Dev& d = dev(m.dev);
        const bool defer = m.has_ret && (m.ret == kEprobeDefer || m.ret == 517);
        if (!d.open && !is_bus(m.first) && !(d.has_close && d.last_close_deferred && d.last_close_t == t))
          open_attempt(m.dev, d, m.first, t, true, false);
        OutEvent& e = add(EventKind::card_bind_end, t, false);
        e.dev = std::string(m.dev);
        e.num = m.has_ret ? (m.ret > 0 ? -m.ret : m.ret) : -22;
        d.card_bind_open = false;
        if (defer && d.open) deferring(m.dev, d, m.first, t);
        break;
      }
      case MsgKind::asoc_mapping_ok:
        dev(m.dev);
        ext(t, "asoc_mapping_ok", m.dev, m.text);
        break;
      case MsgKind::card_input: {
        const std::string key = fmt::format("{}#{}", m.dev, m.index);
        if (cards.count(key)) break;
        cards.insert(key);
        dev(m.dev);
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
      case MsgKind::fw_loaded:
      case MsgKind::fw_failed: {
        if (!m.dev.empty()) dev(m.dev);
        const uint64_t id = ++fw_ids;
        OutEvent& rq = add(EventKind::fw_request, t, true);
        rq.id = id;
        rq.name = redactor.scrub_string(m.text);
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
      case MsgKind::pci_device: {
        Dev& d = dev(m.dev);
        learn_bus(d, "pci");
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
        release = std::string(m.text);
        break;
      case MsgKind::command_line:
        cmdline = redactor.scrub_string(m.text);
        break;
      case MsgKind::none:
      case MsgKind::dev_line: break;
    }
  }

  // A new boot starts: everything before it is dropped (only the last boot is imported).
  void boot_boundary() {
    if (buf.empty() && devs.empty()) return;
    if (stats.events > 0) return;  // live capture: already written, keep going
    ++stats.boots;
    stats.skipped[static_cast<size_t>(SkipKind::earlier_boot)] += messages_in_boot;
    messages_in_boot = 0;
    buf.clear();
    devs.clear();
    observed.fill(false);
    inferred_kind.fill(false);
    devices_deferred.clear();
    cards.clear();
    hda_controllers.clear();
    hda_cards.clear();
    any_trigger = extend_seen = false;
    last_trigger_t = last_extend_t = 0;
    module_loads.clear();
    drivers_registered.clear();
    drivers_used.clear();
    register_since_extend = false;
    unnamed_drivers = 0;
    last_module.clear();
    fw_ids = 0;
    last_t = 0;
    wall_base.reset();
    timeout_fired = false;
    release.clear();
    cmdline.clear();
  }

  // ---------- lines ----------
  uint64_t time_of(const LinePrefix& p, bool& timed) {
    timed = false;
    if (p.mono_ns) {
      timed = true;
      any_timed = true;
      if (p.wall_ns) wall_base = *p.wall_ns - static_cast<int64_t>(*p.mono_ns);
      return *p.mono_ns;
    }
    if (p.wall_ns) {
      timed = true;
      any_timed = true;
      any_wall_only = true;
      if (!wall_base) wall_base = *p.wall_ns - static_cast<int64_t>(last_t);
      const int64_t rel = *p.wall_ns - *wall_base;
      return rel < 0 ? 0 : static_cast<uint64_t>(rel);
    }
    if (!any_timed) return ++synth_lines * 1000000;  // dmesg -t: 1 ms per line keeps the order
    return last_t;
  }

  void flush_pending() {
    if (!pend) return;
    pend = false;
    cur_kmsg = pend_kmsg;
    cur_dict = pend_dict;
    handle(pend_msg, pend_t, pend_timed);
  }

  // `parsed`: px already holds the prefix of `seg` (feed() parsed the whole line).
  void segment(sv seg, size_t raw_len, bool first_of_line, bool parsed = false) {
    if (!parsed) parse_line_prefix(seg, px);
    if (px.non_kernel) {
      flush_pending();
      count(SkipKind::other_program);
      return;
    }
    if (!px.host.empty() && opt.redact && px.host != last_host) {  // the same host repeats on every line
      redactor.add_host(px.host);
      last_host.assign(px.host);
    }
    bool timed = false;
    uint64_t t = time_of(px, timed);
    if (timed) {
      if (t < last_t) {
        if (last_t - t > 30 * kSec && starts(px.msg, "Linux version ")) {
          flush_pending();
          boot_boundary();
        } else {
          ++stats.backwards;
          t = last_t;
        }
      }
      last_t = std::max(last_t, t);
    } else {
      last_t = std::max(last_t, t);
    }
    const bool prefixed = timed || px.syslog || px.kmsg || px.dmesg_x || px.level >= 0;
    // E-mail hard wrap: an unprefixed line after a long timed line, not itself a dev message.
    if (!prefixed && first_of_line && pend && pend_timed && pend_raw_len >= 50 && any_timed && !px.msg.empty() &&
        px.msg[0] != ' ' && !is_elision(px.msg)) {
      Message probe;
      parse_message(px.msg, probe);
      if (probe.kind == MsgKind::none) {
        pend_msg.push_back(' ');
        pend_msg.append(px.msg);
        pend_raw_len = raw_len;
        count(SkipKind::wrapped);
        return;
      }
    }
    flush_pending();
    pend = true;
    pend_kmsg = px.kmsg;
    pend_dict = false;
    pend_msg.assign(px.msg);
    pend_t = t;
    pend_timed = timed;
    pend_raw_len = raw_len;
  }

  Result<bool> feed(sv raw, sv label, uint64_t line_no) {
    ++stats.lines;
    if (labels.empty() || labels.back() != label) {
      labels.emplace_back(label);
      cur_input = static_cast<uint32_t>(labels.size() - 1);
    }
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\n')) raw.remove_suffix(1);
    if (!raw.empty() && (std::memchr(raw.data(), '&', raw.size()) || std::memchr(raw.data(), '<', raw.size())) &&
        has_html(raw)) {
      clean_html(raw, html_buf);
      raw = html_buf;
    }
    const size_t physical_len = raw.size();  // before unquoting: e-mail wraps count the "> "
    if (!raw.empty() && raw[0] == '>') raw = strip_mail_quote(raw);
    // /dev/kmsg continuation: " SUBSYSTEM=pci" / " DEVICE=+pci:0000:00:1f.3"
    if (!raw.empty() && raw[0] == ' ' && raw.find('=') != sv::npos) {
      sv kv = raw.substr(1);
      if (starts(kv, "SUBSYSTEM=") || starts(kv, "DEVICE=")) {
        if (pend) pend_dict = true;
        if (starts(kv, "DEVICE=+")) {
          sv v = kv.substr(8);
          const size_t c = v.find(':');
          if (c != sv::npos) {
            auto it = devs.find(v.substr(c + 1));
            if (it != devs.end()) learn_bus(it->second, v.substr(0, c));
          }
        }
        count(SkipKind::kmsg_continuation);
        return check_strict(label);
      }
    }
    if (raw.empty() || raw.find_first_not_of(" \t") == sv::npos) {
      flush_pending();
      count(SkipKind::blank);
      return check_strict(label);
    }
    const uint64_t line_for_events = line_no;
    find_embedded_timestamps(raw, offsets);
    bool parsed = false;
    if (!offsets.empty()) {
      // A syslog/journal/kmsg line is one message even when its text holds "[123.45]";
      // its prefix, parsed here, is reused by segment() (parsed once per line).
      parse_line_prefix(raw, px);
      parsed = true;
      if (px.syslog || px.kmsg || px.wall_ns) offsets.clear();
    }
    if (offsets.empty()) {
      segment(raw, physical_len, true, parsed);
      if (pend) pend_line = line_for_events;
      return check_strict(label);
    }
    // Several "[ time]" in one line: a console echo in front, or a flattened log.
    size_t start = 0;
    uint64_t ns;
    if (!parse_bracket_time(raw, ns)) {
      LinePrefix head;
      parse_line_prefix(raw.substr(0, offsets[0]), head);
      if (!head.syslog && !head.kmsg && !head.wall_ns) {
        count(SkipKind::console_echo);
        start = offsets[0];
        offsets.erase(offsets.begin());
      }
    }
    for (size_t k = 0; k <= offsets.size(); ++k) {
      const size_t end = k < offsets.size() ? offsets[k] : raw.size();
      if (end <= start) continue;
      sv seg = raw.substr(start, end - start);
      while (!seg.empty() && seg.back() == ' ') seg.remove_suffix(1);
      segment(seg, seg.size(), k == 0);
      if (pend) pend_line = line_for_events;
      start = end;
    }
    return check_strict(label);
  }

  bool strict_error = false;
  std::string strict_label;
  uint64_t strict_line = 0;
  Result<bool> check_strict(sv) {
    if (!opt.strict || !strict_error) return true;
    return Error{strict_label, static_cast<unsigned>(strict_line),
                 "looks like driver-core output but does not parse (--strict); see docs/import.md for the formats"};
  }

  // ---------- output ----------
  nlohmann::ordered_json event_json(const OutEvent& e) {
    nlohmann::ordered_json j;
    j["t"] = e.t;
    if (e.kind == EventKind::extension) {
      j["ev"] = e.name;
      j["kind"] = e.s2;
      if (!e.dev.empty()) j["dev"] = utf8(e.dev);
      if (!e.drv.empty()) j["text"] = utf8(e.drv);
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
        j["ret"] = e.num;
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
      case EventKind::trigger: j["cause"] = utf8(e.s2); break;
      case EventKind::timeout_extended: j["secs"] = e.num; break;
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
      case EventKind::module_load: j["module"] = utf8(e.name); break;
      case EventKind::module_init_done:
        j["module"] = utf8(e.name);
        j["ret"] = e.num;
        break;
      case EventKind::card_bind_start: j["dev"] = utf8(e.dev); break;
      case EventKind::card_bind_end:
        j["dev"] = utf8(e.dev);
        j["ret"] = e.num;
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
      default: break;
    }
    if (e.inferred) j["inferred"] = true;
    return j;
  }

  void write_one(TraceWriter& w, const OutEvent& e) {
    const nlohmann::ordered_json j = event_json(e);
    std::string where = e.input < labels.size() ? labels[e.input] : "?";
    where += ":" + std::to_string(e.line);
    // The importer builds every event from the schema: a refusal is a bug, named by the log line.
    if (auto r = w.event(j); !r) throw std::logic_error(where + ": the importer built an invalid event: " + r.error().message);
    ++stats.events;
    if (e.inferred) ++stats.inferred;
    if (opt.explain) opt.explain(where, canonical_event_line(j).value());
  }

  void declare(TraceWriter& w, const OutEvent& user, const std::string& name) {
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

  void write_range(std::ostream& out, size_t n) {
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

  void sort_buffer() {
    std::stable_sort(buf.begin(), buf.end(), [](const OutEvent& a, const OutEvent& b) {
      return a.t != b.t ? a.t < b.t : a.seq < b.seq;
    });
  }

  // The log never shows ASoC components and DAIs registering. When a device deferred
  // for "DAI X not registered" / "component X not found" and bound after a later
  // retry, X appeared in between: it is credited to the last device that bound
  // before that retry (its bind is what triggered the retry), as an inferred
  // component_add just before that bind.
  // Incremental: the state persists across calls and each buffered event is scanned once,
  // so the live capture (which calls it before every flush) and the file import (once at
  // the end) infer the same components.
  struct Waiting {
    std::vector<std::string> resources;  // "dai:X", "component:X", "named:X" (replayer/model/need_inference.cpp)
    uint64_t deferred_at = 0;
    bool deferred = false;
    OutEvent deferral;  // its last deferred probe_end (copy)
  };
  std::map<std::string, Waiting, std::less<>> waiting;
  std::vector<OutEvent> binds;  // bound events seen (copies: the live capture may have written them)

  void infer_components() {
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
            base.t = pb.t;
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

  // Live capture: events before this time are final. Later lines can still add events
  // back in time: the close of an open attempt (at its last line), and an inferred
  // timeout at its due time (up to 2 s before the retry that reveals it).
  uint64_t horizon() const {
    uint64_t h = kMaxT;
    for (const auto& [name, d] : devs)
      if (d.open) h = std::min(h, d.last_t);  // its close lands at its last line or later
    if (extend_seen && !timeout_fired && last_extend_secs > 0) {
      const uint64_t due = last_extend_t + static_cast<uint64_t>(last_extend_secs) * kSec;
      if (last_t <= due + 2 * kSec) h = std::min(h, due);
    }
    return h > 0 ? h - 1 : 0;
  }

  void close_open() {
    flush_pending();
    std::vector<std::string> names;
    for (auto& [name, d] : devs)
      if (d.open) names.push_back(name);
    std::sort(names.begin(), names.end());  // deterministic
    for (const auto& name : names) {
      Dev& d = devs[name];
      // Nothing said the attempt deferred or failed: the driver kept the device.
      at_line_of(d, [&] { close_attempt(name, d, {}, d.last_t, 0, true); });
    }
  }

  std::string profile_guess() const {
    if (new_form_seen) return "6.12";
    if (pending_reason_seen) return "6.6";
    return "6.1";
  }

  nlohmann::ordered_json header() {
    nlohmann::ordered_json h;
    h["format"] = "reprobe-trace";
    h["version"] = 1;
    h["source"] = opt.source;
    nlohmann::ordered_json k;
    std::string rel = release;
    std::string profile;
    if (!opt.kernel.empty()) {
      if (opt.kernel == "5.10" || opt.kernel == "6.1" || opt.kernel == "6.6" || opt.kernel == "6.12") profile = opt.kernel;
      else rel = opt.kernel;
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
      if (observed[i]) hooks[std::string(spec.name)] = "dmesg";
      else if (inferred_kind[i]) hooks[std::string(spec.name)] = "inferred";
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
                           : "synthetic (no timestamps: 1 ms per line)";
    x["dyndbg"] = dyndbg_seen;
    x["initcall_debug"] = initcall_seen;
    x["boots"] = stats.boots;
    if (!devices_deferred.empty()) {
      nlohmann::ordered_json dd = nlohmann::ordered_json::array();
      for (const auto& [d, r] : devices_deferred) dd.push_back({{"dev", utf8(d)}, {"reason", utf8(r)}});
      x["devices_deferred"] = dd;
    }
    if (!opt.redact) x["redacted"] = false;
    h["x-import"] = x;
    return h;
  }

  std::string unobserved_reason(EventKind k) const {
    switch (k) {
      case EventKind::probe_start:
        return dyndbg_seen ? "partly: only attempts after dyndbg was enabled"
                           : "needs dyndbg for drivers/base/dd.c (probing driver lines); inferred from driver-prefixed lines, "
                             "initcall_debug durations and deferral messages";
      case EventKind::probe_end:
        return "partly: only bound/deferral/failure lines; other ends are inferred";
      case EventKind::bound:
        return dyndbg_seen ? "partly: binds before dyndbg was enabled are inferred"
                           : "needs dyndbg for drivers/base/dd.c; inferred from driver-prefixed lines";
      case EventKind::defer_add:
      case EventKind::defer_del: return "needs dyndbg for drivers/base/dd.c";
      case EventKind::trigger: return "never printed by the kernel; inferred from binds and the timeout";
      case EventKind::timeout_fired: return "only printed when a device is still deferred (deferred probe pending)";
      case EventKind::timeout_armed: return "not printed by the kernel";
      case EventKind::timeout_extended: return "needs dyndbg for drivers/base/dd.c (>= 5.19)";
      case EventKind::module_load:
      case EventKind::module_init_done: return "needs initcall_debug";
      case EventKind::fw_request: return "only failures and Debian's direct-loading lines are printed; requests are inferred";
      case EventKind::device_add: return "only PCI enumeration is printed; other devices are declared at their first message";
      case EventKind::snd_card_register: return "inferred from the card's input devices";
      default: return "not printed by the kernel";
    }
  }
};

LogImporter::LogImporter(ImportOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
LogImporter::~LogImporter() = default;

Result<bool> LogImporter::feed(std::string_view raw, std::string_view label, uint64_t line_no) {
  return impl_->feed(raw, label, line_no);
}

Result<bool> LogImporter::import(LogInput& in) {
  std::string_view line;
  for (;;) {
    auto r = in.next(line);
    if (!r) return r.error();
    if (!*r) break;
    if (auto f = impl_->feed(line, in.label(), in.line_number()); !f) return f.error();
  }
  impl_->flush_pending();
  return impl_->check_strict(in.label());
}

void LogImporter::write_trace(std::ostream& out) {
  Impl& im = *impl_;
  im.close_open();
  im.infer_components();
  // The header lists what was observed: compute it from the buffered events (the
  // device_add declarations written lazily are inferred).
  for (auto& [n, d] : im.devs)
    if (!d.declared) im.inferred_kind[static_cast<size_t>(EventKind::device_add)] = true;
  TraceWriter w(out);
  if (auto r = w.header(im.header()); !r) throw std::logic_error("the importer built an invalid header: " + r.error().message);
  im.write_range(out, im.buf.size());
  // The log covers up to its last timestamped line, which may be later than the last event.
  w.end(0, im.stats.skipped[static_cast<size_t>(SkipKind::driver_core_unparsed)], std::max(im.written_t, im.last_t));
}

nlohmann::ordered_json LogImporter::header_json() { return impl_->header(); }

void LogImporter::flush_events(std::ostream& out, uint64_t upto_ns) {
  Impl& im = *impl_;
  im.infer_components();
  upto_ns = std::min(upto_ns, im.horizon());
  size_t n = 0;
  while (n < im.buf.size() && im.buf[n].t <= upto_ns) ++n;
  im.write_range(out, n);
}

void LogImporter::finish_events(std::ostream& out) {
  Impl& im = *impl_;
  im.close_open();
  im.infer_components();
  im.write_range(out, im.buf.size());
}

uint64_t LogImporter::last_time() const { return std::max(impl_->last_t, impl_->written_t); }

const ImportStats& LogImporter::stats() const { return impl_->stats; }

std::string LogImporter::summary() const {
  const ImportStats& s = impl_->stats;
  std::string out = fmt::format("{} lines, {} messages, {} recognised, {} events ({} inferred)", s.lines, s.messages,
                                s.recognised, s.events, s.inferred);
  if (s.boots > 1) out += fmt::format(", {} boots (the last one imported)", s.boots);
  if (s.backwards) out += fmt::format(", {} timestamps went backwards (clamped)", s.backwards);
  out += "\nrecognised:";
  for (const auto& [k, n] : s.recognised_by_kind) out += fmt::format(" {}={}", k, n);
  out += "\nskipped:";
  for (size_t i = 0; i < s.skipped.size(); ++i)
    if (s.skipped[i]) out += fmt::format(" {}={}", to_string(static_cast<SkipKind>(i)), s.skipped[i]);
  out += "\n";
  return out;
}

}  // namespace reprobe
