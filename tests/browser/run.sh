#!/bin/sh
# Browser test of the HTML report (meson test --suite browser):
#   tests/browser/run.sh BUILDDIR
# Writes a report of a real capture and of a larger synthetic trace with
# BUILDDIR's reprobe, loads both in Debian's chromium (headless) through
# playwright-core and checks them (report_test.mjs). Screenshots land in
# BUILDDIR/browser-test/screenshots. Needs: chromium (scripts/install-deps.sh),
# node >= 18 and `npm ci --prefix tests/browser`. Anything missing fails the
# test with the command that fixes it.
set -eu
BUILD=${1:?usage: tests/browser/run.sh BUILDDIR}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
fail() { echo "browser test: $*" >&2; exit 1; }

CHROMIUM=${REPROBE_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "$CHROMIUM not found: install it with 'sudo apt-get install chromium' (scripts/install-deps.sh)"
command -v node >/dev/null 2>&1 || fail "node not found: install Node.js >= 18 (Debian 12: 'sudo apt-get install nodejs npm')"
[ -f "$HERE/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core not installed: run 'npm ci --prefix tests/browser' in $ROOT"
for exe in "$BUILD/tools/reprobe" "$BUILD/bench/gen-bench-trace"; do
  [ -x "$exe" ] || fail "$exe not built: run 'ninja -C $BUILD'"
done

OUT="$BUILD/browser-test"
rm -rf "$OUT"
mkdir -p "$OUT"
"$BUILD/tools/reprobe" report --format html --all-policies "$ROOT/tests/data/captures/sof-late-component.trace" \
  -o "$OUT/sof-late-component.html"
"$BUILD/bench/gen-bench-trace" "$OUT/synthetic-20k.trace" 20000 >/dev/null
"$BUILD/tools/reprobe" report --format html --all-policies "$OUT/synthetic-20k.trace" -o "$OUT/synthetic-20k.html"
export REPROBE_CHROMIUM="$CHROMIUM"
exec node "$HERE/report_test.mjs" "$OUT/screenshots" "$OUT/sof-late-component.html" "$OUT/synthetic-20k.html"
