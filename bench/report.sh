#!/usr/bin/env bash
# Report speed (docs/benchmarks.md, section "Reports"): "a 1 M-event trace
# reports in under 5 s". Builds nothing:
#
#   meson setup build-release --buildtype=release -Dcpp_args=-Wno-restrict
#   ninja -C build-release
#   bench/report.sh [BUILDDIR] [EVENTS]
#
# BUILDDIR defaults to build-release. EVENTS defaults to 1000000.
# Environment: REPEAT=3 (runs of each timed command; the best is kept),
#              TRACE=FILE (use this trace instead of generating one),
#              KEEP=1 (keep the temp dir with the trace and the reports).
#
# Generates the trace with gen-bench-trace, then times end to end (wall,
# CPU, peak RSS via /usr/bin/time) in interleaved rounds:
#   * reprobe replay TRACE --all-policies -f json   (the floor: read, model, 9 simulations)
#   * reprobe report TRACE --all-policies --format markdown
#   * reprobe report TRACE --all-policies --format text
#   * reprobe report TRACE --all-policies --format html   (when this build has it)
# and prints the best of REPEAT for each, the output sizes and the load.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-release}
build=$(cd "$build" && pwd)
events=${2:-1000000}
repeat=${REPEAT:-3}

gen=$build/bench/gen-bench-trace
reprobe=$build/tools/reprobe
for exe in "$gen" "$reprobe"; do
  [[ -x "$exe" ]] || { echo "report.sh: $exe is missing: build first (ninja -C $build)" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "report.sh: /usr/bin/time is required (apt-get install time)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reprobe-report-bench.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then echo "temp dir  : $tmp (kept)"; else trap 'rm -rf "$tmp"' EXIT; fi

echo "== reprobe report benchmark"
echo "build dir : $build"
echo "machine   : $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
echo "date      : $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "load avg  : $(cut -d' ' -f1-3 /proc/loadavg) (start)"

trace=${TRACE:-}
if [[ -z "$trace" ]]; then
  trace=$tmp/bench.trace
  echo "== generating ~$events events"
  "$gen" "$trace" "$events" 2>"$tmp/gen.log"
  sed 's/^/  /' "$tmp/gen.log"
fi
echo "trace     : $trace ($(stat -c %s "$trace") bytes, $(($(wc -l <"$trace") - 2)) events)"

html=1
if ! "$reprobe" report "$src/examples/hda-healthy.trace" --format html -o /dev/null 2>/dev/null; then
  html=0
  echo "note      : this build has no --format html; html is not timed"
fi

declare -A best_wall best_cpu best_rss size
run() {  # name output command...
  local name=$1 out=$2
  shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || {
    echo "report.sh: $name failed:" >&2
    cat "$tmp/err" >&2
    exit 1
  }
  read -r wall user sys rss <"$tmp/time"
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  echo "  $name: wall ${wall} s, cpu ${cpu} s, peak RSS $((rss / 1024)) MB"
  if [[ -z "${best_wall[$name]:-}" ]] || awk -v a="$wall" -v b="${best_wall[$name]}" 'BEGIN { exit !(a < b) }'; then
    best_wall[$name]=$wall
    best_cpu[$name]=$cpu
    best_rss[$name]=$((rss / 1024))
  fi
  [[ "$out" == - ]] || size[$name]=$(stat -c %s "$out")
}

names=(replay-json report-markdown report-text)
[[ $html == 1 ]] && names+=(report-html)
for ((i = 1; i <= repeat; i++)); do
  echo "== round $i of $repeat (load $(cut -d' ' -f1 /proc/loadavg))"
  run replay-json - "$reprobe" replay "$trace" --all-policies -f json -o /dev/null
  run report-markdown "$tmp/report.md" "$reprobe" report "$trace" --all-policies --format markdown -o "$tmp/report.md"
  run report-text "$tmp/report.txt" "$reprobe" report "$trace" --all-policies --format text -o "$tmp/report.txt"
  [[ $html == 1 ]] && run report-html "$tmp/report.html" "$reprobe" report "$trace" --all-policies --format html -o "$tmp/report.html"
done
echo "load avg  : $(cut -d' ' -f1-3 /proc/loadavg) (end)"
echo
echo "| command | best wall (of $repeat) | CPU | peak RSS | output |"
echo "|---|---:|---:|---:|---:|"
for n in "${names[@]}"; do
  echo "| $n | ${best_wall[$n]} s | ${best_cpu[$n]} s | ${best_rss[$n]} MB | ${size[$n]:--} |"
done
