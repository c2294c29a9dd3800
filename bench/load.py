#!/usr/bin/env python3
"""Load benchmark: a province's load, migrated through the bulk path, then the main pages under 1
and 8 clients, at a small and at the full size, in one run.

    .venv/bin/python bench/load.py [--cases 100000] [--small 1000] [--requests 40] [--topology embedded|scale]
                                   [--dir DIR [--reuse]]

1. **Migration.** Generates case bundles (the five profiles' exemplary cases, each made distinct,
   scaled to 20 documents and 5 recordings a case) as JSON lines and imports them with
   `lawtrail bundle import` into the admin's agency of a fresh demo: cases/s. Baseline in the same
   run, the schema's floor (bench/floor.py): the very rows the import wrote for a sample of cases
   (every table), deleted and written again by the database driver alone into the schema's own
   tables, one transaction a case (target: the import at least half the floor's rate); beside it,
   the same rows into bare copies of the tables.
2. **Stored findings.** After each import, `lawtrail check --all` fills the stored findings and
   deadlines of every case (cases/s and peak memory, as it prints them).
3. **Pages.** After `--small` cases and again after `--cases`: each main page and API, `--requests`
   requests at 1 client and at 8 (each client its own session, loopback only), p50/p95/p99 and
   requests/s; the ratio of each page's p95 at the full size to its p95 at the small size
   (target ≤ 1.5) and of 8 clients' throughput to one's (target ≥ 1.6 on the scale topology).
   Server memory (RSS of every server process) after each size.

`--topology scale` runs the server as `lawtrail serve --topology scale` on PostgreSQL (a fresh
database), Redis and a SeaweedFS S3 started here; `embedded` (default) as `lawtrail serve` on
SQLite. Loopback only; the server and the clients share this machine's cores, as they would not
in production. Prints a Markdown table for docs/performance.md.

`--dir DIR --reuse` (embedded) measures the pages again on the cases an earlier run with the same
`--dir` and sizes built (the smaller size is kept as a copy, `DIR/data-<small>`): each copy is
migrated and re-checked (`check --all`) by the code being measured, so a change to the pages is
measured at 100,000 cases without importing them again. `--no-check` keeps the stored findings
of the earlier run (when the compliance store's code has not changed since).
"""

from __future__ import annotations

import argparse
import copy
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from floor import floor_sqlite  # noqa: E402  (bench/floor.py: the schema's floor)

PROFILES = ["labor-inspection", "commission-rules", "safety-production", "agriculture", "housing-construction"]
PASSWORD = "lawtrail2026"


# ---------------------------------------------------------------- bundles


def _examples() -> list[dict[str, Any]]:
    out = []
    for pid in PROFILES:
        path = ROOT / "lawtrail" / "compliance" / "examples" / f"{pid}.json"
        if path.exists():
            out.append(json.loads(path.read_text(encoding="utf-8")))
    return out


def scaled(example: dict[str, Any], n: int, documents: int = 20, media: int = 5) -> dict[str, Any]:
    """Case n: the example with its own 案号, grown to `documents` documents and `media` recordings
    (copies of its own records under new ids); its recordings get hashes of their own."""
    b = copy.deepcopy(example)
    b["case"]["number"] = f"压测〔2020〕第{n}号"
    b["case"]["title"] = f"{b['case']['title']}(压测 {n})"
    plain = [d for d in b["documents"] if not d.get("number")] or b["documents"][:1]
    k = 0
    while len(b["documents"]) < documents:
        d = copy.deepcopy(plain[k % len(plain)])
        d["id"] = f"doc-bench-{k}"
        d["number"] = ""
        b["documents"].append(d)
        k += 1
    k = 0
    while len(b["media"]) < media and b["media"]:
        m = copy.deepcopy(b["media"][k % len(b["media"])])
        m["id"] = f"media-bench-{k}"
        b["media"].append(m)
        k += 1
    for m in b["media"]:  # every case its own footage, as in life (one original, one case)
        m["sha256"], m["sm3"] = secrets.token_hex(32), secrets.token_hex(32)
    return b


def write_bundles(path: Path, start: int, count: int) -> None:
    examples = _examples()
    with path.open("w", encoding="utf-8") as out:
        for n in range(start, start + count):
            out.write(json.dumps(scaled(examples[n % len(examples)], n), ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- processes


def lawtrail(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryFile(mode="w+") as err:  # a file, not a pipe: the child may write much
        out = subprocess.run([sys.executable, "-m", "lawtrail", *args], stdout=subprocess.PIPE, stderr=err,
                             text=True, env=env, cwd=ROOT)
        err.seek(0)
        if check and out.returncode != 0:
            raise SystemExit(f"lawtrail {' '.join(args)} failed ({out.returncode}):\n{err.read()[-3000:]}")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, MB."""
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
            todo.extend(int(c) for c in children)
        except OSError:
            continue
    return total


def pending_jobs(env: dict[str, str]) -> int:
    """Jobs waiting in the worker's queue (Huey's own count, read through the application's settings)."""
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                          "from huey.contrib.djhuey import HUEY; print(HUEY.pending_count())"],
                         env={**env, "DJANGO_SETTINGS_MODULE": "lawtrail.settings"}, cwd=ROOT, capture_output=True,
                         text=True)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip().isdigit() else -1


def drain(env: dict[str, str], limit: float = 600.0) -> tuple[float, int]:
    """Wait (at most `limit` s) until the server's worker has taken every queued job (the import's
    refresh jobs, queued while no worker ran): the pages are measured on a server that is not
    still working through the migration. (Seconds waited, jobs left.)"""
    started = time.monotonic()
    left = pending_jobs(env)
    while left > 0 and time.monotonic() - started < limit:
        time.sleep(5)
        left = pending_jobs(env)
    return time.monotonic() - started, left


class Server:
    def __init__(self, env: dict[str, str], topology: str) -> None:
        self.port = free_port()
        args = ["serve", "--port", str(self.port), "--no-worker"] if topology == "embedded" else \
            ["serve", "--port", str(self.port), "--topology", "scale", "--workers", "1"]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-m", "lawtrail", *args], env=env, cwd=ROOT,
                                     stdout=self.log, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        self.log.seek(0)
        raise SystemExit("server did not start:\n" + self.log.read().decode(errors="replace")[-3000:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---------------------------------------------------------------- clients


class Session:
    """A signed-in browser: cookies, the CSRF token of the login form."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.opener.open(base + "/login/", timeout=60).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": username,
                                       "password": PASSWORD}).encode()
        req = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base + "/login/"})
        self.opener.open(req, timeout=60).read()

    def get(self, path: str) -> tuple[float, int]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=120) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as err:
            err.read()
            status = err.code
        return time.perf_counter() - started, status


def measure(base: str, username: str, path: str, clients: int, requests: int) -> dict[str, Any]:
    sessions = [Session(base, username) for _ in range(clients)]
    sessions[0].get(path)  # warm: caches, the first query plans
    times: list[float] = []
    statuses: set[int] = set()
    lock = threading.Lock()
    per = max(1, requests // clients)

    def work(s: Session) -> None:
        mine = []
        for _ in range(per):
            t, status = s.get(path)
            mine.append(t)
            with lock:
                statuses.add(status)
        with lock:
            times.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    times.sort()

    def q(p: float) -> float:
        return times[min(len(times) - 1, int(p * len(times)))] * 1000

    return {"p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "rps": len(times) / wall, "statuses": sorted(statuses)}


# ---------------------------------------------------------------- main


def personas(env: dict[str, str]) -> dict[str, str]:
    """A username per role in the admin's agency, read from the database."""
    code = "\n".join([
        "import json, django", "django.setup()",
        "from lawtrail.accounts.models import RoleGrant, User",
        "admin = User.objects.get(username='admin')",
        "out = {}",
        "for g in RoleGrant.objects.filter(user__agency=admin.agency, user__is_active=True).order_by('id'):",
        "    out.setdefault(g.role, g.user.username)",
        "print(json.dumps(out))"])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={
        **env, "DJANGO_SETTINGS_MODULE": "lawtrail.settings"}, cwd=ROOT, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def pages(env: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, role, path) of the main pages, with the ids they need read from the database."""
    code = ("import json, django; django.setup();"
            "from lawtrail.cases.models import Case; from lawtrail.ledger.models import LedgerEntry;"
            "c = Case.objects.filter(number__startswith='压测').order_by('-id').first();"
            "n = Case.objects.count();"
            "e = LedgerEntry.objects.order_by('-seq').values_list('seq', flat=True).first();"
            "from lawtrail.cases.queries import case_cursor;"
            "a = Case.objects.filter(agency=c.agency); m = a.order_by('-registered_at', '-id')[a.count() // 2];"
            "print(json.dumps({'case': c.pk, 'count': n, 'seq': e, 'middle': case_cursor(m)}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={
        **env, "DJANGO_SETTINGS_MODULE": "lawtrail.settings"}, cwd=ROOT, check=True)
    ids = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        ("办案人员首页", "handler", "/"),
        ("负责人首页", "head", "/"),
        ("档案管理员首页", "archivist", "/"),
        ("法制审核首页", "legal_reviewer", "/"),
        ("案件列表第一页", "supervisor", "/cases/"),
        # The middle of the list, as its 下一页 links reach it (keyset pages: ?after=<cursor>).
        ("案件列表中间一页", "supervisor", f"/cases/?after={ids['middle']}"),
        ("案件页", "supervisor", f"/cases/{ids['case']}/"),
        ("合规检查", "supervisor", "/compliance/"),
        ("检索", "supervisor", "/search/?q=" + urllib.parse.quote("压测")),
        ("数据看板", "supervisor", "/dashboards/"),
        ("执法考核", "supervisor", "/reviews/assessment/"),
        ("案件 API", "supervisor", "/api/cases?limit=20"),
        ("包含证明 API", "supervisor", f"/api/ledger/entries/{ids['seq']}/proof"),
    ]


def run_pages(base: str, who: dict[str, str], main_pages: list[tuple[str, str, str]],
              requests: int) -> dict[str, dict[int, dict[str, Any]]]:
    results: dict[str, dict[int, dict[str, Any]]] = {}
    for label, role, path in main_pages:
        user = who.get(role) or who.get("supervisor") or "admin"
        results[label] = {c: measure(base, user, path, c, requests) for c in (1, 8)}
        r1, r8 = results[label][1], results[label][8]
        print(f"  {label:<14} 1 客户端 p50 {r1['p50']:7.1f} p95 {r1['p95']:7.1f} ms {r1['rps']:6.1f}/s | "
              f"8 客户端 p95 {r8['p95']:7.1f} ms {r8['rps']:6.1f}/s  状态 {sorted(set(r1['statuses']) | set(r8['statuses']))}",
              flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=40, help="requests per page and client count")
    parser.add_argument("--topology", choices=["embedded", "scale"], default="embedded")
    parser.add_argument("--dir", help="work directory (default: a new temp directory)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --dir, embedded topology: measure the pages again on the cases an earlier run "
                             "of the same sizes built there (migrated and re-checked by this code), without importing")
    parser.add_argument("--no-check", action="store_true",
                        help="with --reuse: keep the stored findings the earlier run filled (when the compliance "
                             "store's code has not changed since), instead of `check --all` again")
    args = parser.parse_args()
    if args.reuse and (not args.dir or args.topology != "embedded"):
        parser.error("--reuse needs --dir and the embedded topology")
    if args.no_check and not args.reuse:
        parser.error("--no-check needs --reuse")

    work = Path(args.dir or tempfile.mkdtemp(prefix="lawtrail-load-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LAWTRAIL_DATA_DIR": str(work / "data")}
    for k in ("DATABASE_URL", "LAWTRAIL_REDIS_URL", "LAWTRAIL_S3_BUCKET"):
        env.pop(k, None)
    seaweed = None
    if args.topology == "scale":
        import psycopg

        from lawtrail.testing.seaweed import SeaweedS3

        name = f"lawtrail_load_{os.getpid()}"
        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        seaweed = SeaweedS3(work / "weed").start()
        bucket = seaweed.make_bucket("lawtrail-load")
        s3 = seaweed.settings_for(bucket)
        env.update({"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
                    "LAWTRAIL_REDIS_URL": "redis://127.0.0.1:6379/7", "LAWTRAIL_S3_BUCKET": s3["s3_bucket"],
                    "LAWTRAIL_S3_ENDPOINT_URL": s3["s3_endpoint_url"], "LAWTRAIL_S3_ACCESS_KEY": s3["s3_access_key"],
                    "LAWTRAIL_S3_SECRET_KEY": s3["s3_secret_key"]})
    print(f"工作目录 {work};拓扑 {args.topology};CPU {os.cpu_count()} 核", flush=True)
    if not args.reuse:
        lawtrail(env, "demo")
    summary: dict[str, Any] = {"topology": args.topology}
    done = 0
    for size in (args.small, args.cases):
        # The smaller size is kept as a copy (embedded) so that a later run can measure it again.
        here = work / ("data" if size == args.cases else f"data-{size}")
        built = work / f"built-{size}.json"
        if args.reuse:
            if not built.exists():
                raise SystemExit(f"{work} 中没有 {size:,} 件的数据(先不带 --reuse 运行一次)")
            env = {**env, "LAWTRAIL_DATA_DIR": str(here)}
            lawtrail(env, "migrate")
            summary.setdefault("import", []).append(json.loads(built.read_text()))
            print(f"沿用 {size:,} 件的数据({here});当时导入 {summary['import'][-1]['rate']:,.1f} 件/秒", flush=True)
        else:
            env = {**env, "LAWTRAIL_DATA_DIR": str(work / "data")}
            batch = work / f"bundles-{size}.jsonl"
            write_bundles(batch, done, size - done)
            started = time.perf_counter()
            lawtrail(env, "bundle", "import", str(batch), "--user", "admin", "-q")
            rate = (size - done) / (time.perf_counter() - started)
            batch.unlink()
            done = size
            print(f"导入至 {size:,} 件:{rate:,.1f} 件/秒", flush=True)
            summary.setdefault("import", []).append({"size": size, "rate": rate})
            if args.topology == "embedded":
                bare, floor = floor_sqlite(work / "data" / "lawtrail.sqlite3", min(200, size))
                print(f"  同一批数据由驱动直接写入本库的表(下限):{floor:,.1f} 件/秒;导入 / 下限 = {rate / floor:.2f}"
                      f"(目标 ≥ 0.5);写入无索引的空表副本 {bare:,.1f} 件/秒", flush=True)
                summary["import"][-1].update(floor=floor, bare_floor=bare)
            built.write_text(json.dumps(summary["import"][-1]))
        who = personas(env)
        # The stored findings and deadlines of the imported cases, as an operator fills them after a
        # migration (`lawtrail check --all`): the findings page and the dashboards read them.
        if not args.no_check:
            checked = lawtrail(env, "check", "--all", "--jobs", str(os.cpu_count() or 1), "-q")
            check_line = next((line for line in checked.stdout.splitlines() if line.startswith("已检查")), "")
            print(f"  {check_line}", flush=True)
            summary.setdefault("check", []).append({"size": size, "line": check_line})
        # A signed tree head over the imported entries: the inclusion proof of the newest entry
        # answers only once a checkpoint covers it (409 before).
        lawtrail(env, "ledger", "checkpoint")
        if args.topology == "embedded" and not args.reuse and size != args.cases:
            shutil.rmtree(here, ignore_errors=True)
            shutil.copytree(work / "data", here)
        main_pages = pages(env)
        server = Server(env, args.topology)
        try:
            if args.topology == "scale":
                waited, left = drain(env)
                print(f"  等待工作进程处理完队列中的任务:{waited:,.0f} 秒,剩余 {left} 个", flush=True)
                summary.setdefault("drain", []).append({"size": size, "seconds": waited, "left": left})
            summary[str(size)] = run_pages(server.base, who, main_pages, args.requests)
            memory = rss_mb(server.proc.pid)
            print(f"  服务进程内存(RSS,含子进程):{memory:,.0f} MB", flush=True)
            summary[f"rss-{size}"] = memory
        finally:
            server.stop()
    small, full = summary[str(args.small)], summary[str(args.cases)]
    print(f"\n| 页面 | p95 @{args.small:,} (ms) | p95 @{args.cases:,} (ms) | 比值 (目标 ≤ 1.5) | 8 客户端 / 1 客户端吞吐 |")
    print("|---|---|---|---|---|")
    for label in full:
        a, b = small[label][1]["p95"], full[label][1]["p95"]
        print(f"| {label} | {a:.1f} | {b:.1f} | {b / a:.2f} | {full[label][8]['rps'] / full[label][1]['rps']:.2f} |")
    (work / "load.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    if seaweed is not None:
        seaweed.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
