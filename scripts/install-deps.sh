#!/usr/bin/env bash
# Installs what ardb-rs's tests and benchmarks need on a fresh Debian machine, idempotently:
# Redis 7.0 (redis-server, redis-cli, redis-benchmark) from Debian's packages.
# Run as root (or with sudo available). A second run does nothing.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "install-deps: need root to run: $*" >&2; exit 1; fi
}

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  as_root apt-get update -qq
  # policy-rc.d keeps the package from starting a system-wide redis on port 6379.
  as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends \
    $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi

# If the package started its service anyway, stop it by its own pid file: tests use their own ports.
if [ -f /run/redis/redis-server.pid ]; then
  pid=$(cat /run/redis/redis-server.pid)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    echo "install-deps: stopping the packaged redis-server (pid $pid)"
    as_root kill "$pid" || true
  fi
fi

version=$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')
echo "install-deps: redis-server $version at $(command -v redis-server)"
