// What the verbs that read one TRACE (replay, report, export) share: the
// positional TRACE argument and the options they have in common (policies,
// kernel, targets, format, output, redaction) with their reading, loading the
// trace with its warnings, replaying it and writing the result. Each verb
// declares the shared options in its own order and words (TraceVerbArgs), so
// its --help stays its own. Errors are printed here once, as
// "reprobe VERB: ..." or "path:line: ...", and the caller exits 2.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "replayer/report/report_options.h"
#include "replayer/trace/trace.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

// Parses args against opts plus one positional TRACE (stored in trace_path).
boost::program_options::variables_map parse_trace_verb_args(const std::vector<std::string>& args,
                                                            const boost::program_options::options_description& opts,
                                                            std::string& trace_path);

// Reads the TRACE argument strictly ("-": stdin) and prints the reader's warnings, and a
// warning when TRACE looks like the temporary file of an interrupted write (NAME.tmp.PID);
// nullptr (error printed) when it is missing or bad. The trace lives on the heap so
// that models built from it can keep pointers to it.
std::unique_ptr<Trace> load_trace_arg(std::string_view verb, const std::string& trace_path);

// replay() with its warnings printed; nullopt (error printed) on failure.
std::optional<ReplayReport> replay_trace(std::string_view verb, const Trace& trace, const ReplayOptions& options);

// The command line of one trace verb: "-h/--help" first, then the shared
// options in the order the verb adds them, each with the verb's own help text;
// Boost.Program_options parses (its errors propagate to tools/reprobe.cpp).
// Not copyable: the options write into this object.
class TraceVerbArgs {
 public:
  explicit TraceVerbArgs(std::string verb);  // options caption "reprobe VERB options"
  TraceVerbArgs(const TraceVerbArgs&) = delete;
  TraceVerbArgs& operator=(const TraceVerbArgs&) = delete;

  // -p/--policy P (repeatable) and -a/--all-policies.
  TraceVerbArgs& add_policies(const char* policy_help, const char* all_policies_help);
  // -k/--kernel K (default auto).
  TraceVerbArgs& add_kernel(const char* help);
  // -t/--target DEV (repeatable).
  TraceVerbArgs& add_targets(const char* help);
  // -f/--format F, one of `formats`; the first is the default.
  TraceVerbArgs& add_format(std::vector<std::string> formats, const char* help);
  // -o/--output FILE (default stdout), written atomically.
  TraceVerbArgs& add_output();
  // --no-redact.
  TraceVerbArgs& add_no_redact(const char* help);
  // Any other switch (e.g. --perfetto, --fail-if-stranded); see has().
  TraceVerbArgs& add_switch(const char* name, const char* help);
  // Any other option with a string value (e.g. report's --explore FILE), parsed into `into`.
  TraceVerbArgs& add_string(const char* name, std::string& into, const char* help);

  // Parses args (TRACE is the one positional argument) and installs the interrupt cleanup
  // for the --output FILE (tools/output_guard.h).
  void parse(const std::vector<std::string>& args);
  bool help() const { return has("help"); }
  bool has(const char* option) const { return vm_.count(option) > 0; }
  const boost::program_options::options_description& options() const { return opts_; }

  // The --format given is one of add_format's; else "reprobe VERB: --format
  // must be A, B or C, not 'X'" is printed and false returned.
  bool format_ok() const;
  const std::string& format() const { return format_; }
  const std::vector<std::string>& policies() const { return policies_; }

  // policies, all_policies, kernel and targets as given.
  ReplayOptions replay_options() const;
  // Redacted unless --no-redact, then also this machine's host and user names.
  ReportOptions report_options() const;

  // load_trace_arg / replay_trace for this verb; load_trace also refuses an --output that is
  // the TRACE itself ("reprobe VERB: -o FILE is an input", nullptr).
  std::unique_ptr<Trace> load_trace() const;
  std::optional<ReplayReport> replay(const Trace& trace, const ReplayOptions& options) const {
    return replay_trace(verb_, trace, options);
  }
  // Writes the --output FILE atomically (or stdout); false (error printed) on failure.
  bool write_output(const std::function<void(std::ostream&)>& body) const;

 private:
  std::string verb_;
  boost::program_options::options_description opts_;
  boost::program_options::variables_map vm_;
  std::string trace_path_;
  std::vector<std::string> policies_, targets_, formats_;
  std::string kernel_ = "auto", format_, output_ = "-";
};

}  // namespace reprobe
