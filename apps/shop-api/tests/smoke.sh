#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of the real binary: start it on a free port with a fresh database, create and
# read a product with curl, send SIGTERM, and expect a clean exit 0 (graceful shutdown).
# Usage: smoke.sh <path to shop-api>. Exit 77 (skipped) when curl is missing.
set -euo pipefail
bin=${1:?usage: smoke.sh <shop-api binary>}
command -v curl >/dev/null || { echo "curl not installed: skipped"; exit 77; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/shop-smoke.XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

PORT=0 HOST=127.0.0.1 SHOP_DB="$dir/db/shop.db" "$bin" >"$dir/out.log" 2>"$dir/err.log" &
pid=$!

# The first line of stdout that is not JSON is the URL banner.
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://[^ ]*' "$dir/out.log" | head -n1 || true)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "server exited early"; cat "$dir/err.log" "$dir/out.log"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "no URL printed"; cat "$dir/out.log"; exit 1; }
echo "server at $url"

fail() { echo "FAIL: $*"; cat "$dir/out.log" "$dir/err.log"; exit 1; }

body=$(curl -sS -f "$url/health") || fail "GET /health"
[ "$body" = '{"status":"ok","db":"ok"}' ] || fail "health body: $body"

status=$(curl -sS -o "$dir/created.json" -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"name":"Smoke","price":42,"tags":["a"]}' "$url/products") || fail "POST /products"
[ "$status" = 201 ] || fail "POST status $status: $(cat "$dir/created.json")"
grep -q '"name":"Smoke"' "$dir/created.json" || fail "created body"

body=$(curl -sS -f "$url/products/1") || fail "GET /products/1"
echo "$body" | grep -q '"price":42' || fail "product body: $body"

status=$(curl -sS -o "$dir/missing.json" -w '%{http_code}' "$url/products/999")
[ "$status" = 404 ] || fail "missing product status $status"
grep -q '"code":"product_not_found"' "$dir/missing.json" || fail "problem body"

kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
grep -q '"msg":"stopped"' "$dir/out.log" || fail "no 'stopped' log line"
[ -f "$dir/db/shop.db" ] || fail "database file not created"
# Startup failures exit non-zero with a log line instead of hanging.
code=0
PORT=0 SHOP_DB=/proc/shop-api-smoke/shop.db timeout 20 "$bin" >"$dir/fail.log" 2>&1 || code=$?
[ "$code" = 1 ] || fail "unopenable database: exit $code, expected 1"
grep -q '"msg":"startup failed"' "$dir/fail.log" || fail "no 'startup failed' line"
code=0
PORT=not-a-port timeout 20 "$bin" >"$dir/fail.log" 2>&1 || code=$?
[ "$code" = 2 ] || fail "bad PORT: exit $code, expected 2"
echo "ok"
