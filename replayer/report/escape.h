// The one place where strings that come from a trace (device, driver, DAI and
// firmware names, deferral reasons, the kernel command line, ...) are escaped
// for an output format. A trace is untrusted input: a name may hold a line
// break that forges a table row, an ESC sequence that retitles or clears the
// terminal, or a bidi control (U+202E) that reverses what a reader sees.
// visible() (replayer/trace/visible.h, the single helper, which errors use for
// file names too) turns every such character into a visible escape; the format
// helpers here build on it, so every renderer (text, Markdown, HTML, the JSON
// data of the HTML report, the Perfetto export through ScrubCache) shows the
// same escapes. docs/report.md ("Escaping") lists them.
#pragma once

#include <string>
#include <string_view>

#include "replayer/trace/visible.h"

namespace reprobe {

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
