"""Gap-free numbers (案号, 文书编号) from a counter row per key."""

from __future__ import annotations

from typing import Any

from django.db import models


def next_in_sequence(counter_model: type[models.Model], **key: Any) -> int:
    """The next number of the sequence `key` names; call inside the transaction that uses it.

    The counter row stays locked until that transaction commits, so concurrent callers queue
    on it, and a transaction that rolls back gives its number back: no duplicates, no gaps.
    The model needs an integer `last_seq` and a unique constraint over the key's fields.
    """
    # The first number of a key creates its row; a concurrent first caller must not fail.
    counter_model._default_manager.bulk_create([counter_model(**key, last_seq=0)], ignore_conflicts=True)
    counter = counter_model._default_manager.select_for_update().get(**key)
    counter.last_seq += 1  # type: ignore[attr-defined]
    counter.save(update_fields=["last_seq"])
    return int(counter.last_seq)  # type: ignore[attr-defined]
