"""The one way events enter the database: the event row and its ledger entry, in one transaction.

`record_event` (lawtrail.events.recorder) builds the DomainEvent and hands it here. The
hot path is a durable action's commit, so this costs no extra round trip on PostgreSQL
(event and pending entry go in one statement; the number comes from a deferred trigger
at commit) and two cheap in-process statements on SQLite (the writer, holding SQLite's
only write lock since BEGIN IMMEDIATE, numbers the entry itself).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from django.db import connections, models, transaction

from lawtrail.events.models import DomainEvent
from lawtrail.events.state import entry_state
from lawtrail.ledger.canonical import column_tails, event_tail, payload_text, utc_text
from lawtrail.ledger.sql import PG_LOCK_KEY
from lawtrail.lib.collector import paused
from lawtrail.lib.frozen import Encoded, encode
from lawtrail.verifier.entry import ENTRY_PREFIX, entry_prefix

_INSERT_ENTRY = "INSERT INTO ledger_ledgerentry (seq, event_id, canonical, leaf_hash) VALUES (%s, %s, %s, %s)"
_NEXT_SEQ = "SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_ledgerentry"
_sha256 = hashlib.sha256


@cache
def _event_fields() -> list[models.Field]:
    return [f for f in DomainEvent._meta.concrete_fields if not f.primary_key]


@cache
def _insert_event_sql(vendor: str, with_id: bool = False, returning: bool = True) -> str:
    qn = connections["default"].ops.quote_name
    fields = _event_fields()
    columns = [qn("id")] * with_id + [qn(f.column) for f in fields]
    insert = (f"INSERT INTO {qn(DomainEvent._meta.db_table)} ({', '.join(columns)}) "
              f"VALUES ({', '.join(['%s'] * len(columns))})")
    if with_id or not returning:
        return insert
    insert += f" RETURNING {qn('id')}"
    if vendor == "postgresql":
        # One statement, one round trip: the event and its entry-to-be.
        return f"WITH e AS ({insert}) INSERT INTO ledger_pendingentry (event_id, tail) SELECT id, %s FROM e RETURNING event_id"
    return insert


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _integer(value: Any) -> Any:
    return value if value is None or type(value) is int else int(value)


def _as_is(value: Any) -> Any:
    return value


def _json(value: Any) -> Any:
    if type(value) is Encoded:  # an event's frozen records, encoded when they were frozen
        return value.text
    return value if type(value) is str else encode(value)


def _field_adapter(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    def adapt(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return adapt


@cache
def _adapters(vendor: str) -> list[tuple[str, Callable[[Any], Any]]]:
    """How each DomainEvent column's value goes to the database: Django's own adapters,
    picked once per field type (Field.get_db_prep_save per value costs as much as the
    rest of the hot path; it stays the fallback for any other field type)."""
    connection = connections["default"]
    ops = connection.ops
    out: list[tuple[str, Callable[[Any], Any]]] = []
    for f in _event_fields():
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            out.append((f.attname, ops.adapt_datetimefield_value))
        elif kind == "JSONField" and f.attname == "payload":
            # The payload's canonical JSON text (payload_text()), made once for the entry and the row.
            out.append((f.attname, _as_is))
        elif kind == "JSONField":
            out.append((f.attname, _json))
        elif kind in ("CharField", "TextField"):
            out.append((f.attname, _text))
        elif kind in ("BigIntegerField", "IntegerField", "ForeignKey"):
            out.append((f.attname, _integer))
        else:
            out.append((f.attname, _field_adapter(f, connection)))
    return out


def _event_params(event: DomainEvent, vendor: str, payload_json: str) -> list[Any]:
    values = {**event.__dict__, "payload": payload_json}
    return [adapt(values[name]) for name, adapt in _adapters(vendor)]


def _saved(event: DomainEvent, pk: int, alias: str) -> DomainEvent:
    event.pk = pk
    event._state.adding = False
    event._state.db = alias
    return event


def append(event: DomainEvent, obj: models.Model | None = None) -> DomainEvent:
    """Insert `event` (unsaved) and its ledger entry; the entry freezes the digest of the records
    the event froze (event.records, see lawtrail.events.state). The event recorder's writer
    (registered in lawtrail.ledger.apps); `obj` is accepted for older callers and not read.

    Inserted by SQL, not Model.save(): DomainEvent sends no model signals.
    """
    alias = "default"
    connection = connections[alias]
    if not connection.in_atomic_block:
        # Event and entry stand or fall together, even when a caller forgot its transaction.
        with transaction.atomic(using=alias):
            return append(event, obj)
    payload = payload_text(event.payload)
    tail = event_tail(event, entry_state(event.__dict__.get("records") or []), payload)
    params = _event_params(event, connection.vendor, payload[1])
    # The driver's own cursor: Django's wrapper (placeholder rewriting, query logging) costs
    # as much per statement as SQLite takes to run it. Nothing here is user input.
    cursor = connection.connection.cursor()
    try:
        if connection.vendor == "postgresql":
            cursor.execute(_insert_event_sql("postgresql"), [*params, tail])
            return _saved(event, cursor.fetchone()[0], alias)
        cursor.execute(_sqlite(_insert_event_sql("sqlite", with_id=False, returning=False)), params)
        pk = cursor.lastrowid
        cursor.execute(_NEXT_SEQ)
        seq = cursor.fetchone()[0]
        canonical = entry_prefix(seq, pk) + tail
        cursor.execute(_sqlite(_INSERT_ENTRY), (seq, pk, canonical, _sha256(b"\x00" + canonical).digest()))
    finally:
        cursor.close()
    return _saved(event, pk, alias)


@cache
def _sqlite(sql: str) -> str:
    """Django's "%s" placeholders as the sqlite3 module's own "?"."""
    return sql.replace("%s", "?")


def _next_seq(cursor: Any, vendor: str) -> int:
    if vendor == "postgresql":
        # The same lock the commit-time numbering takes (sql.py), held until commit.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PG_LOCK_KEY])
    cursor.execute(_NEXT_SEQ)
    return int(cursor.fetchone()[0])


def _new_event_ids(cursor: Any, vendor: str, n: int) -> list[int]:
    if vendor == "postgresql":
        cursor.execute("SELECT nextval(pg_get_serial_sequence('events_domainevent', 'id')) "
                       "FROM generate_series(1, %s)", [n])
        return [r[0] for r in cursor.fetchall()]
    # SQLite: this transaction holds the only write lock, so the ids after the highest ever
    # given (AUTOINCREMENT keeps it in sqlite_sequence) are ours.
    cursor.execute("SELECT MAX(x) FROM (SELECT MAX(id) AS x FROM events_domainevent UNION ALL "
                   "SELECT seq FROM sqlite_sequence WHERE name = 'events_domainevent')")
    last = cursor.fetchone()[0] or 0
    return list(range(last + 1, last + 1 + n))


def append_many(events: Sequence[DomainEvent], *, batch_size: int = 5000) -> list[DomainEvent]:
    """The bulk path: insert many unsaved events and their ledger entries inside the caller's
    transaction, and return them saved (pk set), in order.

    For imports (a bundle of records carried over from another system or another LawTrail):

        with transaction.atomic(durable=True):
            append_many([DomainEvent(occurred_at=…, action="…", actor=…, object_type="…", …), …])

    Each batch: the events' ids in one query, the entry numbers under the numbering lock (held
    to commit, as record_event's are), then events and entries as two batched inserts
    (`executemany` on SQLite, `COPY` on PostgreSQL). The entries are the same bytes record_event
    would freeze: an event that carries the records it froze (`records` and `record_fields`, made
    with lawtrail.events.state.freeze) gets their digest as its state, any other a null state; so
    `lawtrail verify` checks them like any other. A JSON column's value given as text is stored as
    that text (the bulk import's `record_fields`, frozen in its second process). No model signals.
    """
    import_events(events, batch_size=batch_size)
    return list(events)


def import_events(events: Sequence[DomainEvent], *, batch_size: int = 5000) -> None:
    """append_many() without the return value (the name earlier callers use)."""
    connection = connections["default"]
    if not connection.in_atomic_block:
        raise RuntimeError("append_many() must run inside a transaction")
    if any(e.pk is not None for e in events):
        raise ValueError("append_many() takes unsaved events only")
    vendor = connection.vendor
    with connection.cursor() as cursor, paused():
        for start in range(0, len(events), batch_size):
            batch = events[start:start + batch_size]
            ids = _new_event_ids(cursor, vendor, len(batch))
            first = _next_seq(cursor, vendor)
            _insert_rows(cursor, vendor, *_batch_rows(batch, ids, first, vendor))
            for pk, event in zip(ids, batch, strict=True):
                _saved(event, pk, "default")


def _insert_rows(cursor: Any, vendor: str, event_rows: list[tuple[Any, ...]],
                 rows: list[tuple[int, int, bytes, bytes]]) -> None:
    """A batch's event rows, then its entry rows, in as few statements as the driver allows."""
    if vendor == "postgresql":
        # COPY: one stream per table instead of a statement per row.
        columns = ", ".join(["id", *(f.column for f in _event_fields())])
        with cursor.cursor.copy(f"COPY events_domainevent ({columns}) FROM STDIN") as copy:
            for event_row in event_rows:
                copy.write_row(event_row)
        with cursor.cursor.copy("COPY ledger_ledgerentry (seq, event_id, canonical, leaf_hash) FROM STDIN") as copy:
            for entry_row in rows:
                copy.write_row(entry_row)
    else:
        raw = cursor.cursor  # the sqlite3 cursor itself: no per-row placeholder rewriting
        raw.executemany(_sqlite(_insert_event_sql(vendor, with_id=True)), event_rows)
        raw.executemany(_sqlite(_INSERT_ENTRY), rows)


def _column(batch: Sequence[DomainEvent], name: str) -> list[Any]:
    try:
        return list(map(itemgetter(name), map(vars, batch)))
    except KeyError:  # a deferred or unset attribute: the model's own accessor
        return [getattr(e, name) for e in batch]


def _batch_rows(batch: Sequence[DomainEvent], ids: list[int], first: int,
                vendor: str) -> tuple[list[tuple[Any, ...]], list[tuple[int, int, bytes, bytes]]]:
    """A batch's event rows and entry rows, built a column at a time.

    Text and number columns are converted once, so the row stores and the entry freezes the
    same value; the entries' bytes come from canonical.column_tails()."""
    values: dict[str, list[Any]] = {}
    for name, adapt in _adapters(vendor):
        column = _column(batch, name)
        if adapt is _text and set(map(type, column)) - {str}:
            # The stored text and the entry's text must be one value: convert once, for both.
            column = list(map(_text, column))
        elif adapt is _integer and set(map(type, column)) - {int, type(None)}:
            column = list(map(_integer, column))
        elif adapt not in (_text, _integer, _as_is) and name != "occurred_at":
            column = list(map(adapt, column))
        values[name] = column
    # Time: the stored value and the entry's text, once per distinct moment (imports share them).
    moments: dict[Any, tuple[Any, str]] = {}
    adapt_time = dict(_adapters(vendor))["occurred_at"]
    stored_at, text_at = [], []
    for moment in values["occurred_at"]:
        known = moments.get(moment)
        if known is None:
            known = moments[moment] = (adapt_time(moment), utc_text(moment))
        stored_at.append(known[0])
        text_at.append(known[1])
    payloads = list(map(payload_text, values["payload"]))
    records = _column(batch, "records")
    states = [entry_state(r if isinstance(r, list) else json.loads(r or "[]")) for r in records] if any(records) else None
    tails = column_tails(values, text_at, payloads, states)
    seqs = range(first, first + len(batch))
    canonical = list(map(bytes.__add__, map(ENTRY_PREFIX.__mod__, zip(seqs, ids, strict=True)), tails))
    leaves = [_sha256(b"\x00" + c).digest() for c in canonical]
    values["occurred_at"], values["payload"] = stored_at, [text for _, text in payloads]
    event_rows = list(zip(ids, *(values[name] for name, _ in _adapters(vendor)), strict=True))
    return event_rows, list(zip(seqs, ids, canonical, leaves, strict=True))
