// The kmsg capture backend and the dynamic-debug session; see kmsg_backend.h.
#include "tracer/record/kmsg_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "replayer/trace/trace_writer.h"
#include "tracer/import/log_importer.h"
#include "tracer/record/recording_output.h"
#include "tracer/record/recording_session.h"
#include "tracer/record/workload.h"
#include "tracer/snapshot/snapshot.h"

namespace reprobe {

namespace fs = std::filesystem;

std::vector<DyndbgSite> parse_dyndbg_control(std::string_view text) {
  std::vector<DyndbgSite> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (l.empty() || l[0] == '#') continue;
    const size_t sp = l.find(' ');
    const size_t colon = l.rfind(':', sp);
    if (sp == std::string_view::npos || colon == std::string_view::npos) continue;
    DyndbgSite s;
    s.file = std::string(l.substr(0, colon));
    s.line = static_cast<unsigned>(std::strtoul(std::string(l.substr(colon + 1, sp - colon - 1)).c_str(), nullptr, 10));
    std::string_view rest = l.substr(sp + 1);
    if (!rest.empty() && rest[0] == '[') {
      const size_t rb = rest.find(']');
      if (rb == std::string_view::npos) continue;
      s.module = std::string(rest.substr(1, rb - 1));
      rest = rest.substr(rb + 1);
    }
    const size_t fsp = rest.find(' ');
    if (fsp == std::string_view::npos) continue;
    s.function = std::string(rest.substr(0, fsp));
    rest = rest.substr(fsp + 1);
    if (rest.empty() || rest[0] != '=') continue;
    const size_t esp = rest.find(' ');
    s.flags = std::string(rest.substr(1, esp == std::string_view::npos ? std::string_view::npos : esp - 1));
    out.push_back(std::move(s));
  }
  return out;
}

const std::vector<std::string>& default_dyndbg_queries() {
  static const std::vector<std::string> k = {
      "file drivers/base/dd.c +p",                      // probe, deferral, retry, bind lines (kernel-model.md §4.2)
      "file drivers/base/core.c format \"error \" +p",  // dev_err_probe(-EPROBE_DEFER) reasons, wait for supplier
      "module snd_soc_core format \"not found\" +p",    // ASoC component lookups of the card bind
      "module snd_sof format \"machine\" +p",           // SOF: created machine
  };
  return k;
}

namespace {

class ControlFile final : public DyndbgControl {
 public:
  explicit ControlFile(fs::path p) : path_(std::move(p)) {}
  Result<std::string> read() override {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return Error{path_.string(), 0, fmt::format("cannot read: {}", std::strerror(errno))};
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
  }
  Result<bool> write(const std::string& q) override {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return Error{path_.string(), 0, fmt::format("cannot write: {}", std::strerror(errno))};
    const std::string line = q + "\n";
    const ssize_t w = ::write(fd, line.data(), line.size());
    const int err = errno;
    ::close(fd);
    if (w != static_cast<ssize_t>(line.size()))
      return Error{path_.string(), 0, fmt::format("query '{}' refused: {}", q, std::strerror(err))};
    return true;
  }

 private:
  fs::path path_;
};

std::string site_key(const DyndbgSite& s) { return s.file + ":" + std::to_string(s.line) + " " + s.function; }

}  // namespace

std::shared_ptr<DyndbgControl> dyndbg_control_file(const fs::path& path) { return std::make_shared<ControlFile>(path); }

Result<DyndbgSession> DyndbgSession::enable(const fs::path& control, const std::vector<std::string>& queries,
                                            const std::function<void(const std::string&)>& log) {
  return enable(dyndbg_control_file(control), queries, log);
}

Result<DyndbgSession> DyndbgSession::enable(std::shared_ptr<DyndbgControl> control,
                                            const std::vector<std::string>& queries,
                                            const std::function<void(const std::string&)>& log) {
  auto before = control->read();
  if (!before) return before.error();
  std::map<std::string, bool> was;
  for (const auto& s : parse_dyndbg_control(*before)) was[site_key(s)] = s.printing();
  DyndbgSession session;
  session.control_ = control;
  session.active_ = true;
  bool any = false;
  for (const auto& q : queries) {
    auto r = control->write(q);
    if (r)
      any = true;
    else if (log)
      log(r.error().str() + " (module not loaded?)");
  }
  if (!any) {
    session.active_ = false;
    return Error{"dynamic_debug/control", 0, "no dynamic-debug query was accepted"};
  }
  auto after = control->read();
  if (!after) return after.error();
  for (const auto& s : parse_dyndbg_control(*after)) {
    auto it = was.find(site_key(s));
    const bool printed_before = it != was.end() && it->second;
    if (s.printing() && !printed_before) session.changed_.push_back(s);
  }
  return session;
}

DyndbgSession::DyndbgSession(DyndbgSession&& o) noexcept
    : control_(std::move(o.control_)), changed_(std::move(o.changed_)), active_(o.active_) {
  o.active_ = false;
}

DyndbgSession& DyndbgSession::operator=(DyndbgSession&& o) noexcept {
  if (this != &o) {
    (void)restore();
    control_ = std::move(o.control_);
    changed_ = std::move(o.changed_);
    active_ = o.active_;
    o.active_ = false;
  }
  return *this;
}

DyndbgSession::~DyndbgSession() { (void)restore(); }

Result<bool> DyndbgSession::restore() {
  if (!active_) return true;
  active_ = false;
  std::optional<Error> first;
  for (const auto& s : changed_) {
    auto r = control_->write(fmt::format("file {} line {} -p", s.file, s.line));
    if (!r && !first) first = r.error();
  }
  if (first) return *first;
  return true;
}

std::optional<fs::path> find_dyndbg_control(const fs::path& debugfs_root, const fs::path& proc_root) {
  std::error_code ec;
  for (const fs::path& p : {debugfs_root / "dynamic_debug" / "control", proc_root / "dynamic_debug" / "control"})
    if (fs::exists(p, ec)) return p;
  return std::nullopt;
}

namespace {

uint64_t now_boottime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Lines the importer skipped with a loss (bad timestamps, over-long names): warned about, and
// counted in the end line's lost.
uint64_t import_losses(const LogImporter& imp, const std::function<void(const std::string&)>& log) {
  for (const auto& w : imp.warnings()) log("warning: " + w);
  return imp.stats().bad_timestamps + imp.stats().overlong;
}

// Reads every record available now; false on a fatal read error.
bool drain_kmsg(int fd, LogImporter& imp, uint64_t& records, uint64_t& lost, uint64_t& line_no, std::string& err) {
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EAGAIN) return true;
      if (errno == EINTR) return true;
      if (errno == EPIPE) {  // overwritten before we read it
        ++lost;
        continue;
      }
      err = std::strerror(errno);
      return false;
    }
    if (n == 0) return true;
    ++records;
    std::string_view rec(buf, static_cast<size_t>(n));
    size_t pos = 0;
    while (pos < rec.size()) {
      size_t nl = rec.find('\n', pos);
      if (nl == std::string_view::npos) nl = rec.size();
      (void)imp.feed(rec.substr(pos, nl - pos), "kmsg", ++line_no);
      pos = nl + 1;
    }
  }
}

}  // namespace

int record_with_kmsg(const KmsgRecordOptions& o) {
  auto log = [&](const std::string& s) { std::cerr << "reprobe record: " << s << "\n"; };
  const int fd = ::open(o.kmsg.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    log(fmt::format("{}: cannot open: {}{}", o.kmsg.string(), std::strerror(errno),
                    errno == EPERM || errno == EACCES ? " (needs root or kernel.dmesg_restrict=0)" : ""));
    return 2;
  }
  if (o.from_now) ::lseek(fd, 0, SEEK_END);

  // Handlers first: a signal while dynamic debug is being enabled still ends in restore().
  const std::atomic<int>& stop_signal = install_stop_signal_handlers();

  std::optional<DyndbgSession> dyn;
  std::vector<std::string> dyndbg_sites;
  if (o.dyndbg) {
    auto control = find_dyndbg_control(o.debugfs_root);
    if (!control) {
      log("--dyndbg: no dynamic_debug/control under " + o.debugfs_root.string() +
          " or /proc (CONFIG_DYNAMIC_DEBUG off, or debugfs not mounted)");
      ::close(fd);
      return 2;
    }
    auto s = DyndbgSession::enable(*control, default_dyndbg_queries(),
                                   o.verbose ? log : std::function<void(const std::string&)>{});
    if (!s) {
      log("--dyndbg: " + s.error().str());
      ::close(fd);
      return 2;
    }
    dyn = std::move(*s);
    for (const auto& site : dyn->changed()) dyndbg_sites.push_back(fmt::format("{}:{}", site.file, site.line));
    log(fmt::format("dynamic debug enabled on {} call sites (restored on exit)", dyn->changed().size()));
  }

  ImportOptions io;
  io.source = "kmsg";
  io.redact = o.redact;
  LogImporter imp(io);
  uint64_t records = 0, lost = 0, line_no = 0;
  std::string err;
  if (!drain_kmsg(fd, imp, records, lost, line_no, err)) {
    log(fmt::format("{}: read failed: {}", o.kmsg.string(), err));
    ::close(fd);
    return 2;
  }

  SnapshotOptions so;
  so.redact = o.redact;
  Redactor redactor = o.redact ? Redactor::for_this_machine() : Redactor::disabled();
  so.redactor = &redactor;
  nlohmann::ordered_json snapshot = take_snapshot(so);
  nlohmann::ordered_json header = imp.header_json();
  header["kernel"] = header_kernel_json(snapshot);
  header["snapshot"] = snapshot;
  nlohmann::ordered_json rec;
  rec["backend"] = "kmsg";
  rec["from"] = o.from_now ? "now" : "start of the ring buffer";
  rec["dyndbg"] = dyndbg_sites;
  if (!o.why.empty()) rec["why"] = o.why;
  rec["redacted"] = o.redact;
  header["x-record"] = rec;

  auto output = RecordingOutput::open(o.output, header);
  if (!output) {
    log(output.error().str());
    ::close(fd);
    return 2;
  }
  std::ostream* out = &(*output)->stream();
  TraceWriter& writer = (*output)->writer();
  log(fmt::format("recording /dev/kmsg to {} (from {}{}); Ctrl-C to stop", (*output)->name(),
                  o.from_now ? "now" : "the start of the ring buffer", o.dyndbg ? ", dyndbg on" : ""));

  // Events become final once the log has moved on: inference may still close an attempt
  // up to a second after its last line.
  constexpr uint64_t kSettle = 2000000000ull;
  auto flush = [&] {
    const uint64_t lt = imp.last_time();
    imp.flush_events(*out, lt > kSettle ? lt - kSettle : 0);
    out->flush();
  };
  flush();

  RecordingSession session(o.stop_rules(), RecordingSession::Clock::now(), stop_signal);
  if (!o.replug.empty() || !o.rebind.empty()) reprobe_workload(o.replug, o.rebind, nullptr, log);
  if (!o.command.empty()) session.watch_command(spawn_command(o.command));
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 100);
    const uint64_t before = records;
    if (!drain_kmsg(fd, imp, records, lost, line_no, err)) {
      log(fmt::format("{}: read failed: {}", o.kmsg.string(), err));
      session.source_failed();
      break;
    }
    flush();
    if (!session.output_ok(*out, o.output, log)) break;
    if (session.should_stop(RecordingSession::Clock::now(), records > before)) break;
  }
  if (session.why_stopped() == StopReason::command_exited) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 500);  // let deferred work and firmware callbacks print
    (void)drain_kmsg(fd, imp, records, lost, line_no, err);
  }
  session.finish_command();
  // Restore dynamic debug before the (slow) end snapshot.
  if (dyn)
    if (auto r = dyn->restore(); !r) log("--dyndbg: restoring: " + r.error().str());
  imp.finish_events(*out);
  nlohmann::ordered_json extra;
  extra["snapshot"] = take_snapshot(so);
  session.add_end_fields(extra);
  extra["x-records"] = records;
  writer.end(0, lost + import_losses(imp, log), std::max(imp.last_time(), now_boottime_ns()), extra);
  writer.flush();
  ::close(fd);
  log(fmt::format("{} kmsg records, {} events, {} overwritten before read{}", records, imp.stats().events, lost,
                  o.output == "-" ? "" : ", written to " + o.output));
  return session.exit_code();
}

}  // namespace reprobe
