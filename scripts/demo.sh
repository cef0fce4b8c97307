#!/usr/bin/env bash
# Quick start 1: install what building and replaying need (no BPF toolchain, no test tools), build
# the `reprobe` binary, replay the bundled real capture (tests/data/captures/sof-late-component.trace)
# under every policy. A fresh build configures the replay side alone (-Dcapture=disabled); an
# existing build directory is reused as it is configured.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build -Dcapture=disabled -Dtests=disabled -Dbench=disabled >/dev/null
ninja -C build tools/reprobe >/dev/null
exec build/tools/reprobe replay tests/data/captures/sof-late-component.trace --all-policies "$@"
