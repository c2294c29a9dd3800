"""SQLite's WAL checkpoints moved beside a long bulk write instead of inside its commits.

In WAL mode each commit appends the changed pages to the write-ahead log, and the connection that
commits copies them into the database file (a checkpoint, with its fsync) once the log holds more
than `wal_autocheckpoint` pages (1,000 by default, 4 MB). A bulk import's batch writes some
20 MB, so every one of its commits also ran a checkpoint of the whole batch: 15 % of the import's
time at 30,000 cases, during which nothing else was written (docs/performance.md, "A fifth round").

Inside `background_checkpoints()`, a thread with a connection of its own checkpoints the log
every few tens of milliseconds in SQLite's PASSIVE mode, which copies what is committed while
the writer goes on writing (the writer holds the write lock, the checkpointer the checkpoint
lock: SQLite lets both run at once, and the copying is done by the other core, outside the GIL).
The writer's own threshold is raised so that it checkpoints only what the thread has not copied
yet, every few batches; the log then starts again from its beginning and stays bounded (48 MB
at most in a 100,000-case import). Each checkpoint syncs as the connection's default (FULL) asks:
durability is what it was. The writer's page cache is raised for the same time (index pages of
tables with millions of rows).

Nothing changes on PostgreSQL, for a database in memory, or when the log is not in WAL mode; a
checkpointer that fails stops, and the writer's own checkpoints (at its threshold) go on.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# Pages the writer lets the log hold before it checkpoints itself (32 MB at 4 KB a page), and its
# page cache meanwhile (KiB, as PRAGMA cache_size reads a negative number).
WRITER_THRESHOLD = 8000
WRITER_CACHE_KIB = 65536
INTERVAL = 0.05  # seconds between the thread's checkpoints


def _database_file(connection: BaseDatabaseWrapper) -> str | None:
    """The database's file when it is one in WAL mode, else None."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (mode,) = cursor.fetchone()
        cursor.execute("PRAGMA database_list")
        path = next((file for _, name, file in cursor.fetchall() if name == "main"), "")
    return path if mode == "wal" and path else None


def _checkpoint_until(path: str, stop: threading.Event) -> None:
    try:
        con = sqlite3.connect(path, timeout=0, check_same_thread=False, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        while not stop.wait(INTERVAL):
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        return  # (the writer's own checkpoints go on)
    finally:
        con.close()


@contextlib.contextmanager
def background_checkpoints(using: str | BaseDatabaseWrapper = "default") -> Iterator[None]:
    """Checkpoint the WAL from a second thread while the block writes (SQLite in WAL mode);
    `using`: the connection's alias, or the connection."""
    connection = connections[using] if isinstance(using, str) else using
    path = _database_file(connection)
    if path is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (threshold,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size")
        (cache,) = cursor.fetchone()
        cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_THRESHOLD:d}")
        cursor.execute(f"PRAGMA cache_size={-WRITER_CACHE_KIB:d}")
    stop = threading.Event()
    thread = threading.Thread(target=_checkpoint_until, args=(path, stop), name="wal-checkpoints", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint={int(threshold):d}")
                cursor.execute(f"PRAGMA cache_size={int(cache):d}")
