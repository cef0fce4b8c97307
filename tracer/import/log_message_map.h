// Kernel-log message -> what it says about probing. Recognises the exact
// formats of drivers/base (pr_debug forms of <=6.8 and dev_dbg forms of
// >=6.9), initcall_debug, debugfs devices_deferred dumps, firmware_loader
// (upstream and Debian's patch), kmod, ASoC, SOF/HDA milestones and ALSA
// card input devices (docs/import.md has the table; the formats are those of
// kernel-model.md §4). A message is the text after every prefix
// (log_line_prefix.h) and after any dynamic-debug prefix.
// No regex: a switch on the first byte, then fixed-string comparisons.
#pragma once

#include <cstdint>
#include <string_view>

namespace reprobe {

enum class MsgKind : uint8_t {
  none,      // not about probing (counted as "other kernel message")
  dev_line,  // any other "<drv|bus> <dev>: ..." line (driver-name inference); text = the message after "<dev>: "
  // drivers/base/dd.c
  retry,                // Retrying from deferred list
  defer_added,          // Added to deferred list
  defer_removed,        // Removed from deferred list
  probe_deferral,       // Driver %s requests probe deferral / force probe deferral
  match_deferral,       // Device match requests probe deferral
  matched,              // bus: '%s': %s: matched device [%s ]with driver %s
  probing,              // bus: '%s': %s: probing driver %s with device[ %s]
  bound_driver,         // driver: '%s': %s: bound to device[ '%s']
  bound_bus,            // bus: '%s': %s: bound device [%s ]to driver %s
  already_bound,        // %s: device %s already bound / %s: device already bound
  rejects,              // %s: probe of %s rejects match %d / probe with driver %s rejects match %d
  failed,               // %s: probe of %s failed with error %d / probe with driver %s failed with error %d
  pending,              // deferred probe pending[: reason]
  defer_reason,         // error -EPROBE_DEFER: ... (dev_err_probe), incl. wait for supplier / not ready
  ignoring_dependency,  // driver_deferred_probe_check_state() warnings
  async_scheduled,      // scheduling asynchronous probe / probing driver %s asynchronously
  async_done,           // async probe completed / driver %s async attach completed: %d
  timeout_extended,     // Extended deferred probe timeout by %d secs
  // init/main.c + dd.c initcall_debug
  probe_returned,     // probe of %s returned %d after %lld usecs
  initcall_calling,   // calling  fn+0x0/0x10 [mod] @ pid
  initcall_returned,  // initcall fn+0x0/0x10 [mod] returned %d after %lld usecs
  devices_deferred,   // debugfs devices_deferred dump: "name\treason"
  // sound
  asoc_not_registered,  // ASoC: CPU DAI %s not registered / CODEC DAI %s not registered / ...
  asoc_not_found,       // ASoC: (codec|platform|cpu) component %s not found for link %s / Component %s not found ...
  card_failed,          // snd_soc_register_card failed -517 / failed to register soundcard / failed to instantiate card
  asoc_mapping_ok,      // ASoC: %s <-> %s mapping ok
  card_input,           // input: NAME as /devices/.../<dev>/sound/cardN/inputM
  sof_milestone,        // SOF/HDA progress lines (DSP detected, codecs found, machine driver, firmware info/ABI)
  sof_error,            // SOF/HDA failures (failed to load/boot DSP firmware, probe work errors, couldn't bind)
  // firmware / modules
  fw_loaded,  // firmware: direct-loading firmware %s (Debian) / direct-loading %s
  fw_failed,  // Direct firmware load for %s failed with error %d / firmware: failed to load %s (%d) / loading %s failed
              // with error %d
  module_request,  // request_module: ... (kmod throttling hints)
  // whole-log facts
  pci_device,      // pci %s: [vvvv:dddd] type %02x class %#08x (PCI enumeration); text = from '['
  kernel_version,  // Linux version %s ...
  command_line,    // Command line: / Kernel command line:
};
std::string_view to_string(MsgKind k);

struct Message {
  MsgKind kind = MsgKind::none;
  std::string_view first;  // first token of a dev_printk line: driver name, or bus name when unbound
  std::string_view dev;    // dev_name
  std::string_view drv;    // driver name when the message names it
  std::string_view bus;    // bus name when the message names it
  std::string_view text;   // reason, firmware or module name, milestone, card name, release, cmdline
  int64_t ret = 0;         // return value / errno
  uint64_t usecs = 0;      // initcall_debug duration
  int64_t index = -1;      // card index (card_input)
  bool new_form = false;   // the >=6.9 dev_dbg form of a drivers/base message
  bool has_ret = false;
};

// Strips a dynamic-debug prefix: "[1234] " / "<intr> " then "mod:func:[file:]line:" tokens.
std::string_view strip_dyndbg_prefix(std::string_view msg, bool& stripped);

// Classifies `msg`. `m` is overwritten; its views point into `msg`.
void parse_message(std::string_view msg, Message& m);

// True when an unrecognised message still looks like drivers/base output
// (deferred list, probe deferral, bus: '...', driver: '...', probe of ...):
// `--strict` fails on those.
bool looks_like_driver_core(std::string_view msg);

// "-EPROBE_DEFER" / "-517" / "(-517)" -> -517; false if not an errno.
bool parse_errno(std::string_view s, int64_t& v);

}  // namespace reprobe
