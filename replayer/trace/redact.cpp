// Privacy scrubbing (see redact.h and docs/snapshot.md "Redaction").
#include "replayer/trace/redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <utility>

#include <arpa/inet.h>
#include <pwd.h>
#include <unistd.h>

namespace reprobe {

namespace {

constexpr std::array<std::string_view, 6> kKindNames = {"mac", "serial", "host", "user", "ipv4", "ipv6"};

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string to_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = lower(c);
  return r;
}

// Characters that continue a host or user name token. '.' is a boundary, so
// host "dell" matches in "dell.lan" but not in "dellx", "dell-xps" or "dell_1".
bool is_name_char(char c) { return is_alnum(c) || c == '_' || c == '-'; }

// Characters of a user name learnt from /home/NAME or user=NAME.
bool is_login_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }

// Characters of a key in a key=value token.
bool is_key_char(char c) { return is_alnum(c) || c == '_' || c == '.'; }

bool never_private(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kPublic = {
      "root", "nobody", "localhost", "(none)", "localhost.localdomain", "none"};
  return std::find(kPublic.begin(), kPublic.end(), name) != kPublic.end();
}

// "<mac-1>", "<serial-12>", ...: our own placeholders are never re-redacted,
// so scrubbing an already redacted trace is the identity.
bool is_placeholder(std::string_view v) {
  if (v.size() < 4 || v.front() != '<' || v.back() != '>') return false;
  const auto dash = v.rfind('-');
  if (dash == std::string_view::npos || dash + 2 > v.size() - 1) return false;
  const std::string_view kind = v.substr(1, dash - 1);
  if (std::find(kKindNames.begin(), kKindNames.end(), kind) == kKindNames.end()) return false;
  for (std::size_t i = dash + 1; i + 1 < v.size(); ++i)
    if (!is_digit(v[i])) return false;
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Value after "key=" : a double-quoted string (without the quotes) or a run
// up to whitespace or punctuation that ends tokens. Returns [begin, end).
std::pair<std::size_t, std::size_t> token_value(std::string_view s, std::size_t start) {
  if (start < s.size() && (s[start] == '"' || s[start] == '\'')) {
    const char q = s[start];
    const auto close = s.find(q, start + 1);
    return {start + 1, close == std::string_view::npos ? s.size() : close};
  }
  std::size_t e = start;
  static constexpr std::string_view kStop = " \t\r\n,;\"'()[]{}<>";
  while (e < s.size() && kStop.find(s[e]) == std::string_view::npos) ++e;
  return {start, e};
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

// Length of a MAC address starting at s[i] (17) or 0. Separators must be all
// ':' or all '-', and the match must not be part of a longer hex/colon run
// (IPv6 addresses, EUI-64, GUID fragments).
std::size_t mac_at(std::string_view s, std::size_t i) {
  if (i + 17 > s.size()) return 0;
  const char sep = s[i + 2];
  if (sep != ':' && sep != '-') return 0;
  for (std::size_t g = 0; g < 6; ++g) {
    const std::size_t p = i + g * 3;
    if (!is_hex(s[p]) || !is_hex(s[p + 1])) return 0;
    if (g < 5 && s[p + 2] != sep) return 0;
  }
  if (i > 0) {
    const char b = s[i - 1];
    if (is_alnum(b) || b == '_') return 0;
    if (b == sep && i >= 2 && (is_hex(s[i - 2]) || s[i - 2] == sep)) return 0;  // tail of a longer run
  }
  const std::size_t e = i + 17;
  if (e < s.size()) {
    const char a = s[e];
    if (is_alnum(a) || a == '_') return 0;
    if (a == sep && e + 1 < s.size() && (is_hex(s[e + 1]) || s[e + 1] == sep)) return 0;
  }
  return 17;
}

// True when s[p] starts a token (start of string or after whitespace).
bool token_start(std::string_view s, std::size_t p) {
  return p == 0 || s[p - 1] == ' ' || s[p - 1] == '\t' || s[p - 1] == '\n' || s[p - 1] == '\r';
}

std::size_t token_end(std::string_view s, std::size_t p) {
  while (p < s.size() && s[p] != ' ' && s[p] != '\t' && s[p] != '\n' && s[p] != '\r' && s[p] != '"' && s[p] != '\'')
    ++p;
  return p;
}

// The <hostname> field of the kernel's ip=<client>:<server>:<gw>:<netmask>:<hostname>:<dev>:...
// (Documentation/admin-guide/nfs/nfsroot.rst); IPv6 addresses are in brackets.
std::string_view ip_option_hostname(std::string_view v) {
  std::size_t field = 0, b = 0;
  bool bracket = false;
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i < v.size() && v[i] == '[') bracket = true;
    if (i < v.size() && v[i] == ']') bracket = false;
    if (i < v.size() && (v[i] != ':' || bracket)) continue;
    if (field == 4) return v.substr(b, i - b);
    ++field;
    b = i + 1;
  }
  return {};
}

// Keys whose value may hold a MAC without separators (ifname=lan0:001B21AABBCD),
// or a MAC right after another ':' (ifname=lan0:00:1b:..., ip=...:<mac>).
bool mac_option_token(std::string_view token) {
  static constexpr std::array<std::string_view, 8> kKeys = {
      "ifname=", "ip=", "mac=", "hwaddr=", "macaddr=", "ethaddr=", "ether=", "bootif="};
  const std::string t = to_lower(token.substr(0, 9));
  for (const auto k : kKeys)
    if (starts_with(t, k)) return true;
  return false;
}

// Length of a MAC at s[i] inside such a token: 12 hex digits, or 6 groups of 2
// with one separator (':' or '-'); it must end the value or be followed by a
// non-alphanumeric character. 0 if none.
std::size_t option_mac_at(std::string_view s, std::size_t i) {
  auto ends = [&](std::size_t e) { return e >= s.size() || !(is_alnum(s[e]) || s[e] == '_'); };
  if (i + 17 <= s.size() && (s[i + 2] == ':' || s[i + 2] == '-')) {
    bool ok = true;
    for (std::size_t g = 0; g < 6 && ok; ++g) {
      const std::size_t p = i + g * 3;
      ok = is_hex(s[p]) && is_hex(s[p + 1]) && (g == 5 || s[p + 2] == s[i + 2]);
    }
    if (ok && ends(i + 17)) return 17;
  }
  std::size_t e = i;
  while (e < s.size() && e - i < 13 && is_hex(s[e])) ++e;
  return e - i == 12 && ends(e) ? 12 : 0;
}

// by-id / by-uuid names carry disk serials and filesystem UUIDs.
constexpr std::array<std::string_view, 3> kDiskLinkDirs = {"/dev/disk/by-id/", "/dev/disk/by-uuid/",
                                                           "/dev/disk/by-partuuid/"};

}  // namespace

RedactOptions redact_options_for_this_machine(const std::filesystem::path& proc_root) {
  RedactOptions o;
  {
    std::ifstream in(proc_root / "sys/kernel/hostname");
    std::string host;
    if (in && std::getline(in, host)) {
      host = trim(host);
      if (!host.empty()) o.host_names.push_back(host);
    }
  }
  for (const char* var : {"SUDO_USER", "DOAS_USER", "USER", "LOGNAME"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') o.user_names.emplace_back(v);
  }
  if (const char* uid = std::getenv("PKEXEC_UID"); uid != nullptr && *uid != '\0') {
    char* end = nullptr;
    const unsigned long n = std::strtoul(uid, &end, 10);
    if (end != nullptr && *end == '\0') {
      if (const passwd* pw = getpwuid(static_cast<uid_t>(n)); pw != nullptr && pw->pw_name != nullptr)
        o.user_names.emplace_back(pw->pw_name);
    }
  }
  if (const char* login = getlogin(); login != nullptr && *login != '\0') o.user_names.emplace_back(login);
  return o;
}

Redactor::Redactor(RedactOptions options) : opt_(std::move(options)) {
  for (const auto& h : opt_.host_names) add_host(h);
  for (const auto& u : opt_.user_names) add_user(u);
}

Redactor Redactor::disabled() {
  RedactOptions o;
  o.enabled = false;
  return Redactor(o);
}

Redactor Redactor::for_this_machine(const std::filesystem::path& proc_root) {
  return Redactor(redact_options_for_this_machine(proc_root));
}

void Redactor::add_host(std::string_view name) {
  if (!opt_.enabled || name.size() < 2 || never_private(name) || is_placeholder(name)) return;
  if (std::find(hosts_.begin(), hosts_.end(), name) == hosts_.end()) hosts_.emplace_back(name);
}

void Redactor::add_user(std::string_view name) {
  if (!opt_.enabled || name.size() < 2 || never_private(name) || is_placeholder(name)) return;
  if (std::find(users_.begin(), users_.end(), name) == users_.end()) users_.emplace_back(name);
}

bool Redactor::is_serial_key(std::string_view key) {
  // Only the last dotted component counts: "serial8250.nr_uarts" is not a serial.
  const auto dot = key.rfind('.');
  const std::string k = to_lower(dot == std::string_view::npos ? key : key.substr(dot + 1));
  if (k.empty()) return false;
  return k == "serial" || k == "serialnumber" || k == "serial_number" || k == "serial_no" || ends_with(k, "_serial") ||
         starts_with(k, "id_serial") || ends_with(k, "uuid") || k == "wwid" || k == "wwn" || starts_with(k, "id_wwn");
}

std::size_t Redactor::distinct(Kind k) const { return seen_[static_cast<std::size_t>(k)].size(); }

std::string Redactor::placeholder(Kind k, const std::string& normalized) {
  auto& m = seen_[static_cast<std::size_t>(k)];
  ++replacements_;
  auto it = m.find(normalized);
  if (it != m.end()) return it->second;
  std::string p = "<" + std::string(kKindNames[static_cast<std::size_t>(k)]) + "-" + std::to_string(m.size() + 1) + ">";
  m.emplace(normalized, p);
  return p;
}

void Redactor::learn(std::string_view s) {
  if (!opt_.enabled) return;
  if (opt_.hosts) learn_hosts(s);
  if (!opt_.users) return;
  // /home/NAME
  for (std::size_t p = s.find("/home/"); p != std::string_view::npos; p = s.find("/home/", p + 1)) {
    std::size_t b = p + 6, e = b;
    while (e < s.size() && is_login_char(s[e])) ++e;
    if (e > b) add_user(s.substr(b, e - b));
  }
  // user=NAME and friends (key must start at a token boundary)
  static constexpr std::array<std::string_view, 6> kKeys = {
      "user=", "USER=", "LOGNAME=", "SUDO_USER=", "username=", "login="};
  for (const auto key : kKeys) {
    for (std::size_t p = s.find(key); p != std::string_view::npos; p = s.find(key, p + 1)) {
      if (p > 0 && (is_alnum(s[p - 1]) || s[p - 1] == '_')) continue;
      auto [b, e] = token_value(s, p + key.size());
      std::size_t le = b;
      while (le < e && is_login_char(s[le])) ++le;
      if (le == e && e > b) add_user(s.substr(b, e - b));
    }
  }
}

void Redactor::learn_json(const nlohmann::ordered_json& j) { learn_tree(j); }

// Iterative (an explicit stack, preorder): a header may nest deeper than the
// call stack could follow.
template <class J>
void Redactor::learn_tree(const J& root) {
  if (!opt_.enabled || (!opt_.users && !opt_.hosts)) return;
  std::vector<const J*> stack{&root};
  std::vector<const J*> kids;
  while (!stack.empty()) {
    const J* j = stack.back();
    stack.pop_back();
    if (j->is_string()) {
      learn(j->template get_ref<const std::string&>());
    } else if (j->is_structured()) {
      kids.clear();
      for (const auto& v : *j) kids.push_back(&v);
      stack.insert(stack.end(), kids.rbegin(), kids.rend());
    }
  }
}

std::string Redactor::scrub_serial_tokens(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t copied = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '=') {
      std::size_t kb = i;
      while (kb > 0 && is_key_char(s[kb - 1])) --kb;
      if (kb == i || !is_serial_key(s.substr(kb, i - kb))) continue;
      auto [b, e] = token_value(s, i + 1);
      if (e <= b || is_placeholder(s.substr(b, e - b))) continue;
      out.append(s.substr(copied, b - copied));
      out += placeholder(Kind::serial, std::string(s.substr(b, e - b)));
      copied = e;
      i = e > 0 ? e - 1 : e;
    } else if (s[i] == ':') {
      // "SerialNumber: X" (usb core log), "Serial Number: X" (dmidecode), to the end of the line
      std::size_t kb = std::string::npos;
      for (const std::string_view k : {"serialnumber", "serial number"})
        if (i >= k.size() && to_lower(s.substr(i - k.size(), k.size())) == k) kb = i - k.size();
      if (kb == std::string::npos || (kb > 0 && (is_alnum(s[kb - 1]) || s[kb - 1] == '_'))) continue;
      std::size_t b = i + 1;
      while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
      std::size_t e = b;
      while (e < s.size() && s[e] != '\n' && s[e] != '\r') ++e;
      while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
      if (e <= b || is_placeholder(s.substr(b, e - b))) continue;
      out.append(s.substr(copied, b - copied));
      out += placeholder(Kind::serial, std::string(s.substr(b, e - b)));
      copied = e;
      i = e > 0 ? e - 1 : e;
    }
  }
  out.append(s.substr(copied));
  return out;
}

std::string Redactor::scrub_macs(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (const std::size_t n = mac_at(s, i); n != 0) {
      std::string norm = to_lower(s.substr(i, n));
      std::replace(norm.begin(), norm.end(), '-', ':');
      if (norm == "00:00:00:00:00:00" || norm == "ff:ff:ff:ff:ff:ff") {
        out.append(s.substr(i, n));  // null / broadcast: not identifying
      } else {
        out += placeholder(Kind::mac, norm);
      }
      i += n;
    } else {
      out += s[i++];
    }
  }
  return out;
}

std::string Redactor::scrub_ips(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const bool boundary = i == 0 || !(is_alnum(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '_');
    if (boundary && (is_hex(s[i]) || s[i] == ':')) {
      // maximal run of address characters
      std::size_t e = i;
      while (e < s.size() && (is_hex(s[e]) || s[e] == ':' || s[e] == '.')) ++e;
      while (e > i && s[e - 1] == '.') --e;  // sentence end
      const bool after_ok = e >= s.size() || !(is_alnum(s[e]) || s[e] == '_');
      const std::string cand(s.substr(i, e - i));
      if (after_ok && !cand.empty()) {
        const auto colons = std::count(cand.begin(), cand.end(), ':');
        unsigned char buf[16];
        if (colons == 0) {
          // IPv4: four decimal octets 0..255 without leading zeros
          int parts = 0;
          bool ok = true;
          std::size_t p = 0;
          while (ok && p <= cand.size()) {
            std::size_t q = cand.find('.', p);
            if (q == std::string::npos) q = cand.size();
            const std::string oct = cand.substr(p, q - p);
            ok = !oct.empty() && oct.size() <= 3 &&
                 std::all_of(oct.begin(), oct.end(), [](char c) { return is_digit(c); }) &&
                 !(oct.size() > 1 && oct[0] == '0') && std::stoi(oct) <= 255;
            ++parts;
            p = q + 1;
          }
          if (ok && parts == 4) {
            out += placeholder(Kind::ipv4, cand);
            i = e;
            continue;
          }
        } else if (colons >= 2 && cand.size() >= 3 && inet_pton(AF_INET6, cand.c_str(), buf) == 1 && cand != "::" &&
                   cand != "::1") {
          char norm[INET6_ADDRSTRLEN] = {};
          inet_ntop(AF_INET6, buf, norm, sizeof norm);
          out += placeholder(Kind::ipv6, norm);
          i = e;
          continue;
        }
      }
      // not an address: copy the alphanumeric run so we restart at a boundary
      std::size_t skip = i + 1;
      while (skip < s.size() && (is_alnum(s[skip]) || s[skip] == '_')) ++skip;
      out.append(s.substr(i, skip - i));
      i = skip;
      continue;
    }
    out += s[i++];
  }
  return out;
}

std::string Redactor::scrub_names(std::string_view s) {
  struct Name {
    const std::string* text;
    Kind kind;
  };
  std::vector<Name> names;
  if (opt_.hosts)
    for (const auto& h : hosts_) names.push_back({&h, Kind::host});
  if (opt_.users)
    for (const auto& u : users_) names.push_back({&u, Kind::user});
  if (names.empty()) return std::string(s);
  // longest first: host "alice-pc" wins over user "alice"
  std::stable_sort(names.begin(), names.end(),
                   [](const Name& a, const Name& b) { return a.text->size() > b.text->size(); });
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    bool replaced = false;
    if (i == 0 || !is_name_char(s[i - 1])) {
      for (const auto& n : names) {
        const std::string& t = *n.text;
        if (s.compare(i, t.size(), t) != 0) continue;
        const std::size_t e = i + t.size();
        if (e < s.size() && is_name_char(s[e])) continue;
        out += placeholder(n.kind, t);
        i = e;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

void Redactor::learn_hosts(std::string_view s) {
  for (std::size_t p = s.find("ip="); p != std::string_view::npos; p = s.find("ip=", p + 1)) {
    if (!token_start(s, p)) continue;
    const std::string_view host = ip_option_hostname(s.substr(p + 3, token_end(s, p + 3) - p - 3));
    if (!host.empty() && std::all_of(host.begin(), host.end(), is_login_char)) add_host(host);
  }
}

std::string Redactor::scrub_option_macs(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (!token_start(s, i) || !mac_option_token(s.substr(i))) {
      out += s[i++];
      continue;
    }
    const std::size_t te = token_end(s, i);
    while (i < te) {
      const bool boundary = i > 0 && (s[i - 1] == '=' || s[i - 1] == ':' || s[i - 1] == ',' || s[i - 1] == '-');
      const std::size_t n = boundary ? option_mac_at(s, i) : 0;
      if (n == 0) {
        out += s[i++];
        continue;
      }
      std::string norm = to_lower(s.substr(i, n));
      if (n == 12) {
        std::string colons;
        for (std::size_t k = 0; k < 12; k += 2) colons += (k ? ":" : "") + norm.substr(k, 2);
        norm = colons;
      }
      std::replace(norm.begin(), norm.end(), '-', ':');
      if (norm == "00:00:00:00:00:00" || norm == "ff:ff:ff:ff:ff:ff")
        out.append(s.substr(i, n));
      else
        out += placeholder(Kind::mac, norm);
      i += n;
    }
  }
  return out;
}

std::string Redactor::scrub_disk_links(std::string_view s) {
  std::string out(s);
  for (const std::string_view dir : kDiskLinkDirs) {
    for (std::size_t p = out.find(dir); p != std::string::npos; p = out.find(dir, p + 1)) {
      std::size_t b = p + dir.size();
      const std::size_t te = token_end(out, b);
      std::size_t e = te;
      if (dir == kDiskLinkDirs[0]) {  // by-id: keep the bus ("ata-", "nvme-", ...) and a -partN suffix
        const std::size_t dash = out.find('-', b);
        if (dash != std::string::npos && dash < te) b = dash + 1;
        const std::size_t part = out.rfind("-part", te);
        if (part != std::string::npos && part >= b && part + 5 < te &&
            std::all_of(out.begin() + static_cast<std::ptrdiff_t>(part + 5),
                        out.begin() + static_cast<std::ptrdiff_t>(te), is_digit))
          e = part;
      }
      if (e <= b || is_placeholder(std::string_view(out).substr(b, e - b))) continue;
      const std::string ph = placeholder(Kind::serial, out.substr(b, e - b));
      out.replace(b, e - b, ph);
    }
  }
  return out;
}

std::string Redactor::scrub_string(std::string_view s) {
  if (!opt_.enabled) return std::string(s);
  learn(s);
  std::string r(s);
  if (opt_.serials) r = scrub_disk_links(scrub_serial_tokens(r));
  if (opt_.macs) r = scrub_macs(scrub_option_macs(r));
  if (opt_.ip_addresses) r = scrub_ips(r);
  if (opt_.hosts || opt_.users) r = scrub_names(r);
  return r;
}

// Iterative, preorder (placeholders are numbered in the order values are met).
template <class J>
void Redactor::scrub_tree(J& root) {
  struct Item {
    J* j;
    bool serial;  // under a serial-like key
  };
  std::vector<Item> stack{{&root, false}};
  std::vector<Item> kids;
  while (!stack.empty()) {
    const Item item = stack.back();
    stack.pop_back();
    J& j = *item.j;
    if (j.is_object()) {
      kids.clear();
      for (auto it = j.begin(); it != j.end(); ++it)
        kids.push_back({&it.value(), item.serial || (opt_.serials && is_serial_key(it.key()))});
      stack.insert(stack.end(), kids.rbegin(), kids.rend());
    } else if (j.is_array()) {
      kids.clear();
      for (auto& v : j) kids.push_back({&v, item.serial});
      stack.insert(stack.end(), kids.rbegin(), kids.rend());
    } else if (j.is_string()) {
      const std::string& v = j.template get_ref<const std::string&>();
      if (item.serial) {
        if (!v.empty() && !is_placeholder(v)) j = placeholder(Kind::serial, v);
      } else {
        j = scrub_string(v);
      }
    } else if (j.is_number() && item.serial) {
      j = placeholder(Kind::serial, j.dump());
    }
  }
}

template <class J>
void Redactor::scrub_json_impl(J& j) {
  if (!opt_.enabled) return;
  learn_tree(j);
  scrub_tree(j);
}

void Redactor::scrub_json(nlohmann::ordered_json& j) { scrub_json_impl(j); }
void Redactor::scrub_json(nlohmann::json& j) { scrub_json_impl(j); }

}  // namespace reprobe
