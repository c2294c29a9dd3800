"""What a request reads from the database: its queries and the rows each one brought back.

Counting queries alone misses a page that fetches every case of the agency in one query and
loops over them in Python; counting the rows handed to Python catches it. The rows are counted
at the driver's cursor (every fetch Django makes goes through it), nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection


@dataclass
class Query:
    sql: str
    rows: int = 0


@dataclass
class Reads:
    queries: list[Query] = field(default_factory=list)
    # With reads(steps=True) on SQLite: the virtual-machine steps the database took for them — the
    # rows it read for itself (an IN list of every case in reach, a scan) that it never handed over.
    db_steps: int = 0

    @property
    def rows(self) -> int:
        return sum(q.rows for q in self.queries)

    def __len__(self) -> int:
        return len(self.queries)


class _CountingCursor:
    """The driver's cursor, counting the rows fetched for the query being read (if any)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self.counted: Query | None = None

    def _count(self, n: int) -> None:
        if self.counted is not None:
            self.counted.rows += n

    def fetchone(self) -> Any:
        row = self._cursor.fetchone()
        self._count(row is not None)
        return row

    def fetchmany(self, *args: Any) -> Any:
        rows = self._cursor.fetchmany(*args)
        self._count(len(rows))
        return rows

    def fetchall(self) -> Any:
        rows = self._cursor.fetchall()
        self._count(len(rows))
        return rows

    def __iter__(self) -> Iterator[Any]:
        for row in self._cursor:
            self._count(1)
            yield row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@contextmanager
def reads(*, steps: bool = False) -> Iterator[Reads]:
    """Every query the default connection runs inside the block, with the rows it returned (and,
    with `steps` on SQLite, the database's own steps: a progress handler called at each one)."""
    out = Reads()
    counters: list[_CountingCursor] = []
    raw = None
    if steps and connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection

        def step() -> int:
            out.db_steps += 1
            return 0

        raw.set_progress_handler(step, 1)

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        wrapped = context["cursor"]
        if not isinstance(wrapped.cursor, _CountingCursor):
            wrapped.cursor = _CountingCursor(wrapped.cursor)
            counters.append(wrapped.cursor)
        query = Query(sql)
        out.queries.append(query)
        wrapped.cursor.counted = query
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(wrapper):
            yield out
    finally:
        for counter in counters:
            counter.counted = None
        if raw is not None:
            raw.set_progress_handler(None, 1)
