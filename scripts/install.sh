#!/usr/bin/env bash
# Creates .venv and installs LawTrail with its locked dependencies.
#   scripts/install.sh        runtime only
#   scripts/install.sh dev    runtime + test tools
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-runtime}
lock=requirements.lock
[ "$kind" = dev ] && lock=requirements-dev.lock

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python=$candidate; break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "LawTrail needs Python 3.11 (Django 5.2 LTS); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=.venv/.installed-$kind
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$lock"
  .venv/bin/python -m pip install -q --no-deps -e .
  touch "$stamp"
fi
