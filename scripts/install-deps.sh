#!/usr/bin/env bash
# Installs the Debian 12 packages reprobe builds and tests with, if missing.
set -euo pipefail
pkgs=(meson ninja-build g++ pkg-config libboost-program-options-dev nlohmann-json3-dev libsimdjson-dev
      libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev jq time
      clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libudev-dev libasound2-dev)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
