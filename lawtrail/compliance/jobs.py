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
    a case; those behind their events refreshed together (store.refresh_behind). A case that
    fails is logged and left stale for the periodic job; the others go on. How many were
    refreshed."""
    return store.refresh_behind(case_ids)


def tick() -> tuple[int, int]:
    """Move deadline states with the clock, then refresh stale cases: (rows moved, cases refreshed)."""
    moved = store.move_deadlines()
    refreshed = store.refresh_stale()
    if moved or refreshed:
        log.info("deadline states moved: %s; stale cases refreshed: %s", moved, refreshed)
    return moved, refreshed


periodic_tick = db_periodic_task(crontab(minute="*/15"), name="compliance.deadlines")(tick)
