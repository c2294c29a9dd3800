"""Incremental refresh of the stored findings: each committed event of a case marks the case's
stored rows stale (pages show 待更新 at once) and queues one worker job that refreshes the case
(one job for all the cases of a commit that touched many).

The event recorder calls `on_event` for every event it writes, inside the action's transaction
(compliance.apps registers it). The cases are collected per transaction and handled once it
commits: an action that writes ten events of one case queues one job, and while that
job waits (the case is already marked stale) further events of the case queue nothing more.
A job that cannot be queued (the queue is down) leaves the case stale: the periodic job refreshes
stale cases (compliance.jobs).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction

from lawtrail.events.models import DomainEvent, Outcome

log = logging.getLogger(__name__)

_local = threading.local()
_paused: list[bool] = [False]


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No refresh queued for the events inside (a loader that fills the store itself at the end)."""
    was = _paused[0]
    _paused[0] = True
    try:
        yield
    finally:
        _paused[0] = was


def on_event(event: DomainEvent) -> None:
    """The recorder's listener: remember the event's case, handled once the transaction commits."""
    case_id = event.case_id_frozen
    if case_id is None or event.outcome != Outcome.DONE:
        return  # a refused action changed nothing
    conn = transaction.get_connection()
    state: tuple[list[object], set[int]] | None = getattr(_local, "state", None)
    # One set of cases per transaction: Django gives each transaction a fresh list of commit
    # callbacks (after a commit or a rollback), so a case of a rolled-back transaction never
    # leaks into the next one.
    if state is None or state[0] is not conn.run_on_commit or not conn.in_atomic_block:
        cases: set[int] = set()
        _local.state = (conn.run_on_commit, cases)
        transaction.on_commit(functools.partial(flush, cases))
    else:
        cases = state[1]
    cases.add(case_id)


def flush(cases: set[int]) -> None:
    state = getattr(_local, "state", None)
    if state is not None and state[1] is cases:
        _local.state = None
    if not cases or _paused[0] or not getattr(settings, "COMPLIANCE_INCREMENTAL", True):
        return
    ids = sorted(cases)
    cases.clear()
    from lawtrail.compliance import store

    try:
        queue = store.mark_stale(ids)
    except Exception:  # noqa: BLE001 — the action has committed; stored findings are derived and may lag
        log.exception("stored findings of cases %s not marked stale", ids)
        return
    if queue:
        enqueue(queue)


def enqueue(case_ids: list[int]) -> None:
    """Queue the refresh of these cases (the job skips a case already up to date)."""
    from huey.contrib.djhuey import HUEY

    from lawtrail.compliance import jobs

    delay = int(getattr(settings, "COMPLIANCE_REFRESH_DELAY_SECONDS", 5))
    if len(case_ids) > 1 and not (HUEY.immediate or delay <= 0):
        # One commit of many cases (a batch of imported bundles): one job for them all, since every
        # job queued is a write (and a sync) of the queue's own.
        try:
            jobs.refresh_cases_job.schedule(args=(case_ids,), delay=delay)
        except Exception:  # noqa: BLE001 — the cases stay stale; the periodic job refreshes them
            log.exception("refresh of cases %s not queued", case_ids)
        return
    for case_id in case_ids:
        try:
            if HUEY.immediate or delay <= 0:
                jobs.refresh_case_job(case_id)
            else:
                # A short wait lets a burst of actions on one case (an upload of many clips) end
                # before the case is exported once.
                jobs.refresh_case_job.schedule(args=(case_id,), delay=delay)
        except Exception:  # noqa: BLE001 — the case stays stale; the periodic job refreshes it
            log.exception("refresh of case %s not queued", case_id)
