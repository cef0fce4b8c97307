// libFuzzer target for the kernel-log importer: any input must either be
// refused with an Error (binary, huge line, corrupt compression) or produce a
// trace that the strict trace reader accepts. Built by meson -Dfuzz=enabled (scripts/fuzz.sh)
// (clang++ -fsanitize=fuzzer,address,undefined); seed corpus: tests/fuzz/corpus
// plus tests/data/import/*.log.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "replayer/trace/trace_reader.h"
#include "tracer/import/log_importer.h"
#include "tracer/import/log_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reprobe;
  LogInputLimits lim;
  lim.max_line_bytes = 1 << 20;
  auto in = LogInput::from_memory(std::string(reinterpret_cast<const char*>(data), size), "fuzz.log", lim);
  if (!in) return 0;
  ImportOptions o;
  o.strict = size > 0 && (data[0] & 1);
  LogImporter imp(o);
  if (!imp.import(*in)) return 0;
  std::ostringstream os;
  imp.write_trace(os);
  auto back = read_trace_text(os.str(), "fuzz.trace");
  if (!back) {
    std::fprintf(stderr, "importer wrote an invalid trace: %s\n%s\n", back.error().str().c_str(), os.str().c_str());
    std::abort();
  }
  return 0;
}
