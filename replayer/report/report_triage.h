// "Triage": the first section of a report (issue 14). What the log says failed, each failure
// with its own line (firmware or topology missing, DSP boot, HDA controller, codec probe,
// `rejects match`, SoundWire, card registration, regulators/clocks/GPIOs, supplier probe
// failures with the errno's name), and, when no deferral of a target explains the missing
// card, a sentence that says so first. Built from the importer's `x-dmesg` "failure:<class>"
// events (docs/import.md, "Failure lines"; docs/report.md, "Triage").
#pragma once

#include <string>

#include "replayer/report/report_content.h"
#include "replayer/report/report_document.h"
#include "replayer/trace/trace.h"
#include "replayer/verdict/errno_names.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

// Adds the "Triage" section (nothing when the trace has no failure line and its targets were
// found the usual way) and, when no deferral explains an unbound card, a lead line.
void add_triage(ReportDocument& doc, const ReplayReport& rep, const Trace& trace, const ReportCaps& caps);

}  // namespace reprobe
