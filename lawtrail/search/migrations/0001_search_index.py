"""The search index: FTS5 trigram tables kept by triggers (SQLite), pg_trgm GIN indexes (PostgreSQL)."""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from lawtrail.search.sql import install as do_install

    do_install(schema_editor.connection)


def remove(apps: Any, schema_editor: Any) -> None:
    from lawtrail.search.sql import remove as do_remove

    do_remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_party_unit"),
        ("documents", "0004_act_documents"),
    ]

    operations = [migrations.RunPython(install, remove)]
