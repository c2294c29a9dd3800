"""The schema's floor for the bulk import benchmarks (bench/bulk_import.py, bench/load.py): the
very rows an import wrote for a sample of cases (every table: the case, its documents,
signatures, recordings, events, ledger entries …), read back, and written again by the database
driver alone (`executemany`), one transaction a case:

- into the schema's own tables, with their keys, indexes, foreign keys and triggers (the search
  index's): the sample's rows are deleted first, then written again with their own ids. This is
  the floor the import is held to (it leaves the database as it found it).
- into bare copies of the tables (no key, index, constraint or trigger): the driver and the
  commits alone, as the earlier runs measured the floor.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any


def _sample_rows(fetch: Any, tables: list[str], columns: dict[str, list[str]],
                 cases: list[int]) -> dict[int, list[tuple[str, list[tuple[Any, ...]]]]]:
    """Every row the import wrote for each case, table by table."""
    per_case: dict[int, list[tuple[str, list[tuple[Any, ...]]]]] = {}
    for c in cases:
        found = [("cases_case", fetch("SELECT * FROM cases_case WHERE id = %s", [c]))]
        for t in tables:
            if "case_id" in columns[t] and t != "cases_case":
                found.append((t, fetch(f'SELECT * FROM "{t}" WHERE case_id = %s', [c])))
        found.append(("documents_signature", fetch(
            "SELECT s.* FROM documents_signature s JOIN documents_document d ON d.id = s.document_id "
            "WHERE d.case_id = %s", [c])))
        found.append(("evidence_storedobject", fetch(
            "SELECT o.* FROM evidence_storedobject o JOIN evidence_evidence e ON e.stored_id = o.id "
            "WHERE e.case_id = %s", [c])))
        found.append(("events_domainevent", fetch("SELECT * FROM events_domainevent WHERE case_id_frozen = %s", [c])))
        found.append(("ledger_ledgerentry", fetch(
            "SELECT l.* FROM ledger_ledgerentry l JOIN events_domainevent e ON e.id = l.event_id "
            "WHERE e.case_id_frozen = %s", [c])))
        per_case[c] = found
    return per_case


def _pk_columns(columns: list[str], pk: list[str]) -> list[int]:
    return [columns.index(c) for c in pk]


def floor_sqlite(db: Path, sample: int) -> tuple[float, float]:
    """Cases/s of the driver alone writing the rows the import wrote for `sample` cases: (into
    bare copies of the tables, into the schema's own tables)."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA synchronous=FULL")  # as the application's connections
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    info = {t: list(con.execute(f'PRAGMA table_info("{t}")')) for t in tables}
    columns = {t: [r[1] for r in info[t]] for t in tables}
    cases = [r[0] for r in con.execute("SELECT id FROM cases_case ORDER BY id DESC LIMIT ?", [sample])]
    per_case = _sample_rows(lambda sql, args: list(con.execute(sql.replace("%s", "?"), args)), tables, columns, cases)
    pks = {t: _pk_columns(columns[t], [r[1] for r in sorted(info[t], key=lambda r: r[5]) if r[5]]) for t in tables}
    per_case = _once(per_case, pks)
    copies = {t for found in per_case.values() for t, _ in found}

    def write(prefix: str) -> float:
        started = time.perf_counter()
        for found_rows in per_case.values():
            con.execute("BEGIN")
            for t, found in found_rows:
                if found:
                    con.executemany(f'INSERT INTO "{prefix}{t}" VALUES ({",".join("?" * len(found[0]))})', found)
            con.execute("COMMIT")
        return len(per_case) / (time.perf_counter() - started)

    # Bare: empty copies of the tables, without their keys, indexes, constraints or triggers.
    for t in copies:
        con.execute(f'DROP TABLE IF EXISTS "bench_{t}"')
        con.execute(f'CREATE TABLE "bench_{t}" AS SELECT * FROM "{t}" WHERE 0')
    bare = write("bench_")
    for t in copies:
        con.execute(f'DROP TABLE "bench_{t}"')
    # The schema's own tables, with every key, index, foreign key (checked at commit, as Django
    # declares them) and trigger (the search index's): the sample's rows deleted, then written
    # again, each with its own id, as the application's connections write them. (The guards
    # that refuse a delete are set aside for the delete and put back before the clock runs.)
    guards = list(con.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND sql LIKE '%RAISE(%'"))
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("BEGIN")
    for name, _ in guards:
        con.execute(f'DROP TRIGGER "{name}"')
    for found_rows in per_case.values():
        for t, found in found_rows:
            pk = pks[t]
            where = " AND ".join(f'"{columns[t][i]}" = ?' for i in pk)
            con.executemany(f'DELETE FROM "{t}" WHERE {where}', [[row[i] for i in pk] for row in found])
    for _, sql in guards:
        con.execute(sql)
    con.execute("COMMIT")
    con.execute("PRAGMA foreign_keys=ON")
    schema = write("")
    con.close()
    return bare, schema


def _once(per_case: dict[int, list[tuple[str, list[tuple[Any, ...]]]]],
          pks: dict[str, list[int]]) -> dict[int, list[tuple[str, list[tuple[Any, ...]]]]]:
    """Each row once, with the first case that names it (an original shared by two cases was
    written once by the import)."""
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    out: dict[int, list[tuple[str, list[tuple[Any, ...]]]]] = {}
    for case, found_rows in per_case.items():
        out[case] = []
        for t, found in found_rows:
            kept = []
            for row in found:
                key = (t, tuple(row[i] for i in pks[t]))
                if key not in seen:
                    seen.add(key)
                    kept.append(row)
            out[case].append((t, kept))
    return out


def floor_postgresql(url: str, sample: int) -> tuple[float, float]:
    """floor_sqlite() on PostgreSQL."""
    import psycopg
    from psycopg.types.json import Jsonb

    def as_sent(value: Any) -> Any:
        return Jsonb(value) if isinstance(value, dict | list) else value

    with psycopg.connect(url) as con:
        def fetch(sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
            # jsonb values read back as Python values: sent again as jsonb (adapted before the clock runs).
            return [tuple(map(as_sent, row)) for row in con.execute(sql, args).fetchall()]

        tables = [r[0] for r in fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", [])]
        columns = {t: [r[0] for r in fetch("SELECT column_name FROM information_schema.columns "
                                           "WHERE table_name = %s ORDER BY ordinal_position", [t])] for t in tables}
        pks = {t: _pk_columns(columns[t], [r[0] for r in fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum", [f'"{t}"'])]) for t in tables}
        cases = [r[0] for r in fetch("SELECT id FROM cases_case ORDER BY id DESC LIMIT %s", [sample])]
        per_case = _once(_sample_rows(fetch, tables, columns, cases), pks)
        copies = {t for found in per_case.values() for t, _ in found}

        def write(prefix: str) -> float:
            started = time.perf_counter()
            for found_rows in per_case.values():
                with con.cursor() as cur:
                    for t, found in found_rows:
                        if found:
                            cur.executemany(f'INSERT INTO "{prefix}{t}" VALUES ({",".join(["%s"] * len(found[0]))})',
                                            found)
                con.commit()
            return len(per_case) / (time.perf_counter() - started)

        for t in copies:
            con.execute(f'DROP TABLE IF EXISTS "bench_{t}"')
            con.execute(f'CREATE TABLE "bench_{t}" AS SELECT * FROM "{t}" WHERE false')
        con.commit()
        bare = write("bench_")
        for t in copies:
            con.execute(f'DROP TABLE "bench_{t}"')
        con.commit()
        # The schema's own tables (see floor_sqlite): deleted with triggers and foreign-key checks
        # set aside (replica role), written again with them.
        con.execute("SET session_replication_role = replica")
        for found_rows in per_case.values():
            with con.cursor() as cur:
                for t, found in found_rows:
                    if found:
                        where = " AND ".join(f'"{columns[t][i]}" = %s' for i in pks[t])
                        cur.executemany(f'DELETE FROM "{t}" WHERE {where}', [[row[i] for i in pks[t]] for row in found])
        con.commit()
        con.execute("SET session_replication_role = origin")
        con.commit()
        schema = write("")
    return bare, schema
