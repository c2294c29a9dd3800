"""Issued documents and signatures are immutable in the database itself, not by good manners:
an UPDATE that changes an issued document's content (or un-supersedes it), and any UPDATE of a
signature, is refused by a trigger. On PostgreSQL deleting them is refused too; SQLite keeps
DELETE open because the test runner empties its tables with DELETE (PostgreSQL's TRUNCATE
fires no row trigger)."""

from __future__ import annotations

from lawtrail.lib.appendonly import Guard

_CHANGED_0002 = """(NEW.fields IS DISTINCT FROM OLD.fields OR NEW.spec IS DISTINCT FROM OLD.spec
    OR NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256
    OR NEW.number IS DISTINCT FROM OLD.number OR NEW.version IS DISTINCT FROM OLD.version
    OR NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.type_code IS DISTINCT FROM OLD.type_code
    OR NEW.issued_at IS DISTINCT FROM OLD.issued_at OR NEW.previous_id IS DISTINCT FROM OLD.previous_id
    OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')
    OR (OLD.status = 'issued' AND NEW.status NOT IN ('issued', 'superseded')))"""

INITIAL_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION documents_document_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable'; END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND {_CHANGED_0002} THEN
    RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER documents_document_immutable BEFORE UPDATE OR DELETE ON documents_document
FOR EACH ROW EXECUTE FUNCTION documents_document_immutable()""",
    """CREATE OR REPLACE FUNCTION documents_signature_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'document signatures are append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER documents_signature_append_only BEFORE UPDATE OR DELETE ON documents_signature
FOR EACH ROW EXECUTE FUNCTION documents_signature_append_only()""",
]
INITIAL_POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS documents_document_immutable ON documents_document",
    "DROP FUNCTION IF EXISTS documents_document_immutable()",
    "DROP TRIGGER IF EXISTS documents_signature_append_only ON documents_signature",
    "DROP FUNCTION IF EXISTS documents_signature_append_only()",
]

INITIAL_SQLITE = [
    f"""CREATE TRIGGER documents_document_immutable BEFORE UPDATE ON documents_document
WHEN OLD.status <> 'draft' AND {_CHANGED_0002.replace("IS DISTINCT FROM", "IS NOT")}
BEGIN SELECT RAISE(ABORT, 'issued document is immutable'); END""",
    """CREATE TRIGGER documents_signature_append_only BEFORE UPDATE ON documents_signature
BEGIN SELECT RAISE(ABORT, 'document signatures are append-only'); END""",
]
INITIAL_SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS documents_document_immutable",
    "DROP TRIGGER IF EXISTS documents_signature_append_only",
]


# What an issued document could not change from migration 0005 on: its content, the definition it was
# made on, its number and place (case or complaint).
_CHANGED_0005 = """(NEW.fields IS DISTINCT FROM OLD.fields OR NEW.definition_id IS DISTINCT FROM OLD.definition_id
    OR NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256
    OR NEW.number IS DISTINCT FROM OLD.number OR NEW.version IS DISTINCT FROM OLD.version
    OR NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.type_code IS DISTINCT FROM OLD.type_code
    OR NEW.complaint_id IS DISTINCT FROM OLD.complaint_id
    OR NEW.issued_at IS DISTINCT FROM OLD.issued_at OR NEW.previous_id IS DISTINCT FROM OLD.previous_id
    OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')
    OR (OLD.status = 'issued' AND NEW.status NOT IN ('issued', 'superseded')))"""

DOCUMENT_POSTGRES_0005 = [
    f"""CREATE OR REPLACE FUNCTION documents_document_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable'; END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND {_CHANGED_0005} THEN
    RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER documents_document_immutable BEFORE UPDATE OR DELETE ON documents_document
FOR EACH ROW EXECUTE FUNCTION documents_document_immutable()""",
]
DOCUMENT_SQLITE_0005 = [
    f"""CREATE TRIGGER IF NOT EXISTS documents_document_immutable BEFORE UPDATE ON documents_document
WHEN OLD.status <> 'draft' AND {_CHANGED_0005.replace("IS DISTINCT FROM", "IS NOT")}
BEGIN SELECT RAISE(ABORT, 'issued document is immutable'); END""",
]


# What an issued document may not change today: its content, the definition it was made on, its
# number and place (case, complaint or patrol inspection; migration 0006 installs these, the guards
# below put them back).
_CHANGED = """(NEW.fields IS DISTINCT FROM OLD.fields OR NEW.definition_id IS DISTINCT FROM OLD.definition_id
    OR NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256
    OR NEW.number IS DISTINCT FROM OLD.number OR NEW.version IS DISTINCT FROM OLD.version
    OR NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.type_code IS DISTINCT FROM OLD.type_code
    OR NEW.complaint_id IS DISTINCT FROM OLD.complaint_id OR NEW.inspection_id IS DISTINCT FROM OLD.inspection_id
    OR NEW.issued_at IS DISTINCT FROM OLD.issued_at OR NEW.previous_id IS DISTINCT FROM OLD.previous_id
    OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')
    OR (OLD.status = 'issued' AND NEW.status NOT IN ('issued', 'superseded')))"""

DOCUMENT_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION documents_document_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable'; END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND {_CHANGED} THEN
    RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER documents_document_immutable BEFORE UPDATE OR DELETE ON documents_document
FOR EACH ROW EXECUTE FUNCTION documents_document_immutable()""",
]
DOCUMENT_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS documents_document_immutable BEFORE UPDATE ON documents_document
WHEN OLD.status <> 'draft' AND {_CHANGED.replace("IS DISTINCT FROM", "IS NOT")}
BEGIN SELECT RAISE(ABORT, 'issued document is immutable'); END""",
]

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
          {"postgresql": tuple(INITIAL_POSTGRES[2:]), "sqlite": tuple(INITIAL_SQLITE[1:])}),
    Guard("documents_documenttypeversion", "文书格式版本只增不改",
          {"postgresql": ("documents_documenttypeversion_append_only",),
           "sqlite": ("documents_documenttypeversion_append_only",)},
          {"postgresql": tuple(VERSION_POSTGRES), "sqlite": tuple(VERSION_SQLITE)}),
]
