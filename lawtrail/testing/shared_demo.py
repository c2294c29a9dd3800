"""The demo loaded once for a whole test module (`committed_demo`), and the flush that clears it.

Loading the five agencies' demo takes minutes: it issues and renders some 150 documents. A test
module whose tests only read the demo loads it once, committed, instead of once a test; each test
still runs in its own transaction, rolled back, so what one test changes the next does not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def drop_append_only_guards() -> None:
    """The ledger's and the disposal records' append-only triggers, dropped before a flush; the
    flush's post_migrate signal puts them back."""
    from django.db import connection

    from lawtrail.ledger.sql import drop_append_only_statements
    from lawtrail.retention.sql import drop_statements

    with connection.cursor() as cursor:
        for statement in [*drop_append_only_statements(connection.vendor), *drop_statements(connection.vendor)]:
            cursor.execute(statement)


@contextmanager
def committed_demo(django_db_blocker: Any, tmp: Path, profiles: list[str] | None = None) -> Iterator[bool]:
    """The demo of `profiles` (all five by default) loaded and committed, then flushed away with
    every other row once the module is done (the flush's post_migrate signal restores the guards).
    Yields what `ensure_demo` returned; `tmp` receives the demo's signed tree heads."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    from lawtrail.compliance import incremental
    from lawtrail.demo import ensure_demo

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # As `lawtrail demo` loads it: no compliance refresh queued after each committed event (a test
    # inside one transaction, as before, never committed any).
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers, LEDGER_CHECKPOINT_DIR=str(tmp)), \
            incremental.paused():
        loaded = ensure_demo(profiles)
    try:
        yield loaded
    finally:
        with django_db_blocker.unblock():
            drop_append_only_guards()
            call_command("flush", interactive=False, verbosity=0)
