"""Periodic signed tree heads (Huey, run by `lawtrail worker`).

Without a worker, cron does the same (README): `lawtrail ledger checkpoint --quiet` signs
only when the ledger grew since the last signed tree head.
"""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lawtrail.ledger.actions import do_make_checkpoint

log = logging.getLogger(__name__)


def make_checkpoint() -> int | None:
    """Sign a tree head if the ledger grew; the new tree head's id, or None."""
    row = do_make_checkpoint()
    if row is not None:
        log.info("signed tree head #%s over %s entries", row.pk, row.tree_size)
    return row.pk if row is not None else None


_minutes = settings.LEDGER_CHECKPOINT_MINUTES
if 0 < _minutes < 60:
    periodic_checkpoint = db_periodic_task(crontab(minute=f"*/{_minutes}"), name="ledger.checkpoint")(make_checkpoint)
elif _minutes >= 60:
    periodic_checkpoint = db_periodic_task(crontab(minute="0", hour=f"*/{max(1, _minutes // 60)}"),
                                           name="ledger.checkpoint")(make_checkpoint)
