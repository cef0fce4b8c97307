// The one place where strings that come from a trace (device, driver, DAI and
// firmware names, deferral reasons, the kernel command line, ...) are escaped
// for an output format. A trace is untrusted input: a name may hold a line
// break that forges a table row, an ESC sequence that retitles or clears the
// terminal, or a bidi control (U+202E) that reverses what a reader sees.
// visible() turns every such character into a visible escape; the format
// helpers build on it, so every renderer (text, Markdown, HTML, the JSON data
// of the HTML report, the Perfetto export through ScrubCache) shows the same
// escapes. docs/report.md ("Escaping") lists them.
#pragma once

#include <string>
#include <string_view>

namespace reprobe {

// Text and terminal output: C0 controls and DEL as \n, \r, \t or \xNN; C1
// controls (U+0080-U+009F) and the bidi controls U+202A-U+202E, U+2066-U+2069,
// U+200E, U+200F, U+061C, plus U+2028/U+2029 as \uXXXX; bytes that are not
// UTF-8 as \xNN. Everything else is kept, backslashes included, so visible()
// is idempotent.
std::string visible(std::string_view s);

// True when visible() would change `s` (a raw control, bidi or invalid byte).
bool needs_escape(std::string_view s);

// Markdown prose: visible(), then the characters that would turn into markup.
std::string markdown_prose(std::string_view s, bool in_table);
// A Markdown code span showing visible(s) verbatim ("(empty)" for "").
std::string markdown_code(std::string_view s, bool in_table);

// HTML text or attribute value: visible(), then & < > " '.
std::string escape_html(std::string_view s);

// JSON text placed inside <script>: < > & and U+2028/U+2029 as \uXXXX escapes
// (no string can close the script element). Strings in the data should have
// gone through visible() already (ScrubCache does).
std::string escape_json_for_html(std::string_view json_text);

}  // namespace reprobe
