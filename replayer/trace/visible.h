// The one escaping helper for untrusted text: device, driver, DAI and firmware
// names of a trace, the kernel command line, and file names given on the
// command line. A line break in such a string forges a table row or an error
// line, an ESC sequence retitles or clears the terminal, a bidi control
// (U+202E) reverses what a reader sees. visible() turns every such character
// into a visible escape. It lives in the lowest layer so that errors
// (Error::str(), error.h) escape file names with it too; the report formats
// build on it (replayer/report/escape.h), so every output shows the same
// escapes. docs/report.md ("Escaping") lists them. Header-only: inline, used
// per string in the fuzzed report paths, so it appends in place without a
// temporary per character.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace reprobe {

namespace visible_detail {

// Length of the UTF-8 sequence at s[i] and its code point; 0 when invalid
// (bad lead, truncated, overlong, surrogate or above U+10FFFF).
inline size_t utf8_at(std::string_view s, size_t i, uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

inline bool is_hidden_code_point(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0x2028 || cp == 0x2029;
}

// Appends "\x" + two hex digits, or "\u" + four.
inline void append_hex(std::string* out, const char* prefix, uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out += prefix;
  for (int d = digits - 1; d >= 0; --d) *out += kHex[(v >> (4 * d)) & 0xFu];
}

// Walks s; with out != nullptr appends the escaped text. Returns whether anything needed escaping.
inline bool walk(std::string_view s, std::string* out) {
  bool changed = false;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    const size_t n = utf8_at(s, i, cp);
    if (n == 0) {
      changed = true;
      if (out == nullptr) return true;
      append_hex(out, "\\x", static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    const bool control = n == 1 && (cp < 0x20 || cp == 0x7F);
    if (control || is_hidden_code_point(cp)) {
      changed = true;
      if (out == nullptr) return true;
      if (cp == '\n')
        *out += "\\n";
      else if (cp == '\r')
        *out += "\\r";
      else if (cp == '\t')
        *out += "\\t";
      else if (control)
        append_hex(out, "\\x", cp, 2);
      else
        append_hex(out, "\\u", cp, 4);
    } else if (out != nullptr) {
      out->append(s.substr(i, n));
    }
    i += n;
  }
  return changed;
}

}  // namespace visible_detail

// C0 controls and DEL as \n, \r, \t or \xNN; C1 controls (U+0080-U+009F) and
// the bidi controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C, plus
// U+2028/U+2029 as \uXXXX; bytes that are not UTF-8 as \xNN. Everything else
// is kept, backslashes included, so visible() is idempotent.
inline std::string visible(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  visible_detail::walk(s, &o);
  return o;
}

// True when visible() would change `s` (a raw control, bidi or invalid byte).
inline bool needs_escape(std::string_view s) { return visible_detail::walk(s, nullptr); }

}  // namespace reprobe
