"""Database-side rules of the disposal records: append-only, as the ledger's entries are.

Triggers refuse UPDATE and DELETE of a disposal record and of the marks of what it destroyed
(django-pghistory's `append_only` pattern). TRUNCATE is left alone so a test database can still
be flushed; `lawtrail verify` does not depend on these rows being honest, it reads them only
to know which objects are expected to be absent — and the ledger holds the events that
created them.
"""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

APPEND_ONLY_TABLES = ("retention_disposalrecord", "retention_disposedevidence", "retention_disposedobject")

SQLITE_INSTALL = [
    stmt
    for table in APPEND_ONLY_TABLES
    for stmt in (
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
    )
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {table}_{what}" for table in APPEND_ONLY_TABLES for what in ("no_update", "no_delete")
]
PG_INSTALL = [
    """
CREATE OR REPLACE FUNCTION retention_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END
$$""",
] + [
    stmt
    for table in APPEND_ONLY_TABLES
    for stmt in (
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION retention_refuse_change()",
    )
]
PG_REMOVE = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY_TABLES] + [
    "DROP FUNCTION IF EXISTS retention_refuse_change()",
]


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for stmt in PG_INSTALL if vendor == "postgresql" else SQLITE_INSTALL:
        # No parameters: the SQL holds literal "%" (RAISE formats).
        schema_editor.execute(stmt, params=None)


def remove(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for stmt in PG_REMOVE if vendor == "postgresql" else SQLITE_REMOVE:
        schema_editor.execute(stmt, params=None)
