"""The compliance store's background jobs (Huey): the refresh of one case after its events
(queued by compliance.incremental), and every 15 minutes the move of deadline states with the
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


def tick() -> tuple[int, int]:
    """Move deadline states with the clock, then refresh stale cases: (rows moved, cases refreshed)."""
    moved = store.move_deadlines()
    refreshed = store.refresh_stale()
    if moved or refreshed:
        log.info("deadline states moved: %s; stale cases refreshed: %s", moved, refreshed)
    return moved, refreshed


periodic_tick = db_periodic_task(crontab(minute="*/15"), name="compliance.deadlines")(tick)
