// Typed reads of one member of a JSON object from a trace (its header, an `x-*` extension line)
// that never throw: a trace can be hand-edited or damaged, and nlohmann's value(key, default)
// throws type_error when the member exists with another type (a number where a string was
// expected ended a replay; found by explore_fuzz). A member of another type reads as the default.
#pragma once

#include <cstdint>
#include <string>

namespace reprobe {

template <typename Json>
std::string string_field(const Json& j, const char* key, std::string fallback = {}) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->template get<std::string>() : fallback;
}

template <typename Json>
int64_t int_field(const Json& j, const char* key, int64_t fallback) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->template get<int64_t>() : fallback;
}

}  // namespace reprobe
