"""Many new rows of one model in one statement, for the bulk paths (case bundle import).

What `QuerySet.bulk_create` does, without its per-value machinery: the statement is compiled once
per model and kept, plain values (text, numbers, booleans, foreign keys) go to the driver as they
are, and only the fields whose values need converting (JSON, times, dates, decimals, bytes) are
converted, by the field itself. The rows' ids come back with RETURNING (SQLite ≥ 3.35,
PostgreSQL) and are set on the objects, which then read as saved. Like bulk_create it sends no
model signals: a caller that records events passes the rows to the event (`changed=`). It fills
no auto_now fields and runs no field's pre_save: for models that have none.

`new(Model, **values)` builds the objects to insert: what `Model(**values)` gives, without
Model.__init__'s per-field descriptor calls (an import builds a hundred objects a case).
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import connections, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=models.Model)

# Fields whose Python value is what the driver stores: no conversion.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.FloatField,
          models.ForeignKey, models.AutoField, models.BigAutoField)
# Hashable values whose conversion is worth remembering.
_SCALAR = (models.DateTimeField, models.DateField, models.DecimalField)
_MAX_PARAMS = 30000  # under SQLite's 32,766 bound variables a statement


@functools.cache
def _plan(model: type[models.Model], alias: str,
          with_id: bool = False) -> tuple[str, list[str], list[Callable[[Any], Any] | None], int]:
    """(INSERT … VALUES head, attnames, converters or None, rows a statement) of a model; `with_id`:
    the auto id among the columns (given, not made by the database)."""
    connection = connections[alias]
    fields = [f for f in model._meta.concrete_fields
              if with_id or not f.primary_key or not isinstance(f, models.AutoField)]
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise TypeError(f"{model.__name__}.{f.name}: auto_now fields need the ORM's save")
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    converters: list[Callable[[Any], Any] | None] = [
        None if isinstance(f, _PLAIN) else _remembering(f, connection) if isinstance(f, _SCALAR)
        else json.dumps if _json_as_text(f, connection) else functools.partial(_prep, f, connection) for f in fields]
    return head, [f.attname for f in fields], converters, max(1, _MAX_PARAMS // len(fields))


def _json_as_text(field: models.Field, connection: Any) -> bool:
    """Whether the field stores json.dumps(value) as it is (a plain JSONField where the backend
    keeps JSON as text, as SQLite does): the same text, without the field's three calls a value."""
    return (type(field) is models.JSONField and field.encoder is None
            and type(connection.ops).adapt_json_value is BaseDatabaseOperations.adapt_json_value)


def _prep(field: models.Field, connection: Any, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _remembering(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    """The field's conversion of a time, date or amount, remembered: an import's rows share a
    few moments (a document's creation and update, its signatures), converted once each."""
    @functools.lru_cache(maxsize=4096)
    def convert(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)
    return convert


# How `new` fills one field: (attname; for a relation, its name and the related model's field its
# key holds, else None twice; the default's factory or None; the default when there is no factory).
_Slot = tuple[str, str | None, str | None, Callable[[], Any] | None, Any]


@functools.cache
def _slots(model: type[models.Model]) -> tuple[list[_Slot], frozenset[str]]:
    """The model's concrete fields as `new` fills them, and every name it accepts."""
    if model.__init__ is not models.Model.__init__ or pre_init.has_listeners(model) or post_init.has_listeners(model):
        raise TypeError(f"{model.__name__}: an __init__ or init signals of its own need Model(**values)")
    slots: list[_Slot] = []
    for f in model._meta.concrete_fields:
        # A callable default (dict, list, now) makes a new value for each object, as Model.__init__
        # calls it; any other default is the one value get_default() gives every object.
        factory = f.default if f.has_default() and callable(f.default) else None
        default = None if factory is not None else f.get_default()
        if isinstance(f, models.ForeignKey):  # (and OneToOneField)
            slots.append((f.attname, f.name, f.target_field.attname, factory, default))
        else:
            slots.append((f.attname, None, None, factory, default))
    names = frozenset(n for attname, name, _, _, _ in slots for n in (attname, name) if n is not None)
    return slots, names


def new(model: type[M], **values: Any) -> M:
    """An unsaved `model(**values)`: each field by its name or attname (a relation by its object
    or its id), every other field its default."""
    slots, names = _slots(model)
    unknown = values.keys() - names
    if unknown:
        raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    obj = model.__new__(model)
    state = obj._state = ModelState()
    row = obj.__dict__
    for attname, name, target, factory, default in slots:
        if name is not None and name in values:
            # A related object: its key in the row, the object cached, as the relation's descriptor does.
            related = values[name]
            row[attname] = None if related is None else getattr(related, target)  # type: ignore[arg-type]
            state.fields_cache[name] = related
        elif attname in values:
            row[attname] = values[attname]
        else:
            row[attname] = factory() if factory is not None else default
    return obj


class Held:
    """Rows held by insert() inside holding() and held() (PostgreSQL): their ids taken from the
    tables' sequences ahead, a block at a time; the rows of each held() block that ended without
    an error kept, table by table, until holding() ends and copies them in."""

    def __init__(self) -> None:
        self.ids: dict[type[models.Model], list[Any]] = {}
        self.kept: dict[type[models.Model], list[list[Any]]] = {}
        self.pending: list[tuple[type[models.Model], list[list[Any]]]] | None = None

    def take(self, connection: Any, model: type[models.Model], n: int) -> list[Any]:
        """`n` new ids of `model`'s table: from the ones taken ahead, taking more when they run out.
        Ids a sequence gave are never given again, used or not (a rollback keeps the sequence
        where it went): the rest of a block is a gap in the ids, as a rolled-back insert leaves."""
        pool = self.ids.setdefault(model, [])
        if len(pool) < n:
            pk = model._meta.pk
            assert pk is not None
            more = max(n - len(pool), min(_BLOCK_MAX, n * _BLOCK_FACTOR))
            with connection.connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                               [model._meta.db_table, pk.column, more])
                pool += [r[0] for r in cursor.fetchall()]
        taken = pool[:n]
        del pool[:n]
        return taken

    def copy_in(self, connection: Any) -> None:
        """The kept rows, one COPY a table (the rows name each other by the ids they were given;
        the foreign keys are checked at commit)."""
        kept, self.kept = self.kept, {}
        with connection.connection.cursor() as cursor:
            for model, rows in kept.items():
                with cursor.copy(_copy_sql(model, connection.alias)) as copy:
                    for row in rows:
                        copy.write_row(row)


# Ids taken ahead: a list's length times this, at most _BLOCK_MAX (a batch of bundles takes a few
# blocks a table; what is left of the last one is a gap in the ids).
_BLOCK_FACTOR = 50
_BLOCK_MAX = 5000
_held: list[Held] = []


@functools.cache
def _copy_sql(model: type[models.Model], alias: str) -> str:
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields)  # (the order _plan's with_id uses)
    return f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"


@contextlib.contextmanager
def holding(using: str = "default") -> Iterator[None]:
    """On PostgreSQL: the rows insert() writes inside held() blocks within this one get their ids
    at once (taken ahead from the sequences, a block at a time) and are held; the rows of every
    held() block that ended without an error are copied in when this block ends without one:
    one COPY a table for all of them, instead of a round trip a list waiting for its ids (an
    import writes twenty lists a bundle). A held row is not in the database before then: hold
    only rows that nothing inside reads back. A row the database refuses (a constraint) fails
    this block. On SQLite nothing changes (its RETURNING costs no round trip)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    _held.append(Held())
    try:
        yield
        _held[-1].copy_in(connection)
    finally:
        _held.pop()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Inside holding(): the rows insert() writes in this block are held, and kept for holding()'s
    COPY only if this block ends without an error (a refused bundle's rows are dropped with it,
    as its savepoint's rollback drops the rest). Without holding(), nothing changes."""
    if not _held:
        yield
        return
    holder = _held[-1]
    holder.pending = []
    try:
        yield
        for model, rows in holder.pending:
            holder.kept.setdefault(model, []).extend(rows)
    finally:
        holder.pending = None


def insert(objs: Sequence[M], using: str = "default") -> Sequence[M]:
    """Insert `objs` (new, unsaved, all of one model with an auto id) and set their ids."""
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    holder = _held[-1] if _held and _held[-1].pending is not None and connection.vendor == "postgresql" else None
    head, names, converters, per_statement = _plan(model, using, holder is not None)
    connection.ensure_connection()
    mark = "?" if connection.vendor == "sqlite" else "%s"
    one = "(" + ", ".join([mark] * len(names)) + ")"
    pk = model._meta.pk
    assert pk is not None
    tail = f" RETURNING {connection.ops.quote_name(pk.column)}"
    # A row's values in one call, then only the columns that need it converted (most are plain).
    row_of = operator.itemgetter(*names) if len(names) > 1 else (lambda values: (values[names[0]],))
    converting = [(i, convert) for i, convert in enumerate(converters) if convert is not None]

    def rows(part: Sequence[M]) -> Iterator[list[Any]]:
        for obj in part:
            row = list(row_of(obj.__dict__))
            for i, convert in converting:
                if row[i] is not None:
                    row[i] = convert(row[i])
            yield row

    if holder is not None:
        # The ids first (the rows' own values name them), then the rows, held until held() ends.
        ids = holder.take(connection, model, len(objs))
        for obj, new_id in zip(objs, ids, strict=True):
            obj.__dict__[pk.attname] = new_id
        assert holder.pending is not None
        holder.pending.append((model, list(rows(objs))))
    elif connection.vendor == "postgresql":
        ids = _insert_postgresql(connection.connection, head + one + tail, rows(objs))
    else:
        ids = []
        cursor = connection.connection.cursor()  # the driver's own: no per-row placeholder rewriting
        try:
            for start in range(0, len(objs), per_statement):
                part = objs[start:start + per_statement]
                cursor.execute(head + ", ".join([one] * len(part)) + tail, [v for row in rows(part) for v in row])
                ids += [new_id for (new_id,) in cursor.fetchall()]
        finally:
            cursor.close()
    for obj, new_id in zip(objs, ids, strict=True):
        obj.__dict__[pk.attname] = new_id  # (a model with an auto id has no parent to set it on)
        obj._state.adding = False
        obj._state.db = using
    return objs


def _insert_postgresql(raw: Any, sql: str, rows: Iterable[list[Any]]) -> list[Any]:
    """The rows through one statement of one row, prepared once and sent together (psycopg's
    executemany: a pipeline, one round trip), each row's RETURNING read back in order.

    A cursor with server-side binding, not the connection's client-side one: that one writes
    every value into the statement's text and parses it again each time (as costly as the rest
    of the import on PostgreSQL)."""
    import psycopg

    ids: list[Any] = []
    with psycopg.Cursor(raw) as cursor:
        cursor.executemany(sql, rows, returning=True)
        while True:
            ids.append(cursor.fetchone()[0])  # type: ignore[index]
            if not cursor.nextset():
                break
    return ids
