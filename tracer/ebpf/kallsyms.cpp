#include "tracer/ebpf/kallsyms.h"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

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

// Reads a whole file with read(2): /proc and tracefs files report size 0.
std::string read_all(const std::string& path, std::string* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = std::strerror(errno);
    return {};
  }
  std::string out;
  size_t used = 0;
  out.resize(1 << 20);
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2);
    ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = std::strerror(errno);
      ::close(fd);
      return {};
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(used);
  return out;
}

// Calls f(line) for every line of a /proc or tracefs text file (without '\n').
template <class F>
void for_each_line(std::string_view text, F&& f) {
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    size_t eol = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    f(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
}

using CloneMap = std::map<std::string, std::vector<std::string>, std::less<>>;

void sort_unique(CloneMap& clones) {
  for (auto& [base, v] : clones) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
}

// Reads `path` and parses it with T::from_text.
template <class T>
Result<T> load_parsed(const std::string& path) {
  std::string err;
  std::string text = read_all(path, &err);
  if (!err.empty()) return Error{path, 0, "cannot read: " + err};
  return T::from_text(std::move(text));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
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

Kallsyms Kallsyms::parse(std::string_view text) { return from_text(std::string(text)); }

Kallsyms Kallsyms::from_text(std::string&& owned) {
  Kallsyms k;
  k.text_ = std::make_shared<const std::string>(std::move(owned));
  const std::string_view text = *k.text_;
  k.syms_.reserve(text.size() / 40);
  for_each_line(text, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    // "<hex addr> <type> <name>[\t[module]]"
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0 || sp1 > 16 || sp1 + 3 > line.size() || line[sp1 + 2] != ' ') {
      k.malformed_++;
      return;
    }
    uint64_t addr = 0;
    for (size_t i = 0; i < sp1; i++) {
      int v = hex_digit(line[i]);
      if (v < 0) {
        k.malformed_++;
        return;
      }
      addr = (addr << 4) | static_cast<uint64_t>(v);
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
      if (mod.size() >= 2 && mod.front() == '[' && mod.back() == ']') s.module = mod.substr(1, mod.size() - 2);
    }
    if (name.empty()) {
      k.malformed_++;
      return;
    }
    s.name = name;
    if (addr != 0) k.nonzero_ = true;
    if (name.find('.') != std::string_view::npos)
      if (auto b = clone_base(name)) k.clones_[std::string(*b)].emplace_back(name);
    k.syms_.push_back(s);
  });
  size_t slots = 16;
  while (slots < 2 * k.syms_.size()) slots <<= 1;
  k.by_name_.assign(slots, 0);
  for (uint32_t i = 0; i < k.syms_.size(); i++) {
    size_t h = std::hash<std::string_view>{}(k.syms_[i].name) & (slots - 1);
    while (k.by_name_[h]) h = (h + 1) & (slots - 1);
    k.by_name_[h] = i + 1;
  }
  k.by_addr_.reserve(k.syms_.size());
  for (uint32_t i = 0; i < k.syms_.size(); i++)
    if (is_text(k.syms_[i].type)) k.by_addr_.push_back(i);
  // vmlinux symbols come sorted by address; ties keep file order
  auto by_addr = [&](uint32_t a, uint32_t b) {
    return k.syms_[a].addr != k.syms_[b].addr ? k.syms_[a].addr < k.syms_[b].addr : a < b;
  };
  if (!std::is_sorted(k.by_addr_.begin(), k.by_addr_.end(), by_addr))
    std::sort(k.by_addr_.begin(), k.by_addr_.end(), by_addr);
  sort_unique(k.clones_);
  return k;
}

Result<Kallsyms> Kallsyms::load(const std::string& path) { return load_parsed<Kallsyms>(path); }

template <class F>
void Kallsyms::for_each_named(std::string_view name, F&& f) const {
  if (by_name_.empty()) return;
  const size_t mask = by_name_.size() - 1;
  for (size_t h = std::hash<std::string_view>{}(name)&mask; by_name_[h]; h = (h + 1) & mask)
    if (syms_[by_name_[h] - 1].name == name) f(by_name_[h] - 1);
}

bool Kallsyms::has(std::string_view name) const {
  bool found = false;
  for_each_named(name, [&](uint32_t) { found = true; });
  return found;
}

const KSym* Kallsyms::find(std::string_view name, std::string_view module) const {
  const KSym* best = nullptr;
  for_each_named(name, [&](uint32_t i) {
    const KSym& s = syms_[i];
    if (!module.empty() && module != "vmlinux" && s.module != module) return;
    if (module == "vmlinux" && !s.module.empty()) return;
    if (!best || i < static_cast<uint32_t>(best - syms_.data())) best = &s;
  });
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
  if (s.addr == addr) return std::string(s.name);
  uint64_t off = addr - s.addr;
  if (off > (1u << 20)) return {};  // too far: not inside a known function
  char buf[32];
  std::snprintf(buf, sizeof buf, "+0x%llx", static_cast<unsigned long long>(off));
  return std::string(s.name) + buf;
}

std::string Kallsyms::module_of(uint64_t addr) const {
  if (addr == 0 || by_addr_.empty()) return {};
  auto it = std::upper_bound(by_addr_.begin(), by_addr_.end(), addr,
                             [&](uint64_t a, uint32_t i) { return a < syms_[i].addr; });
  if (it == by_addr_.begin()) return {};
  --it;
  return std::string(syms_[*it].module);
}

FilterFunctions FilterFunctions::parse(std::string_view text) { return from_text(std::string(text)); }

FilterFunctions FilterFunctions::from_text(std::string&& owned) {
  FilterFunctions f;
  f.text_ = std::make_shared<const std::string>(std::move(owned));
  const std::string_view text = *f.text_;
  f.names_.reserve(text.size() / 24);
  for_each_line(text, [&](std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) return;
    // available_filter_functions_addrs: "ffffffff81000000 name [mod]"
    size_t sp = line.find_first_of(" \t");
    std::string_view first = line.substr(0, sp);
    if (sp != std::string_view::npos && first.size() >= 8 &&
        std::all_of(first.begin(), first.end(), [](char c) { return hex_digit(c) >= 0; })) {
      line = line.substr(sp + 1);
      sp = line.find_first_of(" \t");
    }
    std::string_view name = line.substr(0, sp);
    if (name.empty()) return;
    if (name.find('.') != std::string_view::npos)
      if (auto b = clone_base(name)) f.clones_[std::string(*b)].emplace_back(name);
    f.names_.insert(name);
  });
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
