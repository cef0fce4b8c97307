#include "replayer/trace/trace_line_scanner.h"

namespace reprobe {
namespace {

using simdjson::ondemand::raw_json_string;
using simdjson::ondemand::value;

// Reads v as field f wants it. False when the value is not plainly of that
// type (the full path then reports the error, or accepts what this one does not
// read, such as -0 for an unsigned field).
bool scan_value(const FieldSpec& f, value& v, ScannedField& out, std::vector<std::string_view>& list_items) {
  switch (f.type) {
    case FieldType::dev_decl:
    case FieldType::dev_ref:
    case FieldType::str:
    case FieldType::outcome:
    case FieldType::fw_mode:
      return !v.get_string().get(out.str);
    case FieldType::i64:
      return !v.get_int64().get(out.i64);
    case FieldType::u64:
      return !v.get_uint64().get(out.u64);
    case FieldType::boolean:
      return !v.get_bool().get(out.flag);
    case FieldType::str_list: {
      simdjson::ondemand::array arr;
      if (v.get_array().get(arr)) return false;
      out.list_begin = static_cast<uint32_t>(list_items.size());
      for (auto item : arr) {
        std::string_view s;
        if (item.get_string().get(s)) return false;
        list_items.push_back(s);
      }
      out.list_end = static_cast<uint32_t>(list_items.size());
      return true;
    }
  }
  return false;
}

}  // namespace

TraceLineScanner::TraceLineScanner() {
  kind_by_name_.push_back(EventKind::extension);  // id 0: not an event name
  for (const EventSpec& spec : all_event_specs())
    if (spec.kind != EventKind::extension && kind_names_.intern(spec.name) == kind_by_name_.size())
      kind_by_name_.push_back(spec.kind);
}

bool TraceLineScanner::scan(std::string_view line, size_t capacity, ScannedLine& out) {
  simdjson::ondemand::document doc;
  if (parser_.iterate(line.data(), line.size(), capacity).get(doc)) return false;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return false;
  // Reset what is read unconditionally; fields[i] is only read when bit i of seen is set.
  out.spec = nullptr;
  out.t = out.cpu = out.tid = 0;
  out.has_t = out.has_cpu = out.has_tid = out.has_comm = out.has_inferred = out.inferred = false;
  out.comm = {};
  out.seen = 0;
  out.order_size = 0;
  out.list_items.clear();
  for (auto field_result : obj) {
    simdjson::ondemand::field field;
    if (std::move(field_result).get(field)) return false;
    const raw_json_string key = field.key();
    value& v = field.value();
    // Common keys first: every line has t, cpu, tid, comm and ev, in that order.
    if (key.unsafe_is_equal("t")) {
      if (out.has_t || v.get_uint64().get(out.t)) return false;
      out.has_t = true;
    } else if (key.unsafe_is_equal("cpu")) {
      if (out.has_cpu || v.get_uint64().get(out.cpu)) return false;
      out.has_cpu = true;
    } else if (key.unsafe_is_equal("tid")) {
      if (out.has_tid || v.get_uint64().get(out.tid)) return false;
      out.has_tid = true;
    } else if (key.unsafe_is_equal("comm")) {
      if (out.has_comm || v.get_string().get(out.comm)) return false;
      out.has_comm = true;
      out.order[out.order_size++] = ScannedLine::kComm;
    } else if (key.unsafe_is_equal("ev")) {
      if (out.spec || v.get_string().get(out.ev)) return false;
      const uint32_t k = kind_names_.find(out.ev);
      if (k == 0) return false;  // unknown, extension ("x-...") or the end line
      out.kind = kind_by_name_[k];
      out.spec = &event_spec(out.kind);
      if (out.spec->fields.size() > ScannedLine::kMaxFields) return false;
    } else if (key.unsafe_is_equal("inferred")) {
      if (out.has_inferred || v.get_bool().get(out.inferred)) return false;
      out.has_inferred = true;
    } else {
      if (!out.spec) return false;  // an event field before "ev"
      const auto& fields = out.spec->fields;
      size_t fi = 0;
      while (fi < fields.size() && !key.unsafe_is_equal(fields[fi].name)) ++fi;
      if (fi == fields.size() || (out.seen & (1u << fi))) return false;  // unknown ("x-...") or repeated
      out.seen |= 1u << fi;
      if (!scan_value(fields[fi], v, out.fields[fi], out.list_items)) return false;
      const FieldType type = fields[fi].type;
      if (type == FieldType::dev_decl || type == FieldType::str || type == FieldType::str_list)
        out.order[out.order_size++] = static_cast<uint8_t>(fi);
    }
  }
  // Nothing may follow the object (the full parser rejects trailing content).
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return false;
  return out.spec != nullptr;
}

}  // namespace reprobe
