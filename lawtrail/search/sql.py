"""The search index in the database itself, so that every write keeps it current — an action's
save, a QuerySet.update(), an import — without any app having to call us.

SQLite: one FTS5 table per searched table, tokenized by trigrams (three characters at a time),
which finds any Chinese substring of three characters or more without a word segmenter; it is an
external-content table (it stores the trigrams, not a second copy of the text) kept current by
triggers. A table that a later migration rebuilds loses its triggers, so they are put back after
every migrate (apps.py) and the index rebuilt when one was missing.

PostgreSQL: pg_trgm GIN indexes on the same columns, in the form Django's `icontains` asks
(UPPER(column::text) LIKE UPPER('%…%')), so the same query uses them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class Indexed:
    table: str
    columns: tuple[str, ...]

    @property
    def fts(self) -> str:
        return f"search_{self.table}_fts"

    def triggers(self) -> dict[str, str]:
        cols = ", ".join(self.columns)
        new = ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        add = f"INSERT INTO {self.fts}(rowid, {cols}) VALUES (new.id, {new});"
        remove = f"INSERT INTO {self.fts}({self.fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
        return {
            f"{self.fts}_ai": f"CREATE TRIGGER IF NOT EXISTS {self.fts}_ai AFTER INSERT ON {self.table} BEGIN {add} END",
            f"{self.fts}_ad": f"CREATE TRIGGER IF NOT EXISTS {self.fts}_ad AFTER DELETE ON {self.table} "
                              f"BEGIN {remove} END",
            f"{self.fts}_au": f"CREATE TRIGGER IF NOT EXISTS {self.fts}_au AFTER UPDATE ON {self.table} "
                              f"BEGIN {remove} {add} END",
        }


INDEXED = (
    Indexed("cases_case", ("number", "title", "facts")),
    Indexed("cases_party", ("name", "id_number", "uscc")),
    Indexed("documents_document", ("number",)),
)


def sqlite_install(connection: BaseDatabaseWrapper) -> list[str]:
    """Create what is missing; rebuild an index whose triggers were missing (it may have missed writes)."""
    done: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {name for (name,) in cursor.fetchall()}
        for ix in INDEXED:
            if ix.table not in present:
                continue
            fresh = ix.fts not in present
            if fresh:
                cursor.execute(f"CREATE VIRTUAL TABLE {ix.fts} USING fts5({', '.join(ix.columns)}, "
                               f"content='{ix.table}', content_rowid='id', tokenize='trigram')")
            missing = [name for name in ix.triggers() if name not in present]
            for name in missing:
                cursor.execute(ix.triggers()[name])
            if fresh or missing:
                cursor.execute(f"INSERT INTO {ix.fts}({ix.fts}) VALUES ('rebuild')")
                done.append(ix.table)
    return done


def sqlite_remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for ix in INDEXED:
            for name in ix.triggers():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {ix.fts}")


def postgres_install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for ix in INDEXED:
            for col in ix.columns:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS search_{ix.table}_{col}_trgm ON {ix.table} "
                               f"USING gin ((UPPER({col}::text)) gin_trgm_ops)")


def postgres_remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for ix in INDEXED:
            for col in ix.columns:
                cursor.execute(f"DROP INDEX IF EXISTS search_{ix.table}_{col}_trgm")


def install(connection: BaseDatabaseWrapper) -> list[str]:
    if connection.vendor == "sqlite":
        return sqlite_install(connection)
    if connection.vendor == "postgresql":
        postgres_install(connection)
    return []


def remove(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "sqlite":
        sqlite_remove(connection)
    elif connection.vendor == "postgresql":
        postgres_remove(connection)
