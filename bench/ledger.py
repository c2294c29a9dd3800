#!/usr/bin/env python3
"""Ledger benchmark: what the tamper-evident ledger costs, on SQLite and PostgreSQL.

    .venv/bin/python bench/ledger.py [--seconds 6] [--entries 1000000] [--pg-url URL] [--no-pg]
                                     [--only appends,bulk,verify] [--verify-on sqlite,postgresql]

One command, one run, three measurements (issue 4's targets in brackets):

1. Sustained durable appends/s: one event per durable transaction, recorded the way every
   action records it (record_event → event row + ledger entry), against the same database's
   plain durable single-row commit measured in the same run, in interleaved rounds.
   Baselines: "bare" = one raw INSERT of an event-sized row in a durable transaction;
   "event, no ledger" = the DomainEvent row as record_event wrote it before the ledger
   (ORM create). Ratio = baseline rate / ledger rate  [≤ 1.20 against the bare commit].
   Also measured: the schema's floor, the same event row and entry row written through the
   driver with every value made beforehand: what no Python-side saving can go below.
   SQLite runs twice: synchronous=FULL (the project's default: each commit fsynced, durable)
   and synchronous=NORMAL (WAL; commits reach the disk at the next WAL sync), for comparison.
2. Bulk import: events and their entries appended 5,000 per transaction by
   lawtrail.ledger.writer.append_many (the bulk API imports use)  [≥ 50,000/s]; and the
   database's floor for it: the same rows, made beforehand, inserted and committed alone.
3. `lawtrail verify` over N entries (default 1,000,000) as a subprocess, against
   `openssl dgst -sha256` over the same bytes (every entry's canonical bytes, concatenated),
   with the peak RSS of each  [≤ 3×].

Each database part runs in a child process of its own (settings come from the
environment). PostgreSQL uses a throw-away database on --pg-url's server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/lt_ledger_bench"
UA = ("Mozilla/5.0 (Linux; Android 12; HM-BodyCam X3 Build/SP1A.210812.016) AppleWebKit/537.36 "
      "(KHTML, like Gecko) Chrome/118.0.5993.80 Mobile Safari/537.36")


# ---------------------------------------------------------------- children (Django set up)


def _setup(data_dir: str) -> None:
    os.environ["LAWTRAIL_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _actor() -> Any:
    from django.contrib.auth.hashers import make_password  # noqa: F401  (settings loaded)

    from lawtrail.accounts.actions import do_create_agency, do_create_unit, do_create_user
    from lawtrail.accounts.choices import Role
    from lawtrail.accounts.models import User

    found = User.objects.filter(username="bench").first()
    if found:
        return found
    agency = do_create_agency(name="基准测试劳动保障监察大队", short_name="基准", profile_id="labor-inspection",
                              case_number_format="基立〔{year}〕第{seq}号", simple_case_number_format="基简〔{year}〕第{seq}号",
                              actor=None)
    unit = do_create_unit(agency, name="一中队", actor=None)
    return do_create_user(username="bench", password="Bench-password-2026", full_name="基准测试员", agency=agency,
                          unit=unit, roles=[(Role.OFFICER, unit)], cert_no="JZ0001", actor=None)


def _payload(i: int) -> dict[str, Any]:
    return {"kind": "organisation", "name": f"某某建筑劳务有限公司第{i}分公司", "note": "现场检查发现未按时足额支付劳动报酬",
            "officers": [{"id": "3", "name": "张伟", "cert_no": "川劳监2026001"},
                         {"id": "4", "name": "李强", "cert_no": "川劳监2026002"}], "amount": "20000.00", "n": i}


def child_appends(args: argparse.Namespace) -> dict[str, Any]:
    _setup(args.data_dir)
    from django.db import connection, transaction

    from lawtrail.events.context import Origin, origin
    from lawtrail.events.models import DomainEvent
    from lawtrail.events.recorder import record_event
    from lawtrail.lib import timez

    actor = _actor()
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute(f"PRAGMA synchronous={args.sqlite_sync}")
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_bare")
        c.execute("CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, at TEXT, body TEXT)"
                  if connection.vendor == "sqlite" else
                  "CREATE TABLE bench_bare (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ, body TEXT)")
    body = json.dumps(_payload(0), ensure_ascii=False) + UA  # an event-sized row

    def bare() -> None:
        with transaction.atomic(durable=True), connection.cursor() as c:
            c.execute("INSERT INTO bench_bare (at, body) VALUES (%s, %s)", [timez.now(), body])

    def event_only() -> None:
        with transaction.atomic(durable=True):
            DomainEvent.objects.create(occurred_at=timez.now(), action="party.create", actor=actor,
                                       actor_name=actor.display_name, actor_username=actor.username,
                                       actor_role="officer", actor_cert_no=actor.cert_no or "",
                                       agency_id_frozen=actor.agency_id, object_type="accounts.user",
                                       object_id=str(actor.pk), object_repr=str(actor), payload=_payload(1),
                                       client_ip="10.1.2.3", user_agent=UA, channel="web", request_id="r")

    def ledger() -> None:
        with transaction.atomic(durable=True):
            record_event("party.create", actor, actor=actor, payload=_payload(1))

    # The schema's floor: the same event row and entry row, with every value made beforehand
    # (no canonical bytes built, nothing hashed, no Python between the statements but the driver).
    from lawtrail.ledger import writer
    from lawtrail.ledger.canonical import event_tail, payload_text
    from lawtrail.verifier.entry import entry_prefix

    vendor = connection.vendor
    sample = _events(1, 0, actor)[0]
    payload = payload_text(sample.payload)
    params = writer._event_params(sample, vendor, payload[1])
    tail = event_tail(sample, None, payload)
    leaf = bytes(32)

    def floor() -> None:
        with transaction.atomic(durable=True):
            cursor = connection.connection.cursor()
            if vendor == "postgresql":
                cursor.execute(writer._insert_event_sql("postgresql"), [*params, tail])
            else:
                cursor.execute(writer._sqlite(writer._insert_event_sql("sqlite", returning=False)), params)
                pk = cursor.lastrowid
                cursor.execute(writer._NEXT_SEQ)
                seq = cursor.fetchone()[0]
                cursor.execute(writer._sqlite(writer._INSERT_ENTRY), (seq, pk, entry_prefix(seq, pk) + tail, leaf))
            cursor.close()

    kinds = {"bare": bare, "event_no_ledger": event_only, "floor": floor, "ledger": ledger}
    rates: dict[str, list[float]] = {k: [] for k in kinds}
    per_round = max(0.2, args.seconds / 6 / len(kinds))
    with origin(Origin(channel="web", client_ip="10.1.2.3", user_agent=UA)):
        for fn in kinds.values():  # warm up
            for _ in range(50):
                fn()
        deadline = time.perf_counter() + args.seconds
        while time.perf_counter() < deadline:
            for name, fn in kinds.items():
                n, started = 0, time.perf_counter()
                while (elapsed := time.perf_counter() - started) < per_round:
                    fn()
                    n += 1
                rates[name].append(n / elapsed)
    return {"median": {k: statistics.median(v) for k, v in rates.items()}, "rounds": rates}


def _events(n: int, start: int, actor: Any) -> list[Any]:
    from lawtrail.events.models import DomainEvent
    from lawtrail.lib import timez

    now = timez.now()
    return [DomainEvent(occurred_at=now, action="party.create", actor_id=actor.pk, actor_name="基准测试员",
                        actor_username="bench", actor_role="officer", actor_cert_no="JZ0001",
                        agency_id_frozen=actor.agency_id, object_type="cases.party", object_id=str(start + i),
                        object_repr=f"某某建筑劳务有限公司第{start + i}分公司", case_id_frozen=None,
                        payload=_payload(start + i), client_ip="10.1.2.3", user_agent=UA, channel="api",
                        request_id=f"import-{start + i}") for i in range(n)]


def child_bulk(args: argparse.Namespace) -> dict[str, Any]:
    """Bulk import: `count` events in transactions of `batch`; optionally keep them (for verify)."""
    _setup(args.data_dir)
    from django.db import transaction

    from lawtrail.ledger.writer import append_many

    actor = _actor()
    done, elapsed = 0, 0.0
    batch_rates = []
    while done < args.count:
        n = min(args.batch, args.count - done)
        events = _events(n, done, actor)
        started = time.perf_counter()
        with transaction.atomic(durable=True):
            append_many(events)
        took = time.perf_counter() - started
        elapsed += took
        batch_rates.append(n / took)
        done += n
    floor = _bulk_floor(actor, min(args.count, 50_000), args.batch) if args.floor else None
    return {"events": done, "seconds": elapsed, "rate": done / elapsed, "batch_rates": batch_rates, "floor": floor}


def _bulk_floor(actor: Any, count: int, batch: int) -> float:
    """The database's own rate for the same import: each batch's rows made by the writer
    beforehand (untimed), then only the inserts (executemany / COPY) and the commit timed."""
    from django.db import connection, transaction

    from lawtrail.ledger import writer

    vendor, elapsed, done = connection.vendor, 0.0, 0
    while done < count:
        events = _events(batch, 10_000_000 + done, actor)
        with transaction.atomic(durable=True):
            with connection.cursor() as cursor:
                ids = writer._new_event_ids(cursor, vendor, len(events))
                event_rows, rows = writer._batch_rows(events, ids, writer._next_seq(cursor, vendor), vendor)
                started = time.perf_counter()
                writer._insert_rows(cursor, vendor, event_rows, rows)
        elapsed += time.perf_counter() - started
        done += len(events)
    return done / elapsed


def child_dump(args: argparse.Namespace) -> dict[str, Any]:
    """Every entry's canonical bytes, concatenated, into a file: what openssl hashes."""
    _setup(args.data_dir)
    from django.db import connection

    total = 0
    with open(args.out, "wb") as f, connection.chunked_cursor() as cursor:
        cursor.execute("SELECT canonical FROM ledger_ledgerentry ORDER BY seq")
        while rows := cursor.fetchmany(20000):
            for (blob,) in rows:
                data = bytes(blob)
                total += len(data)
                f.write(data)
    return {"bytes": total}


# ---------------------------------------------------------------- parent


def _run_child(what: str, env: dict[str, str], *extra: str) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", what, *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"child {what} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _timed_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), out


def _fresh_pg(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring time per append mode")
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries for the verify measurement")
    parser.add_argument("--bulk", type=int, default=200_000, help="events for the bulk import measurement")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--only", default="appends,bulk,verify", help="parts to run: appends,bulk,verify")
    parser.add_argument("--verify-on", default="sqlite", help="databases for the verify measurement: sqlite,postgresql")
    # children
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--sqlite-sync", default="FULL", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=5000, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = {"appends": child_appends, "bulk": child_bulk, "dump": child_dump}[args.child](args)
        print(json.dumps(result))
        return 0

    databases: list[tuple[str, str | None]] = [("sqlite", None)]
    if not args.no_pg:
        databases.append(("postgresql", args.pg_url))
    missed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lt-bench-ledger-") as tmp:
        def env_for(db: str, url: str | None, tag: str) -> dict[str, str]:
            env = {**os.environ, "LAWTRAIL_DATA_DIR": str(Path(tmp) / tag), "LAWTRAIL_LEDGER_CHECKPOINT_MINUTES": "0"}
            env.pop("DATABASE_URL", None)
            if url:
                _fresh_pg(url)
                env["DATABASE_URL"] = url
            return env

        parts = args.only.split(",")
        print("== 1. sustained durable appends (one event per durable transaction)")
        modes = [("sqlite", None, "FULL"), ("sqlite", None, "NORMAL")] + [(d, u, "") for d, u in databases[1:]]
        if "appends" not in parts:
            modes = []
        for db, url, sync in modes:
            tag = f"appends-{db}-{sync or 'pg'}"
            env = env_for(db, url, tag)
            out = _run_child("appends", env, "--data-dir", env["LAWTRAIL_DATA_DIR"], "--seconds", str(args.seconds),
                             "--sqlite-sync", sync or "FULL")
            r, rounds = out["median"], out["rounds"]
            label = f"{db}" + (f" (synchronous={sync})" if sync else "")
            bare_ratio = r["bare"] / r["ledger"]
            event_ratio = r["event_no_ledger"] / r["ledger"]
            paired = sorted(b / x for b, x in zip(rounds["bare"], rounds["ledger"], strict=True))

            def spread(name: str, rounds: dict[str, list[float]] = rounds) -> str:
                return f"{min(rounds[name]):.0f}–{max(rounds[name]):.0f}"

            print(f"{label:<30} bare {r['bare']:8.0f}/s ({spread('bare')})   event, no ledger "
                  f"{r['event_no_ledger']:8.0f}/s ({spread('event_no_ledger')})   event + ledger {r['ledger']:8.0f}/s "
                  f"({spread('ledger')})   [medians of {len(paired)} interleaved rounds (min–max)]")
            print(f"{'':<30} cost of the ledger: ×{bare_ratio:.2f} of the bare commit (per round ×{paired[0]:.2f}–"
                  f"×{paired[-1]:.2f}), ×{event_ratio:.2f} of the event without it  [target ≤ 1.20 on durable commits]")
            print(f"{'':<30} per action: bare commit {1e6 / r['bare']:.0f} µs, event + ledger {1e6 / r['ledger']:.0f} µs; "
                  f"floor (the same two rows, values made beforehand) {1e6 / r['floor']:.0f} µs = "
                  f"×{r['bare'] / r['floor']:.2f} of the bare commit")
            if sync != "NORMAL" and bare_ratio > 1.20:
                missed.append(f"appends {label}: ×{bare_ratio:.2f}")

        print(f"\n== 2. bulk import ({args.bulk:,} events, 5,000 per transaction)")
        for db, url in databases if "bulk" in parts else []:
            env = env_for(db, url, f"bulk-{db}")
            r = _run_child("bulk", env, "--data-dir", env["LAWTRAIL_DATA_DIR"], "--count", str(args.bulk), "--floor")
            batches = sorted(r["batch_rates"])
            print(f"{db:<30} {r['rate']:10,.0f} events/s overall; per transaction median "
                  f"{statistics.median(batches):,.0f}/s ({batches[0]:,.0f}–{batches[-1]:,.0f})  [target ≥ 50,000/s]")
            print(f"{'':<30} floor: the database alone takes the same rows (made beforehand) at "
                  f"{r['floor']:,.0f}/s; the import runs at {r['rate'] / r['floor']:.2f} of it")
            if r["rate"] < 50_000:
                missed.append(f"bulk {db}: {r['rate']:,.0f}/s")

        print(f"\n== 3. lawtrail verify over {args.entries:,} entries vs openssl dgst -sha256 on the same bytes")
        for db, url in databases if "verify" in parts else []:
            if db not in args.verify_on.split(","):
                continue
            env = env_for(db, url, f"verify-{db}")
            started = time.perf_counter()
            _run_child("bulk", env, "--data-dir", env["LAWTRAIL_DATA_DIR"], "--count", str(args.entries),
                       "--batch", "10000")
            fill = time.perf_counter() - started
            subprocess.run([sys.executable, "-m", "lawtrail", "ledger", "checkpoint", "--quiet"], env=env, check=True,
                           cwd=ROOT)
            dump = Path(tmp) / f"entries-{db}.bin"
            size = _run_child("dump", env, "--data-dir", env["LAWTRAIL_DATA_DIR"], "--out", str(dump))["bytes"]
            subprocess.run(["openssl", "dgst", "-sha256", str(dump)], capture_output=True, check=True)  # warm cache
            ossl = min(_timed_rss(["openssl", "dgst", "-sha256", str(dump)], env)[:2] for _ in range(3))
            print(f"{db:<30} {size / 1e6:,.0f} MB of entry bytes (filled in {fill:.0f} s); "
                  f"openssl dgst {ossl[0]:.2f} s, peak RSS {ossl[1]:.0f} MB")
            for label, flags in (("lawtrail verify", []), ("lawtrail verify --ledger-only", ["--ledger-only"])):
                runs = [_timed_rss([sys.executable, "-m", "lawtrail", "verify", "--json", *flags], env)
                        for _ in range(3)]
                for _, _, code, out in runs:
                    if code != 0:
                        raise SystemExit(f"{label} failed ({code}):\n{out[-3000:]}")
                best = min(runs)
                report = json.loads(best[3])
                ratio = best[0] / ossl[0]
                times = ", ".join(f"{run[0]:.2f}" for run in runs)
                print(f"{'':<30} {label:<30} {report['entries']:,} entries in {best[0]:6.2f} s "
                      f"(runs: {times} s; inside {report['seconds']:.2f} s), peak RSS {best[1]:4.0f} MB: "
                      f"×{ratio:.2f} openssl  [target ≤ 3×]")
                if ratio > 3:
                    missed.append(f"{label} {db}: ×{ratio:.2f}")
            dump.unlink()
    if missed:
        print("\ntargets missed: " + "; ".join(missed))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
