// Escaping per output format (see escape.h).
#include "replayer/report/escape.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace reprobe {

namespace {

// Length of the UTF-8 sequence at s[i] and its code point; 0 when invalid
// (bad lead, truncated, overlong, surrogate or above U+10FFFF).
size_t utf8_at(std::string_view s, size_t i, uint32_t& cp) {
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

bool is_hidden_code_point(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0x2028 || cp == 0x2029;
}

// Calls out(kept_text) / out(escape) over s; returns whether anything was escaped.
template <class Out>
bool walk(std::string_view s, Out&& out) {
  bool changed = false;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    const size_t n = utf8_at(s, i, cp);
    if (n == 0) {
      out(fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i])));
      changed = true;
      ++i;
      continue;
    }
    if (n == 1 && (cp < 0x20 || cp == 0x7F)) {
      out(cp == '\n'   ? std::string("\\n")
          : cp == '\r' ? std::string("\\r")
          : cp == '\t' ? std::string("\\t")
                       : fmt::format("\\x{:02x}", cp));
      changed = true;
    } else if (is_hidden_code_point(cp)) {
      out(fmt::format("\\u{:04x}", cp));
      changed = true;
    } else {
      out(std::string(s.substr(i, n)));
    }
    i += n;
  }
  return changed;
}

}  // namespace

std::string visible(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  walk(s, [&](const std::string& piece) { o += piece; });
  return o;
}

bool needs_escape(std::string_view s) {
  return walk(s, [](const std::string&) {});
}

std::string markdown_prose(std::string_view s, bool in_table) {
  std::string out;
  out.reserve(s.size());
  for (char c : visible(s)) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '|':
        out += in_table ? "\\|" : "|";
        break;
      case '*':
        out += "\\*";
        break;
      case '`':
        out += "\\`";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The fence is longer than any backtick run inside, padded when the text starts
// or ends with a backtick; `|` is escaped inside tables (GFM splits cells before
// parsing code spans).
std::string markdown_code(std::string_view s, bool in_table) {
  if (s.empty()) return "(empty)";
  const std::string v = visible(s);
  size_t run = 0, longest = 0;
  for (char c : v) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  std::string body;
  body.reserve(v.size());
  for (char c : v) {
    if (c == '|' && in_table)
      body += "\\|";
    else
      body += c;
  }
  const bool pad = body.front() == '`' || body.back() == '`' || (body.front() == ' ' && body.back() == ' ');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string escape_html(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : visible(s)) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string escape_json_for_html(std::string_view json_text) {
  std::string o;
  o.reserve(json_text.size() + 64);
  for (size_t i = 0; i < json_text.size(); ++i) {
    const char c = json_text[i];
    if (c == '<') {
      o += "\\u003c";
    } else if (c == '>') {
      o += "\\u003e";
    } else if (c == '&') {
      o += "\\u0026";
    } else if (c == '\xE2' && i + 2 < json_text.size() && json_text[i + 1] == '\x80' &&
               (json_text[i + 2] == '\xA8' || json_text[i + 2] == '\xA9')) {
      o += json_text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      o += c;
    }
  }
  return o;
}

}  // namespace reprobe
