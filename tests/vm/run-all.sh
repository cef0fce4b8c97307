#!/bin/bash
# tests/vm/run-all.sh -- run VM scenarios and assert each one's #@expect ground truth.
#
#   tests/vm/run-all.sh [--out BASE] [--repeat N] [run-scenario options...] [SCENARIO...]
#
#   SCENARIO...   default: every scenario except the non-probe ones: bpf-features
#                 (needs --with /usr/bin/bpftrace), overhead-bench (bench/vm_overhead.sh) and
#                 burst (bench/vm_burst.sh)
#   --out BASE    outputs in BASE/<scenario>[.<n>] (default $CACHE/out, $CACHE/out-SERIES
#                 for another kernel series)
#   --kernel SERIES  Debian kernel series to boot (default $REPROBE_VM_SERIES, else 6.1)
#   --repeat N    run each scenario N times (race statistics)
#   other options (--tracer, --with, --record-args, --append, --smp, --mem, --timeout) are
#   passed to run-scenario.sh.
# Prints one line per run (PASS/FAIL, cards, deferred devices, wall time) and a summary;
# exit status 1 if any run failed (boot/scenario error or a ground-truth assertion).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${REPROBE_VM_CACHE:-/var/tmp/reprobe-vm}
BASE=
REPEAT=1
PASS_ARGS=()
SCENARIOS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) BASE=${2:?}; shift 2 ;;
	--repeat) REPEAT=${2:?}; shift 2 ;;
	--kernel) export REPROBE_VM_SERIES=${2:?--kernel needs a series}; shift 2 ;;
	--tracer|--with|--record-args|--append|--smp|--mem|--timeout) PASS_ARGS+=("$1" "${2?}"); shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d'; exit 2 ;;
	-*) echo "run-all.sh: unknown option $1" >&2; exit 2 ;;
	*) SCENARIOS+=("$1"); shift ;;
	esac
done
if [ ${#SCENARIOS[@]} -eq 0 ]; then
	for f in "$HERE"/scenarios/*.sh; do
		n=$(basename "$f" .sh)
		case "$n" in bpf-features|overhead-bench|burst) continue ;; esac
		SCENARIOS+=("$n")
	done
fi

case "${REPROBE_VM_SERIES:-6.1}" in 6.1) BASE=${BASE:-$CACHE/out} ;; *) BASE=${BASE:-$CACHE/out-$REPROBE_VM_SERIES} ;; esac
"$HERE/prepare.sh" || exit 1
mkdir -p "$BASE" || exit 1

FAILED=0 TOTAL=0
T0=$(date +%s)
printf '%-36s %-5s %-22s %-20s %s\n' run result cards deferred wall_s
for s in "${SCENARIOS[@]}"; do
	for i in $(seq 1 "$REPEAT"); do
		out=$BASE/$s
		[ "$REPEAT" = 1 ] || out=$BASE/$s.$i
		TOTAL=$((TOTAL + 1))
		t0=$(date +%s.%N)
		"$HERE/run-scenario.sh" "$s" --out "$out" ${PASS_ARGS[@]+"${PASS_ARGS[@]}"} > "$out.log" 2>&1
		rc=$?
		t1=$(date +%s.%N)
		res=PASS
		if [ $rc -ne 0 ]; then
			res=ERROR
		elif ! "$HERE/check-ground-truth.sh" "$out" >> "$out.log" 2>&1; then
			res=FAIL
		fi
		[ "$res" = PASS ] || FAILED=$((FAILED + 1))
		cards=$(sed -n 's/^ *[0-9][0-9]* \[\([^] ]*\) *\].*/\1/p' "$out/cards.txt" 2>/dev/null | paste -sd, -)
		deferred=$(cut -f1 "$out/devices_deferred.txt" 2>/dev/null | sed '/^$/d' | paste -sd, -)
		printf '%-36s %-5s %-22s %-20s %.1f\n' "$(basename "$out")" "$res" "${cards:--}" "${deferred:--}" \
			"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
		[ "$res" = PASS ] || sed 's/^/    /' "$out.log" | tail -n 15
	done
done
echo "run-all.sh: $((TOTAL - FAILED))/$TOTAL passed in $(( $(date +%s) - T0 )) s (logs: $BASE/<run>.log)"
[ $FAILED -eq 0 ]
