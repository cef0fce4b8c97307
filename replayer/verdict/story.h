// Text made of spans, each either prose or a verbatim string from the machine
// (a device, driver, resource or module name, a deferral reason, a command
// line), and the plain-words story of one target device built from such
// lines (explanation.h). Renderers (replayer/report) show verbatim spans as
// code spans in Markdown and as they are in text; Line::plain() drops the
// markup (ReplayReport::why, the JSON "why" strings).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "replayer/model/model.h"

namespace reprobe {

struct Span {
  std::string text;
  bool verbatim = false;
};

// One line of text: prose and verbatim spans.
struct Line {
  std::vector<Span> spans;

  Line() = default;
  Line(std::string prose) { t(std::move(prose)); }  // NOLINT: implicit, prose is the common case
  Line(const char* prose) { t(prose); }             // NOLINT
  Line& t(std::string prose) {
    if (!prose.empty()) spans.push_back({std::move(prose), false});
    return *this;
  }
  Line& v(std::string verbatim) {
    spans.push_back({std::move(verbatim), true});
    return *this;
  }
  Line& add(const Line& other) {
    spans.insert(spans.end(), other.spans.begin(), other.spans.end());
    return *this;
  }
  bool empty() const { return spans.empty(); }
  // Text without markup (for measuring and for the text renderer).
  std::string plain() const {
    std::string s;
    for (const auto& sp : spans) s += sp.text;
    return s;
  }
};

// The stock outcome of one target device in plain words, one sentence or two per line.
struct TargetStory {
  DevId dev = kNoDev;
  bool bound = false;
  std::vector<Line> lines;
};

}  // namespace reprobe
