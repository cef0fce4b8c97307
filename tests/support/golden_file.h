// Golden files of the unit tests (golden_test, capture_test, report_golden_test,
// perfetto_export_test, log_import_golden_test): what a test produces is
// compared byte for byte with a checked-in file; REPROBE_UPDATE_GOLDEN=1
// rewrites the files instead (review the diff!). A mismatch names the file and
// shows the first line that differs, golden and actual, with its line and column.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace reprobe {

// The whole file, bytes as they are ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

// REPROBE_UPDATE_GOLDEN set: golden files are rewritten, not compared.
inline bool update_mode() { return std::getenv("REPROBE_UPDATE_GOLDEN") != nullptr; }

namespace golden_detail {

inline size_t count_lines(std::string_view s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// Line `from` of `text` (up to its '\n'), shown around `column`: at most 160
// characters, with "..." where it is cut, and "<end of file>" past the end.
inline std::string show_line(std::string_view text, size_t from, size_t column) {
  if (from >= text.size()) return "<end of file>";
  const size_t nl = text.find('\n', from);
  std::string_view line = text.substr(from, nl == std::string_view::npos ? std::string_view::npos : nl - from);
  constexpr size_t kWidth = 160;
  std::string out;
  size_t start = 0;
  if (line.size() > kWidth && column > kWidth / 2) {
    start = std::min(column - kWidth / 2, line.size() - kWidth);
    out = "...";
  }
  out += std::string(line.substr(start, kWidth));
  if (start + kWidth < line.size()) out += "...";
  if (nl == std::string_view::npos) out += "  <no newline at end of file>";
  return out;
}

}  // namespace golden_detail

// Equal, or what differs first: line and column, the golden line and the actual one.
inline ::testing::AssertionResult same_as_golden(const std::filesystem::path& golden_path, std::string_view golden,
                                                 std::string_view actual) {
  if (golden == actual) return ::testing::AssertionSuccess();
  const auto at = std::mismatch(golden.begin(), golden.end(), actual.begin(), actual.end());
  const size_t offset = static_cast<size_t>(at.first - golden.begin());
  const std::string_view before = golden.substr(0, offset);
  const size_t last_nl = before.rfind('\n');
  const size_t line_start = last_nl == std::string_view::npos ? 0 : last_nl + 1;
  const size_t line = golden_detail::count_lines(before) + 1;
  const size_t column = offset - line_start;
  return ::testing::AssertionFailure() << "golden mismatch: " << golden_path << "\n  first difference at line " << line
                                       << ", column " << column + 1 << " (golden: " << golden.size() << " bytes, "
                                       << golden_detail::count_lines(golden) << " lines; actual: " << actual.size()
                                       << " bytes, " << golden_detail::count_lines(actual) << " lines)"
                                       << "\n  - golden: " << golden_detail::show_line(golden, line_start, column)
                                       << "\n  + actual: " << golden_detail::show_line(actual, line_start, column)
                                       << "\n  (REPROBE_UPDATE_GOLDEN=1 rewrites the golden file; review the diff)";
}

// Compares `actual` with the golden file byte for byte, or rewrites the file in update mode.
inline void compare_or_update(const std::filesystem::path& p, const std::string& actual) {
  if (update_mode()) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(p)) << p << " missing; run with REPROBE_UPDATE_GOLDEN=1";
  EXPECT_TRUE(same_as_golden(p, slurp(p), actual));
}

}  // namespace reprobe
