"""`lawtrail package export|verify`: export needs an allowed user (or the server console);
verify runs with Django unimportable and exits non-zero naming each failed check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file
from lawtrail.archive.models import PackageExport
from lawtrail.cli import main
from lawtrail.testing.archive import closed_case
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def verify_without_django(*args: str) -> subprocess.CompletedProcess[str]:
    code = ("import sys; sys.modules['django'] = None; from lawtrail.cli import main; "
            f"raise SystemExit(main({['package', 'verify', *args]!r}))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_export_and_verify_from_the_command_line(world: World, settings: Settings, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    case, _doc, _clip = closed_case(world, tmp_path)
    assert case.number is not None
    out = tmp_path / "package.zip"
    assert main(["package", "export", case.number, "-o", str(out), "--user", world.archie.username]) == 2
    assert "尚未组卷" in capsys.readouterr().err
    case_file = do_assemble_case_file(case, actor=world.alice)
    assert main(["package", "export", case.number, "-o", str(out), "--user", world.archie.username]) == 2
    assert "案卷尚未装订归档" in capsys.readouterr().err
    do_bind_case_file(case_file, actor=world.archie)
    assert main(["package", "export", case.number, "-o", str(out), "--user", world.alice.username]) == 2
    assert "导出归档包须由档案管理员、法制审核人员或负责人办理" in capsys.readouterr().err
    assert not out.exists()
    assert main(["package", "export", case.number, "-o", str(out), "--user", world.archie.username]) == 0
    assert "已导出归档包" in capsys.readouterr().out
    # At the server's console, without --user.
    assert main(["package", "export", case.number, "-o", str(tmp_path / "console.zip")]) == 0
    assert [e.exported_by_name for e in PackageExport.objects.order_by("id")] == ["阿奇", "系统(服务器控制台)"]

    result = verify_without_django(str(out), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["ok"] is True

    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith("tagmanifest-sm3.txt"):
                dst.writestr(info, src.read(info))
    result = verify_without_django(str(broken))
    assert result.returncode == 1
    assert "SHA-256 与 SM3 标签清单(lawtrail.tag_manifests)" in result.stdout.splitlines()[-1]
    assert verify_without_django(str(tmp_path / "missing.zip")).returncode == 1
