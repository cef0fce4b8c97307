#!/usr/bin/env bash
# Quick start 2: install packages, build everything (capture side included), run every test: unit,
# golden (examples and real captures, imported real logs), CLI, layering and tree rules, formatting,
# the HTML report in headless chromium, a short libFuzzer run, then the real-kernel VM suite and the enacted counterfactuals (record in
# a qemu guest running Debian's own kernel -> replay on the host -> compare with what the kernel did;
# tests/vm/README.md). The VM suite needs root (qemu, the kernel headers): it fails loudly without it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
if [ -f build/build.ninja ]; then
  meson configure build -Dcapture=enabled -Dtests=enabled -Dbench=enabled
else
  meson setup build -Dcapture=enabled -Dtests=enabled -Dbench=enabled
fi
ninja -C build
# The browser test's playwright-core (tests/browser/package-lock.json), from the npm registry.
[ -f tests/browser/node_modules/playwright-core/package.json ] || npm ci --prefix tests/browser --no-audit --no-fund
meson test -C build --print-errorlogs
echo "== formatting (clang-format --dry-run)"
scripts/lint.sh format
echo "== fuzzing (libFuzzer, 20 s per target)"
scripts/fuzz.sh 20
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo tests/vm/run-suite.sh build
# Enacted counterfactuals (issue 12, docs/fidelity.md): record each enact-* scenario under stock,
# predict every enactable policy from that capture, boot again with the policy enacted in the
# kernel, compare. A wrong verdict or a non-exact stock replay fails; bind-time misses are reported.
$sudo tests/vm/run-enacted.sh build --repeat 1 --jobs 2 --fail-on-verdict
# Issue 18 (docs/boot-capture.md): boot capture on the systemd + udev guest (the Debian image is built
# once with mmdebstrap and cached next to the kernel), record --rebind and --replug on a module in use,
# and a boot with exactly the `reprobe import --recipe` parameters whose imported log must replay exactly.
$sudo tests/vm/systemd/run-suite.sh build
$sudo tests/vm/run-reprobe-live.sh build
$sudo tests/vm/run-recipe.sh build
