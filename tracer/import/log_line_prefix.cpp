// Prefix parsing for kernel-log lines; see log_line_prefix.h.
#include "tracer/import/log_line_prefix.h"

#include <array>
#include <cstring>

namespace reprobe {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

size_t skip_spaces(std::string_view s, size_t i) {
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

// Reads digits at s[i...]; returns the count read (at most max_digits).
size_t read_uint(std::string_view s, size_t i, uint64_t& v, size_t max_digits = 19) {
  size_t k = 0;
  v = 0;
  while (i + k < s.size() && k < max_digits && is_digit(s[i + k])) v = v * 10 + static_cast<uint64_t>(s[i + k++] - '0');
  return k;
}

// "hh:mm:ss" at s[i]: seconds of the day; 8 on success.
size_t read_clock(std::string_view s, size_t i, int64_t& secs) {
  if (i + 8 > s.size() || s[i + 2] != ':' || s[i + 5] != ':') return 0;
  for (size_t k : {0, 1, 3, 4, 6, 7})
    if (!is_digit(s[i + k])) return 0;
  auto two = [&](size_t k) { return (s[i + k] - '0') * 10 + (s[i + k + 1] - '0'); };
  secs = two(0) * 3600 + two(3) * 60 + two(6);
  return 8;
}

// Month number 1..12 from an English or common localized abbreviation; 0 if unknown.
int month_number(std::string_view m) {
  static const std::array<std::array<std::string_view, 5>, 12> kNames = {{
      {"Jan", "jan", "janv", "ene", "gen"},
      {"Feb", "feb", "févr", "fév", "fev"},
      {"Mar", "mar", "Mär", "mär", "mars"},
      {"Apr", "apr", "avr", "abr", "avril"},
      {"May", "Mai", "mai", "may", "mag"},
      {"Jun", "jun", "juin", "giu", "Jun"},
      {"Jul", "jul", "juil", "lug", "Jul"},
      {"Aug", "aug", "août", "ago", "aoû"},
      {"Sep", "sep", "sept", "set", "Sep"},
      {"Oct", "Okt", "okt", "oct", "ott"},
      {"Nov", "nov", "Nov", "nov", "Nov"},
      {"Dec", "Dez", "dez", "déc", "dic"},
  }};
  while (!m.empty() && m.back() == '.') m.remove_suffix(1);
  // Fast path: the English abbreviation (nearly every log) without scanning the table.
  if (m.size() == 3) {
    static constexpr std::string_view kEnglish[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
      if (m == kEnglish[i]) return i + 1;
  }
  for (int i = 0; i < 12; ++i)
    for (auto n : kNames[static_cast<size_t>(i)])
      if (m == n || (m.size() > n.size() && m.substr(0, n.size()) == n && n.size() >= 3 && m.size() <= 9)) return i + 1;
  return 0;
}

// "[T123]" / "[  T123]" / "[C1]" printk caller id at s[i]; returns length (0 if none).
size_t caller_id(std::string_view s, size_t i) {
  if (i >= s.size() || s[i] != '[') return 0;
  size_t j = skip_spaces(s, i + 1);
  if (j >= s.size() || (s[j] != 'T' && s[j] != 'C')) return 0;
  uint64_t v;
  const size_t d = read_uint(s, j + 1, v, 10);
  if (d == 0 || j + 1 + d >= s.size() || s[j + 1 + d] != ']') return 0;
  return j + 2 + d - i;
}

// After a syslog/journal time: "host kernel: " / "host kernel[0]: " / "host prog[pid]: ".
// Returns the offset of the message, or 0 if the shape does not match.
size_t syslog_tail(std::string_view s, size_t i, LinePrefix& out) {
  i = skip_spaces(s, i);
  const size_t host_end = s.find(' ', i);
  if (host_end == std::string_view::npos || host_end == i) return 0;
  const std::string_view host = s.substr(i, host_end - i);
  size_t p = host_end + 1;
  const size_t colon = s.find(": ", p);
  const size_t sp = s.find(' ', p);
  if (colon == std::string_view::npos || (sp != std::string_view::npos && sp < colon)) {
    // "host kernel:" at the very end (empty message)
    if (sp == std::string_view::npos && s.size() > p && s.back() == ':') {
      out.host = host;
      out.syslog = true;
      std::string_view prog = s.substr(p, s.size() - 1 - p);
      out.non_kernel = !(prog == "kernel" || prog.substr(0, 7) == "kernel[");
      return s.size();
    }
    return 0;
  }
  std::string_view prog = s.substr(p, colon - p);
  out.host = host;
  out.syslog = true;
  out.non_kernel = !(prog == "kernel" || prog.substr(0, 7) == "kernel[");
  return colon + 2;
}

}  // namespace

size_t parse_bracket_time(std::string_view s, uint64_t& ns) {
  if (s.size() < 3 || s[0] != '[') return 0;
  size_t i = skip_spaces(s, 1);
  uint64_t sec = 0;
  const size_t d = read_uint(s, i, sec, 10);  // < 2^64 ns after scaling
  if (d == 0) return 0;
  i += d;
  uint64_t frac = 0, scale = 1000000000;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t f0 = i;
    while (i < s.size() && is_digit(s[i])) {
      if (scale > 1) {
        scale /= 10;
        frac += static_cast<uint64_t>(s[i] - '0') * scale;
      }
      ++i;
    }
    if (i == f0) return 0;
  } else {
    return 0;  // "[123]" is a pid or an array index, not a timestamp
  }
  i = skip_spaces(s, i);
  if (i < s.size() && s[i] == '<') {  // dmesg -d delta: "< 0.000350>"
    const size_t close = s.find('>', i);
    if (close == std::string_view::npos || close - i > 24) return 0;
    i = skip_spaces(s, close + 1);
  }
  if (i >= s.size() || s[i] != ']') return 0;
  const uint64_t t = sec * 1000000000ull + frac;  // at most 10 digits of seconds: no overflow
  if (t > kMaxLogTimeNs) return 0;
  ns = t;
  return i + 1;
}

bool is_bad_timestamp(std::string_view s) {
  uint64_t ns;
  if (s.empty() || s[0] != '[' || parse_bracket_time(s, ns)) return false;
  const size_t close = s.find(']');
  if (close == std::string_view::npos || close > 40) return false;
  std::string_view tok = s.substr(1, close - 1);
  while (!tok.empty() && tok.front() == ' ') tok.remove_prefix(1);
  while (!tok.empty() && tok.back() == ' ') tok.remove_suffix(1);
  if (!tok.empty() && (tok[0] == '-' || tok[0] == '+')) {
    tok.remove_prefix(1);
    if (!tok.empty() && is_digit(tok[0])) return true;  // "[-1.5]": a negative time
  }
  std::string lower;
  for (char c : tok.substr(0, 8)) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  if (lower == "nan" || lower == "inf" || lower == "infinity") return true;
  uint64_t sec;
  const size_t d = read_uint(tok, 0, sec, 64);
  if (d == 0) return false;
  // past the trace clock (or, from 11 digits, the 64-bit ns clock): parse_bracket_time refused it
  if (d >= 11 || sec >= kMaxLogTimeNs / 1000000000ull) return true;
  // "[12.5x]", "[12.]": a fraction, then something that is not a time
  return d < tok.size() && tok[d] == '.' &&
         (d + 1 == tok.size() || tok.find_first_not_of("0123456789", d + 1) != std::string_view::npos);
}

void find_embedded_timestamps(std::string_view line, std::vector<size_t>& offsets) {
  offsets.clear();
  size_t pos = 1;
  while (pos < line.size()) {
    const void* p = std::memchr(line.data() + pos, '[', line.size() - pos);
    if (!p) break;
    const size_t at = static_cast<size_t>(static_cast<const char*>(p) - line.data());
    uint64_t ns;
    if (at > 0 && parse_bracket_time(line.substr(at), ns)) offsets.push_back(at);
    pos = at + 1;
  }
}

// A CI script's status prefix "[WARN] 2026-01-02 07:40:40 - " ([INFO], [FAIL], [PASS], [SKIP],
// [ERROR], [DEBUG]): the length consumed, 0 if s does not start with one. Its clock is the
// script's, not the kernel's, so it is never read as a time.
static size_t ci_status_prefix(std::string_view s) {
  if (s.size() < 8 || s[0] != '[') return 0;
  const size_t close = s.find(']');
  if (close == std::string_view::npos || close < 4 || close > 6) return 0;
  for (size_t k = 1; k < close; ++k)
    if (s[k] < 'A' || s[k] > 'Z') return 0;
  const size_t i = close + 2;  // "] "
  int64_t secs;
  uint64_t v;
  if (s[close + 1] != ' ' || read_uint(s, i, v, 4) != 4 || i + 19 > s.size() || s[i + 4] != '-' || s[i + 7] != '-' ||
      s[i + 10] != ' ' || !read_clock(s, i + 11, secs) || s.substr(i + 19, 3) != " - ")
    return 0;
  return i + 22;
}

// NOLINTNEXTLINE(readability-function-size): the prefix formats nest in this order and share one cursor
void parse_line_prefix(std::string_view s, LinePrefix& out) {
  out = LinePrefix{};
  size_t i = 0;
  // CI wrappers around kernel output: "CI-HINT: <kernel line>" carries a kernel line as it was
  // logged; "[WARN] <date> <time> - DEFERRED: dev<TAB>reason" a devices_deferred entry; any other
  // status line is the script's own words (counted as another program's).
  if (s.starts_with("CI-HINT: ")) return parse_line_prefix(s.substr(9), out);
  if (const size_t ci = ci_status_prefix(s)) {
    const std::string_view rest = s.substr(ci);
    if (rest.starts_with("DEFERRED: ")) {
      out.msg = rest.substr(10);
    } else {
      out.non_kernel = true;
      out.msg = rest;
    }
    return;
  }
  // /dev/kmsg record: "6,1234,4305403,-;" (level/facility, seq, usec, flags[,caller])
  if (!s.empty() && is_digit(s[0])) {
    uint64_t lvl, seq, usec;
    size_t a = read_uint(s, 0, lvl, 4);
    if (a && a < s.size() && s[a] == ',') {
      size_t b = read_uint(s, a + 1, seq, 20);
      if (b && a + 1 + b < s.size() && s[a + 1 + b] == ',') {
        size_t c0 = a + 2 + b;
        size_t c = read_uint(s, c0, usec, 15);
        if (c && c0 + c < s.size() && s[c0 + c] == ',') {
          const size_t semi = s.find(';', c0 + c);
          if (semi != std::string_view::npos && semi - (c0 + c) <= 32) {
            out.kmsg = true;
            out.level = static_cast<int>(lvl & 7);
            out.mono_ns = usec * 1000;
            out.msg = s.substr(semi + 1);
            return;
          }
        }
      }
    }
    // ISO 8601: "2024-05-30T13:32:21,305403+02:00 " (dmesg --time-format iso, rsyslog)
    if (s.size() > 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ')) {
      uint64_t y, mo, d;
      int64_t secs;
      if (read_uint(s, 0, y, 4) == 4 && read_uint(s, 5, mo, 2) == 2 && read_uint(s, 8, d, 2) == 2 &&
          read_clock(s, 11, secs)) {
        size_t j = 19;
        uint64_t frac = 0, scale = 1000000000;
        if (j < s.size() && (s[j] == ',' || s[j] == '.')) {
          ++j;
          while (j < s.size() && is_digit(s[j])) {
            if (scale > 1) {
              scale /= 10;
              frac += static_cast<uint64_t>(s[j] - '0') * scale;
            }
            ++j;
          }
        }
        if (j < s.size() && (s[j] == '+' || s[j] == '-'))
          j = std::min(s.size(), j + 6);
        else if (j < s.size() && s[j] == 'Z')
          ++j;
        // Only differences are used: the year within its century keeps the value far from overflow.
        const int64_t days =
            static_cast<int64_t>(y % 100) * 372 + static_cast<int64_t>(mo) * 31 + static_cast<int64_t>(d);
        out.wall_ns = (days * 86400 + secs) * 1000000000ll + static_cast<int64_t>(frac);
        out.wall_has_date = true;
        i = skip_spaces(s, j);
        // rsyslog high-precision format: "host kernel: ..."
        LinePrefix tmp;
        if (size_t m = syslog_tail(s, i, tmp); m && tmp.syslog) {
          // Only "host kernel:" or "host prog[pid]:" (a dmesg line "pci 0000:00:1f.3: ..." has the same shape)
          const std::string_view rest = s.substr(i);
          const size_t c = rest.find(": ");
          const std::string_view head = rest.substr(0, c);
          if (!tmp.non_kernel || (!head.empty() && head.back() == ']' && head.find(':') == std::string_view::npos)) {
            out.host = tmp.host;
            out.syslog = true;
            out.non_kernel = tmp.non_kernel;
            i = m;
          }
        }
      }
    }
  }
  if (i == 0 && s.size() > 2 && s[0] == '<' && is_digit(s[1])) {  // dmesg -r "<6>"
    uint64_t lvl;
    const size_t d = read_uint(s, 1, lvl, 3);
    if (d && 1 + d < s.size() && s[1 + d] == '>') {
      out.level = static_cast<int>(lvl & 7);
      i = 2 + d;
    }
  }
  // dmesg -x: "kern  :info  : "
  if (i == 0 && s.size() > 14 && is_alpha(s[0])) {
    size_t j = 0;
    while (j < s.size() && j < 9 && (is_alpha(s[j]) || is_digit(s[j]))) ++j;
    size_t k = skip_spaces(s, j);
    if (j >= 3 && k < s.size() && s[k] == ':' && k <= 8) {
      size_t l0 = k + 1, l = l0;
      while (l < s.size() && is_alpha(s[l])) ++l;
      const std::string_view lvl = s.substr(l0, l - l0);
      size_t m = skip_spaces(s, l);
      static constexpr std::string_view kLevels[] = {"emerg", "alert",  "crit", "err",
                                                     "warn",  "notice", "info", "debug"};
      if (m < s.size() && s[m] == ':' && m + 1 < s.size() && s[m + 1] == ' ') {
        for (int lv = 0; lv < 8; ++lv)
          if (lvl == kLevels[lv]) {
            out.level = lv;
            out.dmesg_x = true;
            i = m + 2;
            break;
          }
      }
    }
  }
  // syslog / journalctl short: "May 30 13:32:21 host kernel: " (month in any language)
  if (i == 0 && !s.empty() && !is_digit(s[0]) && s[0] != '[' && s[0] != ' ') {
    const size_t sp = s.find(' ');
    if (sp != std::string_view::npos && sp >= 2 && sp <= 12) {
      size_t j = skip_spaces(s, sp + 1);
      uint64_t day;
      const size_t d = read_uint(s, j, day, 2);
      int64_t secs;
      if (d && j + d < s.size() && s[j + d] == ' ' && read_clock(s, j + d + 1, secs)) {
        size_t k = j + d + 1 + 8;
        uint64_t frac = 0, scale = 1000000000;
        if (k < s.size() && s[k] == '.') {  // journalctl -o short-precise
          ++k;
          while (k < s.size() && is_digit(s[k])) {
            if (scale > 1) {
              scale /= 10;
              frac += static_cast<uint64_t>(s[k] - '0') * scale;
            }
            ++k;
          }
        }
        LinePrefix tmp;
        if (size_t m = syslog_tail(s, k, tmp)) {
          const int mon = month_number(s.substr(0, sp));
          out.wall_ns = ((static_cast<int64_t>(mon) * 31 + static_cast<int64_t>(day)) * 86400 + secs) * 1000000000ll +
                        static_cast<int64_t>(frac);
          out.host = tmp.host;
          out.syslog = true;
          out.non_kernel = tmp.non_kernel;
          i = m;
        }
      }
    }
  }
  // dmesg -T: "[Thu May 30 13:32:21 2024] "
  if (s.size() > i + 26 && s[i] == '[' && is_alpha(s[i + 1]) && s[i + 4] == ' ') {
    const size_t close = s.find(']', i);
    if (close != std::string_view::npos && close - i >= 24 && close - i <= 30) {
      std::string_view in = s.substr(i + 1, close - i - 1);  // "Thu May 30 13:32:21 2024"
      const size_t sp1 = in.find(' '), sp2 = in.find(' ', sp1 + 1);
      if (sp1 != std::string_view::npos && sp2 != std::string_view::npos) {
        size_t j = skip_spaces(in, sp2 + 1);
        uint64_t day, year;
        const size_t d = read_uint(in, j, day, 2);
        int64_t secs;
        if (d && read_clock(in, j + d + 1, secs) && read_uint(in, j + d + 10, year, 4) == 4) {
          const int mon = month_number(in.substr(sp1 + 1, sp2 - sp1 - 1));
          out.wall_ns =
              ((static_cast<int64_t>(year % 100) * 372 + mon * 31 + static_cast<int64_t>(day)) * 86400 + secs) *
              1000000000ll;
          out.wall_has_date = true;
          i = skip_spaces(s, close + 1);
        }
      }
    }
  }
  // Monotonic "[    4.305403]" (also after syslog, journal and dmesg -x prefixes).
  uint64_t ns;
  if (size_t b = parse_bracket_time(s.substr(i), ns)) {
    out.mono_ns = ns;
    i += b;
    if (size_t c = caller_id(s, i))
      i += c;
    else if (i < s.size() && s[i] == ' ')
      if (size_t c2 = caller_id(s, i + 1)) i += 1 + c2;
    // journalctl -o short-monotonic: "[    2.160000] host kernel: msg" / "[ 2.16] kernel: msg"
    if (!out.syslog) {
      const size_t j = skip_spaces(s, i);
      if (s.substr(j, 8) == "kernel: ") {
        out.syslog = true;
        i = j + 8;
      } else {
        LinePrefix tmp;
        const size_t host_end = s.find(' ', j);
        if (host_end != std::string_view::npos && host_end > j && host_end - j <= 64) {
          const std::string_view after = s.substr(host_end + 1);
          if (after.substr(0, 8) == "kernel: ") {
            out.host = s.substr(j, host_end - j);
            out.syslog = true;
            i = host_end + 1 + 8;
          } else if (size_t m = syslog_tail(s, j, tmp);
                     m && tmp.non_kernel && tmp.host.find(':') == std::string_view::npos &&
                     after.find('[') != std::string_view::npos && after.find('[') < after.find(": ")) {
            // "[ 2.1] host systemd[1]: ..." another program in a short-monotonic journal
            out.host = tmp.host;
            out.syslog = true;
            out.non_kernel = true;
            i = m;
          }
        }
      }
    }
  } else if (size_t c = caller_id(s, i)) {
    i += c;
  }
  if (i < s.size() && s[i] == ' ') ++i;
  out.msg = s.substr(std::min(i, s.size()));
}

bool has_html(std::string_view line) {
  for (size_t p = line.find_first_of("&<"); p != std::string_view::npos; p = line.find_first_of("&<", p + 1)) {
    if (p + 1 >= line.size()) return false;
    const char c = line[p + 1];
    if (line[p] == '&' && (is_alpha(c) || c == '#')) {
      const size_t semi = line.find(';', p);
      if (semi != std::string_view::npos && semi - p <= 10) return true;
    } else if (line[p] == '<' && (is_alpha(c) || c == '/')) {
      const size_t gt = line.find('>', p);
      if (gt == std::string_view::npos) continue;
      std::string_view tag = line.substr(p + 1, gt - p - 1);
      if (!tag.empty() && tag[0] == '/') tag.remove_prefix(1);
      const size_t e = tag.find_first_of(" />");
      const std::string_view name = tag.substr(0, e);
      static constexpr std::string_view kTags[] = {"br", "p",      "pre",  "code", "span",      "div", "a",
                                                   "b",  "i",      "tt",   "font", "td",        "tr",  "li",
                                                   "em", "strong", "samp", "kbd",  "blockquote"};
      for (auto t : kTags)
        if (name == t) return true;
    }
  }
  return false;
}

void clean_html(std::string_view line, std::string& out) {
  out.clear();
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '<' && i + 1 < line.size() && (is_alpha(line[i + 1]) || line[i + 1] == '/')) {
      const size_t gt = line.find('>', i);
      if (gt != std::string_view::npos) {
        std::string_view tag = line.substr(i + 1, gt - i - 1);
        if (!tag.empty() && tag[0] == '/') tag.remove_prefix(1);
        const std::string_view name = tag.substr(0, tag.find_first_of(" />"));
        static constexpr std::string_view kTags[] = {"br", "p",      "pre",  "code", "span",      "div", "a",
                                                     "b",  "i",      "tt",   "font", "td",        "tr",  "li",
                                                     "em", "strong", "samp", "kbd",  "blockquote"};
        bool html = false;
        for (auto t : kTags) html |= name == t;
        if (html) {
          i = gt;
          continue;
        }
      }
    } else if (c == '&') {
      const size_t semi = line.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) {
        const std::string_view ent = line.substr(i + 1, semi - i - 1);
        int code = -1;
        if (ent == "lt")
          code = '<';
        else if (ent == "gt")
          code = '>';
        else if (ent == "amp")
          code = '&';
        else if (ent == "quot")
          code = '"';
        else if (ent == "apos")
          code = '\'';
        else if (ent == "nbsp")
          code = ' ';
        else if (ent.size() >= 2 && ent[0] == '#') {
          uint64_t v = 0;
          bool ok = true;
          if (ent[1] == 'x' || ent[1] == 'X') {
            for (size_t k = 2; k < ent.size() && ok; ++k) {
              const char h = ent[k];
              if (is_digit(h))
                v = v * 16 + static_cast<uint64_t>(h - '0');
              else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
                v = v * 16 + static_cast<uint64_t>((h | 0x20) - 'a' + 10);
              else
                ok = false;
            }
            ok = ok && ent.size() > 2;
          } else {
            uint64_t dv;
            ok = read_uint(ent, 1, dv, 7) == ent.size() - 1;
            v = dv;
          }
          if (ok && v > 0 && v < 128)
            code = static_cast<int>(v);
          else if (ok && v == 160)
            code = ' ';
        }
        if (code >= 0) {
          out.push_back(static_cast<char>(code));
          i = semi;
          continue;
        }
      }
    }
    out.push_back(c);
  }
}

std::string_view strip_mail_quote(std::string_view line) {
  while (!line.empty() && line[0] == '>' && (line.size() == 1 || line[1] == ' ' || line[1] == '>')) {
    line.remove_prefix(1);
    if (!line.empty() && line[0] == ' ') line.remove_prefix(1);
  }
  return line;
}

bool is_elision(std::string_view m) {
  while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
  if (m.empty()) return false;
  // Every form below starts with one of these bytes ('\xe2': UTF-8 lead byte of "…"):
  // any other message is decided by one comparison (this runs on most unrecognised lines).
  switch (m.front()) {
    case '.':
    case '[':
    case '<':
    case '(':
    case '-':
    case '=':
    case '*':
    case '\xe2':
      break;
    default:
      return false;
  }
  while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
  static constexpr std::string_view kForms[] = {"...", "[...]", "[ ... ]", "<snip>",   "[snip]",    "(...)",
                                                "…",   "[…]",   "<...>",   "[ snip ]", "<snipped>", "[snipped]"};
  for (auto f : kForms)
    if (m == f) return true;
  // "--- snip ---", "-----8<-----", "..." repeated
  if (m.find("snip") != std::string_view::npos && (m.front() == '-' || m.front() == '=' || m.front() == '*'))
    return true;
  if (m.find("8<") != std::string_view::npos && m.front() == '-') return true;
  bool dots = m.size() >= 3;
  for (char c : m) dots &= c == '.';
  return dots;
}

}  // namespace reprobe
