#!/bin/bash
# tests/vm/systemd/run-suite.sh -- boot capture on the systemd + udev guest, replayed.
#
#   tests/vm/systemd/run-suite.sh BUILDDIR [--out DIR] [--measure] [SCENARIO...]
#
# For each scenario (default: hda sof-late-component initramfs) boots the systemd guest with
# `reprobe boot enable` (run-boot.sh), asserts the guest's ground truth (the scenario's
# EXPECT, tests/vm/check-ground-truth.sh) and that the boot trace replays what the kernel
# did (tests/vm/check-replay.sh: exact fidelity, same target outcome). --measure also boots
# each scenario without the unit and prints when systemd-udevd started and multi-user.target
# was reached, with and without it (the delay the boot capture adds).
# Needs root. Exit: 0 all passed, 1 a scenario failed, 2 usage / setup error.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-}
[[ -n "$build" && -d "$build" ]] || { echo "usage: run-suite.sh BUILDDIR [--out DIR] [--measure] [SCENARIO...]" >&2; exit 2; }
build=$(cd "$build" && pwd)
shift
out=/var/tmp/reprobe-vm/systemd-suite
measure=0
scenarios=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --measure) measure=1; shift ;;
    -*) echo "run-suite.sh: unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
((${#scenarios[@]})) || scenarios=(hda sof-late-component initramfs)
reprobe=$build/tools/reprobe
[[ -x $reprobe ]] || { echo "run-suite.sh: $reprobe is missing: build first" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run-suite.sh: needs root (qemu, mmdebstrap)" >&2; exit 2; }
"$here/prepare-image.sh" "$reprobe" >/dev/null || { echo "run-suite.sh: prepare-image.sh failed" >&2; exit 2; }
mkdir -p "$out"
declare -A result
failed=0
t_suite=$SECONDS
# "unit start_us" from unit-times.txt (ActiveEnterTimestampMonotonic, microseconds since boot)
unit_s() { awk -v u="$2" '$1 == u && $2 > 0 { printf "%.2f", $2 / 1e6 }' "$1/unit-times.txt"; }
# when the kernel mounted the root disk (the end of the initramfs), from dmesg.txt
root_s() { sed -n 's/^\[ *\([0-9.]*\)\] EXT4-fs (vda): mounted filesystem.*/\1/p' "$1/dmesg.txt" | head -n1; }
for s in "${scenarios[@]}"; do
  dir=$out/$s
  echo
  echo "== systemd guest: $s"
  t0=$SECONDS
  expect=$(. "$here/scenarios/$s.conf" && echo "$EXPECT")
  if ! "$here/run-boot.sh" "$s" --reprobe "$reprobe" --out "$dir"; then
    result[$s]="FAIL (run)"; failed=1; continue
  fi
  # shellcheck disable=SC2086 # EXPECT is a list of assertions
  if ! "$here/../check-ground-truth.sh" "$dir" $expect trace; then
    result[$s]="FAIL (ground truth)"; failed=1; continue
  fi
  if ! "$here/../check-replay.sh" "$reprobe" "$dir"; then
    result[$s]="FAIL (replay)"; failed=1; continue
  fi
  if [[ $(. "$here/scenarios/$s.conf" && echo "${INITRAMFS_TOOLS:-0}") == 1 ]] && ! "$here/check-initramfs.sh" "$dir"; then
    result[$s]="FAIL (initramfs capture)"; failed=1; continue
  fi
  result[$s]="ok ($((SECONDS - t0)) s; root mounted at $(root_s "$dir") s, udevd at $(unit_s "$dir" systemd-udevd.service) s, multi-user at $(unit_s "$dir" multi-user.target) s)"
  if ((measure)); then
    if "$here/run-boot.sh" "$s" --reprobe "$reprobe" --out "$dir-nocapture" --no-capture >/dev/null; then
      result[$s]+="; without the capture: root mounted at $(root_s "$dir-nocapture") s, udevd at $(unit_s "$dir-nocapture" systemd-udevd.service) s, multi-user at $(unit_s "$dir-nocapture" multi-user.target) s"
    else
      result[$s]+="; the boot without the unit failed"; failed=1
    fi
  fi
done
echo
echo "== summary ($((SECONDS - t_suite)) s)"
for s in "${scenarios[@]}"; do printf '  %-20s %s\n' "$s" "${result[$s]:-not run}"; done
exit $failed
