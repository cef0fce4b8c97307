// Interned strings of one trace. Id 0 is the empty string and means "absent".
// Ids are handed out in first-seen order, so they never depend on hashing.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace reprobe {

class StringTable {
 public:
  StringTable() { intern(""); }
  uint32_t intern(std::string_view s) {
    if (slots_.empty()) *this = StringTable();  // moved from: start again
    const uint32_t h = hash(s);
    size_t i = h & mask_;
    for (uint32_t slot; (slot = slots_[i]) != 0; i = (i + 1) & mask_)
      if (hashes_[slot - 1] == h && equal(strings_[slot - 1], s)) return slot - 1;
    const auto id = static_cast<uint32_t>(strings_.size());
    strings_.emplace_back(s);
    hashes_.push_back(h);
    slots_[i] = id + 1;
    if (2 * strings_.size() > slots_.size()) grow();
    return id;
  }
  // Lookup without inserting; 0 when unknown (or empty).
  uint32_t find(std::string_view s) const {
    if (slots_.empty()) return 0;  // moved from
    const uint32_t h = hash(s);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint32_t slot = slots_[i];
      if (slot == 0) return 0;
      if (hashes_[slot - 1] == h && equal(strings_[slot - 1], s)) return slot - 1;
    }
  }
  std::string_view operator[](uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  // Multiply-xorshift over 8-byte words: the strings are short names (device paths,
  // drivers, comms), and this inlines (std::hash<string_view> does not).
  static uint32_t hash(std::string_view s) {
    constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
    const char* p = s.data();
    size_t n = s.size();
    uint64_t h = n * kMul;
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * kMul;
      h ^= h >> 29;
    }
    if (n > 0) {
      uint64_t w = 0;
      std::memcpy(&w, p, n);
      h = (h ^ w) * kMul;
      h ^= h >> 29;
    }
    h *= kMul;
    return static_cast<uint32_t>(h >> 32);
  }
  // Inline word-wise compare: a library memcmp call costs more than these short names.
  static bool equal(const std::string& a, std::string_view b) {
    if (a.size() != b.size()) return false;
    const char* p = a.data();
    const char* q = b.data();
    size_t n = b.size();
    for (; n >= 8; p += 8, q += 8, n -= 8) {
      uint64_t x, y;
      std::memcpy(&x, p, 8);
      std::memcpy(&y, q, 8);
      if (x != y) return false;
    }
    for (; n > 0; ++p, ++q, --n)
      if (*p != *q) return false;
    return true;
  }
  // Doubles the slot array (kept at most half full) and re-places every id by its stored hash.
  void grow() {
    std::vector<uint32_t> slots(2 * slots_.size(), 0);
    const size_t mask = slots.size() - 1;
    for (uint32_t id = 0; id < hashes_.size(); ++id) {
      size_t i = hashes_[id] & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    slots_ = std::move(slots);
    mask_ = mask;
  }

  std::deque<std::string> strings_;  // deque: views from operator[] stay valid while interning
  std::vector<uint32_t> hashes_;     // per id
  std::vector<uint32_t> slots_ = std::vector<uint32_t>(64, 0);  // open addressing: id + 1, 0 = empty
  size_t mask_ = 63;
};

}  // namespace reprobe
