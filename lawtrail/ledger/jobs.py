"""Signed tree heads made by `lawtrail worker` (Huey): every minute it asks whether one is due
(settings.LEDGER_CHECKPOINT_MINUTES / _ENTRIES / _ON_CLOSE, see ledger.actions.checkpoint_due) and
signs it; each is also written to settings.LEDGER_CHECKPOINT_DIR.

Without a worker, cron does the same (README): `lawtrail ledger checkpoint --quiet` signs
only when the ledger grew since the last signed tree head.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lawtrail.ledger.actions import checkpoint_due, do_make_checkpoint

log = logging.getLogger(__name__)


def make_checkpoint() -> int | None:
    """Sign a tree head if the ledger grew; the new tree head's id, or None."""
    row = do_make_checkpoint()
    if row is not None:
        log.info("signed tree head #%s over %s entries", row.pk, row.tree_size)
    return row.pk if row is not None else None


def checkpoint_if_due() -> int | None:
    """Sign a tree head if one is due; the new tree head's id, or None."""
    reason = checkpoint_due()
    if reason is None:
        return None
    row = do_make_checkpoint()
    if row is not None:
        log.info("signed tree head #%s over %s entries (%s)", row.pk, row.tree_size, reason)
    return row.pk if row is not None else None


periodic_checkpoint = db_periodic_task(crontab(minute="*"), name="ledger.checkpoint")(checkpoint_if_due)
