#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run_scenario.sh <twin-executable> <scenario> <scenario.js>
# Runs the scenario under node and under its C++ twin (`<twin-executable> <scenario>`), each in a
# fresh process with a time limit, and compares their stdout line by line and their exit codes.
# Stderr is shown on failure but never compared. Exits 0 on a match, 1 on a mismatch, 77 (skip)
# when node is not installed. Lines `// env: NAME=value ...` among the first 10 lines of the .js
# set environment variables for both runs. Environment: NODE (default: node),
# NX_ORACLE_TIMEOUT (seconds per run, default 20).
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 <twin-executable> <scenario> <scenario.js>" >&2
  exit 2
fi
twin=$1
name=$2
js=$3
node=${NODE:-node}
limit=${NX_ORACLE_TIMEOUT:-20}

if ! command -v "$node" >/dev/null 2>&1; then
  echo "SKIP: node is not installed (set NODE=/path/to/node); cannot check '$name'"
  exit 77
fi
if [ ! -f "$js" ]; then
  echo "FAIL: no such scenario script: $js" >&2
  exit 1
fi

# Sidecar environment: `// env: A=1 B=2` lines at the top of the script.
envs=()
while read -r -a words; do
  envs+=("${words[@]}")
done < <(sed -n '1,10s#^// env:[[:space:]]*##p' "$js")

work=$(mktemp -d "${TMPDIR:-/tmp}/nx_oracle.XXXXXX")
trap 'rm -rf "$work"' EXIT
js_abs=$(cd "$(dirname "$js")" && pwd)/$(basename "$js")

run() {  # run <label> <command...>: stdout/stderr to $work/<label>.{out,err}, prints the exit code
  local label=$1
  shift
  (cd "$work" && env "${envs[@]}" timeout -k 5 "$limit" "$@" >"$work/$label.out" 2>"$work/$label.err")
  echo $?
}

node_rc=$(run node "$node" "$js_abs")
twin_rc=$(run nodexx "$twin" "$name")

status=0
for who in node nodexx; do
  rc_var=${who/nodexx/twin}_rc
  if [ "${!rc_var}" -eq 124 ] || [ "${!rc_var}" -eq 137 ]; then
    echo "FAIL: $who timed out after ${limit}s"
    status=1
  fi
done
if ! diff -u --label "node $(basename "$js")" --label "nodexx $name" \
    "$work/node.out" "$work/nodexx.out" >"$work/diff"; then
  echo "FAIL: stdout differs (- node, + nodexx):"
  cat "$work/diff"
  status=1
fi
if [ "$node_rc" -ne "$twin_rc" ]; then
  echo "FAIL: exit code differs: node $node_rc, nodexx $twin_rc"
  status=1
fi

if [ $status -ne 0 ]; then
  [ ${#envs[@]} -gt 0 ] && echo "environment: ${envs[*]}"
  for who in node nodexx; do
    if [ -s "$work/$who.err" ]; then
      echo "--- $who stderr (not compared) ---"
      head -n 40 "$work/$who.err"
    fi
  done
  exit 1
fi
echo "OK: $name: $(wc -l <"$work/node.out") lines, exit code $node_rc"
exit 0
