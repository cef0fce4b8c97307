// reprobe-bpf-selftest: standalone capture check for the BPF side.
//
//   reprobe-bpf-selftest [record] [-o FILE] [--btf FILE] [--duration S] [-v] [--smoke]
//
// --smoke (meson test "bpf_smoke"): exit 77 (skipped) without BPF privileges,
// otherwise BpfTracer::start must succeed (degrading as the kernel requires).
//
// Starts BpfTracer, prints hook tiers and what will be missing on stderr,
// writes a trace (format v1, through the canonical TraceWriter, so every event
// is validated) to FILE (default stdout) until SIGINT/SIGTERM or --duration,
// then drains and writes the end line. The header lists every device of
// /sys/bus/*/devices. A leading "record" argument is accepted and ignored so
// the VM harness can run it in place of `reprobe record`.
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "replayer/trace/trace_writer.h"
#include "tracer/ebpf/bpf_tracer.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::string read_line(const std::string& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

// NOLINTNEXTLINE(readability-function-size): a linear test script
int main(int argc, char** argv) {
  std::string out = "-", btf;
  bool verbose = false, smoke = false;
  double duration = 0;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "record" && i == 1) continue;
    if ((a == "-o" || a == "--output") && i + 1 < argc)
      out = argv[++i];
    else if (a == "--btf" && i + 1 < argc)
      btf = argv[++i];
    else if (a == "--duration" && i + 1 < argc)
      duration = std::atof(argv[++i]);
    else if (a == "-v" || a == "--verbose")
      verbose = true;
    else if (a == "--smoke")
      smoke = true;
    else {
      std::cerr << "usage: reprobe-bpf-selftest [record] [-o FILE] [--btf FILE] [--duration S] [-v] [--smoke]\n";
      return 2;
    }
  }

  // devices present now: /sys/bus/<bus>/devices/<name> (one entry per name, non-acpi first)
  std::map<std::string, std::string> devs;
  std::error_code ec;
  for (const auto& bus : std::filesystem::directory_iterator("/sys/bus", ec)) {
    std::error_code ec2;
    for (const auto& d : std::filesystem::directory_iterator(bus.path() / "devices", ec2)) {
      std::string name = d.path().filename().string(), b = bus.path().filename().string();
      auto it = devs.find(name);
      if (it == devs.end() || it->second == "acpi") devs[name] = b;
    }
  }

  if (smoke) {
    if (auto why = reprobe::bpf_check_privileges(); !why.empty()) {
      std::cerr << "skipped: " << why << "\n";
      return 77;
    }
  }
  reprobe::BpfOptions opts;
  opts.btf_path = btf;
  opts.verbose = verbose;
  opts.log = [](const std::string& s) { std::cerr << "tracer: " << s << "\n"; };
  for (const auto& [n, b] : devs) opts.initial_devices.push_back(n);

  auto r = reprobe::BpfTracer::start(opts);
  if (!r) {
    std::cerr << "reprobe-bpf-selftest: " << r.error().str() << "\n";
    return 1;
  }
  auto& tr = *r.value();
  for (const auto& h : tr.hook_status())
    std::cerr << "hook " << h.hook << ": " << (h.tier.empty() ? (h.pending ? "pending" : "-") : h.tier)
              << (h.targets.empty() ? ""
                                    : " [" +
                                          [&] {
                                            std::string s;
                                            for (auto& t : h.targets) s += (s.empty() ? "" : ",") + t;
                                            return s;
                                          }() +
                                          "]")
              << (h.note.empty() ? "" : " (" + h.note + ")") << "\n";
  for (const auto& m : tr.missing()) std::cerr << "missing: " << m << "\n";

  std::ofstream file;
  std::ostream* os = &std::cout;
  if (out != "-") {
    file.open(out, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "reprobe-bpf-selftest: cannot write " << out << ": " << std::strerror(errno) << "\n";
      return 1;
    }
    os = &file;
  }
  reprobe::TraceWriter w(*os);
  nlohmann::ordered_json header;
  header["format"] = "reprobe-trace";
  header["version"] = 1;
  header["source"] = "bpf";
  nlohmann::ordered_json kernel;
  kernel["release"] = tr.kernel_release();
  std::string cmdline = read_line("/proc/cmdline");
  if (!cmdline.empty()) kernel["cmdline"] = cmdline;
  header["kernel"] = kernel;
  header["clock"] = "boottime_ns";
  header["hooks"] = tr.hooks_json();
  nlohmann::ordered_json devices = nlohmann::ordered_json::array();
  for (const auto& [n, b] : devs) devices.push_back({{"dev", n}, {"bus", b}});
  header["devices"] = devices;
  nlohmann::ordered_json x;
  x["new_probe_convention"] = tr.new_probe_convention();
  x["missing"] = tr.missing();
  header["x-tracer"] = x;
  if (auto r = w.header(header); !r) {
    std::cerr << "reprobe-bpf-selftest: header rejected: " << r.error().message << "\n";
    return 1;
  }
  w.flush();

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  uint64_t invalid = 0;
  auto sink = [&](nlohmann::ordered_json j) {
    if (auto r = w.event(j); !r) {
      invalid++;
      std::cerr << "invalid event (" << r.error().message << "): " << j.dump() << "\n";
    }
  };
  uint64_t t0 = reprobe::boottime_ns();
  while (!g_stop) {
    auto n = tr.poll(100, sink);
    if (!n) {
      std::cerr << "reprobe-bpf-selftest: " << n.error().str() << "\n";
      break;
    }
    w.flush();
    if (duration > 0 && reprobe::boottime_ns() - t0 > static_cast<uint64_t>(duration * 1e9)) break;
  }
  tr.drain(sink);
  w.end(tr.dropped(), tr.lost() + invalid, reprobe::boottime_ns());
  w.flush();
  std::cerr << "events " << w.events_written() << ", dropped " << tr.dropped() << ", lost " << tr.lost() << ", invalid "
            << invalid << "\n";
  return invalid ? 3 : 0;
}
