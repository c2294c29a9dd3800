"""A bound case file (已装订的案卷) is immutable in the database itself: any UPDATE of a bound
row is refused by a trigger, and on PostgreSQL so is its DELETE. SQLite keeps DELETE open
because the test runner empties its tables with DELETE (PostgreSQL's TRUNCATE fires no row
trigger), as for issued documents (documents/migrations/0002_immutability.py)."""

from django.db import migrations

from lawtrail.archive.sql import POSTGRES, POSTGRES_REVERSE, SQLITE, SQLITE_REVERSE


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("archive", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run({"postgresql": POSTGRES, "sqlite": SQLITE}),
                             _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})),
    ]
