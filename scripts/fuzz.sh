#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, meson -Dfuzz=enabled) with clang++ under ASan + UBSan
# in build-fuzz/ and runs each from its seed corpus.
# Targets: import_fuzz (the kernel-log importer), trace_reader_fuzz (the trace reader and the
# canonical writer), report_fuzz (replay + every report format on generated traces), explore_fuzz
# (the schedule explorer and its counterexamples, on mutated example traces).
# usage: scripts/fuzz.sh [SECONDS] [TARGET]   (default 60 s per target, every target; scripts/test.sh runs
# them briefly). RUNS=N runs each target for N executions instead, or until SECONDS when SECONDS > 0
# (the long local runs of docs/benchmarks.md, "Fuzzing"; start it with `nice -n 19`, and where the kernel
# groups sessions (/proc/sys/kernel/sched_autogroup_enabled = 1) also `echo 19 > /proc/self/autogroup`
# first in its session: nice alone ranks it only against its own session's processes). MAX_LEN=N
# bounds the size of generated inputs (default 65536; the long runs use 8192: every committed seed
# fits, and an input grown to 64 KiB costs ~8 times the parse of an 8 KiB one). TIMEOUT=S is
# libFuzzer's per-input timeout (default 10 s). It is wall-clock time: under `nice -n 19` on a
# loaded host the fuzzer can get no CPU for seconds, and the empty input "timed out" after 12 s
# having used 0.01 s of CPU (docs/benchmarks.md, "Fuzzing"), so niced long runs use TIMEOUT=300. Needs clang and libclang-rt-14-dev (scripts/install-deps.sh --test). A crash fails
# the script and leaves the input in build-fuzz/crash-*.
# FAST=1 is the throughput build for the long runs (docs/benchmarks.md, "Fuzzing", eighteenth
# session): build-fuzz-fast/, the same ASan + UBSan and edge coverage but no comparison tracing
# (-fno-sanitize-coverage=trace-cmp), libFuzzer's plain scheduling (-entropic=0) and no allocation
# stacks in ASan reports (malloc_context_size=0; rerun a crash input in build-fuzz/ for them):
# ~3 times the executions per second of the default build on report_fuzz. PROC=N names a second
# (third...) process on the same corpus: its log is TARGET.N.log (libFuzzer reloads what the
# other finds).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
only="${2:-}"
limit=(-max_total_time="$secs") what="${secs}s"
if [ -n "${RUNS:-}" ]; then
  limit=(-runs="$RUNS") what="$RUNS runs"
  [ "$secs" = 0 ] || { limit+=(-max_total_time="$secs"); what="$RUNS runs or ${secs}s"; }
fi
max_len="${MAX_LEN:-65536}"
timeout="${TIMEOUT:-10}"
out=build-fuzz
cov_args=() run_args=() asan_extra=""
if [ "${FAST:-0}" = 1 ]; then
  out=build-fuzz-fast
  cov_args=(-Dcpp_args=-fno-sanitize-coverage=trace-cmp -Dc_args=-fno-sanitize-coverage=trace-cmp)
  run_args=(-entropic=0)
  asan_extra=":malloc_context_size=0"
fi
log_suffix="${PROC:+.$PROC}"
command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
if [ ! -f "$out/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$out" -Dfuzz=enabled -Dcapture=disabled -Dtests=disabled -Dbench=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=false --buildtype=debugoptimized "${cov_args[@]}" >/dev/null
fi
targets=(import_fuzz trace_reader_fuzz report_fuzz explore_fuzz)
if [ -n "$only" ]; then
  case " ${targets[*]} " in *" $only "*) ;; *) echo "fuzz: unknown target '$only' (${targets[*]})" >&2; exit 2 ;; esac
  targets=("$only")
fi
ninja -C "$out" "${targets[@]/#/tests/fuzz/}" > "$out/ninja.log" 2>&1 ||
  { tail -40 "$out/ninja.log" >&2; echo "fuzz: the build failed ($out/ninja.log)" >&2; exit 1; }
run() {  # NAME SEED_FILE...
  local name=$1; shift
  [ -z "$only" ] || [ "$only" = "$name" ] || return 0
  mkdir -p "$out/corpus-$name"
  cp -n "$@" "$out/corpus-$name/" 2>/dev/null || true
  ASAN_OPTIONS="detect_leaks=1$asan_extra" UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$out/tests/fuzz/$name" "${limit[@]}" "${run_args[@]}" -print_final_stats=1 -max_len="$max_len" -timeout="$timeout" -rss_limit_mb=2048 \
    -artifact_prefix="$out/" "$out/corpus-$name" > "$out/$name$log_suffix.log" 2>&1 ||
    { tail -40 "$out/$name$log_suffix.log" >&2; echo "fuzz: $name FAILED (crash input in $out/crash-*)" >&2; exit 1; }
  tail -2 "$out/$name$log_suffix.log"
  # libFuzzer's last status line: "#RUNS ... exec/s: N"; its final report: "Done N runs in S second(s)".
  local done_line
  done_line=$(grep -E '^Done [0-9]+ runs' "$out/$name$log_suffix.log" | tail -1 || true)
  echo "fuzz: $name $what without a crash${done_line:+ ($done_line)}"
}
run import_fuzz tests/fuzz/corpus/* tests/data/import/*.log
run trace_reader_fuzz tests/fuzz/corpus-trace_reader_fuzz/*
run report_fuzz tests/fuzz/corpus-report_fuzz/*
run explore_fuzz examples/*.trace
