#!/bin/bash
# The man pages (tools/man/help2roff.py, built by tools/meson.build) against the binary's --help:
# every verb `reprobe --help` lists has a page reprobe-VERB.1, and every --option the verb's
# --help names appears in its page. A verb added without its page in tools/meson.build's
# man_verbs fails here.
#   tests/man_test.sh REPROBE BUILD_TOOLS_DIR
set -uo pipefail
R=$1 dir=$2
fail=0 pass=0
[ -s "$dir/reprobe.1" ] && pass=$((pass + 1)) || { echo "FAIL reprobe.1 missing in $dir"; fail=$((fail + 1)); }
verbs=$("$R" --help | sed -n '/^verbs:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
[ -n "$verbs" ] || { echo "FAIL: no verbs in 'reprobe --help'"; exit 1; }
for v in $verbs; do
  page=$dir/reprobe-$v.1
  if [ ! -s "$page" ]; then
    echo "FAIL reprobe-$v.1 missing: add '$v' to man_verbs in tools/meson.build"; fail=$((fail + 1)); continue
  fi
  # roff writes "-" as-is in the flags (\fB--name\fR); compare the option names
  missing=$(comm -23 <("$R" "$v" --help | grep -o -- '--[a-z][a-z-]*' | sort -u) \
                     <(sed 's/\\-/-/g' "$page" | grep -o -- '--[a-z][a-z-]*' | sort -u))
  if [ -n "$missing" ]; then
    echo "FAIL reprobe-$v.1 lacks $(echo $missing) (rebuild: the page is made from --help)"; fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
  grep -q "^\\.TH REPROBE-${v^^} 1 " "$page" && pass=$((pass + 1)) || { echo "FAIL reprobe-$v.1 title"; fail=$((fail + 1)); }
done
echo "man_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
