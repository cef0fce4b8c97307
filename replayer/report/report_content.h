// What a `reprobe report` says, built once from a replay and its trace and
// rendered by report_markdown / report_text (docs/report.md): the verdict per
// policy, the stock outcome in plain words, per-device deferral counts and
// reasons, the machine and kernel (redacted), hooks, tiers and data gaps.
// Long lists are cut to the caps given and every cut says what it left out,
// so a renderer can shrink the caps until the output fits its size limit.
#pragma once

#include <cstddef>
#include <memory>

#include "replayer/report/report_document.h"
#include "replayer/report/report_options.h"
#include "replayer/trace/trace.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

// How much of each long part a report shows.
struct ReportCaps {
  size_t targets_listed = 8;     // target names in the lead
  size_t targets_explained = 6;  // plain-words stories
  size_t device_rows = 60;       // per-device deferral table
  size_t stranded_names = 4;     // per verdict row
  size_t reasons_per_device = 3;
  size_t verbatim_chars = 200;  // one machine string (reason, command line, ...)
  size_t list_items = 40;       // divergences, notes, modules, PCI devices, cards, ...

  // The next smaller caps, or false when these are already the smallest.
  bool shrink();
};

class ReportContent {
 public:
  // `report` comes from replay(trace, ...); its stories (explanation.h)
  // explain the stock outcome.
  ReportContent(const ReplayReport& report, const Trace& trace, const ReportOptions& opts);
  ~ReportContent();
  ReportContent(const ReportContent&) = delete;
  ReportContent& operator=(const ReportContent&) = delete;

  // The report with these caps, redacted unless opts.redact is false.
  // Deterministic: equal inputs give equal documents.
  ReportDocument document(const ReportCaps& caps) const;

  struct Precomputed;  // computed once in the constructor (report_content.cpp)

 private:
  const ReplayReport& report_;
  const Trace& trace_;
  ReportOptions opts_;
  std::unique_ptr<Precomputed> pre_;
};

}  // namespace reprobe
