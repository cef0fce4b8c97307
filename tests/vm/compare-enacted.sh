#!/bin/bash
# tests/vm/compare-enacted.sh -- prediction vs enacted reality, from captures (no VM).
#
#   tests/vm/compare-enacted.sh BUILDDIR [CAPTURES_DIR] [--out DIR] [--no-fail-on-prediction | --fail-on-verdict]
#                               [--quiet] [SCENARIO...]
#
# CAPTURES_DIR (default tests/data/captures/enacted, written by run-enacted.sh
# --update-captures) holds one directory per scenario:
#   meta.json                      {"scenario","target","anchor_module","repeat",
#                                   "policies":[{"tag","policy","append"}]}
#   <tag>.<i>.trace[.gz]           trace of repeat i of the boot that enacted policy <tag>
#   <tag>.<i>.ground-truth.json    its ground truth (run-scenario.sh)
#   runs.tsv (optional)            per boot: tag i status enact_expect kicks wall_s
# stock.1 is the capture every prediction is made from.
#
# For every scenario and every enacted policy P:
#   predicted  `BUILDDIR/tools/reprobe replay stock.1.trace --policy P --format json`:
#              .policies[0].target_bound (true/false, or null = undetermined with
#              .policies[0].undetermined = reasons; older binaries: the target's
#              .bound), the target's .bound_at_ns and optional .bound_at_range_ns [lo,hi];
#   real       per repeat: the target bound in the guest and not in devices_deferred
#              (ground truth); bind time = the target's first "bound" event in that
#              boot's trace;
#   anchor     every time is relative to its own trace's anchor: the module_load event
#              of the scenario's first test module (meta.json anchor_module: the first
#              `load reprobe_*` line of the scenario);
#   check      PASS when every real verdict equals the prediction (or the prediction is
#              null) and, when both bind, |pred - real| <= 50 ms + the target's observed
#              probe duration (the successful really_probe of that boot), 0 inside a
#              predicted range; and every enacted trace replays under stock with
#              fidelity.exact == true (the enacted kicks are real binds the model must
#              reproduce).  A policy whose real verdict differs between repeats is
#              flagged "varies" (a candidate for `reprobe explore`).
#   reference  the boot's inputs (a scenario module_load, a component registered from a work
#              item or a firmware callback, the timeout work running) come at other moments than
#              in stock.1, and the replay takes them from stock.1.  Each predicted time (each end
#              of a range) is also moved by the drift of its reference input -- the latest input
#              in the 50 ms up to it in stock.1 that the policy does not move (sync-provider moves
#              every later load and registration, a timeout policy the timeout work) and the boot
#              has -- and the time check uses that error; "PASS (after its input)" = within the
#              tolerance only after it (docs/fidelity.md, "The comparison").
#   skew       per repeat, the largest |difference| between this boot and stock.1 in the
#              time (after the anchor) of a scenario module_load or of the timeout work
#              running (results.tsv / results.json only).
# Writes OUT/results.{tsv,json,md} (default OUT = CAPTURES_DIR/../enacted-results or
# $TMPDIR) and prints the Markdown table.
# Exit: 0 all checks passed, 1 a check failed (prediction failures only count without
# --no-fail-on-prediction; with --fail-on-verdict only a wrong verdict counts, not a bind time;
# fidelity / enactment failures always count), 2 setup error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
usage() { sed -n '2,/^set -uo/p' "$0" | sed 's/^# \{0,1\}//;/^set -uo/d' >&2; exit 2; }

build=${1:-}
[[ -n $build && -d $build ]] || usage
shift
reprobe=$build/tools/reprobe
[[ -x $reprobe ]] || { echo "compare-enacted.sh: $reprobe is missing" >&2; exit 2; }
caps=$src/tests/data/captures/enacted
if [[ $# -gt 0 && $1 != -* && -d $1 ]]; then caps=$1; shift; fi
out='' fail_pred=1 quiet=0
scen=()
while (($#)); do
	case $1 in
	--out) out=$2; shift 2 ;;
	--no-fail-on-prediction) fail_pred=0; shift ;;
	--fail-on-verdict) fail_pred=2; shift ;;
	--quiet) quiet=1; shift ;;
	-h|--help) usage ;;
	-*) echo "compare-enacted.sh: unknown option $1" >&2; exit 2 ;;
	*) scen+=("$1"); shift ;;
	esac
done
command -v jq >/dev/null || { echo "compare-enacted.sh: jq is required" >&2; exit 2; }
[[ -d $caps ]] || { echo "compare-enacted.sh: no captures dir $caps" >&2; exit 2; }
caps=$(cd "$caps" && pwd)
if ((${#scen[@]} == 0)); then
	for d in "$caps"/*/; do [[ -f $d/meta.json ]] && scen+=("$(basename "$d")"); done
fi
((${#scen[@]})) || { echo "compare-enacted.sh: no scenario in $caps" >&2; exit 2; }
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/enacted-results.XXXXXX")}
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/compare-enacted.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# trace_of SCEN TAG I -> path of a plain trace (decompressed into $tmp when .gz)
trace_of() {
	local d=$caps/$1 f
	f=$d/$2.$3.trace
	if [[ -f $f ]]; then echo "$f"; return; fi
	if [[ -f $f.gz ]]; then
		mkdir -p "$tmp/$1"
		gzip -dc "$f.gz" > "$tmp/$1/$2.$3.trace" && echo "$tmp/$1/$2.$3.trace"
		return
	fi
	return 1
}
ms() { awk -v n="$1" 'BEGIN { if (n == "" || n == "null") print "null"; else printf "%.1f", n / 1e6 }'; }

# The inputs of one boot the replay takes from the capture (docs/fidelity.md, "The comparison"),
# first occurrence after the anchor: {key: ns after the anchor}.  Keys: "load:MODULE" (a
# scenario modprobe: userspace), "component:NAME" for the components stock.1 shows registered
# from a work item or a firmware callback (EXO, a JSON array of names: kernel timers and firmware
# loading), "timeout" (the deferred_probe_timeout work running: the timer wheel's rounding).
inputs_of() { # TRACE ANCHOR_MODULE EXO
	jq -s -c --arg m "$2" --argjson exo "$3" '[.[] | select(type == "object")] as $e
		| ([$e[] | select(.ev == "module_load" and .module == $m) | .t] | first) as $a
		| if $a == null then {} else
		  reduce ($e[] | select(.t >= $a)
		      | if .ev == "module_load" then {k: ("load:" + .module), t}
		        elif .ev == "component_add" and ((.name // "") as $n | $exo | index($n)) != null then {k: ("component:" + .name), t}
		        elif .ev == "timeout_fired" or (.ev == "trigger" and .cause == "timeout") then {k: "timeout", t}
		        else empty end) as $x ({};
		    if has($x.k) then . else . + {($x.k): ($x.t - $a)} end) end' "$1"
}

# per trace facts: anchor, target's first bound time, its successful probe duration,
# enact kicks bound
trace_facts() { # TRACE TARGET ANCHOR_MODULE -> JSON {anchor, bound_t, probe_ns, kicks}
	jq -s -c --arg t "$2" --arg m "$3" '
		[.[] | select(type == "object")] as $e
		| ([$e[] | select(.ev == "module_load" and .module == $m) | .t] | first) as $anchor
		| ([$e[] | select(.ev == "bound" and .dev == $t) | .t] | first) as $bt
		| ([$e[] | select(.ev == "probe_end" and .dev == $t and (.outcome == "bound" or .ret == 0)) | .t] | first) as $pe
		| ([$e[] | select(.ev == "probe_start" and .dev == $t and $pe != null and .t <= $pe) | .t] | last) as $ps
		| { anchor: $anchor, bound_t: $bt,
		    probe_ns: (if $pe != null and $ps != null then $pe - $ps else null end),
		    kicks: ([$e[] | select(.ev == "bound" and ((.dev // "") | startswith("reprobe-enact.")))] | length) }' "$1"
}

rows=$out/rows.ndjson
: > "$rows"
rc_fail=0 n_pred_fail=0 n_fid_fail=0 n_enact_fail=0 n_rows=0 n_abs_miss=0 n_boots_timed=0
for s in "${scen[@]}"; do
	d=$caps/$s
	meta=$d/meta.json
	[[ -f $meta ]] || { echo "compare-enacted.sh: $meta missing" >&2; exit 2; }
	target=$(jq -r .target "$meta")
	amod=$(jq -r .anchor_module "$meta")
	base=$(trace_of "$s" stock 1) || { echo "compare-enacted.sh: $s: stock.1 trace missing" >&2; exit 2; }
	base_f=$(trace_facts "$base" "$target" "$amod")
	base_anchor=$(jq -r .anchor <<<"$base_f")
	[[ $base_anchor != null ]] || { echo "compare-enacted.sh: $s: no module_load of $amod in stock.1 (anchor)" >&2; exit 2; }
	exo=$("$reprobe" replay "$base" --target "$target" --policy stock --format json 2>/dev/null |
		jq -c '[.providers[]? | select(.context == "work" or .context == "fw_callback") | .resource
		        | select(startswith("component:")) | ltrimstr("component:")]')
	[[ -n $exo ]] || exo='[]'
	base_inputs=$(inputs_of "$base" "$amod" "$exo")
	mapfile -t tags < <(jq -r '.policies[] | "\(.tag)\t\(.policy)"' "$meta")
	for tp in "${tags[@]}"; do
		tag=${tp%%$'\t'*} pol=${tp#*$'\t'}
		# ---- prediction from the stock capture
		pj=$tmp/pred.json
		if ! "$reprobe" replay "$base" --target "$target" --policy "$pol" --format json -o "$pj" 2>"$tmp/pred.err"; then
			echo "compare-enacted.sh: $s: replay --policy $pol failed: $(head -3 "$tmp/pred.err")" >&2
			pred_json='{"verdict":"error"}'
		else
			pred_json=$(jq -c --arg t "$target" --argjson a "$base_anchor" '
				.policies[0] as $p
				| ([$p.targets[]? | select(.device == $t)] | first) as $tg
				| (if ($p | has("target_bound")) then $p.target_bound else $tg.bound end) as $v
				| { verdict: (if $v == null then "null" else ($v | tostring) end),
				    undetermined: ($p.undetermined // []),
				    bound_rel_ns: (if $v == true and ($tg.bound_at_ns // null) != null then $tg.bound_at_ns - $a else null end),
				    range_rel_ns: (($tg.bound_at_range_ns // $p.bound_at_range_ns // null) as $rg | if $rg != null then [$rg[0] - $a, $rg[1] - $a] else null end) }' "$pj")
		fi
		# ---- the inputs this policy leaves where the capture has them: sync-provider moves every
		# later modprobe and registration (they wait for the inline work), a timeout policy the
		# timeout work; what it moves is the model's to predict, never a reference
		case $pol in
		sync-provider*) pol_inputs='{}' ;;
		*timeout*) pol_inputs=$(jq -c 'del(.timeout)' <<<"$base_inputs") ;;
		*) pol_inputs=$base_inputs ;;
		esac
		# ---- the enacted repeats
		reals='[]'
		i=1
		while tr=$(trace_of "$s" "$tag" "$i"); do
			gt=$d/$tag.$i.ground-truth.json
			[[ -f $gt ]] || { echo "compare-enacted.sh: $gt missing" >&2; exit 2; }
			f=$(trace_facts "$tr" "$target" "$amod")
			verdict=$(jq -r --arg t "$target" '([.bound[] | select(.dev == $t and .driver != null)] | length > 0)
				and ([.deferred[] | select(.dev == $t)] | length == 0)' "$gt")
			# enactment sanity: throwaway devices bound to reprobe-enact, no component of theirs
			enact_ok=$(jq -r --arg tag "$tag" '
				[.bound[] | select(.dev | startswith("reprobe-enact."))] as $k
				| ([$k[] | select(.driver != "reprobe-enact")] | length == 0)
				  and ([.components[] | select(startswith("reprobe-enact"))] | length == 0)
				  and (if ($tag | test("^(component-kick|provider-kick|periodic)")) then true else ($k | length == 0) end)' "$gt")
			status=$(jq -r .status "$gt")
			extra=''
			[[ -f $d/runs.tsv ]] && extra=$(awk -F'\t' -v t="$tag" -v i="$i" '$1 == t && $2 == i { print $4 }' "$d/runs.tsv")
			[[ -z $extra || $extra == ok ]] || enact_ok=false
			# module-load skew: how far this boot's userspace steps (modprobe of each scenario
			# module) and the timeout work drifted from the stock capture's (results.tsv/json)
			inp=$(inputs_of "$tr" "$amod" "$exo")
			skew=$(jq -n -c --argjson a "$base_inputs" --argjson b "$inp" \
				'[$a | keys[] | select((startswith("load:") or . == "timeout") and $b[.] != null) | ($a[.] - $b[.]) | fabs] | max // 0')
			fid=$("$reprobe" replay "$tr" --target "$target" --policy stock --format json 2>/dev/null | jq -c '{exact: .fidelity.exact, div: (.fidelity.divergences // [] | length), first: (.fidelity.divergences // [] | first)}')
			[[ -n $fid ]] || fid='{"exact":null,"div":null,"first":"replay failed"}'
			reals=$(jq -c --argjson f "$f" --arg v "$verdict" --argjson fid "$fid" --arg ok "$enact_ok" --arg st "$status" --argjson i "$i" --argjson sk "$skew" --argjson inp "$inp" \
				'. + [{i: $i, skew_ns: $sk, inputs: $inp, verdict: $v, status: $st, bound_rel_ns: (if $v == "true" and $f.bound_t != null and $f.anchor != null then $f.bound_t - $f.anchor else null end),
				       probe_ns: $f.probe_ns, kicks: $f.kicks, enact_ok: ($ok == "true"), fidelity: $fid}]' <<<"$reals")
			i=$((i + 1))
		done
		((i > 1)) || { echo "compare-enacted.sh: $s: no capture of policy $tag" >&2; exit 2; }
		# ---- verdicts
		row=$(jq -c -n --arg s "$s" --arg tag "$tag" --arg pol "$pol" --arg t "$target" --argjson p "$pred_json" --argjson r "$reals" --argjson pin "$pol_inputs" '
			# a predicted time moved by the drift of its reference input: the latest input in the
			# 50 ms before it in stock.1 that this boot has too -- the event the prediction says the
			# bind follows at once; none: the anchor, drift 0 (an input further back is not taken:
			# the bind may wait for something else, e.g. a probe window, since)
			def retime($v; $rr):
				([$pin | to_entries[] | select(.value <= $v and .value >= $v - 50000000 and $rr.inputs[.key] != null)] | max_by(.value)) as $ref
				| if $ref == null then {v: $v, ref: "anchor", drift_ns: 0}
				  else {v: ($v + $rr.inputs[$ref.key] - $ref.value), ref: $ref.key, drift_ns: ($rr.inputs[$ref.key] - $ref.value)} end;
			def cerr($rr):
				if $p.verdict != "true" or $rr.verdict != "true" or $rr.bound_rel_ns == null then null
				elif $p.range_rel_ns != null then
					(retime($p.range_rel_ns[0]; $rr).v) as $lo | (retime($p.range_rel_ns[1]; $rr).v) as $hi
					| (if $rr.bound_rel_ns < $lo then $lo - $rr.bound_rel_ns elif $rr.bound_rel_ns > $hi then $rr.bound_rel_ns - $hi else 0 end)
				elif $p.bound_rel_ns == null then null
				else (retime($p.bound_rel_ns; $rr).v - $rr.bound_rel_ns) | fabs end;
			def cref($rr):
				if $p.verdict != "true" or $rr.verdict != "true" then null
				elif $p.range_rel_ns != null then retime($p.range_rel_ns[1]; $rr)
				elif $p.bound_rel_ns == null then null else retime($p.bound_rel_ns; $rr) end;
			def err($rr):
				if $p.verdict != "true" or $rr.verdict != "true" or $rr.bound_rel_ns == null then null
				elif $p.range_rel_ns != null then
					(if $rr.bound_rel_ns < $p.range_rel_ns[0] then $p.range_rel_ns[0] - $rr.bound_rel_ns
					 elif $rr.bound_rel_ns > $p.range_rel_ns[1] then $rr.bound_rel_ns - $p.range_rel_ns[1] else 0 end)
				elif $p.bound_rel_ns == null then null
				else ($p.bound_rel_ns - $rr.bound_rel_ns) | fabs end;
			def tol($rr): 50000000 + ($rr.probe_ns // 0);
			($r | map(. + {error_ns: err(.), tol_ns: tol(.), cond_error_ns: cerr(.), reference: cref(.)} | del(.inputs))) as $rs
			| ([$rs[].verdict] | unique) as $vs
			| { scenario: $s, tag: $tag, policy: $pol, target: $t, predicted: $p, real: $rs,
			    varies: ($vs | length > 1),
			    verdict_ok: ($p.verdict == "null" or ([$rs[] | select(.verdict != $p.verdict)] | length == 0)),
			    time_ok: ([$rs[] | select(.error_ns != null and .error_ns > .tol_ns)] | length == 0),
			    time_ok_after_input: ([$rs[] | select(.cond_error_ns != null and .cond_error_ns > .tol_ns)] | length == 0),
			    time_checked: ([$rs[] | select(.error_ns != null)] | length),
			    fidelity_ok: ([$rs[] | select(.fidelity.exact != true)] | length == 0),
			    enact_ok: ([$rs[] | select(.enact_ok != true or .status != "ok")] | length == 0) }
			| . + { prediction_ok: (.verdict_ok and .time_ok_after_input) }
			| . + { check: (if (.fidelity_ok and .enact_ok | not) then "FAIL"
			                 elif .verdict_ok | not then "FAIL (verdict)"
			                 elif .time_ok_after_input | not then "FAIL (time)"
			                 elif .time_ok | not then "PASS (after its input)"
			                 elif $p.verdict == "null" then "PASS (undetermined)" else "PASS" end) }')
		echo "$row" >> "$rows"
		n_rows=$((n_rows + 1))
		[[ $(jq -r .prediction_ok <<<"$row") == true ]] || { n_pred_fail=$((n_pred_fail + 1)); ((fail_pred == 1)) && rc_fail=1; }
		n_abs_miss=$((n_abs_miss + $(jq '[.real[] | select(.error_ns != null and .error_ns > .tol_ns)] | length' <<<"$row")))
		n_boots_timed=$((n_boots_timed + $(jq .time_checked <<<"$row")))
		# --fail-on-verdict: only a confident wrong verdict fails (a bind time outside the tolerance
		# is reported, not failed: real timing varies between boots; docs/fidelity.md)
		((fail_pred == 2)) && [[ $(jq -r .verdict_ok <<<"$row") != true ]] && rc_fail=1
		[[ $(jq -r .fidelity_ok <<<"$row") == true ]] || { n_fid_fail=$((n_fid_fail + 1)); rc_fail=1; }
		[[ $(jq -r .enact_ok <<<"$row") == true ]] || { n_enact_fail=$((n_enact_fail + 1)); rc_fail=1; }
	done
done

# ---- outputs
jq -s '{generated_by: "tests/vm/compare-enacted.sh", reprobe: $b, rows: .}' --arg b "$("$reprobe" --version 2>/dev/null | head -1)" "$rows" > "$out/results.json"
{
	printf 'scenario\tpolicy\tpredicted\treal\tvaries\tpred_bind_ms\treal_bind_ms\terror_ms\ttol_ms\tskew_ms\treference\tdrift_ms\terror_after_input_ms\tfidelity\tkicks\tcheck\n'
	jq -r -s '.[] |
		def ms: if . == null then "-" else (. / 1e6 * 10 | round / 10 | tostring) end;
		[.scenario, .policy, .predicted.verdict,
		 ([.real[].verdict] | join(",")), (.varies | tostring),
		 (if .predicted.range_rel_ns != null then "\(.predicted.range_rel_ns[0] | ms)..\(.predicted.range_rel_ns[1] | ms)" else (.predicted.bound_rel_ns | ms) end),
		 ([.real[].bound_rel_ns | ms] | join(",")),
		 ([.real[].error_ns | ms] | join(",")),
		 ([.real[].tol_ns | ms] | join(",")),
		 ([.real[].skew_ns | ms] | join(",")),
		 ([.real[] | .reference.ref // "-"] | join(",")),
		 ([.real[] | .reference.drift_ns | ms] | join(",")),
		 ([.real[].cond_error_ns | ms] | join(",")),
		 (if .fidelity_ok then "exact" else ([.real[] | .fidelity.exact | tostring] | join(",")) end),
		 ([.real[].kicks | tostring] | join(",")),
		 .check] | @tsv' "$rows"
} > "$out/results.tsv"
{
	echo "| scenario | policy | predicted | real (per repeat) | predicted bind (ms) | real bind (ms) | error (ms) / tolerance | reference input: drift → error after it (ms) | stock replay of the enacted trace | kicks | check |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	jq -r -s '.[] |
		def ms: if . == null then "–" else (. / 1e6 | round | tostring) end;
		def v: if . == "true" then "bound" elif . == "false" then "stranded" elif . == "null" then "undetermined" else . end;
		"| \(.scenario) | \(.policy) | \(.predicted.verdict | v)\(if (.predicted.undetermined | length) > 0 then " (" + (.predicted.undetermined | join("; ")) + ")" else "" end) | \([.real[].verdict | v] | join(", "))\(if .varies then " **varies**" else "" end) | \(if .predicted.range_rel_ns != null then "\(.predicted.range_rel_ns[0] | ms)–\(.predicted.range_rel_ns[1] | ms)" else (.predicted.bound_rel_ns | ms) end) | \([.real[].bound_rel_ns | ms] | join(", ")) | \(if .time_checked == 0 then "–" else ([.real[] | "\(.error_ns | ms)/\(.tol_ns | ms)"] | join(", ")) end) | \(if .time_checked == 0 then "–" else ([.real[] | select(.reference != null) | "\(.reference.ref): \(if .reference.drift_ns >= 0 then "+" else "" end)\(.reference.drift_ns | ms) → \(.cond_error_ns | ms)"] | join(", ")) end) | \(if .fidelity_ok then "exact" else "**not exact** (" + ([.real[] | select(.fidelity.exact != true) | "#\(.i): \(.fidelity.div) divergences"] | join("; ")) + ")" end) | \([.real[].kicks | tostring] | join(",")) | \(if (.check | startswith("PASS")) then .check else "**" + .check + "**" end) |"' "$rows"
	echo
	echo "$n_rows cases; prediction failures: $n_pred_fail; boots whose bind time is off by more than the tolerance from the anchor: $n_abs_miss of $n_boots_timed (all of them within it after their reference input unless a case says FAIL); stock replay of an enacted trace not exact: $n_fid_fail; enactment problems: $n_enact_fail."
	echo "Times are ms after the anchor (module_load of the scenario's first test module, each trace's own clock); tolerance = 50 ms + the target's observed successful probe duration; a predicted range counts as 0 error inside it. Reference input: the latest input in the 50 ms up to the predicted time (each end of a range) in stock.1 that the policy leaves in place and the boot has too (a scenario modprobe, a component registered from a work item or a firmware callback, the timeout work; none under sync-provider, which moves them all; anchor = none); drift = its time in this boot minus its time in stock.1; error after it = the error once the prediction is moved by that drift. \"PASS (after its input)\": off by more than the tolerance from the anchor, within it after the reference input (the boot's own userspace, firmware or timer timing, which the replay takes from the capture). FAIL (time) = off by more than the tolerance even after it."
} > "$out/results.md"
((quiet)) || cat "$out/results.md"
echo "compare-enacted.sh: results in $out (results.md, results.tsv, results.json)" >&2
exit $rc_fail
