// The trace file a `reprobe record` backend (bpf: tools/cmd_record.cpp, kmsg:
// tracer/record/kmsg_backend.cpp) writes as it goes: OUTPUT ("-" = stdout) is
// truncated and written in place, not through a temporary file like
// write_file_atomically(), because a recorder killed with SIGKILL must leave a
// valid prefix. The header is written and flushed when it opens.
#pragma once

#include <fstream>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "replayer/trace/error.h"
#include "replayer/trace/trace_writer.h"

namespace reprobe {

class RecordingOutput {
 public:
  // Errors: "OUTPUT: cannot write: REASON", "internal error: header rejected by the trace writer: ...".
  static Result<std::unique_ptr<RecordingOutput>> open(const std::string& output, const nlohmann::ordered_json& header);
  RecordingOutput(const RecordingOutput&) = delete;
  RecordingOutput& operator=(const RecordingOutput&) = delete;

  std::ostream& stream() { return *out_; }
  TraceWriter& writer() { return writer_; }
  bool to_stdout() const { return out_ == &std::cout; }
  // The name for messages: OUTPUT, or "stdout".
  const std::string& name() const { return name_; }
  // Closes the file (stdout is left open).
  void close() {
    if (file_.is_open()) file_.close();
  }

 private:
  explicit RecordingOutput(const std::string& output);
  std::ofstream file_;
  std::ostream* out_;
  TraceWriter writer_;
  std::string name_;
  int open_errno_ = 0;
};

}  // namespace reprobe
