"""记录状态 — the state each action leaves its records in, frozen into the action's event.

An event names the object it is about; an action often changes more than that one row (issuing
a 文书 numbers it from a counter and adds signatures; a disposal writes items and records). Every
record of a *tracked* model that an action saves or deletes inside its transaction is frozen
into the event it records next: its fields (`DomainEvent.record_fields`) and their digest
(`DomainEvent.records`). The ledger freezes the digests into the entry, so `lawtrail verify`
can compare every live row with the state its latest event left it in, and name the field
that changed behind the actions' back.

Apps say which of their models are domain records: `track(Model, …)` in AppConfig.ready()
(this ground-floor app knows none of them). Rows changed by QuerySet.update() send no signal:
the action reads them back with note_changed() (or passes them to record_event as `changed=`).
Rows written outside any transaction are not seen: no action writes one.
"""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connections, models
from django.db.models.signals import post_delete, post_save

from lawtrail.lib.frozen import Encoded, encode, encoded_list, field_value

_tracked: dict[str, type[models.Model]] = {}
# Fields left out of a model's frozen state (by label): bookkeeping no action records.
_ignored: dict[str, frozenset[str]] = {}


def track(*models_: type[models.Model], ignore: tuple[str, ...] = ()) -> None:
    """Declare domain records: every change of their rows must come with an event that freezes it.
    `ignore`: attribute names that change without an action (a user's last login)."""
    for model in models_:
        label = model._meta.label_lower
        if ignore:
            _ignored[label] = frozenset(ignore)
        if label in _tracked:
            continue
        _tracked[label] = model
        post_save.connect(_saved, sender=model, dispatch_uid=f"lawtrail.events.state.save.{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"lawtrail.events.state.delete.{label}")


def tracked_models() -> dict[str, type[models.Model]]:
    return dict(_tracked)


def is_tracked(obj: models.Model | type[models.Model]) -> bool:
    return obj._meta.label_lower in _tracked


def record_fields(obj: models.Model) -> dict[str, Any]:
    """The record's concrete fields as the frozen state holds them (by attribute name).

    Reads loaded values only (a deferred field would cost a query inside the action); a value
    still waiting for an F() update is read back, once, so the state holds the real number."""
    loaded = obj.__dict__
    fields: dict[str, Any] = {}
    pending: list[str] = []
    for name, places in _spec(type(obj)):
        if name not in loaded:
            continue
        value = loaded[name]
        # Text, numbers and nulls are most values and freeze as they are: no call for them (an
        # import freezes a hundred records a case).
        if type(value) in _PLAIN and places is None:
            fields[name] = value
        elif hasattr(value, "resolve_expression"):
            pending.append(name)
        else:
            fields[name] = field_value(value if places is None or value is None else _decimal(value, places))
    if pending:
        obj.refresh_from_db(fields=pending)
        return record_fields(obj)
    return fields


def frozen_attnames(model: type[models.Model]) -> list[str]:
    """The attribute names a record of `model` freezes, in order (for reading rows in bulk)."""
    return [name for name, _ in _spec(model)]


def freeze_row(model: type[models.Model], pk: Any, values: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
    """(pk, digest, fields) of a row read as `values_list(*frozen_attnames(model))`: the same state
    freeze() gives for the model object of that row, without building the object."""
    fields = _fields_of(_spec(model), values)
    label, key = model._meta.label_lower, str(pk)
    return key, digest(label, key, fields), fields


_PLAIN = frozenset({str, int, bool, type(None)})


@functools.cache
def _spec(model: type[models.Model]) -> list[tuple[str, int | None]]:
    """The model's frozen fields (attribute names) and, for a DecimalField, its decimal places: an
    action may hold 50 where the row reads back Decimal("50.00"), one amount."""
    ignored = _ignored.get(model._meta.label_lower, frozenset())
    return [(f.attname, f.decimal_places if isinstance(f, models.DecimalField) else None)
            for f in model._meta.concrete_fields if f.attname not in ignored]


def _decimal(value: Any, places: int) -> Any:
    try:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    except (InvalidOperation, ValueError, TypeError):
        return value


def digest(label: str, pk: str, fields: dict[str, Any]) -> str:
    """SHA-256 of one record's state (the same bytes the ledger's single-object state always hashed)."""
    return hashlib.sha256(encode([label, pk, fields]).encode()).hexdigest()


@functools.cache
def _encoded_label(label: str) -> str:
    return encode(label)


def _digest_of(label: str, pk: str, text: str) -> str:
    """digest(label, pk, fields) from `text`, the encoding of the fields already made: the encoder
    writes the list [label, pk, fields] as its three items' texts between brackets. (A key of
    digits needs no escaping: its text is itself in quotes.)"""
    key = f'"{pk}"' if pk.isdigit() else encode(pk)
    return hashlib.sha256(f"[{_encoded_label(label)},{key},{text}]".encode()).hexdigest()


def freeze(obj: models.Model) -> tuple[str, str, str, dict[str, Any]]:
    """(label, pk, digest, fields) of a record as it is now in memory."""
    label, pk, dig, fields, _ = _freeze(obj)
    return label, pk, dig, fields


def _freeze(obj: models.Model) -> tuple[str, str, str, dict[str, Any], str]:
    """freeze() and the fields' encoding, made once: hashed here, and stored as part of the
    event's record_fields (take_changes)."""
    label, pk = obj._meta.label_lower, str(obj.pk)
    fields = record_fields(obj)
    text = encode(fields)
    return label, pk, _digest_of(label, pk, text), fields, text


def entry_state(records: list[list[Any]]) -> str | None:
    """The state an event's ledger entry freezes: None when it changed no record, the record's own
    digest when it changed one (as entries always did), else the digest of the list
    [[label, pk, digest or null (deleted)], …]."""
    if not records:
        return None
    if len(records) == 1 and records[0][2] is not None:
        return str(records[0][2])
    text = records.text if type(records) is Encoded else encode(records)
    return hashlib.sha256(text.encode()).hexdigest()


Entry = tuple[models.Model, Callable[[], None]]


def _noop() -> None:
    pass


@dataclass
class _Changed:
    """Records saved or deleted in one transaction since its last event, each with the marker it
    left among the transaction's on-commit callbacks."""

    saved: dict[tuple[str, str], Entry] = field(default_factory=dict)
    deleted: dict[tuple[str, str], Entry] = field(default_factory=dict)
    # Rows read back after a QuerySet.update(): the database's word, over any object in memory.
    read_back: dict[tuple[str, str], Entry] = field(default_factory=dict)
    # The connection's list of on-commit callbacks when the box was last seen whole: Django replaces
    # the list at every commit and savepoint rollback (and only appends otherwise), so while it is
    # the same list nothing was undone and no marker needs looking for (no scan per save).
    seen: list[Any] | None = None

    def close(self) -> None:
        self.saved.clear()
        self.deleted.clear()
        self.read_back.clear()

    def prune(self, callbacks: list[Any]) -> None:
        """Forget changes whose marker a savepoint rollback removed."""
        alive = {id(item[1]) for item in callbacks}
        for changes in (self.saved, self.deleted, self.read_back):
            for key in [k for k, (_, marker) in changes.items() if id(marker) not in alive]:
                del changes[key]
        self.seen = callbacks


_ATTR = "_lawtrail_changed_records"


def _box(using: str, create: bool) -> _Changed | None:
    """The current transaction's changes, kept on the connection. Tied to the transaction by an
    on_commit callback that empties it; a box whose callback is gone (run at commit, or dropped by
    a rollback) belongs to a transaction that is over."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return None
    box: _Changed | None = getattr(connection, _ATTR, None)
    if box is not None and box.seen is not connection.run_on_commit:
        if any(item[1] == box.close for item in connection.run_on_commit):
            box.prune(connection.run_on_commit)
        else:
            box = None
    if box is None and create:
        box = _Changed()
        setattr(connection, _ATTR, box)
        connection.on_commit(box.close)
        box.seen = connection.run_on_commit
    return box


def _entry(using: str, instance: models.Model) -> Entry:
    """The instance with a marker of its own among the on-commit callbacks: rolling back the
    savepoint it was saved in (a refused action inside a larger transaction) drops the marker,
    and with it the change."""
    marker = functools.partial(_noop)
    connections[using].on_commit(marker)
    return instance, marker


def _saved(sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any) -> None:
    box = _box(using, create=True)
    if box is not None and instance.pk is not None:
        key = (instance._meta.label_lower, str(instance.pk))
        box.deleted.pop(key, None)
        box.saved[key] = _entry(using, instance)


def _deleted(sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any) -> None:
    box = _box(using, create=True)
    if box is not None and instance.pk is not None:
        key = (instance._meta.label_lower, str(instance.pk))
        box.saved.pop(key, None)
        box.deleted[key] = _entry(using, instance)


def note_changed(queryset: models.QuerySet[Any]) -> None:
    """Rows a QuerySet.update() changed (Django sends no signal for it): read back now, inside the
    action's transaction, and frozen with the action's next event. Pass a queryset that still
    selects them after the update (by primary key)."""
    if not is_tracked(queryset.model):
        return
    box = _box(queryset.db, create=True)
    if box is None:
        return
    for obj in queryset:
        key = (obj._meta.label_lower, str(obj.pk))
        box.deleted.pop(key, None)
        box.read_back[key] = _entry(queryset.db, obj)


def take_changes(obj: models.Model | None, changed: Iterable[models.Model] = (),
                 using: str = "default") -> tuple[list[list[Any]], list[dict[str, Any] | None]]:
    """The records an event freezes: `obj` (if tracked), `changed`, and every tracked record saved or
    deleted in this transaction since the previous event; the box is emptied. Returns the
    event's `records` ([[label, pk, digest or None], …], sorted) and `record_fields` (same order)."""
    return freeze_plain(as_plain(gather_changes(obj, changed, using)))


Gathered = list[tuple[str, str, models.Model | None]]


def gather_changes(obj: models.Model | None, changed: Iterable[models.Model] = (),
                   using: str = "default") -> Gathered:
    """take_changes()'s first half: the records the event freezes, sorted, each as its label, its
    key and the record (None: deleted), not frozen yet; the box is emptied."""
    box = _box(using, create=False)
    saved: dict[tuple[str, str], models.Model] = {}
    deleted: dict[tuple[str, str], models.Model] = {}
    read_back: dict[tuple[str, str], models.Model] = {}
    if box is not None:  # (_box() has pruned what a rollback undid)
        for source, target in ((box.saved, saved), (box.deleted, deleted), (box.read_back, read_back)):
            target.update((key, obj) for key, (obj, _) in source.items())
        box.close()
    # The event's own object is frozen whether or not its model is tracked (as entries always did).
    for extra in (*(c for c in changed if is_tracked(c)), *([obj] if obj is not None else [])):
        if extra.pk is not None:
            key = (extra._meta.label_lower, str(extra.pk))
            if key not in deleted:
                saved[key] = extra
    saved.update(read_back)
    return [(label, pk, None if (label, pk) in deleted else saved[(label, pk)])
            for label, pk in sorted({*saved, *deleted})]


# A gathered record as plain values, for freezing here or in another process (freeze_plain): deleted
# (label, key); to freeze (label, key, the model's frozen fields and decimal places, the values in
# that order); or frozen here already (label, key, None, (digest, fields, text)).
Plain = tuple[Any, ...]


def as_plain(gathered: Gathered) -> list[Plain]:
    """The gathered records as values that freeze_plain() freezes, here or in another process. A record with a field not loaded or an F() update still pending is
    frozen here (it needs this process's database connection to read it back)."""
    out: list[Plain] = []
    for label, pk, record in gathered:
        if record is None:
            out.append((label, pk))
            continue
        spec = _spec(type(record))
        try:
            values = _getter(type(record))(record.__dict__)
        except KeyError:
            values = None
        if values is None or any(map(_is_expression, set(map(type, values)) - _PLAIN)):
            _, _, dig, fields, text = _freeze(record)
            out.append((label, pk, None, (dig, fields, text)))
        else:
            out.append((label, pk, spec, values))
    return out


def freeze_plain(items: list[Plain]) -> tuple[Encoded, Encoded]:
    """take_changes()'s second half: the records as_plain() gave, frozen. Needs no database and no
    Django setup (the bulk import runs it in a second process, take_changes() here)."""
    records: list[list[Any]] = []
    fields: list[dict[str, Any] | None] = []
    texts: list[str] = []
    for item in items:
        label, pk = item[0], item[1]
        if len(item) == 2:
            records.append([label, pk, None])
            fields.append(None)
            texts.append("null")
            continue
        spec, values = item[2], item[3]
        if spec is None:
            dig, state, text = values
        else:
            state = _fields_of(spec, values)
            text = encode(state)
            dig = _digest_of(label, pk, text)
        records.append([label, pk, dig])
        fields.append(state)
        texts.append(text)
    return Encoded(records, encode(records)), encoded_list(texts, fields)


@functools.cache
def _is_expression(kind: type) -> bool:
    """Whether values of this type are an F() update or another expression, not a value."""
    return hasattr(kind, "resolve_expression")


@functools.cache
def _getter(model: type[models.Model]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    names = [name for name, _ in _spec(model)]
    get = operator.itemgetter(*names)
    return get if len(names) > 1 else (lambda row: (get(row),))


def _fields_of(spec: list[tuple[str, int | None]], values: tuple[Any, ...]) -> dict[str, Any]:
    """record_fields() of a record whose frozen fields (`spec`) are all loaded, from their values."""
    # Text, numbers and nulls are most values and freeze as they are: no call for them.
    return {name: value if (type(value) in _PLAIN and places is None) else
            field_value(value if places is None or value is None else _decimal(value, places))
            for (name, places), value in zip(spec, values, strict=True)}
