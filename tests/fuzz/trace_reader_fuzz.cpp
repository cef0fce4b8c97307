// libFuzzer target for the strict trace reader (replayer/trace/trace_reader.cpp):
// any bytes give a Trace or an Error, never a crash; a trace that reads writes
// back canonically, the canonical text reads again, and writing that again
// gives the same bytes (x- fields are not kept, so equality is checked on the
// canonical form). Seed corpus: tests/fuzz/corpus-trace_reader_fuzz.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "trace_reader_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

std::string canonical(const reprobe::Trace& t, const char* when) {
  std::ostringstream os;
  if (auto w = reprobe::write_trace(t, os); !w) fail(when, w.error().str());
  return os.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reprobe;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto first = read_trace_text(text, "fuzz.trace");
  if (!first) {
    if (first.error().path != "fuzz.trace") fail("error without the input's name", first.error().str());
    return 0;
  }
  const std::string once = canonical(*first, "a read trace does not write back");
  auto second = read_trace_text(once, "canonical.trace");
  if (!second) fail("the canonical form does not read back", second.error().str() + "\n" + once);
  if (second->events.size() != first->events.size()) fail("event count changed on re-reading", once);
  const std::string twice = canonical(*second, "a re-read trace does not write back");
  if (twice != once) fail("canonical form is not stable", once + "\n---\n" + twice);
  return 0;
}
