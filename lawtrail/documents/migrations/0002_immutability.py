"""Issued documents and signatures are immutable in the database itself, not by good manners:
an UPDATE that changes an issued document's content (or un-supersedes it), and any UPDATE of a
signature, is refused by a trigger. On PostgreSQL deleting them is refused too; SQLite keeps
DELETE open because the test runner empties its tables with DELETE (PostgreSQL's TRUNCATE
fires no row trigger)."""

from django.db import migrations

from lawtrail.documents.sql import INITIAL_POSTGRES as POSTGRES
from lawtrail.documents.sql import INITIAL_POSTGRES_REVERSE as POSTGRES_REVERSE
from lawtrail.documents.sql import INITIAL_SQLITE as SQLITE
from lawtrail.documents.sql import INITIAL_SQLITE_REVERSE as SQLITE_REVERSE


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run({"postgresql": POSTGRES, "sqlite": SQLITE}),
                             _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})),
    ]
