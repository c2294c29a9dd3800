"""A closed 评查 (已办结) is immutable in the database itself: any UPDATE of a closed review or of
one of its scores is refused by a trigger, and on PostgreSQL so is its DELETE. SQLite keeps DELETE
open because the test runner empties its tables with DELETE, as for bound case files (archive/sql.py)."""

from __future__ import annotations

from lawtrail.lib.appendonly import Guard

POSTGRES = [
    """CREATE OR REPLACE FUNCTION review_casereview_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'closed' THEN
    RAISE EXCEPTION USING MESSAGE = 'closed case review ' || OLD.id || ' is immutable';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER review_casereview_immutable BEFORE UPDATE OR DELETE ON review_casereview
FOR EACH ROW EXECUTE FUNCTION review_casereview_immutable()""",
    """CREATE OR REPLACE FUNCTION review_reviewscore_immutable() RETURNS trigger AS $$
BEGIN
  IF (SELECT status FROM review_casereview WHERE id = OLD.review_id) = 'closed' THEN
    RAISE EXCEPTION USING MESSAGE = 'score ' || OLD.id || ' of a closed case review is immutable';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER review_reviewscore_immutable BEFORE UPDATE OR DELETE ON review_reviewscore
FOR EACH ROW EXECUTE FUNCTION review_reviewscore_immutable()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS review_casereview_immutable ON review_casereview",
    "DROP FUNCTION IF EXISTS review_casereview_immutable()",
    "DROP TRIGGER IF EXISTS review_reviewscore_immutable ON review_reviewscore",
    "DROP FUNCTION IF EXISTS review_reviewscore_immutable()",
]
SQLITE = [
    """CREATE TRIGGER review_casereview_immutable BEFORE UPDATE ON review_casereview
WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'closed case review is immutable'); END""",
    """CREATE TRIGGER review_reviewscore_immutable BEFORE UPDATE ON review_reviewscore
WHEN (SELECT status FROM review_casereview WHERE id = OLD.review_id) = 'closed'
BEGIN SELECT RAISE(ABORT, 'score of a closed case review is immutable'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS review_casereview_immutable",
                  "DROP TRIGGER IF EXISTS review_reviewscore_immutable"]


GUARDS = [
    Guard("review_casereview", "已办结的案卷评查不可改动",
          {"postgresql": ("review_casereview_immutable",), "sqlite": ("review_casereview_immutable",)},
          {"postgresql": tuple(POSTGRES[:2]), "sqlite": tuple(SQLITE[:1])}),
    Guard("review_reviewscore", "已办结评查的评分不可改动",
          {"postgresql": ("review_reviewscore_immutable",), "sqlite": ("review_reviewscore_immutable",)},
          {"postgresql": tuple(POSTGRES[2:]), "sqlite": tuple(SQLITE[1:])}),
]
