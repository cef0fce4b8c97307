// `--jitter` as written on the command line (replayer/explore/jitter.h): a plain number of ms,
// per-kind ms and shares of the observed duration, and the errors for anything else.
#include <gtest/gtest.h>

#include "replayer/explore/jitter.h"

namespace reprobe {
namespace {

TEST(Jitter, PlainNumberIsUniform) {
  const auto j = Jitter::parse("1.5");
  ASSERT_TRUE(j.ok()) << j.error().str();
  EXPECT_TRUE(j->is_uniform());
  EXPECT_EQ(j->ns[0], 1'500'000u);
  EXPECT_EQ(j->str(), "1.5 ms");
  EXPECT_EQ(Jitter::uniform(2'000'000).str(), "2 ms");
}

TEST(Jitter, PerKindOverridesTheRest) {
  const auto j = Jitter::parse("1,work=2ms,fw=10%,timer=0");
  ASSERT_TRUE(j.ok()) << j.error().str();
  EXPECT_FALSE(j->is_uniform());
  EXPECT_EQ(j->ns[static_cast<size_t>(JitterKind::probe)], 1'000'000u);
  EXPECT_EQ(j->ns[static_cast<size_t>(JitterKind::work)], 2'000'000u);
  EXPECT_DOUBLE_EQ(j->share[static_cast<size_t>(JitterKind::fw)], 0.1);
  EXPECT_EQ(j->ns[static_cast<size_t>(JitterKind::timer)], 0u);
  EXPECT_EQ(j->str(), "probe=1 ms, work=2 ms, fw=10%, task=1 ms, timer=0 ms");
  const auto k = Jitter::parse("probe=3");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->str(), "probe=3 ms, work=0 ms, fw=0 ms, task=0 ms, timer=0 ms") << "unnamed kinds: 0 without a plain MS";
  const auto same = Jitter::parse("probe=2,work=2,fw=2,task=2,timer=2");
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->is_uniform());
}

TEST(Jitter, Refused) {
  const auto err = [](const char* s) {
    const auto j = Jitter::parse(s);
    return j.ok() ? std::string("accepted") : j.error().str();
  };
  EXPECT_EQ(err(""), "--jitter '': '' is empty");
  EXPECT_EQ(err("-1"), "--jitter '-1': '-1' is not a number of ms in 0..60000");
  EXPECT_EQ(err("70000"), "--jitter '70000': '70000' is not a number of ms in 0..60000");
  EXPECT_EQ(err("1,2"), "--jitter '1,2': '2' is not KIND=VALUE (only the first item may be a bare number of ms)");
  EXPECT_EQ(err("dsp=1"), "--jitter 'dsp=1': 'dsp=1' names no kind (probe, work, fw, task, timer)");
  EXPECT_EQ(err("work=x"), "--jitter 'work=x': 'work=x' is not a number of ms in 0..60000 or a share like 10%");
  EXPECT_EQ(err("fw=2000%"), "--jitter 'fw=2000%': 'fw=2000%' is not a share in 0..1000 %");
  EXPECT_EQ(err("1,"), "--jitter '1,': '' is not KIND=VALUE (only the first item may be a bare number of ms)");
}

}  // namespace
}  // namespace reprobe
