"""SQLite triggers that make a table append-only: the database itself refuses UPDATE and DELETE,
whoever asks (the ledger, disposal records). PostgreSQL has its own functions in each app's sql.py.
And the register of every such guard, which verify and migrate check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper


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


@dataclass(frozen=True)
class Guard:
    """防篡改保护 — the triggers by which the database itself keeps one table's rows from being
    changed. Apps register theirs (AppConfig.ready()); `lawtrail verify` reports one missing or
    disabled, and `lawtrail migrate` refuses to put one back unless told to (--restore-guards),
    so that the trace of its removal is recorded instead of erased."""

    table: str
    what: str  # what it protects, for people (Chinese)
    triggers: Mapping[str, tuple[str, ...]]  # vendor → trigger names
    # vendor → statements that install it again (run when one of its triggers is missing)
    statements: Mapping[str, tuple[str, ...]]

    def names(self, vendor: str) -> tuple[str, ...]:
        return tuple(self.triggers.get(vendor, ()))


_guards: dict[str, Guard] = {}


def register_guards(*guards: Guard) -> None:
    for guard in guards:
        _guards[guard.table] = guard


def registered_guards() -> list[Guard]:
    return [_guards[t] for t in sorted(_guards)]


@dataclass(frozen=True)
class GuardFault:
    guard: Guard
    trigger: str
    state: str  # "missing" | "disabled"

    @property
    def label(self) -> str:
        return f"{self.guard.what}({self.guard.table})的触发器 {self.trigger}"


def guard_faults(connection: BaseDatabaseWrapper) -> list[GuardFault]:
    """Registered guards whose table exists but whose trigger is missing (or, on PostgreSQL, disabled)."""
    vendor = connection.vendor
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal")
            present = {name: str(enabled) for name, enabled in cursor.fetchall()}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {name: "O" for (name,) in cursor.fetchall()}
    faults = []
    for guard in registered_guards():
        if guard.table not in tables:
            continue
        for trigger in guard.names(vendor):
            if trigger not in present:
                faults.append(GuardFault(guard, trigger, "missing"))
            elif present[trigger] == "D":  # ALTER TABLE … DISABLE TRIGGER
                faults.append(GuardFault(guard, trigger, "disabled"))
    return faults


def restore_guard(connection: BaseDatabaseWrapper, fault: GuardFault) -> None:
    with connection.cursor() as cursor:
        if fault.state == "disabled":
            cursor.execute(f'ALTER TABLE {fault.guard.table} ENABLE TRIGGER "{fault.trigger}"')
            return
        for stmt in fault.guard.statements.get(connection.vendor, ()):
            cursor.execute(stmt)
