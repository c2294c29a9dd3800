"""What an attacker with write access to the database (but not the signing key) does to the ledger.

Test support only: the application itself has no code path that changes a ledger row.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from lawtrail.ledger.canonical import event_tail
from lawtrail.ledger.sql import drop_append_only_statements
from lawtrail.verifier.entry import entry_prefix
from lawtrail.verifier.merkle import leaf_hash


def drop_triggers() -> None:
    """First step of any rewrite: switch off the database's append-only protection."""
    with connection.cursor() as cursor:
        for statement in drop_append_only_statements(connection.vendor):
            cursor.execute(statement)


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def rows(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall()


def rewrite_entry(seq: int, **event_changes: Any) -> None:
    """Change an event and recompute its entry exactly as the writer would, keeping the
    entry's state digest: a rewrite that leaves every entry self-consistent."""
    from lawtrail.events.models import DomainEvent

    [(event_id, canonical)] = rows("SELECT event_id, canonical FROM ledger_ledgerentry WHERE seq = %s", [seq])
    canonical = bytes(canonical)
    DomainEvent.objects.filter(pk=event_id).update(**event_changes)
    event = DomainEvent.objects.get(pk=event_id)
    tail = canonical[len(entry_prefix(seq, event_id)):]
    state = None if tail.startswith(b'"state":null') else tail[9:73].decode()
    new = entry_prefix(seq, event_id) + event_tail(event, state)
    sql("UPDATE ledger_ledgerentry SET canonical = %s, leaf_hash = %s WHERE seq = %s", [new, leaf_hash(new), seq])
