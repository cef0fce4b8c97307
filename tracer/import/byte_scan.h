// Scans of a log line on the importer's hot path (docs/benchmarks.md, "Log import"): SSE2 (the
// x86-64 baseline) tests 16 positions per step, with a scalar loop elsewhere. Every line of a log
// goes through these, most of them holding none of what is looked for.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace reprobe {

// Whether `t` holds byte `a` or byte `b`.
inline bool has_either_byte(std::string_view t, char a, char b) {
  size_t i = 0;
#ifdef __SSE2__
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
  for (; i + 16 <= t.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data() + i));
    if (_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb))) != 0) return true;
  }
#endif
  for (; i < t.size(); ++i)
    if (t[i] == a || t[i] == b) return true;
  return false;
}

// Calls at(i) for each position i whose two bytes, compared with bit 5 set (so a letter in either
// case), equal one of `pairs` (given with bit 5 set: lower-case letters, digits, ' ', '-', '\'',
// ':'); returns true as soon as at(i) does. Positions are visited in order.
template <size_t N, typename At>
bool any_pair_start(std::string_view t, const std::array<std::array<char, 2>, N>& pairs, At&& at) {
#ifdef __SSE2__
  const __m128i bit5 = _mm_set1_epi8(0x20);
  std::array<char, 40> pad{};  // the last chunk, zero-padded (a zero byte pairs with nothing)
  for (size_t i = 0; i + 1 < t.size(); i += 16) {
    const char* p = t.data() + i;
    if (i + 17 > t.size()) {
      std::memcpy(pad.data(), p, t.size() - i);
      p = pad.data();
    }
    const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), bit5);
    const __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1)), bit5);
    __m128i any = _mm_setzero_si128();
    for (const auto& q : pairs)
      any = _mm_or_si128(any,
                         _mm_and_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(q[0])), _mm_cmpeq_epi8(b, _mm_set1_epi8(q[1]))));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(any)); mask != 0; mask &= mask - 1) {
      const size_t pos = i + static_cast<size_t>(__builtin_ctz(mask));
      if (pos + 1 < t.size() && at(pos)) return true;
    }
  }
  return false;
#else
  auto fold = [](char c) { return static_cast<char>(c | 0x20); };
  for (size_t i = 0; i + 1 < t.size(); ++i)
    for (const auto& q : pairs)
      if (fold(t[i]) == q[0] && fold(t[i + 1]) == q[1] && at(i)) return true;
  return false;
#endif
}

}  // namespace reprobe
