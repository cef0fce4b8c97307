// /proc/kallsyms and tracefs available_filter_functions: symbol lookup by
// name (with the compiler clones gcc makes: name.part.N, name.isra.N,
// name.constprop.N, name.llvm.N, combinations thereof; never name.cold) and by
// address (symbolising work functions and firmware callbacks).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "replayer/trace/error.h"

namespace reprobe {

// If `name` is `base` followed only by clone suffixes (".part.0",
// ".isra.1.constprop.0", ...), returns the base; otherwise nullopt. ".cold"
// (a split-off cold path, not a callable entry) is not a clone.
std::optional<std::string_view> clone_base(std::string_view name);
// True if `name` is a clone of `base` (not `base` itself).
bool is_clone_of(std::string_view name, std::string_view base);
// True if the clone is an ipa-split tail (".part.N"): the original symbol is
// then a thin header that calls it.
bool is_part_clone(std::string_view name);

// Names are views into the text the Kallsyms was parsed from, which it keeps
// (shared between copies): valid as long as any copy of that Kallsyms lives.
struct KSym {
  uint64_t addr = 0;
  char type = '?';  // nm-style type letter (t, T, d, D, b, ...)
  std::string_view name;
  std::string_view module;  // "" = vmlinux
};

class Kallsyms {
 public:
  Kallsyms() = default;
  // Parses /proc/kallsyms text ("ffffffff81000000 T _stext", module symbols
  // end in "\t[module]"). Malformed lines are skipped and counted.
  // /proc/kallsyms has ~100 000-200 000 lines and is re-read after module
  // loads, on small and emulated machines too: one pass, no per-symbol
  // allocation (names stay in the text).
  static Kallsyms parse(std::string_view text);
  static Kallsyms from_text(std::string&& text);  // parse, taking the text over
  static Result<Kallsyms> load(const std::string& path = "/proc/kallsyms");

  bool has(std::string_view name) const;
  // First symbol with that name (optionally in that module; "vmlinux" or "" means any).
  const KSym* find(std::string_view name, std::string_view module = {}) const;
  std::optional<uint64_t> address(std::string_view name, std::string_view module = {}) const;
  // Clones of `base` present (sorted, deduplicated), excluding base itself.
  std::vector<std::string> clones(std::string_view base) const;
  // Function symbol at exactly `addr` (text symbols preferred), else the
  // nearest text symbol below it as "name+0xoff"; "" if none.
  std::string symbolize(uint64_t addr) const;
  // Module of the symbol at `addr` ("" vmlinux or unknown).
  std::string module_of(uint64_t addr) const;
  // False when every address is 0 (kptr_restrict / not root).
  bool addresses_visible() const { return nonzero_; }
  size_t size() const { return syms_.size(); }
  size_t malformed_lines() const { return malformed_; }

 private:
  std::shared_ptr<const std::string> text_;  // what the views point into
  std::vector<KSym> syms_;                   // file order
  std::vector<uint32_t> by_addr_;            // text symbols sorted by address
  // Name index, open addressing with linear probing: slot = symbol index + 1
  // (0 empty); duplicate names (static functions) occupy several slots.
  std::vector<uint32_t> by_name_;
  template <class F>
  void for_each_named(std::string_view name, F&& f) const;
  std::map<std::string, std::vector<std::string>, std::less<>> clones_;  // base -> clones
  bool nonzero_ = false;
  size_t malformed_ = 0;
};

// tracefs available_filter_functions: the functions ftrace (and so kprobes
// on function entry) can attach to. Lines: "name" or "name [module]";
// newer kernels also have available_filter_functions_addrs ("addr name").
class FilterFunctions {
 public:
  static FilterFunctions parse(std::string_view text);
  static FilterFunctions from_text(std::string&& text);
  static Result<FilterFunctions> load(const std::string& path);
  bool has(std::string_view name) const { return names_.count(name) != 0; }
  std::vector<std::string> clones(std::string_view base) const;
  size_t size() const { return names_.size(); }

 private:
  std::shared_ptr<const std::string> text_;  // what names_ points into
  std::unordered_set<std::string_view> names_;
  std::map<std::string, std::vector<std::string>, std::less<>> clones_;
};

}  // namespace reprobe
