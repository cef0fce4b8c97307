#include "tracer/record/boot_capture.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace reprobe {
namespace fs = std::filesystem;

namespace {

// %g-like but deterministic and without exponent for the values we allow.
std::string seconds_text(double s) { return fmt::format("{}", s); }

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool parse_number(const std::string& s, double& out) {
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

}  // namespace

std::string boot_unit_text(const std::string& exe, const BootCaptureConfig& c) {
  return fmt::format(
      "# Installed by 'reprobe boot enable'; 'reprobe boot disable' removes it.\n"
      "[Unit]\n"
      "Description=reprobe: record driver-core probes and deferrals during boot\n"
      "Documentation=man:reprobe-boot(1)\n"
      "DefaultDependencies=no\n"
      "Wants=sys-kernel-tracing.mount sys-kernel-debug.mount\n"
      "After=sys-kernel-tracing.mount sys-kernel-debug.mount\n"
      "Before=systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service sysinit.target\n"
      "Before=shutdown.target\n"
      "Conflicts=shutdown.target\n"
      "\n"
      "[Service]\n"
      "Type=notify\n"
      "NotifyAccess=main\n"
      "ExecStart={1} boot run --output {0} --max-size {2} --duration {3} --idle {4} --keep {5} --attach-timeout {6} "
      "--preload {8}{9}\n"
      "KillSignal=SIGINT\n"
      "TimeoutStartSec={7}\n"
      "TimeoutStopSec=30\n"
      "\n"
      "[Install]\n"
      "WantedBy=sysinit.target\n",
      c.output_dir, exe, c.max_size_mb, seconds_text(c.duration_s), seconds_text(c.idle_s), c.keep,
      seconds_text(c.attach_timeout_s), seconds_text(c.attach_timeout_s + 30), c.preload.empty() ? "-" : c.preload,
      c.initramfs ? " --initramfs" : "");
}

Result<BootCaptureConfig> parse_boot_unit(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::string line;
  unsigned n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("ExecStart=", 0) != 0) continue;
    const auto w = split_words(line.substr(10));
    if (w.size() < 3 || w[1] != "boot" || w[2] != "run")
      return Error{path, n, "ExecStart does not run 'reprobe boot run' (not a unit written by 'reprobe boot enable')"};
    BootCaptureConfig c;
    std::vector<std::string> pairs;  // the options with a value; the one flag is taken out
    for (size_t i = 3; i < w.size(); ++i) {
      if (w[i] == "--initramfs")
        c.initramfs = true;
      else
        pairs.push_back(w[i]);
    }
    if (pairs.size() % 2 != 0) return Error{path, n, fmt::format("ExecStart option '{}' has no value", pairs.back())};
    for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
      double v = 0;
      const bool numeric = parse_number(pairs[i + 1], v);
      if (pairs[i] == "--output") {
        c.output_dir = pairs[i + 1];
      } else if (numeric && pairs[i] == "--max-size") {
        c.max_size_mb = static_cast<uint64_t>(v);
      } else if (numeric && pairs[i] == "--duration") {
        c.duration_s = v;
      } else if (numeric && pairs[i] == "--idle") {
        c.idle_s = v;
      } else if (pairs[i] == "--preload") {
        c.preload = pairs[i + 1] == "-" ? "" : pairs[i + 1];
      } else if (numeric && pairs[i] == "--attach-timeout") {
        c.attach_timeout_s = v;
      } else if (numeric && pairs[i] == "--keep") {
        c.keep = static_cast<unsigned>(v);
      } else {
        return Error{path, n, fmt::format("unexpected ExecStart option '{} {}'", pairs[i], pairs[i + 1])};
      }
    }
    return c;
  }
  return Error{path, 0, "no ExecStart line"};
}

std::string check_boot_config(const BootCaptureConfig& c) {
  if (c.output_dir.empty() || c.output_dir[0] != '/') return "--output takes an absolute directory";
  if (c.output_dir.find_first_of(" \t\n\"'\\%$;") != std::string::npos)
    return "--output must not contain spaces, quotes, '\\', '%', '$' or ';' (it goes on the unit's ExecStart line)";
  if (c.max_size_mb < 1 || c.max_size_mb > 65536) return "--max-size takes a size in MB between 1 and 65536";
  if (!(c.duration_s >= 1 && c.duration_s <= 3600)) return "--duration takes seconds between 1 and 3600";
  if (!(c.idle_s >= 0.5 && c.idle_s <= 3600)) return "--idle takes seconds between 0.5 and 3600";
  if (c.keep < 1 || c.keep > 1000) return "--keep takes a number of traces between 1 and 1000";
  if (c.preload.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-,") !=
      std::string::npos)
    return "--preload takes module names separated by commas";
  if (!(c.attach_timeout_s >= 1 && c.attach_timeout_s <= 600))
    return "--attach-timeout takes seconds between 1 and 600";
  return {};
}

fs::path boot_trace_path(const std::string& dir, const std::string& boot_id) {
  return fs::path(dir) / ("boot-" + boot_id + ".trace");
}

Result<std::string> current_boot_id() {
  const char* const path = "/proc/sys/kernel/random/boot_id";
  std::ifstream in(path);
  std::string id;
  if (!in || !std::getline(in, id)) return Error{path, 0, "cannot read the boot id"};
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  if (id.size() != 32 || id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Error{path, 1, "not a boot id: '" + id + "'"};
  return id;
}

std::vector<BootTrace> list_boot_traces(const std::string& dir) {
  std::vector<BootTrace> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("boot-", 0) != 0 || name.size() < 11 || name.substr(name.size() - 6) != ".trace") continue;
    std::error_code ec2;
    if (!e.is_regular_file(ec2)) continue;
    BootTrace t;
    t.path = e.path();
    t.size = e.file_size(ec2);
    t.mtime_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(e.last_write_time(ec2).time_since_epoch()).count();
    out.push_back(t);
  }
  std::sort(out.begin(), out.end(), [](const BootTrace& a, const BootTrace& b) {
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns < b.mtime_ns : a.path < b.path;
  });
  return out;
}

std::vector<fs::path> rotate_boot_traces(const std::string& dir, unsigned keep) {
  std::vector<fs::path> removed;
  auto traces = list_boot_traces(dir);
  const size_t room = keep > 0 ? keep - 1 : 0;
  for (size_t i = 0; i + room < traces.size(); ++i) {
    std::error_code ec;
    if (fs::remove(traces[i].path, ec)) removed.push_back(traces[i].path);
  }
  return removed;
}

Result<fs::path> newest_boot_trace(const std::string& unit_path) {
  BootCaptureConfig c;
  if (std::ifstream in(unit_path); in) {
    std::stringstream text;
    text << in.rdbuf();
    REPROBE_TRY_ASSIGN(c, parse_boot_unit(text.str(), unit_path));
  }
  const auto traces = list_boot_traces(c.output_dir);
  if (traces.empty())
    return Error{c.output_dir, 0, "no boot trace here (is boot capture enabled? see 'reprobe boot status')"};
  return traces.back().path;
}

}  // namespace reprobe
