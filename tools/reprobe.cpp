// reprobe: capture, rebuild and replay deferred-probe sequences.
// git/perf-style verbs; fatal user errors are reported once, here.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "tools/commands.h"

namespace {

struct Verb {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

#ifdef REPROBE_HAVE_CAPTURE
constexpr bool kHaveCapture = true;
#else
constexpr bool kHaveCapture = false;
int record_not_in_build(const std::vector<std::string>&) {
  std::cerr << "reprobe record: this reprobe was built without the capture side (-Dcapture=disabled); "
               "rebuild with -Dcapture=enabled (needs libbpf, clang, bpftool, libudev, alsa-lib)\n";
  return 2;
}
#endif
#ifdef REPROBE_HAVE_PRELOAD
constexpr bool kHavePreload = true;
#else
constexpr bool kHavePreload = false;
int preload_not_in_build(const std::vector<std::string>&) {
  std::cerr << "reprobe preload: this reprobe was built without the preload testbed (-Dpreload=disabled, or "
               "-Dcapture=disabled with -Dpreload=auto); rebuild with -Dpreload=enabled (needs umockdev, "
               "libumockdev-dev, glib)\n";
  return 2;
}
#endif

const Verb kVerbs[] = {
    {"replay", "re-run a trace under trigger policies: would the card have bound?", reprobe::cmd_replay},
#ifdef REPROBE_HAVE_CAPTURE
    {"record", "capture probe/deferral/trigger events with eBPF into a trace", reprobe::cmd_record},
#else
    {"record", "(not in this build: -Dcapture=disabled)", record_not_in_build},
#endif
#ifdef REPROBE_HAVE_CAPTURE
    {"boot", "record the next boots from before udev (installs a systemd unit)", reprobe::cmd_boot},
#endif
    {"import", "build a trace from kernel logs attached to bug reports", reprobe::cmd_import},
    {"report", "a report for bug trackers: verdicts, the stock outcome in plain words (Markdown, HTML, text)",
     reprobe::cmd_report},
    {"export", "export a trace (and replayed policies) as Chrome trace JSON for Perfetto", reprobe::cmd_export},
#ifdef REPROBE_HAVE_PRELOAD
    {"preload", "run userspace (aplay, a sound server) in a testbed where the card appears as replayed",
     reprobe::cmd_preload},
#else
    {"preload", "(not in this build: -Dpreload=disabled)", preload_not_in_build},
#endif
    {"explore", "every schedule a trace allows, per policy: does the card bind in all of them?", reprobe::cmd_explore},
};

void usage(std::ostream& os) {
  os << "usage: reprobe <verb> [options]\n\n"
        "Capture, rebuild and replay Linux deferred-probe sequences (Intel SOF/HDA sound cards\n"
        "that never appear) under candidate driver-core trigger policies.\n\nverbs:\n";
  for (const auto& v : kVerbs) {
    if (!kHaveCapture && std::string_view(v.name) == "record") continue;
    if (!kHavePreload && std::string_view(v.name) == "preload") continue;
    os << "  " << v.name << std::string(10 - std::string(v.name).size(), ' ') << v.summary << "\n";
  }
  os << "\nexamples:\n"
        "  reprobe replay examples/sof-late-component.trace --all-policies\n"
        "  reprobe replay capture.trace --policy stock --policy provider-kick --format json -o verdict.json\n"
        "  sudo reprobe record -o capture.trace --replug snd_sof_pci_intel_tgl\n"
        "\n'reprobe <verb> --help' shows the options of one verb.\n";
}

int run(int argc, char** argv) {
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

}  // namespace

// The last-resort handler: a bug that escapes a verb as an exception is reported once, as an
// internal error, with exit status 2 (never an abort with a core dump).
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "reprobe: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "reprobe: internal error: unknown exception\n";
  }
  return 2;
}
