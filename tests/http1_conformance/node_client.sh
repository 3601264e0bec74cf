#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs node_client.js against the test server. Exit 77 (skipped) without node.
command -v node >/dev/null 2>&1 || { echo "node not installed: skipped"; exit 77; }
exec node "$2" "$1"
