#include "replayer/trace/trace_writer.h"

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

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

Result<void> write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& body) {
  if (path == "-") {
    body(std::cout);
    std::cout.flush();
    if (!std::cout) return Error{"<stdout>", 0, "write failed"};
    return {};
  }
  // Devices, FIFOs (/dev/null, /dev/stdout): write in place, never rename over them.
  if (std::error_code ec; std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec) &&
                          !std::filesystem::is_directory(path, ec)) {
    std::ofstream f(path, std::ios::binary);
    if (!f) return Error{path, 0, fmt::format("cannot open: {}", std::strerror(errno))};
    body(f);
    f.flush();
    if (!f) return Error{path, 0, "write failed"};
    return {};
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Error{path, 0, fmt::format("cannot create: {}", std::strerror(errno))};
    try {
      body(f);
    } catch (...) {
      f.close();
      std::remove(tmp.c_str());
      throw;
    }  // no half-written .tmp left
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      return Error{path, 0, "write failed"};
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    std::remove(tmp.c_str());
    return Error{path, 0, fmt::format("cannot rename into place: {}", std::strerror(e))};
  }
  return {};
}

}  // namespace reprobe
