#!/usr/bin/env bash
# `reprobe import` on a generated ~200 MB mixed-format kernel log vs `grep -cE 'probe|defer'`
# on the same file, side by side: interleaved runs, best of N (default 3), load average printed.
# usage: bench/import_bench.sh BUILD_DIR [SIZE_MB] [RUNS]
# Figures go to docs/benchmarks.md, section "Log import".
set -euo pipefail
build="${1:?usage: bench/import_bench.sh BUILD_DIR [SIZE_MB] [RUNS]}"
size="${2:-200}"
runs="${3:-3}"
here="$(cd "$(dirname "$0")" && pwd)"
reprobe="$build/tools/reprobe"
[ -x "$reprobe" ] || { echo "import_bench: $reprobe not built" >&2; exit 1; }
log="${TMPDIR:-/tmp}/reprobe-import-bench-${size}MB.log"
[ -s "$log" ] || python3 "$here/import_gen_log.py" "$log" "$size"
cat "$log" > /dev/null  # warm the page cache for both tools
echo "input: $log ($(du -m "$log" | cut -f1) MB, $(wc -l < "$log") lines)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
best_grep=999999 best_imp=999999
# Output to a file, not /dev/null: GNU grep stops at the first match when stdout is /dev/null.
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
t() { local s e; s=$(date +%s%N); "$@" > "$out" 2>/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
for i in $(seq "$runs"); do
  g=$(t grep -cE 'probe|defer' "$log")
  m=$(t "$reprobe" import "$log" -o /dev/null)
  echo "run $i: grep ${g} ms, reprobe import ${m} ms"
  [ "$g" -lt "$best_grep" ] && best_grep=$g
  [ "$m" -lt "$best_imp" ] && best_imp=$m
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "best of $runs: grep -cE 'probe|defer' ${best_grep} ms, reprobe import ${best_imp} ms, ratio $(awk -v a="$best_imp" -v b="$best_grep" 'BEGIN{printf "%.2f", a/b}')x"
