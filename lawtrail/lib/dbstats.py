"""The query planner's statistics on SQLite.

PostgreSQL's autovacuum analyzes each table as it grows. SQLite keeps no statistics until ANALYZE
runs, and without them its planner chooses among a table's indexes by rules of thumb: at 100,000
cases the archivist's home read a single-column index over every case of the agency where a
composite one names the few it needs. `refresh()` runs ANALYZE sampled (each index read for about
`ANALYSIS_LIMIT` rows, so it takes about as long at a million rows as at a thousand) after the
bulk paths that change the tables' shape — `lawtrail bundle import`, `lawtrail check --all`, the
demo — and once a day in the worker (`database.statistics`).
"""

from __future__ import annotations

from django.db import connections

ANALYSIS_LIMIT = 1000


def refresh(using: str = "default") -> bool:
    """Refresh the planner's statistics; False where the database keeps its own (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True
