#!/bin/sh
# reprobe explore side by side with SPIN (issue 17 item 4; docs/explore.md "Side by side with
# SPIN"): for every example and every real capture, every policy the Promela model covers, the
# same question answered twice:
#   reprobe: `reprobe explore TRACE -p P --jitter J` (end to end: the whole process);
#   SPIN:    `reprobe explore TRACE -p P --jitter J --emit-promela M.pml`, then `spin -a`,
#            `gcc -O2 -DREDUCE` and `./pan -E` (end to end: the three steps; emitting is not counted).
# Prints the Markdown table of docs/benchmarks.md ("reprobe explore against SPIN"): each side's
# verdict (they must agree), states, memory and seconds, and the ratio of the times. A policy the
# Promela model does not cover is listed with the reason. A search that runs out of PAN_MEMLIM_MB is
# run again with -DCOLLAPSE (SPIN's state compression), timed on its own and marked so. Exit 1 when
# a verdict disagrees or SPIN gives no answer.
# PAN_OPT=-O0 compiles pan.c without optimisation: the verdicts and states are the same and the
# whole matrix runs several times faster (a check of the verdicts; the SPIN seconds are then not
# the recipe's). POLICIES overrides the policy list.
# usage: bench/spin_bench.sh [BUILDDIR] [JITTER_MS] [PAN_MEMLIM_MB] [TRACE...]
set -eu
B=${1:-build}
J=${2:-1}
MEM=${3:-4096}
S=$(cd "$(dirname "$0")/.." && pwd)
R=$(cd "$B" && pwd)/tools/reprobe
[ -x "$R" ] || { echo "spin_bench.sh: $R not built" >&2; exit 2; }
command -v spin >/dev/null || { echo "spin_bench.sh: spin not installed (apt-get install spin)" >&2; exit 2; }
shift 3 2>/dev/null || shift $#
if [ $# -eq 0 ]; then set -- "$S"/examples/*.trace "$S"/tests/data/captures/*.trace; fi
OPT=${PAN_OPT:--O2}
POLICIES=${POLICIES:-"stock no-race-fix no-timeout provider-kick component-kick resource-kick resource-aware periodic sync-provider stock:timeout=5 stock:timeout=30"}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
now() { date +%s.%N; }
disagree=0
echo "| trace | events | policy | reprobe | SPIN | reprobe states | SPIN states | reprobe MB | SPIN MB | reprobe s | SPIN s (spin -a + gcc $OPT + pan) | SPIN / reprobe |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for t in "$@"; do
  name=$(basename "$(dirname "$t")")/$(basename "$t")
  events=$(($(wc -l <"$t") - 2))
  for p in $POLICIES; do
    # reprobe: end to end, with its peak memory (GNU time's %M, KiB)
    t0=$(now)
    if ! /usr/bin/time -f %M -o "$w/rss" "$R" explore "$t" -p "$p" --jitter "$J" -f json -o "$w/r.json" 2>"$w/r.err"; then
      echo "| $name | $events | $p | error: $(head -c 120 "$w/r.err" | tr '\n|' '  ') | | | | | | | | |"
      continue
    fi
    t1=$(now)
    r_ans=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["policies"][0]; print({True:"robust",False:"fails",None:"unknown"}[p["robust"]], p["states"])' "$w/r.json")
    r_verdict=${r_ans% *}
    r_states=${r_ans#* }
    r_mb=$(awk '{printf "%.0f", $1/1024}' "$w/rss")
    r_s=$(echo "$t1 - $t0" | bc -l)
    if ! "$R" explore "$t" -p "$p" --jitter "$J" --emit-promela "$w/m.pml" 2>"$w/e.err"; then
      why=$(sed 's/.*does not cover what this trace uses under [^ ]*: //' "$w/e.err" | head -c 160 | tr '\n|' '  ')
      printf '| %s | %s | %s | %s | not covered: %s | %s | | %s | | %.2f | | |\n' "$name" "$events" "$p" "$r_verdict" "$why" "$r_states" "$r_mb" "$r_s"
      continue
    fi
    rm -f "$w/pan" "$w/pan.c" "$w/pan.out"
    t0=$(now)
    (cd "$w" && { spin -a m.pml >/dev/null 2>&1 || spin -a -o3 m.pml >/dev/null; } && gcc "$OPT" -DREDUCE -DMEMLIM="$MEM" -DVECTORSZ=65536 -o pan pan.c 2>/dev/null &&
      ./pan -E -m1000000 >pan.out 2>&1) || true
    t1=$(now)
    collapse=
    if grep -q "reached -DMEMLIM\|out of memory" "$w/pan.out" 2>/dev/null; then
      # Out of memory with full state vectors (a capture's is 2-3 KB): SPIN's state compression,
      # timed on its own (spin -a + gcc + pan again).
      collapse=" (-DCOLLAPSE)"
      t0=$(now)
      (cd "$w" && { spin -a m.pml >/dev/null 2>&1 || spin -a -o3 m.pml >/dev/null; } &&
        gcc "$OPT" -DREDUCE -DCOLLAPSE -DMEMLIM="$MEM" -DVECTORSZ=65536 -o pan pan.c 2>/dev/null &&
        ./pan -E -m1000000 >pan.out 2>&1) || true
      t1=$(now)
    fi
    s_s=$(echo "$t1 - $t0" | bc -l)
    if grep -q "assertion violated (mindue" "$w/pan.out" 2>/dev/null; then
      s_verdict="model deadlock"
    elif grep -q "assertion violated" "$w/pan.out" 2>/dev/null; then
      s_verdict=fails
    elif grep -q "errors: 0" "$w/pan.out" 2>/dev/null && ! grep -q "reached -DMEMLIM\|out of memory\|max search depth too small" "$w/pan.out"; then
      s_verdict=robust
    else
      s_verdict="no answer ($( (grep -m1 -E 'error|memory|depth' "$w/pan.out" 2>/dev/null || echo 'spin or gcc failed') | head -c 60 | tr '|' ' '))"
    fi
    s_states=$(awk '/states, stored/ {print $1; exit}' "$w/pan.out" 2>/dev/null || true)
    s_mb=$(awk '/total actual memory usage/ {printf "%.0f", $1; exit}' "$w/pan.out" 2>/dev/null || true)
    ratio=$(echo "$s_s / $r_s" | bc -l)
    [ "$s_verdict" = "$r_verdict" ] || { disagree=1; s_verdict="**$s_verdict (disagrees)**"; }
    s_verdict="$s_verdict$collapse"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.0f× |\n' "$name" "$events" "$p" "$r_verdict" "$s_verdict" \
      "$r_states" "${s_states:-?}" "$r_mb" "${s_mb:-?}" "$r_s" "$s_s" "$ratio"
  done
done
exit $disagree
