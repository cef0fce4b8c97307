// reprobe export --perfetto TRACE [-o FILE] [--policy P]... [--all-policies]
//                [--kernel K] [--no-redact]
// Chrome trace-event JSON for ui.perfetto.dev (docs/perfetto.md): the observed
// capture, plus the replayed timeline of each policy asked for.
#include <iostream>

#include <boost/program_options.hpp>

#include "replayer/perfetto_export.h"
#include "replayer/redact.h"
#include "replayer/replay.h"
#include "replayer/timeline.h"
#include "replayer/trace_reader.h"
#include "replayer/trace_writer.h"
#include "tools/commands.h"
#include "tools/trace_verb.h"

namespace po = boost::program_options;

namespace reprobe {

int cmd_export(const std::vector<std::string>& args) {
  po::options_description opts("reprobe export options");
  std::vector<std::string> policies, targets;
  std::string kernel = "auto", output = "-", trace_path;
  opts.add_options()
      ("help,h", "show this help")
      ("perfetto", "write Chrome trace-event JSON for ui.perfetto.dev / chrome://tracing (the only export format)")
      ("policy,p", po::value(&policies)->composing(), "also export the replayed timeline of this policy (repeatable), e.g. stock, component-kick")
      ("all-policies,a", "export the replayed timeline of every policy of the catalogue")
      ("kernel,k", po::value(&kernel), "kernel profile for the replays: auto (from the trace header), 5.10, 6.1, 6.6, 6.12")
      ("target,t", po::value(&targets)->composing(), "device whose verdict the replays report (repeatable); default: the sound-card devices, if any (a trace without one still exports)")
      ("output,o", po::value(&output), "write to FILE instead of stdout (written atomically)")
      ("no-redact", "keep host names, user names, serials and MAC addresses (default: redacted)");
  const po::variables_map vm = parse_trace_verb_args(args, opts, trace_path);
  if (vm.count("help")) {
    std::cout << "usage: reprobe export --perfetto TRACE [options]\n\n"
                 "Export the probe timeline of TRACE (and of replayed policies) as Chrome trace-event JSON:\n"
                 "one track per device, probe attempts as slices, deferrals as instants with their reason,\n"
                 "trigger -> retry as flow arrows, firmware request -> callback as async spans.\n"
                 "Open the file in https://ui.perfetto.dev (it is processed locally) or chrome://tracing.\n\n"
              << opts
              << "\nexit status: 0 written, 2 bad input or usage\n"
                 "\nexamples:\n"
                 "  reprobe export --perfetto capture.trace -o capture.perfetto.json\n"
                 "  reprobe export --perfetto capture.trace -p stock -p component-kick -o compare.json\n";
    return 0;
  }
  if (!vm.count("perfetto")) {
    std::cerr << "reprobe export: say which format: --perfetto (see 'reprobe export --help')\n";
    return 2;
  }
  const auto trace = load_trace_arg("export", trace_path);
  if (!trace) return 2;
  ReplayOptions ro;
  ro.policies = policies;
  ro.all_policies = vm.count("all-policies") > 0;
  ro.kernel = kernel;
  ro.keep_timelines = true;
  ro.targets = targets;
  ro.require_target = false;  // a timeline needs no target
  const bool replays_wanted = !policies.empty() || ro.all_policies;
  auto rep = replay_trace("export", *trace, ro);
  if (!rep) return 2;
  // Without --policy, replay() still runs stock (it needs the verdicts); only the capture is exported.
  if (!replays_wanted)
    for (auto& v : rep->verdicts) v.timeline.clear();
  const TimelineModel tm = build_timeline(*rep, *trace);
  ReportOptions ropt;
  ropt.redact = vm.count("no-redact") == 0;
  if (ropt.redact) {
    const RedactOptions here = redact_options_for_this_machine();
    ropt.host_names = here.host_names;
    ropt.user_names = here.user_names;
  }
  auto w = write_file_atomically(output, [&](std::ostream& os) { write_perfetto_json(os, tm, *rep, *trace, ropt); });
  if (!w) {
    std::cerr << "reprobe export: " << w.error().str() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace reprobe
