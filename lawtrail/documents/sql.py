"""Issued documents and signatures are immutable in the database itself, not by good manners:
an UPDATE that changes an issued document's content (or un-supersedes it), and any UPDATE of a
signature, is refused by a trigger. On PostgreSQL deleting them is refused too; SQLite keeps
DELETE open because the test runner empties its tables with DELETE (PostgreSQL's TRUNCATE
fires no row trigger)."""

from __future__ import annotations

from collections.abc import Sequence

from lawtrail.lib.appendonly import Guard

# What an issued document may not change, as each migration that (re)installed its guard wrote it:
# the columns compared, a line of the condition each (the text is kept as those migrations applied it).
_COLUMNS_0002: list[tuple[str, ...]] = [("fields", "spec"), ("pdf", "pdf_sha256"), ("number", "version"), ("case_id", "type_code"),
                 ("issued_at", "previous_id")]
# Migration 0003: a document may belong to a complaint instead of a case.
_COLUMNS_0003 = [*_COLUMNS_0002[:4], ("complaint_id",), _COLUMNS_0002[4]]
# Migration 0005: the definition it was made on replaces its copy of it.
_COLUMNS_0005 = [("fields", "definition_id"), *_COLUMNS_0003[1:]]
# Today (migration 0006 installs it, the guards below put it back): or to a patrol inspection.
_COLUMNS = [*_COLUMNS_0005[:4], ("complaint_id", "inspection_id"), _COLUMNS_0005[5]]


def _changed(lines: Sequence[tuple[str, ...]], *, sqlite: bool) -> str:
    """The condition under which an UPDATE changes an issued document (or un-supersedes it)."""
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    compared = "\n    OR ".join(" OR ".join(f"NEW.{c} {differs} OLD.{c}" for c in line) for line in lines)
    return f"""({compared}
    OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')
    OR (OLD.status = 'issued' AND NEW.status NOT IN ('issued', 'superseded')))"""


def document_postgres(lines: Sequence[tuple[str, ...]]) -> str:
    """The PostgreSQL function guarding issued documents (updates and deletes) for these columns."""
    return f"""CREATE OR REPLACE FUNCTION documents_document_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable'; END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND {_changed(lines, sqlite=False)} THEN
    RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql"""


def document_sqlite(lines: Sequence[tuple[str, ...]], *, create: str = "CREATE TRIGGER IF NOT EXISTS") -> str:
    """The SQLite trigger guarding issued documents (updates) for these columns."""
    return f"""{create} documents_document_immutable BEFORE UPDATE ON documents_document
WHEN OLD.status <> 'draft' AND {_changed(lines, sqlite=True)}
BEGIN SELECT RAISE(ABORT, 'issued document is immutable'); END"""


_POSTGRES_TRIGGER = """{create} documents_document_immutable BEFORE UPDATE OR DELETE ON documents_document
FOR EACH ROW EXECUTE FUNCTION documents_document_immutable()"""
_SIGNATURE_POSTGRES = [
    """CREATE OR REPLACE FUNCTION documents_signature_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'document signatures are append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER documents_signature_append_only BEFORE UPDATE OR DELETE ON documents_signature
FOR EACH ROW EXECUTE FUNCTION documents_signature_append_only()""",
]
SIGNATURE_SQLITE = [
    """CREATE TRIGGER documents_signature_append_only BEFORE UPDATE ON documents_signature
BEGIN SELECT RAISE(ABORT, 'document signatures are append-only'); END""",
]

INITIAL_POSTGRES = [document_postgres(_COLUMNS_0002), _POSTGRES_TRIGGER.format(create="CREATE TRIGGER"),
                    *_SIGNATURE_POSTGRES]
INITIAL_POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS documents_document_immutable ON documents_document",
    "DROP FUNCTION IF EXISTS documents_document_immutable()",
    "DROP TRIGGER IF EXISTS documents_signature_append_only ON documents_signature",
    "DROP FUNCTION IF EXISTS documents_signature_append_only()",
]
INITIAL_SQLITE = [document_sqlite(_COLUMNS_0002, create="CREATE TRIGGER"), *SIGNATURE_SQLITE]
INITIAL_SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS documents_document_immutable",
    "DROP TRIGGER IF EXISTS documents_signature_append_only",
]

# Migration 0003 replaced the function (PostgreSQL) and rebuilt the trigger (SQLite).
DOCUMENT_POSTGRES_0003 = [document_postgres(_COLUMNS_0003)]
DOCUMENT_SQLITE_0003 = [document_sqlite(_COLUMNS_0003, create="CREATE TRIGGER")]

DOCUMENT_POSTGRES_0005 = [document_postgres(_COLUMNS_0005), _POSTGRES_TRIGGER.format(create="CREATE OR REPLACE TRIGGER")]
DOCUMENT_SQLITE_0005 = [document_sqlite(_COLUMNS_0005)]

DOCUMENT_POSTGRES = [document_postgres(_COLUMNS), _POSTGRES_TRIGGER.format(create="CREATE OR REPLACE TRIGGER")]
DOCUMENT_SQLITE = [document_sqlite(_COLUMNS)]

# A stored definition version never changes (PostgreSQL also refuses deleting one; SQLite keeps
# DELETE open for the test runner's flush, as for signatures).
VERSION_POSTGRES = [
    """CREATE OR REPLACE FUNCTION documents_documenttypeversion_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'document type versions are append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER documents_documenttypeversion_append_only BEFORE UPDATE OR DELETE
ON documents_documenttypeversion FOR EACH ROW EXECUTE FUNCTION documents_documenttypeversion_append_only()""",
]
VERSION_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS documents_documenttypeversion_append_only BEFORE UPDATE
ON documents_documenttypeversion BEGIN SELECT RAISE(ABORT, 'document type versions are append-only'); END""",
]
VERSION_POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS documents_documenttypeversion_append_only ON documents_documenttypeversion",
    "DROP FUNCTION IF EXISTS documents_documenttypeversion_append_only()",
]
VERSION_SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS documents_documenttypeversion_append_only"]


GUARDS = [
    Guard("documents_document", "已签发文书不可改动", {"postgresql": ("documents_document_immutable",),
                                                "sqlite": ("documents_document_immutable",)},
          {"postgresql": tuple(DOCUMENT_POSTGRES), "sqlite": tuple(DOCUMENT_SQLITE)}),
    Guard("documents_signature", "文书签名只增不改", {"postgresql": ("documents_signature_append_only",),
                                              "sqlite": ("documents_signature_append_only",)},
          {"postgresql": tuple(_SIGNATURE_POSTGRES), "sqlite": tuple(SIGNATURE_SQLITE)}),
    Guard("documents_documenttypeversion", "文书格式版本只增不改",
          {"postgresql": ("documents_documenttypeversion_append_only",),
           "sqlite": ("documents_documenttypeversion_append_only",)},
          {"postgresql": tuple(VERSION_POSTGRES), "sqlite": tuple(VERSION_SQLITE)}),
]
