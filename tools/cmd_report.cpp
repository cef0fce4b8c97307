// reprobe report TRACE [--policy P]... [--all-policies] [--format markdown|html|text]
//                [-o FILE] [--kernel K] [--target DEV]... [--explore FILE] [--no-redact]
//
// A report to attach to a bug (docs/report.md). Every policy of the catalogue
// is replayed unless --policy names some; stock is always included.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "replayer/model/policy.h"
#include "replayer/report/report_markdown.h"
#include "replayer/report/report_options.h"
#include "replayer/report/report_text.h"
#include "replayer/timeline/report_html.h"
#include "replayer/timeline/robustness.h"
#include "replayer/verdict/replay.h"
#include "tools/commands.h"
#include "tools/trace_verb.h"
#ifdef REPROBE_HAVE_CAPTURE
#include "tracer/record/boot_capture.h"
#endif

namespace reprobe {

namespace {

// `--last-boot` stands for the newest boot trace (`reprobe boot`, tracer/record/boot_capture.h).
bool substitute_last_boot(std::vector<std::string>& args) {
  auto it = std::find(args.begin(), args.end(), "--last-boot");
  if (it == args.end()) return true;
#ifdef REPROBE_HAVE_CAPTURE
  auto newest = newest_boot_trace();
  if (!newest) {
    std::cerr << "reprobe report: --last-boot: " << newest.error().str() << "\n";
    return false;
  }
  *it = newest->string();
  return true;
#else
  std::cerr << "reprobe report: --last-boot needs the capture side (-Dcapture=enabled)\n";
  return false;
#endif
}

}  // namespace

int cmd_report(const std::vector<std::string>& args_in) {
  std::vector<std::string> args = args_in;
  if (!substitute_last_boot(args)) return 2;
  TraceVerbArgs a("report");
  std::string explore_json;
  a.add_policies("policy to replay (repeatable); default: every policy of the catalogue. stock is always included",
                 "replay every policy of the catalogue (the default without --policy)")
      .add_format({"markdown", "html", "text"}, "output format: markdown (default), html, text")
      .add_output()
      .add_kernel("kernel profile: auto (from the trace header), 5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12")
      .add_targets(
          "target device (repeatable); default: every device that registered or tried to register a sound card")
      .add_string("explore", explore_json,
                  "add a robustness section from FILE, the output of 'reprobe explore TRACE --format json' "
                  "(docs/explore.md)")
      .add_no_redact(
          "keep serial numbers, MAC addresses, host and user names (redacted by default, again at report time)");
  a.parse(args);
  if (a.help()) {
    std::cout << "usage: reprobe report TRACE [options]\n"
                 "       reprobe report --last-boot [options]   (the newest trace of 'reprobe boot')\n\n"
                 "Write a report to attach to a bug: the machine and kernel (redacted), the verdict per trigger\n"
                 "policy, the stock outcome in plain words (which device waited for what, which trigger it\n"
                 "missed), deferrals per device, hooks and data gaps. Markdown pastes into GitHub, GitLab,\n"
                 "Launchpad and bugzilla and stays under 60 000 characters; html is one self-contained file\n"
                 "with a timeline; text is for terminals and mail. See docs/report.md.\n\n"
              << a.options()
              << "\nexit status: 0 report written, 2 bad input or usage\n"
                 "\nexamples:\n"
                 "  reprobe report capture.trace -o report.md\n"
                 "  reprobe report capture.trace --format html -o report.html\n"
                 "  reprobe report capture.trace -p stock -p provider-kick --format text\n";
    return 0;
  }
  if (!a.format_ok()) return 2;
  const std::string& format = a.format();
  const auto trace = a.load_trace();
  if (!trace) return 2;
  ReplayOptions ro = a.replay_options();
  ro.policies.insert(ro.policies.begin(), "stock");
  ro.all_policies = a.policies().empty() || ro.all_policies;
  ro.keep_timelines = format == "html";
  ro.allow_no_target = true;  // a log without a sound device still gets a report (its failure lines)  // the HTML
                              // overlays every policy's simulated timeline
  auto rep = a.replay(*trace, ro);
  if (!rep) return 2;
  ReportOptions ropts = a.report_options();
  std::optional<Section> robustness;
  if (!explore_json.empty()) {
    auto r = read_robustness(explore_json);
    if (!r) {
      std::cerr << "reprobe report: --explore: " << r.error().str() << "\n";
      return 2;
    }
    std::error_code ec;
    if (std::filesystem::exists(r->trace, ec) && std::filesystem::exists(trace->path, ec) &&
        !std::filesystem::equivalent(r->trace, trace->path, ec)) {
      std::cerr << "reprobe report: --explore: " << explore_json << " explored " << r->trace << ", not " << trace->path
                << "\n";
      return 2;
    }
    robustness = robustness_section(*r);
    ropts.robustness = &*robustness;
  }
  const std::string text = format == "text"   ? format_report_text(*rep, *trace, ropts)
                           : format == "html" ? format_report_html(*rep, *trace, ropts)
                                              : format_report_markdown(*rep, *trace, ropts);
  return a.write_output([&](std::ostream& os) { os << text; }) ? 0 : 2;
}

}  // namespace reprobe
