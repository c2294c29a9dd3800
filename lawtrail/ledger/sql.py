"""The ledger's database-side rules, per vendor.

1. Append-only: triggers refuse UPDATE and DELETE on entries and signed tree heads (and
   TRUNCATE on PostgreSQL), the way django-pghistory's `append_only` does: immutability
   enforced by the database, not by good manners. Someone who can drop a trigger can
   still rewrite rows; `lawtrail verify` and the signed tree heads catch that.
2. PostgreSQL numbering: a deferred trigger gives each pending entry its number as its
   transaction commits (see models.PendingEntry). SQLite needs none: its writers are
   serialised (BEGIN IMMEDIATE), so the writer numbers entries itself.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.lib.appendonly import Guard, sqlite_install, sqlite_remove
from lawtrail.verifier.entry import ENTRY_VERSION

# pg_advisory_xact_lock key held by whoever numbers entries (any constant, unique to LawTrail).
PG_LOCK_KEY = 6962_0001

APPEND_ONLY_TABLES = ("ledger_ledgerentry", "ledger_checkpoint")

SQLITE_INSTALL = sqlite_install(APPEND_ONLY_TABLES)
SQLITE_REMOVE = sqlite_remove(APPEND_ONLY_TABLES)

PG_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END
$$""",
    f"""
CREATE OR REPLACE FUNCTION ledger_number_pending() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    entry bytea;
BEGIN
    -- Held until commit: the next writer reads MAX(seq) only after this one has committed.
    PERFORM pg_advisory_xact_lock({PG_LOCK_KEY});
    SELECT COALESCE(MAX(seq), -1) + 1 INTO n FROM ledger_ledgerentry;
    -- The same bytes as lawtrail.verifier.entry.entry_prefix(n, event) + tail.
    entry := convert_to('{{"v":{ENTRY_VERSION},"seq":' || n || ',"event":' || NEW.event_id || ',', 'UTF8') || NEW.tail;
    INSERT INTO ledger_ledgerentry (seq, event_id, canonical, leaf_hash)
        VALUES (n, NEW.event_id, entry, sha256('\\x00'::bytea || entry));
    DELETE FROM ledger_pendingentry WHERE event_id = NEW.event_id;
    RETURN NULL;
END
$$""",
]
PG_TRIGGERS = [
    stmt
    for table in APPEND_ONLY_TABLES
    for stmt in (
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
    )
] + [
    "DROP TRIGGER IF EXISTS ledger_pendingentry_number ON ledger_pendingentry",
    "CREATE CONSTRAINT TRIGGER ledger_pendingentry_number AFTER INSERT ON ledger_pendingentry "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_number_pending()",
]
# A pending row lives only inside its transaction (numbered and deleted at commit): no need to
# write it to the WAL. Unlogged tables are emptied after a crash, which loses nothing here.
PG_TABLES = ["ALTER TABLE ledger_pendingentry SET UNLOGGED"]
PG_INSTALL = PG_TABLES + PG_FUNCTIONS + PG_TRIGGERS
PG_DROP_APPEND_ONLY = [
    f"DROP TRIGGER IF EXISTS {table}_{what} ON {table}"
    for table in APPEND_ONLY_TABLES for what in ("append_only", "no_truncate")
]
PG_REMOVE = [
    *PG_DROP_APPEND_ONLY,
    "DROP TRIGGER IF EXISTS ledger_pendingentry_number ON ledger_pendingentry",
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
    "DROP FUNCTION IF EXISTS ledger_number_pending()",
]


def install_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return PG_INSTALL
    if vendor == "sqlite":
        return SQLITE_INSTALL
    raise NotImplementedError(f"the ledger supports SQLite and PostgreSQL, not {vendor}")


def remove_statements(vendor: str) -> list[str]:
    return PG_REMOVE if vendor == "postgresql" else SQLITE_REMOVE


def drop_append_only_statements(vendor: str) -> list[str]:
    """What a test's flush (and an attacker) must run first; the numbering trigger stays."""
    return PG_DROP_APPEND_ONLY if vendor == "postgresql" else SQLITE_REMOVE


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for stmt in install_statements(schema_editor.connection.vendor):
        # No parameters: the SQL holds literal "%" (RAISE formats) that must not be read as placeholders.
        schema_editor.execute(stmt, params=None)


def remove(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for stmt in remove_statements(schema_editor.connection.vendor):
        schema_editor.execute(stmt, params=None)


def triggers_present(connection: BaseDatabaseWrapper) -> set[str]:
    """Names of the ledger's triggers the database holds now."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                           "('ledger_ledgerentry'::regclass, 'ledger_checkpoint'::regclass, "
                           "'ledger_pendingentry'::regclass)")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'ledger_%'")
        return {row[0] for row in cursor.fetchall()}


def expected_triggers(vendor: str) -> set[str]:
    if vendor == "postgresql":
        return {f"{t}_{w}" for t in APPEND_ONLY_TABLES for w in ("append_only", "no_truncate")} | {
            "ledger_pendingentry_number"}
    return {f"{t}_{w}" for t in APPEND_ONLY_TABLES for w in ("no_update", "no_delete")}


def ensure_triggers(using: str = "default", **kwargs: Any) -> None:
    """Reinstall the ledger's triggers if its tables exist and any is missing, quietly: for tests.
    An operator uses `lawtrail migrate --restore-guards`, which records that they were missing."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    if not set(APPEND_ONLY_TABLES) <= set(connection.introspection.table_names()):
        return
    if expected_triggers(connection.vendor) <= triggers_present(connection):
        return
    # Plain statements, not a schema editor: SQLite's refuses to run inside a transaction.
    with connection.cursor() as cursor:
        for stmt in install_statements(connection.vendor):
            cursor.execute(stmt)


GUARDS = [
    *(Guard(table, what, {"postgresql": (f"{table}_append_only", f"{table}_no_truncate"),
                          "sqlite": (f"{table}_no_update", f"{table}_no_delete")},
            {"postgresql": tuple(PG_INSTALL), "sqlite": tuple(SQLITE_INSTALL)})
      for table, what in (("ledger_ledgerentry", "账本条目只增不改"), ("ledger_checkpoint", "签名树头只增不改"))),
    # Not append-only but as vital: without it no entry gets its number on PostgreSQL.
    Guard("ledger_pendingentry", "账本条目定序", {"postgresql": ("ledger_pendingentry_number",)},
          {"postgresql": tuple(PG_INSTALL)}),
]
