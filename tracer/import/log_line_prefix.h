// Timestamp and prefix normalisation of one kernel-log line, for every way a
// log reaches a bug tracker: dmesg (padded or collapsed `[ 4.3]`, `-d` deltas,
// `-t` none, `--time-format iso`, `-T` ctime, `-x` facility:level, `-r`
// `<6>`), syslog/kern.log and journalctl short (any month-name language),
// journalctl short-monotonic, /dev/kmsg records (`6,123,4305403,-;`),
// printk caller ids (`[T123]`), HTML markup and entities, e-mail quoting.
// No regex: a few byte comparisons per line (this runs on every input line).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reprobe {

struct LinePrefix {
  std::optional<uint64_t> mono_ns;  // [seconds.fraction] since boot (dmesg, kmsg, short-monotonic)
  std::optional<int64_t> wall_ns;   // wall clock (syslog, journal short, ISO, ctime): only differences are used
  bool wall_has_date = false;       // wall_ns includes a full date (ISO, ctime) rather than month/day only
  std::string_view host;            // syslog/journal host name
  std::string_view msg;             // the message after every prefix
  int level = -1;                   // console level 0..7 when the prefix shows it
  bool kmsg = false;                // /dev/kmsg record
  bool syslog = false;              // syslog / journal line
  bool non_kernel = false;          // syslog line of another program (not `kernel:`)
  bool dmesg_x = false;             // `kern  :info  : ` prefix
};

// Parses the prefixes of `line` (already without '\n'/'\r', HTML cleaned).
// Never fails: a line without any prefix has only `msg` set.
void parse_line_prefix(std::string_view line, LinePrefix& out);

// The latest time a log line may give: 2^62 ns (about 146 years of uptime), the latest a
// trace may hold (ReadLimits::max_time_ns, checked against it in log_importer_impl.h).
inline constexpr uint64_t kMaxLogTimeNs = uint64_t{1} << 62;

// "[    4.305403]" / "[ 34.7]" / "[ 4.475548 < 0.000350>]" at the start of s:
// the time in ns and the length consumed (0 if s does not start with one, or with one
// later than kMaxLogTimeNs).
size_t parse_bracket_time(std::string_view s, uint64_t& ns);
// True when s starts with a "[...]" that is meant as a timestamp but is not one
// parse_bracket_time() reads: seconds past kMaxLogTimeNs (4611686018.427387904), a sign,
// "nan", "inf", a fraction followed by garbage ("[12.5x]"). "[123]" (a pid) and "[drm]" are not.
bool is_bad_timestamp(std::string_view s);

// Offsets (> 0) where another "[   time]" prefix starts inside `line`: a
// console echo in front of a message, or a whole log flattened onto one line.
void find_embedded_timestamps(std::string_view line, std::vector<size_t>& offsets);

// True when the line holds HTML markup or entities worth cleaning.
bool has_html(std::string_view line);
// Removes HTML tags (<br>, <pre>, <span ...>, </code>, ...) and decodes
// entities (&lt; &gt; &amp; &quot; &#39; &nbsp; &#NN; &#xNN;) into `out`.
void clean_html(std::string_view line, std::string& out);

// Strips e-mail quoting ("> ", ">> ", "> > ").
std::string_view strip_mail_quote(std::string_view line);

// "...", "[...]", "[ ... ]", "<snip>", "[snip]", "--- snip ---", "(...)": an elided part of the log.
bool is_elision(std::string_view msg);

}  // namespace reprobe
