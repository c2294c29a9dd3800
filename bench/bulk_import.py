#!/usr/bin/env python3
"""Bulk import against the schema's floor, in one run:

    .venv/bin/python bench/bulk_import.py [--cases 1000] [--sample 200] [--database sqlite|postgresql] [--verify]

Generates `--cases` case bundles (the five profiles' exemplary cases, each with its own 案号, grown
to 20 documents and 5 recordings a case: bench/load.py's generator) as JSON lines, and imports
them with `lawtrail bundle import` into a fresh instance (one agency, its admin): cases/s, from
the command's start to its end (start-up included), and the command's peak memory (max RSS).

Baseline in the same run, the schema's floor: the very rows the import wrote for `--sample`
cases (every table: the case, its documents, signatures, recordings, events, ledger entries …),
read back, deleted, and inserted again by the database driver alone (`executemany`) into the
schema's own tables, with their keys, indexes, foreign keys and triggers (the search index's),
one transaction a case. Target: the import at ≥ 0.5 of the floor's rate. Printed beside it, as
the earlier runs measured it: the same rows into bare copies of the tables (no key, index,
constraint or trigger), which measures the driver and the commits alone.

`--database postgresql` uses a fresh database on the local server (dropped afterwards).
`--verify` runs `lawtrail verify` afterwards and prints its verdict and time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from floor import floor_postgresql, floor_sqlite  # noqa: E402  (bench/floor.py)
from load import write_bundles  # noqa: E402  (bench/load.py: the same generated cases)

PG_SERVER = "postgres://postgres@127.0.0.1:5432"

_SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from lawtrail.testing.personas import build_world
build_world()
"""


def run(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one child process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as err:  # a file, not a pipe: the child may write much
        proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=err, text=True, env=env,
                                cwd=ROOT)
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err.read()[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=200, help="cases the floor writes again")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--verify", action="store_true", help="run lawtrail verify afterwards")
    parser.add_argument("--dir", help="work directory (default: a new temp directory)")
    args = parser.parse_args()

    work = Path(args.dir or tempfile.mkdtemp(prefix="lawtrail-bulk-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LAWTRAIL_DATA_DIR": str(work / "data"), "DJANGO_SETTINGS_MODULE": "lawtrail.settings",
           "PYTHONPATH": str(ROOT)}
    for k in ("DATABASE_URL", "LAWTRAIL_REDIS_URL", "LAWTRAIL_S3_BUCKET"):
        env.pop(k, None)
    pg_name = None
    if args.database == "postgresql":
        import psycopg

        pg_name = f"lawtrail_bulk_{os.getpid()}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{pg_name}"')
        env["DATABASE_URL"] = f"{PG_SERVER}/{pg_name}"
    try:
        print(f"工作目录 {work};数据库 {args.database};CPU {os.cpu_count()} 核", flush=True)
        run(env, "-c", _SETUP)
        bundles = work / "bundles.jsonl"
        write_bundles(bundles, 0, args.cases)
        seconds, peak, out = run(env, "-m", "lawtrail", "bundle", "import", str(bundles), "--user", "root", "-q")
        rate = args.cases / seconds
        print(out.strip())
        print(f"导入 {args.cases:,} 件(每件 20 份文书、5 段音像):{seconds:,.1f} 秒,{rate:,.1f} 件/秒(含命令启动),"
              f"峰值内存 {peak:,.0f} MB", flush=True)
        sample = min(args.sample, args.cases)
        bare, floor = (floor_sqlite(work / "data" / "lawtrail.sqlite3", sample) if args.database == "sqlite"
                       else floor_postgresql(env["DATABASE_URL"], sample))
        print(f"同一批数据由驱动直接写入(下限,{sample} 件,每件一个事务):写入本库的表(含索引、约束、触发器)"
              f"{floor:,.1f} 件/秒,导入 / 下限 = {rate / floor:.2f}(目标 ≥ 0.5);"
              f"写入无索引的空表副本 {bare:,.1f} 件/秒,导入 / 该值 = {rate / bare:.2f}", flush=True)
        if args.verify:
            seconds, peak, out = run(env, "-m", "lawtrail", "verify")
            print(out.strip().splitlines()[-1] if out.strip() else "",
                  f"(lawtrail verify {seconds:,.1f} 秒,峰值内存 {peak:,.0f} MB)")
    finally:
        if pg_name is not None:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
