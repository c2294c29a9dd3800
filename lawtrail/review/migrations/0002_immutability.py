"""A closed 评查 (已办结) is immutable in the database itself: any UPDATE of a closed review or of
one of its scores is refused by a trigger, and on PostgreSQL so is its DELETE (see review/sql.py)."""

from django.db import migrations

from lawtrail.review.sql import POSTGRES, POSTGRES_REVERSE, SQLITE, SQLITE_REVERSE


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run({"postgresql": POSTGRES, "sqlite": SQLITE}),
                             _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})),
    ]
