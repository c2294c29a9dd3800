#!/usr/bin/env bash
# Rewrites requirements.lock: every package the running product needs (pyproject.toml's
# dependencies and everything they pull in), each at the version requirements-dev.lock pins, so
# the two locks never disagree on a package they share. Run it after changing either file's
# dependencies; tests/test_locks.py and `.ci/run` (pip check in a venv made from this lock alone)
# fail until it has been run.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3.11}
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -c requirements-dev.lock .
"$venv/bin/python" -m pip check
"$venv/bin/python" -m pip freeze --exclude lawtrail | LC_ALL=C sort -f > requirements.lock
echo "requirements.lock: $(wc -l < requirements.lock) packages"
