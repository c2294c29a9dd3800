from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from lawtrail.testing.personas import World, build_world
from lawtrail.testing.shared_demo import drop_append_only_guards


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request: pytest.FixtureRequest, settings: Settings) -> None:
    """MD5 instead of Argon2 for the passwords tests set, unless a test is marked `argon2`.

    Argon2 costs 0.1–0.3 s a password by design, and every world creates nine users: hashed
    for real, worlds alone took a third of the suite. Only the tests about the production
    hasher need it; a server the suite starts in a subprocess keeps the production settings."""
    if request.node.get_closest_marker("argon2") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _checkpoint_directory(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test its own export directory for signed tree heads: `lawtrail verify` reads the newest
    file there, which must be this test's database's, not another's."""
    settings.LEDGER_CHECKPOINT_DIR = str(tmp_path_factory.mktemp("checkpoints"))


@pytest.fixture
def ledger(db: None) -> None:
    """Ledger entries numbered as each event is written, as if each action's transaction had
    committed: on PostgreSQL numbering waits for commit, which a test's transaction never reaches
    (switching the trigger to immediate also numbers the events already pending)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ledger_pendingentry_number IMMEDIATE")


@pytest.fixture(autouse=True)
def _ledger_rows_flushable(request: pytest.FixtureRequest) -> Iterator[None]:
    """A transactional test ends with a flush (DELETE/TRUNCATE of every table), which the
    ledger's append-only triggers refuse. Drop them just before it; the flush's post_migrate
    signal puts them back (lawtrail.ledger.guards.after_migrate: a flush restores them quietly)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))) or \
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if not transactional:
        yield
        return
    # Set up the database first, so this fixture's teardown runs before the flush.
    request.getfixturevalue("transactional_db")
    yield
    drop_append_only_guards()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium (lawtrail.testing.browser), one per test module that asks for it."""
    from lawtrail.testing.browser import chromium

    with chromium() as b:
        yield b
