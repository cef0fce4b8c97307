#include "tracer/record/recording_output.h"

#include <cerrno>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

namespace reprobe {

RecordingOutput::RecordingOutput(const std::string& output)
    : out_(output == "-" ? static_cast<std::ostream*>(&std::cout) : &file_),
      writer_(*out_),
      name_(output == "-" ? "stdout" : output) {
  if (output == "-") return;
  file_.open(output, std::ios::out | std::ios::trunc | std::ios::binary);
  if (!file_) open_errno_ = errno;
}

Result<std::unique_ptr<RecordingOutput>> RecordingOutput::open(const std::string& output,
                                                               const nlohmann::ordered_json& header) {
  std::unique_ptr<RecordingOutput> o(new RecordingOutput(output));
  if (o->open_errno_) return Error{output, 0, fmt::format("cannot write: {}", std::strerror(o->open_errno_))};
  if (auto r = o->writer_.header(header); !r)
    return Error{"", 0, fmt::format("internal error: header rejected by the trace writer: {}", r.error().message)};
  o->writer_.flush();
  return o;
}

}  // namespace reprobe
