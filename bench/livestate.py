#!/usr/bin/env python3
"""What comparing live records with the ledger costs in `lawtrail verify` (issue 15).

    .venv/bin/python bench/livestate.py [--cases 100000] [--pg-url URL] [--no-sqlite]

Builds N cases (案件) in a throw-away database: a template case through the real actions, then
N copies, each with the event that froze its state, imported through the bulk path
(lawtrail.ledger.writer.append_many, states frozen with lawtrail.events.state.freeze). Then
measures, in one run:

1. live: the live-state check alone (lawtrail.ledger.livestate.check_live_records): every
   case's events' frozen digests read and checked against their entries, every live row read
   through its model and hashed, compared digest to digest;
2. baseline: reading the same rows through the models alone (what any check of live rows in
   Python pays) — ratio = live / baseline;
3. for context: the whole `verify` (entries, events, live records; no evidence store) and
   `verify --ledger-only` over the same database;
4. a tampered copy: one case's 案号 changed by SQL, to show the check still names it at scale.

Each database runs in a child process of its own (settings come from the environment).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/lt_livestate_bench"


def child(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["LAWTRAIL_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", interactive=False, verbosity=0)
    from lawtrail.cases.models import Case
    from lawtrail.events.models import DomainEvent
    from lawtrail.events.state import freeze
    from lawtrail.ledger.livestate import check_live_records
    from lawtrail.ledger.verify import verify_ledger
    from lawtrail.ledger.writer import append_many
    from lawtrail.lib import timez
    from lawtrail.testing.personas import build_world
    from lawtrail.testing.scenarios import register_case

    world = build_world()
    template = register_case(world)
    started = time.perf_counter()
    batch = 5000
    for start in range(0, args.cases, batch):
        copies = []
        for i in range(start, min(start + batch, args.cases)):
            case = Case(**{f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields
                           if not f.primary_key})
            case.title = f"拖欠劳动者工资 {i}"
            copies.append(case)
        with transaction.atomic():
            Case.objects.bulk_create(copies)
            events = []
            for case in copies:
                label, pk, digest, fields = freeze(case)
                events.append(DomainEvent(
                    occurred_at=timez.now(), action="case.register", actor=world.alice, actor_name="艾丽",
                    object_type=label, object_id=pk, object_repr=case.title, case_id_frozen=case.pk,
                    payload={"title": case.title}, records=[[label, pk, digest]], record_fields=[fields]))
            append_many(events)
    built = time.perf_counter() - started
    rows = Case.objects.count()

    def timed(fn: Any) -> tuple[float, Any]:
        t = time.perf_counter()
        out = fn()
        return time.perf_counter() - t, out

    found: list[str] = []
    live_s, checked = timed(lambda: check_live_records(lambda code, message, **w: found.append(code)))
    base_s, _ = timed(lambda: sum(1 for _ in Case._base_manager.order_by("pk").iterator(chunk_size=5000)))
    full_s, full = timed(lambda: verify_ledger(evidence=False))
    only_s, _ = timed(lambda: verify_ledger(events=False, evidence=False))
    victim = Case.objects.order_by("pk").values_list("pk", flat=True)[rows // 2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET title = %s WHERE id = %s", ["篡改后的案由", victim])
    tampered_s, tampered = timed(lambda: verify_ledger(evidence=False))
    named = [(p.code, p.record, p.field) for p in tampered.problems]
    return {
        "database": connection.vendor, "cases": rows, "records_checked": checked, "build_s": round(built, 1),
        "live_s": round(live_s, 2), "baseline_read_s": round(base_s, 2),
        "live_per_record_us": round(live_s / max(checked, 1) * 1e6, 1),
        "ratio_live_to_read": round(live_s / base_s, 2) if base_s else None,
        "verify_full_s": round(full_s, 2), "verify_full_ok": full.ok and not found,
        "verify_ledger_only_s": round(only_s, 2), "tampered_verify_s": round(tampered_s, 2),
        "tampered_named": named == [("record_changed", f"cases.case#{victim}", "title")],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return 0
    results = []
    targets = ([] if args.no_sqlite else [("sqlite", None)]) + ([] if args.no_pg else [("postgresql", args.pg_url)])
    for name, url in targets:
        with tempfile.TemporaryDirectory(prefix="lt-livestate-") as data_dir:
            env = {**os.environ, "LAWTRAIL_DATA_DIR": data_dir, "LAWTRAIL_LEDGER_CHECKPOINT_DIR": ""}
            env.pop("DATABASE_URL", None)
            if url:
                base, db = url.rsplit("/", 1)
                subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {db}"], check=True,
                               capture_output=True)
                subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {db}"], check=True,
                               capture_output=True)
                env["DATABASE_URL"] = url
            out = subprocess.run([sys.executable, __file__, "--child", "--data-dir", data_dir,
                                  "--cases", str(args.cases)], env=env, capture_output=True, text=True, cwd=ROOT)
            if out.returncode != 0:
                print(out.stderr, file=sys.stderr)
                return 1
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"{name}: {results[-1]}", flush=True)
    print()
    print("| database | cases | live-state check | per record | reading the rows alone | ratio | whole verify "
          "| verify --ledger-only |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['database']} | {r['cases']:,} | {r['live_s']} s | {r['live_per_record_us']} µs "
              f"| {r['baseline_read_s']} s | ×{r['ratio_live_to_read']} | {r['verify_full_s']} s "
              f"| {r['verify_ledger_only_s']} s |")
    ok = all(r["verify_full_ok"] and r["tampered_named"] for r in results)
    print("untouched: clean; tampered: named" if ok else "UNEXPECTED: see the results above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
