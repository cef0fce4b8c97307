// reprobe explore TRACE [--policy P]... [--all-policies] [--kernel K] [--target DEV]...
//                 [--jitter MS|KIND=MS|KIND=P%,...] [--max-schedules N] [--max-time S] [--max-memory MB] [--jobs N]
//                 [--format text|json] [-o FILE] [--counterexample-dir DIR] [--fail-if-not-robust]
//                 [--emit-promela FILE|DIR]
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <boost/program_options.hpp>

#include "replayer/explore/explore_output.h"
#include "replayer/explore/explorer.h"
#include "replayer/explore/happens_before.h"
#include "replayer/explore/promela_model.h"
#include "replayer/explore/schedule_trace.h"
#include "replayer/trace/trace_writer.h"
#include "tools/commands.h"
#include "tools/count_option.h"
#include "tools/output_guard.h"
#include "tools/trace_verb.h"

namespace reprobe {

namespace po = boost::program_options;

namespace {

struct ExploreArgs {
  std::vector<std::string> policies, targets;
  std::string kernel = "auto", format = "text", output = "-", cx_dir, trace_path, jitter = "1", promela;
  double max_time = 0;
  CountOption max_schedules;  // 0: no bound
  CountOption jobs{1};
  CountOption max_memory{2048};  // MiB of visited states per policy search; 0: no bound
};

po::options_description explore_options(ExploreArgs& a) {
  po::options_description o("reprobe explore options");
  o.add_options()("help,h", "show this help")(
      "policy,p", po::value(&a.policies)->composing(),
      "policy to explore (repeatable), e.g. stock, provider-kick, stock:timeout=30; default stock")(
      "all-policies,a", "explore every policy of the catalogue")(
      "kernel,k", po::value(&a.kernel), "kernel profile: auto, 5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12")(
      "target,t", po::value(&a.targets)->composing(), "target device (repeatable); default: the card devices")(
      "jitter,j", po::value(&a.jitter),
      "how much later than modelled an event may run: MS for every kind (default 1), or per kind "
      "KIND=MS or KIND=P% of the observed duration, comma-separated, after an optional MS for the others; "
      "kinds: probe, work, fw, task, timer (e.g. 1,work=2,fw=10%)")(
      "max-schedules", po::value(&a.max_schedules),
      "stop after this many complete runs per policy (default: no bound)")(
      "max-time", po::value(&a.max_time), "stop each policy's search after S seconds (default: no bound)")(
      "max-memory", po::value(&a.max_memory),
      "stop each policy's search when its visited states take MB MiB (default 2048; 0: no bound; each of "
      "--jobs searches has its own)")("jobs", po::value(&a.jobs), "policies explored in parallel (default 1)")(
      "format,f", po::value(&a.format), "output format: text, json")(
      "output,o", po::value(&a.output), "write to FILE instead of stdout (written atomically)")(
      "counterexample-dir", po::value(&a.cx_dir),
      "write each failing policy's counterexample there as a trace file (source explore) that replay, report "
      "and export accept")("fail-if-not-robust", "exit 1 when a policy strands a target in some schedule")(
      "no-timing", "print no wall-clock seconds (byte-identical output for the same inputs)")(
      "emit-promela", po::value(&a.promela),
      "instead of searching, write the same question as a Promela model for SPIN: to FILE for one policy, "
      "to DIR/POLICY.pml for several (docs/explore.md, \"Side by side with SPIN\")");
  return o;
}

void print_help(const po::options_description& o) {
  std::cout << "usage: reprobe explore TRACE [options]\n\n"
               "Run every schedule of TRACE's concurrent events that the jitter allows through the replay's\n"
               "simulator, per policy: does the card bind in all of them, and if not, the fewest reorderings\n"
               "of the observed schedule that strand it (docs/explore.md).\n\n"
            << o
            << "\nexit status: 0 analysis done, 1 a policy is not robust (with --fail-if-not-robust), 2 bad input "
               "or usage\n"
               "\nexamples:\n"
               "  reprobe explore examples/spdif-race.trace -p no-race-fix -p stock\n"
               "  reprobe explore capture.trace --all-policies --jobs 2 -f json -o explore.json\n"
               "  reprobe explore capture.trace -p stock --counterexample-dir cx/ && reprobe replay cx/stock.trace\n";
}

// The progress line on a terminal: stderr, drawn when the search starts and rewritten in place
// four times a second while it runs, erased when it ends; nothing at all when stderr is not a TTY (pipes, files,
// tests), so outputs never depend on it.
class ProgressLine {
 public:
  ProgressLine(const ExploreProgress& p, size_t policies) : p_(p), policies_(policies) {
    if (isatty(STDERR_FILENO) != 0) thread_ = std::thread([this] { loop(); });
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() {
    if (!thread_.joinable()) return;
    {
      const std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
    std::cerr << "\r\033[K" << std::flush;
  }

 private:
  void loop() {
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_lock lock(m_);
    // Drawn once at the start, whatever the search's length (so a terminal always shows it, and the
    // test of it does not depend on the machine's speed), then every 250 ms.
    do {
      const std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;
      std::cerr << "\r\033[Kreprobe explore: " << p_.policies_done.load() << "/" << policies_ << " policies, "
                << p_.runs.load() << " runs, " << p_.states.load() << " states, " << static_cast<int>(d.count()) << " s"
                << std::flush;
    } while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; }));
  }
  const ExploreProgress& p_;
  size_t policies_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// The policy spec as a file name: "stock:timeout=30" -> "stock-timeout-30".
std::string file_name_of(const std::string& spec) {
  std::string out;
  for (char c : spec) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '-';
  return out;
}

bool write_counterexamples(const ExploreArgs& a, const Trace& trace, ExploreRun& run) {
  run.counterexample_paths.assign(run.results.size(), {});
  if (a.cx_dir.empty()) return true;
  std::error_code ec;
  std::filesystem::create_directories(a.cx_dir, ec);
  if (ec) {
    std::cerr << "reprobe explore: " << a.cx_dir << ": " << ec.message() << "\n";
    return false;
  }
  for (size_t i = 0; i < run.results.size(); ++i) {
    const auto& r = run.results[i];
    if (!r.counterexample) continue;
    const std::string path = (std::filesystem::path(a.cx_dir) / (file_name_of(r.policy.spec) + ".trace")).string();
    const ExploreSchedule schedule{trace.source, r.policy.spec, run.limits.jitter_ns, r.counterexample->choices};
    auto w = write_file_atomically(path, [&](std::ostream& os) { write_schedule_trace(trace, schedule, os); });
    if (!w) {
      std::cerr << "reprobe explore: " << w.error().str() << "\n";
      return false;
    }
    run.counterexample_paths[i] = path;
  }
  return true;
}

// --emit-promela: one model per policy, nothing searched.
int emit_promela_models(const ExploreArgs& a, const ReplayReport& rep, uint64_t jitter_ns) {
  PromelaOptions po;
  po.jitter_ns = jitter_ns;
  const bool dir = rep.verdicts.size() > 1;
  if (dir) {
    std::error_code ec;
    std::filesystem::create_directories(a.promela, ec);
    if (ec) {
      std::cerr << "reprobe explore: " << a.promela << ": " << ec.message() << "\n";
      return 2;
    }
  }
  for (const auto& v : rep.verdicts) {
    auto text = emit_promela(rep.model, v.policy, rep.targets, po);
    if (!text) {
      std::cerr << "reprobe explore: --emit-promela: " << text.error().str() << "\n";
      return 2;
    }
    const std::string path =
        dir ? (std::filesystem::path(a.promela) / (file_name_of(v.policy.spec) + ".pml")).string() : a.promela;
    if (auto w = write_file_atomically(path, [&](std::ostream& os) { os << *text; }); !w) {
      std::cerr << "reprobe explore: " << w.error().str() << "\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace

int cmd_explore(const std::vector<std::string>& args) {
  ExploreArgs a;
  const auto opts = explore_options(a);
  const auto vm = parse_trace_verb_args(args, opts, a.trace_path);
  if (vm.count("help")) {
    print_help(opts);
    return 0;
  }
  install_interrupt_cleanup(a.output);
  if (a.format != "text" && a.format != "json") {
    std::cerr << "reprobe explore: --format must be text or json, not '" << a.format << "'\n";
    return 2;
  }
  if (!(a.max_time >= 0) || !std::isfinite(a.max_time) || a.jobs.value == 0 || a.jobs.value > 1024 ||
      a.max_memory.value > (uint64_t{1} << 30) || (vm.count("max-schedules") && a.max_schedules.value == 0)) {
    std::cerr << "reprobe explore: --max-time must be a number of seconds >= 0, --jobs 1..1024, --max-schedules >= 1 "
                 "and --max-memory at most 2^30 MiB\n";
    return 2;
  }
  const auto jitter = Jitter::parse(a.jitter);
  if (!jitter) {
    std::cerr << "reprobe explore: " << jitter.error().str() << "\n";
    return 2;
  }
  if (!a.trace_path.empty() && output_is_an_input("explore", a.output, {a.trace_path})) return 2;
  const auto trace = load_trace_arg("explore", a.trace_path);
  if (!trace) return 2;
  ReplayOptions ro;
  ro.policies = a.policies;
  ro.all_policies = vm.count("all-policies") > 0;
  ro.kernel = a.kernel;
  ro.targets = a.targets;
  const auto rep = replay_trace("explore", *trace, ro);
  if (!rep) return 2;

  if (!a.promela.empty()) {
    if (!jitter->is_uniform()) {
      std::cerr << "reprobe explore: --emit-promela takes one window for every kind (--jitter MS)\n";
      return 2;
    }
    if (output_is_an_input("explore", a.promela, {a.trace_path})) return 2;
    return emit_promela_models(a, *rep, jitter->ns[0]);
  }
  ExploreRun run;
  run.trace_path = a.trace_path;
  run.kernel = rep->profile.name;
  run.model = &rep->model;
  run.targets = rep->targets;
  if (jitter->is_uniform()) {
    run.limits.jitter_ns = jitter->ns[0];
  } else {
    run.limits.kinds = *jitter;
    run.limits.jitter_ns = jitter->max_window(rep->model);
  }
  run.limits.max_schedules = a.max_schedules.value;
  run.limits.max_seconds = a.max_time;
  run.limits.max_memo_bytes = a.max_memory.value << 20;
  run.jobs = static_cast<unsigned>(a.jobs.value);
  run.timing = vm.count("no-timing") == 0;
  const HappensBefore hb(rep->model);
  run.hb_edges = hb.edges().size();
  run.concurrent_pairs = hb.concurrent_pairs();
  std::vector<Policy> policies;
  for (const auto& v : rep->verdicts) policies.push_back(v.policy);
  {
    ExploreProgress progress;
    run.limits.progress = &progress;
    const ProgressLine line(progress, policies.size());
    run.results = explore_policies(rep->model, policies, rep->targets, run.limits, static_cast<unsigned>(a.jobs.value));
    run.limits.progress = nullptr;
  }
  if (!write_counterexamples(a, *trace, run)) return 2;
  const std::string text = a.format == "json" ? format_explore_json(run) : format_explore_text(run);
  if (auto w = write_file_atomically(a.output, [&](std::ostream& os) { os << text; }); !w) {
    std::cerr << "reprobe explore: " << w.error().str() << "\n";
    return 2;
  }
  if (vm.count("fail-if-not-robust"))
    for (const auto& r : run.results)
      if (r.robust() == false) return 1;
  return 0;
}

}  // namespace reprobe
