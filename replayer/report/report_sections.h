// Sections shared by `reprobe report` (report_content.cpp) and the text and
// Markdown output of `reprobe replay` (replay_output.cpp): the verdict table
// and the plain-words stock story, built from a ReplayReport alone, so the two
// verbs render the same verdicts and explanations through the same renderers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "replayer/report/report_content.h"
#include "replayer/report/report_document.h"
#include "replayer/verdict/replay.h"

namespace reprobe {

// `s` on one line (newlines and tabs become spaces), cut to `max` bytes at a
// UTF-8 boundary with "... (+N bytes)".
std::string cut_text(std::string s, size_t max);

// How many targets the stock replay binds (from the stories of the report).
size_t stock_targets_bound(const ReplayReport& rep);

// The stock outcome for a title, from the stock verdict (its stories when the stock verdict was
// not kept): "the card binds", "whether the card binds is undetermined", "the card does not
// bind", "2 of 3 target devices bind (1 undetermined)". Never "does not bind" for a target
// whose verdict is undetermined.
std::string stock_outcome_words(const ReplayReport& rep);

// The first line of every format when the stock replay does not reproduce the trace
// (bound vs not, attempt counts): nothing when it does.
std::optional<Line> divergence_headline(const ReplayReport& rep);

// "Why each policy binds or not": one line per replayed policy, in words (undetermined
// verdicts with their reasons, bind-time ranges with what the earliest reading assumed).
void add_policy_outcomes(ReportDocument& doc, const ReplayReport& rep, const ReportCaps& caps);

// "Verdict per policy": one table row per replayed policy.
void add_verdicts(ReportDocument& doc, const ReplayReport& rep, const ReportCaps& caps);

// "What happened (stock)": the stories of ReplayReport::stories, cut to caps.targets_explained.
void add_stories(ReportDocument& doc, const ReplayReport& rep, const ReportCaps& caps);

}  // namespace reprobe
