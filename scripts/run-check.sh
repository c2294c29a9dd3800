#!/usr/bin/env bash
# Proves the README's first command on what a new user gets: a virtualenv made from
# requirements.lock alone (no test tools), the project installed as a package (not editable),
# `pip check`, `lawtrail doctor`, `lawtrail demo`, `lawtrail serve` on a free port, and then
# scripts/run_check.py signs in, reads /api/openapi.json, issues a 询问笔录 over the API and checks
# with pdftotext that its PDF shows its Chinese text; `lawtrail verify` then checks the ledger
# against the live records. The server is stopped by its PID.
# A green test suite on the dev install once hid a runtime lock that could not start LawTrail.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3.11}
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server"
    for _ in $(seq 30); do kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== run check: virtualenv from requirements.lock alone"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q -r requirements.lock
"$work/venv/bin/python" -m pip install -q --no-deps .
"$work/venv/bin/python" -m pip check

export LAWTRAIL_DATA_DIR="$work/data"
unset DATABASE_URL LAWTRAIL_REDIS_URL
lawtrail="$work/venv/bin/lawtrail"
echo "== run check: lawtrail migrate, doctor"
"$lawtrail" migrate >/dev/null
"$lawtrail" doctor
echo "== run check: lawtrail demo"
"$lawtrail" demo
port=$("$work/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "== run check: lawtrail serve --port $port"
"$lawtrail" serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 120); do
  if "$work/venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/login/', timeout=2)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/serve.log" >&2
    echo "run check FAILED: lawtrail serve exited before it served" >&2
    exit 1
  fi
  sleep 0.5
done
if ! "$work/venv/bin/python" scripts/run_check.py "http://127.0.0.1:$port" "$work/issued.pdf"; then
  echo "--- lawtrail serve's log:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
# What was done through the running server is what the ledger froze.
echo "== run check: lawtrail verify"
"$lawtrail" verify
# A clean first screen: an ordinary start logs no error and no traceback.
if grep -nE "Traceback|ERROR|failed" "$work/serve.log" >&2; then
  echo "run check FAILED: lawtrail serve logged the errors above on an ordinary start" >&2
  exit 1
fi
echo "== run check: passed"
