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
#      (provider-kick, component-kick, resource-kick, resource-aware) bind it
#      (not with #@no-rescue in the scenario: what it waits for never comes);
#      on 6.1 and 6.12 alike: where 6.12 inlines soc_find_component the recorder
#      sees the ASoC component lookup through snd_soc_is_matching_component and
#      snd_soc_add_pcm_runtime (header hooks key defer_reason.asoc_component), so
#      a trace without that key says why in x-record.missing and fails here;
#   5. the scenario's #@expect-trace assertions hold on the trace (below).
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

# The scenario's #@expect-trace assertions (what the trace must say; "!" negates,
# and a negated one still needs the event to exist, so it cannot pass vacuously):
#   async:DEV         a probe_start of DEV has "async":true (ran from an async helper)
#   driver-async:DRV  the driver_register of DRV has "async":true
#   hook:KIND=TIER    the header's hook table captured KIND at TIER (fentry|kprobe|tracepoint)
#   work:FUNC         the trace has work items (work_queue / work_start) of function FUNC
#   ev:EV             the trace has at least one event EV (e.g. ev:snd_card_register)
scenario=$(jq -r .scenario "$truth")
scen_file=$(cd "$(dirname "$0")" && pwd)/scenarios/$scenario.sh
if [[ -f $scen_file ]]; then
  for a in $(sed -n 's/^#@expect-trace[[:space:]]\{1,\}//p' "$scen_file"); do
    neg=0 body=$a
    [[ $a == '!'* ]] && neg=1 body=${a#!}
    kind=${body%%:*} arg=${body#*:}
    if [[ $kind == work ]]; then
      # work:FUNC  the trace has work items of FUNC (work_queue / work_start "func")
      n=$(jq -s --arg f "$arg" '[.[] | select((.ev == "work_queue" or .ev == "work_start") and .func == $f)] | length' "$trace")
      if ((neg == (n > 0))); then
        bad "#@expect-trace $a: $n work_queue/work_start events of $arg"
      else
        echo "check-replay: #@expect-trace $a: holds ($n work_queue/work_start events)"
      fi
      continue
    fi
    if [[ $kind == ev ]]; then
      # ev:EV  the trace has events EV ("!": none)
      n=$(jq -s --arg e "$arg" '[.[] | select(.ev == $e)] | length' "$trace")
      if ((neg == (n > 0))); then
        bad "#@expect-trace $a: the trace has $n $arg events"
      else
        echo "check-replay: #@expect-trace $a: holds ($n $arg events)"
      fi
      continue
    fi
    if [[ $kind == hook ]]; then
      # hook:KIND=TIER  the header says events of KIND were captured at TIER ("!" negates)
      hk=${arg%%=*} want=${arg#*=}
      got=$(head -1 "$trace" | jq -r --arg k "$hk" '.hooks[$k] // "missing"')
      same=0
      [[ $got == "$want" ]] && same=1
      if ((neg == same)); then
        bad "#@expect-trace $a: the header's hooks.$hk is '$got'"
      else
        echo "check-replay: #@expect-trace $a: holds (hooks.$hk = $got)"
      fi
      continue
    fi
    case $kind in
      async) ev=probe_start key=dev ;;
      driver-async) ev=driver_register key=drv ;;
      *) bad "unknown #@expect-trace assertion '$a' in $scen_file"; continue ;;
    esac
    read -r total flagged < <(jq -rs --arg ev "$ev" --arg k "$key" --arg v "$arg" \
      '[.[] | select(.ev == $ev and .[$k] == $v)] | "\(length) \([.[] | select(.async == true)] | length)"' "$trace")
    if ((total == 0)); then
      bad "#@expect-trace $a: the trace has no $ev with $key $arg"
    elif ((neg && flagged > 0)); then
      bad "#@expect-trace $a: $flagged of $total $ev of $arg say async"
    elif ((!neg && flagged == 0)); then
      bad "#@expect-trace $a: none of $total $ev of $arg says async"
    else
      echo "check-replay: #@expect-trace $a: holds ($flagged of $total $ev async)"
    fi
  done
fi

# #@target DEV in the scenario: the device to judge when no sound card is involved.
target_args=()
[[ -f $scen_file ]] && for tg in $(sed -n 's/^#@target[[:space:]]\{1,\}//p' "$scen_file"); do target_args+=(--target "$tg"); done
if ! "$reprobe" replay "$trace" --all-policies "${target_args[@]}" -f json -o "$dir/replay.json" 2>"$dir/replay.err"; then
  cat "$dir/replay.err" >&2
  bad "reprobe replay failed"
  exit 1
fi
"$reprobe" replay "$trace" --all-policies "${target_args[@]}" >"$dir/replay.txt" 2>/dev/null
j=$dir/replay.json

if [[ $(jq -r .fidelity.exact "$j") != true ]]; then
  bad "fidelity is not exact:"
  jq -r '.fidelity.divergences[]' "$j" | sed 's/^/    /' >&2
fi

# #@no-rescue in the scenario: the target waits for something that never comes (a PM-domain
# provider: driver_deferred_probe_check_state() fails it at the timeout), so no trigger policy
# can bind it and assertion 4 does not apply.
no_rescue=0
[[ -f $scen_file ]] && grep -q '^#@no-rescue' "$scen_file" && no_rescue=1
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
  if [[ $real == false && $no_rescue == 1 ]]; then
    echo "check-replay: $t: no rescue expected (#@no-rescue: what it waits for never comes)"
  elif [[ $real == false ]]; then
    for p in provider-kick component-kick resource-kick resource-aware; do
      b=$(jq -r --arg d "$t" --arg p "$p" '.policies[] | select(.policy == $p) | .targets[] | select(.device == $d) | .bound' "$j")
      if [[ $b != true ]]; then
        lookup=$(head -1 "$trace" | jq -r '.hooks["defer_reason.asoc_component"] // "not hooked"')
        bad "$t: not bound under $p (bound=$b; a rescue policy should bind it; ASoC component lookup: $lookup)"
      fi
    done
    ((fail)) || echo "check-replay: $t: rescued by provider-kick, component-kick, resource-kick, resource-aware"
  fi
done
exit $fail
