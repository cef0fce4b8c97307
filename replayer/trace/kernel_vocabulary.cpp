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

// fw_devlink names a supplier by its firmware node ("wait for supplier
// /soc@0/pinctrl@33c0000/wsa-swr-data-state", %pfwf; "pinctrl@33c0000", %pfwP). The supplier is
// the deepest node with a unit address; when it sits on the SoC bus (its parent is the root,
// "soc", or a "*bus" node) or the name is the node alone, it is the platform device the OF core
// names "<address>.<node>" ("33c0000.pinctrl"). Anything else (a node on an i2c or spi bus,
// whose device name has the bus number) passes unchanged.
std::string supplier_device(std::string_view name) {
  if (name.empty() || (name.front() != '/' && name.find('/') != std::string_view::npos) ||
      name.find('@') == std::string_view::npos)
    return std::string(name);
  std::string_view best, best_parent, parent;
  size_t from = name.front() == '/' ? 1 : 0;
  while (from < name.size()) {
    const size_t slash = name.find('/', from);
    const std::string_view node =
        name.substr(from, slash == std::string_view::npos ? std::string_view::npos : slash - from);
    if (const size_t at = node.find('@'); at != std::string_view::npos && at > 0 && at + 1 < node.size()) {
      best = node;
      best_parent = parent;
    }
    parent = node;
    if (slash == std::string_view::npos) break;
    from = slash + 1;
  }
  if (best.empty()) return std::string(name);
  const std::string_view parent_name = best_parent.substr(0, best_parent.find('@'));
  const bool soc_bus = best_parent.empty() || parent_name == "soc" ||
                       (parent_name.size() >= 3 && parent_name.substr(parent_name.size() - 3) == "bus");
  if (!soc_bus) return std::string(name);
  const size_t at = best.find('@');
  return std::string(best.substr(at + 1)) + "." + std::string(best.substr(0, at));
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
    if (p.prefix == "device:") name = supplier_device(name);
    return std::string(p.prefix) + name;
  }
  if (r.find("couldn't bind with audio component") != std::string_view::npos) return "named:i915-audio-component";
  return std::nullopt;
}

}  // namespace reprobe
