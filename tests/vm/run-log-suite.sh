#!/bin/bash
# tests/vm/run-log-suite.sh -- real kernel logs next to real eBPF traces (issue 4 §3).
#
#   tests/vm/run-log-suite.sh BUILDDIR [--kernel SERIES] [--out DIR] [--update-logs] [--variants V[,V...]]
#   (--kernel / REPROBE_VM_SERIES: the guest's Debian kernel series, default 6.1; the logs
#   committed in tests/data/logs are 6.1's, those in tests/data/logs/SERIES/ another series')
#                             [SCENARIO...]
#
# Every scenario (default: hda sof-late-component sof-fw-callback kick timeout-rescue)
# runs once per variant in the real-kernel VM harness (tests/vm/run-scenario.sh).  One
# guest run yields both a recorder trace and the whole kernel log of that run: the raw
# /dev/kmsg records (kmsg.log) and plain `dmesg` text (dmesg.txt).
#
#   dyndbg  boot with  dyndbg="file drivers/base/dd.c +p" initcall_debug log_buf_len=1M
#           (log_buf_len: Debian's 128 KiB ring buffer is nearly full after an
#           initcall_debug boot; the bigger one keeps the whole run), recorder
#           `reprobe record` (eBPF) -> bpf.trace
#   plain   no debug options at all (the log a user attaches to a bug by default), no
#           dynamic debug written at run time either, recorder eBPF -> bpf.trace
#   kmsg    no debug boot options; recorder `reprobe record --backend kmsg --dyndbg`
#           (no BPF) -> kmsg.trace; asserts that the recorder restored dynamic debug
#           (enabled call sites before it started == after it stopped)
#
# Per run it asserts the guest's ground truth (the scenario's #@expect lines; for plain,
# without the dmesg: ones, which need dd.c dynamic debug), that the recorder stopped
# cleanly, and for the eBPF variants tests/vm/check-replay.sh (fidelity exact, verdict =
# kernel).  It stages the test-data form of the run in OUT/<scenario>-<variant>/data/:
#   kmsg.log[.gz]  dmesg.txt[.gz]  (gzip -9n when larger than 64 KiB)
#   bpf.trace | kmsg.trace,  ground-truth.json,  devices_deferred.txt,  meta.json
#   (kmsg: dyndbg-before.txt, dyndbg-after.txt)
# and, when BUILDDIR/tools/reprobe has `import`, runs tests/import_vs_bpf.sh on it (a
# difference fails the run's line but the run is still stored: the log is real data).
# --update-logs copies each staged dir to tests/data/logs/[SERIES/]<scenario>-<variant>/
# (SERIES/ for a series other than 6.1; known limits: known-limits.tsv in the same dir)
# (the data the host-side test tests/import_vs_bpf.sh uses without a VM).
#
# Needs root and what run-suite.sh needs.  Exit: 0 all passed, 1 a run or check failed,
# 2 usage / setup error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
default_scenarios=(hda sof-late-component sof-fw-callback kick timeout-rescue)
all_variants=(dyndbg plain kmsg)
usage() { sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d' >&2; exit 2; }

build=${1:-}
case $build in ''|-h|--help) usage ;; esac
[[ -d $build ]] || { echo "run-log-suite.sh: $build is not a build directory" >&2; exit 2; }
build=$(cd "$build" && pwd)
shift
out=${REPROBE_VM_LOG_OUT:-/var/tmp/reprobe-vm/log-suite}
update=0
variants=("${all_variants[@]}")
scenarios=()
while (($#)); do
  case $1 in
    --out) out=${2:?--out needs a dir}; shift 2 ;;
    --update-logs) update=1; shift ;;
    --kernel) export REPROBE_VM_SERIES=${2:?--kernel needs a series}; shift 2 ;;
    --variants) IFS=, read -r -a variants <<<"${2:?--variants needs a list}"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "run-log-suite.sh: unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
((${#scenarios[@]})) || scenarios=("${default_scenarios[@]}")
logs_rel=tests/data/logs
if [[ ${REPROBE_VM_SERIES:-6.1} != 6.1 ]]; then
  [[ -n ${REPROBE_VM_LOG_OUT:-} || $out != /var/tmp/reprobe-vm/log-suite ]] || out=/var/tmp/reprobe-vm/log-suite-$REPROBE_VM_SERIES
  logs_rel=tests/data/logs/$REPROBE_VM_SERIES
fi
for v in "${variants[@]}"; do
  case $v in dyndbg|plain|kmsg) ;; *) echo "run-log-suite.sh: unknown variant '$v' (have: ${all_variants[*]})" >&2; exit 2 ;; esac
done
for s in "${scenarios[@]}"; do
  [[ -f $here/scenarios/$s.sh ]] || { echo "run-log-suite.sh: no scenario $s" >&2; exit 2; }
done
reprobe=$build/tools/reprobe
[[ -x $reprobe ]] || { echo "run-log-suite.sh: $reprobe is missing: build first" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run-log-suite.sh: needs root (qemu, apt-get for the kernel headers)" >&2; exit 2; }
command -v jq >/dev/null || { echo "run-log-suite.sh: jq is required (scripts/install-deps.sh)" >&2; exit 2; }
for v in "${variants[@]}"; do
  if [[ $v == kmsg ]] && ! "$reprobe" record --help 2>&1 | grep -q -- '--backend'; then
    echo "run-log-suite.sh: variant kmsg needs 'reprobe record --backend kmsg', which $reprobe does not have" >&2
    exit 2
  fi
done
have_import=0
"$reprobe" import --help >/dev/null 2>&1 && have_import=1

echo "== prepare (kernel, headers, test modules)"
"$here/prepare.sh" || { echo "run-log-suite.sh: prepare.sh failed" >&2; exit 2; }
mkdir -p "$out"

# expectations of a scenario (#@expect lines, split like check-ground-truth.sh does);
# without dd.c dynamic debug the dmesg: ones cannot hold
expectations() { # SCENARIO VARIANT -> one assertion per line
  local line
  grep -E '^#@expect([[:space:]]|$)' "$here/scenarios/$1.sh" | while IFS= read -r line; do
    line=${line#"#@expect"}
    line=$(sed 's/^[[:space:]]*//;s/[[:space:]]*$//' <<<"$line")
    case $line in
      dmesg:*|'!dmesg:'*) [[ $2 == plain ]] || printf '%s\n' "$line" ;;
      *) tr -s ' \t' '\n\n' <<<"$line" | sed '/^$/d' ;;
    esac
  done
}

# test-data form of a run: DIR (run-scenario output) -> DIR/data
stage() { # DIR SCENARIO VARIANT
  local dir=$1 s=$2 v=$3 d=$1/data f trace_name
  rm -rf "$d"; mkdir -p "$d"
  for f in kmsg.log dmesg.txt; do
    [[ -s $dir/$f ]] || { echo "run-log-suite.sh: $dir/$f is missing or empty" >&2; return 1; }
    if (($(stat -c %s "$dir/$f") > 65536)); then gzip -9n <"$dir/$f" >"$d/$f.gz"; else cp "$dir/$f" "$d/$f"; fi
  done
  trace_name=bpf.trace
  [[ $v == kmsg ]] && trace_name=kmsg.trace
  cp "$dir/trace.ndjson" "$d/$trace_name"
  cp "$dir/ground-truth.json" "$dir/devices_deferred.txt" "$d/"
  [[ $v != kmsg ]] || cp "$dir/dyndbg-before.txt" "$dir/dyndbg-after.txt" "$d/"
  jq -n --arg s "$s" --arg v "$v" --arg trace "$trace_name" --arg boot "${boot_args[$v]}" \
        --arg rec "$rec_args" \
        --slurpfile gt "$dir/ground-truth.json" '
    { scenario: $s, variant: $v,
      kernel: $gt[0].kernel, cmdline: $gt[0].cmdline,
      boot_debug_options: $boot,
      runtime_dyndbg: (if $v == "kmsg" then "by the recorder (--dyndbg), restored on exit" else "none" end),
      recorder: { backend: (if $v == "kmsg" then "kmsg" else "bpf" end),
                  args: ($rec | gsub("^ +| +$"; "")), trace: $trace },
      logs: { kmsg: "raw /dev/kmsg records of the whole run (cat /dev/kmsg at the end)",
              dmesg: "busybox dmesg of the whole run (plain [ seconds] text)" },
      outcome: { cards: $gt[0].cards, deferred: [$gt[0].deferred[].dev],
                 bound: [$gt[0].bound[] | select(.driver != null) | .dev] } }' >"$d/meta.json"
}

declare -A boot_args=(
  [dyndbg]='dyndbg="file drivers/base/dd.c +p" initcall_debug log_buf_len=1M'
  [plain]=''
  [kmsg]=''
)
declare -A result
failed=0
t_suite=$SECONDS
for s in "${scenarios[@]}"; do
  for v in "${variants[@]}"; do
    key=$s-$v
    dir=$out/$key
    echo
    echo "== $key"
    t0=$SECONDS
    # a scenario may ask for recorder options (#@record-args); kmsg adds the backend
    rec_args=$(sed -n 's/^#@record-args[[:space:]]\{1,\}//p' "$here/scenarios/$s.sh" | tr '\n' ' ')
    [[ $v == kmsg ]] && rec_args="--backend kmsg --dyndbg $rec_args"
    if ! "$here/run-scenario.sh" "$s" --tracer "$reprobe" --record-args "$rec_args" --dyndbg '' \
         --append "${boot_args[$v]}" --out "$dir"; then
      result[$key]="FAIL (run)"; failed=1; continue
    fi
    wall=$(jq -r .timing.host_wall_s "$dir/ground-truth.json")
    mapfile -t asserts < <(expectations "$s" "$v")
    if ! "$here/check-ground-truth.sh" "$dir" "${asserts[@]}" trace; then
      result[$key]="FAIL (ground truth)"; failed=1; continue
    fi
    if [[ $v == kmsg ]]; then
      src_kind=$(head -1 "$dir/trace.ndjson" | jq -r .source)
      [[ $src_kind == kmsg ]] || { echo "run-log-suite.sh: $key: recorder trace source is '$src_kind', expected kmsg" >&2
                                   result[$key]="FAIL (trace source)"; failed=1; continue; }
      if ! cmp -s "$dir/dyndbg-before.txt" "$dir/dyndbg-after.txt"; then
        echo "run-log-suite.sh: $key: dynamic debug not restored by the recorder:" >&2
        diff "$dir/dyndbg-before.txt" "$dir/dyndbg-after.txt" | head -20 >&2
        result[$key]="FAIL (dyndbg not restored)"; failed=1; continue
      fi
      echo "run-log-suite.sh: $key: dynamic debug restored ($(wc -l <"$dir/dyndbg-before.txt") enabled call sites before and after)"
    elif ! "$here/check-replay.sh" "$reprobe" "$dir"; then
      result[$key]="FAIL (bpf replay)"; failed=1; continue
    fi
    stage "$dir" "$s" "$v" || { result[$key]="FAIL (stage)"; failed=1; continue; }
    cmp_note="import not built"
    if ((have_import)); then
      if "$src/tests/import_vs_bpf.sh" "$reprobe" --limits "$src/$logs_rel/known-limits.tsv" "$dir/data" \
           >"$dir/import-vs-bpf.txt" 2>&1; then
        cmp_note="import verdicts match"
      else
        cmp_note="import verdicts DIFFER"; failed=1
      fi
      sed 's/^/   /' "$dir/import-vs-bpf.txt"
    fi
    state=ok
    [[ $cmp_note == *DIFFER ]] && state="FAIL (import)"
    result[$key]="$state (run ${wall} s, total $((SECONDS - t0)) s; $cmp_note)"
    if ((update)); then
      dest=$src/$logs_rel/$key
      mkdir -p "$src/$logs_rel"
      rm -rf "$dest.new"; cp -r "$dir/data" "$dest.new"
      rm -rf "$dest"; mv "$dest.new" "$dest"
      echo "   stored -> $logs_rel/$key ($(du -sk "$dest" | cut -f1) KiB)"
    fi
  done
done

echo
echo "== summary ($((SECONDS - t_suite)) s)"
for s in "${scenarios[@]}"; do
  for v in "${variants[@]}"; do printf '  %-30s %s\n' "$s-$v" "${result[$s-$v]:-not run}"; done
done
exit $failed
