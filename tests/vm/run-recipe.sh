#!/bin/bash
# tests/vm/run-recipe.sh -- the log recipe (`reprobe import --recipe`) on the real kernel.
#
#   tests/vm/run-recipe.sh BUILDDIR [--out DIR] [SCENARIO...]     (default: sof-late-component)
#
# Boots each scenario (tests/vm/run-scenario.sh, no tracer, no dynamic debug written at run
# time) with exactly the kernel parameters `reprobe import --recipe-parameters` prints, then
# does what the recipe tells users: the kernel log of the boot (dmesg.txt) plus
# /sys/kernel/debug/devices_deferred, `reprobe import`, `reprobe replay --all-policies`.
# Asserts: the guest's ground truth (#@expect), the stock replay of the imported log is exact
# (fidelity.exact) and says about the target what the kernel did (bound <=> bound and not
# deferred). The target is the scenario's card device (#@recipe-target, else the replay's own).
# Needs root. Exit: 0 all passed, 1 a scenario failed, 2 usage / setup error.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-}
[[ -n "$build" && -d "$build" ]] || { echo "usage: run-recipe.sh BUILDDIR [--out DIR] [SCENARIO...]" >&2; exit 2; }
build=$(cd "$build" && pwd)
shift
out=/var/tmp/reprobe-vm/recipe
scenarios=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    -*) echo "run-recipe.sh: unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
((${#scenarios[@]})) || scenarios=(sof-late-component)
reprobe=$build/tools/reprobe
[[ -x $reprobe ]] || { echo "run-recipe.sh: $reprobe is missing: build first" >&2; exit 2; }
command -v jq >/dev/null || { echo "run-recipe.sh: jq is required" >&2; exit 2; }
params=$("$reprobe" import --recipe-parameters) || { echo "run-recipe.sh: reprobe import --recipe-parameters failed" >&2; exit 2; }
echo "recipe: $params"
mkdir -p "$out"
failed=0
declare -A result
for s in "${scenarios[@]}"; do
  dir=$out/$s
  echo
  echo "== recipe: $s"
  if ! "$here/run-scenario.sh" "$s" --append "$params" --dyndbg '' --out "$dir"; then
    result[$s]="FAIL (run)"; failed=1; continue
  fi
  if ! "$here/check-ground-truth.sh" "$dir"; then
    result[$s]="FAIL (ground truth)"; failed=1; continue
  fi
  cat "$dir/dmesg.txt" "$dir/devices_deferred.txt" > "$dir/kernel.log"
  if ! "$reprobe" import "$dir/kernel.log" -o "$dir/imported.trace" 2> "$dir/import.err"; then
    cat "$dir/import.err" >&2; result[$s]="FAIL (import)"; failed=1; continue
  fi
  target=$(sed -n 's/^#@recipe-target[[:space:]]\{1,\}//p' "$here/scenarios/$s.sh")
  if ! "$reprobe" replay "$dir/imported.trace" --all-policies ${target:+--target "$target"} -f json -o "$dir/replay.json" 2> "$dir/replay.err"; then
    cat "$dir/replay.err" >&2; result[$s]="FAIL (replay)"; failed=1; continue
  fi
  bad=""
  if [[ $(jq -r .fidelity.exact "$dir/replay.json") != true ]]; then
    bad+=" fidelity not exact ($(jq -r '.fidelity.divergences | join("; ")' "$dir/replay.json"))"
  fi
  mapfile -t targets < <(jq -r '.target[]' "$dir/replay.json")
  ((${#targets[@]})) || bad+=" no target"
  for t in "${targets[@]}"; do
    real=false
    [[ $(jq -r --arg d "$t" '[.bound[] | select(.dev == $d and .driver != null)] | length > 0' "$dir/ground-truth.json") == true &&
       $(jq -r --arg d "$t" '[.deferred[] | select(.dev == $d)] | length == 0' "$dir/ground-truth.json") == true ]] && real=true
    stock=$(jq -r --arg d "$t" '.policies[] | select(.policy == "stock") | .targets[] | select(.device == $d) | .bound' "$dir/replay.json")
    [[ $stock == "$real" ]] || bad+=" $t: stock replay bound=$stock, kernel bound=$real"
  done
  if [[ -n $bad ]]; then
    echo "run-recipe.sh: $s:$bad" >&2; result[$s]="FAIL:$bad"; failed=1
  else
    result[$s]="ok (fidelity exact, $(jq -r '[.target[]] | join(",")' "$dir/replay.json") as the kernel)"
  fi
done
echo
echo "== summary"
for s in "${scenarios[@]}"; do printf '  %-22s %s\n' "$s" "${result[$s]:-not run}"; done
exit $failed
