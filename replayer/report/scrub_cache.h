// A Redactor in front of a memo: timeline outputs scrub the same device,
// driver, reason and firmware strings many times (once per probe attempt on
// a 1 M-event trace), and scrubbing is far slower than a lookup. Equal inputs
// give equal outputs either way; the cache only saves the work. A disabled
// Redactor passes strings through unredacted. Either way the result is made
// visible() (escape.h): what leaves a ScrubCache holds no raw control, line
// break or bidi character, whatever format it is then written in.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "replayer/report/escape.h"
#include "replayer/trace/redact.h"

namespace reprobe {

class ScrubCache {
 public:
  explicit ScrubCache(Redactor& redactor) : r_(redactor) {}
  const std::string& operator()(std::string_view s) {
    auto it = memo_.find(std::string(s));  // lookup only, never iterated: order cannot leak into output
    if (it != memo_.end()) return it->second;
    return memo_.emplace(std::string(s), visible(r_.enabled() ? r_.scrub_string(s) : std::string(s))).first->second;
  }
  Redactor& redactor() { return r_; }

 private:
  Redactor& r_;
  std::unordered_map<std::string, std::string> memo_;
};

}  // namespace reprobe
