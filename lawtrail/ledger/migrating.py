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
from lawtrail.events.state import digest


def rows_missing_columns(model: Any, columns: Collection[str]) -> list[Any]:
    """The primary keys of `model`'s rows whose latest frozen state has every field it has now but
    some of `columns` (attribute names), with each frozen field equal to the row's."""
    from lawtrail.ledger.livestate import _frozen_fields, _pages, _rows, ledgered_states

    def ignore(*args: Any, **where: Any) -> None:
        """A damaged event or row: not this migration's to judge (verify names it)."""

    label = model._meta.label_lower
    out = []
    with ledgered_states(ignore) as latest:
        for page in _pages(_rows(model, ignore, label)):
            held_by_pk = latest.get(label, [key for key, _, _ in page])
            differing = {key: (held_by_pk[key], fields) for key, live_digest, fields in page
                         if key in held_by_pk and held_by_pk[key].digest not in (None, live_digest)}
            by_event = _frozen_fields(sorted({frozen.event for frozen, _ in differing.values()}))
            for key, (frozen, live) in differing.items():
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
