"""Many new rows of one model in one statement, for the bulk paths (case bundle import).

What `QuerySet.bulk_create` does, without its per-value machinery: the statement is compiled once
per model and kept, plain values (text, numbers, booleans, foreign keys) go to the driver as they
are, and only the fields whose values need converting (JSON, times, dates, decimals, bytes) are
converted, by the field itself. The rows' ids come back with RETURNING (SQLite ≥ 3.35,
PostgreSQL) and are set on the objects, which then read as saved. Like bulk_create it sends no
model signals: a caller that records events passes the rows to the event (`changed=`). It fills
no auto_now fields and runs no field's pre_save: for models that have none.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)

# Fields whose Python value is what the driver stores: no conversion.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.FloatField,
          models.ForeignKey, models.AutoField, models.BigAutoField)
# Hashable values whose conversion is worth remembering.
_SCALAR = (models.DateTimeField, models.DateField, models.DecimalField)
_MAX_PARAMS = 30000  # under SQLite's 32,766 bound variables a statement


@functools.cache
def _plan(model: type[models.Model], alias: str) -> tuple[str, list[str], list[Callable[[Any], Any] | None], int]:
    """(INSERT … VALUES head, attnames, converters or None, rows a statement) of a model."""
    connection = connections[alias]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or not isinstance(f, models.AutoField)]
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise TypeError(f"{model.__name__}.{f.name}: auto_now fields need the ORM's save")
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    converters: list[Callable[[Any], Any] | None] = [
        None if isinstance(f, _PLAIN) else _remembering(f, connection) if isinstance(f, _SCALAR)
        else functools.partial(_prep, f, connection) for f in fields]
    return head, [f.attname for f in fields], converters, max(1, _MAX_PARAMS // len(fields))


def _prep(field: models.Field, connection: Any, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _remembering(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    """The field's conversion of a time, date or amount, remembered: an import's rows share a
    few moments (a document's creation and update, its signatures), converted once each."""
    @functools.lru_cache(maxsize=4096)
    def convert(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)
    return convert


def insert(objs: Sequence[M], using: str = "default") -> Sequence[M]:
    """Insert `objs` (new, unsaved, all of one model with an auto id) and set their ids."""
    if not objs:
        return objs
    model = type(objs[0])
    head, names, converters, per_statement = _plan(model, using)
    connection = connections[using]
    connection.ensure_connection()
    mark = "?" if connection.vendor == "sqlite" else "%s"
    one = "(" + ", ".join([mark] * len(names)) + ")"
    pk = model._meta.pk
    assert pk is not None
    tail = f" RETURNING {connection.ops.quote_name(pk.column)}"
    pairs = list(zip(names, converters, strict=True))
    cursor = connection.connection.cursor()  # the driver's own: no per-row placeholder rewriting
    try:
        for start in range(0, len(objs), per_statement):
            part = objs[start:start + per_statement]
            params: list[Any] = []
            for obj in part:
                values = obj.__dict__
                params.extend(values[name] if convert is None or values[name] is None else convert(values[name])
                              for name, convert in pairs)
            cursor.execute(head + ", ".join([one] * len(part)) + tail, params)
            for obj, (new_id,) in zip(part, cursor.fetchall(), strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = using
    finally:
        cursor.close()
    return objs
