#include "tracer/record/boot_initramfs.h"

#include <algorithm>

#include <fmt/format.h>

namespace reprobe {

std::string initramfs_hook_text() {
  return fmt::format(
      R"sh(#!/bin/sh
{0}
# initramfs-tools hook: when the installed reprobe-boot.service asks for the initramfs
# ('reprobe boot enable --initramfs'), copy the reprobe binary, its libraries and the modules
# it preloads into the initramfs (the binary without debug info when binutils' strip is
# there), with the capture's options in {1}. Otherwise, or when
# anything is missing, it adds nothing and says why: a failing hook would stop update-initramfs.
PREREQ=""
prereqs() {{ echo "$PREREQ"; }}
case "$1" in prereqs) prereqs; exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
unit={2}/{3}
[ -f "$unit" ] || exit 0
grep -q '^ExecStart=.* boot run .*--initramfs' "$unit" || exit 0
exe=$(sed -n 's/^ExecStart=\([^ ]*\) boot run .*/\1/p' "$unit")
if [ ! -x "$exe" ]; then
	echo "reprobe: $exe (from $unit) is not there; no boot capture in the initramfs" >&2
	exit 0
fi
if ! conf=$("$exe" boot initramfs-config); then
	echo "reprobe: '$exe boot initramfs-config' failed; no boot capture in the initramfs" >&2
	exit 0
fi
REPROBE_PRELOAD=
eval "$conf"
copy_exec "$exe" {4}
# without its debug info (a -g build is ~25 times the stripped size, all of it unpacked at boot)
copied=$(readlink -f "$DESTDIR/usr{4}")
if command -v strip >/dev/null && [ -f "$copied" ]; then
	strip --strip-debug "$copied" || echo "reprobe: could not strip $copied" >&2
fi
for m in $REPROBE_PRELOAD; do
	manual_add_modules "$m"
done
mkdir -p "$DESTDIR/etc"
printf '%s\n' "$conf" > "$DESTDIR{1}"
)sh",
      kInitramfsMarker, kInitramfsConfig, kBootUnitDir, kBootUnitName, kInitramfsBinary);
}

std::string initramfs_script_text() {
  return fmt::format(
      R"sh(#!/bin/sh
{0}
# init-top: start the boot capture before the initramfs's udev (scripts/init-top/udev) and
# its module loading; returns once the recorder is attached (or after its attach timeout),
# and the capture goes on in the background across the switch to the real root. Its messages
# go to {3} (/run moves into the real root).
PREREQ=""
prereqs() {{ echo "$PREREQ"; }}
case "$1" in prereqs) prereqs; exit 0 ;; esac
[ -x {1} ] && [ -f {2} ] || exit 0
REPROBE_ARGS=
. {2}
# shellcheck disable=SC2086 # REPROBE_ARGS is a list of options
mkdir -p /run/reprobe
{1} boot run --in-initramfs $REPROBE_ARGS 2>>{3} || echo "reprobe: no boot capture from the initramfs ({3})" >&2
exit 0
)sh",
      kInitramfsMarker, kInitramfsBinary, kInitramfsConfig, kInitramfsLog);
}

std::string initramfs_config_text(const BootCaptureConfig& c) {
  std::string preload = c.preload;
  std::replace(preload.begin(), preload.end(), ',', ' ');
  return fmt::format(
      "REPROBE_ARGS='--output {} --max-size {} --duration {} --idle {} --keep {} --attach-timeout {} --preload {}'\n"
      "REPROBE_PRELOAD='{}'\n",
      c.output_dir, c.max_size_mb, c.duration_s, c.idle_s, c.keep, c.attach_timeout_s,
      c.preload.empty() ? "-" : c.preload, preload);
}

}  // namespace reprobe
