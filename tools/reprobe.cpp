// reprobe: capture, rebuild and replay deferred-probe sequences.
// git/perf-style verbs; fatal user errors are reported once, here.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "tools/commands.h"

namespace {

struct Verb {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

int not_built(const char* verb, const char* issue) {
  std::cerr << "reprobe " << verb << ": not built yet (" << issue << ")\n";
  return 2;
}

const Verb kVerbs[] = {
    {"replay", "re-run a trace under trigger policies: would the card have bound?", reprobe::cmd_replay},
    {"record", "capture probe/deferral/trigger events with eBPF into a trace", reprobe::cmd_record},
    {"import", "build a trace from kernel logs attached to bug reports", reprobe::cmd_import},
    {"explore", "search the interleavings a trace allows for stranding schedules",
     [](const std::vector<std::string>&) { return not_built("explore", "explorer issue"); }},
    {"report", "a report for bug trackers: verdicts, the stock outcome in plain words (Markdown, HTML, text)",
     reprobe::cmd_report},
    {"export", "export a trace (and replayed policies) as Chrome trace JSON for Perfetto", reprobe::cmd_export},
    {"preload", "LD_PRELOAD view of the replayed card for alsa-lib/libudev clients",
     [](const std::vector<std::string>&) { return not_built("preload", "preload issue"); }},
};

void usage(std::ostream& os) {
  os << "usage: reprobe <verb> [options]\n\n"
        "Capture, rebuild and replay Linux deferred-probe sequences (Intel SOF/HDA sound cards\n"
        "that never appear) under candidate driver-core trigger policies.\n\nverbs:\n";
  for (const auto& v : kVerbs) os << "  " << v.name << std::string(10 - std::string(v.name).size(), ' ') << v.summary << "\n";
  os << "\nexamples:\n"
        "  reprobe replay examples/sof-late-component.trace --all-policies\n"
        "  reprobe replay capture.trace --policy stock --policy provider-kick --format json -o verdict.json\n"
        "  sudo reprobe record -o capture.trace --replug snd_sof_pci_intel_tgl\n"
        "\n'reprobe <verb> --help' shows the options of one verb.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  const std::string verb = argv[1];
  if (verb == "--help" || verb == "-h" || verb == "help") {
    usage(std::cout);
    return 0;
  }
  if (verb == "--version") {
    std::cout << "reprobe 0.1.0\n";
    return 0;
  }
  for (const auto& v : kVerbs)
    if (verb == v.name) {
      std::vector<std::string> args(argv + 2, argv + argc);
      try {
        return v.run(args);
      } catch (const boost::program_options::error& e) {
        std::cerr << "reprobe " << verb << ": " << e.what() << "\n(see 'reprobe " << verb << " --help')\n";
        return 2;
      }
    }
  std::cerr << "reprobe: unknown verb '" << verb << "'\n\n";
  usage(std::cerr);
  return 2;
}
