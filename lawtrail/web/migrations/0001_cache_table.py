"""The database cache's table (settings.CACHES): the per-user rate limit of expensive exports counts
there, shared by every server process. Made by `createcachetable`, which knows the cache's schema;
a no-op when the cache is Redis."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
