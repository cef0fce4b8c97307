// LogImporter, segmenting: physical lines -> messages (prefixes, timestamps, boots,
// e-mail wrapped lines joined) and the lines that say nothing (skip counts). See log_importer_impl.h.
#include "tracer/import/byte_scan.h"
#include "tracer/import/log_importer_impl.h"

namespace reprobe {

void LogImporter::Impl::skip_unrecognised(sv m) {
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

bool LogImporter::Impl::is_oops(sv m) {
  // Every prefix below starts with one of these bytes: other lines skip the ~30 comparisons.
  static constexpr sv kPrefixFirst = "-BWOgC<RFDPMH?";
  if (m.empty() || kPrefixFirst.find(m[0]) == sv::npos) return is_stack_frame(m) || in_oops;
  if ((m.size() > 12 && m[0] == '-' && m.find("[ cut here ]") != sv::npos) || starts(m, "BUG: ") ||
      starts(m, "WARNING: CPU:") || starts(m, "Oops: ") || starts(m, "general protection fault")) {
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
      starts(m, "Modules linked in:") || starts(m, "Hardware name: ") || starts(m, "Workqueue: ") || starts(m, "? ") ||
      starts(m, "CPU: "))
    return true;
  return is_stack_frame(m) || in_oops;
}

bool LogImporter::Impl::is_stack_frame(sv m) {
  if (!std::memchr(m.data(), '+', m.size())) return false;
  const size_t plus = m.find("+0x");
  return plus != sv::npos && plus > 0 && m.find('/', plus) != sv::npos && m.find(' ') >= plus;
}

void LogImporter::Impl::count(SkipKind k) {
  ++stats.skipped[static_cast<size_t>(k)];
  if (k == SkipKind::driver_core_unparsed && !strict_error) {
    strict_error = true;
    strict_label = cur_input < labels.size() ? labels[cur_input] : std::string();
    strict_line = pend_line;
  }
}

void LogImporter::Impl::boot_boundary() {
  if (buf.empty() && devs.empty()) return;
  if (stats.events > 0) return;                    // live capture: already written, keep going
  if (opt.boot != 0 && stats.boots >= opt.boot) {  // --boot N: boot N is complete, keep it
    if (!chosen_boot_done) ++stats.boots;
    chosen_boot_done = true;
    return;
  }
  if (opt.boot == 0 && boot_shows_failure()) {
    failing_boot.reset();  // the earlier one goes first: at most two boots in memory
    auto copy = std::make_shared<Impl>(*this);
    copy->failing_boot.reset();  // one boot kept aside at a time
    failing_boot = std::move(copy);
    failing_boot_number = stats.boots;
  }
  ++stats.boots;
  boot_failure_lines = 0;
  stats.skipped[static_cast<size_t>(SkipKind::earlier_boot)] += messages_in_boot;
  messages_in_boot = 0;
  buf.clear();
  devs.clear();
  observed.fill(false);
  inferred_kind.fill(false);
  devices_deferred.clear();
  cards.clear();
  card_inputs.clear();
  pci_multimedia.clear();
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

bool LogImporter::Impl::boot_shows_failure() const {
  if (boot_failure_lines > 0 || !devices_deferred.empty()) return true;
  return std::any_of(devs.begin(), devs.end(), [](const auto& kv) {
    const Dev& d = kv.second;
    return d.has_close && d.last_close_deferred && !d.bound && !d.open;
  });
}

uint64_t LogImporter::Impl::time_of(const LinePrefix& p, bool& timed) {
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
  // dmesg -t: the physical line number (counted on across inputs) in ms keeps the order, and
  // reports turn it back into "line N" (report_units.h), never into a time.
  if (!any_timed) return stats.lines * kLogLineNs;
  return last_t;
}

void LogImporter::Impl::flush_pending() {
  if (!pend) return;
  pend = false;
  cur_kmsg = pend_kmsg;
  cur_dict = pend_dict;
  handle(pend_msg, pend_t, pend_timed);
}

void LogImporter::Impl::segment(sv seg, size_t raw_len, bool first_of_line, bool parsed) {
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
        if (chosen_boot_done) return count(SkipKind::later_boot);
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
      px.msg[0] != ' ' && !is_elision(px.msg) && !looks_like_trailer(px.msg)) {
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
  if (chosen_boot_done) return count(SkipKind::later_boot);  // the pending line started the next boot
  pend = true;
  pend_kmsg = px.kmsg;
  pend_dict = false;
  pend_msg.assign(px.msg);
  pend_t = t;
  pend_timed = timed;
  pend_raw_len = raw_len;
}

namespace {

// Lines that are never the rest of a wrapped kernel line: paste trailers and markers
// ("----- END dmesg -----", "=====", "```"), shell prompts and commands ("$ dmesg", "root@box:~# ",
// "user@host:~$ "), comment and list markers. They are read as lines of their own (issue 14).
bool looks_like_trailer_impl(sv m) {
  static constexpr sv kStarts[] = {"---", "===", "```", "#", "$", "~", ">", "*", "|", "+++", "<<<", "//"};
  for (sv p : kStarts)
    if (m.substr(0, p.size()) == p) return true;
  const size_t at = m.find('@');
  if (at != sv::npos && at < 40) {
    const size_t prompt = m.find_first_of("$#", at);
    if (prompt != sv::npos && m.find(':', at) < prompt) return true;
  }
  return false;
}

}  // namespace

bool LogImporter::Impl::looks_like_trailer(sv m) { return looks_like_trailer_impl(m); }

// A quoted-printable e-mail's soft line break (RFC 2045): a line of 60 to 78 characters ending
// in a single '=' goes on in the next line, which is joined to it ("... failed =" + "with error
// -75"), unless that line starts a kernel line of its own ("[" timestamp) or is blank: then the
// held line is read as it stands, '=' included.
std::optional<Result<bool>> LogImporter::Impl::quoted_printable(sv& raw, sv label, uint64_t line_no) {
  qp_joined = false;
  if (!qp_held.empty()) {
    const size_t first = raw.find_first_not_of(" >");
    if (first != sv::npos && raw[first] != '[') {
      qp_join.assign(qp_held);
      qp_join.append(raw);
      qp_held.clear();
      qp_joined = true;
      count(SkipKind::wrapped);
      return std::nullopt;
    }
    std::string held = std::move(qp_held);
    qp_held.clear();
    --stats.lines;  // counted when it was held
    qp_bypass = true;
    auto r = feed(held + "=", label, qp_held_line);
    qp_bypass = false;
    if (!r) return r;
  }
  if (raw.size() >= 60 && raw.size() <= 78 && raw.back() == '=' && raw[raw.size() - 2] != '=') {
    qp_held.assign(raw.substr(0, raw.size() - 1));
    qp_held_line = line_no;
    return Result<bool>(true);
  }
  return std::nullopt;
}

void LogImporter::Impl::flush_quoted_printable(sv label) {
  if (qp_held.empty()) return;
  std::string held = std::move(qp_held);
  qp_held.clear();
  --stats.lines;
  qp_bypass = true;
  (void)feed(held + "=", label, qp_held_line);  // its errors are the check_strict() that follows
  qp_bypass = false;
}

Result<bool> LogImporter::Impl::feed(sv raw, sv label, uint64_t line_no) {
  ++stats.lines;
  if (chosen_boot_done) {
    count(SkipKind::later_boot);
    return true;
  }
  if (labels.empty() || labels.back() != label) {
    labels.emplace_back(label);
    cur_input = static_cast<uint32_t>(labels.size() - 1);
  }
  while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\n')) raw.remove_suffix(1);
  if (!raw.empty() && has_either_byte(raw, '&', '<') && has_html(raw)) {
    clean_html(raw, html_buf);
    raw = html_buf;
  }
  if (opt.source == "dmesg" && !qp_bypass) {
    if (auto held = quoted_printable(raw, label, line_no)) return *held;
    if (qp_joined) raw = qp_join;
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
  if (raw[0] == '[' && is_bad_timestamp(raw)) {
    flush_pending();
    return bad_timestamp(raw, label, line_no);
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

Result<bool> LogImporter::Impl::check_strict(sv label) {
  if (!too_many_devices.empty())
    return Error{std::string(label), static_cast<unsigned>(too_many_devices_line), too_many_devices};
  if (!opt.strict || !strict_error) return true;
  return Error{strict_label, static_cast<unsigned>(strict_line),
               strict_message.empty()
                   ? "looks like driver-core output but does not parse (--strict); see docs/import.md for the formats"
                   : strict_message};
}

std::string LogImporter::Impl::where() const {
  return fmt::format("{}:{}", cur_input < labels.size() ? labels[cur_input] : std::string("?"), pend_line);
}

Result<bool> LogImporter::Impl::bad_timestamp(sv raw, sv label, uint64_t line_no) {
  const sv stamp = raw.substr(0, std::min(raw.find(']') + 1, size_t{40}));
  const std::string what = fmt::format("timestamp '{}' is not a time (0 to 4611686018.427387904 seconds)", utf8(stamp));
  if (opt.strict) return Error{std::string(label), static_cast<unsigned>(line_no), what + " (--strict)"};
  if (stats.bad_timestamps++ == 0) stats.first_bad_timestamp = fmt::format("{}:{}: {}", label, line_no, what);
  return check_strict(label);
}

bool LogImporter::Impl::overlong(const Message& m) {
  const size_t limit = ReadLimits{}.max_string_bytes;
  const size_t n = std::max({m.first.size(), m.dev.size(), m.drv.size(), m.bus.size(), m.text.size()});
  if (n <= limit) return false;
  const std::string what =
      fmt::format("a name in this message is {} bytes long (a trace string holds at most {})", n, limit);
  if (stats.overlong++ == 0) stats.first_overlong = where() + ": " + what;
  if (opt.strict && !strict_error) {
    strict_error = true;
    strict_label = cur_input < labels.size() ? labels[cur_input] : std::string();
    strict_line = pend_line;
    strict_message = what + " (--strict)";
  }
  return true;
}

std::string LogImporter::Impl::scrubbed(sv text) {
  std::string s = redactor.scrub_string(text);
  const size_t limit = ReadLimits{}.max_string_bytes;
  if (s.size() <= limit) return s;
  static constexpr sv kEllipsis = "\xe2\x80\xa6";  // U+2026
  const size_t grown = s.size();
  size_t cut = limit - kEllipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;  // not inside a character
  s.resize(cut);
  s += kEllipsis;
  if (stats.clipped++ == 0)
    stats.first_clipped = fmt::format(
        "{}: a text of {} bytes grew to {} bytes when redacted (a trace string holds at most {}); it was cut to fit",
        where(), text.size(), grown, limit);
  return s;
}

}  // namespace reprobe
