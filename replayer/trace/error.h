// Errors as values: Result<T> holds a T or an Error ("path:line: what").
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace reprobe {

struct Error {
  std::string path;
  unsigned line = 0;  // 0 = not tied to a line
  std::string message;

  std::string str() const {
    if (path.empty()) return message;
    if (line == 0) return path + ": " + message;
    return path + ":" + std::to_string(line) + ": " + message;
  }
};

template <class T>
class Result {
 public:
  Result(T v) : v_(std::move(v)) {}            // NOLINT: implicit by design
  Result(Error e) : v_(std::move(e)) {}        // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace reprobe
