// Assembly of a reprobe trace from kernel-log messages; see log_importer.h
// and docs/import.md (mapping table, inference rules, limits).
#include "tracer/import/log_importer.h"

#include <stdexcept>

#include "tracer/import/log_importer_impl.h"

namespace reprobe {

std::string_view to_string(SkipKind k) {
  switch (k) {
    case SkipKind::blank:
      return "blank";
    case SkipKind::other_message:
      return "other kernel message";
    case SkipKind::other_program:
      return "syslog: other program";
    case SkipKind::elision:
      return "elision";
    case SkipKind::oops:
      return "oops fragment";
    case SkipKind::console_echo:
      return "console echo";
    case SkipKind::wrapped:
      return "wrapped line (joined)";
    case SkipKind::kmsg_continuation:
      return "kmsg continuation";
    case SkipKind::journal_marker:
      return "journal marker";
    case SkipKind::driver_core_unparsed:
      return "driver-core (unparsed)";
    case SkipKind::earlier_boot:
      return "earlier boot";
    case SkipKind::later_boot:
      return "later boot (--boot)";
    case SkipKind::count_:
      break;
  }
  return "?";
}

LogImporter::LogImporter(ImportOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
LogImporter::~LogImporter() = default;

Result<bool> LogImporter::feed(std::string_view raw, std::string_view label, uint64_t line_no) {
  return impl_->feed(raw, label, line_no);
}

Result<bool> LogImporter::import(LogInput& in) {
  std::string_view line;
  for (;;) {
    auto r = in.next(line);
    if (!r) return r.error();
    if (!*r) break;
    if (auto f = impl_->feed(line, in.label(), in.line_number()); !f) return f.error();
  }
  impl_->flush_quoted_printable(in.label());
  impl_->flush_pending();
  return impl_->check_strict(in.label());
}

void LogImporter::Impl::choose_failing_boot(std::unique_ptr<Impl>& self) {
  if (opt.boot != 0) {
    stats.imported_boot = opt.boot;
    stats.imported_because = "chosen with --boot";
    return;
  }
  if (!failing_boot || boot_shows_failure()) return;
  auto chosen = std::make_unique<Impl>(*failing_boot);
  ImportStats& s = chosen->stats;
  s.skipped[static_cast<size_t>(SkipKind::later_boot)] += stats.messages - s.messages;
  s.lines = stats.lines;
  s.messages = stats.messages;
  s.boots = stats.boots;
  s.imported_boot = failing_boot_number;
  s.imported_because =
      "the last boot that shows a failure line or a device left deferred; the later boots show neither";
  chosen->labels = labels;
  self = std::move(chosen);
}

void LogImporter::write_trace(std::ostream& out) {
  impl_->choose_failing_boot(impl_);
  Impl& im = *impl_;
  im.close_open();
  im.infer_components();
  // The header lists what was observed: compute it from the buffered events (the
  // device_add declarations written lazily are inferred).
  for (auto& [n, d] : im.devs)
    if (!d.declared) im.inferred_kind[static_cast<size_t>(EventKind::device_add)] = true;
  TraceWriter w(out);
  if (auto r = w.header(im.header()); !r)
    throw std::logic_error("the importer built an invalid header: " + r.error().message);
  im.write_range(out, im.buf.size());
  // The log covers up to its last timestamped line, which may be later than the last event.
  const uint64_t lost = im.stats.skipped[static_cast<size_t>(SkipKind::driver_core_unparsed)] +
                        im.stats.bad_timestamps + im.stats.overlong;
  w.end(0, lost, std::max(im.written_t, im.last_t));
}

nlohmann::ordered_json LogImporter::header_json() { return impl_->header(); }

void LogImporter::flush_events(std::ostream& out, uint64_t upto_ns) {
  Impl& im = *impl_;
  im.infer_components();
  upto_ns = std::min(upto_ns, im.horizon());
  size_t n = 0;
  while (n < im.buf.size() && im.buf[n].t <= upto_ns) ++n;
  im.write_range(out, n);
}

void LogImporter::finish_events(std::ostream& out) {
  Impl& im = *impl_;
  im.close_open();
  im.infer_components();
  im.write_range(out, im.buf.size());
}

uint64_t LogImporter::last_time() const { return std::max(impl_->last_t, impl_->written_t); }

const ImportStats& LogImporter::stats() const { return impl_->stats; }

std::vector<std::string> LogImporter::warnings() const {
  const ImportStats& s = impl_->stats;
  std::vector<std::string> out;
  if (s.bad_timestamps)
    out.push_back(fmt::format("{}; {} line(s) with such a timestamp skipped (counted as lost in the trace's end line)",
                              s.first_bad_timestamp, s.bad_timestamps));
  if (s.overlong)
    out.push_back(fmt::format("{}; {} message(s) like it skipped (counted as lost in the trace's end line)",
                              s.first_overlong, s.overlong));
  if (s.clipped)
    out.push_back(fmt::format("{}; {} text(s) cut like it (the events are kept)", s.first_clipped, s.clipped));
  return out;
}

std::string LogImporter::summary() const {
  const ImportStats& s = impl_->stats;
  std::string out = fmt::format("{} lines, {} messages, {} recognised, {} events ({} inferred)", s.lines, s.messages,
                                s.recognised, s.events, s.inferred);
  if (s.boots > 1 && s.imported_boot == 0) out += fmt::format(", {} boots (the last one imported)", s.boots);
  if (s.boots > 1 && s.imported_boot != 0)
    out += fmt::format(", {} boots (boot {} imported: {})", s.boots, s.imported_boot, s.imported_because);
  if (s.backwards) out += fmt::format(", {} timestamps went backwards (clamped)", s.backwards);
  out += "\nrecognised:";
  for (const auto& [k, n] : s.recognised_by_kind) out += fmt::format(" {}={}", k, n);
  out += "\nskipped:";
  for (size_t i = 0; i < s.skipped.size(); ++i)
    if (s.skipped[i]) out += fmt::format(" {}={}", to_string(static_cast<SkipKind>(i)), s.skipped[i]);
  out += "\n";
  return out;
}

}  // namespace reprobe
