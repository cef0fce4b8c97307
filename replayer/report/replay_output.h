// The output of `reprobe replay`: the verdict table of every policy, the
// plain-words explanation of the stock outcome and the fidelity line, as text,
// JSON (docs/replay-json.md) or Markdown. Text and Markdown are a
// ReportDocument rendered by the report's own renderers (report_text,
// report_markdown) with the report's verdict and story sections, so `replay`
// and `report` cannot disagree.
#pragma once

#include <string>

#include "replayer/report/report_document.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

// The text and Markdown content, uncut and unredacted.
ReportDocument replay_document(const ReplayReport& r);

std::string format_text(const ReplayReport& r);
std::string format_json(const ReplayReport& r);
std::string format_markdown(const ReplayReport& r);

}  // namespace reprobe
