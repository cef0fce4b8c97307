// Interned strings of one trace. Id 0 is the empty string and means "absent".
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace reprobe {

class StringTable {
 public:
  StringTable() { intern(""); }
  // The index holds views into strings_: copies rebuild it for their own storage.
  StringTable(const StringTable& o) : strings_(o.strings_) { reindex(); }
  StringTable& operator=(const StringTable& o) {
    if (this != &o) {
      strings_ = o.strings_;
      reindex();
    }
    return *this;
  }
  StringTable(StringTable&&) noexcept = default;  // deque move keeps element addresses
  StringTable& operator=(StringTable&&) noexcept = default;
  uint32_t intern(std::string_view s) {
    if (auto it = index_.find(s); it != index_.end()) return it->second;
    const auto id = static_cast<uint32_t>(strings_.size());
    const std::string& stored = strings_.emplace_back(s);
    index_.emplace(std::string_view(stored), id);
    return id;
  }
  // Lookup without inserting; 0 when unknown (or empty).
  uint32_t find(std::string_view s) const {
    auto it = index_.find(s);
    return it == index_.end() ? 0 : it->second;
  }
  std::string_view operator[](uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  void reindex() {
    index_.clear();
    for (uint32_t i = 0; i < strings_.size(); ++i) index_.emplace(std::string_view(strings_[i]), i);
  }
  // FNV-1a: the strings are short names, and this inlines (std::hash<string_view> does not).
  struct Hash {
    size_t operator()(std::string_view s) const noexcept {
      uint64_t h = 14695981039346656037ull;
      for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  std::deque<std::string> strings_;  // deque: stable addresses for the views in index_
  std::unordered_map<std::string_view, uint32_t, Hash> index_;
};

}  // namespace reprobe
