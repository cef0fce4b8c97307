#!/bin/sh
# CLI contract of `reprobe replay`: exit codes, error messages, output files.
# usage: cli_test.sh REPROBE SOURCE_ROOT
set -u
R=$1
S=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() {  # name expected-exit command...
  name=$1; want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" = "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, want $want"; cat "$tmp/err"; fi
}
grep_err() {  # name pattern
  if grep -qF -- "$2" "$tmp/err"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: stderr lacks '$2'"; cat "$tmp/err"; fi
}
check help 0 "$R" --help
check replay-help 0 "$R" replay --help
grep -q "fail-if-stranded" "$tmp/out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL replay-help text"; }
check no-verb 2 "$R"
check unknown-verb 2 "$R" frobnicate
check not-built 2 "$R" import
grep_err not-built-msg "not built yet"
check record-help 0 "$R" record --help
grep -q -- "--replug" "$tmp/out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL record-help text"; }
check record-conflict 2 "$R" record --duration 1 --until-idle 1
grep_err record-conflict-msg "choose one of --duration, --until-idle and -- COMMAND"
check record-negative 2 "$R" record --duration -1
check record-backend 2 "$R" record --backend nope
check replay-ok 0 "$R" replay "$S/examples/sof-late-component.trace" --all-policies
check stranded 1 "$R" replay "$S/examples/sof-late-component.trace" --fail-if-stranded
check bound 0 "$R" replay "$S/examples/spdif-race.trace" --fail-if-stranded
check bad-policy 2 "$R" replay "$S/examples/spdif-race.trace" -p nope
grep_err bad-policy-msg "unknown policy 'nope'"
check bad-format 2 "$R" replay "$S/examples/spdif-race.trace" -f xml
check missing-trace 2 "$R" replay
check bad-option 2 "$R" replay "$S/examples/spdif-race.trace" --frob
printf '{"format":"reprobe-trace","version":1,"source":"synthetic","kernel":{"release":"6.1"},"clock":"boottime_ns","hooks":{}}\n{"t":1,"ev":"probe_start","dev":"ghost","drv":"x"}\n' >"$tmp/bad.trace"
check bad-trace 2 "$R" replay "$tmp/bad.trace"
grep_err bad-trace-msg "$tmp/bad.trace:2: unknown device 'ghost'"
check unknown-target 2 "$R" replay "$S/examples/spdif-race.trace" --target nosuch
check json-out 0 "$R" replay "$S/examples/spdif-race.trace" -f json -o "$tmp/v.json"
grep -q '"kernel_profile": "5.10"' "$tmp/v.json" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL json-out content"; }
ls "$tmp" | grep -q '\.tmp\.' && { fail=$((fail + 1)); echo "FAIL temp file left"; } || pass=$((pass + 1))
check unwritable 2 "$R" replay "$S/examples/spdif-race.trace" -o /nonexistent/dir/v.json
check markdown 0 "$R" replay "$S/examples/timeout-rescue.trace" -f markdown --kernel 5.10
grep -q "| \`stock\` | NO |" "$tmp/out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL markdown 5.10 verdict"; }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
