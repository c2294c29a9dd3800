"""The dashboards' background job (Huey): every 15 minutes, recount the scopes viewed lately
(snapshots.refresh). Without a worker, the snapshots keep the numbers of their first view."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lawtrail.dashboards import snapshots

log = logging.getLogger(__name__)


def tick() -> tuple[int, int]:
    recounted, dropped = snapshots.refresh()
    if recounted or dropped:
        log.info("dashboard snapshots recounted: %s; dropped: %s", recounted, dropped)
    return recounted, dropped


periodic_refresh = db_periodic_task(crontab(minute=f"*/{snapshots.REFRESH_MINUTES}"), name="dashboards.refresh")(tick)
