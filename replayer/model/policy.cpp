#include "replayer/model/policy.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace reprobe {

const std::vector<PolicyInfo>& policy_catalog() {
  static const std::vector<PolicyInfo> c = {
      {"stock", PolicyKind::stock,
       "the kernel profile's own behaviour (binds trigger, race re-trigger, one-shot timeout)"},
      {"no-race-fix", PolicyKind::no_race_fix, "stock without the 2014 deferred_trigger_count re-trigger"},
      {"no-timeout", PolicyKind::no_timeout, "stock with deferred_probe_timeout=-1 (never expires)"},
      {"provider-kick", PolicyKind::provider_kick,
       "a provider's deferred work / firmware callback ends with a trigger (RFC 2021)"},
      {"component-kick", PolicyKind::component_kick, "snd_soc_add_component() triggers"},
      {"resource-kick", PolicyKind::resource_kick,
       "every resource provider API (component, firmware, named resource) triggers"},
      {"resource-aware", PolicyKind::resource_aware,
       "a deferred device is retried exactly when what it waits for appears"},
      {"periodic", PolicyKind::periodic, "stock plus a trigger every N ms (periodic:500)"},
      {"sync-provider", PolicyKind::sync_provider, "the provider finishes its work/firmware init inside probe"},
  };
  return c;
}

std::vector<std::string> all_policy_specs() {
  std::vector<std::string> v;
  for (const auto& p : policy_catalog()) v.emplace_back(p.name);
  return v;
}

namespace {
Result<int> parse_int(std::string_view spec, std::string_view key, std::string_view v) {
  int out = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size())
    return Error{"", 0, fmt::format("policy '{}': {}='{}' is not an integer", spec, key, v)};
  return out;
}
}  // namespace

Result<Policy> parse_policy(std::string_view spec, const KernelProfile& profile, std::optional<int> timeout_override) {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const PolicyInfo* info = nullptr;
  for (const auto& p : policy_catalog())
    if (p.name == name) info = &p;
  if (!info) {
    std::string known;
    for (const auto& p : policy_catalog()) known += fmt::format("{}{}", known.empty() ? "" : ", ", p.name);
    return Error{"", 0, fmt::format("unknown policy '{}' (known: {})", name, known)};
  }
  Policy p;
  p.kind = info->kind;
  p.timeout_s = timeout_override.value_or(profile.default_timeout_s);
  p.extend_on_register = profile.extend_on_register;
  p.drivers_done_at_timeout = profile.drivers_done_at_timeout;
  if (p.kind == PolicyKind::no_race_fix) p.race_fix = false;
  // "never": dd.c reads a negative driver_deferred_probe_timeout as no timer and never expired;
  // 0 would mean already expired for driver_deferred_probe_check_state().
  if (p.kind == PolicyKind::no_timeout) p.timeout_s = -1;
  std::string canon(name);
  if (colon != std::string_view::npos) {
    std::string_view params = spec.substr(colon + 1);
    if (params.empty()) return Error{"", 0, fmt::format("policy '{}': empty parameter list", spec)};
    std::vector<std::string> canon_params;
    while (!params.empty()) {
      const auto comma = params.find(',');
      const std::string_view kv = params.substr(0, comma);
      params = comma == std::string_view::npos ? std::string_view() : params.substr(comma + 1);
      const auto eq = kv.find('=');
      std::string_view key = kv.substr(0, eq);
      std::string_view val = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
      if (eq == std::string_view::npos && p.kind == PolicyKind::periodic) {
        val = key;
        key = "ms";
      } else if (eq == std::string_view::npos) {
        return Error{"", 0, fmt::format("policy '{}': parameter '{}' needs a value (key=value)", spec, kv)};
      }
      auto n = parse_int(spec, key, val);
      if (!n) return n.error();
      const std::string prefix = fmt::format("{}=", key);
      if (std::any_of(canon_params.begin(), canon_params.end(),
                      [&](const std::string& c) { return c.starts_with(prefix); }))
        return Error{"", 0, fmt::format("policy '{}': parameter '{}' given twice", spec, key)};
      if (key == "timeout") {
        if (p.kind == PolicyKind::no_timeout)
          return Error{"", 0, fmt::format("policy '{}': no-timeout takes no timeout", spec)};
        p.timeout_s = *n;
      } else if (key == "extend") {
        if (*n != 0 && *n != 1) return Error{"", 0, fmt::format("policy '{}': extend must be 0 or 1", spec)};
        p.extend_on_register = *n == 1;
      } else if (key == "race_fix") {
        if (*n != 0 && *n != 1) return Error{"", 0, fmt::format("policy '{}': race_fix must be 0 or 1", spec)};
        p.race_fix = *n == 1;
      } else if (key == "ms" && p.kind == PolicyKind::periodic) {
        if (*n < 1 || *n > 3600000) return Error{"", 0, fmt::format("policy '{}': ms must be 1..3600000", spec)};
        p.period_ms = *n;
      } else {
        return Error{"", 0,
                     fmt::format("policy '{}': unknown parameter '{}' (timeout, extend, race_fix{})", spec, key,
                                 p.kind == PolicyKind::periodic ? ", ms" : "")};
      }
      canon_params.push_back(fmt::format("{}={}", key, *n));
    }
    canon += ":";
    for (size_t i = 0; i < canon_params.size(); ++i) canon += (i ? "," : "") + canon_params[i];
  }
  p.spec = canon;
  return p;
}

}  // namespace reprobe
