// Message classification for the kernel-log importer; see log_message_map.h.
#include "tracer/import/log_message_map.h"

#include "tracer/import/byte_scan.h"

#include <cstring>

namespace reprobe {

std::string_view to_string(MsgKind k) {
  switch (k) {
    case MsgKind::none:
      return "other";
    case MsgKind::dev_line:
      return "dev_line";
    case MsgKind::retry:
      return "retry";
    case MsgKind::defer_added:
      return "defer_added";
    case MsgKind::defer_removed:
      return "defer_removed";
    case MsgKind::probe_deferral:
      return "probe_deferral";
    case MsgKind::match_deferral:
      return "match_deferral";
    case MsgKind::matched:
      return "matched";
    case MsgKind::probing:
      return "probing";
    case MsgKind::bound_driver:
      return "bound_driver";
    case MsgKind::bound_bus:
      return "bound_bus";
    case MsgKind::already_bound:
      return "already_bound";
    case MsgKind::rejects:
      return "rejects";
    case MsgKind::failed:
      return "failed";
    case MsgKind::pending:
      return "pending";
    case MsgKind::defer_reason:
      return "defer_reason";
    case MsgKind::ignoring_dependency:
      return "ignoring_dependency";
    case MsgKind::async_scheduled:
      return "async_scheduled";
    case MsgKind::async_done:
      return "async_done";
    case MsgKind::timeout_extended:
      return "timeout_extended";
    case MsgKind::probe_returned:
      return "probe_returned";
    case MsgKind::initcall_calling:
      return "initcall_calling";
    case MsgKind::initcall_returned:
      return "initcall_returned";
    case MsgKind::devices_deferred:
      return "devices_deferred";
    case MsgKind::asoc_not_registered:
      return "asoc_not_registered";
    case MsgKind::asoc_not_found:
      return "asoc_not_found";
    case MsgKind::card_failed:
      return "card_failed";
    case MsgKind::asoc_mapping_ok:
      return "asoc_mapping_ok";
    case MsgKind::card_input:
      return "card_input";
    case MsgKind::sof_milestone:
      return "sof_milestone";
    case MsgKind::sof_error:
      return "sof_error";
    case MsgKind::fw_loaded:
      return "fw_loaded";
    case MsgKind::fw_failed:
      return "fw_failed";
    case MsgKind::module_request:
      return "module_request";
    case MsgKind::pci_device:
      return "pci_device";
    case MsgKind::kernel_version:
      return "kernel_version";
    case MsgKind::command_line:
      return "command_line";
  }
  return "?";
}

namespace {

using sv = std::string_view;

bool starts(sv s, sv p) { return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0; }
bool ends(sv s, sv p) {
  return s.size() >= p.size() && std::memcmp(s.data() + s.size() - p.size(), p.data(), p.size()) == 0;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

sv trim(sv s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A device name printed inside a message ("probe of %s returned"): dev_name() is never empty
// or blank, so "probe of  returned" names no device (it may hold spaces: "Fixed MDIO bus.0").
bool names_a_device(sv s) { return !trim(s).empty(); }

sv unquote(sv s) {
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') return s.substr(1, s.size() - 2);
  return s;
}

// Integer (possibly negative) at the start of s; false if none.
bool parse_int(sv s, int64_t& v) {
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i >= s.size() || !is_digit(s[i])) return false;
  int64_t x = 0;
  for (; i < s.size() && is_digit(s[i]) && x < (int64_t{1} << 50); ++i) x = x * 10 + (s[i] - '0');
  v = neg ? -x : x;
  return true;
}

bool parse_u64(sv s, uint64_t& v) {
  if (s.empty() || !is_digit(s[0])) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < s.size() && is_digit(s[i]) && x < (uint64_t{1} << 58); ++i)
    x = x * 10 + static_cast<uint64_t>(s[i] - '0');
  v = x;
  return true;
}

// "bus: 'B': FUNC: " -> B and the rest after FUNC.
bool bus_func(sv s, sv& bus, sv& rest) {
  if (!starts(s, "bus: '")) return false;
  const size_t q = s.find("': ", 6);
  if (q == sv::npos) return false;
  bus = s.substr(6, q - 6);
  const size_t f = s.find(": ", q + 3);
  if (f == sv::npos) return false;
  rest = s.substr(f + 2);
  return true;
}

// "driver: 'X': FUNC: " -> X and the rest.
bool driver_func(sv s, sv& drv, sv& rest) {
  if (!starts(s, "driver: '")) return false;
  const size_t q = s.find("': ", 9);
  if (q == sv::npos) return false;
  drv = s.substr(9, q - 9);
  const size_t f = s.find(": ", q + 3);
  if (f == sv::npos) return false;
  rest = s.substr(f + 2);
  return true;
}

// The bus: '...' / driver: '...' family, old (pr_debug, names the device) or new (dev_dbg) form.
bool parse_bus_driver_family(sv s, Message& m, bool new_form) {
  sv bus, drv, rest;
  if (bus_func(s, bus, rest)) {
    m.bus = bus;
    if (starts(rest, "matched device ")) {
      sv r = rest.substr(15);
      const size_t w = r.find("with driver ");
      if (w == sv::npos) return false;
      if (!new_form) m.dev = trim(r.substr(0, w));
      m.drv = trim(r.substr(w + 12));
      m.kind = MsgKind::matched;
      return new_form || !m.dev.empty();
    }
    if (starts(rest, "probing driver ")) {
      sv r = rest.substr(15);
      const size_t w = r.find(" with device");
      if (w == sv::npos) return false;
      m.drv = r.substr(0, w);
      if (!new_form) m.dev = trim(r.substr(w + 12));
      m.kind = MsgKind::probing;
      return new_form || !m.dev.empty();
    }
    if (starts(rest, "bound device ")) {
      sv r = rest.substr(13);
      const size_t w = r.find("to driver ");
      if (w == sv::npos) return false;
      if (!new_form) m.dev = trim(r.substr(0, w));
      m.drv = trim(r.substr(w + 10));
      m.kind = MsgKind::bound_bus;
      return new_form || !m.dev.empty();
    }
    return false;
  }
  if (driver_func(s, drv, rest)) {
    m.drv = drv;
    if (starts(rest, "bound to device")) {
      if (!new_form) m.dev = unquote(trim(rest.substr(15)));
      m.kind = MsgKind::bound_driver;
      return new_form || !m.dev.empty();
    }
  }
  return false;
}

// "fn+0x0/0x1000 [snd_hda_intel]" -> module name (empty for built-in initcalls).
sv initcall_module(sv s) {
  const size_t lb = s.find(" [");
  if (lb == sv::npos) return {};
  const size_t rb = s.find(']', lb);
  if (rb == sv::npos) return {};
  return s.substr(lb + 2, rb - lb - 2);
}

// "Added to deferred list", "ASoC: ..." (missing DAIs/components, card failures). True when the line is decided.
bool parse_added_or_asoc(sv rest, Message& m) {
  if (starts(rest, "Added to deferred list")) {
    m.kind = MsgKind::defer_added;
    return true;
  }

  if (starts(rest, "ASoC: ")) {
    sv a = rest.substr(6);
    if (ends(a, " not registered") || ends(a, " not registered.")) {
      m.kind = MsgKind::asoc_not_registered;
      m.text = trim(rest);
      return true;
    }
    if (a.find(" not found for link ") != sv::npos) {
      m.kind = MsgKind::asoc_not_found;
      m.text = trim(rest);
      return true;
    }
    if (ends(a, "mapping ok")) {
      m.kind = MsgKind::asoc_mapping_ok;
      m.text = trim(a.substr(0, a.size() - 10));
      return true;
    }
    if (starts(a, "failed to instantiate card ") || starts(a, "failed to register soundcard ") ||
        starts(a, "can't create sound card for card ")) {
      m.kind = MsgKind::card_failed;
      const size_t sp = a.rfind(' ');
      m.has_ret = parse_int(a.substr(sp + 1), m.ret);
      m.text = trim(rest);
      return true;
    }
  }
  return false;
}

// "Driver ... probe deferral", "Device match ...", "Direct firmware load ...", SOF milestones. True when the line is
// decided.
bool parse_upper_d_rest(sv rest, Message& m) {
  if (starts(rest, "Driver ") && (ends(rest, " requests probe deferral") || ends(rest, " force probe deferral"))) {
    m.kind = MsgKind::probe_deferral;
    const size_t e =
        rest.rfind(ends(rest, " requests probe deferral") ? " requests probe deferral" : " force probe deferral");
    m.drv = rest.substr(7, e - 7);
    return true;
  }
  if (starts(rest, "Device match requests probe deferral")) {
    m.kind = MsgKind::match_deferral;
    return true;
  }
  if (starts(rest, "Direct firmware load for ")) {
    sv r = rest.substr(25);
    const size_t f = r.find(" failed with error ");
    if (f == sv::npos) return true;
    m.text = r.substr(0, f);
    m.has_ret = parse_int(r.substr(f + 19), m.ret);
    m.kind = MsgKind::fw_failed;
    return true;
  }
  if (starts(rest, "DSP detected with PCI class/subclass/prog-if") || starts(rest, "Digital mics found") ||
      starts(rest, "SoundWire enabled on")) {
    m.kind = MsgKind::sof_milestone;
    m.text = trim(rest);
    return true;
  }
  return false;
}

// new-form bus/driver lines, "deferred probe pending/timeout", "direct-loading", async completion. True when the line
// is decided.
bool parse_lower_d_rest(sv rest, Message& m) {
  if (parse_bus_driver_family(rest, m, true)) {
    m.new_form = true;
    return true;
  }
  m.kind = MsgKind::none;
  m.drv = {};
  if (starts(rest, "deferred probe pending")) {
    m.kind = MsgKind::pending;
    sv r = rest.substr(22);
    if (starts(r, ": ")) {
      r = trim(r.substr(2));
      if (r != "(reason unknown)") m.text = r;
    }
    return true;
  }
  if (starts(rest, "deferred probe timeout, ignoring dependency")) {
    m.kind = MsgKind::ignoring_dependency;
    m.text = trim(rest);
    return true;
  }
  if (starts(rest, "direct-loading ")) {
    m.kind = MsgKind::fw_loaded;
    m.text = trim(rest.substr(15));
    return true;
  }
  if (starts(rest, "driver ") && rest.find(" async attach completed: ") != sv::npos) {
    const size_t p = rest.find(" async attach completed: ");
    m.drv = rest.substr(7, p - 7);
    m.has_ret = parse_int(rest.substr(p + 25), m.ret);
    m.kind = MsgKind::async_done;
    return true;
  }
  return false;
}

// "probe with driver X rejects match / failed with error", "probing driver X asynchronously". True when the line is
// decided.
bool parse_probe_with_driver(sv rest, Message& m) {
  if (starts(rest, "probe with driver ")) {
    sv r = rest.substr(18);
    size_t p;
    if ((p = r.find(" rejects match ")) != sv::npos) {
      m.kind = MsgKind::rejects;
      m.drv = r.substr(0, p);
      m.has_ret = parse_int(r.substr(p + 15), m.ret);
      m.new_form = true;
      return true;
    }
    if ((p = r.find(" failed with error ")) != sv::npos) {
      m.kind = MsgKind::failed;
      m.drv = r.substr(0, p);
      m.has_ret = parse_int(r.substr(p + 19), m.ret);
      m.new_form = true;
      return true;
    }
  }
  if (starts(rest, "probing driver ") && ends(rest, " asynchronously")) {
    m.kind = MsgKind::async_scheduled;
    m.drv = rest.substr(15, rest.size() - 15 - 15);
    return true;
  }
  return false;
}

// "error -517: reason" (dev_err_probe), SOF "error: ..." lines. True when the line is decided.
bool parse_error_rest(sv rest, Message& m) {
  if (starts(rest, "error ")) {
    sv r = rest.substr(6);
    const size_t c = r.find(": ");
    int64_t e = 0;
    if (c != sv::npos && parse_errno(r.substr(0, c), e)) {
      m.ret = e;
      m.has_ret = true;
      m.text = trim(r.substr(c + 2));
      if (e == -517)
        m.kind = MsgKind::defer_reason;
      else
        m.kind = MsgKind::none;
      return true;
    }
  }
  if (starts(rest, "error: ") && (rest.find("DSP firmware") != sv::npos || rest.find("machine driver") != sv::npos ||
                                  rest.find(" failed err: ") != sv::npos)) {
    m.kind = MsgKind::sof_error;
    m.text = trim(rest);
    return true;
  }
  return false;
}

// "firmware: direct-loading / failed to load ...", "failed to load/boot DSP firmware". True when the line is decided.
bool parse_firmware_rest(sv rest, Message& m) {
  if (starts(rest, "firmware: direct-loading firmware ")) {
    m.kind = MsgKind::fw_loaded;
    m.text = trim(rest.substr(34));
    return true;
  }
  if (starts(rest, "firmware: failed to load ")) {
    sv r = trim(rest.substr(25));
    const size_t lp = r.rfind(" (");
    if (lp != sv::npos && ends(r, ")")) {
      m.has_ret = parse_int(r.substr(lp + 2), m.ret);
      r = r.substr(0, lp);
    }
    m.kind = MsgKind::fw_failed;
    m.text = r;
    return true;
  }
  if (starts(rest, "failed to load DSP firmware") || starts(rest, "failed to boot DSP firmware")) {
    m.kind = MsgKind::sof_error;
    m.text = trim(rest);
    return true;
  }
  return false;
}

// Card registration failures are printed by many machine drivers in their own words.
void parse_register_card_failure(sv rest, Message& m) {
  size_t k = rest.find("register_card");
  // "Sound card register failed -517" (aic_sgtl5000), "Failed to register card: -517": in words,
  // only with an error code.
  if (k == sv::npos && rest.find(" -") != sv::npos) {
    k = rest.find("card register");
    if (k == sv::npos) k = rest.find("register card");
  }
  if (k != sv::npos && rest.find("fail") != sv::npos) {
    m.kind = MsgKind::card_failed;
    m.text = trim(rest);
    for (size_t p = rest.size(); p-- > k;)
      if (rest[p] == '-' && p + 1 < rest.size() && is_digit(rest[p + 1])) {
        m.has_ret = parse_int(rest.substr(p), m.ret);
        break;
      }
  }
}

// Firmware/milestone lines are about the device whose dev_printk prefix they carry.
// NOLINTNEXTLINE(readability-function-size): one first-byte switch over the dev_printk forms
void parse_dev_rest(sv rest, Message& m) {
  if (rest.empty()) return;
  // snd_soc_bind_card()'s "codec-dai <-> cpu-dai mapping ok" without "ASoC: " (newer kernels).
  if (rest.back() == 'k' && ends(rest, " mapping ok") && rest.find(" <-> ") != sv::npos && !starts(rest, "ASoC: ")) {
    m.kind = MsgKind::asoc_mapping_ok;
    m.text = trim(rest.substr(0, rest.size() - 11));
    return;
  }
  switch (rest[0]) {
    case 'R':
      if (starts(rest, "Retrying from deferred list"))
        m.kind = MsgKind::retry;
      else if (starts(rest, "Removed from deferred list"))
        m.kind = MsgKind::defer_removed;
      return;
    case 'A':
      if (parse_added_or_asoc(rest, m)) return;
      break;
    case 'D':
      if (parse_upper_d_rest(rest, m)) return;
      break;
    case 'B':
      if (starts(rest, "Bus failed to match device: ")) {
        m.kind = MsgKind::match_deferral;
        m.has_ret = parse_int(rest.substr(28), m.ret);
        return;
      }
      break;
    case 'b':
      if (parse_bus_driver_family(rest, m, true)) {
        m.new_form = true;
        return;
      }
      m.kind = MsgKind::none;
      m.bus = m.drv = {};
      break;
    case 'd':
      if (parse_lower_d_rest(rest, m)) return;
      break;
    case 'p':
      if (parse_probe_with_driver(rest, m)) return;
      break;
    case 'e':
      if (parse_error_rest(rest, m)) return;
      break;
    case 'f':
      if (parse_firmware_rest(rest, m)) return;
      break;
    case 'l':
      if (starts(rest, "loading ")) {
        const size_t f = rest.find(" failed with error ");
        if (f != sv::npos) {
          m.kind = MsgKind::fw_failed;
          m.text = rest.substr(8, f - 8);
          m.has_ret = parse_int(rest.substr(f + 19), m.ret);
          return;
        }
      }
      break;
    case 's':
      if (starts(rest, "scheduling asynchronous probe")) {
        m.kind = MsgKind::async_scheduled;
        return;
      }
      break;
    case 'a':
      if (starts(rest, "async probe completed")) {
        m.kind = MsgKind::async_done;
        return;
      }
      break;
    case 'i':
      if (starts(rest, "ignoring dependency for device, assuming no driver")) {
        m.kind = MsgKind::ignoring_dependency;
        m.text = trim(rest);
        return;
      }
      break;
    case 'h':
      if (starts(rest, "hda codecs found, mask")) {
        m.kind = MsgKind::sof_milestone;
        m.text = trim(rest);
        return;
      }
      break;
    case 'u':
      if (starts(rest, "using HDA machine driver ")) {
        m.kind = MsgKind::sof_milestone;
        m.text = trim(rest);
        return;
      }
      break;
    case 'F':
      if (starts(rest, "Firmware info: ") || starts(rest, "Firmware: ABI ") || starts(rest, "Firmware version: ") ||
          starts(rest, "Firmware file: ") || starts(rest, "Loaded firmware ")) {
        m.kind = MsgKind::sof_milestone;
        m.text = trim(rest);
        return;
      }
      break;
    case 'L':
      if (starts(rest, "Loading firmware from ")) {
        m.kind = MsgKind::dev_line;  // attempt only; the outcome follows
        return;
      }
      break;
    case 'c':
      if (starts(rest, "created machine ")) {
        m.kind = MsgKind::sof_milestone;
        m.text = trim(rest);
        return;
      }
      if (starts(rest, "couldn't bind with audio component")) {
        m.kind = MsgKind::sof_error;
        m.text = trim(rest);
        return;
      }
      break;
    case '[':
      if (m.first == "pci" && rest.size() > 12 && rest[5] == ':' && rest[10] == ']' && rest.find(" type ") == 11) {
        m.kind = MsgKind::pci_device;
        m.bus = "pci";
        m.text = trim(rest);  // "[8086:2668] type 00 class 0x040300": the class says what the function is
        return;
      }
      break;
    default:
      break;
  }
  parse_register_card_failure(rest, m);
}

// "<first> <dev>: rest" (dev_printk). False when the shape does not match.
bool split_dev_prefix(sv msg, sv& first, sv& dev, sv& rest) {
  const size_t sp = msg.find(' ');
  if (sp == sv::npos || sp == 0 || sp > 64) return false;
  first = msg.substr(0, sp);
  const char f0 = first[0];
  if (first.back() == ':' || f0 == '(' || f0 == '[' || f0 == '<' || f0 == '-' || f0 == '*' || f0 == '=' || f0 == '#')
    return false;
  const size_t cs = msg.find(": ", sp + 1);
  const size_t sp2 = msg.find(' ', sp + 1);
  if (cs == sv::npos || (sp2 != sv::npos && sp2 < cs) || cs == sp + 1 || cs - sp > 128) {
    // "<first> <dev>:" with an empty message
    if (sp2 == sv::npos && msg.size() > sp + 2 && msg.back() == ':') {
      dev = msg.substr(sp + 1, msg.size() - sp - 2);
      rest = {};
      return dev.find_first_of("()[]'\"=") == sv::npos;
    }
    return false;
  }
  dev = msg.substr(sp + 1, cs - sp - 1);
  if (dev.find_first_of("()[]'\"=") != sv::npos) return false;
  rest = msg.substr(cs + 2);
  return true;
}

}  // namespace

bool parse_errno(sv s, int64_t& v) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') s = s.substr(1, s.size() - 2);
  if (parse_int(s, v) && v < 0) return true;
  struct E {
    sv name;
    int64_t v;
  };
  static constexpr E kNames[] = {
      {"-EPROBE_DEFER", -517}, {"-ENODEV", -19}, {"-ENXIO", -6},   {"-ENOMEM", -12}, {"-EINVAL", -22}, {"-ENOENT", -2},
      {"-ETIMEDOUT", -110},    {"-EBUSY", -16},  {"-EIO", -5},     {"-EAGAIN", -11}, {"-EPERM", -1},   {"-ENOSYS", -38},
      {"-EOPNOTSUPP", -95},    {"-ENOSPC", -28}, {"-EEXIST", -17}, {"-EFAULT", -14}};
  for (const auto& e : kNames)
    if (s == e.name) {
      v = e.v;
      return true;
    }
  return false;
}

sv strip_dyndbg_prefix(sv msg, bool& stripped) {
  stripped = false;
  // "[1234] " task pid or "<intr> "
  if (!msg.empty() && msg[0] == '[') {
    size_t i = 1;
    while (i < msg.size() && msg[i] == ' ') ++i;
    const size_t d0 = i;
    while (i < msg.size() && is_digit(msg[i])) ++i;
    if (i > d0 && i + 1 < msg.size() && msg[i] == ']' && msg[i + 1] == ' ') {
      msg.remove_prefix(i + 2);
      stripped = true;
    }
  } else if (starts(msg, "<intr> ")) {
    msg.remove_prefix(7);
    stripped = true;
  }
  // "mod:func:line: " / "mod:func: " / "dd:really_probe:drivers/base/dd.c:650: " -- a token of
  // two or more ':'-terminated identifiers with no space, then one space.
  const size_t sp = msg.find(' ');
  if (sp != sv::npos && sp >= 4 && msg[sp - 1] == ':') {
    const sv tok = msg.substr(0, sp);
    size_t colons = 0;
    bool ok = true;
    for (char c : tok) {
      if (c == ':')
        ++colons;
      else if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '/' ||
                 c == '-'))
        ok = false;
    }
    // A device name such as "0000:00:1f.3:" is never followed by a driver-core message
    // without a driver token in front, so two colons suffice when the token starts with a letter.
    if (ok && colons >= 2 && !is_digit(tok[0])) {
      msg.remove_prefix(sp + 1);
      stripped = true;
    }
  }
  return msg;
}

// NOLINTNEXTLINE(readability-function-size): one first-byte switch over the pr_* forms
void parse_message(sv msg, Message& m) {
  m = Message{};
  if (msg.empty()) return;
  // pr_* forms first: they start with a fixed word.
  switch (msg[0]) {
    case 'b':
    case 'd':
      if (parse_bus_driver_family(msg, m, false)) return;
      m = Message{};
      break;
    case 'p':
      if (starts(msg, "probe of ")) {
        sv r = msg.substr(9);
        const size_t p = r.find(" returned ");
        if (p != sv::npos && names_a_device(r.substr(0, p))) {
          m.dev = r.substr(0, p);
          sv x = r.substr(p + 10);
          m.has_ret = parse_int(x, m.ret);
          const size_t a = x.find(" after ");
          if (a != sv::npos) parse_u64(x.substr(a + 7), m.usecs);
          m.kind = MsgKind::probe_returned;
          return;
        }
      }
      break;
    case 'c':
      if (starts(msg, "calling  ") || starts(msg, "calling ")) {
        m.kind = MsgKind::initcall_calling;
        m.text = initcall_module(msg);
        return;
      }
      break;
    case 'i':
      if (starts(msg, "initcall ")) {
        const size_t p = msg.find(" returned ");
        if (p == sv::npos) break;
        m.kind = MsgKind::initcall_returned;
        m.text = initcall_module(msg.substr(0, p));
        sv x = msg.substr(p + 10);
        m.has_ret = parse_int(x, m.ret);
        const size_t a = x.find(" after ");
        if (a != sv::npos) parse_u64(x.substr(a + 7), m.usecs);
        return;
      }
      if (starts(msg, "input: ")) {
        const size_t as = msg.find(" as /devices/");
        if (as == sv::npos) break;
        const sv path = msg.substr(as + 4);
        const size_t card = path.find("/sound/card");
        if (card == sv::npos) break;
        const size_t slash = path.rfind('/', card - 1);
        m.dev = path.substr(slash + 1, card - slash - 1);
        if (m.dev.empty()) break;  // ".../x//sound/card5": no device names the card (the kernel never writes "//")
        int64_t idx;
        if (!parse_int(path.substr(card + 11), idx)) break;
        m.index = idx;
        m.text = msg.substr(7, as - 7);
        m.kind = MsgKind::card_input;
        return;
      }
      break;
    case 'L':
      if (starts(msg, "Linux version ")) {
        sv r = msg.substr(14);
        m.text = r.substr(0, r.find(' '));
        m.kind = MsgKind::kernel_version;
        return;
      }
      break;
    case 'K':
      if (starts(msg, "Kernel command line: ")) {
        m.text = trim(msg.substr(21));
        m.kind = MsgKind::command_line;
        return;
      }
      break;
    case 'C':
      if (starts(msg, "Command line: ")) {
        m.text = trim(msg.substr(14));
        m.kind = MsgKind::command_line;
        return;
      }
      break;
    case 'E':
      if (starts(msg, "Extended deferred probe timeout by ")) {
        m.kind = MsgKind::timeout_extended;
        m.has_ret = parse_int(msg.substr(35), m.ret);
        return;
      }
      break;
    case 'r':
      if (starts(msg, "request_module: ")) {
        // "... for module %s, throttling..." / "modprobe %s cannot be processed, ..."
        sv r = msg.substr(16);
        size_t p = r.find("for module ");
        sv name;
        if (p != sv::npos)
          name = r.substr(p + 11);
        else if ((p = r.find("modprobe ")) != sv::npos)
          name = r.substr(p + 9);
        name = name.substr(0, name.find_first_of(" ,"));
        if (name.empty()) break;
        m.text = name;
        m.kind = MsgKind::module_request;
        return;
      }
      break;
    default:
      break;
  }
  sv first, dev, rest;
  // "<drv>: probe of <dev> failed with error N" (pr_warn <=6.8), "... rejects match N", "<drv>: device <dev> already
  // bound"
  {
    const size_t c = msg.find(": ");
    if (c != sv::npos && c > 0 && c < 96 && msg.find(' ') > c) {
      sv drv = msg.substr(0, c);
      sv r = msg.substr(c + 2);
      if (starts(r, "probe of ")) {
        sv x = r.substr(9);
        size_t p;
        if ((p = x.find(" failed with error ")) != sv::npos && names_a_device(x.substr(0, p))) {
          m.kind = MsgKind::failed;
          m.drv = drv;
          m.dev = x.substr(0, p);
          m.has_ret = parse_int(x.substr(p + 19), m.ret);
          return;
        }
        if ((p = x.find(" rejects match ")) != sv::npos && names_a_device(x.substr(0, p))) {
          m.kind = MsgKind::rejects;
          m.drv = drv;
          m.dev = x.substr(0, p);
          m.has_ret = parse_int(x.substr(p + 15), m.ret);
          return;
        }
      }
      if (starts(r, "device ") && ends(r, " already bound") && r.size() > 21 &&
          names_a_device(r.substr(7, r.size() - 7 - 14))) {
        m.kind = MsgKind::already_bound;
        m.drv = drv;
        m.dev = r.substr(7, r.size() - 7 - 14);
        return;
      }
      if (drv == "firmware_class" || drv == "request_module") return;
    }
  }
  if (split_dev_prefix(msg, first, dev, rest)) {
    m.first = first;
    m.dev = dev;
    m.kind = MsgKind::dev_line;
    if (first != "pci" || rest.empty() || rest[0] != '[') {
      if (starts(rest, "device already bound") || ends(rest, ": device already bound")) {
        m.kind = MsgKind::already_bound;
        return;
      }
    }
    parse_dev_rest(rest, m);
    if (m.kind == MsgKind::none || m.kind == MsgKind::dev_line) {
      m.kind = MsgKind::dev_line;
      m.text = rest;  // the importer looks for card evidence (ASoC bind, HDA codec autoconfig)
    }
    return;
  }
  // debugfs devices_deferred dump: "name\treason" (reason "drv: msg" or empty)
  if (const size_t tab = msg.find('\t'); tab != sv::npos && tab > 0 && tab < 128) {
    const sv name = msg.substr(0, tab);
    if (name.find_first_of(" ()[]'\"") == sv::npos) {
      m.kind = MsgKind::devices_deferred;
      m.dev = name;
      m.text = trim(msg.substr(tab + 1));
      return;
    }
  }
}

bool looks_like_driver_core(sv msg) {
  // Every pattern below contains "defer", "rob" or "': ": one pass each decides most lines.
  static constexpr std::array<std::array<char, 2>, 3> kPairs = {{{'d', 'e'}, {'r', 'o'}, {'\'', ':'}}};
  if (!any_pair_start(msg, kPairs, [&](size_t i) {
        const sv at = msg.substr(i);
        return starts(at, "defer") || starts(at, "rob") || starts(at, "': ");
      }))
    return false;
  return msg.find("to deferred") != sv::npos || msg.find("from deferred") != sv::npos ||
         msg.find("probe deferral") != sv::npos || msg.find("deferred probe") != sv::npos ||
         msg.find("bus: '") != sv::npos || msg.find("driver: '") != sv::npos || msg.find("probe of ") != sv::npos ||
         msg.find("probe with driver") != sv::npos;
}

}  // namespace reprobe
