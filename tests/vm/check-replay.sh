#!/bin/bash
# tests/vm/check-replay.sh -- host-side assertions on a real capture.
#
#   tests/vm/check-replay.sh REPROBE DIR
#
# DIR is a run-scenario.sh output with trace.ndjson and ground-truth.json.
# Replays the trace under every policy (DIR/replay.json) and asserts:
#   1. the trace came from the eBPF tracer (source "bpf") and lost nothing;
#   2. fidelity.exact: the stock replay reproduces the observed bound set and
#      per-device attempt counts (divergences are printed);
#   3. the stock verdict for the target matches the real kernel: the target is
#      bound in the replay <=> it is bound in the guest and not in devices_deferred;
#   4. when the real kernel stranded the target, the rescue policies
#      (provider-kick, component-kick, resource-kick, resource-aware) bind it.
# Exit: 0 all hold, 1 an assertion failed, 2 missing files.
set -uo pipefail
reprobe=$1
dir=$2
trace=$dir/trace.ndjson
truth=$dir/ground-truth.json
for f in "$trace" "$truth"; do [[ -s $f ]] || { echo "check-replay: $f is missing or empty" >&2; exit 2; }; done
command -v jq >/dev/null || { echo "check-replay: jq is required" >&2; exit 2; }

fail=0
bad() { echo "check-replay: FAIL: $*" >&2; fail=1; }

src=$(head -1 "$trace" | jq -r .source)
[[ $src == bpf ]] || bad "trace source is '$src', expected bpf"
end=$(tail -1 "$trace")
[[ $(jq -r .ev <<<"$end") == end ]] || bad "trace has no end line (recorder did not stop cleanly)"
dropped=$(jq -r '.dropped // 0' <<<"$end")
[[ $dropped == 0 ]] || bad "the recorder dropped $dropped events"

if ! "$reprobe" replay "$trace" --all-policies -f json -o "$dir/replay.json" 2>"$dir/replay.err"; then
  cat "$dir/replay.err" >&2
  bad "reprobe replay failed"
  exit 1
fi
"$reprobe" replay "$trace" --all-policies >"$dir/replay.txt" 2>/dev/null
j=$dir/replay.json

if [[ $(jq -r .fidelity.exact "$j") != true ]]; then
  bad "fidelity is not exact:"
  jq -r '.fidelity.divergences[]' "$j" | sed 's/^/    /' >&2
fi

mapfile -t targets < <(jq -r '.target[]' "$j")
((${#targets[@]})) || bad "no target device in the replay"
for t in "${targets[@]}"; do
  real_bound=$(jq -r --arg d "$t" '[.bound[] | select(.dev == $d and .driver != null)] | length > 0' "$truth")
  real_deferred=$(jq -r --arg d "$t" '[.deferred[] | select(.dev == $d)] | length > 0' "$truth")
  real=false
  [[ $real_bound == true && $real_deferred == false ]] && real=true
  stock=$(jq -r --arg d "$t" '.policies[] | select(.policy == "stock") | .targets[] | select(.device == $d) | .bound' "$j")
  if [[ $stock != "$real" ]]; then
    bad "$t: stock replay says bound=$stock, the real kernel says bound=$real"
  else
    echo "check-replay: $t: stock replay bound=$stock, as the real kernel"
  fi
  if [[ $real == false ]]; then
    for p in provider-kick component-kick resource-kick resource-aware; do
      b=$(jq -r --arg d "$t" --arg p "$p" '.policies[] | select(.policy == $p) | .targets[] | select(.device == $d) | .bound' "$j")
      [[ $b == true ]] || bad "$t: stranded under $p (a rescue policy should bind it)"
    done
    ((fail)) || echo "check-replay: $t: rescued by provider-kick, component-kick, resource-kick, resource-aware"
  fi
done
exit $fail
