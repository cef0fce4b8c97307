#!/bin/bash
# tests/vm/check-ground-truth.sh -- assert the real outcome of a run-scenario.sh run.
#
#   tests/vm/check-ground-truth.sh DIR [ASSERTION...]
#
# Without assertions, the scenario's own "#@expect" lines are used (scenario name from
# DIR/ground-truth.json).  The run's status must always be "ok".  Assertions
# (prefix "!" negates):
#   card:ID            /proc/asound/cards lists card ID            (cards.txt)
#   deferred:DEV       DEV is in /sys/kernel/debug/devices_deferred (devices_deferred.txt)
#   deferred:none      devices_deferred is empty
#   bound:DEV          device DEV is bound to a driver              (bound.txt)
#   driver:DRV         some listed device is bound to driver DRV    (bound.txt)
#   component:NAME     ASoC lists component NAME                    (asoc-components.txt)
#   module:NAME        module NAME is loaded                        (modules.txt)
#   consistent:ID/DEV  card ID present <=> DEV bound <=> DEV not deferred
#   trace              trace.ndjson exists, is non-empty and ends with a newline
#   dmesg:TEXT         dmesg.txt contains TEXT (fixed string; takes the rest of the line
#                      in #@expect, one argument on the command line)
# Exit status: 0 all hold, 1 some failed (each failure on stderr), 2 usage / missing files.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d' >&2; exit 2; }
[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac
DIR=$1; shift
[ -f "$DIR/ground-truth.json" ] || { echo "check-ground-truth.sh: $DIR/ground-truth.json missing" >&2; exit 2; }

ASSERTS=()
if [ $# -gt 0 ]; then
	ASSERTS=("$@")
else
	NAME=$(sed -n 's/^ *"scenario": "\(.*\)",$/\1/p' "$DIR/ground-truth.json")
	SCEN=$HERE/scenarios/$NAME.sh
	[ -f "$SCEN" ] || { echo "check-ground-truth.sh: scenario file $SCEN missing (no assertions given)" >&2; exit 2; }
	while IFS= read -r line; do
		line=${line#"#@expect"}
		line=$(echo "$line" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//')
		case "$line" in
		dmesg:*|'!dmesg:'*) ASSERTS+=("$line") ;;
		*) for a in $line; do ASSERTS+=("$a"); done ;;
		esac
	done < <(grep -E '^#@expect([[:space:]]|$)' "$SCEN")
	[ ${#ASSERTS[@]} -gt 0 ] || { echo "check-ground-truth.sh: $SCEN has no #@expect lines" >&2; exit 2; }
fi

card_ids() { sed -n 's/^ *[0-9][0-9]* \[\([^] ]*\) *\].*/\1/p' "$DIR/cards.txt" 2>/dev/null; }
deferred_devs() { cut -f1 "$DIR/devices_deferred.txt" 2>/dev/null | sed '/^$/d'; }
is_bound() { awk -v d="$1" '$2 == d && $3 != "-" { f = 1 } END { exit !f }' "$DIR/bound.txt" 2>/dev/null; }

check() { # ASSERTION -> 0 holds / 1 not / 2 unknown kind
	local a=$1 kind arg
	kind=${a%%:*}
	arg=${a#*:}
	case "$kind" in
	card) card_ids | grep -qxF "$arg" ;;
	deferred)
		if [ "$arg" = none ]; then [ -z "$(deferred_devs)" ]; else deferred_devs | grep -qxF "$arg"; fi ;;
	bound) is_bound "$arg" ;;
	driver) awk -v d="$arg" '$3 == d { f = 1 } END { exit !f }' "$DIR/bound.txt" 2>/dev/null ;;
	component) grep -qxF "$arg" "$DIR/asoc-components.txt" 2>/dev/null ;;
	module) awk -v m="$arg" '$1 == m { f = 1 } END { exit !f }' "$DIR/modules.txt" 2>/dev/null ;;
	dmesg) grep -qF -- "$arg" "$DIR/dmesg.txt" 2>/dev/null ;;
	trace) [ -s "$DIR/trace.ndjson" ] && [ "$(tail -c 1 "$DIR/trace.ndjson" | od -An -c | tr -d ' ')" = '\n' ] ;;
	consistent)
		local id=${arg%%/*} dev=${arg#*/} c=0 b=0 d=0
		card_ids | grep -qxF "$id" && c=1
		is_bound "$dev" && b=1
		deferred_devs | grep -qxF "$dev" || d=1
		[ "$c$b$d" = 111 ] || [ "$c$b$d" = 000 ] ;;
	*) return 2 ;;
	esac
}

FAILED=0
status=$(cat "$DIR/status.txt" 2>/dev/null || echo "missing status.txt")
if [ "$status" != ok ]; then
	echo "FAIL status: guest reported '$status'" >&2
	FAILED=1
fi
for a in "${ASSERTS[@]}"; do
	neg=0 body=$a
	case "$a" in '!'*) neg=1; body=${a#!} ;; esac
	[ "$body" = trace ] && body=trace:
	check "$body"
	rc=$?
	if [ $rc -eq 2 ]; then
		echo "check-ground-truth.sh: unknown assertion '$a'" >&2
		exit 2
	fi
	if { [ $neg = 0 ] && [ $rc -ne 0 ]; } || { [ $neg = 1 ] && [ $rc -eq 0 ]; }; then
		echo "FAIL $a" >&2
		FAILED=1
	else
		echo "ok   $a"
	fi
done
if [ $FAILED -ne 0 ]; then
	echo "check-ground-truth.sh: $DIR: cards [$(card_ids | tr '\n' ' ')] deferred [$(deferred_devs | tr '\n' ' ')]" >&2
	exit 1
fi
exit 0
