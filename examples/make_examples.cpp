// Writes examples/<name>.trace for every synthetic scenario.
// usage: make-examples OUTDIR
#include <iostream>

#include "examples/scenarios.h"
#include "replayer/trace/trace_writer.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make-examples OUTDIR\n";
    return 2;
  }
  for (const auto& ex : reprobe::examples::all()) {
    const std::string path = std::string(argv[1]) + "/" + ex.name + ".trace";
    auto text = ex.build().text(ex.end_t);
    if (!text) {
      std::cerr << text.error().str() << "\n";
      return 2;
    }
    auto r = reprobe::write_file_atomically(path, [&](std::ostream& os) { os << *text; });
    if (!r) {
      std::cerr << r.error().str() << "\n";
      return 2;
    }
    std::cout << path << "\n";
  }
  return 0;
}
