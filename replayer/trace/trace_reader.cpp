#include "replayer/trace/trace_reader.h"

#include "replayer/trace/explore_schedule.h"
#include "replayer/trace/trace_line_scanner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

namespace reprobe {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

std::string_view type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
      return "a signed integer";
    case element_type::UINT64:
      return "an unsigned integer";
    case element_type::DOUBLE:
      return "a number with a fraction";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "?";
}

// Short-key equality without a library memcmp call (keys are a few bytes).
inline bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// A key as JSON spells it (between the quotes) -> its value: the escapes
// \" \\ \/ \b \f \n \r \t \uXXXX (surrogate pairs joined). Only keys with a
// backslash need it; a malformed escape is left as is (the parser rejects the line).
std::string unescape_key(std::string_view raw) {
  std::string out;
  auto hex4 = [&](size_t i, uint32_t& v) {
    if (i + 4 > raw.size()) return false;
    v = 0;
    for (size_t k = i; k < i + 4; ++k) {
      const char c = raw[k];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<uint32_t>(d);
    }
    return true;
  };
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out += raw[i];
      continue;
    }
    const char e = raw[++i];
    static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
    if (const size_t k = kFrom.find(e); k != std::string_view::npos) {
      out += kTo[k];
      continue;
    }
    uint32_t cp = 0;
    if (e != 'u' || !hex4(i + 1, cp)) {
      out += '\\';
      out += e;
      continue;
    }
    i += 4;
    uint32_t lo = 0;
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u' &&
        hex4(i + 3, lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      i += 6;
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

// What a line's structure breaks, found without a parser (so without the
// parsers' recursion and memory on hostile input): nesting deeper than
// `max_depth` objects and arrays, or a key repeated in one object (the spec
// forbids both, docs/trace-format.md). One pass, iterative; on JSON that is
// not valid the answer does not matter (the parser rejects the line).
struct StructureProblem {
  enum Kind { none, too_deep, duplicate_key } kind = none;
  std::string key;
};

StructureProblem check_structure(std::string_view line, size_t max_depth) {
  struct Frame {
    bool object;
    std::set<std::string, std::less<>> keys;
  };
  std::vector<Frame> frames;
  bool expect_key = false;
  StructureProblem dup;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      const size_t b = ++i;
      bool escaped = false;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\') {
          escaped = true;
          ++i;
        }
        ++i;
      }
      if (expect_key && !frames.empty() && frames.back().object) {
        expect_key = false;
        const std::string_view raw = line.substr(b, std::min(i, line.size()) - b);
        std::string key = escaped ? unescape_key(raw) : std::string(raw);
        if (!frames.back().keys.insert(key).second && dup.kind == StructureProblem::none)
          dup = {StructureProblem::duplicate_key, std::move(key)};
      }
    } else if (c == '{' || c == '[') {
      if (frames.size() >= max_depth) return {StructureProblem::too_deep, {}};
      frames.push_back({c == '{', {}});
      expect_key = c == '{';
    } else if (c == '}' || c == ']') {
      if (!frames.empty()) frames.pop_back();
      expect_key = false;
    } else if (c == ',') {
      expect_key = !frames.empty() && frames.back().object;
    }
  }
  return dup;
}

class Reader {
 public:
  Reader(std::string label, const ReadLimits& limits) : limits_(limits) { trace_.path = std::move(label); }

  Result<Trace> run(const char* data, size_t size) {
    size_t pos = 0;
    unsigned line_no = 0;
    trace_.events.reserve(size / 96 + 16);  // canonical lines are ~90-150 bytes: at most one regrowth
    buffer_end_ = data + size + simdjson::SIMDJSON_PADDING;
    bool saw_end = false;
    while (pos < size) {
      const char* start = data + pos;
      const void* nl = std::memchr(start, '\n', size - pos);
      size_t len = nl ? static_cast<const char*>(nl) - start : size - pos;
      const bool last_unterminated = nl == nullptr;
      pos += len + (nl ? 1 : 0);
      ++line_no;
      if (len > 0 && start[len - 1] == '\r') --len;
      std::string_view line(start, len);
      if (line.size() > limits_.max_line_bytes)
        return err(line_no, fmt::format("line is {} bytes long (limit {}): not a reprobe trace line", line.size(),
                                        limits_.max_line_bytes));
      if (std::memchr(line.data(), '\0', line.size()))
        return err(line_no, "binary data (NUL byte) in line: not a reprobe trace");
      if (saw_end) {
        if (line.empty() && pos >= size) break;
        return err(line_no, "data after the end line");
      }
      if (line_no == 1) {
        if (auto e = header(line)) return *e;
        continue;
      }
      if (line.empty()) {
        if (pos >= size) break;
        return err(line_no, "empty line");
      }
      auto r = event_line(line, line_no, saw_end);
      if (r) {
        // A killed recorder may leave half a line at the very end: keep the prefix.
        if (last_unterminated && !saw_end && r->message.starts_with("invalid JSON")) {
          trace_.warnings.push_back(
              fmt::format("{}:{}: truncated last line ignored ({})", trace_.path, line_no, r->message));
          break;
        }
        return *r;
      }
    }
    if (line_no == 0) return err(0, "empty file: not a reprobe trace (no header line)");
    if (!trace_.end)
      trace_.warnings.push_back(fmt::format("{}: no end line (recorder killed?); using the {} events read", trace_.path,
                                            trace_.events.size()));
    return std::move(trace_);
  }

 private:
  Error err(unsigned line, std::string msg) const { return Error{trace_.path, line, std::move(msg)}; }

  // Nesting is refused before any parser sees the line, a duplicate key after
  // the parser had its say on the syntax.
  std::optional<Error> structure(const StructureProblem& p, unsigned line_no, bool before_parse) const {
    if (before_parse && p.kind == StructureProblem::too_deep)
      return err(line_no,
                 fmt::format("nesting deeper than {} (objects and arrays within each other)", limits_.max_nesting));
    if (!before_parse && p.kind == StructureProblem::duplicate_key)
      return err(line_no, fmt::format("duplicate key '{}'", p.key));
    return std::nullopt;
  }

  std::optional<Error> header(std::string_view line) {
    const StructureProblem problem = check_structure(line, limits_.max_nesting);
    if (auto e = structure(problem, 1, true)) return e;
    nlohmann::ordered_json h;
    try {
      h = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      return err(1, fmt::format("header is not valid JSON: {}", e.what()));
    }
    if (auto e = structure(problem, 1, false)) return e;
    if (!h.is_object()) return err(1, "header must be a JSON object");
    auto need_str = [&](const char* key) -> std::optional<Error> {
      if (!h.contains(key)) return err(1, fmt::format("header: missing field '{}'", key));
      if (!h[key].is_string()) return err(1, fmt::format("header: field '{}' must be a string", key));
      return std::nullopt;
    };
    if (auto e = need_str("format")) return e;
    if (h["format"] != "reprobe-trace")
      return err(1, fmt::format("header: format is '{}', expected 'reprobe-trace'", h["format"].get<std::string>()));
    if (!h.contains("version") || !h["version"].is_number_integer())
      return err(1, "header: missing or non-integer field 'version'");
    if (h["version"] != 1)
      return err(
          1, fmt::format("header: unsupported trace version {} (this reprobe reads version 1)", h["version"].dump()));
    if (auto e = need_str("source")) return e;
    std::string src = h["source"];
    if (src == "explore") {  // a counterexample of reprobe explore: the events are those of explore.from
      if (const std::string why = explore_header_problem(h); !why.empty()) return err(1, "header: " + why);
      src = h["explore"]["from"];
    }
    if (src != "bpf" && src != "kmsg" && src != "dmesg" && src != "synthetic")
      return err(1, fmt::format("header: source '{}' is not one of bpf|kmsg|dmesg|synthetic", src));
    if (auto e = need_str("clock")) return e;
    if (h["clock"] != "boottime_ns")
      return err(
          1, fmt::format("header: clock '{}' is not supported (expected boottime_ns)", h["clock"].get<std::string>()));
    if (!h.contains("kernel") || !h["kernel"].is_object()) return err(1, "header: missing object 'kernel'");
    if (!h["kernel"].contains("release") || !h["kernel"]["release"].is_string())
      return err(1, "header: kernel.release must be a string");
    if (!h.contains("hooks") || !h["hooks"].is_object()) return err(1, "header: missing object 'hooks'");
    if (h.contains("snapshot") && !h["snapshot"].is_object()) return err(1, "header: 'snapshot' must be an object");
    trace_.source = src;
    trace_.kernel_release = h["kernel"]["release"];
    if (h.contains("devices")) {
      if (!h["devices"].is_array()) return err(1, "header: 'devices' must be an array");
      for (const auto& d : h["devices"]) {
        if (!d.is_object() || !d.contains("dev") || !d["dev"].is_string() || !d.contains("bus") ||
            !d["bus"].is_string())
          return err(1, "header: each devices[] entry needs string fields 'dev' and 'bus'");
        if (d.contains("driver") && !d["driver"].is_string() && !d["driver"].is_null())
          return err(1, "header: devices[].driver must be a string or null");
        const std::string name = d["dev"];
        if (live(trace_.strings.find(name)) != kNoDev)
          return err(1, fmt::format("header: device '{}' listed twice", name));
        DeviceInfo info;
        info.name = trace_.strings.intern(name);
        info.bus = trace_.strings.intern(d["bus"].get<std::string>());
        if (d.contains("parent") && d["parent"].is_string())
          info.parent = trace_.strings.intern(d["parent"].get<std::string>());
        if (d.contains("driver") && d["driver"].is_string())
          info.initial_driver = trace_.strings.intern(d["driver"].get<std::string>());
        info.from_header = true;
        set_device(info.name, static_cast<DevId>(trace_.devices.size()));
        trace_.devices.push_back(info);
      }
    }
    if (h.contains("drivers")) {
      if (!h["drivers"].is_array()) return err(1, "header: 'drivers' must be an array");
      for (const auto& d : h["drivers"]) {
        if (!d.is_object() || !d.contains("drv") || !d["drv"].is_string() || !d.contains("bus") ||
            !d["bus"].is_string())
          return err(1, "header: each drivers[] entry needs string fields 'drv' and 'bus'");
        InitialDriver drv;
        drv.name = trace_.strings.intern(d["drv"].get<std::string>());
        drv.bus = trace_.strings.intern(d["bus"].get<std::string>());
        drv.async = d.contains("async") && d["async"].is_boolean() && d["async"].get<bool>();
        trace_.initial_drivers.push_back(drv);
      }
    }
    trace_.header = std::move(h);
    return std::nullopt;
  }

  std::optional<Error> get_string(element v, std::string_view key, unsigned line, std::string_view& out) {
    if (v.type() != element_type::STRING)
      return err(line, fmt::format("field '{}' must be a string, got {}", key, type_name(v.type())));
    out = v.get_string().value_unsafe();
    if (out.size() > limits_.max_string_bytes)
      return err(line,
                 fmt::format("field '{}' is {} bytes long (limit {})", key, out.size(), limits_.max_string_bytes));
    return std::nullopt;
  }

  std::optional<Error> get_u64(element v, std::string_view key, unsigned line, uint64_t& out) {
    if (v.type() == element_type::UINT64) {
      out = v.get_uint64().value_unsafe();
      return std::nullopt;
    }
    if (v.type() == element_type::INT64) {
      int64_t i = v.get_int64().value_unsafe();
      if (i >= 0) {
        out = static_cast<uint64_t>(i);
        return std::nullopt;
      }
      return err(line, fmt::format("field '{}' must be an unsigned integer, got {}", key, i));
    }
    return err(line, fmt::format("field '{}' must be an unsigned integer, got {}", key, type_name(v.type())));
  }

  std::optional<Error> get_i64(element v, std::string_view key, unsigned line, int64_t& out) {
    if (v.type() == element_type::INT64) {
      out = v.get_int64().value_unsafe();
      return std::nullopt;
    }
    if (v.type() == element_type::UINT64)
      return err(line, fmt::format("field '{}' is out of range for a signed integer", key));
    return err(line, fmt::format("field '{}' must be an integer, got {}", key, type_name(v.type())));
  }

  std::optional<Error> end_line(object obj, unsigned line) {
    TraceEnd end;
    end.line = line;
    for (auto [key, v] : obj) {
      if (key == "ev") continue;
      if (key == "t") {
        uint64_t t;
        if (auto e = get_u64(v, key, line, t)) return e;
        if (t < last_t_)
          return err(line, fmt::format("time goes backwards: t={} is before t={} at line {}", t, last_t_, last_line_));
        end.t = t;
      } else if (key == "dropped") {
        if (auto e = get_u64(v, key, line, end.dropped)) return e;
      } else if (key == "lost") {
        if (auto e = get_u64(v, key, line, end.lost)) return e;
      } else {
        try {
          trace_.end_extra[std::string(key)] = nlohmann::ordered_json::parse(simdjson::to_string(v));
        } catch (const nlohmann::json::exception& e) {
          return err(line, fmt::format("end line field '{}': {}", key, e.what()));
        }
      }
    }
    trace_.end = end;
    return std::nullopt;
  }

  // An event line: the fast path when the scanner reads it and commit() takes it,
  // otherwise the full path (DOM), which also gives every diagnostic.
  std::optional<Error> event_line(std::string_view line, unsigned line_no, bool& saw_end) {
    if (scanner_.scan(line, static_cast<size_t>(buffer_end_ - line.data()), scanned_) && commit(scanned_, line_no))
      return std::nullopt;
    return event_line_full(line, line_no, saw_end);
  }

  // Checks a scanned line without side effects, then adds its event exactly as
  // event_line_full() would. False, with nothing changed, when any check fails.
  bool commit(const ScannedLine& l, unsigned line_no) {
    const size_t max_str = limits_.max_string_bytes;
    if (!l.has_t || l.t > limits_.max_time_ns || l.t < last_t_) return false;
    if (l.cpu > INT32_MAX || l.tid > INT32_MAX || l.ev.size() > max_str || l.comm.size() > max_str) return false;
    const auto& fields = l.spec->fields;
    DevId dev_ref = kNoDev;
    for (size_t fi = 0; fi < fields.size(); ++fi) {
      if (!(l.seen & (1u << fi))) {
        if (fields[fi].required) return false;
        continue;
      }
      const ScannedField& v = l.fields[fi];
      if (v.str.size() > max_str) return false;
      switch (fields[fi].type) {
        case FieldType::dev_decl:
          if (live(trace_.strings.find(v.str)) != kNoDev) return false;
          break;
        case FieldType::dev_ref:  // a spec has at most one device field
          dev_ref = known(trace_.strings.find(v.str));
          if (dev_ref == kNoDev) return false;
          break;
        case FieldType::outcome:
          if (!probe_outcome_from(v.str)) return false;
          break;
        case FieldType::fw_mode:
          if (v.str != "sync" && v.str != "nowait") return false;
          break;
        case FieldType::str_list:
          if (v.list_end - v.list_begin > limits_.max_list_items) return false;
          for (uint32_t i = v.list_begin; i < v.list_end; ++i)
            if (l.list_items[i].size() > max_str) return false;
          break;
        default:
          break;
      }
    }
    Event ev;
    ev.line = line_no;
    ev.kind = l.kind;
    ev.t = l.t;
    if (l.has_cpu) ev.cpu = static_cast<int32_t>(l.cpu);
    if (l.has_tid) ev.tid = static_cast<int32_t>(l.tid);
    if (l.has_inferred) ev.inferred = l.inferred;
    for (uint8_t k = 0; k < l.order_size; ++k) {  // strings are interned in line order
      if (l.order[k] == ScannedLine::kComm) {
        ev.comm = trace_.strings.intern(l.comm);
        continue;
      }
      const FieldSpec& f = fields[l.order[k]];
      const ScannedField& v = l.fields[l.order[k]];
      if (f.type == FieldType::dev_decl) {
        ev.dev = declare_device(trace_.strings.intern(v.str), line_no);
      } else if (f.type == FieldType::str) {
        set_string(f.slot, trace_.strings.intern(v.str), ev);
      } else if (v.list_end > v.list_begin) {  // str_list
        std::vector<StrId> items;
        items.reserve(v.list_end - v.list_begin);
        for (uint32_t i = v.list_begin; i < v.list_end; ++i) items.push_back(trace_.strings.intern(l.list_items[i]));
        ev.list = static_cast<uint32_t>(trace_.lists.size());
        trace_.lists.push_back(std::move(items));
      }
    }
    for (size_t fi = 0; fi < fields.size(); ++fi) {
      if (!(l.seen & (1u << fi))) continue;
      const ScannedField& v = l.fields[fi];
      switch (fields[fi].type) {
        case FieldType::dev_ref:
          ev.dev = dev_ref;
          break;
        case FieldType::i64:
          ev.num = v.i64;
          ev.present |= Event::kHasNum;
          break;
        case FieldType::u64:
          ev.id = v.u64;
          ev.present |= Event::kHasId;
          break;
        case FieldType::boolean:
          ev.flag = v.flag;
          ev.present |= Event::kHasFlag;
          break;
        case FieldType::outcome:
          ev.outcome = *probe_outcome_from(v.str);
          break;
        case FieldType::fw_mode:
          ev.flag = v.str == "nowait";
          break;
        default:
          break;  // interned above
      }
    }
    accept(ev, line_no);
    return true;
  }

  // Validated event: becomes the trace's next event.
  void accept(const Event& ev, unsigned line_no) {
    last_t_ = ev.t;
    last_line_ = line_no;
    if (ev.kind == EventKind::device_add) {
      trace_.devices[ev.dev].bus = ev.s2;
      trace_.devices[ev.dev].parent = ev.s3;
    }
    if (ev.kind == EventKind::device_del) live_[trace_.devices[ev.dev].name] = kNoDev;
    trace_.events.push_back(ev);
  }

  DevId declare_device(StrId name, unsigned line) {
    DeviceInfo info;
    info.name = name;
    info.decl_line = line;
    if (const DevId prev = known(name); prev != kNoDev) info.instance = trace_.devices[prev].instance + 1;
    const auto id = static_cast<DevId>(trace_.devices.size());
    trace_.devices.push_back(info);
    set_device(name, id);
    return id;
  }

  static void set_string(Slot slot, StrId id, Event& ev) {
    switch (slot) {
      case Slot::drv:
        ev.drv = id;
        break;
      case Slot::name:
        ev.name = id;
        break;
      case Slot::s2:
        ev.s2 = id;
        break;
      case Slot::s3:
        ev.s3 = id;
        break;
      default:
        break;
    }
  }

  std::optional<Error> event_line_full(std::string_view line, unsigned line_no, bool& saw_end) {
    const StructureProblem problem = check_structure(line, limits_.max_nesting);
    if (auto e = structure(problem, line_no, true)) return e;
    element doc;
    auto perr = parser_.parse(line.data(), line.size(), false).get(doc);
    if (perr) return err(line_no, fmt::format("invalid JSON: {}", simdjson::error_message(perr)));
    if (auto e = structure(problem, line_no, false)) return e;
    if (doc.type() != element_type::OBJECT)
      return err(line_no, fmt::format("event must be a JSON object, got {}", type_name(doc.type())));
    object obj = doc.get_object().value_unsafe();
    element evv;
    if (obj["ev"].get(evv)) return err(line_no, "missing field 'ev'");
    std::string_view evname;
    if (auto e = get_string(evv, "ev", line_no, evname)) return e;
    if (evname == "end") {
      saw_end = true;
      return end_line(obj, line_no);
    }
    Event ev;
    ev.line = line_no;
    const EventSpec* spec = nullptr;
    if (evname.starts_with("x-")) {
      ev.kind = EventKind::extension;
      ev.id = trace_.extensions.size();
      trace_.extensions.emplace_back(line);
      ev.name = trace_.strings.intern(evname);
      spec = &event_spec(EventKind::extension);
    } else {
      auto k = event_kind_from(evname);
      if (!k) return err(line_no, fmt::format("unknown event '{}' (extension events must start with 'x-')", evname));
      ev.kind = *k;
      spec = &event_spec(*k);
    }
    bool have_t = false;
    uint32_t seen = 0;  // bit per spec field
    for (auto [key, v] : obj) {
      // Common keys first, compared by hand: this loop runs for every key of every line.
      if (key.size() == 2 && key[0] == 'e' && key[1] == 'v') continue;
      if (key.size() == 1 && key[0] == 't') {
        if (auto e = get_u64(v, key, line_no, ev.t)) return e;
        if (ev.t > limits_.max_time_ns) return err(line_no, fmt::format("absurd timestamp t={}", ev.t));
        have_t = true;
        continue;
      }
      if (same(key, "cpu") || same(key, "tid")) {
        uint64_t n;
        if (auto e = get_u64(v, key, line_no, n)) return e;
        if (n > INT32_MAX) return err(line_no, fmt::format("absurd {} {}", key, n));
        (key[0] == 'c' ? ev.cpu : ev.tid) = static_cast<int32_t>(n);
        continue;
      }
      if (same(key, "comm")) {
        std::string_view s;
        if (auto e = get_string(v, key, line_no, s)) return e;
        ev.comm = trace_.strings.intern(s);
        continue;
      }
      if (same(key, "inferred")) {
        if (v.type() != element_type::BOOL) return err(line_no, "field 'inferred' must be a boolean");
        ev.inferred = v.get_bool().value_unsafe();
        continue;
      }
      if (key.starts_with("x-") || ev.kind == EventKind::extension) continue;
      size_t fi = 0;
      for (; fi < spec->fields.size(); ++fi)
        if (same(key, spec->fields[fi].name)) break;
      if (fi == spec->fields.size())
        return err(line_no, fmt::format("unknown field '{}' in event '{}' (extension fields must start with 'x-')", key,
                                        evname));
      seen |= 1u << fi;
      if (auto e = field(spec->fields[fi], v, ev, line_no)) return e;
    }
    if (!have_t) return err(line_no, fmt::format("event '{}' is missing field 't'", evname));
    for (size_t fi = 0; fi < spec->fields.size(); ++fi)
      if (spec->fields[fi].required && !(seen & (1u << fi)))
        return err(line_no, fmt::format("event '{}' is missing field '{}'", evname, spec->fields[fi].name));
    if (ev.t < last_t_)
      return err(line_no,
                 fmt::format("time goes backwards: t={} is before t={} at line {}", ev.t, last_t_, last_line_));
    accept(ev, line_no);
    return std::nullopt;
  }

  std::optional<Error> field(const FieldSpec& f, element v, Event& ev, unsigned line) {
    std::string_view s;
    switch (f.type) {
      case FieldType::dev_decl: {
        if (auto e = get_string(v, f.name, line, s)) return e;
        const StrId name = trace_.strings.intern(s);
        if (const DevId prev = live(name); prev != kNoDev) {
          const auto& d = trace_.devices[prev];
          return err(line, d.from_header ? fmt::format("device '{}' added but the header already lists it", s)
                                         : fmt::format("device '{}' added again without device_del (added at line {})",
                                                       s, d.decl_line));
        }
        ev.dev = declare_device(name, line);
        return std::nullopt;
      }
      case FieldType::dev_ref: {
        if (auto e = get_string(v, f.name, line, s)) return e;
        const DevId d = known(trace_.strings.find(s));
        if (d == kNoDev)
          return err(line, fmt::format("unknown device '{}' (no device_add and not in the header's devices)", s));
        ev.dev = d;
        return std::nullopt;
      }
      case FieldType::str: {
        if (auto e = get_string(v, f.name, line, s)) return e;
        set_string(f.slot, trace_.strings.intern(s), ev);
        return std::nullopt;
      }
      case FieldType::i64:
        ev.present |= Event::kHasNum;
        return get_i64(v, f.name, line, ev.num);
      case FieldType::u64: {
        ev.present |= Event::kHasId;
        return get_u64(v, f.name, line, ev.id);
      }
      case FieldType::boolean:
        if (v.type() != element_type::BOOL)
          return err(line, fmt::format("field '{}' must be a boolean, got {}", f.name, type_name(v.type())));
        ev.flag = v.get_bool().value_unsafe();
        ev.present |= Event::kHasFlag;
        return std::nullopt;
      case FieldType::outcome: {
        if (auto e = get_string(v, f.name, line, s)) return e;
        auto o = probe_outcome_from(s);
        if (!o) return err(line, fmt::format("field 'outcome' is '{}', expected bound|deferred|failed|rejected", s));
        ev.outcome = *o;
        return std::nullopt;
      }
      case FieldType::fw_mode:
        if (auto e = get_string(v, f.name, line, s)) return e;
        if (s != "sync" && s != "nowait")
          return err(line, fmt::format("field 'mode' is '{}', expected sync|nowait", s));
        ev.flag = s == "nowait";
        return std::nullopt;
      case FieldType::str_list: {
        if (v.type() != element_type::ARRAY)
          return err(line, fmt::format("field '{}' must be an array of strings, got {}", f.name, type_name(v.type())));
        std::vector<StrId> items;
        simdjson::dom::array arr = v.get_array().value_unsafe();
        for (element item : arr) {
          if (items.size() >= limits_.max_list_items)
            return err(line, fmt::format("field '{}' has more than {} items", f.name, limits_.max_list_items));
          if (auto e = get_string(item, f.name, line, s)) return e;
          items.push_back(trace_.strings.intern(s));
        }
        if (!items.empty()) {
          ev.list = static_cast<uint32_t>(trace_.lists.size());
          trace_.lists.push_back(std::move(items));
        }
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  ReadLimits limits_;
  Trace trace_;
  TraceLineScanner scanner_;
  ScannedLine scanned_;
  const char* buffer_end_ = nullptr;  // end of the padded input: the scanner may read up to it
  simdjson::dom::parser parser_;
  // By interned name (StrId): the instance currently added, and the latest instance of every name.
  DevId live(StrId name) const { return name != 0 && name < live_.size() ? live_[name] : kNoDev; }
  DevId known(StrId name) const { return name != 0 && name < known_.size() ? known_[name] : kNoDev; }
  void set_device(StrId name, DevId d) {
    if (name >= live_.size()) {
      live_.resize(std::max<size_t>(name + 1, 2 * live_.size()), kNoDev);
      known_.resize(live_.size(), kNoDev);
    }
    live_[name] = d;
    known_[name] = d;
  }
  std::vector<DevId> live_;
  std::vector<DevId> known_;
  uint64_t last_t_ = 0;
  unsigned last_line_ = 0;
};

}  // namespace

Result<Trace> read_trace_text(std::string_view text, const std::string& label, const ReadLimits& limits) {
  simdjson::padded_string padded(text);
  Reader r(label, limits);
  return r.run(padded.data(), padded.size());
}

namespace {

// A pipe, FIFO or character device: read to its end (no seeking). What the reader would refuse at
// once is refused as it arrives, so that an endless stream (`/dev/zero`, `yes`) is not read into
// memory without end: a NUL byte, a line over the limit, a first line that cannot be a header.
Result<std::string> read_stream(int fd, const std::string& label, const ReadLimits& limits) {
  std::string text;
  std::array<char, 1 << 16> buf{};
  unsigned line_no = 1;
  size_t line_start = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n == 0) return text;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{label, 0, fmt::format("cannot read: {}", std::strerror(errno))};
    const size_t from = text.size();
    text.append(buf.data(), static_cast<size_t>(n));
    for (size_t i = from; i < text.size(); ++i) {
      if (text[i] == '\0') return Error{label, line_no, "binary data (NUL byte) in line: not a reprobe trace"};
      if (text[i] != '\n') continue;
      if (line_no == 1) {
        std::string_view first(text.data(), i);
        if (first.starts_with("\xef\xbb\xbf")) first.remove_prefix(3);  // a UTF-8 BOM (the reader skips it)
        const size_t at = first.find_first_not_of(" \t\r");
        if (at != std::string_view::npos && first[at] != '{') {
          text.resize(i + 1);  // not a header: the reader says why
          return text;
        }
      }
      ++line_no;
      line_start = i + 1;
    }
    if (text.size() - line_start > limits.max_line_bytes + 1)
      return Error{label, line_no,
                   fmt::format("line is longer than {} bytes: not a reprobe trace line", limits.max_line_bytes)};
  }
}

}  // namespace

Result<Trace> read_trace_file(const std::string& path, const ReadLimits& limits) {
  if (path == "-") {  // stdin
    auto text = read_stream(STDIN_FILENO, "<stdin>", limits);
    if (!text) return text.error();
    return read_trace_text(*text, "<stdin>", limits);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error{path, 0, fmt::format("cannot read: {}", std::strerror(errno))};
  if (S_ISDIR(st.st_mode)) return Error{path, 0, "cannot read: is a directory, not a trace file"};
  if (!S_ISREG(st.st_mode)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{path, 0, fmt::format("cannot read: {}", std::strerror(errno))};
    auto text = read_stream(fd, path, limits);
    ::close(fd);
    if (!text) return text.error();
    return read_trace_text(*text, path, limits);
  }
  simdjson::padded_string padded;
  errno = 0;
  if (simdjson::padded_string::load(path).get(padded))
    return Error{path, 0, fmt::format("cannot read: {}", std::strerror(errno ? errno : EIO))};
  Reader r(path, limits);
  return r.run(padded.data(), padded.size());
}

}  // namespace reprobe
