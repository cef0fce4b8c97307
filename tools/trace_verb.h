// What the verbs that read one TRACE (replay, report, export) share: the
// positional TRACE argument, loading the trace with its warnings, and
// replaying it. Errors are printed here once, as "reprobe VERB: ..." or
// "path:line: ...", and the caller exits 2.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "replayer/replay.h"
#include "replayer/trace.h"

namespace reprobe {

// Parses args against opts plus one positional TRACE (stored in trace_path).
boost::program_options::variables_map parse_trace_verb_args(const std::vector<std::string>& args,
                                                            const boost::program_options::options_description& opts,
                                                            std::string& trace_path);

// Reads the TRACE argument strictly and prints the reader's warnings; nullptr
// (error printed) when it is missing or bad. The trace lives on the heap so
// that models built from it can keep pointers to it.
std::unique_ptr<Trace> load_trace_arg(std::string_view verb, const std::string& trace_path);

// replay() with its warnings printed; nullopt (error printed) on failure.
std::optional<ReplayReport> replay_trace(std::string_view verb, const Trace& trace, const ReplayOptions& options);

}  // namespace reprobe
