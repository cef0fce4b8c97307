// reprobe import LOG... [-o FILE] [--kernel K] [--explain] [--strict] [--no-redact]
//
// Builds a reprobe trace from kernel logs attached to bug reports (dmesg,
// kern.log, journalctl, /dev/kmsg dumps, pasted web pages; .gz/.xz/.zst).
// Formats, the message -> event table and what is inferred: docs/import.md.
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"
#include "replayer/trace/visible.h"
#include "tools/commands.h"
#include "tools/count_option.h"
#include "tools/output_guard.h"
#include "tracer/import/log_importer.h"
#include "tracer/import/log_input.h"
#include "tracer/import/log_recipe.h"

namespace po = boost::program_options;

namespace reprobe {

int cmd_import(const std::vector<std::string>& args) {
  po::options_description opts("reprobe import options");
  std::vector<std::string> logs;
  std::string output = "-", kernel;
  opts.add_options()("help,h", "show this help")("output,o", po::value(&output),
                                                 "trace file to write (default: stdout); written atomically")(
      "kernel,k", po::value(&kernel),
      "kernel release (6.1.0-27-amd64) or profile (5.10, 5.13, 5.14, 5.19, 6.1, 6.6, 6.12) when the log does not say")(
      "explain", "print on stderr which input line produced which event, and what was skipped by kind")(
      "strict", "fail on a line that looks like driver-core output but does not parse")(
      "no-redact", "keep serial numbers, MAC addresses and host names found in the log")(
      "boot", po::value<CountOption>(), "import the Nth boot of the input (1 = the first; default: the last)")(
      "recipe", "print the boot parameters that make a kernel log replay well and how to collect the log")(
      "recipe-parameters", "print only the recipe's kernel parameters (one line, for scripts)");
  po::options_description hidden;
  hidden.add_options()("log", po::value(&logs)->composing());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("log", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << "usage: reprobe import LOG... [-o FILE] [--kernel K] [--explain] [--strict]\n\n"
                 "Build a reprobe trace (source \"dmesg\") from kernel logs: dmesg in any of its output\n"
                 "formats, kern.log/syslog, journalctl (short, short-monotonic, any language), /dev/kmsg\n"
                 "dumps, logs pasted into web pages or e-mails. LOG may be '-' (stdin) and may be gzip,\n"
                 "xz or zstd compressed. Several LOGs are read as one log, in the order given.\n"
                 "What the log could not show is listed in the header ('unobserved'); inferred events\n"
                 "carry \"inferred\":true and 'reprobe replay' reports lower confidence.\n\n"
              << opts
              << "\nexit status: 0 trace written, 2 bad input (not a text log, unreadable, --strict failure) or usage\n"
                 "\nexamples:\n"
                 "  reprobe import dmesg.txt -o bug.trace && reprobe replay bug.trace --all-policies\n"
                 "  journalctl -k -b -1 | reprobe import - -o last-boot.trace\n"
                 "  reprobe import kern.log.1.gz kern.log --explain -o boot.trace\n"
                 "  reprobe import --recipe    (how to get a log that replays well)\n";
    return 0;
  }
  if (vm.count("recipe") || vm.count("recipe-parameters")) {  // tracer/import/log_recipe.h
    std::cout << (vm.count("recipe") ? log_recipe_text() : log_recipe_boot_parameters() + "\n");
    return 0;
  }
  if (logs.empty()) {
    std::cerr << "reprobe import: missing LOG (see 'reprobe import --help')\n";
    return 2;
  }
  if (output_is_an_input("import", output, logs)) return 2;
  install_interrupt_cleanup(output);
  ImportOptions io;
  io.kernel = kernel;
  io.strict = vm.count("strict") > 0;
  io.redact = vm.count("no-redact") == 0;
  if (vm.count("boot")) {
    io.boot = vm["boot"].as<CountOption>().value;
    if (io.boot == 0) {
      std::cerr << "reprobe import: --boot: boots are numbered from 1\n";
      return 2;
    }
  }
  const bool explain = vm.count("explain") > 0;
  if (explain)
    io.explain = [](const std::string& where, const std::string& line) {
      std::cerr << visible(where) << ": " << line << "\n";
    };
  LogImporter importer(io);
  for (const auto& path : logs) {
    auto in = LogInput::open(path);
    if (!in) {
      std::cerr << "reprobe import: " << in.error().str() << "\n";
      return 2;
    }
    if (auto r = importer.import(**in); !r) {
      std::cerr << "reprobe import: " << r.error().str() << "\n";
      return 2;
    }
  }
  std::ostringstream text;
  importer.write_trace(text);
  // The importer's output must be a valid trace: check it with the reader before writing.
  for (const auto& w : importer.warnings()) std::cerr << "reprobe import: warning: " << visible(w) << "\n";
  auto check = read_trace_text(text.str(), "<built trace>");
  if (!check) {
    std::cerr << "reprobe import: internal error: the trace built from the log does not read back: "
              << check.error().str() << "\n";
    return 2;
  }
  if (explain) std::cerr << importer.summary();
  const ImportStats& st = importer.stats();
  if (st.recognised == 0)
    std::cerr << "reprobe import: warning: no probe-related kernel message found in "
              << visible(fmt::format("{}", fmt::join(logs, " "))) << " (" << st.lines << " lines)\n";
  if (io.boot > st.boots) {
    std::cerr << "reprobe import: --boot " << io.boot << ": the input holds only " << st.boots << " boot"
              << (st.boots == 1 ? "" : "s") << "\n";
    return 2;
  }
  if (io.boot != 0 && st.boots > 1)
    std::cerr << "reprobe import: note: boot " << io.boot << " of the input was imported (--boot)\n";
  else if (st.boots > 1 && st.imported_boot != 0)
    std::cerr << "reprobe import: note: the input holds " << st.boots << " boots; boot " << st.imported_boot
              << " was imported, " << st.imported_because << " (choose another with --boot N)\n";
  else if (st.boots > 1)
    std::cerr << "reprobe import: note: the input holds " << st.boots
              << " boots; the last one was imported (choose another with --boot N)\n";
  auto w = write_file_atomically(output, [&](std::ostream& os) { os << text.str(); });
  if (!w) {
    std::cerr << "reprobe import: " << w.error().str() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace reprobe
