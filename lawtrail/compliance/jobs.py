"""The compliance store's background jobs (Huey): the refresh of one case after its events, or of
the many cases of one commit (queued by compliance.incremental), and every 15 minutes the move of deadline states with the
clock (pending → near → overdue, each move announced once) and the refresh of cases still stale.

Without a worker, cron does the same with `lawtrail check --all` (README).
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from lawtrail.compliance import store

log = logging.getLogger(__name__)


@db_task(name="compliance.refresh_case")
def refresh_case_job(case_id: int) -> bool:
    return store.refresh_if_behind(case_id)


@db_task(name="compliance.refresh_cases")
def refresh_cases_job(case_ids: list[int]) -> int:
    """The cases of one commit that touched many (a batch of imported bundles): one job, not one
    a case, each case refreshed as refresh_case_job would. A case that fails is logged and left
    stale for the periodic job; the others go on. How many were refreshed."""
    refreshed = 0
    for case_id in case_ids:
        try:
            refreshed += store.refresh_if_behind(case_id)
        except Exception:  # noqa: BLE001 — the case stays stale; the periodic job refreshes it
            log.exception("refresh of case %s failed", case_id)
    return refreshed


def tick() -> tuple[int, int]:
    """Move deadline states with the clock, then refresh stale cases: (rows moved, cases refreshed)."""
    moved = store.move_deadlines()
    refreshed = store.refresh_stale()
    if moved or refreshed:
        log.info("deadline states moved: %s; stale cases refreshed: %s", moved, refreshed)
    return moved, refreshed


periodic_tick = db_periodic_task(crontab(minute="*/15"), name="compliance.deadlines")(tick)
