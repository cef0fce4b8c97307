// reprobe report TRACE [--policy P]... [--all-policies] [--format markdown|html|text]
//                [-o FILE] [--kernel K] [--target DEV]... [--no-redact]
//
// A report to attach to a bug (docs/report.md). Every policy of the catalogue
// is replayed unless --policy names some; stock is always included.
#include <iostream>

#include <boost/program_options.hpp>

#include "replayer/policy.h"
#include "replayer/redact.h"
#include "replayer/replay.h"
#include "replayer/report_html.h"
#include "replayer/report_markdown.h"
#include "replayer/report_options.h"
#include "replayer/report_text.h"
#include "replayer/trace_reader.h"
#include "replayer/trace_writer.h"
#include "tools/commands.h"
#include "tools/trace_verb.h"

namespace po = boost::program_options;

namespace reprobe {

int cmd_report(const std::vector<std::string>& args) {
  po::options_description opts("reprobe report options");
  std::vector<std::string> policies, targets;
  std::string kernel = "auto", format = "markdown", output = "-", trace_path;
  opts.add_options()
      ("help,h", "show this help")
      ("policy,p", po::value(&policies)->composing(), "policy to replay (repeatable); default: every policy of the catalogue. stock is always included")
      ("all-policies,a", "replay every policy of the catalogue (the default without --policy)")
      ("format,f", po::value(&format), "output format: markdown (default), html, text")
      ("output,o", po::value(&output), "write to FILE instead of stdout (written atomically)")
      ("kernel,k", po::value(&kernel), "kernel profile: auto (from the trace header), 5.10, 6.1, 6.6, 6.12")
      ("target,t", po::value(&targets)->composing(), "target device (repeatable); default: every device that registered or tried to register a sound card")
      ("no-redact", "keep serial numbers, MAC addresses, host and user names (redacted by default, again at report time)");
  const po::variables_map vm = parse_trace_verb_args(args, opts, trace_path);
  if (vm.count("help")) {
    std::cout << "usage: reprobe report TRACE [options]\n\n"
                 "Write a report to attach to a bug: the machine and kernel (redacted), the verdict per trigger\n"
                 "policy, the stock outcome in plain words (which device waited for what, which trigger it\n"
                 "missed), deferrals per device, hooks and data gaps. Markdown pastes into GitHub, GitLab,\n"
                 "Launchpad and bugzilla and stays under 60 000 characters; html is one self-contained file\n"
                 "with a timeline; text is for terminals and mail. See docs/report.md.\n\n"
              << opts
              << "\nexit status: 0 report written, 2 bad input or usage\n"
                 "\nexamples:\n"
                 "  reprobe report capture.trace -o report.md\n"
                 "  reprobe report capture.trace --format html -o report.html\n"
                 "  reprobe report capture.trace -p stock -p provider-kick --format text\n";
    return 0;
  }
  if (format != "markdown" && format != "html" && format != "text") {
    std::cerr << "reprobe report: --format must be markdown, html or text, not '" << format << "'\n";
    return 2;
  }
  const auto trace = load_trace_arg("report", trace_path);
  if (!trace) return 2;
  ReplayOptions ro;
  ro.policies = {"stock"};
  ro.policies.insert(ro.policies.end(), policies.begin(), policies.end());
  ro.all_policies = policies.empty() || vm.count("all-policies") > 0;
  ro.kernel = kernel;
  ro.targets = targets;
  ro.keep_timelines = format == "html";  // the HTML overlays every policy's simulated timeline
  auto rep = replay_trace("report", *trace, ro);
  if (!rep) return 2;
  ReportOptions ropts;
  ropts.redact = vm.count("no-redact") == 0;
  if (ropts.redact) {
    const RedactOptions here = redact_options_for_this_machine();
    ropts.host_names = here.host_names;
    ropts.user_names = here.user_names;
  }
  const std::string text = format == "text"   ? format_report_text(*rep, *trace, ropts)
                           : format == "html" ? format_report_html(*rep, *trace, ropts)
                                              : format_report_markdown(*rep, *trace, ropts);
  auto w = write_file_atomically(output, [&](std::ostream& os) { os << text; });
  if (!w) {
    std::cerr << "reprobe report: " << w.error().str() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace reprobe
