// Golden tests of `reprobe import`: every format variant in tests/data/import/*.log
// -> the checked-in trace <variant>.trace, compared byte for byte.
// REPROBE_UPDATE_GOLDEN=1 rewrites the goldens (review the diff!). The inputs
// are written from the kernel's own format strings (make-variants.py).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "replayer/trace/trace_reader.h"
#include "replayer/verdict/replay.h"
#include "tests/support/golden_file.h"
#include "tracer/import/log_importer.h"
#include "tracer/import/log_input.h"

namespace reprobe {
namespace {

namespace fs = std::filesystem;
const fs::path kDir = fs::path(REPROBE_SOURCE_ROOT) / "tests" / "data" / "import";

std::string import_file(const fs::path& p) {
  auto in = LogInput::open(p.string());
  EXPECT_TRUE(in.ok()) << (in.ok() ? "" : in.error().str());
  if (!in) return {};
  LogImporter imp{ImportOptions{}};
  auto r = imp.import(**in);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  std::ostringstream os;
  imp.write_trace(os);
  return os.str();
}

std::vector<std::string> variants() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kDir))
    if (e.path().extension() == ".log") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

class ImportGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ImportGolden, TraceMatchesGolden) {
  const fs::path log = kDir / (GetParam() + ".log");
  const fs::path golden = kDir / (GetParam() + ".trace");
  const std::string actual = import_file(log);
  compare_or_update(golden, actual);
}

TEST_P(ImportGolden, ReadsBackAndReplaysWithLowerConfidence) {
  const std::string text = import_file(kDir / (GetParam() + ".log"));
  auto tr = read_trace_text(text, GetParam() + ".trace");
  ASSERT_TRUE(tr.ok()) << tr.error().str();
  EXPECT_EQ(tr->source, "dmesg");
  EXPECT_TRUE(tr->header.contains("unobserved"));
  ReplayOptions o;
  o.policies = {"stock"};
  // Every variant names a sound-card device except the pasted devices_deferred dump of a non-card device.
  auto rep = replay(*tr, o);
  ASSERT_TRUE(rep.ok()) << rep.error().str();
  EXPECT_EQ(rep->fidelity.confidence, "lower");
}

INSTANTIATE_TEST_SUITE_P(Variants, ImportGolden, ::testing::ValuesIn(variants()), [](const auto& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

// The same boot in every format: the events (everything after the header) are the
// same trace; only timestamps of second-resolution formats and the synthetic clock differ,
// and the input line numbers failure lines carry ("line":N; formats add or join lines).
TEST(ImportGolden, SameBootSameEventsAcrossPreciseFormats) {
  auto events = [](const std::string& name) {
    std::string t = import_file(kDir / (name + ".log"));
    t = t.substr(t.find('\n') + 1);
    t = t.substr(0, t.find("{\"ev\":\"end\""));  // e-mail's oops fragment extends the end time
    for (size_t at = t.find("\"line\":"); at != std::string::npos; at = t.find("\"line\":", at)) {
      const size_t end = t.find(',', at);
      t.erase(at, end == std::string::npos ? std::string::npos : end + 1 - at);
    }
    return t;
  };
  const std::string plain = events("dmesg-plain");
  for (const char* v : {"dmesg-delta", "dmesg-x", "dmesg-raw", "syslog", "journal-monotonic", "kmsg", "html-crlf",
                        "flattened", "dmesg-iso", "email-wrapped"})
    EXPECT_EQ(events(v), plain) << v;
}

TEST(ImportGolden, CompressedInputsDecodeToThePlainTrace) {
  std::string plain = import_file(kDir / "dmesg-plain.log");
  for (const char* ext : {".gz", ".xz", ".zst"}) {
    const std::string name = std::string("dmesg-plain.log") + ext;
    std::string got = import_file(kDir / "compressed" / name);
    const auto at = got.find(name);
    ASSERT_NE(at, std::string::npos) << ext;
    got.replace(at, name.size(), "dmesg-plain.log");
    EXPECT_EQ(got, plain) << ext;
  }
}

TEST(ImportGolden, DyndbgLogsReplayExactly) {
  for (const char* v : {"dmesg-6.1-dyndbg", "dmesg-6.12-devdbg", "dyndbg-prefix", "dmesg-plain", "initcall-debug"}) {
    auto tr = read_trace_text(import_file(kDir / (std::string(v) + ".log")), v);
    ASSERT_TRUE(tr.ok()) << tr.error().str();
    ReplayOptions o;
    o.policies = {"stock"};
    auto rep = replay(*tr, o);
    ASSERT_TRUE(rep.ok()) << rep.error().str();
    EXPECT_TRUE(rep->fidelity.exact) << v << ": "
                                     << (rep->fidelity.divergences.empty() ? "" : rep->fidelity.divergences[0]);
  }
}

}  // namespace
}  // namespace reprobe
