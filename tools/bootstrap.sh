#!/usr/bin/env bash
# Prepare a fresh Debian machine for Maillage: Python 3.11, a virtualenv with the pinned
# dependencies (reinstalled only when pyproject.toml changes). Idempotent; safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "need root to run: $*" >&2; exit 1; fi; }

apt_install() {
  echo "· apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

PY=$(find_python || true)
if [ -z "$PY" ]; then
  command -v apt-get >/dev/null || { echo "Maillage needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
  apt_install python3.11 python3.11-venv
  PY=$(find_python) || { echo "Python 3.11 is not available on this system" >&2; exit 1; }
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3.11-venv
    "$PY" -m venv .venv
  fi
fi

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "· installing Python dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade "pip>=23" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import nameko, fastapi, pika, mongoengine, secantus, aiosmtpd" ||
    { echo "dependency install failed: see the pip output above" >&2; exit 1; }
  rm -f .venv/.installed-*
  touch "$stamp"
fi
