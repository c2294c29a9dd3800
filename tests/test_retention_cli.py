"""`lawtrail retention due|explain` and `lawtrail disposal request|approve|execute|show`, in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.cli import main
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import build_world
from lawtrail.testing.scenarios import beijing

pytestmark = pytest.mark.usefixtures("ledger")


def test_the_disposal_process_from_the_command_line(db: None, settings: Settings, tmp_path: Path,
                                                    time_machine: TimeMachineFixture,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    w = build_world("commission-rules", name="某委员会")
    old = ingest(media.make_clip(tmp_path / "old.mp4", seconds=1, created=beijing(2025, 6, 1), audio=False),
                 officer=w.alice)
    capsys.readouterr()

    assert main(["retention", "due", "--json"]) == 0
    assert [r["evidence_id"] for r in json.loads(capsys.readouterr().out)] == [old.pk]
    assert main(["retention", "explain", str(old.pk)]) == 0
    out = capsys.readouterr().out
    assert "保存期限已于 2025-12-01 届满" in out and "第二十条" in out

    assert main(["disposal", "request", str(old.pk), "--reason", "期满", "--as", w.alice.username]) == 2
    assert "只有档案管理员或机关负责人" in capsys.readouterr().err
    assert main(["disposal", "request", str(old.pk), "--reason", "期满", "--as", w.archie.username]) == 0
    number = capsys.readouterr().out.split("第 ")[1].split(" 号")[0]
    assert main(["disposal", "approve", number, "--as", w.archie.username]) == 2
    assert main(["disposal", "approve", number, "--opinion", "同意", "--as", w.hank.username]) == 0
    assert main(["disposal", "execute", number, "--as", w.archie.username]) == 0
    out = capsys.readouterr().out
    record = out.split("销毁记录第 ")[1].split(" 号")[0]
    assert main(["disposal", "show", record, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [i["sha256"] for i in shown["items"]] == [old.stored.sha256]
    assert main(["retention", "due", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
