"""A bound case file (已装订的案卷) is immutable in the database itself: any UPDATE of a bound
row is refused by a trigger, and on PostgreSQL so is its DELETE. SQLite keeps DELETE open
because the test runner empties its tables with DELETE (PostgreSQL's TRUNCATE fires no row
trigger), as for issued documents (documents/migrations/0002_immutability.py)."""

from django.db import migrations

POSTGRES = [
    """CREATE OR REPLACE FUNCTION archive_casefile_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'bound' THEN
    RAISE EXCEPTION USING MESSAGE = 'bound case file ' || OLD.id || ' is immutable';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER archive_casefile_immutable BEFORE UPDATE OR DELETE ON archive_casefile
FOR EACH ROW EXECUTE FUNCTION archive_casefile_immutable()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS archive_casefile_immutable ON archive_casefile",
    "DROP FUNCTION IF EXISTS archive_casefile_immutable()",
]
SQLITE = [
    """CREATE TRIGGER archive_casefile_immutable BEFORE UPDATE ON archive_casefile
WHEN OLD.status = 'bound'
BEGIN SELECT RAISE(ABORT, 'bound case file is immutable'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS archive_casefile_immutable"]


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
