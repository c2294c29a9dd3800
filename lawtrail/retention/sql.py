"""Database-side rules of the disposal records: append-only, as the ledger's entries are.

Triggers refuse UPDATE and DELETE of a disposal record and of the marks of what it destroyed
(django-pghistory's `append_only` pattern). A test's flush drops the row triggers first
(tests/conftest.py) and its post_migrate puts them back (lawtrail.ledger.guards, which checks
every registered guard after `migrate`). The ledger holds the events that created
these rows; `lawtrail verify` reads them only to know which objects are expected absent.
"""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.lib.appendonly import Guard, sqlite_install, sqlite_remove

APPEND_ONLY_TABLES = ("retention_disposalrecord", "retention_disposedevidence", "retention_disposedobject")

# A retention is never shortened: the database refuses an UPDATE that would, and any DELETE.
STATE_TABLE = "retention_retentionstate"
_SHORTER = ("(OLD.kind = 'long_term' AND NEW.kind <> 'long_term')"
            " OR (OLD.kind = 'indefinite' AND NEW.kind = 'period')"
            " OR (OLD.kind = 'period' AND NEW.kind = 'period' AND NEW.until < OLD.until)")

SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS {STATE_TABLE}_never_shorter BEFORE UPDATE ON {STATE_TABLE} WHEN {_SHORTER} "
    f"BEGIN SELECT RAISE(ABORT, '{STATE_TABLE}: a retention is never shortened'); END",
    f"CREATE TRIGGER IF NOT EXISTS {STATE_TABLE}_no_delete BEFORE DELETE ON {STATE_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{STATE_TABLE}: DELETE refused'); END",
] + sqlite_install(APPEND_ONLY_TABLES)
SQLITE_REMOVE = sqlite_remove(APPEND_ONLY_TABLES) + [f"DROP TRIGGER IF EXISTS {STATE_TABLE}_never_shorter", f"DROP TRIGGER IF EXISTS {STATE_TABLE}_no_delete"]
PG_INSTALL = [
    """
CREATE OR REPLACE FUNCTION retention_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END
$$""",
    f"""
CREATE OR REPLACE FUNCTION retention_refuse_shorter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% : DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    IF {_SHORTER} THEN
        RAISE EXCEPTION '% : a retention is never shortened', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$""",
    f"DROP TRIGGER IF EXISTS {STATE_TABLE}_never_shorter ON {STATE_TABLE}",
    f"CREATE TRIGGER {STATE_TABLE}_never_shorter BEFORE UPDATE OR DELETE ON {STATE_TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION retention_refuse_shorter()",
] + [
    stmt
    for table in APPEND_ONLY_TABLES
    for stmt in (
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION retention_refuse_change()",
    )
]
PG_DROP = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY_TABLES] + [
    f"DROP TRIGGER IF EXISTS {STATE_TABLE}_never_shorter ON {STATE_TABLE}"]
PG_REMOVE = [*PG_DROP, "DROP FUNCTION IF EXISTS retention_refuse_change()",
             "DROP FUNCTION IF EXISTS retention_refuse_shorter()"]


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for stmt in PG_INSTALL if vendor == "postgresql" else SQLITE_INSTALL:
        # No parameters: the SQL holds literal "%" (RAISE formats).
        schema_editor.execute(stmt, params=None)


def remove(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for stmt in PG_REMOVE if vendor == "postgresql" else SQLITE_REMOVE:
        schema_editor.execute(stmt, params=None)


def drop_statements(vendor: str) -> list[str]:
    """What a test's flush must run first (the function stays; the flush's post_migrate puts the triggers back)."""
    return PG_DROP if vendor == "postgresql" else SQLITE_REMOVE


GUARDS = [
    *(Guard(table, what, {"postgresql": (f"{table}_append_only",),
                          "sqlite": (f"{table}_no_update", f"{table}_no_delete")},
            {"postgresql": tuple(PG_INSTALL), "sqlite": tuple(SQLITE_INSTALL)})
      for table, what in zip(APPEND_ONLY_TABLES, ("销毁记录只增不改", "已销毁资料标记只增不改", "已销毁对象标记只增不改"),
                             strict=True)),
    Guard(STATE_TABLE, "保存期限只延不缩", {"postgresql": (f"{STATE_TABLE}_never_shorter",),
                                       "sqlite": (f"{STATE_TABLE}_never_shorter", f"{STATE_TABLE}_no_delete")},
          {"postgresql": tuple(PG_INSTALL), "sqlite": tuple(SQLITE_INSTALL)}),
]
