#!/bin/sh
# `reprobe explore` from the command line (docs/explore.md): exit codes, byte-identical output
# for the same inputs, a counterexample trace that `replay` reads and replays to the stranded
# outcome it claims, and clear errors on bad input.
# usage: explore_cli_test.sh REPROBE SOURCE_ROOT
R=$1
S=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() {  # name status
  if [ "$2" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1"; cat "$tmp/err" 2>/dev/null; fi
}
spdif=$S/examples/spdif-race.trace

"$R" explore --help >"$tmp/out" 2>"$tmp/err"; ok help $?
grep -q -- "--counterexample-dir" "$tmp/out"; ok help-text $?

# The spdif race: no-race-fix strands the card in some schedule, stock does not (docs/explore.md).
"$R" explore "$spdif" -p no-race-fix -p stock --no-timing -f json -o "$tmp/a.json" --counterexample-dir "$tmp/cx" 2>"$tmp/err"
ok explore-runs $?
"$R" explore "$spdif" -p no-race-fix -p stock --no-timing -f json --jobs 2 -o "$tmp/b.json" 2>"$tmp/err"
ok explore-jobs $?
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'; ok json-verdicts $?
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
pol = {p["policy"]: p for p in a["policies"]}
assert pol["no-race-fix"]["robust"] is False, pol["no-race-fix"]
assert pol["stock"]["robust"] is True, pol["stock"]
assert pol["no-race-fix"]["counterexample"]["path"].endswith("no-race-fix.trace")
for p in b["policies"]:
    p.pop("counterexample", None)
for p in a["policies"]:
    p.pop("counterexample", None)
assert a["policies"] == b["policies"], "--jobs changes nothing"
PY
"$R" explore "$spdif" -p no-race-fix --no-timing >"$tmp/t1" 2>"$tmp/err"; ok text-1 $?
"$R" explore "$spdif" -p no-race-fix --no-timing >"$tmp/t2" 2>"$tmp/err"; ok text-2 $?
cmp -s "$tmp/t1" "$tmp/t2"; ok deterministic $?
grep -q "NO" "$tmp/t1"; ok text-says-no $?

# The counterexample replays to the stranded outcome it claims (replay exits 1 with --fail-if-stranded).
head -1 "$tmp/cx/no-race-fix.trace" | grep -q '"source":"explore"'; ok cx-source $?
"$R" replay "$tmp/cx/no-race-fix.trace" --fail-if-stranded >"$tmp/out" 2>"$tmp/err"; [ $? = 1 ]; ok cx-replays-stranded $?
grep -q "follows its schedule" "$tmp/err" "$tmp/out"; ok cx-replay-says-so $?
"$R" export --perfetto "$tmp/cx/no-race-fix.trace" -o "$tmp/cx.json" >/dev/null 2>"$tmp/err"; ok cx-export $?
"$R" report "$tmp/cx/no-race-fix.trace" -o "$tmp/cx.md" >/dev/null 2>"$tmp/err"; ok cx-report $?

# --fail-if-not-robust, bounds, bad input.
"$R" explore "$spdif" -p no-race-fix --fail-if-not-robust >/dev/null 2>"$tmp/err"; [ $? = 1 ]; ok fail-if-not-robust $?
"$R" explore "$spdif" -p stock --fail-if-not-robust >/dev/null 2>"$tmp/err"; ok robust-exit-0 $?
"$R" explore "$spdif" -p stock --max-schedules 1 --no-timing >"$tmp/out" 2>"$tmp/err"; ok bounded $?
grep -q "not exhaustive: 1 of >= " "$tmp/out"; ok bounded-says-so $?
"$R" explore "$spdif" -f yaml >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok bad-format $?
"$R" explore "$tmp/missing.trace" >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok missing-trace $?
sed 's/"jitter_ns":[0-9]*/"jitter_ns":"x"/' "$tmp/cx/no-race-fix.trace" >"$tmp/bad.trace"
"$R" replay "$tmp/bad.trace" >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok bad-schedule $?
grep -q "bad.trace:1: header: explore.jitter_ns must be an unsigned integer" "$tmp/err"; ok bad-schedule-msg $?

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
