"""`lawtrail worker`: the background worker (Huey consumer) and its own heartbeat.

The apps' jobs register with the queue when their modules are imported, which happens here and
not at every start of every command (huey and PyAV would cost each `lawtrail …` a third of its
start-up). The heartbeat lets `lawtrail doctor` tell a queue that someone works from one that
only fills up.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, periodic_task

from lawtrail.lib import timez

HEARTBEAT_KEY = "lawtrail:worker-heartbeat"


def beat() -> None:
    HUEY.put(HEARTBEAT_KEY, timez.now().isoformat())


@HUEY.on_startup()
def beat_on_start() -> None:
    beat()


@periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    beat()


def run() -> int:
    from django.core.management import call_command
    from huey.contrib.djhuey.management.commands.run_huey import Command

    from lawtrail.evidence import jobs  # noqa: F401
    from lawtrail.ledger import jobs as ledger_jobs  # noqa: F401

    call_command(Command())
    return 0
