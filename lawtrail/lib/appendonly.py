"""SQLite triggers that make a table append-only: the database itself refuses UPDATE and DELETE,
whoever asks (the ledger, disposal records). PostgreSQL has its own functions in each app's sql.py."""

from __future__ import annotations


def sqlite_install(tables: tuple[str, ...]) -> list[str]:
    return [
        stmt
        for table in tables
        for stmt in (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
        )
    ]


def sqlite_remove(tables: tuple[str, ...]) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_{what}" for table in tables for what in ("no_update", "no_delete")]
