// Privacy scrubbing for traces, snapshots and reports meant for public bug
// trackers: MAC addresses, serial numbers / UUIDs, the host name, user names
// and (optionally) IP addresses are replaced by stable placeholders such as
// <mac-1>, <serial-2>, <host-1>, <user-1>. Within one Redactor equal values
// always map to the same placeholder, numbered in order of first appearance,
// so a redacted trace stays internally consistent (share one Redactor between
// the header snapshot, the events and the end-line snapshot). A disabled
// Redactor (`--no-redact`) is the identity. The rules are documented in
// docs/snapshot.md ("Redaction"). Not thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace reprobe {

struct RedactOptions {
  bool enabled = true;        // false: every scrub function is the identity
  bool macs = true;           // xx:xx:xx:xx:xx:xx and xx-xx-xx-xx-xx-xx
  bool serials = true;        // serial/uuid keys and serial=/uuid= tokens, "SerialNumber: ..."
  bool hosts = true;          // `host_names`, as whole tokens
  bool users = true;          // `user_names` plus names learnt from /home/NAME and user=NAME, whole tokens
  bool ip_addresses = false;  // IPv4 / IPv6 literals (off: version strings look like IPv4)
  std::vector<std::string> host_names;
  std::vector<std::string> user_names;
};

// Options for the machine we run on: the host name from
// <proc_root>/sys/kernel/hostname and the invoking user from SUDO_USER,
// DOAS_USER, PKEXEC_UID, USER, LOGNAME and getlogin(). "root", "nobody",
// "localhost" and "(none)" are never treated as private names.
RedactOptions redact_options_for_this_machine(const std::filesystem::path& proc_root = "/proc");

class Redactor {
 public:
  enum class Kind { mac, serial, host, user, ipv4, ipv6 };

  Redactor() : Redactor(RedactOptions{}) {}
  explicit Redactor(RedactOptions options);
  static Redactor disabled();
  static Redactor for_this_machine(const std::filesystem::path& proc_root = "/proc");

  bool enabled() const { return opt_.enabled; }
  const RedactOptions& options() const { return opt_; }

  // Add a private name (ignored if disabled, empty, shorter than 2 bytes or
  // on the never-private list).
  void add_host(std::string_view name);
  void add_user(std::string_view name);
  // Learn user names from /home/NAME paths and user=NAME tokens, and host
  // names from the kernel command line's ip=...:HOST:... option, without
  // replacing anything (scrub_string/scrub_json call this themselves).
  void learn(std::string_view s);
  void learn_json(const nlohmann::ordered_json& j);

  // Scrubbed copy of `s`.
  std::string scrub_string(std::string_view s);
  // Scrub every string value of `j` in place, recursively (object keys are
  // kept). Scalars under a serial-like key (serial, *_serial, ID_SERIAL*,
  // *uuid, ...) are replaced whole. User names found anywhere in the tree are
  // learnt first, so an occurrence before the /home/NAME that reveals it is
  // still caught.
  void scrub_json(nlohmann::ordered_json& j);
  void scrub_json(nlohmann::json& j);
  nlohmann::ordered_json scrubbed(nlohmann::ordered_json j) {
    scrub_json(j);
    return j;
  }

  // How many distinct values of a kind were replaced so far.
  std::size_t distinct(Kind k) const;
  // Total replacements made so far (all kinds).
  std::size_t replacements() const { return replacements_; }
  // Private names known so far (host + user); grows when learn()/add_*() find
  // a new one. Callers caching scrub_string() results drop them when it changes.
  std::size_t names_known() const { return hosts_.size() + users_.size(); }

  // True if a JSON object key names a serial number / unique id.
  static bool is_serial_key(std::string_view key);

 private:
  std::string placeholder(Kind k, const std::string& normalized);
  std::string scrub_serial_tokens(std::string_view s);
  std::string scrub_macs(std::string_view s);
  std::string scrub_option_macs(std::string_view s);
  std::string scrub_disk_links(std::string_view s);
  void learn_hosts(std::string_view s);
  std::string scrub_ips(std::string_view s);
  std::string scrub_names(std::string_view s);
  template <class J>
  void learn_tree(const J& j);
  template <class J>
  void scrub_tree(J& j);
  template <class J>
  void scrub_json_impl(J& j);

  RedactOptions opt_;
  std::vector<std::string> hosts_;
  std::vector<std::string> users_;
  std::map<std::string, std::string> seen_[6];  // per Kind: normalized value -> placeholder
  std::size_t replacements_ = 0;
};

}  // namespace reprobe
