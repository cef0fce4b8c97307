// The golden-file comparison the golden tests share (tests/support/golden_file.h):
// equal bytes pass; a mismatch names the file and shows the first differing
// line of both sides with its line and column, cut around the difference when long.
#include <string>

#include <gtest/gtest.h>

#include "tests/support/golden_file.h"

namespace reprobe {
namespace {

std::string message(const ::testing::AssertionResult& r) { return r.message(); }

TEST(GoldenFile, EqualBytesPass) {
  EXPECT_TRUE(same_as_golden("g.json", "", ""));
  EXPECT_TRUE(same_as_golden("g.json", "a\nb\n", "a\nb\n"));
}

TEST(GoldenFile, MismatchShowsTheFirstDifferingLine) {
  const auto r = same_as_golden("tests/golden/x.json", "one\ntwo is here\nthree\n", "one\ntwo was here\nthree\n");
  ASSERT_FALSE(r);
  const std::string m = message(r);
  EXPECT_NE(m.find("golden mismatch: \"tests/golden/x.json\""), std::string::npos) << m;
  EXPECT_NE(m.find("first difference at line 2, column 5"), std::string::npos) << m;
  EXPECT_NE(m.find("- golden: two is here\n"), std::string::npos) << m;
  EXPECT_NE(m.find("+ actual: two was here\n"), std::string::npos) << m;
  EXPECT_NE(m.find("REPROBE_UPDATE_GOLDEN=1"), std::string::npos) << m;
}

TEST(GoldenFile, ExtraOrMissingLinesAndNoFinalNewline) {
  const std::string longer = message(same_as_golden("g", "a\n", "a\nb\n"));
  EXPECT_NE(longer.find("line 2, column 1"), std::string::npos) << longer;
  EXPECT_NE(longer.find("- golden: <end of file>"), std::string::npos) << longer;
  EXPECT_NE(longer.find("+ actual: b\n"), std::string::npos) << longer;
  const std::string unterminated = message(same_as_golden("g", "a\nb\n", "a\nb"));
  EXPECT_NE(unterminated.find("+ actual: b  <no newline at end of file>"), std::string::npos) << unterminated;
}

TEST(GoldenFile, LongLinesAreCutAroundTheDifference) {
  std::string golden(5000, 'x'), actual(5000, 'x');
  actual[4000] = 'Y';
  const std::string m = message(same_as_golden("g", golden, actual));
  EXPECT_NE(m.find("line 1, column 4001"), std::string::npos) << m;
  const size_t plus = m.find("+ actual: ...");
  ASSERT_NE(plus, std::string::npos) << m;
  const std::string shown = m.substr(plus + 13, m.find('\n', plus) - plus - 13);
  EXPECT_NE(shown.find('Y'), std::string::npos) << shown;
  EXPECT_LT(shown.size(), 250u) << shown;
}

}  // namespace
}  // namespace reprobe
