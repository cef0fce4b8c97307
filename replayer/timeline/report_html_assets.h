// The HTML report page's stylesheet and script, compiled in as raw strings
// (replayer/timeline/report_html_assets.cpp) so the page is one self-contained file.
#pragma once

#include <string_view>

namespace reprobe {

std::string_view report_html_css();
std::string_view report_html_js();

}  // namespace reprobe
