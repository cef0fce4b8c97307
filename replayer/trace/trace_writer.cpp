#include "replayer/trace/trace_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <streambuf>

#include <fmt/format.h>

namespace reprobe {
namespace {

using json = nlohmann::ordered_json;

const EventSpec* spec_for(std::string_view ev) {
  if (ev.starts_with("x-")) return &event_spec(EventKind::extension);
  auto k = event_kind_from(ev);
  return k ? &event_spec(*k) : nullptr;
}

Error invalid(std::string message) { return Error{"", 0, std::move(message)}; }

Result<void> check_type(const FieldSpec& f, const json& v) {
  auto bad = [&](const char* what) {
    return invalid(fmt::format("field '{}' must be {}, got {}", f.name, what, v.dump()));
  };
  switch (f.type) {
    case FieldType::dev_ref:
    case FieldType::dev_decl:
    case FieldType::str:
      if (!v.is_string()) return bad("a string");
      break;
    case FieldType::outcome:
      if (!v.is_string() || !probe_outcome_from(v.get<std::string>())) return bad("bound|deferred|failed|rejected");
      break;
    case FieldType::fw_mode:
      if (!v.is_string() || (v != "sync" && v != "nowait")) return bad("sync|nowait");
      break;
    case FieldType::i64:
      if (!v.is_number_integer()) return bad("an integer");
      break;
    case FieldType::u64:
      if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        return bad("an unsigned integer");
      break;
    case FieldType::boolean:
      if (!v.is_boolean()) return bad("a boolean");
      break;
    case FieldType::str_list:
      if (!v.is_array()) return bad("an array of strings");
      for (const auto& i : v)
        if (!i.is_string()) return bad("an array of strings");
      break;
  }
  return {};
}

}  // namespace

Result<std::string> canonical_header_line(const json& h) {
  if (!h.is_object()) return invalid("header must be an object");
  json out = json::object();
  static constexpr const char* kOrder[] = {"format", "version",  "source",  "kernel", "clock",
                                           "hooks",  "snapshot", "devices", "drivers"};
  for (const char* k : kOrder)
    if (h.contains(k)) out[k] = h[k];
  for (const auto& [k, v] : h.items())
    if (!out.contains(k)) out[k] = v;
  for (const char* k : {"format", "version", "source", "kernel", "clock", "hooks"})
    if (!out.contains(k)) return invalid(fmt::format("header is missing '{}'", k));
  return out.dump();
}

Result<std::string> canonical_event_line(const json& e) {
  if (!e.is_object() || !e.contains("ev") || !e["ev"].is_string()) return invalid("event needs a string field 'ev'");
  const std::string ev = e["ev"];
  const EventSpec* spec = spec_for(ev);
  if (!spec) return invalid(fmt::format("unknown event '{}'", ev));
  if (!e.contains("t") || !(e["t"].is_number_unsigned() || (e["t"].is_number_integer() && e["t"].get<int64_t>() >= 0)))
    return invalid(fmt::format("event '{}' needs an unsigned 't'", ev));
  json out = json::object();
  out["t"] = e["t"];
  for (const char* k : {"cpu", "tid", "comm"})
    if (e.contains(k) && !e[k].is_null()) out[k] = e[k];
  out["ev"] = ev;
  if (spec->kind != EventKind::extension) {
    for (const auto& f : spec->fields) {
      std::string key(f.name);
      if (e.contains(key) && !e[key].is_null()) {
        REPROBE_TRY(check_type(f, e[key]));
        out[key] = e[key];
      } else if (f.required) {
        return invalid(fmt::format("event '{}' is missing field '{}'", ev, f.name));
      }
    }
    if (e.contains("inferred") && e["inferred"].is_boolean() && e["inferred"].get<bool>()) out["inferred"] = true;
  }
  std::vector<std::string> extra;
  for (const auto& [k, v] : e.items()) {
    if (out.contains(k) || k == "inferred" || v.is_null()) continue;
    if (spec->kind == EventKind::extension || k.starts_with("x-")) {
      extra.push_back(k);
      continue;
    }
    return invalid(fmt::format("unknown field '{}' in event '{}'", k, ev));
  }
  std::sort(extra.begin(), extra.end());
  for (const auto& k : extra) out[k] = e[k];
  return out.dump();
}

json event_to_json(const Trace& tr, const Event& e) {
  if (e.kind == EventKind::extension) return json::parse(tr.extensions[e.id]);
  json o = json::object();
  o["t"] = e.t;
  if (e.cpu >= 0) o["cpu"] = e.cpu;
  if (e.tid >= 0) o["tid"] = e.tid;
  if (e.comm) o["comm"] = tr.str(e.comm);
  o["ev"] = to_string(e.kind);
  for (const auto& f : event_spec(e.kind).fields) {
    const std::string key(f.name);
    switch (f.type) {
      case FieldType::dev_ref:
      case FieldType::dev_decl:
        if (e.dev != kNoDev) o[key] = tr.dev_name(e.dev);
        break;
      case FieldType::str: {
        StrId id = f.slot == Slot::drv ? e.drv : f.slot == Slot::name ? e.name : f.slot == Slot::s2 ? e.s2 : e.s3;
        if (id) o[key] = tr.str(id);
        break;
      }
      case FieldType::i64:
        if (e.has_num()) o[key] = e.num;
        break;
      case FieldType::u64:
        if (e.has_id()) o[key] = e.id;
        break;
      case FieldType::boolean:
        if (e.has_flag()) o[key] = e.flag;
        break;
      case FieldType::outcome:
        o[key] = to_string(e.outcome);
        break;
      case FieldType::fw_mode:
        o[key] = e.flag ? "nowait" : "sync";
        break;
      case FieldType::str_list:
        if (e.list) {
          json a = json::array();
          for (StrId s : tr.lists[e.list]) a.push_back(tr.str(s));
          o[key] = a;
        }
        break;
    }
  }
  if (e.inferred) o["inferred"] = true;
  return o;
}

std::string canonical_event_line(const Trace& tr, const Event& e) {
  // A parsed trace's extension events were checked by the reader: canonicalising them cannot fail.
  if (e.kind == EventKind::extension) {
    auto line = canonical_event_line(json::parse(tr.extensions[e.id]));
    return line ? std::move(*line) : json::parse(tr.extensions[e.id]).dump();
  }
  return event_to_json(tr, e).dump();
}

Result<void> TraceWriter::header(const json& h) {
  REPROBE_TRY_ASSIGN(const std::string line, canonical_header_line(h));
  out_ << line << '\n';
  return {};
}
Result<void> TraceWriter::event(const json& e) {
  REPROBE_TRY_ASSIGN(const std::string line, canonical_event_line(e));
  out_ << line << '\n';
  ++events_;
  return {};
}
void TraceWriter::event(const Trace& tr, const Event& e) {
  out_ << canonical_event_line(tr, e) << '\n';
  ++events_;
}
void TraceWriter::end(uint64_t dropped, uint64_t lost, std::optional<uint64_t> t, const json& extra) {
  json o = json::object();
  o["ev"] = "end";
  if (t) o["t"] = *t;
  o["dropped"] = dropped;
  o["lost"] = lost;
  for (const auto& [k, v] : extra.items())
    if (!o.contains(k)) o[k] = v;
  out_ << o.dump() << '\n';
}

json trace_header_json(const Trace& tr) {
  json h = tr.header;
  json devs = json::array();
  for (const auto& d : tr.devices) {
    if (!d.from_header) continue;
    json o = json::object();
    o["dev"] = tr.str(d.name);
    o["bus"] = tr.str(d.bus);
    if (d.parent) o["parent"] = tr.str(d.parent);
    if (d.initial_driver) o["driver"] = tr.str(d.initial_driver);
    devs.push_back(o);
  }
  if (!devs.empty())
    h["devices"] = devs;
  else
    h.erase("devices");
  json drvs = json::array();
  for (const auto& d : tr.initial_drivers) {
    json o = json::object();
    o["drv"] = tr.str(d.name);
    o["bus"] = tr.str(d.bus);
    if (d.async) o["async"] = true;
    drvs.push_back(o);
  }
  if (!drvs.empty())
    h["drivers"] = drvs;
  else
    h.erase("drivers");
  return h;
}

Result<void> write_trace(const Trace& tr, std::ostream& out) {
  TraceWriter w(out);
  REPROBE_TRY(w.header(trace_header_json(tr)));
  for (const auto& e : tr.events) w.event(tr, e);
  if (tr.end) w.end(tr.end->dropped, tr.end->lost, tr.end->t, tr.end_extra);
  return {};
}

namespace {

// A streambuf over a file descriptor that keeps the errno of the first failed write (std::ofstream
// only says "failed"). After a failure it discards the rest.
class FdStreamBuf final : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd) { setp(buf_.data(), buf_.data() + buf_.size()); }
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;
  // 0, or the errno of the first write that failed.
  int error() const { return err_; }

 protected:
  int_type overflow(int_type c) override {
    if (drain() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain(); }

 private:
  int drain() {
    const char* p = pbase();
    size_t n = static_cast<size_t>(pptr() - pbase());
    setp(buf_.data(), buf_.data() + buf_.size());
    while (n > 0 && err_ == 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        err_ = w < 0 ? errno : EIO;
        break;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return err_ == 0 ? 0 : -1;
  }
  int fd_;
  int err_ = 0;
  std::array<char, 1 << 16> buf_{};
};

// Runs body into fd; an Error naming path and strerror on a failed write.
Result<void> write_fd(int fd, const std::string& path, const std::function<void(std::ostream&)>& body) {
  FdStreamBuf sb(fd);
  std::ostream os(&sb);
  body(os);
  os.flush();
  if (sb.error() != 0) return Error{path, 0, fmt::format("write failed: {}", std::strerror(sb.error()))};
  if (!os) return Error{path, 0, "write failed"};
  return {};
}

// The temporary files being written, for the signal handlers of the CLI: fixed storage, no
// allocation, slots published with a flag after their path is complete.
constexpr size_t kPendingSlots = 8;
constexpr size_t kPendingPathMax = 4200;
struct PendingTemp {
  volatile std::sig_atomic_t used = 0;
  std::array<char, kPendingPathMax> path{};
};
std::array<PendingTemp, kPendingSlots> g_pending;

// The slot that now holds tmp, or -1 when there is none free (the file is then not cleaned on a signal).
int register_pending(const std::string& tmp) {
  if (tmp.size() >= kPendingPathMax) return -1;
  for (size_t i = 0; i < g_pending.size(); ++i) {
    if (g_pending[i].used) continue;
    std::memcpy(g_pending[i].path.data(), tmp.c_str(), tmp.size() + 1);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    g_pending[i].used = 1;
    return static_cast<int>(i);
  }
  return -1;
}

void unregister_pending(int slot) {
  if (slot >= 0) g_pending[static_cast<size_t>(slot)].used = 0;
}

// Devices, FIFOs (/dev/null, /dev/stdout): written in place, never renamed over.
Result<void> write_in_place(const std::string& path, const std::function<void(std::ostream&)>& body) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Error{path, 0, fmt::format("cannot open: {}", std::strerror(errno))};
  auto r = write_fd(fd, path, body);
  ::close(fd);
  return r;
}

}  // namespace

size_t remove_pending_temp_files() {
  size_t n = 0;
  for (auto& p : g_pending) {
    if (!p.used) continue;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    ::unlink(p.path.data());
    ++n;
  }
  return n;
}

Result<void> write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& body) {
  if (path == "-") {
    std::cout.flush();
    return write_fd(STDOUT_FILENO, "<stdout>", body);
  }
  if (path.empty()) return Error{"", 0, "the output file name is empty"};
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return Error{path, 0, "cannot write: is a directory"};
  if (exists && !S_ISREG(st.st_mode)) return write_in_place(path, body);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int slot = register_pending(tmp);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0 && errno == EEXIST && ::unlink(tmp.c_str()) == 0)  // left by an earlier process of this pid
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int e = errno;
    unregister_pending(slot);
    return Error{path, 0, fmt::format("cannot create: {}", std::strerror(e))};
  }
  auto fail = [&](Error err) -> Result<void> {
    ::unlink(tmp.c_str());
    unregister_pending(slot);
    return err;
  };
  // Replacing a file keeps its permissions (a 0600 report stays 0600).
  if (exists && S_ISREG(st.st_mode) && ::fchmod(fd, st.st_mode & 07777) != 0) {
    const int e = errno;
    ::close(fd);
    return fail(Error{path, 0, fmt::format("cannot keep the file's mode: {}", std::strerror(e))});
  }
  Result<void> w;
  try {
    w = write_fd(fd, path, body);
  } catch (...) {  // no half-written .tmp left
    ::close(fd);
    ::unlink(tmp.c_str());
    unregister_pending(slot);
    throw;
  }
  if (::close(fd) != 0 && w) w = Error{path, 0, fmt::format("write failed: {}", std::strerror(errno))};
  if (!w) return fail(w.error());
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    return fail(Error{path, 0, fmt::format("cannot rename into place: {}", std::strerror(e))});
  }
  unregister_pending(slot);
  return {};
}

}  // namespace reprobe
