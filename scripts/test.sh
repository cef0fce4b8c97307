#!/usr/bin/env bash
# Quick start 2: install packages, build, run every test (unit, golden, CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs
