#!/bin/bash
# tests/vm/run-enacted.sh -- enacted counterfactuals: predict a policy from a stock
# capture, then make the real kernel do it and compare (issue 12 item 5).
#
#   tests/vm/run-enacted.sh BUILDDIR [--repeat N] [--jobs J] [--out DIR] [--update-captures]
#                           [--no-fail-on-prediction | --fail-on-verdict] [SCENARIO...]
#
# SCENARIO: tests/vm/scenarios/enact-*.sh (default: all of them).  Each declares the
# policies that can be enacted on the real kernel in its header:
#   #@enact stock component-kick provider-kick periodic:500 sync-provider ...
#   #@enact-expect ASSERTIONS    ground-truth assertions that hold under every policy
#                                (the throwaway kick devices must not change them)
#   #@enact-target DEV           the device whose bind is compared (default reprobe-machine)
# For every scenario and policy P of its #@enact list, N boots (--repeat, default 3)
# with BUILDDIR/tools/reprobe recording inside the guest (tests/vm/run-scenario.sh
# --tracer), P enacted through the kernel command line:
#   reprobe.policy=P             guest/lib.sh enact_setup (from /init, after #@preload,
#                                before the tracer): component-kick / provider-kick /
#                                periodic[:N] load modules/reprobe_enact.ko; scenarios ask
#                                `pmode MODE`, which answers "sync" under sync-provider;
#   deferred_probe_timeout=N     for P with timeout=N (e.g. stock:timeout=2);
#   deferred_probe_timeout=-1    for no-timeout (6.1: a negative value arms no timer and
#                                keeps driver_deferred_probe_check_state() deferring;
#                                0 would also arm none but make it return -ETIMEDOUT).
# Boot stock.1 is the capture every prediction is made from.  The captures are staged
# in OUT/captures/<scenario>/ (layout: tests/vm/compare-enacted.sh), compared by
# compare-enacted.sh (prediction vs reality, stock fidelity of every enacted trace),
# and with --update-captures copied to tests/data/captures/enacted/<scenario>/.
# --jobs J runs J guests at once (default 1; each guest is one TCG vCPU).
# Exit: 0 all passed, 1 a check failed (prediction failures only without
# --no-fail-on-prediction), 2 setup error (a boot that failed is a setup error).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
usage() { sed -n '2,/^set -uo/p' "$0" | sed 's/^# \{0,1\}//;/^set -uo/d' >&2; exit 2; }

build=${1:-}
[[ -n $build && -d $build ]] || usage
build=$(cd "$build" && pwd)
shift
out=${REPROBE_VM_OUT:-/var/tmp/reprobe-vm/enacted}
repeat=3 jobs=1 update=0 nofail=0
scenarios=()
while (($#)); do
	case $1 in
	--repeat) repeat=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--update-captures) update=1; shift ;;
	--no-fail-on-prediction) nofail=1; shift ;;
	--fail-on-verdict) nofail=2; shift ;;
	-h|--help) usage ;;
	-*) echo "run-enacted.sh: unknown option $1" >&2; exit 2 ;;
	*) scenarios+=("$(basename "$1" .sh)"); shift ;;
	esac
done
# The enacted counterfactuals (reprobe_enact, the committed enacted captures) are 6.1's:
# another series from the environment is refused, not silently mixed in.
[[ ${REPROBE_VM_SERIES:-6.1} == 6.1 ]] || { echo "run-enacted.sh: runs on the 6.1 kernel only (REPROBE_VM_SERIES=$REPROBE_VM_SERIES)" >&2; exit 2; }
export REPROBE_VM_SERIES=6.1
[[ $repeat =~ ^[1-9][0-9]*$ && $jobs =~ ^[1-9][0-9]*$ ]] || { echo "run-enacted.sh: --repeat/--jobs need a positive integer" >&2; exit 2; }
if ((${#scenarios[@]} == 0)); then
	for f in "$here"/scenarios/enact-*.sh; do scenarios+=("$(basename "$f" .sh)"); done
fi
reprobe=$build/tools/reprobe
[[ -x $reprobe ]] || { echo "run-enacted.sh: $reprobe is missing: build first" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run-enacted.sh: needs root (qemu, apt-get for the kernel headers)" >&2; exit 2; }
command -v jq >/dev/null || { echo "run-enacted.sh: jq is required" >&2; exit 2; }

directive() { sed -n "s/^#@$1[[:space:]]\{1,\}//p" "$here/scenarios/$2.sh"; }
tag_of() { echo "$1" | sed 's/:/_/g; s/=/-/g; s/,/+/g'; }
append_of() { # POLICY -> kernel command line for its timeout
	local p=$1
	case $p in
	no-timeout|no-timeout:*) echo "deferred_probe_timeout=-1" ;;
	*timeout=*) echo "deferred_probe_timeout=$(echo "$p" | sed 's/.*timeout=\(-\{0,1\}[0-9]*\).*/\1/')" ;;
	*) echo "" ;;
	esac
}

# ---- plan ---------------------------------------------------------------------------
declare -A pols
runs=()
for s in "${scenarios[@]}"; do
	f=$here/scenarios/$s.sh
	[[ -f $f ]] || { echo "run-enacted.sh: no scenario $f" >&2; exit 2; }
	p=$(directive enact "$s" | tr '\n' ' ')
	[[ -n $p ]] || { echo "run-enacted.sh: $s has no #@enact line" >&2; exit 2; }
	[[ " $p " == *" stock "* ]] || p="stock $p"
	pols[$s]=$p
	for ((i = 1; i <= repeat; i++)); do
		for pol in $p; do runs+=("$s $pol $i"); done
	done
done

echo "== prepare (kernel, headers, test modules)"
"$here/prepare.sh" || { echo "run-enacted.sh: prepare.sh failed" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/captures" "$out/results"
mkdir -p "$out/runs" "$out/captures" "$out/results"
echo "== ${#runs[@]} boots (${#scenarios[@]} scenarios, --repeat $repeat, --jobs $jobs) -> $out"

one_run() { # SCEN POLICY I
	local s=$1 pol=$2 i=$3 tag dir app rec t0 rc
	tag=$(tag_of "$pol")
	dir=$out/runs/$s/$tag.$i
	mkdir -p "$dir"
	app="reprobe.policy=$pol $(append_of "$pol")"
	rec=$(directive record-args "$s")
	t0=$(date +%s.%N)
	"$here/run-scenario.sh" "$s" --tracer "$reprobe" --record-args "$rec" --append "$app" --out "$dir" \
		> "$out/runs/$s.$tag.$i.log" 2>&1
	rc=$?
	echo "$rc $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" > "$out/runs/$s.$tag.$i.rc"
}

t_all=$SECONDS
active=0
for r in "${runs[@]}"; do
	read -r s pol i <<<"$r"
	if ((active >= jobs)); then wait -n; active=$((active - 1)); fi
	echo "   boot $s $pol #$i ($((SECONDS - t_all)) s)"
	one_run "$s" "$pol" "$i" &
	active=$((active + 1))
done
wait
t_boots=$((SECONDS - t_all))

# ---- stage the captures ------------------------------------------------------------------
setup_fail=0
for s in "${scenarios[@]}"; do
	c=$out/captures/$s
	mkdir -p "$c"
	target=$(directive enact-target "$s" | tail -n1)
	target=${target:-reprobe-machine}
	# anchor: the scenario's first test module (its first `load reprobe_*` line); the
	# stock modules before it (snd-soc-dmic) only add modprobe jitter
	amod=$(sed -n 's/^load[[:space:]]\{1,\}\(reprobe[^[:space:]]*\).*/\1/p' "$here/scenarios/$s.sh" | head -n1 | tr - _)
	[[ -n $amod ]] || amod=$(sed -n 's/^load[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$here/scenarios/$s.sh" | head -n1 | tr - _)
	printf '' > "$c/runs.tsv"
	pj='[]'
	for pol in ${pols[$s]}; do
		tag=$(tag_of "$pol")
		pj=$(jq -c --arg t "$tag" --arg p "$pol" --arg a "$(append_of "$pol")" '. + [{tag: $t, policy: $p, append: $a}]' <<<"$pj")
		for ((i = 1; i <= repeat; i++)); do
			dir=$out/runs/$s/$tag.$i
			read -r rc wall < "$out/runs/$s.$tag.$i.rc"
			if [[ $rc != 0 || ! -s $dir/trace.ndjson || ! -s $dir/ground-truth.json ]]; then
				echo "run-enacted.sh: $s $pol #$i: boot failed (exit $rc, $out/runs/$s.$tag.$i.log):" >&2
				tail -n 5 "$out/runs/$s.$tag.$i.log" >&2
				setup_fail=1
				continue
			fi
			# invariants under every policy (#@enact-expect); the stock boot's own #@expect
			# is reported, not enforced here (a race scenario may vary)
			expect=ok
			mapfile -t ea < <(directive enact-expect "$s" | tr ' ' '\n' | sed '/^$/d')
			if ((${#ea[@]})) && ! "$here/check-ground-truth.sh" "$dir" "${ea[@]}" > "$dir/enact-expect.txt" 2>&1; then
				expect=fail
				echo "run-enacted.sh: $s $pol #$i: #@enact-expect failed:" >&2
				grep FAIL "$dir/enact-expect.txt" >&2
			fi
			stock_expect=-
			if [[ $pol == stock ]]; then
				if "$here/check-ground-truth.sh" "$dir" > "$dir/expect.txt" 2>&1; then stock_expect=ok; else stock_expect=differs; fi
			fi
			kicks=$(grep -c 'reprobe-enact: kick [0-9]' "$dir/dmesg.txt" 2>/dev/null)
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tag" "$i" "$(jq -r .status "$dir/ground-truth.json")" "$expect" \
				"${kicks:-0}" "$wall" "$(jq -r '.tracer.startup_ms // ""' "$dir/ground-truth.json")" "$stock_expect" >> "$c/runs.tsv"
			gzip -n -9 -c "$dir/trace.ndjson" > "$c/$tag.$i.trace.gz"
			cp "$dir/ground-truth.json" "$c/$tag.$i.ground-truth.json"
		done
	done
	jq -n --arg s "$s" --arg t "$target" --arg a "$amod" --argjson r "$repeat" --argjson p "$pj" \
		'{scenario: $s, target: $t, anchor_module: $a, repeat: $r, policies: $p,
		  runs_tsv: "tag i status enact_expect kicks(dmesg) host_wall_s tracer_startup_ms stock_expect"}' > "$c/meta.json"
done
((setup_fail)) && { echo "run-enacted.sh: some boots failed; no comparison" >&2; exit 2; }

# ---- compare --------------------------------------------------------------------------------
echo
echo "== compare (prediction from stock.1 vs the enacted boots)"
cargs=()
((nofail == 1)) && cargs+=(--no-fail-on-prediction)
((nofail == 2)) && cargs+=(--fail-on-verdict)
"$here/compare-enacted.sh" "$build" "$out/captures" --out "$out/results" "${cargs[@]}" "${scenarios[@]}"
crc=$?
((crc == 2)) && exit 2

walls=$(cat "$out"/captures/*/runs.tsv | awk -F'\t' '{ n++; s += $6; if (min == "" || $6 < min) min = $6; if ($6 > max) max = $6 } END { if (n) printf "%d boots, host wall per boot %.1f-%.1f s (mean %.1f)", n, min, max, s / n }')
echo
echo "== timing: $walls; all boots $t_boots s with --jobs $jobs; total $((SECONDS - t_all)) s"
echo "$walls; all boots $t_boots s with --jobs $jobs; total $((SECONDS - t_all)) s" > "$out/results/timing.txt"

if ((update)); then
	for s in "${scenarios[@]}"; do
		dst=$src/tests/data/captures/enacted/$s
		rm -rf "$dst"
		mkdir -p "$dst"
		cp "$out/captures/$s"/* "$dst/"
	done
	cp "$out/results/results.md" "$src/tests/data/captures/enacted/results.md"
	echo "   captures -> tests/data/captures/enacted/ ($(du -sh "$src/tests/data/captures/enacted" | cut -f1))"
fi
exit $crc
