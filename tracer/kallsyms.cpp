#include "tracer/kallsyms.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace reprobe {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Strips one clone suffix segment from the end of `s`; returns false if none.
bool strip_one(std::string_view& s) {
  static constexpr std::string_view kTags[] = {".part.", ".isra.", ".constprop.", ".llvm.", ".lto_priv."};
  for (auto tag : kTags) {
    auto pos = s.rfind(tag);
    if (pos == std::string_view::npos || pos == 0) continue;
    if (!all_digits(s.substr(pos + tag.size()))) continue;
    s = s.substr(0, pos);
    return true;
  }
  return false;
}

std::string read_all(const std::string& path, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = std::strerror(errno);
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The lines of a /proc or tracefs text file (without the '\n').
std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    out.push_back(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return out;
}

using CloneMap = std::map<std::string, std::vector<std::string>, std::less<>>;

void sort_unique(CloneMap& clones) {
  for (auto& [base, v] : clones) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
}

// Reads `path` and parses it with T::parse.
template <class T>
Result<T> load_parsed(const std::string& path) {
  std::string err;
  std::string text = read_all(path, &err);
  if (!err.empty()) return Error{path, 0, "cannot read: " + err};
  return T::parse(text);
}

bool is_text(char t) { return t == 't' || t == 'T' || t == 'w' || t == 'W'; }

}  // namespace

std::optional<std::string_view> clone_base(std::string_view name) {
  std::string_view s = name;
  bool any = false;
  while (strip_one(s)) any = true;
  if (!any) return std::nullopt;
  return s;
}

bool is_clone_of(std::string_view name, std::string_view base) {
  auto b = clone_base(name);
  return b && *b == base;
}

bool is_part_clone(std::string_view name) {
  return clone_base(name).has_value() && name.find(".part.") != std::string_view::npos;
}

Kallsyms Kallsyms::parse(std::string_view text) {
  Kallsyms k;
  for (std::string_view line : lines(text)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    // "<hex addr> <type> <name>[\t[module]]"
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0 || sp1 + 3 > line.size() || line[sp1 + 2] != ' ') {
      k.malformed_++;
      continue;
    }
    std::string_view hex = line.substr(0, sp1);
    uint64_t addr = 0;
    bool ok = true;
    for (char c : hex) {
      int v;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
      else { ok = false; break; }
      addr = (addr << 4) | static_cast<uint64_t>(v);
    }
    if (!ok || hex.size() > 16) {
      k.malformed_++;
      continue;
    }
    KSym s;
    s.addr = addr;
    s.type = line[sp1 + 1];
    std::string_view rest = line.substr(sp1 + 3);
    size_t tab = rest.find_first_of("\t ");
    std::string_view name = rest.substr(0, tab);
    if (tab != std::string_view::npos) {
      std::string_view mod = rest.substr(tab + 1);
      while (!mod.empty() && (mod.front() == ' ' || mod.front() == '\t')) mod.remove_prefix(1);
      if (mod.size() >= 2 && mod.front() == '[' && mod.back() == ']') s.module = std::string(mod.substr(1, mod.size() - 2));
    }
    if (name.empty()) {
      k.malformed_++;
      continue;
    }
    s.name = std::string(name);
    if (addr != 0) k.nonzero_ = true;
    auto idx = static_cast<uint32_t>(k.syms_.size());
    k.by_name_.emplace(s.name, idx);
    if (auto b = clone_base(s.name)) k.clones_[std::string(*b)].push_back(s.name);
    k.syms_.push_back(std::move(s));
  }
  for (uint32_t i = 0; i < k.syms_.size(); i++)
    if (is_text(k.syms_[i].type)) k.by_addr_.push_back(i);
  std::stable_sort(k.by_addr_.begin(), k.by_addr_.end(),
                   [&](uint32_t a, uint32_t b) { return k.syms_[a].addr < k.syms_[b].addr; });
  sort_unique(k.clones_);
  return k;
}

Result<Kallsyms> Kallsyms::load(const std::string& path) { return load_parsed<Kallsyms>(path); }

const KSym* Kallsyms::find(std::string_view name, std::string_view module) const {
  auto [b, e] = by_name_.equal_range(std::string(name));
  const KSym* best = nullptr;
  for (auto it = b; it != e; ++it) {
    const KSym& s = syms_[it->second];
    if (!module.empty() && module != "vmlinux" && s.module != module) continue;
    if (module == "vmlinux" && !s.module.empty()) continue;
    if (!best || it->second < static_cast<uint32_t>(best - syms_.data())) best = &s;
  }
  return best;
}

std::optional<uint64_t> Kallsyms::address(std::string_view name, std::string_view module) const {
  const KSym* s = find(name, module);
  if (!s) return std::nullopt;
  return s->addr;
}

std::vector<std::string> Kallsyms::clones(std::string_view base) const {
  auto it = clones_.find(base);
  if (it == clones_.end()) return {};
  return it->second;
}

std::string Kallsyms::symbolize(uint64_t addr) const {
  if (addr == 0 || by_addr_.empty()) return {};
  auto it = std::upper_bound(by_addr_.begin(), by_addr_.end(), addr,
                             [&](uint64_t a, uint32_t i) { return a < syms_[i].addr; });
  if (it == by_addr_.begin()) return {};
  --it;
  const KSym& s = syms_[*it];
  if (s.addr == addr) return s.name;
  uint64_t off = addr - s.addr;
  if (off > (1u << 20)) return {};  // too far: not inside a known function
  char buf[32];
  std::snprintf(buf, sizeof buf, "+0x%llx", static_cast<unsigned long long>(off));
  return s.name + buf;
}

std::string Kallsyms::module_of(uint64_t addr) const {
  if (addr == 0 || by_addr_.empty()) return {};
  auto it = std::upper_bound(by_addr_.begin(), by_addr_.end(), addr,
                             [&](uint64_t a, uint32_t i) { return a < syms_[i].addr; });
  if (it == by_addr_.begin()) return {};
  --it;
  return syms_[*it].module;
}

FilterFunctions FilterFunctions::parse(std::string_view text) {
  FilterFunctions f;
  for (std::string_view line : lines(text)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    // available_filter_functions_addrs: "ffffffff81000000 name [mod]"
    size_t sp = line.find_first_of(" \t");
    std::string_view first = line.substr(0, sp);
    if (sp != std::string_view::npos && first.size() >= 8 &&
        std::all_of(first.begin(), first.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      line = line.substr(sp + 1);
      sp = line.find_first_of(" \t");
    }
    std::string name(line.substr(0, sp));
    std::string mod;
    if (sp != std::string_view::npos) {
      std::string_view m = line.substr(sp + 1);
      while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
      if (m.size() >= 2 && m.front() == '[' && m.back() == ']') mod = std::string(m.substr(1, m.size() - 2));
    }
    if (name.empty()) continue;
    if (auto b = clone_base(name)) f.clones_[std::string(*b)].push_back(name);
    f.names_.emplace(std::move(name), std::move(mod));
  }
  sort_unique(f.clones_);
  return f;
}

Result<FilterFunctions> FilterFunctions::load(const std::string& path) { return load_parsed<FilterFunctions>(path); }

std::vector<std::string> FilterFunctions::clones(std::string_view base) const {
  auto it = clones_.find(base);
  if (it == clones_.end()) return {};
  return it->second;
}

}  // namespace reprobe
