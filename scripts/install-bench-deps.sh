#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what bench/http/run.py compares nodexx with: wrk (the load generator), nginx and h2o
# (Debian packages) and the npm peers (express, fastify: npm ci --prefix bench). Idempotent: apt-get
# runs only when a package is missing, and npm ci only when bench/node_modules is older than the
# lock file. Run as root (or with sudo) when Debian packages are missing.
#
# The packages' system services are not started: the harness runs its own nginx and h2o with
# configurations in a temporary directory. policy-rc.d forbids service starts in containers; on
# a normal system the services are stopped and disabled again right after the installation.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(wrk h2o curl)
# nginx-light is enough (the harness uses only `return`); an existing full nginx also does.
if ! dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q "install ok installed" &&
   ! dpkg-query -W -f='${Status}' nginx-core 2>/dev/null | grep -q "install ok installed"; then
  packages+=(nginx-light)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "install-bench-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  # Where the new packages' init scripts did start a daemon, stop it: it would hold ports
  # 80/8080 and share the cores the benchmark measures. Services installed before are left alone.
  services=()
  for p in "${missing[@]}"; do
    case "$p" in
      nginx-light) services+=(nginx) ;;
      h2o) services+=(h2o) ;;
    esac
  done
  for svc in "${services[@]}"; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$svc" ]; then
      $SUDO "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    fi
  done
fi

# The npm peers, pinned by bench/package-lock.json.
"$ROOT/scripts/install-npm-peers.sh"
