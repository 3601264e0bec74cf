#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages nodexx builds, tests and benchmarks with. Idempotent: it only
# calls apt-get when something is missing. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libuv1-dev node-llhttp libssl-dev libsodium-dev libsimdjson-dev
  zlib1g-dev libbrotli-dev libhiredis-dev libpq-dev libsqlite3-dev
  libnghttp2-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  redis-server postgresql
  clang libclang-rt-14-dev wrk
)
# Node.js runs the oracle tests and benchmark peers; keep an existing (newer) install.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
