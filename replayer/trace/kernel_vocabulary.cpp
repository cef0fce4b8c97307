// The kernel's wording of deferral reasons, mapped to the resources they name
// (docs/kernel-model.md §6 "Deferral reasons"). Shared by the model (need
// inference) and the log importer, so neither depends on the other.
#include "replayer/trace/kernel_vocabulary.h"

namespace reprobe {

namespace {

// Token after `key` up to the next space; empty when absent.
std::optional<std::string> token_after(std::string_view text, std::string_view key) {
  const auto p = text.find(key);
  if (p == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(p + key.size());
  const auto sp = rest.find_first_of(" \t\n");
  std::string tok(rest.substr(0, sp));
  while (!tok.empty() && (tok.back() == ',' || tok.back() == '.' || tok.back() == ':')) tok.pop_back();
  if (tok.empty()) return std::nullopt;
  return tok;
}

}  // namespace

std::optional<std::string> resource_from_reason(std::string_view r) {
  struct Pattern {
    std::string_view key;
    std::string_view must_follow;  // text that must appear after the token ("" = none)
    std::string_view prefix;
  };
  static constexpr Pattern kPatterns[] = {
      {"CPU DAI ", "not registered", "dai:"},
      {"CODEC DAI ", "not registered", "dai:"},
      {"codec component ", "not found", "component:"},
      {"platform component ", "not found", "component:"},
      {"cpu component ", "not found", "component:"},
      {"Component ", "not found", "component:"},
      {"ASoC: CODEC ", "not registered", "component:"},
      {"ASoC: PLATFORM ", "not registered", "component:"},
      {"supplier ", "not ready", "device:"},
      {"wait for supplier ", "", "device:"},
  };
  for (const auto& p : kPatterns) {
    const auto k = r.find(p.key);
    if (k == std::string_view::npos) continue;
    std::string name;
    if (!p.must_follow.empty()) {
      // Names may contain spaces ("Analog CPU DAI"): take everything up to the trailer.
      const auto f = r.find(p.must_follow, k + p.key.size());
      if (f == std::string_view::npos) continue;
      name = std::string(r.substr(k + p.key.size(), f - k - p.key.size()));
      while (!name.empty() && name.back() == ' ') name.pop_back();
    } else if (auto tok = token_after(r, p.key)) {
      name = *tok;
    }
    if (name.empty()) continue;
    return std::string(p.prefix) + name;
  }
  if (r.find("couldn't bind with audio component") != std::string_view::npos) return "named:i915-audio-component";
  return std::nullopt;
}

}  // namespace reprobe
