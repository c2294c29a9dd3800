"""Re-freezing tracked records after a schema change, for data migrations.

A migration that changes the columns of a tracked model whose rows exist records, through the
recorder (and so the ledger), events that freeze the rows' new states (docs/ledger.md, "A schema
change of a tracked model"). It reads the rows with its historical model (`apps.get_model`), never
today's, so it runs from any older schema; the recorder is imported when it runs, not when the
migration module is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

CHUNK = 1000  # records frozen per event

Payload = Callable[[Sequence[models.Model], Sequence[models.Model]], dict[str, Any]]


def refreeze(apps: Any, schema_editor: BaseDatabaseSchemaEditor, app_label: str, model_name: str, *,
             reason: str, action: str = "records.schema_change", first: Sequence[models.Model] = (),
             payload: Payload | None = None, only: Collection[Any] | None = None) -> int:
    """Record, by 系统, the state every row of the model is in now: one event per CHUNK rows, in
    primary-key order, each named by its first and last key. `first`: other records frozen with
    the first event only; `payload(part, first)`: the event's payload (default: the number of rows
    and `reason`); `only`: the primary keys of the rows that changed, when not all did. Returns the
    number of events written."""
    from lawtrail.events.recorder import record_event

    db = schema_editor.connection.alias
    model = apps.get_model(app_label, model_name)
    rows = model.objects.using(db) if only is None else model.objects.using(db).filter(pk__in=only)
    pks = list(rows.order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(pks), CHUNK):
        part = list(model.objects.using(db).filter(pk__in=pks[start:start + CHUNK]).order_by("pk"))
        extra = first if start == 0 else ()
        record_event(action, None, actor=None, object_type=model._meta.label_lower,
                     object_id=f"{part[0].pk}-{part[-1].pk}", changed=[*extra, *part],
                     payload=payload(part, extra) if payload is not None else {"records": len(part), "reason": reason})
        written += 1
    return written
