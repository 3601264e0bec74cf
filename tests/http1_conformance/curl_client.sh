#!/bin/sh
# SPDX-License-Identifier: MIT
# curl as a real client of the nodexx test server: keep-alive reuse, chunked upload,
# Expect: 100-continue, HEAD. Exit 77 (skipped) without curl.
set -u
server=$1
command -v curl >/dev/null 2>&1 || { echo "curl not installed: skipped"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/http1_curl.XXXXXX")
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
"$server" --port 0 >"$dir/port" 2>"$dir/server.err" &
pid=$!
i=0
while ! grep -q listening "$dir/port" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "server did not start"; cat "$dir/server.err"; exit 1; }
  sleep 0.05
done
port=$(awk '{print $2}' "$dir/port")
base="http://127.0.0.1:$port"
fail=0
check() {  # name expected actual
  if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: expected [$2] got [$3]"; fail=1; fi
}

# 1. Keep-alive reuse: two URLs in one curl run share one connection.
out=$(curl -sS -v "$base/" "$base/" 2>"$dir/verbose")
check "keep-alive body" "Hello, World!Hello, World!" "$out"
check "keep-alive reuse" "1" "$(grep -c 'Re-using existing connection' "$dir/verbose")"

# 2. Chunked upload (curl streams stdin with Transfer-Encoding: chunked).
head -c 100000 /dev/urandom > "$dir/blob"
curl -sS -H 'Transfer-Encoding: chunked' --data-binary @- "$base/echo" < "$dir/blob" > "$dir/echoed"
check "chunked upload echo" "$(md5sum < "$dir/blob")" "$(md5sum < "$dir/echoed")"
curl -sS -H 'Transfer-Encoding: chunked' --data-binary @- "$base/echo-chunked" < "$dir/blob" > "$dir/echoed2"
check "chunked upload, chunked echo" "$(md5sum < "$dir/blob")" "$(md5sum < "$dir/echoed2")"

# 3. Expect: 100-continue (curl sends it for bodies over 1 MiB by default; force it here).
out=$(curl -sS -v -H 'Expect: 100-continue' --data-binary @"$dir/blob" "$base/echo" -o "$dir/echoed3" 2>&1)
check "100-continue received" "1" "$(printf '%s' "$out" | grep -c '< HTTP/1.1 100 Continue')"
check "100-continue body" "$(md5sum < "$dir/blob")" "$(md5sum < "$dir/echoed3")"

# 4. HEAD: the GET's Content-Length, no body.
out=$(curl -sS -I "$base/" | tr -d '\r')
check "HEAD status" "HTTP/1.1 200 OK" "$(printf '%s\n' "$out" | head -1)"
check "HEAD content-length" "Content-Length: 13" "$(printf '%s\n' "$out" | grep '^Content-Length')"

# 5. Chunked response.
check "chunked response" "one,two,three" "$(curl -sS "$base/chunked")"

# 6. Too large upload: 413 problem+json.
head -c 2000000 /dev/zero > "$dir/big"
code=$(curl -sS -o "$dir/413" -w '%{http_code}' --data-binary @"$dir/big" "$base/echo")
check "413 for a 2 MB body" "413" "$code"
check "413 problem code" "1" "$(grep -c '"code":"payload_too_large"' "$dir/413")"

exit $fail
