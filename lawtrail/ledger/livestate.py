"""Live records against the ledger: every row of a tracked model (lawtrail.events.state) must be in
the state the latest event that changed it froze.

In bulk, digests first: one pass over the events that froze records (their `records` column, each
checked against the digest its ledger entry froze) gives each record's latest digest; one pass
over each tracked table gives each row's digest now. Only where the two differ are the frozen
fields read (checked against their digest too) and compared field by field, so a finding names
the record, the field, the value the ledger holds and the value the row holds.

The latest digests (one per record of the instance: about ten million at 100,000 cases) are kept
in a SQLite file of their own in the temporary directory (TMPDIR), not in memory: the check's
memory stays the same at any size, and each page of live rows looks its records up there by key.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, models

from lawtrail.events.state import digest, entry_state, freeze_row, frozen_attnames, tracked_models
from lawtrail.lib.frozen import encode
from lawtrail.verifier.entry import ENTRY_PREFIX

_CHUNK = 5000
_EVENTS = 500
# An entry's prefix and its "state" member fit in this many bytes (prefix ≤ ~60, state 75).
_HEAD = 160
_SHOWN = 200  # characters of a value shown in a finding's message


@dataclass(frozen=True, slots=True)
class Frozen:
    """The latest state the ledger holds for one record."""

    seq: int
    event: int
    index: int  # the record's place in the event's records
    digest: str | None  # None: the event recorded its deletion


Problem = Callable[..., None]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return value if isinstance(value, str) else json.dumps(value)


def _entry_state(seq: int, event_id: int, head: bytes) -> tuple[bool, str | None]:
    prefix = ENTRY_PREFIX % (seq, event_id)
    if not head.startswith(prefix):
        return False, None
    tail = head[len(prefix):]
    if tail.startswith(b'"state":null,'):
        return True, None
    if tail.startswith(b'"state":"') and tail[73:75] == b'",':
        return True, tail[9:73].decode("ascii", "replace")
    return False, None


def _well_formed(records: Any) -> bool:
    return isinstance(records, list) and all(
        isinstance(r, list) and len(r) == 3 and isinstance(r[0], str) and isinstance(r[1], str)
        and (r[2] is None or isinstance(r[2], str)) for r in records)


class LatestStates:
    """Each record's latest frozen state, in a SQLite file of its own (see the module's note).

    Records are written in ledger order, so the last one written for a record is its latest."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        # A scratch file, rebuilt on each run: no journal, no sync; a bounded page cache (32 MB).
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -32768", "temp_store = FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE latest (label INTEGER NOT NULL, pk TEXT NOT NULL, seq INTEGER NOT NULL,"
                         " event INTEGER NOT NULL, idx INTEGER NOT NULL, digest, PRIMARY KEY (label, pk)) WITHOUT ROWID")
        self._labels: dict[str, int] = {}

    def close(self) -> None:
        self._db.close()

    def _label(self, label: str) -> int:
        return self._labels.setdefault(label, len(self._labels))

    def put(self, rows: list[tuple[str, str, int, int, int, str | None]]) -> None:
        """(label, pk, seq, event, index, digest) of records, in ledger order: each replaces what an
        earlier event froze for the same record."""
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT INTO latest (label, pk, seq, event, idx, digest) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (label, pk) DO UPDATE SET seq = excluded.seq, event = excluded.event, idx = excluded.idx,"
            " digest = excluded.digest",
            ((self._label(label), pk, seq, event, index, _packed(dig)) for label, pk, seq, event, index, dig in rows))
        self._db.execute("COMMIT")

    def get(self, label: str, pks: list[str]) -> dict[str, Frozen]:
        """The latest frozen states of these records of `label` that the ledger holds, by key."""
        if label not in self._labels or not pks:
            return {}
        found = self._db.execute(
            "SELECT pk, seq, event, idx, digest FROM latest WHERE label = ? AND pk IN (SELECT value FROM json_each(?))",
            (self._labels[label], json.dumps(pks))).fetchall()
        return {pk: Frozen(seq, event, index, _unpacked(dig)) for pk, seq, event, index, dig in found}

    def existing(self, label: str) -> int:
        """How many records of `label` the ledger holds as existing (not deleted)."""
        if label not in self._labels:
            return 0
        return int(self._db.execute("SELECT count(*) FROM latest WHERE label = ? AND digest IS NOT NULL",
                                    (self._labels[label],)).fetchone()[0])

    def each_existing(self, label: str) -> Iterator[list[tuple[str, Frozen]]]:
        """The records of `label` the ledger holds as existing, a page at a time."""
        if label not in self._labels:
            return
        cursor = self._db.execute("SELECT pk, seq, event, idx, digest FROM latest WHERE label = ?"
                                  " AND digest IS NOT NULL", (self._labels[label],))
        while rows := cursor.fetchmany(_CHUNK):
            yield [(pk, Frozen(seq, event, index, _unpacked(dig))) for pk, seq, event, index, dig in rows]


def _packed(dig: str | None) -> str | bytes | None:
    """A digest as its 32 bytes when it is the usual lowercase hex (half the file), else as it is."""
    if dig is not None and len(dig) == 64:
        try:
            raw = bytes.fromhex(dig)
        except ValueError:
            return dig
        if raw.hex() == dig:
            return raw
    return dig


def _unpacked(dig: str | bytes | None) -> str | None:
    return dig.hex() if isinstance(dig, bytes) else dig


@contextlib.contextmanager
def ledgered_states(problem: Problem) -> Iterator[LatestStates]:
    """Each record's latest frozen state, from the events in ledger order. An event whose records
    do not hash to the state its entry froze (or cannot be read) is a finding, and is not used."""
    with tempfile.TemporaryDirectory(prefix="lawtrail-verify-") as folder:
        store = LatestStates(Path(folder) / "latest.sqlite3")
        try:
            _walk_events(store, problem)
            yield store
        finally:
            store.close()


def _walk_events(store: LatestStates, problem: Problem) -> None:
    pg = connection.vendor == "postgresql"
    records_col = "e.records::text" if pg else "e.records"
    head = f"substring(l.canonical from 1 for {_HEAD})" if pg else f"substr(l.canonical, 1, {_HEAD})"
    # Every entry, not only events whose records are non-empty: emptying an event's records would
    # otherwise hide the state its entry froze.
    sql = (f"SELECT l.seq, l.event_id, {records_col}, {head} FROM ledger_ledgerentry l "
           f"JOIN events_domainevent e ON e.id = l.event_id ORDER BY l.seq")
    # A few hundred events at a time: an imported case's one event holds all its records (~110).
    for rows in _chunks(sql, size=_EVENTS):
        found: list[tuple[str, str, int, int, int, str | None]] = []
        for seq, event_id, text, head_bytes in rows:
            if text == "[]" and _as_bytes(head_bytes).startswith(b'"state":null,', len(ENTRY_PREFIX % (seq, event_id))):
                continue  # froze no record (a refusal, an import, an event about no object)
            try:
                records = json.loads(_text(text) or "")
            except (ValueError, TypeError):
                records = None
            if not _well_formed(records):
                problem("record_states_malformed", f"领域事件 #{event_id}(条目 #{seq})记录的记录状态无法解读"
                                                   "(事件记录在账本之外被改动)", entry=seq, event=event_id)
                continue
            formed, frozen = _entry_state(seq, event_id, _as_bytes(head_bytes))
            if not formed:
                continue  # the entry itself is damaged or misplaced: the entry checks name it
            if entry_state(records) != frozen:
                problem("record_states_altered", f"领域事件 #{event_id} 记录的记录状态与条目 #{seq} 冻结的不符"
                                                 "(事件记录在账本之外被改动)", entry=seq, event=event_id)
                continue
            found.extend((label, pk, seq, event_id, index, dig) for index, (label, pk, dig) in enumerate(records))
        store.put(found)


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return bytes(value)


def _chunks(sql: str, params: list[Any] | None = None, *, size: int = _CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params or [])
        while rows := cursor.fetchmany(size):
            yield rows


def _describe(obj: models.Model | None, label: str, pk: str) -> str:
    model = tracked_models().get(label)
    name = str(model._meta.verbose_name) if model is not None else label
    if obj is None:
        return f"{name} #{pk}"
    try:
        shown = str(obj)
    except Exception:  # noqa: BLE001 — a row too damaged to describe is still named by its number
        shown = ""
    return f"{name}「{shown}」(#{pk})" if shown else f"{name} #{pk}"


def _field_name(label: str, attname: str) -> str:
    model = tracked_models().get(label)
    if model is None:
        return attname
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return str(f.verbose_name)
    return attname


def _shown(value: Any) -> str:
    text = "空" if value is None or value == "" else (value if isinstance(value, str) else encode(value))
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 1000:
        return value[:1000] + "…"
    return value


def check_live_records(problem: Problem) -> int:
    """Compare every live row of every tracked model with its latest frozen state; returns the
    number of rows checked."""
    checked = 0
    with ledgered_states(problem) as latest:
        for label, model in sorted(tracked_models().items()):
            matched = 0  # live rows whose record the ledger holds as existing
            for page in _pages(_rows(model, problem, label)):
                checked += len(page)
                frozen_by_pk = latest.get(label, [pk for pk, _, _ in page])
                differing: list[tuple[type[models.Model], str, str, Frozen, dict[str, Any]]] = []
                for pk, live_digest, fields in page:
                    frozen = frozen_by_pk.get(pk)
                    if frozen is None:
                        problem("record_unledgered",
                                f"{_describe(_object(model, pk), label, pk)}在账本中没有记录(在操作之外写入)",
                                record=f"{label}#{pk}")
                    elif frozen.digest is None:
                        problem("record_unledgered",
                                f"{_describe(_object(model, pk), label, pk)}已由条目 #{frozen.seq} 记录删除,"
                                "现仍存在(在操作之外恢复或写入)", record=f"{label}#{pk}", entry=frozen.seq,
                                event=frozen.event)
                    else:
                        matched += 1
                        if frozen.digest != live_digest:
                            differing.append((model, label, pk, frozen, fields))
                _name_fields(problem, differing)
            if matched != latest.existing(label):
                _name_missing(problem, model, label, latest)
    return checked


def _name_missing(problem: Problem, model: type[models.Model], label: str, latest: LatestStates) -> None:
    """The records the ledger holds as existing that have no live row (only looked for when there
    are fewer matching rows than such records)."""
    to_key = model._meta.pk.to_python
    for page in latest.each_existing(label):
        keys: dict[Any, str] = {}
        for pk, _ in page:
            try:
                keys[to_key(pk)] = pk
            except Exception:  # noqa: BLE001 — a key no row can have: that record has no row
                pass
        present = {str(k) for k in model._base_manager.filter(pk__in=list(keys)).values_list("pk", flat=True)}
        for pk, frozen in sorted(page, key=lambda item: (item[1].seq, item[1].index)):
            if pk not in present:
                problem("record_missing", f"{_describe(None, label, pk)}已不存在,账本(条目 #{frozen.seq})记录它存在"
                                          "(在操作之外删除)", record=f"{label}#{pk}", entry=frozen.seq,
                        event=frozen.event)


def _pages(rows: Iterator[tuple[str, str, dict[str, Any]]]) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    while page := list(itertools.islice(rows, _CHUNK)):
        yield page


def _object(model: type[models.Model], pk: str) -> models.Model | None:
    """The row as its model reads it, to name it in a finding (None if even that fails)."""
    try:
        return model._base_manager.filter(pk=pk).first()
    except Exception:  # noqa: BLE001 — a row too damaged to read is still named by its number
        return None


def _rows(model: type[models.Model], problem: Problem, label: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(pk, digest, fields) of every row of the table, read a page at a time as the model's fields
    convert them (the values the action's object held), without building model objects. A page
    that cannot be read (a cell a converter chokes on) is read again row by row, and each
    unreadable row is named."""
    names = frozen_attnames(model)
    pk_name = model._meta.pk.attname
    queryset = model._base_manager.order_by("pk")
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        try:
            batch = list(page.values_list(pk_name, *names)[:_CHUNK])
        except Exception:  # noqa: BLE001 — find the rows, below
            pks = list(page.values_list("pk", flat=True)[:_CHUNK])
            batch = []
            for pk in pks:
                try:
                    batch.extend(queryset.filter(pk=pk).values_list(pk_name, *names))
                except Exception as err:  # noqa: BLE001 — a damaged row is a finding, not a crash
                    problem("record_malformed", f"{_describe(None, label, str(pk))}无法读取:{type(err).__name__}: {err}"
                                                "(记录在操作之外被改动或损坏)", record=f"{label}#{pk}")
            if not pks:
                return
            last = pks[-1]
        else:
            if not batch:
                return
            last = batch[-1][0]
        for row in batch:
            try:
                yield freeze_row(model, row[0], row[1:])
            except Exception as err:  # noqa: BLE001 — a value no state can hold is a finding
                problem("record_malformed", f"{_describe(None, label, str(row[0]))}无法读取:{type(err).__name__}: {err}",
                        record=f"{label}#{row[0]}")


def _frozen_fields(events: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    col = "record_fields::text" if connection.vendor == "postgresql" else "record_fields"
    for start in range(0, len(events), 500):
        part = events[start:start + 500]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {col} FROM events_domainevent WHERE id IN ({','.join(['%s'] * len(part))})",
                           part)
            for event_id, text in cursor.fetchall():
                try:
                    out[event_id] = json.loads(_text(text) or "")
                except (ValueError, TypeError):
                    out[event_id] = None
    return out


def _name_fields(problem: Problem,
                 differing: list[tuple[type[models.Model], str, str, Frozen, dict[str, Any]]]) -> None:
    """For each record whose digest differs: which fields, what the ledger holds, what the row holds."""
    by_event = _frozen_fields(sorted({f.event for _, _, _, f, _ in differing}))
    for model, label, pk, frozen, live in differing:
        where = {"record": f"{label}#{pk}", "entry": frozen.seq, "event": frozen.event}
        what = _describe(_object(model, pk), label, pk)
        all_fields = by_event.get(frozen.event)
        fields = (all_fields[frozen.index] if isinstance(all_fields, list) and frozen.index < len(all_fields)
                  else None)
        if not isinstance(fields, dict) or digest(label, pk, fields) != frozen.digest:
            problem("record_changed", f"{what}与账本(条目 #{frozen.seq})冻结的状态不符;"
                                      f"领域事件 #{frozen.event} 保存的字段也已无法与账本对上,无法指明哪个字段被改动",
                    **where)
            continue
        changed: list[tuple[str, str, Any, Any]] = []
        for attname in sorted(fields):
            ledgered, now = fields[attname], live.get(attname)
            if ledgered == now:
                continue
            name = _field_name(label, attname)
            if isinstance(ledgered, dict) and isinstance(now, dict):
                # A structured field (a 文书's contents): name the entry within it that changed.
                changed.extend((f"{attname}.{k}", f"{name}·{k}", ledgered.get(k), now.get(k))
                               for k in sorted({*ledgered, *now}) if ledgered.get(k) != now.get(k))
            else:
                changed.append((attname, name, ledgered, now))
        for attname, name, ledgered, now in changed:
            code = "record_changed"
            note = "(在操作之外被改动)"
            if label.endswith("counter") and isinstance(ledgered, int) and isinstance(now, int) and now < ledgered:
                code = "counter_rolled_back"
                note = "(编号计数器被回拨:已使用过的编号将被再次发出)"
            problem(code, f"{what}的「{name}」为 {_shown(now)},账本(条目 #{frozen.seq})记录为 {_shown(ledgered)}"
                          + note, field=attname, ledgered=_clip(ledgered), live=_clip(now), **where)
