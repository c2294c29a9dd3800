"""Hooks of the evidence vault, filled in `AppConfig.ready()` by what sits above its actions.

The actions stay at the bottom of the app and point one way: they call these hooks instead of
importing the vault's jobs (which import the actions) or the retention app (which imports the
vault). Each hook has a harmless default while nothing is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from lawtrail.evidence.models import Evidence, StoredObject

# Called after an ingest commits, with the new record's id (lawtrail.evidence.jobs queues previews).
after_ingest: list[Callable[[int], None]] = []


def _kept_by_default(qs: QuerySet[StoredObject]) -> QuerySet[StoredObject]:
    return qs


def _never_disposed(ev: Evidence) -> str:
    return ""


def _no_disposal(ev: Evidence) -> Any:
    return None


class _Retention:
    """What the retention app says about the vault's objects (lawtrail.retention registers)."""

    # The stored objects that must still be present (not destroyed under a disposal record).
    kept: Callable[[Any], Any] = staticmethod(_kept_by_default)
    # Why a record's original is gone ("" while it is kept).
    disposed: Callable[[Any], str] = staticmethod(_never_disposed)
    # The disposal of a record's original (with disposed_at and record_id), or None.
    disposal: Callable[[Any], Any] = staticmethod(_no_disposal)


retention = _Retention()


def _registry_unknown(agency_id: int, serial: str) -> bool | None:
    return None


class _Devices:
    """What the device registry says of the serial footage names (lawtrail.devices registers):
    True registered, False not registered (flagged on the footage's page), None no registry."""

    registered: Callable[[int, str], bool | None] = staticmethod(_registry_unknown)


devices = _Devices()
