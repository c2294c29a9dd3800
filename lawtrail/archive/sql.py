"""A bound case file (已装订的案卷) is immutable in the database itself: any UPDATE of a bound
row is refused by a trigger, and on PostgreSQL so is its DELETE. SQLite keeps DELETE open
because the test runner empties its tables with DELETE (PostgreSQL's TRUNCATE fires no row
trigger), as for issued documents (documents/sql.py)."""

from __future__ import annotations

from lawtrail.lib.appendonly import Guard

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


GUARDS = [
    Guard("archive_casefile", "已装订案卷不可改动", {"postgresql": ("archive_casefile_immutable",),
                                              "sqlite": ("archive_casefile_immutable",)},
          {"postgresql": tuple(POSTGRES), "sqlite": tuple(SQLITE)}),
]
