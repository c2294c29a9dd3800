#!/usr/bin/env python3
"""Memory of a server under concurrent batch prints and renders, bounded and not.

    .venv/bin/python bench/render_memory.py [--clients 8] [--rounds 3] [--slots 2]

One command, two runs of the same load against `lawtrail serve` on a throw-away demo data
directory (SQLite): first with the render pool unbounded (LAWTRAIL_RENDER_CONCURRENCY=64, the
baseline: every request draws at once, as before the bound), then with it at --slots (the
default is the product's default, 2). Each run starts a fresh server, warms it with one batch
print and one render, then sends --rounds waves of --clients concurrent requests — half batch
prints of a case (`GET /api/cases/{id}/documents/print`), half fresh renders of a document
(`GET /api/documents/{id}/render`) — as one officer through an API token (the rate limit is
switched off for the run). It prints the server's resident memory after the warm-up, its peak
(VmHWM) and its resident memory at the end, per run, and the ratio of the peaks.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAWTRAIL = [sys.executable, "-m", "lawtrail"]


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "LAWTRAIL_DATA_DIR": str(data), "PYTHONPATH": str(ROOT), **extra}
    env.pop("DATABASE_URL", None)
    return env


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) // 1024  # MB
    return out


def _get(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def _targets(base: str, token: str, data: Path) -> tuple[str, str]:
    """A case whose batch print answers 200, and one of its documents."""
    cases = json.loads(subprocess.run([*LAWTRAIL, "cases", "list", "--json"], env=_env(data), check=True,
                                      capture_output=True, text=True).stdout)
    for case in cases:
        if _get(f"{base}/api/cases/{case['id']}/documents/print", token) != 200:
            continue
        request = urllib.request.Request(f"{base}/api/cases/{case['id']}/documents",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request) as response:
            docs = json.loads(response.read())
        if docs:
            return (f"{base}/api/cases/{case['id']}/documents/print", f"{base}/api/documents/{docs[-1]['id']}/render")
    raise SystemExit("no printable case in the demo")


def run(data: Path, token: str, slots: int, clients: int, rounds: int) -> dict[str, object]:
    port = _port()
    env = _env(data, LAWTRAIL_RENDER_CONCURRENCY=str(slots), LAWTRAIL_RATE_LIMIT_EXPENSIVE="0",
               LAWTRAIL_RENDER_WAIT_SECONDS="600")
    server = subprocess.Popen([*LAWTRAIL, "serve", "--no-worker", "--port", str(port), "--threads", str(clients)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=10)
                break
            except OSError:  # not listening yet, or still migrating
                time.sleep(0.2)
        batch, render = _targets(base, token, data)
        assert _get(render, token) == 200
        warm = _memory(server.pid)
        statuses: list[int] = []
        started = time.perf_counter()
        for _ in range(rounds):
            threads = [threading.Thread(target=lambda u=(batch if i % 2 == 0 else render): statuses.append(_get(u, token)))
                       for i in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        seconds = time.perf_counter() - started
        end = _memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"slots": slots, "requests": len(statuses), "ok": statuses.count(200), "seconds": round(seconds, 1),
            "rss_after_warmup_mb": warm["VmRSS"], "peak_rss_mb": end["VmHWM"], "rss_at_end_mb": end["VmRSS"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--slots", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        subprocess.run([*LAWTRAIL, "demo"], env=_env(data), check=True, capture_output=True)
        token = subprocess.run([*LAWTRAIL, "token", "create", "zhangwei"], env=_env(data), check=True,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1]
        baseline = run(data, token, 64, args.clients, args.rounds)
        bounded = run(data, token, args.slots, args.clients, args.rounds)
    for result in (baseline, bounded):
        label = "unbounded (baseline)" if result is baseline else f"bounded, {result['slots']} slots"
        print(f"{label:<22} {result['ok']}/{result['requests']} ok in {result['seconds']} s; RSS after warm-up "
              f"{result['rss_after_warmup_mb']} MB, peak {result['peak_rss_mb']} MB, at end {result['rss_at_end_mb']} MB")
    print(f"peak ratio bounded/unbounded: {bounded['peak_rss_mb'] / baseline['peak_rss_mb']:.2f}")  # type: ignore[operator]


if __name__ == "__main__":
    main()
