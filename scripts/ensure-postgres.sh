#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries are present (Debian packages). The tests
# themselves start a throwaway cluster on 127.0.0.1 in a temporary directory and stop it.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "PostgreSQL server binaries are missing and this user cannot apt-get install them." >&2
  echo "Install the Debian package 'postgresql' (or run as root) and re-run." >&2
  exit 1
fi
echo "Installing PostgreSQL from Debian packages (one time)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# Debian starts a cluster on install where systemd runs; tests use their own, so stop it.
if command -v pg_ctlcluster >/dev/null 2>&1; then
  for v in /usr/lib/postgresql/*; do pg_ctlcluster "$(basename "$v")" main stop 2>/dev/null || true; done
fi
