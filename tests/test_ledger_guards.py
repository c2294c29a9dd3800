"""The database's guards (append-only and immutability triggers): `lawtrail verify` names one that is
missing or disabled; `lawtrail migrate` refuses to put a missing one back silently, and
`--restore-guards` puts it back with an event that says it was missing."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from django.db import connection
from ledger_attacks import sql

from lawtrail.cases.choices import Stage
from lawtrail.cli import main
from lawtrail.events.models import DomainEvent
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib.appendonly import guard_faults
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def started(world: World) -> World:
    advance(world, register_case(world), Stage.INVESTIGATING)
    assert verify_ledger().ok
    return world


def _drop_signature_guard() -> None:
    sql("DROP TRIGGER documents_signature_append_only ON documents_signature" if connection.vendor == "postgresql"
        else "DROP TRIGGER documents_signature_append_only")


def _run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def test_verify_names_a_dropped_guard(started: World) -> None:
    _drop_signature_guard()
    report = verify_ledger()
    assert [(p.code, p.record, p.guard) for p in report.problems] == [
        ("triggers_missing", "documents_signature", "documents_signature_append_only")]
    assert "文书签名只增不改" in report.problems[0].message


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_verify_names_a_disabled_guard(started: World) -> None:
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # (the test's transaction still holds deferred checks)
    sql("ALTER TABLE ledger_ledgerentry DISABLE TRIGGER ledger_ledgerentry_append_only")
    report = verify_ledger()
    assert [(p.code, p.record, p.guard) for p in report.problems] == [
        ("triggers_disabled", "ledger_ledgerentry", "ledger_ledgerentry_append_only")]


def test_migrate_refuses_to_restore_a_dropped_guard_silently(started: World) -> None:
    _drop_signature_guard()
    code, text = _run("migrate")
    assert code == 2
    assert "documents_signature_append_only" in text and "--restore-guards" in text
    assert [f.trigger for f in guard_faults(connection)] == ["documents_signature_append_only"]
    assert not DomainEvent.objects.filter(action="ledger.restore_guard").exists()


def test_migrate_restore_guards_puts_it_back_and_leaves_the_trace(started: World) -> None:
    _drop_signature_guard()
    code, _ = _run("migrate", "--restore-guards")
    assert code == 0
    assert guard_faults(connection) == []
    [event] = DomainEvent.objects.filter(action="ledger.restore_guard")
    assert event.payload == {"table": "documents_signature", "trigger": "documents_signature_append_only",
                             "what": "文书签名只增不改", "found": "missing"}
    report = verify_ledger()
    assert report.ok, [p.message for p in report.problems]
