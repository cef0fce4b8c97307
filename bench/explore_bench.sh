#!/bin/sh
# reprobe explore on every example and every real capture, every policy: the answer, the
# schedules covered, the runs and simulator states the search needed, and the time to answer
# end to end (the whole process, trace reading included). JITTER: anything --jitter takes
# (default 1). Prints the Markdown table of
# docs/benchmarks.md ("Exploring schedules"). The SPIN side: bench/spin_bench.sh.
# usage: bench/explore_bench.sh [BUILDDIR] [JITTER] [MAX_TIME_S]
set -eu
B=${1:-build}
J=${2:-1}
T=${3:-60}
S=$(cd "$(dirname "$0")/.." && pwd)
R=$B/tools/reprobe
[ -x "$R" ] || { echo "explore_bench.sh: $R not built" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "| trace | events | policy | answer | schedules | stranded | runs | states | seconds (end to end) |"
echo "|---|---|---|---|---|---|---|---|---|"
for t in "$S"/examples/*.trace "$S"/tests/data/captures/*.trace; do
  name=$(basename "$(dirname "$t")")/$(basename "$t")
  events=$(($(wc -l <"$t") - 2))
  start=$(date +%s.%N)
  if ! "$R" explore "$t" --all-policies --jitter "$J" --max-time "$T" --jobs 2 -f json -o "$out" 2>/dev/null; then
    echo "| $name | $events | - | error | | | | | |"
    continue
  fi
  end=$(date +%s.%N)
  python3 - "$out" "$name" "$events" "$start" "$end" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
name, events, start, end = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
for i, p in enumerate(j["policies"]):
    ans = {True: "robust", False: "fails", None: "not exhaustive"}[p["robust"]]
    if p["robust"] is False and p.get("counterexample"):
        ans += f' ({p["counterexample"]["reorderings"]} reorderings)'
    first = f"{name} | {events}" if i == 0 else " | "
    secs = f"{end - start:.2f}" if i == 0 else ""
    print(f'| {first} | {p["policy"]} | {ans} | {p["schedules"]:.4g} | {p["stranded"]:.4g} | {p["runs"]} | {p["states"]} | {secs} |')
PY
done
