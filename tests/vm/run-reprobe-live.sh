#!/bin/bash
# tests/vm/run-reprobe-live.sh -- re-probing on a booted machine (issue 18 item 3).
#
#   tests/vm/run-reprobe-live.sh BUILDDIR [--out DIR]
#
# rebind-hda: `record --rebind 0000:00:01.0` with snd_hda_intel loaded and the card up; asserts
#   the ground truth (card back, module still loaded) and that the trace has the unbind of
#   0000:00:01.0 and then its new probe and bind and a card registration, all after the unbind,
#   and that the stock replay of the trace is exact (the model replays the sysfs unbind and the
#   probe the write to the driver's bind file starts; docs/model.md §1).
# replug-in-use: `record --replug snd_hda_intel` with /dev/snd/controlC0 held open must exit 2,
#   name the holder and suggest --rebind, and write nothing (asserted inside the scenario).
# Needs root. Exit: 0 both passed, 1 a check failed, 2 usage / setup error.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-}
[[ -n "$build" && -d "$build" ]] || { echo "usage: run-reprobe-live.sh BUILDDIR [--out DIR]" >&2; exit 2; }
build=$(cd "$build" && pwd)
out=/var/tmp/reprobe-vm/reprobe-live
[[ ${2:-} == --out ]] && out=$3
reprobe=$build/tools/reprobe
[[ -x $reprobe ]] || { echo "run-reprobe-live.sh: $reprobe is missing: build first" >&2; exit 2; }
fail=0
for s in rebind-hda replug-in-use; do
  rec_args=$(sed -n 's/^#@record-args[[:space:]]\{1,\}//p' "$here/scenarios/$s.sh")
  if ! "$here/run-scenario.sh" "$s" --tracer "$reprobe" --record-args "$rec_args" --out "$out/$s" ||
     ! "$here/check-ground-truth.sh" "$out/$s"; then
    echo "run-reprobe-live.sh: FAIL $s" >&2; fail=1; continue
  fi
  echo "run-reprobe-live.sh: ok $s"
done
t=$out/rebind-hda/trace.ndjson
if [[ -s $t ]]; then
  # after the unbind of the controller: its probe_start and bound, and a card registration
  got=$(jq -s -r '
    (map(select(.ev == "unbind" and .dev == "0000:00:01.0")) | first | .t) as $u
    | if $u == null then "no unbind of 0000:00:01.0"
      else [ (map(select(.ev == "probe_start" and .dev == "0000:00:01.0" and .t > $u)) | length),
             (map(select(.ev == "bound" and .dev == "0000:00:01.0" and .t > $u)) | length),
             (map(select(.ev == "snd_card_register" and .t > $u)) | length) ]
           | if .[0] > 0 and .[1] > 0 and .[2] > 0 then "ok" else "after the unbind: probe_start \(.[0]), bound \(.[1]), snd_card_register \(.[2])" end
      end' "$t")
  if [[ $got == ok ]]; then
    echo "run-reprobe-live.sh: ok rebind-hda trace: unbind, then probe, bind and card registration"
  else
    echo "run-reprobe-live.sh: FAIL rebind-hda trace: $got" >&2; fail=1
  fi
  if exact=$("$reprobe" replay "$t" --format json | jq -r .fidelity.exact) && [[ $exact == true ]]; then
    echo "run-reprobe-live.sh: ok rebind-hda stock replay is exact"
  else
    echo "run-reprobe-live.sh: FAIL rebind-hda stock replay is not exact:" >&2
    "$reprobe" replay "$t" --format json | jq -r '.fidelity.divergences[]' | sed 's/^/    /' >&2
    fail=1
  fi
elif ((fail == 0)); then
  echo "run-reprobe-live.sh: FAIL rebind-hda wrote no trace" >&2; fail=1
fi
exit $fail
