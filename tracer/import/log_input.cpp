// LogInput: raw bytes (file descriptor or memory) -> decompressor picked by
// magic bytes -> line splitter with the text checks.
#include "tracer/import/log_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

namespace reprobe {

std::string_view to_string(LogCompression c) {
  switch (c) {
    case LogCompression::none:
      return "none";
    case LogCompression::gzip:
      return "gzip";
    case LogCompression::xz:
      return "xz";
    case LogCompression::zstd:
      return "zstd";
  }
  return "?";
}

LogCompression detect_compression(std::string_view h) {
  if (h.size() >= 2 && static_cast<unsigned char>(h[0]) == 0x1f && static_cast<unsigned char>(h[1]) == 0x8b)
    return LogCompression::gzip;
  if (h.size() >= 6 && h.substr(0, 6) == std::string_view("\xfd"
                                                          "7zXZ\0",
                                                          6))
    return LogCompression::xz;
  if (h.size() >= 4 && h.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4)) return LogCompression::zstd;
  return LogCompression::none;
}

LogInput::~LogInput() = default;

namespace {

constexpr size_t kChunk = 1 << 20;

// Where the (possibly compressed) bytes come from.
class RawSource {
 public:
  virtual ~RawSource() = default;
  virtual Result<size_t> read(char* buf, size_t n) = 0;
  // How many bytes there are at most, when known (sizes the read buffer of a small input).
  virtual size_t size_hint() const { return SIZE_MAX; }
};

class FdSource final : public RawSource {
 public:
  FdSource(int fd, std::string label, bool owned) : fd_(fd), label_(std::move(label)), owned_(owned) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  Result<size_t> read(char* buf, size_t n) override {
    for (;;) {
      const ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      return Error{label_, 0, fmt::format("read failed: {}", std::strerror(errno))};
    }
  }

 private:
  int fd_;
  std::string label_;
  bool owned_;
};

class MemorySource final : public RawSource {
 public:
  explicit MemorySource(std::string data) : data_(std::move(data)) {}
  Result<size_t> read(char* buf, size_t n) override {
    const size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  size_t size_hint() const override { return data_.size(); }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Decodes the raw stream; the first raw bytes were already read to sniff the magic.
class DecodedInput final : public LogInput {
 public:
  DecodedInput(std::unique_ptr<RawSource> src, std::string label, LogInputLimits limits)
      : LogInput(std::move(label), limits), src_(std::move(src)) {}
  ~DecodedInput() override {
    if (zinit_) inflateEnd(&z_);
    if (xinit_) lzma_end(&x_);
    if (zs_) ZSTD_freeDStream(zs_);
  }

  Result<bool> start() {
    in_.resize(std::clamp<size_t>(src_->size_hint(), 4096, kChunk));
    auto r = raw_fill();
    if (!r) return r.error();
    compression_ = detect_compression(std::string_view(in_.data() + in_pos_, in_len_ - in_pos_));
    switch (compression_) {
      case LogCompression::none:
        break;
      case LogCompression::gzip:
        std::memset(&z_, 0, sizeof z_);
        if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) return Error{label(), 0, "gzip: cannot initialise zlib"};
        zinit_ = true;
        break;
      case LogCompression::xz:
        x_ = LZMA_STREAM_INIT;
        if (lzma_stream_decoder(&x_, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
          return Error{label(), 0, "xz: cannot initialise liblzma"};
        xinit_ = true;
        break;
      case LogCompression::zstd:
        zs_ = ZSTD_createDStream();
        if (!zs_ || ZSTD_isError(ZSTD_initDStream(zs_))) return Error{label(), 0, "zstd: cannot initialise libzstd"};
        break;
    }
    return true;
  }

 protected:
  Result<size_t> read_decoded(char* buf, size_t n) override {
    for (;;) {
      if (in_pos_ == in_len_ && !raw_eof_) {
        auto r = raw_fill();
        if (!r) return r.error();
      }
      const size_t avail = in_len_ - in_pos_;
      switch (compression_) {
        case LogCompression::none: {
          const size_t k = std::min(n, avail);
          std::memcpy(buf, in_.data() + in_pos_, k);
          in_pos_ += k;
          return k;
        }
        case LogCompression::gzip: {
          if (avail == 0 && raw_eof_) {
            if (!stream_end_) return Error{label(), 0, "gzip: truncated compressed data"};
            return size_t{0};
          }
          if (stream_end_) {  // concatenated gzip members (e.g. cat a.gz b.gz)
            inflateReset(&z_);
            stream_end_ = false;
          }
          z_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
          z_.avail_in = static_cast<uInt>(avail);
          z_.next_out = reinterpret_cast<Bytef*>(buf);
          z_.avail_out = static_cast<uInt>(n);
          const int rc = inflate(&z_, Z_NO_FLUSH);
          in_pos_ = in_len_ - z_.avail_in;
          const size_t produced = n - z_.avail_out;
          if (rc == Z_STREAM_END)
            stream_end_ = true;
          else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return Error{label(), 0, fmt::format("gzip: corrupt compressed data ({})", z_.msg ? z_.msg : "zlib error")};
          if (produced) return produced;
          if (rc == Z_BUF_ERROR && avail == 0 && raw_eof_) return Error{label(), 0, "gzip: truncated compressed data"};
          break;
        }
        case LogCompression::xz: {
          x_.next_in = reinterpret_cast<const uint8_t*>(in_.data() + in_pos_);
          x_.avail_in = avail;
          x_.next_out = reinterpret_cast<uint8_t*>(buf);
          x_.avail_out = n;
          const lzma_ret rc = lzma_code(&x_, raw_eof_ && avail == 0 ? LZMA_FINISH : LZMA_RUN);
          in_pos_ = in_len_ - x_.avail_in;
          const size_t produced = n - x_.avail_out;
          if (rc == LZMA_STREAM_END) {
            if (produced) return produced;
            return size_t{0};
          }
          if (rc != LZMA_OK && rc != LZMA_BUF_ERROR)
            return Error{label(), 0,
                         fmt::format("xz: corrupt compressed data (liblzma error {})", static_cast<int>(rc))};
          if (produced) return produced;
          if (raw_eof_ && avail == 0) return Error{label(), 0, "xz: truncated compressed data"};
          break;
        }
        case LogCompression::zstd: {
          if (avail == 0 && raw_eof_) {
            if (zstd_hint_ != 0) return Error{label(), 0, "zstd: truncated compressed data"};
            return size_t{0};
          }
          ZSTD_inBuffer in{in_.data() + in_pos_, avail, 0};
          ZSTD_outBuffer out{buf, n, 0};
          const size_t rc = ZSTD_decompressStream(zs_, &out, &in);
          in_pos_ += in.pos;
          if (ZSTD_isError(rc))
            return Error{label(), 0, fmt::format("zstd: corrupt compressed data ({})", ZSTD_getErrorName(rc))};
          zstd_hint_ = rc;
          if (out.pos) return out.pos;
          break;
        }
      }
    }
  }

 private:
  Result<bool> raw_fill() {
    in_pos_ = 0;
    in_len_ = 0;
    while (in_len_ < in_.size()) {
      auto r = src_->read(in_.data() + in_len_, in_.size() - in_len_);
      if (!r) return r.error();
      if (*r == 0) {
        raw_eof_ = true;
        break;
      }
      in_len_ += *r;
      if (in_len_ >= 4096) break;  // enough to sniff and to decode
    }
    return true;
  }

  std::unique_ptr<RawSource> src_;
  std::vector<char> in_;
  size_t in_pos_ = 0, in_len_ = 0;
  bool raw_eof_ = false;
  z_stream z_{};
  bool zinit_ = false, stream_end_ = false;
  lzma_stream x_ = LZMA_STREAM_INIT;
  bool xinit_ = false;
  ZSTD_DStream* zs_ = nullptr;
  size_t zstd_hint_ = 0;
};

// An uncompressed regular file, mapped whole: lines are views into the mapping.
class MappedInput final : public LogInput {
 public:
  MappedInput(void* map, size_t size, std::string label, LogInputLimits limits)
      : LogInput(std::move(label), limits), map_(map), size_(size) {
    whole_ = std::string_view(static_cast<const char*>(map), size);
    use_whole_ = true;
  }
  ~MappedInput() override { ::munmap(map_, size_); }

 protected:
  Result<size_t> read_decoded(char*, size_t) override { return size_t{0}; }  // next() never asks

 private:
  void* map_;
  size_t size_;
};

// Maps `fd` when it is a non-empty regular file holding an uncompressed log;
// nullptr otherwise (the caller streams it).
std::unique_ptr<LogInput> try_map(int fd, const std::string& label, LogInputLimits limits) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return nullptr;
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) return nullptr;
  const std::string_view head(static_cast<const char*>(map), std::min<size_t>(size, 16));
  if (detect_compression(head) != LogCompression::none) {
    ::munmap(map, size);
    return nullptr;
  }
  ::madvise(map, size, MADV_SEQUENTIAL);
  return std::make_unique<MappedInput>(map, size, label, limits);
}

}  // namespace

Result<std::unique_ptr<LogInput>> LogInput::open(const std::string& path, LogInputLimits limits) {
  std::unique_ptr<RawSource> src;
  std::string label = path;
  if (path == "-") {
    label = "<stdin>";
    src = std::make_unique<FdSource>(STDIN_FILENO, label, false);
  } else {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{path, 0, fmt::format("cannot open: {}", std::strerror(errno))};
    if (struct stat st{}; ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Error{path, 0, "cannot read: is a directory, not a log file"};
    }
    if (auto mapped = try_map(fd, label, limits)) {
      ::close(fd);  // the mapping stays valid
      return mapped;
    }
    src = std::make_unique<FdSource>(fd, label, true);
  }
  auto in = std::make_unique<DecodedInput>(std::move(src), label, limits);
  if (auto r = in->start(); !r) return r.error();
  return std::unique_ptr<LogInput>(std::move(in));
}

std::unique_ptr<LogInput> LogInput::from_memory(std::string data, std::string label, LogInputLimits limits) {
  auto in = std::make_unique<DecodedInput>(std::make_unique<MemorySource>(std::move(data)), std::move(label), limits);
  if (auto r = in->start(); !r) return nullptr;  // memory reads cannot fail
  return in;
}

Result<bool> LogInput::check_text(std::string_view head) {
  // UTF-16 ("Unicode" in Windows editors): a byte-order mark, or ASCII text with every other byte NUL.
  const auto nul_at = [&](size_t parity) {
    size_t n = 0;
    for (size_t i = parity; i < head.size(); i += 2) n += head[i] == '\0';
    return n;
  };
  if (head.starts_with("\xff\xfe") || head.starts_with("\xfe\xff") ||
      (head.size() >= 16 && std::max(nul_at(0), nul_at(1)) * 10 >= (head.size() / 2) * 9 &&
       std::min(nul_at(0), nul_at(1)) * 10 <= head.size() / 2))
    return Error{label_, 0,
                 "the log is UTF-16 text (saved as \"Unicode\" by a Windows editor), not UTF-8: convert it first, "
                 "e.g. iconv -f UTF-16 -t UTF-8 LOG > LOG.txt"};
  if (head.find('\n') == std::string_view::npos && head.find('\r') != std::string_view::npos) eol_ = '\r';
  size_t nul = 0, odd = 0;
  for (unsigned char c : head) {
    if (c == 0)
      ++nul;
    else if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != 0x1b && c != '\f')
      ++odd;
  }
  // A stray NUL from a serial console is tolerated; a binary file has many.
  if (nul * 100 > head.size() || (nul > 0 && head.size() < 64) || odd * 10 > head.size())
    return Error{label_, 0,
                 fmt::format("binary data ({} NUL and {} control bytes in the first {} bytes{}): not a text kernel log",
                             nul, odd, head.size(),
                             compression_ == LogCompression::none
                                 ? ""
                                 : " after " + std::string(to_string(compression_)) + " decompression")};
  return true;
}

Result<bool> LogInput::fill() {
  if (start_ > 0 && start_ * 2 >= buf_.size()) {
    buf_.erase(0, start_);
    start_ = 0;
  }
  const size_t old = buf_.size();
  // Grows with what is buffered (4 KiB, then doubling up to 1 MiB), so that a small input does
  // not allocate and clear a whole chunk (the fuzzer imports thousands of them a second).
  const size_t chunk = std::clamp<size_t>(old, 4096, kChunk);
  buf_.resize(old + chunk);
  auto r = read_decoded(buf_.data() + old, chunk);
  if (!r) {
    buf_.resize(old);
    return r.error();
  }
  buf_.resize(old + *r);
  if (*r == 0) eof_ = true;
  if (!sniffed_ && (buf_.size() - start_ >= limits_.sniff_bytes || eof_)) {
    sniffed_ = true;
    auto t = check_text(std::string_view(buf_).substr(start_, std::min(limits_.sniff_bytes, buf_.size() - start_)));
    if (!t) return t.error();
  }
  return true;
}

Result<bool> LogInput::next_in_whole(std::string_view& line) {
  if (!sniffed_) {
    sniffed_ = true;
    auto t = check_text(whole_.substr(0, std::min(limits_.sniff_bytes, whole_.size())));
    if (!t) return t.error();
  }
  const size_t have = whole_.size() - start_;
  if (have == 0) return false;
  const char* base = whole_.data() + start_;
  const void* nl = std::memchr(base, eol_, std::min(have, limits_.max_line_bytes + 1));
  size_t len;
  if (nl)
    len = static_cast<size_t>(static_cast<const char*>(nl) - base);
  else if (have <= limits_.max_line_bytes)
    len = have;  // last line without '\n'
  else
    return Error{
        label_, static_cast<unsigned>(line_no_ + 1),
        fmt::format(
            "line longer than {} MiB: not a kernel log (a log flattened onto one line is accepted up to that size)",
            limits_.max_line_bytes >> 20)};
  line = std::string_view(base, len);
  start_ += nl ? len + 1 : len;
  ++line_no_;
  return true;
}

Result<bool> LogInput::next(std::string_view& line) {
  if (use_whole_) return next_in_whole(line);
  for (;;) {
    if (sniffed_ || eof_) {
      const char* base = buf_.data() + start_;
      const size_t have = buf_.size() - start_;
      if (const void* nl = std::memchr(base + scan_, eol_, have - scan_)) {
        const size_t len = static_cast<const char*>(nl) - base;
        if (len > limits_.max_line_bytes) break;
        line = std::string_view(base, len);
        start_ += len + 1;
        scan_ = 0;
        ++line_no_;
        return true;
      }
      scan_ = have;
      if (have > limits_.max_line_bytes) break;
      if (eof_) {
        if (have == 0) return false;
        line = std::string_view(base, have);
        start_ = buf_.size();
        scan_ = 0;
        ++line_no_;
        return true;
      }
    }
    auto r = fill();
    if (!r) return r.error();
  }
  return Error{
      label_, static_cast<unsigned>(line_no_ + 1),
      fmt::format(
          "line longer than {} MiB: not a kernel log (a log flattened onto one line is accepted up to that size)",
          limits_.max_line_bytes >> 20)};
}

}  // namespace reprobe
