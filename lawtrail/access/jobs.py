"""The access app's background jobs (Huey): large batch prints, and the sweep of old ones."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from lawtrail.access import prints


@db_task()
def bind_case_print(token: str) -> None:
    prints.build(token)


@db_periodic_task(crontab(minute="23"))
def sweep_prints() -> None:
    prints.sweep()
