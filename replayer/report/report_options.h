// Options shared by every report and export format (reprobe report, reprobe
// export): what to redact and how large the output may grow.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace reprobe {

struct Section;  // report_document.h

struct ReportOptions {
  bool redact = true;                   // --no-redact turns it off
  size_t markdown_limit = 60'000;       // characters; longer parts are summarised and the cut is said
  size_t html_limit = 5u << 20;         // bytes; aggregation keeps the HTML under it
  std::vector<std::string> host_names;  // private names besides those learnt from the trace (reprobe report:
  std::vector<std::string> user_names;  //   this machine's host and user, see redact_options_for_this_machine)
  // reprobe report --explore FILE: the robustness section (replayer/timeline/robustness.h), added
  // after the verdicts; none when null
  const Section* robustness = nullptr;
};

}  // namespace reprobe
