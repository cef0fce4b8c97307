#!/usr/bin/env bash
# Builds the libFuzzer target of the kernel-log importer with clang++ (ASan + UBSan) and
# runs it from the seed corpus (tests/fuzz/corpus + tests/data/import/*.log).
# usage: scripts/fuzz-import.sh [SECONDS]   (default 60; scripts/test.sh runs it briefly)
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh). A crash fails the script and
# leaves the input in build-fuzz/crash-*. Objects are rebuilt only when a source or header
# changed, in parallel (one job per core).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
out=build-fuzz
mkdir -p "$out/corpus" "$out/obj"
cxx="${CXX_FUZZ:-clang++}"
command -v "$cxx" >/dev/null || { echo "fuzz-import: $cxx not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
# The importer and what it links from the replayer (trace schema, reader, writer, redaction).
srcs=(tests/fuzz/import_fuzz.cpp tracer/log_input.cpp tracer/log_line_prefix.cpp tracer/log_message_map.cpp
      tracer/log_importer.cpp
      replayer/trace_event.cpp replayer/trace.cpp replayer/trace_reader.cpp replayer/trace_line_scanner.cpp
      replayer/trace_writer.cpp replayer/redact.cpp replayer/model_builder.cpp replayer/need_inference.cpp replayer/kernel_profile.cpp)
cxxflags="-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I. $(pkg-config --cflags simdjson fmt)"
stamp="$out/obj/.headers"
newest_header=$(ls -t tracer/log_*.h replayer/*.h | head -1)
rebuild_all=0
[ -f "$stamp" ] && [ ! "$newest_header" -nt "$stamp" ] || rebuild_all=1
todo=()
for s in "${srcs[@]}"; do
  o="$out/obj/$(echo "$s" | tr / _).o"
  if [ "$rebuild_all" = 1 ] || [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then todo+=("$s"); fi
done
if [ ${#todo[@]} -gt 0 ]; then
  echo "fuzz-import: compiling ${#todo[@]} file(s) with $cxx"
  printf '%s\n' "${todo[@]}" |
    xargs -P "$(nproc)" -I{} sh -c 'o="$1/obj/$(echo "$2" | tr / _).o"; '"$cxx"' '"$cxxflags"' -c "$2" -o "$o"' _ "$out" {}
  touch "$stamp"
fi
bin="$out/import_fuzz"
objs=()
for s in "${srcs[@]}"; do objs+=("$out/obj/$(echo "$s" | tr / _).o"); done
# shellcheck disable=SC2046
"$cxx" -fsanitize=fuzzer,address,undefined "${objs[@]}" -o "$bin" $(pkg-config --libs simdjson fmt zlib liblzma libzstd)
cp -n tests/fuzz/corpus/* tests/data/import/*.log "$out/corpus/" 2>/dev/null || true
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/" \
  "$out/corpus" > "$out/fuzz.log" 2>&1 || { tail -40 "$out/fuzz.log" >&2; echo "fuzz-import: FAILED (crash input in $out/crash-*)" >&2; exit 1; }
tail -3 "$out/fuzz.log"
echo "fuzz-import: ${secs}s without a crash"
