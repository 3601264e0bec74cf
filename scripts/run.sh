#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds (Release) and runs the main job: the event-loop tour example.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build build/release -j"$(nproc)" --target example_event_loop_tour
exec build/release/examples/example_event_loop_tour
