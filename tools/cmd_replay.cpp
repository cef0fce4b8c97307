// reprobe replay TRACE [--policy P]... [--all-policies] [--kernel K]
//                [--target DEV]... [--format text|json|markdown] [-o FILE]
//                [--fail-if-stranded]
#include <iostream>

#include "replayer/model/policy.h"
#include "replayer/report/replay_output.h"
#include "replayer/verdict/replay.h"
#include "tools/commands.h"
#include "tools/trace_verb.h"

namespace reprobe {

int cmd_replay(const std::vector<std::string>& args) {
  TraceVerbArgs a("replay");
  a.add_policies("policy to replay (repeatable), e.g. stock, provider-kick, stock:timeout=30, periodic:500",
                 "replay every policy of the catalogue")
      .add_kernel("kernel profile: auto (from the trace header), 5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12")
      .add_targets(
          "target device (repeatable); default: every device that registered or tried to register a sound card")
      .add_format({"text", "json", "markdown"}, "output format: text, json, markdown")
      .add_output()
      .add_switch("fail-if-stranded", "exit 1 when a target stays unbound under any replayed policy");
  a.parse(args);
  if (a.help()) {
    std::cout << "usage: reprobe replay TRACE [options]\n\n"
                 "Rebuild the probe sequence of TRACE and re-run it in a deterministic model of the\n"
                 "driver core under trigger policies: would the card have bound, when, and why not.\n\n"
              << a.options() << "\npolicies:\n";
    for (const auto& p : policy_catalog())
      std::cout << "  " << p.name << std::string(16 - p.name.size(), ' ') << p.summary << "\n";
    std::cout << "  parameters: timeout=S (deferred_probe_timeout), extend=0|1, race_fix=0|1, periodic ms=N\n"
                 "\nexit status: 0 analysis done, 1 target stranded (with --fail-if-stranded), 2 bad input or usage\n"
                 "\nexamples:\n"
                 "  reprobe replay examples/sof-late-component.trace --all-policies\n"
                 "  reprobe replay capture.trace -p stock -p component-kick -f json -o verdict.json\n"
                 "  reprobe replay capture.trace --kernel 5.10 -p stock:timeout=30 --target skl_hda_dsp_generic\n";
    return 0;
  }
  if (!a.format_ok()) return 2;
  const auto trace = a.load_trace();
  if (!trace) return 2;
  auto rep = a.replay(*trace, a.replay_options());
  if (!rep) return 2;
  const std::string& format = a.format();
  const std::string text = format == "json"       ? format_json(*rep)
                           : format == "markdown" ? format_markdown(*rep)
                                                  : format_text(*rep);
  if (!a.write_output([&](std::ostream& os) { os << text; })) return 2;
  if (a.has("fail-if-stranded"))
    for (const auto& v : rep->verdicts)
      if (v.verdict == Verdict::stranded) return 1;  // undetermined is not a failure
  return 0;
}

}  // namespace reprobe
