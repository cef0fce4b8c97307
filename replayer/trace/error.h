// Errors as values: Result<T> holds a T or an Error ("path:line: what"; str() shows the path
// through visible(), so a file name holding ESC, a line break or a bidi control cannot forge or
// recolour the error line); Result<void> holds
// nothing or an Error. Both are [[nodiscard]]: an ignored error is a compile error (-Werror).
// REPROBE_TRY / REPROBE_TRY_ASSIGN propagate an error to the caller, which returns any Result.
// Fatal user errors are reported once, at the top (tools/); a bug that escapes as an exception
// ends as "reprobe: internal error: ..." with exit status 2 (tools/reprobe.cpp).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "replayer/trace/visible.h"

namespace reprobe {

struct Error {
  std::string path;
  unsigned line = 0;  // 0 = not tied to a line
  std::string message;

  std::string str() const {
    if (path.empty()) return message;
    if (line == 0) return visible(path) + ": " + message;
    return visible(path) + ":" + std::to_string(line) + ": " + message;
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::move(v)) {}      // NOLINT: implicit by design
  Result(Error e) : v_(std::move(e)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error take_error() { return std::move(std::get<1>(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Success without a value, or an Error. `return {};` is success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : e_(std::move(e)) {}  // NOLINT: implicit by design
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }
  Error take_error() { return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

}  // namespace reprobe

// Evaluates `expr` (any Result); on error returns that error from the enclosing function (which
// returns any Result<...>).
#define REPROBE_TRY(expr)                                                                                         \
  do {                                                                                                            \
    if (auto reprobe_try_r_ = (expr); !reprobe_try_r_.ok()) return ::reprobe::Error(reprobe_try_r_.take_error()); \
  } while (0)

#define REPROBE_TRY_CONCAT_(a, b) a##b
#define REPROBE_TRY_NAME_(line) REPROBE_TRY_CONCAT_(reprobe_try_v_, line)
// `REPROBE_TRY_ASSIGN(auto x, expr);` declares x from the value of `expr` (a Result<T>), or returns
// its error from the enclosing function.
#define REPROBE_TRY_ASSIGN(decl, expr)                                                                      \
  auto REPROBE_TRY_NAME_(__LINE__) = (expr);                                                                \
  if (!REPROBE_TRY_NAME_(__LINE__).ok()) return ::reprobe::Error(REPROBE_TRY_NAME_(__LINE__).take_error()); \
  decl = std::move(REPROBE_TRY_NAME_(__LINE__).value())
