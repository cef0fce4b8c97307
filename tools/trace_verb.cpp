#include "tools/trace_verb.h"

#include <iostream>

#include "replayer/trace_reader.h"

namespace po = boost::program_options;

namespace reprobe {

po::variables_map parse_trace_verb_args(const std::vector<std::string>& args, const po::options_description& opts,
                                        std::string& trace_path) {
  po::options_description hidden;
  hidden.add_options()("trace", po::value(&trace_path));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

std::unique_ptr<Trace> load_trace_arg(std::string_view verb, const std::string& trace_path) {
  if (trace_path.empty()) {
    std::cerr << "reprobe " << verb << ": missing TRACE (see 'reprobe " << verb << " --help')\n";
    return nullptr;
  }
  auto trace = read_trace_file(trace_path);
  if (!trace) {
    std::cerr << trace.error().str() << "\n";
    return nullptr;
  }
  for (const auto& w : trace->warnings) std::cerr << "warning: " << w << "\n";
  return std::make_unique<Trace>(std::move(*trace));
}

std::optional<ReplayReport> replay_trace(std::string_view verb, const Trace& trace, const ReplayOptions& options) {
  auto rep = replay(trace, options);
  if (!rep) {
    std::cerr << "reprobe " << verb << ": " << rep.error().str() << "\n";
    return std::nullopt;
  }
  for (const auto& w : rep->warnings) std::cerr << "warning: " << w << "\n";
  return std::move(*rep);
}

}  // namespace reprobe
