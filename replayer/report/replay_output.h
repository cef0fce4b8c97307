// The output of `reprobe replay`: the verdict table of every policy, the
// plain-words explanation of the stock outcome and the fidelity line, as text,
// JSON (docs/replay-json.md) or Markdown.
#pragma once

#include <string>

#include "replayer/verdict/replay.h"

namespace reprobe {

std::string format_text(const ReplayReport& r);
std::string format_json(const ReplayReport& r);
std::string format_markdown(const ReplayReport& r);

}  // namespace reprobe
