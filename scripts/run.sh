#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds (Release) and runs the main job: the reference service apps/shop-api.
# It listens on port 3000 (PORT overrides; HOST, default 0.0.0.0) and keeps its SQLite database
# in ./data/shop.db under the repository (SHOP_DB overrides), created on first run.
# See docs/shop-api.md. Stop it with Ctrl-C (graceful shutdown).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build build/release -j"$(nproc)" --target shop-api
export PORT="${PORT:-3000}"
exec build/release/apps/shop-api/shop-api
