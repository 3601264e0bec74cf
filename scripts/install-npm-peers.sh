#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the npm packages that tests use as oracles and benchmarks use as peers (Express 5,
# Fastify 5 and their dependencies, pinned by bench/package-lock.json) into bench/node_modules.
# Idempotent: npm ci runs only when bench/node_modules is missing or older than the lock file.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -d "$ROOT/bench/node_modules" ] ||
   [ "$ROOT/bench/package-lock.json" -nt "$ROOT/bench/node_modules/.package-lock.json" ]; then
  echo "install-npm-peers: npm ci --prefix bench" >&2
  npm ci --prefix "$ROOT/bench" --no-audit --no-fund >/dev/null
fi
