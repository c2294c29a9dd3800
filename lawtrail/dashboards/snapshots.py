"""The dashboards' numbers, stored per scope (`Snapshot`): a view reads them, the worker keeps
them current.

Counting a scope reads every case and finding in it (queries.py: one GROUP BY per chart), which
grows with the agency; a view instead reads the scope's stored snapshot and shows when it was
counted (统计时间). The first view of a scope nobody asked for before counts it there and then;
after that `refresh` (a periodic job, every REFRESH_MINUTES) recounts every scope viewed in the
last KEEP_DAYS and drops the others. The deadline list (at most 50 rows, ordered by an index)
and the drill-down lists stay live.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from lawtrail.accounts.models import User
from lawtrail.dashboards import queries
from lawtrail.dashboards.models import Snapshot
from lawtrail.dashboards.scope import Scope, scope_from
from lawtrail.lib import timez
from lawtrail.lib.errors import DomainError

REFRESH_MINUTES = 15
KEEP_DAYS = 7
# A view marks its snapshot as still wanted at most this often (a write per view would be one
# per click).
ASKED_EVERY = dt.timedelta(hours=1)

log = logging.getLogger(__name__)


@dataclass
class Board:
    charts: list[queries.Chart]
    headline: list[tuple[str, int]]
    computed_at: dt.datetime


def key_of(scope: Scope) -> str:
    """The same numbers, the same key: what the scope reaches and what was picked (not who asked)."""
    described = {"agencies": sorted(scope.reach.agencies), "units": sorted(scope.reach.units), **scope.params()}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def compute(scope: Scope) -> dict[str, Any]:
    return {"charts": [dataclasses.asdict(c) for c in queries.all_charts(scope)],
            "headline": [list(pair) for pair in queries.headline(scope)]}


def _board(snapshot: Snapshot) -> Board:
    return Board([queries.Chart(**c) for c in snapshot.body["charts"]],
                 [(str(label), int(n)) for label, n in snapshot.body["headline"]], snapshot.computed_at)


def store(scope: Scope) -> Snapshot:
    """Count the scope now and store it (replacing what was stored under its key)."""
    now = timez.now()
    snapshot, _ = Snapshot.objects.update_or_create(
        key=key_of(scope),
        defaults={"user": scope.user, "params": scope.params(), "body": compute(scope), "computed_at": now,
                  "asked_at": now})
    return snapshot


def board(scope: Scope) -> Board:
    """The scope's stored numbers (counted now if nobody asked for this scope before)."""
    snapshot = Snapshot.objects.filter(key=key_of(scope)).first()
    if snapshot is None:
        snapshot = store(scope)
    elif snapshot.asked_at < timez.now() - ASKED_EVERY:
        Snapshot.objects.filter(pk=snapshot.pk).update(asked_at=timez.now())
    try:
        return _board(snapshot)
    except (KeyError, TypeError, ValueError):
        # Stored by a version whose charts had another shape (an upgrade): counted again.
        return _board(store(scope))


def refresh() -> tuple[int, int]:
    """Recount every scope viewed in the last KEEP_DAYS; drop the others, and those whose user may no
    longer see them (or now reaches more: their next view stores them under the new key).
    Returns (recounted, dropped)."""
    dropped, _ = Snapshot.objects.filter(asked_at__lt=timez.now() - dt.timedelta(days=KEEP_DAYS)).delete()
    recounted = 0
    for snapshot in Snapshot.objects.select_related("user").order_by("pk").iterator(chunk_size=100):
        user: User = snapshot.user
        try:
            scope = scope_from(user, snapshot.params)
        except DomainError:
            scope = None
        if scope is None or not user.is_active or key_of(scope) != snapshot.key:
            Snapshot.objects.filter(pk=snapshot.pk).delete()
            dropped += 1
            continue
        try:
            Snapshot.objects.filter(pk=snapshot.pk).update(body=compute(scope), computed_at=timez.now())
        except Exception:  # noqa: BLE001 — one scope that fails keeps its older numbers; the others go on
            log.exception("dashboard snapshot %s not recounted", snapshot.pk)
            continue
        recounted += 1
    return recounted, dropped
