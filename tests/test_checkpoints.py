"""lawtrail.lib.checkpoints: during a bulk write on SQLite, a second thread copies the committed
write-ahead log into the database file, and the writer's own settings come back afterwards."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper

from lawtrail.lib.checkpoints import WRITER_THRESHOLD, background_checkpoints


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker: Any) -> Iterator[None]:
    """These tests open SQLite databases of their own (files in tmp_path), not the test database."""
    with django_db_blocker.unblock():
        yield


def _connection(name: str, alias: str) -> DatabaseWrapper:
    settings: dict[str, Any] = {
        "ENGINE": "django.db.backends.sqlite3", "NAME": name, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"},
        "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False, "TEST": {},
    }
    return DatabaseWrapper(settings, alias=alias)


@contextlib.contextmanager
def _database(path: Path, alias: str) -> Iterator[DatabaseWrapper]:
    """A file database in WAL mode with an empty table `item`, itself in the file."""
    connection = _connection(str(path), alias)
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, body TEXT)")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        yield connection
    finally:
        connection.close()


def _rows_in_file(path: Path) -> int:
    """The rows the database file itself holds (immutable: the write-ahead log is not read)."""
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM item").fetchone()[0])
    except sqlite3.OperationalError:  # (the table itself is not in the file yet)
        return 0
    finally:
        con.close()


def _write_batch(connection: DatabaseWrapper) -> None:
    """200 rows in one transaction (some 50 pages of the log)."""
    with connection.cursor() as cursor:
        cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany("INSERT INTO item (body) VALUES (%s)", [("x" * 800,)] * 200)
        cursor.execute("COMMIT")


def _pragma(connection: DatabaseWrapper, name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])


def test_committed_writes_reach_the_database_file_while_the_block_runs(tmp_path: Path) -> None:
    path = tmp_path / "bulk.sqlite3"
    with _database(path, "checkpoint-test") as connection:
        before = (_pragma(connection, "wal_autocheckpoint"), _pragma(connection, "cache_size"))
        with background_checkpoints(connection):
            assert _pragma(connection, "wal_autocheckpoint") == WRITER_THRESHOLD
            assert any(t.name == "wal-checkpoints" for t in threading.enumerate())
            for _ in range(5):  # some 250 pages: far below the writer's own threshold
                _write_batch(connection)
            deadline = time.monotonic() + 10
            while _rows_in_file(path) < 1000 and time.monotonic() < deadline:
                time.sleep(0.02)
            # Copied by the thread: the writer committed five times without reaching its threshold.
            assert _rows_in_file(path) == 1000
        assert not any(t.name == "wal-checkpoints" for t in threading.enumerate())
        assert (_pragma(connection, "wal_autocheckpoint"), _pragma(connection, "cache_size")) == before


def test_without_background_checkpoints_the_same_writes_stay_in_the_log(tmp_path: Path) -> None:
    """The check above can fail: the same writes, without the thread, are not in the file."""
    path = tmp_path / "plain.sqlite3"
    with _database(path, "checkpoint-plain") as connection:
        for _ in range(5):
            _write_batch(connection)
        time.sleep(0.2)
        assert _rows_in_file(path) == 0


def test_a_database_in_memory_is_left_as_it_is() -> None:
    connection = _connection(":memory:", "checkpoint-memory")
    try:
        with background_checkpoints(connection):
            assert not any(t.name == "wal-checkpoints" for t in threading.enumerate())
            assert _pragma(connection, "wal_autocheckpoint") == 1000
    finally:
        connection.close()
