#include "tracer/ebpf/record_line_writer.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "replayer/trace/trace_writer.h"

namespace reprobe {
namespace {

using Type = DecodedValue::Type;

// Length of the valid UTF-8 sequence at s[i] (Unicode table 3-7: no overlong
// forms, no surrogates, <= U+10FFFF, the set nlohmann's decoder accepts), 0 if invalid.
size_t utf8_seq(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const size_t n = s.size();
  auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < n && b(k) >= lo && b(k) <= hi;
  };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (c == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

template <class T>
void append_number(T v, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

bool is_base_key(std::string_view k) { return k == "t" || k == "cpu" || k == "tid" || k == "comm" || k == "ev"; }

}  // namespace

bool append_json_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t mark = out.size();
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    // Plain run: printable ASCII other than '"' and '\\', and valid multi-byte sequences.
    size_t j = i;
    while (j < s.size()) {
      const auto c = static_cast<unsigned char>(s[j]);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ++j;
      } else if (c >= 0x80) {
        const size_t len = utf8_seq(s, j);
        if (len == 0) {
          out.resize(mark);
          return false;
        }
        j += len;
      } else {
        break;
      }
    }
    out.append(s.data() + i, j - i);
    if (j == s.size()) break;
    const auto c = static_cast<unsigned char>(s[j]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    i = j + 1;
  }
  out += '"';
  return true;
}

RecordLineWriter::RecordLineWriter(Redactor& redactor)
    : redactor_(redactor),
      redact_(redactor.enabled()),
      serial_keys_(redactor.enabled() && redactor.options().serials),
      names_known_(redactor.names_known()) {
  if (!serial_keys_) return;
  for (const auto& spec : all_event_specs()) {
    bool any = false;
    for (const auto& f : spec.fields) any = any || Redactor::is_serial_key(f.name);
    for (std::string_view k : {"t", "cpu", "tid", "comm", "ev", "inferred"}) any = any || Redactor::is_serial_key(k);
    kind_has_serial_[static_cast<size_t>(spec.kind)] = any;
  }
}

const std::string& RecordLineWriter::scrubbed(const std::string& s) {
  if (!redact_) return s;
  auto it = cache_.find(s);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(s, redactor_.scrub_string(s)).first->second;
}

Result<void> RecordLineWriter::append(const DecodedEvent& e, std::string& out) {
  if (redact_) {
    // Bound memory on endless distinct strings; only here, never while a line
    // holds references into the cache.
    if (cache_.size() >= (1u << 16)) cache_.clear();
    // Redactor::scrub_json() learns user names from every string of the event
    // before scrubbing any; strings already cached were learnt before.
    for (const auto& [k, v] : e.fields()) {
      if (v.type() == Type::str && !cache_.count(v.str())) redactor_.learn(v.str());
      if (v.type() == Type::list)
        for (const auto& s : v.list())
          if (!cache_.count(s)) redactor_.learn(s);
    }
    if (redactor_.names_known() != names_known_) {
      names_known_ = redactor_.names_known();
      cache_.clear();  // earlier results may now miss a name
    }
  }
  const size_t mark = out.size();
  if (append_fast(e, out)) {
    ++fast_;
    return {};
  }
  out.resize(mark);
  ++slow_;
  nlohmann::ordered_json j = e.to_json();
  redactor_.scrub_json(j);
  Result<std::string> line = Error{};
  try {
    line = canonical_event_line(j);               // a bad event: `out` untouched
  } catch (const nlohmann::json::exception& x) {  // dump(): invalid UTF-8 in a string
    return Error{"", 0, x.what()};
  }
  if (!line) return line.take_error();
  out += *line;
  out += '\n';
  return {};
}

bool RecordLineWriter::append_fast(const DecodedEvent& e, std::string& out) {
  const DecodedValue* ev = e.find("ev");
  const DecodedValue* t = e.find("t");
  if (!ev || ev->type() != Type::str || !t || t->type() != Type::u64) return false;
  const std::string& ev_name = scrubbed(ev->str());
  const auto kind = event_kind_from(ev_name);
  if (!kind || *kind == EventKind::extension || ev_name.starts_with("x-")) return false;
  if (kind_has_serial_[static_cast<size_t>(*kind)]) return false;
  const EventSpec& spec = event_spec(*kind);

  // Every key must be known to the canonical writer; collect x- keys.
  std::vector<const std::pair<std::string_view, DecodedValue>*> extra;
  for (const auto& f : e.fields()) {
    if (f.second.type() == Type::none) continue;
    const std::string_view k = f.first;
    if (is_base_key(k) || k == "inferred") continue;
    if (std::any_of(spec.fields.begin(), spec.fields.end(), [&](const FieldSpec& s) { return s.name == k; })) continue;
    if (!k.starts_with("x-")) return false;
    if (serial_keys_ && Redactor::is_serial_key(k)) return false;
    extra.push_back(&f);
  }

  auto value = [&](const DecodedValue& v) {
    switch (v.type()) {
      case Type::str:
        return append_json_string(scrubbed(v.str()), out);
      case Type::i64:
        append_number(v.i64(), out);
        return true;
      case Type::u64:
        append_number(v.u64(), out);
        return true;
      case Type::boolean:
        out += v.boolean() ? "true" : "false";
        return true;
      case Type::list: {
        out += '[';
        bool first = true;
        for (const auto& s : v.list()) {
          if (!first) out += ',';
          first = false;
          if (!append_json_string(scrubbed(s), out)) return false;
        }
        out += ']';
        return true;
      }
      case Type::none:
        break;
    }
    return false;
  };
  auto key = [&](std::string_view k) {
    out += ',';
    if (!append_json_string(k, out)) return false;
    out += ':';
    return true;
  };

  out += "{\"t\":";
  append_number(t->u64(), out);
  for (std::string_view k : {"cpu", "tid", "comm"})
    if (const DecodedValue* v = e.find(k); v && v->type() != Type::none)
      if (!key(k) || !value(*v)) return false;
  out += ",\"ev\":";
  if (!append_json_string(ev_name, out)) return false;
  for (const FieldSpec& f : spec.fields) {
    const DecodedValue* v = e.find(f.name);
    if (!v || v->type() == Type::none) {
      if (f.required) return false;
      continue;
    }
    // check_type() of the canonical writer, on the scrubbed value.
    switch (f.type) {
      case FieldType::dev_ref:
      case FieldType::dev_decl:
      case FieldType::str:
        if (v->type() != Type::str) return false;
        break;
      case FieldType::outcome:
        if (v->type() != Type::str || !probe_outcome_from(scrubbed(v->str()))) return false;
        break;
      case FieldType::fw_mode:
        if (v->type() != Type::str || (scrubbed(v->str()) != "sync" && scrubbed(v->str()) != "nowait")) return false;
        break;
      case FieldType::i64:
        if (v->type() != Type::i64 && v->type() != Type::u64) return false;
        break;
      case FieldType::u64:
        if (v->type() != Type::u64 && !(v->type() == Type::i64 && v->i64() >= 0)) return false;
        break;
      case FieldType::boolean:
        if (v->type() != Type::boolean) return false;
        break;
      case FieldType::str_list:
        if (v->type() != Type::list) return false;
        break;
    }
    if (!key(f.name) || !value(*v)) return false;
  }
  if (const DecodedValue* v = e.find("inferred"); v && v->type() == Type::boolean && v->boolean())
    out += ",\"inferred\":true";
  std::sort(extra.begin(), extra.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* f : extra)
    if (!key(f->first) || !value(f->second)) return false;
  out += "}\n";
  return true;
}

}  // namespace reprobe
