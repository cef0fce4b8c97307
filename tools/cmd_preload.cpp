// reprobe preload TRACE [--policy P] [--target DEV] [--at T] [--speed X] [-v] -- COMMAND [ARGS...]
// (docs/preload.md): COMMAND runs in a umockdev testbed where the trace's sound card appears when
// the replay under P says it binds. The work is in tools/preload/.
#include <algorithm>
#include <iostream>

#include <boost/program_options.hpp>

#include "replayer/trace/visible.h"
#include "tools/commands.h"
#include "tools/preload/card_timeline.h"
#include "tools/preload/preload_session.h"
#include "tools/preload/sound_card.h"
#include "tools/trace_verb.h"

namespace po = boost::program_options;

namespace reprobe {

namespace {

struct PreloadArgs {
  std::string trace_path, policy = "stock", kernel = "auto", target, at;
  double speed = 1;
  bool verbose = false, help = false;
  std::vector<std::string> command;
};

po::options_description preload_options(PreloadArgs& a) {
  po::options_description opts("reprobe preload options");
  opts.add_options()("help,h", "show this help")(
      "policy,p", po::value(&a.policy), "trigger policy the card follows (default stock), e.g. component-kick")(
      "kernel,k", po::value(&a.kernel),
      "kernel profile: auto (from the trace header), 5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12")(
      "target,t", po::value(&a.target), "the card's device when the trace has several")(
      "at", po::value(&a.at), "start COMMAND at this time of the trace's clock (16.4s, 16400ms); default: its origin")(
      "speed", po::value(&a.speed), "trace seconds per wall second (default 1; 10 runs ten times faster)")(
      "verbose,v", "print each change of the testbed with replay and wall time");
  return opts;
}

void usage(const po::options_description& opts) {
  std::cout << "usage: reprobe preload TRACE [options] -- COMMAND [ARGS...]\n\n"
               "Run COMMAND (aplay -l, a udev client, a sound server) in a umockdev testbed where the\n"
               "trace's sound card appears when the replay under --policy says it binds, with the add\n"
               "uevents a kernel sends; never under a policy that leaves it stranded.\n\n"
            << opts
            << "\nexit status: COMMAND's own; 2 bad input or usage (no sound card in the trace, unknown policy,\n"
               "COMMAND not found)\n"
               "\nexamples:\n"
               "  reprobe preload examples/sof-late-component.trace -p component-kick --at 16.3s -- aplay -l\n"
               "  reprobe preload capture.trace -p stock:timeout=10 --speed 4 -v -- pulseaudio -n -F my.pa\n";
}

// Parses everything before "--"; the rest is COMMAND. False (error printed) on bad usage.
bool parse_preload_args(const std::vector<std::string>& args, PreloadArgs& a, po::options_description& opts) {
  const auto dash = std::find(args.begin(), args.end(), "--");
  const std::vector<std::string> own(args.begin(), dash);
  if (dash != args.end()) a.command.assign(dash + 1, args.end());
  const po::variables_map vm = parse_trace_verb_args(own, opts, a.trace_path);
  a.help = vm.count("help") > 0;
  a.verbose = vm.count("verbose") > 0;
  if (a.help) return true;
  if (a.command.empty()) {
    std::cerr << "reprobe preload: no COMMAND: put it after '--' (see 'reprobe preload --help')\n";
    return false;
  }
  if (!(a.speed > 0 && a.speed <= 1000)) {
    std::cerr << "reprobe preload: --speed must be above 0 and at most 1000, not " << a.speed << "\n";
    return false;
  }
  return true;
}

// The first probe_start driver of the target: the driver the replay binds.
std::string driver_of(const Trace& trace, DevId target) {
  for (const auto& e : trace.events)
    if (e.dev == target && e.kind == EventKind::probe_start && e.drv) return std::string(trace.str(e.drv));
  return {};
}

void print_plan(const PreloadPlan& plan) {
  const auto secs = [](uint64_t ns) { return std::to_string(static_cast<double>(ns) / 1e9) + " s"; };
  std::cerr << "reprobe preload: card " << plan.card.id << " from " << plan.card.origin << "\n"
            << "reprobe preload: policy " << plan.timeline.policy << ": "
            << (plan.timeline.events.empty() ? plan.timeline.verdict_note
                                             : "the card appears at " + secs(plan.timeline.events[0].t))
            << "; COMMAND starts at " << secs(plan.start) << ", speed " << plan.speed << "\n";
}

}  // namespace

int cmd_preload(const std::vector<std::string>& args) {
  PreloadArgs a;
  auto opts = preload_options(a);
  if (!parse_preload_args(args, a, opts)) return 2;
  if (a.help) {
    usage(opts);
    return 0;
  }
  // Everything below runs once, in the process that umockdev's preload library is loaded into
  // (the process that sends uevents must be preloaded itself).
  if (!umockdev_preload_loaded()) {
    std::vector<std::string> argv{"reprobe", "preload"};
    argv.insert(argv.end(), args.begin(), args.end());
    const Error failed = reexec_under_umockdev_preload(argv);  // returns only on failure
    std::cerr << "reprobe preload: " << failed.str() << "\n";
    return 2;
  }
  PreloadPlan plan;
  plan.speed = a.speed;
  plan.verbose = a.verbose;
  if (!a.at.empty()) {
    auto at = parse_trace_time(a.at);
    if (!at) {
      std::cerr << "reprobe preload: " << at.error().str() << "\n";
      return 2;
    }
    plan.start = *at;
  }
  auto command = resolve_command(a.command[0]);
  if (!command) {
    std::cerr << "reprobe preload: " << command.error().str() << "\n";
    return 2;
  }
  const auto trace = load_trace_arg("preload", a.trace_path);
  if (!trace) return 2;
  ReplayOptions ro;
  ro.policies = {a.policy};
  ro.kernel = a.kernel;
  if (!a.target.empty()) ro.targets = {a.target};
  auto rep = replay_trace("preload", *trace, ro);
  if (!rep) return 2;
  if (rep->targets.size() != 1 || rep->verdicts.size() != 1) {
    std::cerr << "reprobe preload: " << visible(trace->path) << ": " << rep->targets.size()
              << " sound card devices; choose one with --target\n";
    return 2;
  }
  const DevId target = rep->targets[0];
  auto card = describe_sound_card(*trace, target, driver_of(*trace, target));
  if (!card) {
    std::cerr << "reprobe preload: " << card.error().str() << "\n";
    return 2;
  }
  plan.card = std::move(*card);
  plan.timeline = card_timeline(*trace, rep->verdicts[0], target);
  if (a.at.empty()) plan.start = plan.timeline.origin;
  plan.command = a.command;
  if (plan.verbose) print_plan(plan);
  auto status = run_preload(plan, std::cerr);
  if (!status) {
    std::cerr << "reprobe preload: " << status.error().str() << "\n";
    return 2;
  }
  return *status;
}

}  // namespace reprobe
