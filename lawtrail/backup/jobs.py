"""The worker's backups (Huey): the database into the replica every LAWTRAIL_BACKUP_HOURS hours
(0: never by the worker), and each signed tree head shipped to the replica within a minute.

Nothing happens while no replica is configured: an installation without one has no off-site copy
to write to, and `lawtrail doctor` says so."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lawtrail.backup.core import backup, ship_checkpoints
from lawtrail.storage import get_replica

log = logging.getLogger(__name__)


def backup_if_configured() -> None:
    if get_replica() is None:
        return
    report = backup()
    log.info("database backup %s: %s bytes, %s events, %s ledger entries, %s originals copied",
             report.stamp, report.size, report.facts["events"]["count"], report.facts["ledger"]["entries"],
             report.originals_copied)
    for failure in report.originals_failed:
        log.error("backup: original %s not replicated: %s", failure["key"], failure["error"])


def ship_if_configured() -> None:
    if get_replica() is not None:
        ship_checkpoints()


_hours = settings.BACKUP_HOURS
if _hours > 0:
    periodic_backup = db_periodic_task(crontab(minute="37", hour=f"*/{_hours}"), name="backup.database")(
        backup_if_configured)
periodic_ship = db_periodic_task(crontab(minute="*"), name="backup.checkpoints")(ship_if_configured)
