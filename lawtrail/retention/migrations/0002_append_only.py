"""Disposal records and the marks of what they destroyed are append-only (sql.py)."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.retention import sql


def install(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    sql.install(schema_editor)


def remove(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    sql.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
