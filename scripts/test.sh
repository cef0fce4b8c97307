#!/usr/bin/env bash
# Quick start 2: install packages, build, run every test: unit, golden (examples and real
# captures), CLI, then the real-kernel VM suite (record in a qemu guest running Debian's own
# kernel -> replay on the host -> compare with what the kernel did; tests/vm/README.md).
# The VM suite needs root (qemu, the kernel headers): it fails loudly without it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo tests/vm/run-suite.sh build
