// Escaping per output format (see escape.h).
#include "replayer/report/escape.h"

#include <algorithm>

namespace reprobe {

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
