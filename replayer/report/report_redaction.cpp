// Report-time redaction (see report_redaction.h).
#include "replayer/report/report_redaction.h"

#include <array>
#include <string_view>
#include <vector>

namespace reprobe {

namespace {

bool is_host_key(std::string_view key) {
  static constexpr std::array<std::string_view, 5> kKeys = {"hostname", "host_name", "nodename", "host", "fqdn"};
  for (auto k : kKeys)
    if (key == k) return true;
  return false;
}

// Host names under snapshot keys such as "hostname". Iterative (an explicit
// stack): a header may nest deeper than the call stack could follow.
void learn_hosts(const nlohmann::ordered_json& root, Redactor& r) {
  std::vector<const nlohmann::ordered_json*> stack{&root};
  while (!stack.empty()) {
    const nlohmann::ordered_json& j = *stack.back();
    stack.pop_back();
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.value().is_string() && is_host_key(it.key())) r.add_host(it.value().get_ref<const std::string&>());
        if (it.value().is_structured()) stack.push_back(&it.value());
      }
    } else if (j.is_array()) {
      for (const auto& x : j)
        if (x.is_structured()) stack.push_back(&x);
    }
  }
}

}  // namespace

Redactor report_redactor(const Trace& trace, const ReportOptions& opts) {
  if (!opts.redact) return Redactor::disabled();
  RedactOptions ro;
  ro.host_names = opts.host_names;
  ro.user_names = opts.user_names;
  Redactor r(ro);
  learn_hosts(trace.header, r);
  learn_hosts(trace.end_extra, r);
  r.learn_json(trace.header);
  r.learn_json(trace.end_extra);
  return r;
}

}  // namespace reprobe

namespace reprobe {

RedactedHeader redacted_header(const Trace& trace, Redactor& red) {
  using ojson = nlohmann::ordered_json;
  RedactedHeader h;
  h.snapshot = trace.header.contains("snapshot") ? trace.header["snapshot"] : ojson();
  h.end_snapshot = trace.end_extra.contains("snapshot") ? trace.end_extra["snapshot"] : ojson();
  h.kernel = trace.header.contains("kernel") ? trace.header["kernel"] : ojson::object();
  red.scrub_json(h.snapshot);
  red.scrub_json(h.end_snapshot);
  red.scrub_json(h.kernel);
  if (h.kernel.is_object() && h.kernel.contains("cmdline") && h.kernel["cmdline"].is_string())
    h.cmdline = h.kernel["cmdline"].get<std::string>();
  if (h.snapshot.is_object() && h.snapshot.contains("cmdline") && h.snapshot["cmdline"].is_object() &&
      h.snapshot["cmdline"].contains("raw") && h.snapshot["cmdline"]["raw"].is_string())
    h.cmdline = h.snapshot["cmdline"]["raw"].get<std::string>();
  return h;
}

}  // namespace reprobe
