#!/bin/bash
# tests/import_vs_bpf.sh -- imported real kernel logs vs the recorder's trace of the same
# guest run (issue 4 §3).  No VM needed: it uses the committed runs in tests/data/logs/
# (tests/vm/run-log-suite.sh --update-logs makes them).
#
#   tests/import_vs_bpf.sh REPROBE [--limits FILE] DIR...
#
# A DIR holding meta.json is one run; any other DIR stands for its subdirectories that
# hold one.  Per run, the reference is the recorder's trace of that run (bpf.trace, or
# kmsg.trace for the `kmsg` variant, recorded by `reprobe record --backend kmsg`).  For
# each kernel log of the run (kmsg.log[.gz]: raw /dev/kmsg records; dmesg.txt[.gz]:
# plain dmesg text; and, when a device was still deferred at the end, dmesg.txt plus
# devices_deferred.txt as a bug report pastes them, label dmesg+devices_deferred) it runs
# `reprobe import LOG...` and then `reprobe replay --all-policies
# -f json` on the imported trace and on the reference, with the reference's targets
# (`--target`), and asserts:
#   1. the import succeeds and its header says source dmesg or kmsg;
#   2. the replay of the import has fidelity confidence "lower";
#   3. the same policies are reported and, under every one, the same target verdict:
#      target_bound, each target's bound, and which targets are stranded;
#   4. the stock verdict of the import and of the reference equal what the real kernel did
#      (ground-truth.json: a target is bound <=> bound in the guest, not in devices_deferred).
# A difference the log cannot avoid is listed in known-limits.tsv next to the runs (or in
# --limits FILE)
# (RUN<TAB>LOG<TAB>POLICIES<TAB>KIND<TAB>WHY; LOG kmsg.log, dmesg.txt,
# dmesg+devices_deferred or *; POLICIES a
# comma list or all; KIND verdict = that verdict may differ, absent = the log never names
# the target, so the replay must refuse --target with "no such device"). Such a difference
# is printed as "known limit", not failed; a listed limit that no longer shows is printed.
# Everything else is reported, not asserted: per policy probe_attempts, deferrals,
# triggers (by cause), triggers_ignored, timeout fired_at, target bound_at deltas,
# per-target attempts/deferrals/assumed_success, the targets the import finds by itself,
# fidelity (exact, confidence, number of divergences) and the imported event counts.
# Exit: 0 every assertion held, 1 one failed, 2 usage / missing files / no jq.
set -uo pipefail

usage() { sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d' >&2; exit 2; }
(($# >= 2)) || usage
reprobe=$1; shift
limits=
if [[ ${1:-} == --limits ]]; then limits=${2:?--limits needs a file}; shift 2; fi
(($# >= 1)) || usage
[[ -x $reprobe ]] || { echo "import_vs_bpf.sh: $reprobe is not executable" >&2; exit 2; }
command -v jq >/dev/null || { echo "import_vs_bpf.sh: jq is required (scripts/install-deps.sh)" >&2; exit 2; }

runs=()
for a in "$@"; do
  if [[ -f $a/meta.json ]]; then
    runs+=("$a")
  elif [[ -d $a ]]; then
    for d in "$a"/*/; do [[ -f $d/meta.json ]] && runs+=("${d%/}"); done
  else
    echo "import_vs_bpf.sh: $a: no such directory" >&2; exit 2
  fi
done
((${#runs[@]})) || { echo "import_vs_bpf.sh: no runs (directories with meta.json) in $*" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/import_vs_bpf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail=0
bad() { echo "  FAIL: $*"; fail=1; }

# known_limit RUNDIR RUN LOG POLICY KIND -> prints WHY and succeeds when listed
known_limit() {
  local tsv=${limits:-$(dirname "$1")/known-limits.tsv}
  [[ -f $tsv ]] || return 1
  awk -F'\t' -v run="$2" -v lg="$3" -v pol="$4" -v kind="$5" '
    /^#/ || NF < 5 { next }
    $1 == run && ($2 == lg || $2 == "*") && $4 == kind {
      n = split($3, ps, ","); for (i = 1; i <= n; i++) if (ps[i] == pol || ps[i] == "all") { print $5; found = 1; exit } }
    END { exit !found }' "$tsv"
}

# the verdict of one policy, per target: a canonical JSON value
verdicts() { # REPLAY_JSON -> {policy: {target_bound, targets:{dev:bound}, stranded:[targets]}}
  jq -S '(.target) as $t | [.policies[] | {key: .policy, value: {
           target_bound,
           targets: ([.targets[] | {key: .device, value: .bound}] | from_entries),
           stranded: ([.stranded[].device | select(. as $d | $t | index($d))] | sort)}}]
         | from_entries' "$1"
}

# per-policy field differences, one line each (reported, not asserted)
field_report() { # REF_JSON IMP_JSON
  jq -r -n --slurpfile r "$1" --slurpfile i "$2" '
    def ms: if . == null then "null" else (. / 1e6 * 1000 | round / 1000 | tostring) + " ms" end;
    def delta($a; $b): if $a == null or $b == null then "" else
        " (" + (if $b >= $a then "+" else "" end) + ((($b - $a) / 1e6 * 1000 | round) / 1000 | tostring) + " ms)" end;
    $r[0] as $R | $i[0] as $I |
    $R.policies[] as $a | ($I.policies[] | select(.policy == $a.policy)) as $b |
    ([ (["probe_attempts", "deferrals", "triggers", "triggers_ignored"][] as $f
          | select($a[$f] != $b[$f]) | "\($f) \($a[$f]) -> \($b[$f])"),
       (select($a.triggers_by_cause != $b.triggers_by_cause)
          | "triggers_by_cause \($a.triggers_by_cause | tojson) -> \($b.triggers_by_cause | tojson)"),
       (select($a.target_bound_at_ns != $b.target_bound_at_ns)
          | "target_bound_at \($a.target_bound_at_ns | ms) -> \($b.target_bound_at_ns | ms)\(delta($a.target_bound_at_ns; $b.target_bound_at_ns))"),
       (select($a.timeout.fired_at_ns != $b.timeout.fired_at_ns)
          | "timeout fired_at \($a.timeout.fired_at_ns | ms) -> \($b.timeout.fired_at_ns | ms)"),
       (select($a.timeout.secs != $b.timeout.secs) | "timeout secs \($a.timeout.secs) -> \($b.timeout.secs)"),
       ($a.targets[] as $ta | ($b.targets[] | select(.device == $ta.device)) as $tb |
          (["probe_attempts", "deferrals", "assumed_success"][] as $f
             | select($ta[$f] != $tb[$f]) | "\($ta.device) \($f) \($ta[$f]) -> \($tb[$f])"),
          (select($ta.bound_at_ns != $tb.bound_at_ns)
             | "\($ta.device) bound_at \($ta.bound_at_ns | ms) -> \($tb.bound_at_ns | ms)\(delta($ta.bound_at_ns; $tb.bound_at_ns))"))
     ] | if length == 0 then "    \($a.policy): no difference"
         else "    \($a.policy): " + join("; ") end)'
}

for run in "${runs[@]}"; do
  name=$(jq -r '"\(.scenario)-\(.variant)"' "$run/meta.json")
  ref=
  for f in bpf.trace kmsg.trace; do [[ -s $run/$f ]] && { ref=$run/$f; break; }; done
  truth=$run/ground-truth.json
  echo "== $name (reference $(basename "${ref:-none}"))"
  [[ -n $ref && -s $truth ]] || { bad "$run: needs bpf.trace or kmsg.trace and ground-truth.json"; continue; }
  w=$tmp/$name; mkdir -p "$w"
  if ! "$reprobe" replay "$ref" --all-policies -f json -o "$w/ref.json" 2>"$w/ref.err"; then
    bad "replay of the reference $ref failed: $(head -3 "$w/ref.err")"; continue
  fi
  mapfile -t targets < <(jq -r '.target[]' "$w/ref.json")
  ((${#targets[@]})) || { bad "the reference replay has no target"; continue; }
  target_args=()
  for t in "${targets[@]}"; do target_args+=(--target "$t"); done
  verdicts "$w/ref.json" >"$w/ref.verdict"
  for t in "${targets[@]}"; do
    real=$(jq -r --arg d "$t" '([.bound[] | select(.dev == $d and .driver != null)] | length > 0)
            and ([.deferred[] | select(.dev == $d)] | length == 0)' "$truth")
    st=$(jq -r --arg d "$t" '.policies[] | select(.policy == "stock") | .targets[] | select(.device == $d) | .bound' "$w/ref.json")
    [[ $st == "$real" ]] || bad "$t: the reference's stock replay says bound=$st, the real kernel said bound=$real"
  done
  echo "  reference: source $(jq -r .source "$w/ref.json"), targets [${targets[*]}], fidelity exact=$(jq -r .fidelity.exact "$w/ref.json") confidence=$(jq -r .fidelity.confidence "$w/ref.json")"

  # inputs: label -> files; the bug-report form (the log plus a pasted devices_deferred)
  # when something was still deferred at the end
  labels=() inputs=() dmesg_file=
  for f in kmsg.log kmsg.log.gz dmesg.txt dmesg.txt.gz; do
    [[ -s $run/$f ]] && { labels+=("${f%.gz}"); inputs+=("$run/$f"); dmesg_file=$run/$f; }
  done
  ((${#labels[@]})) || { bad "$run has no kmsg.log[.gz] or dmesg.txt[.gz]"; continue; }
  if [[ -s $run/devices_deferred.txt && $dmesg_file == */dmesg.txt* ]]; then
    labels+=(dmesg+devices_deferred); inputs+=("$dmesg_file|$run/devices_deferred.txt")
  fi
  for k in "${!labels[@]}"; do
    lname=${labels[$k]}
    IFS='|' read -r -a files <<<"${inputs[$k]}"
    echo "  -- $(for f in "${files[@]}"; do basename "$f"; done | paste -sd+)"
    imp=$w/$lname.trace
    if ! "$reprobe" import "${files[@]}" -o "$imp" 2>"$w/$lname.import.err"; then
      bad "reprobe import of $lname failed:"; sed 's/^/      /' "$w/$lname.import.err" | head -20; continue
    fi
    src_kind=$(head -1 "$imp" | jq -r .source)
    [[ $src_kind == dmesg || $src_kind == kmsg ]] || bad "imported trace source is '$src_kind', expected dmesg or kmsg"
    echo "    imported: source $src_kind, $(($(wc -l <"$imp") - 1)) lines after the header: $(tail -n +2 "$imp" |
      jq -r '.ev' | sort | uniq -c | sort -k1,1nr -k2 | awk '{ printf "%s%s %s", (n++ ? ", " : ""), $2, $1 }')"
    # what the import finds by itself (reported)
    auto=$("$reprobe" replay "$imp" -f json 2>/dev/null | jq -r '.target | join(" ")' 2>/dev/null)
    [[ $auto == "${targets[*]}" ]] || echo "    targets found by the import alone: [${auto:-none (replay needs --target)}]"
    if ! "$reprobe" replay "$imp" --all-policies "${target_args[@]}" -f json -o "$w/$lname.json" 2>"$w/$lname.replay.err"; then
      if grep -q 'no such device in the trace' "$w/$lname.replay.err" &&
         why=$(known_limit "$run" "$name" "$lname" all absent); then
        echo "    known limit: the target is not in this log ($why)"
      else
        bad "replay of the imported $lname failed:"; sed 's/^/      /' "$w/$lname.replay.err" | head -10
      fi
      continue
    fi
    if why=$(known_limit "$run" "$name" "$lname" all absent); then
      echo "    listed limit no longer shows: the import now knows the target (known-limits.tsv: $why)"
    fi
    conf=$(jq -r .fidelity.confidence "$w/$lname.json")
    [[ $conf == lower ]] || bad "imported replay fidelity confidence is '$conf', expected lower"
    verdicts "$w/$lname.json" >"$w/$lname.verdict"
    same=$(jq -n --slurpfile a "$w/ref.verdict" --slurpfile b "$w/$lname.verdict" \
      '[$a[0] | keys[] as $p | select($a[0][$p] == $b[0][$p])] | length')
    total=$(jq 'keys | length' "$w/ref.verdict")
    if [[ $(jq -S 'keys' "$w/ref.verdict") != "$(jq -S 'keys' "$w/$lname.verdict")" ]]; then
      bad "policies differ: reference $(jq -c keys "$w/ref.verdict"), import $(jq -c keys "$w/$lname.verdict")"
    fi
    if cmp -s "$w/ref.verdict" "$w/$lname.verdict"; then
      echo "    verdict: same under $total/$total policies: $(jq -r '[.policies[] | "\(.policy) \(if .target_bound then "bound" else "stranded" end)"] | join(", ")' "$w/ref.json")"
    else
      echo "    verdict: same under $same/$total policies; differs under:"
    fi
    mapfile -t differing < <(jq -r -n --slurpfile a "$w/ref.verdict" --slurpfile b "$w/$lname.verdict" \
      '$a[0] | keys[] as $p | select($a[0][$p] != $b[0][$p]) | $p')
    declare -A limited=()
    for p in ${differing[@]+"${differing[@]}"}; do
      detail=$(jq -r -n --slurpfile a "$w/ref.verdict" --slurpfile b "$w/$lname.verdict" --arg p "$p" \
        '"reference \($a[0][$p] | tojson), import \($b[0][$p] | tojson)"')
      if why=$(known_limit "$run" "$name" "$lname" "$p" verdict); then
        limited[$why]+="${limited[$why]:+, }$p"
        echo "      $p: $detail"
      else
        bad "$p: $detail"
      fi
    done
    for why in "${!limited[@]}"; do echo "      known limit for ${limited[$why]}: $why"; done
    unset limited
    while IFS=$'\t' read -r lrun llog lpols lkind lwhy; do
      [[ $lrun == "$name" && ($llog == "$lname" || $llog == '*') && $lkind == verdict ]] || continue
      IFS=, read -r -a lp <<<"$lpols"
      for p in "${lp[@]}"; do
        [[ " ${differing[*]} " == *" $p "* ]] || echo "      listed limit no longer shows: $p verdict is now the same ($lwhy)"
      done
    done < <(grep -v '^#' "${limits:-$(dirname "$run")/known-limits.tsv}" 2>/dev/null)
    # the real kernel's outcome (stock)
    for t in "${targets[@]}"; do
      real=$(jq -r --arg d "$t" '([.bound[] | select(.dev == $d and .driver != null)] | length > 0)
              and ([.deferred[] | select(.dev == $d)] | length == 0)' "$truth")
      st=$(jq -r --arg d "$t" '.policies[] | select(.policy == "stock") | .targets[] | select(.device == $d) | .bound' "$w/$lname.json")
      if [[ $st != "$real" ]] && ! known_limit "$run" "$name" "$lname" stock verdict >/dev/null; then
        bad "$t: imported stock replay says bound=$st, the real kernel said bound=$real"
      fi
    done
    echo "    fidelity: exact $(jq -r .fidelity.exact "$w/ref.json") -> $(jq -r .fidelity.exact "$w/$lname.json"), confidence $(jq -r .fidelity.confidence "$w/ref.json") -> $conf, divergences $(jq '.fidelity.divergences | length' "$w/ref.json") -> $(jq '.fidelity.divergences | length' "$w/$lname.json")"
    jq -r '.fidelity.divergences[] | "      divergence: " + .' "$w/$lname.json"
    echo "    fields (reference -> import):"
    field_report "$w/ref.json" "$w/$lname.json"
  done
done
echo
if ((fail)); then echo "import_vs_bpf.sh: FAILED (${#runs[@]} runs)"; else echo "import_vs_bpf.sh: ok (${#runs[@]} runs)"; fi
exit $fail
