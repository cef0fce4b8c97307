#!/usr/bin/env bash
# Installs the Debian 12 packages reprobe builds and tests with, if missing.
set -euo pipefail
pkgs=(meson ninja-build g++ pkg-config libboost-program-options-dev nlohmann-json3-dev libsimdjson-dev
      libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev jq time
      clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libudev-dev libasound2-dev
      liblzma-dev libzstd-dev libclang-rt-14-dev
      chromium)  # chromium: tests/browser (HTML report); also needs node >= 18 and npm ci --prefix tests/browser
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# The browser test runs playwright-core under Node.js >= 18: Debian's nodejs/npm unless a node is present.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
