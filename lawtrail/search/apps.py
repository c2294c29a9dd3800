from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # A later migration that rebuilds a searched table (SQLite's ALTER TABLE copies it) drops its
    # triggers; put them back, and rebuild that index, after every migrate and flush.
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from lawtrail.search.sql import install

    connection = connections[using]
    if not MigrationRecorder(connection).migration_qs.filter(app="search", name="0001_search_index").exists():
        return
    install(connection)


class SearchConfig(AppConfig):
    name = "lawtrail.search"
    label = "search"
    verbose_name = "检索"

    def ready(self) -> None:
        post_migrate.connect(_reinstall, sender=self, dispatch_uid="lawtrail.search.reinstall")
