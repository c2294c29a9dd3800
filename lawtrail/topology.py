"""`lawtrail serve --topology scale`: the scale-out topology on this machine or any other.

Several web processes (gunicorn, one per core by default) and several background workers, on the
engines the environment names: PostgreSQL (DATABASE_URL), Redis for the queue
(LAWTRAIL_REDIS_URL) and an S3-compatible bucket for the evidence (LAWTRAIL_S3_BUCKET …). Nothing
here starts those engines: `scripts/run-scale.sh` (`make run-scale`) starts local ones for a
trial, a real installation points the same variables at its own. Each process is watched; when
one ends, the others are stopped and the command fails, so a supervisor (systemd, a container
runtime) restarts the whole set. Ready once every web process answers `/healthz`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any


def problems() -> list[str]:
    """What keeps this environment from being the scale topology, in Chinese, one line each."""
    from django.conf import settings
    from django.db import connection

    found = []
    if connection.vendor != "postgresql":
        found.append("数据库不是 PostgreSQL:请设置 DATABASE_URL=postgres://…(多个 Web 进程不能共用一个 SQLite 文件)")
    if "connection" not in settings.HUEY:
        found.append("任务队列不是 Redis:请设置 LAWTRAIL_REDIS_URL=redis://…(多台机器上的后台任务进程共用一个队列)")
    if not settings.EVIDENCE_STORE.get("s3_bucket"):
        found.append("音像资料存储不是 S3:请设置 LAWTRAIL_S3_BUCKET、LAWTRAIL_S3_ENDPOINT_URL 及密钥"
                     "(各机器读写同一份原件)")
    return found


def health(url: str, timeout: float = 5.0) -> dict[str, Any] | None:
    """The /healthz answer of one web server, or None when it does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 — our own loopback URL
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as err:
        try:
            return dict(json.loads(err.read()))
        except ValueError:
            return None
    except (OSError, ValueError):
        return None


def run(*, host: str, port: int, web: int, workers: int, ready_timeout: float = 90.0) -> int:
    found = problems()
    if found:
        for line in found:
            print(f"错误:{line}", file=sys.stderr)
        print("规模拓扑需要以上外部服务;在本机试用可运行 make run-scale", file=sys.stderr)
        return 2
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    for i in range(workers):
        children.append((f"后台任务进程 {i + 1}", subprocess.Popen([sys.executable, "-m", "lawtrail", "worker"])))
    children.append(("Web 服务(gunicorn)", subprocess.Popen([
        sys.executable, "-m", "gunicorn", "lawtrail.wsgi:application", "--workers", str(web),
        "--bind", f"{host}:{port}", "--graceful-timeout", "20", "--timeout", "300",
        "--max-requests", "2000", "--max-requests-jitter", "200",  # bounds a process's memory over time
        "--access-logfile", "-", "--error-logfile", "-", "--log-level", "warning",
    ], env={**os.environ, "PYTHONUNBUFFERED": "1"})))
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/healthz"
    started, ready = time.monotonic(), False
    code = 0
    try:
        while not stopping:
            ended = [(name, proc) for name, proc in children if proc.poll() is not None]
            if ended:
                for name, proc in ended:
                    print(f"错误:{name}已退出(退出码 {proc.returncode}),停止其余进程", file=sys.stderr)
                code = 1
                break
            if not ready:
                answer = health(url)
                if answer is not None and answer.get("ok"):
                    ready = True
                    print(f"LawTrail(规模拓扑)已启动:http://{host}:{port}/  Web 进程 {web} 个,"
                          f"后台任务进程 {workers} 个;健康检查 {url}  (Ctrl+C 停止)", flush=True)
                elif time.monotonic() - started > ready_timeout:
                    print(f"错误:{ready_timeout:.0f} 秒内健康检查未通过({answer}),停止", file=sys.stderr)
                    code = 1
                    break
            time.sleep(0.5)
    finally:
        for _, proc in children:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 25
        for _, proc in children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
    return code
