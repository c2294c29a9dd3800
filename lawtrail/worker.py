"""`lawtrail worker`: the background worker (Huey consumer) and its heartbeat.

The apps' jobs register with the queue when their modules are imported, which happens here and
not at every start of every command (huey and PyAV would cost each `lawtrail …` a third of its
start-up). The heartbeat lets `lawtrail doctor` tell a queue that someone works from one that
only fills up; it is a thread of the worker rather than a periodic job, so it adds no lines to
the worker's log.
"""

from __future__ import annotations

import logging
import threading

from lawtrail.lib import timez

HEARTBEAT_KEY = "lawtrail:worker-heartbeat"
HEARTBEAT_SECONDS = 60

log = logging.getLogger(__name__)


def beat() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.put(HEARTBEAT_KEY, timez.now().isoformat())


def _beat_forever(stop: threading.Event) -> None:
    failing = False
    while True:
        try:
            beat()
            failing = False
        except Exception as err:  # noqa: BLE001 — the queue's own outage is reported by the consumer too
            if not failing:
                log.warning("worker heartbeat not written: %s", err)
            failing = True
        if stop.wait(HEARTBEAT_SECONDS):
            return


def run() -> int:
    from django.core.management import call_command
    from huey.contrib.djhuey.management.commands.run_huey import Command

    from lawtrail.access import jobs as access_jobs  # noqa: F401
    from lawtrail.backup import jobs as backup_jobs  # noqa: F401
    from lawtrail.compliance import jobs as compliance_jobs  # noqa: F401
    from lawtrail.dashboards import jobs as dashboard_jobs  # noqa: F401
    from lawtrail.evidence import jobs  # noqa: F401
    from lawtrail.ledger import jobs as ledger_jobs  # noqa: F401

    try:
        # A killed ingest leaves its staged file behind: swept at start, then every 15 minutes.
        jobs.sweep_staging()
    except OSError as err:
        log.warning("staging area not swept: %s", err)
    stop = threading.Event()
    threading.Thread(target=_beat_forever, args=(stop,), name="heartbeat", daemon=True).start()
    try:
        call_command(Command())
    finally:
        stop.set()
    return 0
