// Boot capture from the initramfs (`reprobe boot enable --initramfs`, docs/boot-capture.md):
// the initramfs-tools hook that puts the reprobe binary and its preloaded modules into the
// initramfs, and the init-top script that starts `reprobe boot run --in-initramfs` there,
// before the initramfs's udev and its module loading. Both are fixed texts: the hook reads
// the capture's options from the installed unit (through `reprobe boot initramfs-config`) and
// does nothing when the unit does not ask for the initramfs, so the packaged copies are inert
// until enabled. When the package's copies are not in initramfs-tools' own directory (a
// binary installed elsewhere), `enable --initramfs` writes them under /etc/initramfs-tools.
#pragma once

#include <string>

#include "tracer/record/boot_capture.h"

namespace reprobe {

inline constexpr const char* kInitramfsHookPackaged = "/usr/share/initramfs-tools/hooks/reprobe";
inline constexpr const char* kInitramfsScriptPackaged = "/usr/share/initramfs-tools/scripts/init-top/reprobe";
inline constexpr const char* kInitramfsHookLocal = "/etc/initramfs-tools/hooks/reprobe";
inline constexpr const char* kInitramfsScriptLocal = "/etc/initramfs-tools/scripts/init-top/reprobe";
// Where the hook puts the options inside the initramfs, and the binary.
inline constexpr const char* kInitramfsConfig = "/etc/reprobe-boot.conf";
inline constexpr const char* kInitramfsBinary = "/sbin/reprobe";
// The messages of the capture started there (`reprobe boot status` shows where).
inline constexpr const char* kInitramfsLog = "/run/reprobe/initramfs.log";
// The first line after the shebang of both texts: what `disable` removes only when it sees it.
inline constexpr const char* kInitramfsMarker = "# reprobe boot capture from the initramfs (reprobe-boot(1))";

// The hook (mkinitramfs runs it with DESTDIR set; hook-functions' copy_exec and
// manual_add_modules do the copying).
std::string initramfs_hook_text();
// The init-top script (runs in the initramfs, before scripts/init-top/udev).
std::string initramfs_script_text();
// Shell assignments the hook writes into the initramfs: REPROBE_ARGS (the `boot run`
// options) and REPROBE_PRELOAD (modules, space-separated). Values are plain words
// (check_boot_config), so single quotes are enough.
std::string initramfs_config_text(const BootCaptureConfig& config);

}  // namespace reprobe
