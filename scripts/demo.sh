#!/usr/bin/env bash
# Quick start 1: install packages, build, replay the bundled real capture under every policy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
exec build/tools/reprobe replay tests/data/captures/sof-late-component.trace --all-policies "$@"
