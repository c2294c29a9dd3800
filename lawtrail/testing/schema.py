"""Moving a test database's schema back to an older migration and forward again (the tests of a
migration that re-freezes records through the ledger)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(*targets: tuple[str, str]) -> Any:
    """The schema at `targets` (app, migration); the historical models' registry there."""
    MigrationExecutor(connection).migrate(list(targets))
    return MigrationExecutor(connection).loader.project_state(list(targets)).apps


def migrate_to_latest() -> None:
    """Every app at its newest migration again: a fixture that moved the schema back leaves the
    worker's database as the rest of the suite expects it, whichever migrations came after."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
