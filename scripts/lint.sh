#!/usr/bin/env bash
# Style checks of the C/C++ sources (tracked files under replayer, tracer, tools, tests, bench,
# examples, bpf):
#   scripts/lint.sh format        clang-format --dry-run -Werror (.clang-format); prints each diff
#   scripts/lint.sh tidy [BUILD]  clang-tidy (.clang-tidy) on every .cpp, with BUILD's compile commands
#   scripts/lint.sh               both
# `clang-format -i FILE` fixes formatting.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
build="${2:-build}"
mapfile -t files < <(git ls-files 'replayer/*.cpp' 'replayer/*.h' 'tracer/*.cpp' 'tracer/*.h' 'tools/*.cpp' 'tools/*.h' \
  'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' 'examples/*.cpp' 'examples/*.h' 'bpf/*.h' 'bpf/*.c' | grep -v '^bpf/vmlinux_min.h$')
rc=0
if [ "$what" = format ] || [ "$what" = all ]; then
  if clang-format --dry-run -Werror "${files[@]}" 2>/tmp/reprobe-format.$$; then
    echo "clang-format: ${#files[@]} files formatted"
  else
    head -60 /tmp/reprobe-format.$$ >&2
    echo "clang-format: $(grep -c 'error:' /tmp/reprobe-format.$$) place(s) differ from .clang-format (clang-format -i FILE)" >&2
    rc=1
  fi
  rm -f /tmp/reprobe-format.$$
fi
if [ "$what" = tidy ] || [ "$what" = all ]; then
  [ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json (meson setup $build)" >&2; exit 2; }
  # Product code (tests are checked by the compiler and the sanitizer build).
  mapfile -t srcs < <(printf '%s\n' "${files[@]}" | grep '\.cpp$' | grep -v '^tests/')
  # Only what the build compiles (a -Dcapture=disabled build has no tracer/ebpf etc.).
  mapfile -t srcs < <(for f in "${srcs[@]}"; do grep -q "\"file\": \"[./]*$f\"" "$build/compile_commands.json" && echo "$f"; done)
  if printf '%s\n' "${srcs[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
       --extra-arg=-Wno-overlength-strings \
       > /tmp/reprobe-tidy.$$ 2>&1; then
    echo "clang-tidy: ${#srcs[@]} files clean"
  else
    grep -E 'warning:|error:' /tmp/reprobe-tidy.$$ | head -60 >&2
    echo "clang-tidy: findings above (.clang-tidy)" >&2
    rc=1
  fi
  rm -f /tmp/reprobe-tidy.$$
fi
exit $rc
