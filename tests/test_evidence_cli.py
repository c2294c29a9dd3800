"""`lawtrail ingest` and `lawtrail backup`, run as an operator would: subprocesses on a throw-away data dir."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lawtrail.testing import media
from lawtrail.testing.scenarios import beijing

LAWTRAIL = [sys.executable, "-m", "lawtrail"]
OFFICER = "川劳监2026001"  # zhangwei in the demo data

pytestmark = pytest.mark.slow


def run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LAWTRAIL_DATA_DIR": str(data_dir), **env}
    # As from an operator's shell: none of the test run's own settings.
    for name in ("DATABASE_URL", "LAWTRAIL_S3_BUCKET", "LAWTRAIL_REPLICA_S3_BUCKET", "LAWTRAIL_STORE_DIR",
                 "DJANGO_SETTINGS_MODULE"):
        environment.pop(name, None)
    return subprocess.run([*LAWTRAIL, *args], capture_output=True, text=True, env=environment, timeout=900)


def test_it_lists_the_evidence_commands(tmp_path: Path) -> None:
    out = run(tmp_path, "--help")
    assert out.returncode == 0 and all(c in out.stdout for c in ("ingest", "backup", "worker"))
    assert "--officer" in run(tmp_path, "ingest", "--help").stdout


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lawtrail-data")
    done = run(path, "demo", "--profile", "labor-inspection")  # the agency these tests use
    assert done.returncode == 0, done.stderr
    return path


def test_it_ingests_a_docking_station_folder_recursively(data_dir: Path, tmp_path: Path) -> None:
    dock = tmp_path / "dock"
    (dock / "DCIM" / "100" ).mkdir(parents=True)
    (dock / "DCIM" / "101").mkdir()
    first = media.make_clip(dock / "DCIM" / "100" / "0001.mp4", seconds=2, created=beijing(2026, 3, 2, 9, 0))
    shutil.copy(first, dock / "DCIM" / "101" / "0001-copy.mp4")
    cut = media.truncate(media.make_clip(dock / "DCIM" / "101" / "0002.mp4", seconds=3), keep=0.5)
    (dock / "DCIM" / "101" / "0003.mp4").touch()

    out = run(data_dir, "ingest", str(dock), "--officer", OFFICER, "--json", "--jobs", "2", "--device", "DSJ-9")
    assert out.returncode == 2, out.stderr  # the empty file is an error of the input
    rows = {Path(r["path"]).name: r for r in map(json.loads, out.stdout.splitlines())}
    assert set(rows) == {"0001.mp4", "0001-copy.mp4", "0002.mp4", "0003.mp4"}
    original = rows["0001.mp4"] if rows["0001.mp4"]["status"] == "stored" else rows["0001-copy.mp4"]
    assert {rows["0001.mp4"]["status"], rows["0001-copy.mp4"]["status"]} == {"stored", "duplicate"}
    assert original["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    sm3 = hashlib.new("sm3")
    sm3.update(first.read_bytes())
    assert original["sm3"] == sm3.hexdigest() and original["size"] == first.stat().st_size
    assert original["media"]["kind"] == "video" and original["media"]["duration"] == pytest.approx(2.0, abs=0.1)
    assert original["media"]["start"] == "2026-03-02T01:00:00+00:00"
    assert rows["0002.mp4"]["status"] == "stored" and rows["0002.mp4"]["flagged"] == "truncated"
    assert rows["0002.mp4"]["size"] == cut.stat().st_size
    assert (rows["0003.mp4"]["status"], rows["0003.mp4"]["error_code"]) == ("error", "empty_file")
    assert "0 字节" in out.stderr and "共 4 个文件" in out.stderr and "Traceback" not in out.stderr
    stored = sorted(p.name for p in (data_dir / "store" / "sha256").rglob("*") if p.is_file())
    assert original["sha256"] in stored and rows["0002.mp4"]["sha256"] in stored


def test_it_refuses_bad_input_with_a_chinese_message(data_dir: Path, tmp_path: Path) -> None:
    clip = media.make_clip(tmp_path / "a.mp4", seconds=1)
    for args, needle in [(["--officer", "NO-SUCH"], "执法证号 NO-SUCH"), (["--case", "无此案号"], "案号 无此案号"),
                         ([], "--officer"), (["--officer", OFFICER, "--class", "nonsense"], "类别")]:
        out = run(data_dir, "ingest", str(clip), *args)
        assert out.returncode == 2 and needle in out.stderr and "Traceback" not in out.stderr, (args, out.stderr)
    missing = run(data_dir, "ingest", str(tmp_path / "nowhere"), "--officer", OFFICER)
    assert missing.returncode == 2 and "不存在" in missing.stderr


def test_backup_verify_names_a_flipped_byte_and_restore_brings_a_lost_object_back(
        data_dir: Path, tmp_path: Path) -> None:
    replica = tmp_path / "offsite"
    a = media.make_clip(tmp_path / "flip-me.mp4", seconds=1, created=beijing(2026, 3, 3))
    b = media.make_clip(tmp_path / "lose-me.mp4", seconds=2, created=beijing(2026, 3, 3))
    out = run(data_dir, "ingest", str(a), str(b), "--officer", OFFICER, "--json")
    assert out.returncode == 0, out.stderr
    keys = {Path(r["path"]).name: r["object_key"] for r in map(json.loads, out.stdout.splitlines())}

    done = run(data_dir, "backup", "replicate", "--json", LAWTRAIL_REPLICA_DIR=str(replica))
    assert done.returncode == 0, done.stderr
    assert set(keys.values()) <= set(json.loads(done.stdout)["copied"])

    flipped = data_dir / "store" / keys["flip-me.mp4"]
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.chmod(0o644)
    flipped.write_bytes(bytes(data))
    lost = data_dir / "store" / keys["lose-me.mp4"]
    lost.unlink()

    verify = run(data_dir, "backup", "verify", LAWTRAIL_REPLICA_DIR=str(replica))
    assert verify.returncode == 1
    assert f"内容与入库时不一致:{keys['flip-me.mp4']}(flip-me.mp4)" in verify.stdout
    assert f"对象缺失:{keys['lose-me.mp4']}(lose-me.mp4)" in verify.stdout

    restored = run(data_dir, "backup", "restore", LAWTRAIL_REPLICA_DIR=str(replica))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert f"已恢复:{keys['lose-me.mp4']}" in restored.stdout
    assert lost.read_bytes() == b.read_bytes()  # bit-exact
    assert f"已替换损坏对象:{keys['flip-me.mp4']}" in restored.stdout
    assert flipped.read_bytes() == a.read_bytes()  # the damaged copy replaced, bit-exact
    assert run(data_dir, "backup", "verify", "--replica", LAWTRAIL_REPLICA_DIR=str(replica)).returncode == 0
