// reprobe replay TRACE [--policy P]... [--all-policies] [--kernel K]
//                [--target DEV]... [--format text|json|markdown] [-o FILE]
//                [--fail-if-stranded]
#include <iostream>

#include <boost/program_options.hpp>

#include "replayer/policy.h"
#include "replayer/replay.h"
#include "replayer/trace_reader.h"
#include "replayer/trace_writer.h"
#include "tools/commands.h"
#include "tools/trace_verb.h"

namespace po = boost::program_options;

namespace reprobe {

int cmd_replay(const std::vector<std::string>& args) {
  po::options_description opts("reprobe replay options");
  std::vector<std::string> policies, targets;
  std::string kernel = "auto", format = "text", output = "-", trace_path;
  opts.add_options()
      ("help,h", "show this help")
      ("policy,p", po::value(&policies)->composing(), "policy to replay (repeatable), e.g. stock, provider-kick, stock:timeout=30, periodic:500")
      ("all-policies,a", "replay every policy of the catalogue")
      ("kernel,k", po::value(&kernel), "kernel profile: auto (from the trace header), 5.10, 6.1, 6.6, 6.12")
      ("target,t", po::value(&targets)->composing(), "target device (repeatable); default: every device that registered or tried to register a sound card")
      ("format,f", po::value(&format), "output format: text, json, markdown")
      ("output,o", po::value(&output), "write to FILE instead of stdout (written atomically)")
      ("fail-if-stranded", "exit 1 when a target stays unbound under any replayed policy");
  const po::variables_map vm = parse_trace_verb_args(args, opts, trace_path);
  if (vm.count("help")) {
    std::cout << "usage: reprobe replay TRACE [options]\n\n"
                 "Rebuild the probe sequence of TRACE and re-run it in a deterministic model of the\n"
                 "driver core under trigger policies: would the card have bound, when, and why not.\n\n"
              << opts
              << "\npolicies:\n";
    for (const auto& p : policy_catalog()) std::cout << "  " << p.name << std::string(16 - p.name.size(), ' ') << p.summary << "\n";
    std::cout << "  parameters: timeout=S (deferred_probe_timeout), extend=0|1, race_fix=0|1, periodic ms=N\n"
                 "\nexit status: 0 analysis done, 1 target stranded (with --fail-if-stranded), 2 bad input or usage\n"
                 "\nexamples:\n"
                 "  reprobe replay examples/sof-late-component.trace --all-policies\n"
                 "  reprobe replay capture.trace -p stock -p component-kick -f json -o verdict.json\n"
                 "  reprobe replay capture.trace --kernel 5.10 -p stock:timeout=30 --target skl_hda_dsp_generic\n";
    return 0;
  }
  if (format != "text" && format != "json" && format != "markdown") {
    std::cerr << "reprobe replay: --format must be text, json or markdown, not '" << format << "'\n";
    return 2;
  }
  const auto trace = load_trace_arg("replay", trace_path);
  if (!trace) return 2;
  ReplayOptions ro;
  ro.policies = policies;
  ro.all_policies = vm.count("all-policies") > 0;
  ro.kernel = kernel;
  ro.targets = targets;
  auto rep = replay_trace("replay", *trace, ro);
  if (!rep) return 2;
  const std::string text = format == "json" ? format_json(*rep) : format == "markdown" ? format_markdown(*rep) : format_text(*rep);
  auto w = write_file_atomically(output, [&](std::ostream& os) { os << text; });
  if (!w) {
    std::cerr << "reprobe replay: " << w.error().str() << "\n";
    return 2;
  }
  if (vm.count("fail-if-stranded"))
    for (const auto& v : rep->verdicts)
      if (!v.target_bound) return 1;
  return 0;
}

}  // namespace reprobe
