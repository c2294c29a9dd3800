"""Live records against the ledger: every row of a tracked model (lawtrail.events.state) must be in
the state the latest event that changed it froze.

In bulk, digests first: one pass over the events that froze records (their `records` column, each
checked against the digest its ledger entry froze) gives each record's latest digest; one pass
over each tracked table gives each row's digest now. Only where the two differ are the frozen
fields read (checked against their digest too) and compared field by field, so a finding names
the record, the field, the value the ledger holds and the value the row holds.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from lawtrail.events.state import digest, entry_state, freeze_row, frozen_attnames, tracked_models
from lawtrail.lib.frozen import encode
from lawtrail.verifier.entry import ENTRY_PREFIX

_CHUNK = 5000
# An entry's prefix and its "state" member fit in this many bytes (prefix ≤ ~60, state 75).
_HEAD = 160
_SHOWN = 200  # characters of a value shown in a finding's message


@dataclass(frozen=True, slots=True)
class Frozen:
    """The latest state the ledger holds for one record (one per record of the instance, all held
    at once: slots, not a dict each)."""

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


def ledgered_states(problem: Problem) -> dict[tuple[str, str], Frozen]:
    """Each record's latest frozen state, from the events in ledger order. An event whose records
    do not hash to the state its entry froze (or cannot be read) is a finding, and is not used."""
    pg = connection.vendor == "postgresql"
    records_col = "e.records::text" if pg else "e.records"
    head = f"substring(l.canonical from 1 for {_HEAD})" if pg else f"substr(l.canonical, 1, {_HEAD})"
    # Every entry, not only events whose records are non-empty: emptying an event's records would
    # otherwise hide the state its entry froze.
    sql = (f"SELECT l.seq, l.event_id, {records_col}, {head} FROM ledger_ledgerentry l "
           f"JOIN events_domainevent e ON e.id = l.event_id ORDER BY l.seq")
    latest: dict[tuple[str, str], Frozen] = {}
    for rows in _chunks(sql):
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
            for index, (label, pk, dig) in enumerate(records):
                # (Each label once in memory, not once a record: ten million records at 100,000 cases.)
                latest[(sys.intern(label), pk)] = Frozen(seq, event_id, index, dig)
    return latest


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return bytes(value)


def _chunks(sql: str, params: list[Any] | None = None) -> Iterator[list[tuple[Any, ...]]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params or [])
        while rows := cursor.fetchmany(_CHUNK):
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
    latest = ledgered_states(problem)
    checked = 0
    differing: list[tuple[type[models.Model], str, str, Frozen, dict[str, Any]]] = []
    for label, model in sorted(tracked_models().items()):
        seen: set[str] = set()
        for pk, live_digest, fields in _rows(model, problem, label):
            checked += 1
            seen.add(pk)
            frozen = latest.get((label, pk))
            if frozen is None:
                problem("record_unledgered", f"{_describe(_object(model, pk), label, pk)}在账本中没有记录(在操作之外写入)",
                        record=f"{label}#{pk}")
            elif frozen.digest is None:
                problem("record_unledgered", f"{_describe(_object(model, pk), label, pk)}已由条目 #{frozen.seq} 记录删除,"
                                             "现仍存在(在操作之外恢复或写入)", record=f"{label}#{pk}",
                        entry=frozen.seq, event=frozen.event)
            elif frozen.digest != live_digest:
                differing.append((model, label, pk, frozen, fields))
        for (l2, pk), frozen in latest.items():
            if l2 == label and frozen.digest is not None and pk not in seen:
                problem("record_missing", f"{_describe(None, label, pk)}已不存在,账本(条目 #{frozen.seq})记录它存在"
                                          "(在操作之外删除)", record=f"{label}#{pk}", entry=frozen.seq,
                        event=frozen.event)
    _name_fields(problem, differing)
    return checked


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
