#!/usr/bin/env bash
# Issue 15, CLI side of the report hardening: a trace with hostile names (a DAI
# name with a line break, an ESC sequence, an RTL override) gives replay and
# report output without raw control or bidi characters and without a forged
# verdict row; a header nested 50 000 levels deep is refused with file:line
# (exit 2) by report and export, and leaves no output or temp file behind.
# usage: tests/cli_escape_test.sh REPROBE SOURCE_ROOT
set -euo pipefail
reprobe=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

sed -e 's/"Analog Codec DAI"/"Analog\\n| stock | yes | FORGED |"/' \
    -e 's/"ehdaudio0D2"/"ehda\\u001b]0;TITLE\\u0007\\u001b[2J"/g' \
    -e 's/skl_hda_dsp_generic/skl_hda\\u202egeneric/g' \
    "$root/examples/sof-late-component.trace" > "$tmp/hostile.trace"

check() {  # FILE WHAT
  if LC_ALL=C grep -q $'\x1b' "$1"; then fail "$2: raw ESC"; fi
  if LC_ALL=C grep -q $'\x07' "$1"; then fail "$2: raw BEL"; fi
  if grep -q $'\xe2\x80\xae' "$1"; then fail "$2: raw U+202E"; fi
  if grep -q '^| stock | yes | FORGED' "$1"; then fail "$2: forged row"; fi
  grep -qF 'skl_hda\u202egeneric' "$1" || fail "$2: no visible \\u202e escape"
}
"$reprobe" replay "$tmp/hostile.trace" --all-policies > "$tmp/replay.txt"
check "$tmp/replay.txt" "replay text"
"$reprobe" replay "$tmp/hostile.trace" --all-policies -f markdown > "$tmp/replay.md"
check "$tmp/replay.md" "replay markdown"
for f in markdown text html; do
  "$reprobe" report "$tmp/hostile.trace" --all-policies -f "$f" -o "$tmp/report.$f"
  check "$tmp/report.$f" "report $f"
done

python3 - "$root/examples/sof-late-component.trace" "$tmp/deep.trace" <<'PY'
import sys
lines = open(sys.argv[1]).read().split('\n')
lines[0] = lines[0][:-1] + ',"x-deep":' + '{"k":' * 50000 + '"v"' + '}' * 50000 + '}'
open(sys.argv[2], 'w').write('\n'.join(lines))
PY
for verb in "report" "report -f html" "export --perfetto"; do
  rc=0
  # shellcheck disable=SC2086
  "$reprobe" $verb "$tmp/deep.trace" -o "$tmp/deep.out" 2> "$tmp/err" || rc=$?
  [ "$rc" = 2 ] || fail "$verb of a deep header: exit $rc, expected 2"
  grep -q 'deep.trace:1: nesting deeper than 32' "$tmp/err" || fail "$verb: $(cat "$tmp/err")"
  [ ! -e "$tmp/deep.out" ] || fail "$verb wrote an output"
  if ls "$tmp"/deep.out.* >/dev/null 2>&1; then fail "$verb left a temp file"; fi
done
echo "cli_escape_test: ok"
