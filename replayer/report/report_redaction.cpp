// Report-time redaction (see report_redaction.h).
#include "replayer/report/report_redaction.h"

#include <array>
#include <string_view>

namespace reprobe {

namespace {

bool is_host_key(std::string_view key) {
  static constexpr std::array<std::string_view, 5> kKeys = {"hostname", "host_name", "nodename", "host", "fqdn"};
  for (auto k : kKeys)
    if (key == k) return true;
  return false;
}

void learn_hosts(const nlohmann::ordered_json& j, Redactor& r) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.value().is_string() && is_host_key(it.key())) r.add_host(it.value().get_ref<const std::string&>());
      learn_hosts(it.value(), r);
    }
  } else if (j.is_array()) {
    for (const auto& x : j) learn_hosts(x, r);
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
