// `reprobe record --backend kmsg`: live capture without BPF. Reads /dev/kmsg
// (by default from the start of the ring buffer, so a capture started late
// still sees the boot), turns records into trace events with the log
// importer (source "kmsg"), writes them incrementally (a killed recorder
// leaves a valid prefix) and ends with the end snapshot like the bpf backend.
// With --dyndbg it enables dynamic debug for the driver core (and the sound
// modules' probe-relevant messages) for the duration and restores exactly the
// sites it changed on exit, SIGINT and SIGTERM (DyndbgSession).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "replayer/trace/error.h"
#include "tracer/record/recording_session.h"

namespace reprobe {

// One dynamic-debug call site as listed by <debugfs>/dynamic_debug/control:
// "drivers/base/dd.c:104 [dd]deferred_probe_work_func =p \"Retrying from deferred list\\n\"".
struct DyndbgSite {
  std::string file;
  unsigned line = 0;
  std::string module;
  std::string function;
  std::string flags;  // without '=', "_" when none
  bool printing() const { return flags.find('p') != std::string::npos; }
};
std::vector<DyndbgSite> parse_dyndbg_control(std::string_view text);

// The queries --dyndbg writes (docs/import.md): drivers/base/dd.c whole,
// dev_err_probe() reasons in drivers/base/core.c, ASoC component lookups and
// SOF machine messages.
const std::vector<std::string>& default_dyndbg_queries();

// Access to the dynamic-debug control file: read the site table, write one query.
class DyndbgControl {
 public:
  virtual ~DyndbgControl() = default;
  virtual Result<std::string> read() = 0;
  virtual Result<bool> write(const std::string& query) = 0;
};
// The control file at `path` (<debugfs>/dynamic_debug/control or /proc/dynamic_debug/control):
// each query is written with its own write(), like `echo QUERY > control`.
std::shared_ptr<DyndbgControl> dyndbg_control_file(const std::filesystem::path& path);

// Enables queries and remembers which sites went from not printing to
// printing, so restore() turns off exactly those (nothing else is touched).
class DyndbgSession {
 public:
  static Result<DyndbgSession> enable(const std::filesystem::path& control, const std::vector<std::string>& queries,
                                      const std::function<void(const std::string&)>& log = {});
  static Result<DyndbgSession> enable(std::shared_ptr<DyndbgControl> control, const std::vector<std::string>& queries,
                                      const std::function<void(const std::string&)>& log = {});
  DyndbgSession() = default;
  DyndbgSession(DyndbgSession&&) noexcept;
  DyndbgSession& operator=(DyndbgSession&&) noexcept;
  ~DyndbgSession();  // restores if restore() was not called
  // Writes "file F line N -p" for every site this session turned on. Idempotent.
  Result<bool> restore();
  const std::vector<DyndbgSite>& changed() const { return changed_; }

 private:
  std::shared_ptr<DyndbgControl> control_;
  std::vector<DyndbgSite> changed_;
  bool active_ = false;
};

// Finds the dynamic_debug control file: <debugfs>/dynamic_debug/control, then /proc/dynamic_debug/control.
std::optional<std::filesystem::path> find_dyndbg_control(
    const std::filesystem::path& debugfs_root = "/sys/kernel/debug", const std::filesystem::path& proc_root = "/proc");

struct KmsgRecordOptions : RecordOptions {
  bool dyndbg = false;
  bool from_now = false;  // start at the end of the ring instead of its start
  std::filesystem::path kmsg = "/dev/kmsg";
  std::filesystem::path debugfs_root = "/sys/kernel/debug";
  std::string why;  // why this backend runs (auto fallback), recorded in the header
};

// Runs the whole capture; returns the process exit status (0 ok, 2 error).
int record_with_kmsg(const KmsgRecordOptions& options);

}  // namespace reprobe
