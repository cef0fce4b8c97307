#!/usr/bin/env bash
# One side-by-side benchmark run (docs/benchmarks.md). Builds nothing:
#
#   meson setup build-release --buildtype=release -Dcpp_args=-Wno-restrict
#   ninja -C build-release
#   bench/run.sh [BUILDDIR] [EVENTS]
#
# BUILDDIR defaults to build-release, else build. EVENTS defaults to 1000000.
# Environment: REPEAT=3 (runs of each timed command; the best is kept),
#              KEEP=1 (keep the temp dir with the trace and the raw results).
#
# It generates the trace into a temp dir, then measures in this one run:
#   * read_trace_file() (bench-replay --read-once) vs `jq -c . TRACE > /dev/null`,
#   * `/usr/bin/time -v reprobe replay TRACE --all-policies -f json`: wall, CPU, peak RSS,
#   * Google Benchmark (bench-replay): read, build_model, Simulator per policy, all policies,
# and prints a table with the ratios against the goals of the issue (§7).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}
if [[ -z "$build" ]]; then
  if [[ -d "$src/build-release" ]]; then build=$src/build-release; else build=$src/build; fi
fi
build=$(cd "$build" && pwd)
events=${2:-1000000}
repeat=${REPEAT:-3}

gen=$build/bench/gen-bench-trace
bench=$build/bench/bench-replay
reprobe=$build/tools/reprobe
for exe in "$gen" "$bench" "$reprobe"; do
  if [[ ! -x "$exe" ]]; then
    echo "run.sh: $exe is missing: build first (ninja -C $build)" >&2
    exit 2
  fi
done
for tool in jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 2; }
done

buildtype=$(meson introspect "$build" --buildoptions 2>/dev/null |
            jq -r '[.[] | select(.name=="buildtype" or .name=="optimization" or .name=="b_ndebug") | "\(.name)=\(.value)"] | join(" ")' ||
            echo unknown)
echo "== reprobe benchmark"
echo "build dir : $build"
echo "build type: $buildtype"
if [[ "$buildtype" != *"buildtype=release"* ]]; then
  echo "            (not a release build: figures are not representative;"
  echo "             meson setup build-release --buildtype=release -Dcpp_args=-Wno-restrict)"
fi
echo "machine   : $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
echo "date      : $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "load avg  : $(cut -d' ' -f1-3 /proc/loadavg)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reprobe-bench.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then
  echo "temp dir  : $tmp (kept)"
else
  trap 'rm -rf "$tmp"' EXIT
fi
trace=$tmp/bench.trace

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
min() { printf '%s\n' "$@" | sort -g | head -1; }

echo
echo "== generating ~$events events"
t0=$(now)
"$gen" "$trace" "$events" 2>"$tmp/gen.log"
t1=$(now)
sed 's/^/  /' "$tmp/gen.log"
bytes=$(stat -c %s "$trace")
echo "  $(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }') in $(elapsed "$t0" "$t1") s"

echo
echo "== read: read_trace_file vs jq -c . (best of $repeat, alternating)"
read_s=() read_cpu=() read_wall=() jq_s=() jq_cpu=() read_rss=()
for ((i = 0; i < repeat; i++)); do
  t0=$(now)
  out=$("$bench" --trace="$trace" --read-once)
  t1=$(now)
  read_wall+=("$(elapsed "$t0" "$t1")")
  read_s+=("$(jq -r .seconds <<<"$out")")
  read_cpu+=("$(jq -r .cpu_seconds <<<"$out")")
  nev=$(jq -r .events <<<"$out")
  ndev=$(jq -r .devices <<<"$out")
  read_rss+=("$(jq -r .maxrss_kb <<<"$out")")
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$tmp/jq-time.txt" jq -c . "$trace" >/dev/null
  t1=$(now)
  jq_s+=("$(elapsed "$t0" "$t1")")
  jq_cpu+=("$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/jq-time.txt")")
done
read_best=$(min "${read_s[@]}")
read_wall_best=$(min "${read_wall[@]}")
jq_best=$(min "${jq_s[@]}")
read_cpu_best=$(min "${read_cpu[@]}")
jq_cpu_best=$(min "${jq_cpu[@]}")
echo "  read_trace_file: ${read_s[*]} s (in process); ${read_wall[*]} s (whole bench-replay --read-once process)"
echo "                   cpu ${read_cpu[*]} s"
echo "  jq -c .        : ${jq_s[*]} s; cpu ${jq_cpu[*]} s"
echo "  load avg now   : $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  peak RSS after read_trace_file: ${read_rss[*]} kB"

echo
echo "== reprobe replay TRACE --all-policies -f json (best of $repeat)"
# -o to a file in the temp dir: reprobe writes atomically (temp file + rename),
# so -o /dev/null would replace /dev/null itself when run as root.
rep_wall=() rep_cpu=() rep_rss=()
for ((i = 0; i < repeat; i++)); do
  /usr/bin/time -v -o "$tmp/time.txt" "$reprobe" replay "$trace" --all-policies -f json -o "$tmp/verdict.json"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k]; print s }' "$tmp/time.txt")
  cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$tmp/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time.txt")
  rep_wall+=("$wall") rep_cpu+=("$cpu") rep_rss+=("$rss")
done
rep_best=$(min "${rep_wall[@]}")
cpu_best=$(min "${rep_cpu[@]}")
rss_kb=$(printf '%s\n' "${rep_rss[@]}" | sort -g | tail -1)
echo "  wall: ${rep_wall[*]} s   cpu (user+sys): ${rep_cpu[*]} s   peak RSS: ${rep_rss[*]} kB"
echo "  verdict: $(stat -c %s "$tmp/verdict.json") bytes, $(jq '.policies | length' "$tmp/verdict.json") policies"

echo
echo "== Google Benchmark (bench-replay)"
"$bench" --trace="$trace" --benchmark_format=console --benchmark_out="$tmp/gb.json" \
  --benchmark_out_format=json 2>&1 | grep -v '^\*\*\*WARNING\*\*\* Library was built as DEBUG' | sed 's/^/  /'

gb() {  # gb NAME FIELD
  jq -r --arg n "$1" --arg f "$2" '.benchmarks[] | select(.name == $n or (.name | startswith($n + "/"))) | .[$f]' "$tmp/gb.json"
}

echo
echo "== summary ($nev events, $ndev devices, $(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }'), build: $buildtype)"
row() { printf '| %-48s | %-28s | %-12s | %-6s |\n' "$@"; }
ok() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
row "measure" "value" "goal" "status"
row "------------------------------------------------" "----------------------------" "------------" "------"
read_mbs=$(awk -v b="$bytes" -v s="$read_best" 'BEGIN { printf "%.0f", b / s / 1e6 }')
read_evs=$(awk -v n="$nev" -v s="$read_best" 'BEGIN { printf "%.2f", n / s / 1e6 }')
ratio=$(awk -v a="$jq_best" -v b="$read_best" 'BEGIN { printf "%.1f", a / b }')
row "read_trace_file, one read (best of $repeat)" "$read_best s" "" ""
row "  throughput" "$read_mbs MB/s, $read_evs M ev/s" "" ""
row "  whole process (start, read, free, exit)" "$read_wall_best s" "" ""
row "jq -c . TRACE > /dev/null (best of $repeat)" "$jq_best s" "" ""
row "read speed-up: jq / read_trace_file" "${ratio}x" ">= 10x" "$(ok "$ratio >= 10")"
row "  same, CPU time (user+sys), best of $repeat" "$read_cpu_best s vs $jq_cpu_best s = $(awk -v a="$jq_cpu_best" -v b="$read_cpu_best" 'BEGIN { printf "%.1fx", a / b }')" "(info)" ""
row "  jq / whole read process" "$(awk -v a="$jq_best" -v b="$read_wall_best" 'BEGIN { printf "%.1fx", a / b }')" "(info)" ""
gb_read=$(gb BM_ReadTrace real_time)
row "BM_ReadTrace (Google Benchmark mean)" "$(printf '%.1f' "$gb_read") ms" "" ""
row "  jq / BM_ReadTrace" "$(awk -v a="$jq_best" -v b="$gb_read" 'BEGIN { printf "%.1fx", a * 1000 / b }')" "(info)" ""
row "BM_BuildModel" "$(printf '%.1f' "$(gb BM_BuildModel real_time)") ms" "" ""
worst=""
for spec in $(jq -r '.benchmarks[] | select(.name | startswith("BM_Simulate/")) | .name | split("/")[1]' "$tmp/gb.json"); do
  evs=$(gb "BM_Simulate/$spec" 'events/s')
  ms=$(gb "BM_Simulate/$spec" real_time)
  m=$(awk -v e="$evs" 'BEGIN { printf "%.2f", e / 1e6 }')
  row "replay $spec (Simulator::run)" "$(printf '%.1f' "$ms") ms, $m M ev/s" ">= 20 M ev/s" "$(ok "$m >= 20")"
done
all_ms=$(gb BM_SimulateAll real_time)
row "all policies, simulation only (BM_SimulateAll)" "$(printf '%.1f' "$all_ms") ms" "< 1 s" "$(ok "$all_ms < 1000")"
row "BM_Replay (replay(), all policies)" "$(printf '%.1f' "$(gb BM_Replay real_time)") ms" "" ""
row "BM_FormatJson" "$(printf '%.1f' "$(gb BM_FormatJson real_time)") ms" "" ""
row "reprobe replay --all-policies -f json, wall" "$rep_best s (cpu $cpu_best s)" "< 1 s" "$(ok "$rep_best < 1")"
row "  peak RSS" "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }')" "" ""
row "  peak memory per event" "$(awk -v k="$rss_kb" -v n="$nev" 'BEGIN { printf "%.0f bytes", k * 1024 / n }')" "" ""
read_rss_kb=$(printf '%s\n' "${read_rss[@]}" | sort -g | tail -1)
row "peak RSS after read_trace_file only" "$(awk -v k="$read_rss_kb" -v n="$nev" 'BEGIN { printf "%.1f MB, %.0f B/event", k * 1024 / 1e6, k * 1024 / n }')" "" ""
row "  trace bytes per event (for scale)" "$(awk -v b="$bytes" -v n="$nev" 'BEGIN { printf "%.0f bytes", b / n }')" "" ""
