#include "tools/trace_verb.h"

#include <iostream>

#include "replayer/trace/redact.h"
#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"
#include "replayer/trace/visible.h"
#include "tools/output_guard.h"

namespace po = boost::program_options;

namespace reprobe {
namespace {

// "NAME.tmp.1234": the temporary file write_file_atomically() renames into place.
bool looks_like_temp_file(std::string_view path) {
  const size_t dot = path.rfind(".tmp.");
  if (dot == std::string_view::npos || dot + 5 == path.size()) return false;
  return path.find_first_not_of("0123456789", dot + 5) == std::string_view::npos;
}

}  // namespace

po::variables_map parse_trace_verb_args(const std::vector<std::string>& args, const po::options_description& opts,
                                        std::string& trace_path) {
  po::options_description hidden;
  hidden.add_options()("trace", po::value(&trace_path));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

std::unique_ptr<Trace> load_trace_arg(std::string_view verb, const std::string& trace_path) {
  if (trace_path.empty()) {
    std::cerr << "reprobe " << verb << ": missing TRACE (see 'reprobe " << verb << " --help')\n";
    return nullptr;
  }
  if (looks_like_temp_file(trace_path))
    std::cerr << "warning: " << visible(trace_path)
              << " looks like the temporary file of an interrupted reprobe write (NAME.tmp.PID): it may be "
                 "incomplete\n";
  auto trace = read_trace_file(trace_path);
  if (!trace) {
    std::cerr << trace.error().str() << "\n";
    return nullptr;
  }
  for (const auto& w : trace->warnings) std::cerr << "warning: " << visible(w) << "\n";
  return std::make_unique<Trace>(std::move(*trace));
}

std::optional<ReplayReport> replay_trace(std::string_view verb, const Trace& trace, const ReplayOptions& options) {
  auto rep = replay(trace, options);
  if (!rep) {
    std::cerr << "reprobe " << verb << ": " << rep.error().str() << "\n";
    return std::nullopt;
  }
  for (const auto& w : rep->warnings) std::cerr << "warning: " << w << "\n";
  return std::move(*rep);
}

TraceVerbArgs::TraceVerbArgs(std::string verb) : verb_(std::move(verb)), opts_("reprobe " + verb_ + " options") {
  opts_.add_options()("help,h", "show this help");
}

TraceVerbArgs& TraceVerbArgs::add_policies(const char* policy_help, const char* all_policies_help) {
  opts_.add_options()("policy,p", po::value(&policies_)->composing(), policy_help)("all-policies,a", all_policies_help);
  return *this;
}

TraceVerbArgs& TraceVerbArgs::add_kernel(const char* help) {
  opts_.add_options()("kernel,k", po::value(&kernel_), help);
  return *this;
}

TraceVerbArgs& TraceVerbArgs::add_targets(const char* help) {
  opts_.add_options()("target,t", po::value(&targets_)->composing(), help);
  return *this;
}

TraceVerbArgs& TraceVerbArgs::add_format(std::vector<std::string> formats, const char* help) {
  formats_ = std::move(formats);
  format_ = formats_.at(0);
  opts_.add_options()("format,f", po::value(&format_), help);
  return *this;
}

TraceVerbArgs& TraceVerbArgs::add_output() {
  opts_.add_options()("output,o", po::value(&output_), "write to FILE instead of stdout (written atomically)");
  return *this;
}

TraceVerbArgs& TraceVerbArgs::add_no_redact(const char* help) { return add_switch("no-redact", help); }

TraceVerbArgs& TraceVerbArgs::add_switch(const char* name, const char* help) {
  opts_.add_options()(name, help);
  return *this;
}

TraceVerbArgs& TraceVerbArgs::add_string(const char* name, std::string& into, const char* help) {
  opts_.add_options()(name, boost::program_options::value(&into), help);
  return *this;
}

void TraceVerbArgs::parse(const std::vector<std::string>& args) {
  vm_ = parse_trace_verb_args(args, opts_, trace_path_);
  if (!help()) install_interrupt_cleanup(output_);
}

std::unique_ptr<Trace> TraceVerbArgs::load_trace() const {
  if (!trace_path_.empty() && output_is_an_input(verb_, output_, {trace_path_})) return nullptr;
  return load_trace_arg(verb_, trace_path_);
}

bool TraceVerbArgs::format_ok() const {
  for (const auto& f : formats_)
    if (f == format_) return true;
  std::string known;
  for (size_t i = 0; i < formats_.size(); ++i)
    known += (i == 0 ? "" : i + 1 == formats_.size() ? " or " : ", ") + formats_[i];
  std::cerr << "reprobe " << verb_ << ": --format must be " << known << ", not '" << format_ << "'\n";
  return false;
}

ReplayOptions TraceVerbArgs::replay_options() const {
  ReplayOptions ro;
  ro.policies = policies_;
  ro.all_policies = has("all-policies");
  ro.kernel = kernel_;
  ro.targets = targets_;
  return ro;
}

ReportOptions TraceVerbArgs::report_options() const {
  ReportOptions ro;
  ro.redact = !has("no-redact");
  if (ro.redact) {
    const RedactOptions here = redact_options_for_this_machine();
    ro.host_names = here.host_names;
    ro.user_names = here.user_names;
  }
  return ro;
}

bool TraceVerbArgs::write_output(const std::function<void(std::ostream&)>& body) const {
  auto w = write_file_atomically(output_, body);
  if (!w) {
    std::cerr << "reprobe " << verb_ << ": " << w.error().str() << "\n";
    return false;
  }
  return true;
}

}  // namespace reprobe
