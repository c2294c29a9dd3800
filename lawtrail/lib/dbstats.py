"""The query planner's statistics on SQLite.

PostgreSQL's autovacuum analyzes each table as it grows. SQLite keeps no statistics until ANALYZE
runs, and without them its planner chooses among a table's indexes by rules of thumb: at 100,000
cases it read a single-column index over every deadline of the agency where a composite one
names the few a page needs. `refresh()` runs ANALYZE after the bulk paths that change the tables'
shape — `lawtrail bundle import`, `lawtrail check --all`, the demo — and once a day in the worker
(`database.statistics`, at night).

A full ANALYZE, not a sampled one (`PRAGMA analysis_limit`): it reads the indexes only, not the
rows, and took 3.8 s on the 12.9 GB database of 100,000 generated cases, while a sample of 1,000
rows an index put the cases of the benchmark's one agency at 206 instead of 100,000 — numbers
that mislead the planner more than none. It holds the write lock while it reads, so the worker
runs it at night.
"""

from __future__ import annotations

from django.db import connections


def refresh(using: str = "default") -> bool:
    """Refresh the planner's statistics; False where the database keeps its own (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=0")
        cursor.execute("ANALYZE")
    return True
