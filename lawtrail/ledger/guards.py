"""The database's guards (防篡改保护: every app's append-only and immutability triggers, registered
in lawtrail.lib.appendonly) around `migrate`.

A guard found missing or disabled is evidence: someone with database access switched the
database's own protection off, perhaps to change rows it protects. `migrate` used to put every
trigger back quietly, erasing that trace. Now it refuses and names the guard; `lawtrail migrate
--restore-guards` restores it and records an event that says it was missing (ledger.restore_guard).
A test's flush (post_migrate without a migration plan) empties every table first: there is
nothing left to hide, and the guards are put back as before.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db import connections

from lawtrail.lib.appendonly import GuardFault, guard_faults, restore_guard
from lawtrail.lib.errors import Conflict

_restore_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("lawtrail_restore_guards", default=False)


@contextlib.contextmanager
def restoring_guards(allowed: bool = True) -> Iterator[None]:
    token = _restore_allowed.set(allowed)
    try:
        yield
    finally:
        _restore_allowed.reset(token)


def describe(faults: list[GuardFault]) -> str:
    return "、".join(f"{f.label}{'已被删除' if f.state == 'missing' else '已被停用'}" for f in faults)


def refuse(faults: list[GuardFault]) -> Conflict:
    return Conflict("guards_missing", f"数据库的防篡改保护缺失:{describe(faults)}。这可能意味着有人绕过系统改动了受保护的记录;"
                                      "请先运行 lawtrail verify 查明,再用 lawtrail migrate --restore-guards 恢复"
                                      "(恢复将记入账本)",
                    {"guards": [{"table": f.guard.table, "trigger": f.trigger, "state": f.state} for f in faults]})


def check_before_migrate(using: str = "default") -> None:
    """Refuse to migrate a database whose guards are missing, unless restoring was asked for."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql") or _restore_allowed.get():
        return
    faults = guard_faults(connection)
    if faults:
        raise refuse(faults)


def after_migrate(using: str = "default", plan: Any = None, **kwargs: Any) -> None:
    """post_migrate: check every registered guard (see the module's docstring)."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    faults = guard_faults(connection)
    if not faults:
        return
    if plan is None:  # a flush: the tables were just emptied
        for fault in faults:
            restore_guard(connection, fault)
        return
    if not _restore_allowed.get():
        raise refuse(faults)
    from lawtrail.ledger.actions import do_restore_guards

    do_restore_guards(faults, actor=None)
