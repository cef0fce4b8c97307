// Reading kernel logs for `reprobe import`: files or stdin ("-"), plain or
// compressed (gzip, xz, zstd: recognised by their magic bytes, not by the
// file name), delivered line by line without holding the whole input in
// memory. Input that cannot be a text log is refused with a clear error:
// binary data (NUL bytes or mostly non-text bytes at the start) or a line
// longer than LogInputLimits::max_line_bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "replayer/trace/error.h"

namespace reprobe {

struct LogInputLimits {
  // A whole dmesg flattened onto one line is still a log; a 1 GB line is not.
  size_t max_line_bytes = size_t{64} << 20;
  // Bytes sniffed at the start for the binary-data check.
  size_t sniff_bytes = 64 * 1024;
};

enum class LogCompression : uint8_t { none, gzip, xz, zstd };
std::string_view to_string(LogCompression c);
// Compression from the first bytes of a stream (magic numbers).
LogCompression detect_compression(std::string_view head);

// Streams the decoded lines of one input. Lines are returned without the
// final '\n' (a '\r' before it is kept: the caller normalises line ends).
// An uncompressed regular file is memory-mapped and its lines are views into
// the mapping (no copy); everything else goes through a 1 MiB buffer.
class LogInput {
 public:
  // Opens `path` ("-" = stdin). Errors: "path: cannot open: ...".
  static Result<std::unique_ptr<LogInput>> open(const std::string& path, LogInputLimits limits = {});
  // Reads from memory (tests, fuzzing); `label` names it in errors.
  static std::unique_ptr<LogInput> from_memory(std::string data, std::string label, LogInputLimits limits = {});
  virtual ~LogInput();

  // Next line into `line` (valid until the next call). Returns false at the
  // end of the input; an Error for undecodable or non-text input.
  Result<bool> next(std::string_view& line);
  uint64_t line_number() const { return line_no_; }
  const std::string& label() const { return label_; }
  LogCompression compression() const { return compression_; }

 protected:
  LogInput(std::string label, LogInputLimits limits) : label_(std::move(label)), limits_(limits) {}
  // Decoded bytes into buf; 0 = end of input.
  virtual Result<size_t> read_decoded(char* buf, size_t n) = 0;
  LogCompression compression_ = LogCompression::none;
  // Set by a subclass that holds the whole decoded input in memory: next()
  // then splits it in place instead of filling buf_.
  std::string_view whole_;
  bool use_whole_ = false;

 private:
  Result<bool> fill();
  Result<bool> next_in_whole(std::string_view& line);
  Result<bool> check_text(std::string_view head);

  std::string label_;
  LogInputLimits limits_;
  std::string buf_;
  size_t start_ = 0;  // first unread byte in buf_
  size_t scan_ = 0;   // bytes from start_ already searched for '\n'
  bool eof_ = false;
  bool sniffed_ = false;
  char eol_ = '\n';  // '\r' for a log whose lines end in a bare carriage return (classic Mac, some consoles)
  uint64_t line_no_ = 0;
};

}  // namespace reprobe
