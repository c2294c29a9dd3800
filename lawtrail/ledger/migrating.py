"""Freezing columns a migration added to a tracked model without re-freezing its rows.

A row frozen before a column existed still verifies: verify compares the fields its state froze,
and the new column is not among them, so until the row's next action the column can be changed
behind the actions' back unseen. Such rows are frozen anew — but only a row whose frozen fields all
still hold, and whose frozen state lacks nothing but the added columns: a row changed behind the
actions' back is left as it is, for verify to name, never made right by a migration.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.events.migrating import refreeze
from lawtrail.events.state import digest, freeze_row, frozen_attnames


def rows_missing_columns(model: Any, columns: Collection[str]) -> list[Any]:
    """The primary keys of `model`'s rows whose latest frozen state has every field it has now but
    some of `columns` (attribute names), with each frozen field equal to the row's."""
    from lawtrail.ledger.livestate import _frozen_fields, ledgered_states

    label = model._meta.label_lower
    latest = {pk: f for (lab, pk), f in ledgered_states(lambda *a, **k: None).items()
              if lab == label and f.digest is not None}
    if not latest:
        return []
    names = frozen_attnames(model)
    pk_name = model._meta.pk.attname
    differing: dict[str, dict[str, Any]] = {}
    for row in model._base_manager.order_by("pk").values_list(pk_name, *names).iterator(chunk_size=2000):
        key, live_digest, fields = freeze_row(model, row[0], row[1:])
        frozen = latest.get(key)
        if frozen is not None and frozen.digest != live_digest:
            differing[key] = fields
    by_event = _frozen_fields(sorted({latest[k].event for k in differing}))
    out = []
    for key, live in differing.items():
        frozen = latest[key]
        held = by_event.get(frozen.event)
        held_fields = held[frozen.index] if isinstance(held, list) and frozen.index < len(held) else None
        if not isinstance(held_fields, dict) or digest(label, key, held_fields) != frozen.digest:
            continue  # the event's fields no longer match the ledger: verify names it
        missing = set(live) - set(held_fields)
        if missing and missing <= set(columns) and set(held_fields) <= set(live) \
                and all(live[name] == value for name, value in held_fields.items()):
            out.append(model._meta.pk.to_python(key))
    return out


def refreeze_added_columns(apps: Any, schema_editor: BaseDatabaseSchemaEditor, app_label: str, model_name: str, *,
                           columns: Collection[str], reason: str) -> int:
    """Freeze anew, by 系统, the rows of the model that lack only `columns` in their frozen state (see
    the module's note); returns the number of events written."""
    model = apps.get_model(app_label, model_name)
    pks = rows_missing_columns(model, columns)
    if not pks:
        return 0
    return refreeze(apps, schema_editor, app_label, model_name, reason=reason, only=pks)
