// Internals of LogImporter (log_importer.h), shared by its phases, one file each:
//   log_segmenter.cpp     input lines -> messages: timestamps, boots, joined and skipped lines
//   log_event_builder.cpp the state machine: one message -> trace events (probe attempts, deferrals, ...)
//   log_inference.cpp     what the log implies but does not print: triggers, timeouts, driver_register,
//                         HDA codec binds, the needs of deferred devices (components)
//   log_trace_output.cpp  the trace: header, event lines in time order, declarations of implied devices
//   log_importer.cpp      the public class over them
// Only the importer's own files include this header.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "replayer/trace/kernel_vocabulary.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"
#include "tracer/import/log_importer.h"
#include "tracer/import/log_line_prefix.h"

namespace reprobe {
namespace log_import {

using sv = std::string_view;

inline constexpr uint64_t kSec = 1000000000ull;
inline constexpr uint64_t kMaxT = kMaxLogTimeNs;  // events are clamped to it
static_assert(kMaxT == ReadLimits{}.max_time_ns, "the importer writes no time the reader refuses");
inline constexpr int64_t kEprobeDefer = -517;

inline bool starts(sv s, sv p) { return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0; }

struct SvHash {
  using is_transparent = void;
  size_t operator()(sv s) const { return std::hash<sv>{}(s); }
};

// Buses whose name dev_printk shows for an unbound device (dev_driver_string falls back to the bus).
inline const std::unordered_set<std::string, SvHash, std::equal_to<>>& static_buses() {
  static const std::unordered_set<std::string, SvHash, std::equal_to<>> k = {
      "pci",    "platform",    "hdaudio",   "soundwire",     "i2c",         "spi",         "usb",
      "acpi",   "serio",       "pnp",       "virtio",        "mdio_bus",    "hid",         "scsi",
      "ac97",   "snd_seq",     "auxiliary", "mei",           "thunderbolt", "nvmem",       "cpu",
      "memory", "container",   "node",      "workqueue",     "xen",         "gpio",        "wmi",
      "typec",  "dax",         "nd",        "machinecheck",  "edac",        "pci_express", "sdw",
      "serial", "serial-base", "ishtp",     "intel-ish-ipc", "mipi-dsi",    "cec",         "iio",
      "media",  "nvdimm"};
  return k;
}

// Class names: the first token of class devices (never a driver).
inline const std::unordered_set<std::string, SvHash, std::equal_to<>>& static_classes() {
  static const std::unordered_set<std::string, SvHash, std::equal_to<>> k = {
      "input",       "sound",      "net",           "block",        "tty",          "rtc",
      "drm",         "hwmon",      "thermal",       "power_supply", "leds",         "bluetooth",
      "ieee80211",   "misc",       "mem",           "graphics",     "backlight",    "firmware",
      "iommu",       "dma",        "wakeup",        "ptp",          "watchdog",     "regulator",
      "bdi",         "scsi_host",  "scsi_disk",     "scsi_device",  "scsi_generic", "usbmisc",
      "video4linux", "nvme",       "pcmcia_socket", "card",         "devlink",      "tpm",
      "tpmrm",       "dmi",        "efi",           "vc",           "vtconsole",    "hidraw",
      "i2c-dev",     "spi_master", "mtd",           "gpiochip",     "pwm",          "extcon",
      "usb_role",    "typec_mux",  "mdio",          "virtio-ports", "dca",          "intel_scu_ipc",
      "accel",       "remoteproc", "rfkill",        "phy",          "udc",          "devfreq",
      "powercap",    "cxl",        "snd",           "pci_bus"};
  return k;
}

inline std::string guess_bus(sv dev) {
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
  // i2c clients are "%d-%04x" (adapter, 4 hex digits: "1-004d", "2-0020"); USB ports never have
  // a leading zero or a hex letter ("1-4", "3-10.2").
  if (const size_t dash = dev.find('-'); dash != sv::npos && dash > 0 && dash < 4 && dev.size() == dash + 5) {
    bool ok = true, zero_or_letter = dev[dash + 1] == '0';
    for (size_t i = 0; i < dash; ++i) ok &= dev[i] >= '0' && dev[i] <= '9';
    for (size_t i = dash + 1; i < dev.size(); ++i) {
      ok &= hex(dev[i]);
      zero_or_letter |= dev[i] >= 'a' && dev[i] <= 'f';
    }
    if (ok && zero_or_letter) return "i2c";
  }
  if (!dev.empty() && dev[0] >= '1' && dev[0] <= '9' && dev.find('-') != sv::npos && dev.find('-') < 3) return "usb";
  if (starts(dev, "usb") && dev.size() <= 5) return "usb";
  return "platform";
}

// Logs are bytes; trace strings are UTF-8. Invalid sequences (Latin-1 text, binary
// garbage from a serial console) become '?'.
inline std::string utf8(std::string_view in) {
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
  uint64_t last_t = 0;  // last line printed by this device with a driver prefix
  bool bound = false;
  std::string bound_drv;
  bool bound_event = false;  // a bound event was written for the current binding
  std::string matched_drv;
  std::string last_drv;
  uint64_t attempts = 0;
  uint64_t last_close_t = 0;
  bool last_close_deferred = false;
  bool has_close = false;
  bool card_failed = false;     // its card registration failed in an earlier attempt
  bool card_bind_open = false;  // an ASoC card bind is in progress in the open attempt
  uint64_t defer_t = 0;         // last time it was seen deferring (Added to deferred list / deferred probe end)
  bool deferred_once = false;
  uint32_t last_input = 0;  // input and line of the last line that showed this device (--explain)
  uint64_t last_line = 0;
  // A failure line (log_failure_line.h) in the open inferred attempt: it ends failed with this
  // errno (kRetUnknown when the line states none) instead of bound (issue 14: no bind after a
  // failure, and no invented errno).
  int64_t failure_ret = 0;
  // The driver whose probe of this device failed or rejected it: its later lines are not a new
  // attempt (no bind invented after "rejects match" or "probe ... failed").
  std::string failed_drv;
};

// How an inferred attempt that nothing closed ends: bound, or failed after a failure line.
inline int64_t heuristic_end_ret(const Dev& d) { return d.failure_ret; }

// A failed probe whose line gives no error code: its probe_end (and card_bind_end) is written
// without `ret` (docs/trace-format.md, probe_end). Never a kernel errno.
inline constexpr int64_t kRetUnknown = INT64_MIN;

inline ProbeOutcome outcome_of(int64_t ret) {
  if (ret == 0) return ProbeOutcome::bound;
  if (ret == kEprobeDefer || ret == 517) return ProbeOutcome::deferred;
  if (ret == -19 || ret == -6) return ProbeOutcome::rejected;
  return ProbeOutcome::failed;
}

}  // namespace log_import

using namespace log_import;  // NOLINT(google-build-using-namespace): the importer's own files only

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
  // Names users know (header x-import): each card's input device names ("HDA Intel PCH Mic": the
  // card's short name, then the jack), at most 8 per card, and the PCI ids of multimedia
  // functions ("pci 0000:00:1f.3: [8086:a0c8] type 00 class 0x040380").
  struct CardSeen {
    std::string dev;
    std::vector<std::string> inputs;
  };
  std::map<int64_t, CardSeen> card_inputs;
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> pci_multimedia;  // dev -> (id, class)
  nlohmann::ordered_json names_json() const;
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
  bool pend_kmsg = false;                   // the pending message is a /dev/kmsg record
  bool pend_dict = false;                   // ... followed by SUBSYSTEM=/DEVICE= (dev_printk)
  bool cur_kmsg = false, cur_dict = false;  // the same for the message being handled
  std::string last_kmsg_dev;                // device of the last kmsg record (for DEVICE=)

  std::string last_host;  // last host name given to the redactor

  // scratch
  std::string html_buf;
  std::vector<size_t> offsets;
  LinePrefix px;
  Message msg;
  std::string valid_text;  // the message being handled, made valid UTF-8 (when it was not)

  explicit Impl(ImportOptions o)
      : opt(std::move(o)), redactor(opt.redact ? Redactor(RedactOptions{}) : Redactor::disabled()) {}

  // ---------- events ----------
  OutEvent& add(EventKind k, uint64_t t, bool inferred);

  void ext(uint64_t t, sv kind, sv dev, sv text);

  Dev& dev(sv name);

  bool is_bus(sv tok) const { return static_buses().count(tok) || learned_buses.count(tok); }
  bool is_class(sv tok) const { return static_classes().count(tok) > 0; }

  void learn_bus(Dev& d, sv bus);

  std::string driver_for(const Dev& d, sv hint) const;

  void open_attempt(sv name, Dev& d, sv drv, uint64_t t, bool inferred, bool heuristic);
  // An attempt the log implies but does not print (the device prints again, binds its card, ...).
  // After its deferral the kernel retried it, so a trigger happened first (unprinted, inferred).
  void open_inferred_attempt(sv name, Dev& d, sv drv, uint64_t t);

  // Closes the open attempt (or an inferred zero-length one when none is open).
  void close_attempt(sv name, Dev& d, sv drv_hint, uint64_t t, int64_t ret, bool end_inferred,
                     bool bound_observed = false);

  void reason(sv name, uint64_t t, sv text);

  // A probe is deferring (reason printed inside it). Without dyndbg nothing else will say so.
  void deferring(sv name, Dev& d, sv first, uint64_t t);

  uint64_t last_written_or_buffered() const;

  void timeout_fired_at(uint64_t t, bool inferred = false);

  // "Retrying from deferred list" for a device that deferred with no trigger since: the
  // kernel only retries after driver_deferred_probe_trigger(), so one happened unprinted.
  // 6.1 prints nothing when the deferred_probe_timeout fires and every device then binds;
  // the last "Extended deferred probe timeout by N secs" + N at or shortly before the retry
  // says it was the timeout. Anything else: cause other. Both inferred.
  void infer_retry_trigger(const Dev& d, uint64_t t);

  // A driver-core match line names a driver: its driver_register (never printed) happened
  // at its module's initcall (initcall_debug "calling ... [mod]") or, without one, no later
  // than this first match. Only for drivers no earlier line showed probing: a driver seen
  // before (log without dyndbg, or dyndbg enabled late) was registered at an unknown time.
  void infer_driver_register(sv drv, sv bus, uint64_t t);

  // "Extended deferred probe timeout by N secs" is printed by driver_register() while the
  // timeout is pending. When no driver_register was inferred since the previous one, the
  // registered driver matched no device: an inferred driver_register of an unnamed driver
  // ("unknown-driver-K", module from the last initcall_debug "calling" line) keeps the
  // replay's timeout re-armed where the kernel re-armed it.
  void on_timeout_extended(uint64_t t);

  // "snd_hda_codec_generic hdaudioC0D0: ..." : the codec of card N is probing, so the
  // controller that created card N (the Nth PCI function of class 0x0403) bound and
  // registers the card. Inferred; only with that PCI evidence.
  void on_hda_codec(sv codec, uint64_t t);

  // A text line "<first> <dev>: ..." is a dev_printk only with evidence: a /dev/kmsg record
  // carries SUBSYSTEM=/DEVICE=; in text the first token must look like a driver name
  // (lower case, digits, '_', '-', '.') and the second like a dev_name (a digit or one of
  // "-.:_", the driver's own name, or a device already known). "Zone ranges:",
  // "NMI watchdog:", "pinctrl core:" are not.
  bool dev_evidence(const Message& m) const;

  // ---------- messages ----------
  void handle(sv text, uint64_t t, bool timed);

  void skip_unrecognised(sv m);

  bool is_oops(sv m);

  // stack frame "func+0x1a/0x40 [mod]"
  static bool is_stack_frame(sv m);

  void count(SkipKind k);

  void on_dev_line(const Message& m, uint64_t t);

  // Failure lines (log_triage.cpp, docs/import.md "Failure lines"): an `x-dmesg` event of kind
  // "failure:<class>" with the line's message; a "-517" reason makes the device defer; any other
  // failure of a sound device's inferred attempt makes it end failed, never bound.
  void note_failure(sv message, const Message& m, uint64_t t);
  // A line that cannot continue a hard-wrapped kernel line (trailer, shell prompt, marker).
  static bool looks_like_trailer(sv m);

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

  void on_message(const Message& m, uint64_t t);
  // drivers/base/dd.c and bus.c lines (dyndbg): retries, the deferred list, matches, probes, binds, failures.
  // False when m is of another family.
  bool on_driver_core_message(const Message& m, uint64_t t);
  // Why devices wait: pending/deferral reasons, the deferred-probe timeout, devices_deferred lines.
  // False when m is of another family.
  bool on_deferral_message(const Message& m, uint64_t t);
  // initcall_debug (probe and initcall returns), firmware loads and module requests.
  // False when m is of another family.
  bool on_module_message(const Message& m, uint64_t t);
  // ASoC and ALSA: missing DAIs/components, card registration, card inputs, SOF milestones.
  // False when m is of another family.
  bool on_sound_message(const Message& m, uint64_t t);
  // The machine: PCI devices (HDA controllers), the kernel version line, the command line.
  // False when m is of another family.
  bool on_machine_message(const Message& m, uint64_t t);

  // A new boot starts: everything before it is dropped (only the last boot is imported), except
  // that the last boot showing a failure (line or deferral) is kept aside (failing_boot) while later boots
  // show none: a multi-boot paste imports the boot that shows the failure (issue 14).
  void boot_boundary();
  // Lines of this boot that say a sound device failed: firmware/topology/DSP/HDA/card failures,
  // "deferred probe pending" (log_failure_line.h); the basis of boot_shows_failure().
  uint64_t boot_failure_lines = 0;
  // This boot shows a failure: a failure line above, a pasted devices_deferred list, or a
  // device whose last attempt deferred and that never bound.
  bool boot_shows_failure() const;
  // A copy of the last earlier boot that showed a failure (with its 1-based number), or null.
  std::shared_ptr<const Impl> failing_boot;
  uint64_t failing_boot_number = 0;
  // File import, at the end: when the last boot shows no failure and an earlier one did, that
  // one becomes the imported boot (stats.imported_boot says which).
  void choose_failing_boot(std::unique_ptr<Impl>& self);
  bool chosen_boot_done = false;  // --boot N: boot N is complete, later lines are skipped

  // ---------- lines ----------
  uint64_t time_of(const LinePrefix& p, bool& timed);

  void flush_pending();

  // `parsed`: px already holds the prefix of `seg` (feed() parsed the whole line).
  void segment(sv seg, size_t raw_len, bool first_of_line, bool parsed = false);

  Result<bool> feed(sv raw, sv label, uint64_t line_no);
  // Quoted-printable soft line breaks (file import only): holds a line ending in '=' (a result:
  // the line was taken) or joins the held line with this one (qp_joined, the text in qp_join).
  std::optional<Result<bool>> quoted_printable(sv& raw, sv label, uint64_t line_no);
  void flush_quoted_printable(sv label);
  std::string qp_held, qp_join;
  uint64_t qp_held_line = 0;
  bool qp_joined = false;
  bool qp_bypass = false;  // feeding a held line: no second hold

  bool strict_error = false;
  std::string strict_label;
  uint64_t strict_line = 0;
  std::string strict_message;  // empty: the unparsed driver-core line
  Result<bool> check_strict(sv);
  // "label:line" of the message being handled.
  std::string where() const;
  // A line whose "[...]" prefix is not a time: skipped and counted (an Error under --strict).
  Result<bool> bad_timestamp(sv raw, sv label, uint64_t line_no);
  // A message naming something longer than a trace string can hold: counted, true (skip it).
  bool overlong(const Message& m);
  // A free text of the log (reason, firmware name, x-dmesg text, command line) redacted for the
  // trace. Redaction can lengthen it (a two-letter user name becomes "<user-1>"), so a text within
  // a trace string's limit may outgrow it: it is then cut at a character boundary, ends with
  // U+2026, and the first such line is named in a warning (stats.clipped).
  std::string scrubbed(sv text);
  // Set when a new device would pass opt.max_devices: feed() then fails, naming the line of
  // that device (too_many_devices_line), not the line being fed.
  std::string too_many_devices;
  uint64_t too_many_devices_line = 0;

  // ---------- output ----------
  nlohmann::ordered_json event_json(const OutEvent& e);

  void write_one(TraceWriter& w, const OutEvent& e);

  void declare(TraceWriter& w, const OutEvent& user, const std::string& name);

  void write_range(std::ostream& out, size_t n);

  void sort_buffer();

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

  void infer_components();

  // Live capture: events before this time are final. Later lines can still add events
  // back in time: the close of an open attempt (at its last line), and an inferred
  // timeout at its due time (up to 2 s before the retry that reveals it).
  uint64_t horizon() const;

  void close_open();

  std::string profile_guess() const;

  nlohmann::ordered_json header();

  std::string unobserved_reason(EventKind k) const;
};

}  // namespace reprobe
