// reprobe export --perfetto TRACE [-o FILE] [--policy P]... [--all-policies]
//                [--kernel K] [--no-redact]
// Chrome trace-event JSON for ui.perfetto.dev (docs/perfetto.md): the observed
// capture, plus the replayed timeline of each policy asked for.
#include <iostream>

#include "replayer/timeline/perfetto_export.h"
#include "replayer/timeline/timeline.h"
#include "replayer/verdict/replay.h"
#include "tools/commands.h"
#include "tools/trace_verb.h"

namespace reprobe {

int cmd_export(const std::vector<std::string>& args) {
  TraceVerbArgs a("export");
  a.add_switch("perfetto",
               "write Chrome trace-event JSON for ui.perfetto.dev / chrome://tracing (the only export format)")
      .add_policies("also export the replayed timeline of this policy (repeatable), e.g. stock, component-kick",
                    "export the replayed timeline of every policy of the catalogue")
      .add_kernel(
          "kernel profile for the replays: auto (from the trace header), 5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12")
      .add_targets(
          "device whose verdict the replays report (repeatable); default: the sound-card devices, if any (a trace "
          "without one still exports)")
      .add_output()
      .add_no_redact("keep host names, user names, serials and MAC addresses (default: redacted)");
  a.parse(args);
  if (a.help()) {
    std::cout << "usage: reprobe export --perfetto TRACE [options]\n\n"
                 "Export the probe timeline of TRACE (and of replayed policies) as Chrome trace-event JSON:\n"
                 "one track per device, probe attempts as slices, deferrals as instants with their reason,\n"
                 "trigger -> retry as flow arrows, firmware request -> callback as async spans.\n"
                 "Open the file in https://ui.perfetto.dev (it is processed locally) or chrome://tracing.\n\n"
              << a.options()
              << "\nexit status: 0 written, 2 bad input or usage\n"
                 "\nexamples:\n"
                 "  reprobe export --perfetto capture.trace -o capture.perfetto.json\n"
                 "  reprobe export --perfetto capture.trace -p stock -p component-kick -o compare.json\n";
    return 0;
  }
  if (!a.has("perfetto")) {
    std::cerr << "reprobe export: say which format: --perfetto (see 'reprobe export --help')\n";
    return 2;
  }
  const auto trace = a.load_trace();
  if (!trace) return 2;
  ReplayOptions ro = a.replay_options();
  ro.keep_timelines = true;
  ro.require_target = false;  // a timeline needs no target
  const bool replays_wanted = !ro.policies.empty() || ro.all_policies;
  auto rep = a.replay(*trace, ro);
  if (!rep) return 2;
  // Without --policy, replay() still runs stock (it needs the verdicts); only the capture is exported.
  if (!replays_wanted)
    for (auto& v : rep->verdicts) v.timeline.clear();
  const TimelineModel tm = build_timeline(*rep, *trace);
  const ReportOptions ropt = a.report_options();
  return a.write_output([&](std::ostream& os) { write_perfetto_json(os, tm, *rep, *trace, ropt); }) ? 0 : 2;
}

}  // namespace reprobe
