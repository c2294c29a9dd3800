"""A database older than the signed tree heads kept outside it is reported (issue 15: a lost SQLite
WAL silently took committed entries and cases, and the lost 案号 would have been issued again).

`lawtrail worker` signs a tree head whenever one is due (minutes, entries, a case closed) and writes
each to the export directory; `lawtrail verify` reads the newest file there."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from ledger_attacks import drop_triggers, rows, sql
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.cases.choices import Stage
from lawtrail.cli import main
from lawtrail.ledger.actions import checkpoint_due, do_make_checkpoint
from lawtrail.ledger.jobs import checkpoint_if_due
from lawtrail.ledger.models import Checkpoint
from lawtrail.ledger.queries import ledger_size
from lawtrail.ledger.verify import verify_ledger
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, register_case

pytestmark = pytest.mark.usefixtures("ledger")


def test_the_worker_signs_when_minutes_entries_or_a_case_close_are_due(
        world: World, settings: Settings, time_machine: TimeMachineFixture) -> None:
    settings.LEDGER_CHECKPOINT_MINUTES, settings.LEDGER_CHECKPOINT_ENTRIES = 10, 50
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    case = register_case(world)
    assert checkpoint_due() == "first"
    first = checkpoint_if_due()
    assert first is not None and checkpoint_due() is None
    exported = sorted(Path(settings.LEDGER_CHECKPOINT_DIR).glob("*.json"))
    assert [p.name for p in exported] == [f"checkpoint-{ledger_size():012d}-{first}.json"]
    assert json.loads(exported[0].read_text())["tree_size"] == ledger_size()

    case = advance(world, case, Stage.INVESTIGATING)
    assert checkpoint_due() is None  # grown, but by fewer than 50 entries and within 10 minutes
    time_machine.move_to(beijing(2026, 3, 2, 9, 11), tick=False)
    assert checkpoint_due() == "minutes"
    assert checkpoint_if_due() is not None

    settings.LEDGER_CHECKPOINT_MINUTES = 0
    advance(world, case, Stage.CLOSED)
    assert checkpoint_due() == "case_closed"
    assert checkpoint_if_due() is not None

    settings.LEDGER_CHECKPOINT_ON_CLOSE, settings.LEDGER_CHECKPOINT_ENTRIES = False, 3
    for n in range(3):
        register_case(world, title=f"第{n}件")
    assert checkpoint_due() == "entries"
    assert len(list(Path(settings.LEDGER_CHECKPOINT_DIR).glob("*.json"))) == 3


def test_a_database_older_than_the_newest_exported_tree_head_is_reported(world: World, settings: Settings) -> None:
    case = advance(world, register_case(world), Stage.FILED)
    kept = do_make_checkpoint()
    assert kept is not None
    # After the tree head the database will go back to: a second case filed (its 案号 issued) and signed.
    advance(world, register_case(world, title="第二件"), Stage.FILED)
    lost = do_make_checkpoint()
    assert lost is not None and lost.tree_size > kept.tree_size
    assert verify_ledger().ok

    # The database as a restore from before the second case (a lost WAL, an older backup) leaves it:
    # everything committed after `kept` is gone, the export directory is not.
    drop_triggers()
    [(first_lost_event,)] = rows("SELECT event_id FROM ledger_ledgerentry WHERE seq = %s", [kept.tree_size])
    sql("DELETE FROM ledger_checkpoint WHERE id = %s", [lost.pk])
    sql("DELETE FROM ledger_ledgerentry WHERE seq >= %s", [kept.tree_size])
    sql("DELETE FROM events_domainevent WHERE id >= %s", [first_lost_event])

    report = verify_ledger()
    [rolled] = [p for p in report.problems if p.code == "database_rolled_back"]
    assert rolled.witness is not None and f"checkpoint-{lost.tree_size:012d}-{lost.pk}.json" in rolled.witness
    assert f"已覆盖 {lost.tree_size} 条" in rolled.message and f"只有 {kept.tree_size} 条" in rolled.message
    assert Checkpoint.objects.count() == 1 and case.number  # (what the database still holds)

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["verify", "--json"]) == 1
    assert "database_rolled_back" in {p["code"] for p in json.loads(out.getvalue())["problems"]}


def test_a_witness_directory_is_read_too(world: World, settings: Settings, tmp_path: Path) -> None:
    register_case(world)
    row = do_make_checkpoint()
    assert row is not None
    witness = tmp_path / "witness"
    witness.mkdir()
    (witness / "received.json").write_text(
        next(Path(settings.LEDGER_CHECKPOINT_DIR).glob("*.json")).read_text(), encoding="utf-8")
    (witness / "broken.json").write_text("{", encoding="utf-8")
    settings.LEDGER_CHECKPOINT_DIR = ""
    report = verify_ledger(checkpoint_dirs=[str(witness)])
    assert [(p.code, Path(p.witness or "").name) for p in report.problems] == [
        ("checkpoint_file_malformed", "broken.json")]
