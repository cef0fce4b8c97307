#!/bin/bash
# tests/vm/run-suite.sh -- the real-kernel test suite: record -> replay -> compare.
#
#   tests/vm/run-suite.sh BUILDDIR [--kernel SERIES] [--out DIR] [--update-captures] [SCENARIO...]
#
# --kernel SERIES (or REPROBE_VM_SERIES; default 6.1): the Debian kernel series the guest
# boots (6.1 or 6.12; prepare.sh resolves the newest ABI of it). The default output dir is
# per series (/var/tmp/reprobe-vm/suite for 6.1, suite-SERIES otherwise) so two suites can
# run at once.
#
# For every scenario (default: the list below) it boots Debian's own kernel in
# qemu (tests/vm/run-scenario.sh), records it with `BUILDDIR/tools/reprobe
# record` inside the guest, asserts the guest's ground truth (the scenario's
# #@expect lines, tests/vm/check-ground-truth.sh), and then asserts on the host
# (tests/vm/check-replay.sh) that `reprobe replay` of the real capture
#   * reproduces what the kernel did under `stock` (fidelity.exact == true),
#   * gives the same target outcome as the guest (card present <=> bound),
#   * binds a stranded card under the rescue policies,
# plus the scenario's #@expect-trace assertions on the trace itself
# (async-probe: which probe_start / driver_register say "async"; fentry-fallback:
# the hook tiers after an injected fentry refusal).
# --update-captures copies each trace and its ground truth into
# tests/data/captures/ (6.1) or tests/data/captures/SERIES/ (the real captures the unit
# tests replay without a VM).
#
# Needs root, qemu-system-x86, busybox-static, kmod, cpio and the kernel
# headers (tests/vm/prepare.sh installs the kernel and headers; .ci/run installs
# the rest). Exit: 0 all passed, 1 a scenario failed, 2 usage / setup error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
default_scenarios=(hda sof-late-component sof-fw-callback kick timeout-rescue replug-hda async-probe async-deferred-retry fentry-fallback pre-capture-deferral check-state-timeout device-link-late-supplier asoc-rebind)

build=${1:-}
[[ -n "$build" && -d "$build" ]] || { echo "usage: run-suite.sh BUILDDIR [--out DIR] [--update-captures] [SCENARIO...]" >&2; exit 2; }
build=$(cd "$build" && pwd)
shift
out=${REPROBE_VM_OUT:-}
series=${REPROBE_VM_SERIES:-6.1}
update=0
scenarios=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --kernel) series=${2:?--kernel needs a series, e.g. 6.12}; shift 2 ;;
    --update-captures) update=1; shift ;;
    -*) echo "run-suite.sh: unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
((${#scenarios[@]})) || scenarios=("${default_scenarios[@]}")
export REPROBE_VM_SERIES=$series
if [[ $series == 6.1 ]]; then
  out=${out:-/var/tmp/reprobe-vm/suite}
  captures=$src/tests/data/captures
else
  out=${out:-/var/tmp/reprobe-vm/suite-$series}
  captures=$src/tests/data/captures/$series
fi
reprobe=$build/tools/reprobe
[[ -x $reprobe ]] || { echo "run-suite.sh: $reprobe is missing: build first" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run-suite.sh: needs root (qemu, apt-get for the kernel headers)" >&2; exit 2; }

echo "== prepare (kernel series $series, headers, test modules)"
t_prepare=$SECONDS
"$here/prepare.sh" || { echo "run-suite.sh: prepare.sh failed" >&2; exit 2; }
echo "   prepare: $((SECONDS - t_prepare)) s"

mkdir -p "$out"
declare -A result
failed=0
t_suite=$SECONDS
for s in "${scenarios[@]}"; do
  dir=$out/$s
  echo
  echo "== $s"
  t0=$SECONDS
  # A scenario may ask for recorder options (e.g. replug-hda: --replug snd_hda_intel).
  rec_args=$(sed -n 's/^#@record-args[[:space:]]\{1,\}//p' "$here/scenarios/$s.sh")
  if ! "$here/run-scenario.sh" "$s" --tracer "$reprobe" --record-args "$rec_args" --out "$dir"; then
    result[$s]="FAIL (run)"; failed=1; continue
  fi
  if ! "$here/check-ground-truth.sh" "$dir"; then
    result[$s]="FAIL (ground truth)"; failed=1; continue
  fi
  if ! "$here/check-ground-truth.sh" "$dir" trace; then
    result[$s]="FAIL (no trace)"; failed=1; continue
  fi
  if ! "$here/check-replay.sh" "$reprobe" "$dir"; then
    result[$s]="FAIL (replay)"; failed=1; continue
  fi
  result[$s]="ok ($((SECONDS - t0)) s)"
  if ((update)); then
    mkdir -p "$captures"
    cp "$dir/trace.ndjson" "$captures/$s.trace"
    cp "$dir/ground-truth.json" "$captures/$s.ground-truth.json"
    echo "   captured -> ${captures#"$src"/}/$s.trace"
  fi
done

echo
echo "== summary, kernel series $series ($((SECONDS - t_suite)) s)"
for s in "${scenarios[@]}"; do printf '  %-24s %s\n' "$s" "${result[$s]:-not run}"; done
exit $failed
