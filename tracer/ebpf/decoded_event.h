// One trace event as the eBPF decoder produces it (tracer/ebpf/event_decoder.h):
// the keys in the order the decoder set them and typed scalar / string-list
// values, without a JSON tree per event. record_line_writer.h turns it into the
// canonical line directly; to_json() gives the equivalent nlohmann object (the
// slow path and tests).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace reprobe {

class DecodedValue {
 public:
  enum class Type : uint8_t { none, str, i64, u64, boolean, list };

  DecodedValue& operator=(std::string s) {
    type_ = Type::str;
    s_ = std::move(s);
    return *this;
  }
  DecodedValue& operator=(const char* s) { return *this = std::string(s); }
  DecodedValue& operator=(bool b) {
    type_ = Type::boolean;
    b_ = b;
    return *this;
  }
  template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) DecodedValue& operator=(T v) {
    if constexpr (std::is_signed_v<T>) {
      type_ = Type::i64;
      i_ = static_cast<int64_t>(v);
    } else {
      type_ = Type::u64;
      u_ = static_cast<uint64_t>(v);
    }
    return *this;
  }
  DecodedValue& operator=(std::vector<std::string> l) {
    type_ = Type::list;
    list_ = std::move(l);
    return *this;
  }

  Type type() const { return type_; }
  const std::string& str() const { return s_; }
  int64_t i64() const { return i_; }
  uint64_t u64() const { return u_; }
  bool boolean() const { return b_; }
  const std::vector<std::string>& list() const { return list_; }
  nlohmann::ordered_json to_json() const;

 private:
  Type type_ = Type::none;
  bool b_ = false;
  int64_t i_ = 0;
  uint64_t u_ = 0;
  std::string s_;
  std::vector<std::string> list_;
};

class DecodedEvent {
 public:
  // One allocation for the fields of a typical event (at most ~10) instead of
  // regrowing from 1: the recorder builds one DecodedEvent per ring record.
  DecodedEvent() { fields_.reserve(kTypicalFields); }
  static constexpr size_t kTypicalFields = 10;
  // The value under `key` (created, untyped, at the end if new). Keys are
  // expected to be string literals or otherwise outlive the event.
  DecodedValue& operator[](std::string_view key) {
    for (auto& [k, v] : fields_)
      if (k == key) return v;
    fields_.emplace_back(key, DecodedValue{});
    return fields_.back().second;
  }
  const DecodedValue* find(std::string_view key) const {
    for (const auto& [k, v] : fields_)
      if (k == key) return &v;
    return nullptr;
  }
  const std::vector<std::pair<std::string_view, DecodedValue>>& fields() const { return fields_; }
  // "t" (0 if absent or not unsigned).
  uint64_t t() const {
    const DecodedValue* v = find("t");
    return v && v->type() == DecodedValue::Type::u64 ? v->u64() : 0;
  }
  // The same object as JSON, keys in insertion order (untyped values left out).
  nlohmann::ordered_json to_json() const;

 private:
  std::vector<std::pair<std::string_view, DecodedValue>> fields_;
};

}  // namespace reprobe
