#!/usr/bin/env bash
# Installs the Debian 12 packages reprobe needs, if missing.
#   scripts/install-deps.sh           the replay side: build `reprobe` with -Dcapture=disabled and
#                                      replay, report, import (what scripts/demo.sh needs)
#   scripts/install-deps.sh --full    + the capture side (clang for BPF, bpftool, libbpf, libudev, alsa)
#                                      and `reprobe preload`'s umockdev testbed (umockdev, libumockdev-dev)
#   scripts/install-deps.sh --test    + everything the tests need (googletest, Google Benchmark,
#                                      clang-format/-tidy, the libFuzzer runtime, chromium + node
#                                      for the HTML report test, jq, strace for the CLI signal test,
#                                      the real clients of the preload tests: alsa-utils for
#                                      aplay/arecord, pulseaudio; mmdebstrap, e2fsprogs for the
#                                      systemd + udev guest image)
set -euo pipefail
level="${1:-replay}"
replay=(meson ninja-build g++ pkg-config libboost-program-options-dev nlohmann-json3-dev libsimdjson-dev
        libfmt-dev zlib1g-dev liblzma-dev libzstd-dev)
capture=(clang llvm bpftool libbpf-dev libelf-dev libudev-dev libasound2-dev
         umockdev libumockdev-dev)  # umockdev: `reprobe preload` (-Dpreload, tools/preload)
testing=(libgtest-dev libgmock-dev libbenchmark-dev jq time strace clang-format clang-tidy libclang-rt-14-dev ccache
         chromium   # chromium: tests/browser (HTML report); also needs node >= 18 (below)
         alsa-utils pulseaudio  # tests/preload: aplay -l, arecord -l, PulseAudio's module-udev-detect
         spin bc  # tests/unit/explore/promela_model_test, bench/spin_bench.sh (SPIN beside reprobe explore)
         mmdebstrap e2fsprogs)  # the systemd + udev guest's root image (tests/vm/systemd)
case "$level" in
  replay | --replay) pkgs=("${replay[@]}") ;;
  --full) pkgs=("${replay[@]}" "${capture[@]}") ;;
  --test) pkgs=("${replay[@]}" "${capture[@]}" "${testing[@]}") ;;
  *) echo "usage: scripts/install-deps.sh [--full|--test]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# The browser test runs playwright-core under Node.js >= 18: Debian's nodejs/npm unless a node is present.
if [ "$level" = --test ]; then
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
