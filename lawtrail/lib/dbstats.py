"""The query planner's statistics after a bulk load.

PostgreSQL plans by the statistics ANALYZE keeps. Autovacuum refreshes them as tables grow, when
it runs (a server may have it off, as this project's test machines do) and some time after the
rows arrived; a bulk load is then planned as if the tables were still small: `lawtrail check
--all` right after importing 100,000 cases ran at 35 cases/s on sequential scans of 2 million
documents, and at about 1,000 cases/s once ANALYZE had run (7 s). So the bulk paths end with
ANALYZE, as PostgreSQL's own advice for populating a database says.

SQLite is left without statistics on purpose: with them its planner read the deadline inbox by
the `due_at` index and the head's home took 1.2 s instead of 42 ms at 100,000 cases
(docs/performance.md); its pages' queries are shaped for the planner without them.
"""

from __future__ import annotations

from django.db import connections


def after_bulk_load(using: str = "default") -> bool:
    """Refresh PostgreSQL's statistics of every table (sampled by the server); True if it ran."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
