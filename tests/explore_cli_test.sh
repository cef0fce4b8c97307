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
"$R" explore "$spdif" -p stock --max-memory 0 --no-timing >/dev/null 2>"$tmp/err"; ok memory-unbounded $?
"$R" explore "$S/examples/async-probe.trace" -p stock --jitter 3 --max-memory 1 --no-timing -f json >"$tmp/mem.json" 2>"$tmp/err"
ok memory-bounded $?
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["policies"][0]; assert p["stopped_by_memory"] is True and p["robust"] is None and p["memo_bytes"] >= 1 << 20, p' "$tmp/mem.json"
ok memory-bounded-json $?
"$R" explore "$spdif" -f yaml >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok bad-format $?
"$R" explore "$tmp/missing.trace" >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok missing-trace $?
sed 's/"jitter_ns":[0-9]*/"jitter_ns":"x"/' "$tmp/cx/no-race-fix.trace" >"$tmp/bad.trace"
"$R" replay "$tmp/bad.trace" >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok bad-schedule $?
grep -q "bad.trace:1: header: explore.jitter_ns must be an unsigned integer" "$tmp/err"; ok bad-schedule-msg $?

# The robustness section of `reprobe report --explore FILE` in every format; refused when FILE is
# not an explore JSON or explored another trace.
for f in markdown text html; do
  "$R" report "$spdif" -p no-race-fix --explore "$tmp/a.json" -f $f -o "$tmp/r.$f" 2>"$tmp/err"; ok report-explore-$f $?
  grep -q "Robustness across schedules (reprobe explore)" "$tmp/r.$f"; ok report-section-$f $?
  grep -q "no-race-fix.trace" "$tmp/r.$f"; ok report-cx-path-$f $?
  grep -q "kirkwood-spdif-audio.1 stays unbound" "$tmp/r.$f"; ok report-cx-words-$f $?
done
"$R" report "$spdif" --explore "$tmp/r.text" -o "$tmp/r.md" 2>"$tmp/err"; [ $? = 2 ]; ok report-explore-bad $?
grep -q "reprobe report: --explore: $tmp/r.text: not JSON" "$tmp/err"; ok report-explore-bad-msg $?
timeout 60 "$R" report "$spdif" --explore /dev/zero -o "$tmp/r.md" 2>"$tmp/err"; [ $? = 2 ]; ok report-explore-endless $?
grep -q "reprobe report: --explore: /dev/zero: not JSON (byte 1)" "$tmp/err"; ok report-explore-endless-msg $?
"$R" report "$S/examples/async-probe.trace" --explore "$tmp/a.json" -o "$tmp/r.md" 2>"$tmp/err"; [ $? = 2 ]
ok report-explore-other-trace $?
grep -q "explored $spdif, not " "$tmp/err"; ok report-explore-other-trace-msg $?

# Per-kind jitter (docs/explore.md, "Timing"): a uniform spec is the plain number; every kind at
# 0 ms but work items and the firmware is a smaller search than all at 2 ms; bad specs are refused.
"$R" explore "$spdif" -p stock --no-timing -f json -j 2 -o "$tmp/j1.json" 2>"$tmp/err"; ok jitter-plain $?
"$R" explore "$spdif" -p stock --no-timing -f json -j probe=2,work=2,fw=2,task=2,timer=2 -o "$tmp/j2.json" 2>"$tmp/err"
ok jitter-kinds $?
python3 - "$tmp/j1.json" "$tmp/j2.json" <<'PY'; ok jitter-kinds-same $?
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["policies"] == b["policies"], "every kind at 2 ms is --jitter 2"
assert a["jitter"] == b["jitter"] == "2 ms", (a["jitter"], b["jitter"])
PY
"$R" explore "$spdif" -p stock --no-timing -f json -j 0,task=2,timer=2 -o "$tmp/j3.json" 2>"$tmp/err"; ok jitter-partial $?
python3 - "$tmp/j1.json" "$tmp/j3.json" <<'PY'; ok jitter-partial-smaller $?
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert b["jitter"] == "probe=0 ms, work=0 ms, fw=0 ms, task=2 ms, timer=2 ms", b["jitter"]
assert b["policies"][0]["schedules"] < a["policies"][0]["schedules"], (a, b)
PY
"$R" explore "$spdif" -p stock --no-timing -j work=10% >"$tmp/out" 2>"$tmp/err"; ok jitter-share $?
grep -q "work=10%" "$tmp/out"; ok jitter-share-said $?
"$R" explore "$spdif" -j probe=x >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok jitter-bad $?
grep -q "reprobe explore: --jitter 'probe=x': 'probe=x' is not a number of ms" "$tmp/err"; ok jitter-bad-msg $?
"$R" explore "$spdif" -j 1,dsp=2 >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok jitter-bad-kind $?
grep -q "'dsp=2' names no kind" "$tmp/err"; ok jitter-bad-kind-msg $?
"$R" explore "$spdif" -j probe=1,probe=2 >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok jitter-kind-twice $?
grep -q "'probe=2' names a kind given before" "$tmp/err"; ok jitter-kind-twice-msg $?
# Counts are digits: boost would read "-1" into an unsigned option as 2^64 - 1 (issue 15, hostile pass).
for bad in "--jobs -3" "--jobs 0" "--jobs 2000" "--max-schedules -1" "--max-schedules 0" "--max-time nan" "--max-time -1"; do
  # shellcheck disable=SC2086
  "$R" explore "$spdif" $bad >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok "bad-count $bad" $?
done
"$R" explore "$spdif" --jobs -3 >/dev/null 2>"$tmp/err"
grep -q "the argument ('-3') for option '--jobs' is invalid" "$tmp/err"; ok bad-count-msg $?
# An endless stream is refused at its first bad byte, not read into memory without end.
timeout 60 "$R" explore /dev/zero >/dev/null 2>"$tmp/err"; [ $? = 2 ]; ok endless-stream $?
grep -q "/dev/zero:1: binary data (NUL byte)" "$tmp/err"; ok endless-stream-msg $?

# The progress line: never when stderr is a pipe or a file; on a terminal (script(1) gives one), a
# line that is erased at the end.
"$R" explore "$spdif" -p stock -p no-race-fix >/dev/null 2>"$tmp/err"; ok no-tty $?
[ ! -s "$tmp/err" ]; ok no-progress-in-pipes $?
if command -v script >/dev/null; then
  # the line is drawn when the search starts (then every 250 ms), so it shows however fast the machine
  script -qec "$R explore $spdif -p periodic -p stock -o $tmp/tty.txt" /dev/null >"$tmp/tty" 2>&1 </dev/null
  ok tty-runs $?
  grep -q "reprobe explore: [0-9]/2 policies, [0-9]* runs, [0-9]* states" "$tmp/tty"; ok progress-on-tty $?
else
  echo "FAIL progress-on-tty: script(1) (bsdutils) is not installed"; fail=$((fail + 1))
fi

# --emit-promela (docs/explore.md, "Side by side with SPIN"): one policy to FILE, several to DIR/POLICY.pml,
# byte-identical for the same inputs; per-kind windows exit 2 (the model has one window).
"$R" explore "$spdif" -p no-race-fix --emit-promela "$tmp/one.pml" 2>"$tmp/err"; ok promela-one $?
grep -q "^proctype thread(byte K)" "$tmp/one.pml" && grep -q "#define RACE_FIX 0" "$tmp/one.pml"; ok promela-content $?
"$R" explore "$spdif" -p no-race-fix --emit-promela "$tmp/two.pml" 2>"$tmp/err" && cmp -s "$tmp/one.pml" "$tmp/two.pml"
ok promela-deterministic $?
"$R" explore "$spdif" -p stock -p provider-kick --emit-promela "$tmp/pml" 2>"$tmp/err" &&
  [ -s "$tmp/pml/stock.pml" ] && [ -s "$tmp/pml/provider-kick.pml" ]; ok promela-dir $?
"$R" explore "$spdif" -p sync-provider -p periodic -p resource-aware --emit-promela "$tmp/more" 2>"$tmp/err" &&
  [ -s "$tmp/more/sync-provider.pml" ] && [ -s "$tmp/more/periodic.pml" ]; ok promela-every-policy $?
"$R" explore "$spdif" --jitter 1,probe=2 --emit-promela "$tmp/k.pml" 2>"$tmp/err"
[ $? = 2 ] && grep -q "one window for every kind" "$tmp/err"; ok promela-refuses-kinds $?

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
