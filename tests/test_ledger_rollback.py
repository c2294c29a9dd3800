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
from django.db import connection  # noqa: F401 (read by the skipif conditions)
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
    sql("DELETE FROM ledger_checkpointnote WHERE checkpoint_id = %s", [lost.pk])
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


_PHASE = r"""
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from lawtrail.accounts.actions import do_record_login
from lawtrail.accounts.models import User
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.testing.personas import build_world

if sys.argv[1] == "before":
    call_command("migrate", interactive=False, verbosity=0)
    build_world()
    do_make_checkpoint()
else:
    # Committed work that is still only in the WAL when the machine goes down.
    connection.cursor().execute("PRAGMA wal_autocheckpoint=0")
    user = User.objects.get(username="alice")
    for _ in range(5):
        do_record_login(user, actor=user)
    print(do_make_checkpoint().tree_size)
    sys.stdout.flush()
    os._exit(0)  # a crash: no clean close, the WAL is not folded into the database file
"""


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_sqlite_database_that_lost_its_wal_is_reported(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    env = {**os.environ, "LAWTRAIL_DATA_DIR": str(data), "LAWTRAIL_LEDGER_CHECKPOINT_DIR": str(data / "checkpoints")}
    env.pop("DATABASE_URL", None)
    run = [sys.executable, "-c", _PHASE]
    subprocess.run([*run, "before"], env=env, check=True, capture_output=True)
    crashed = subprocess.run([*run, "after"], env=env, check=True, capture_output=True, text=True)
    signed = int(crashed.stdout.strip().splitlines()[-1])
    wal = data / "lawtrail.sqlite3-wal"
    assert wal.exists() and wal.stat().st_size > 0
    wal.unlink()  # what the operator did after the crash
    (data / "lawtrail.sqlite3-shm").unlink(missing_ok=True)

    verify = subprocess.run([sys.executable, "-m", "lawtrail", "verify", "--json"], env=env, capture_output=True,
                            text=True)
    assert verify.returncode == 1, verify.stderr
    report = json.loads(verify.stdout)
    [rolled] = [p for p in report["problems"] if p["code"] == "database_rolled_back"]
    assert f"已覆盖 {signed} 条" in rolled["message"] and f"只有 {report['entries']} 条" in rolled["message"]
    assert report["entries"] < signed
