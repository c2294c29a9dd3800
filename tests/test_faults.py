"""Faults of the machine end in a clear message with nothing lost or half-written.

A small file system made by the test (an ext4 image on a loop device, or a size-limited tmpfs)
holds the evidence store, and is filled; a read-only database stands for a read-only data
directory. The tests run as root (CI's containers do); without the right to mount they skip.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.evidence.models import Evidence, UploadSession
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing

DISK_MB = 8


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A file system of a few MB, mounted for this test and gone after it."""
    mount = tmp_path / "small"
    mount.mkdir()
    image = tmp_path / "small.img"
    made = False
    with image.open("wb") as f:
        f.truncate(DISK_MB << 20)
    # ext4 takes O_DIRECT (the staging writer's fast path), tmpfs does not: prefer ext4.
    if subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True).returncode == 0:
        made = subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True).returncode == 0
    if not made:
        made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount)],
                              capture_output=True).returncode == 0
    if not made:
        pytest.skip("mounting a small file system needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        image.unlink(missing_ok=True)


def fill(disk: Path, *, leave: int) -> None:
    """Fill `disk` until about `leave` bytes are free."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with (disk / "ballast").open("wb") as f:
        f.write(b"\0" * max(0, free - leave))
        f.flush()
        os.fsync(f.fileno())


def leftovers(store: Path) -> list[str]:
    """Files in the staging area (upload part files are their sessions' and checked apart)."""
    staging = store / ".staging"
    return sorted(p.name for p in staging.rglob("*") if p.is_file() and p.parent == staging) if staging.exists() else []


def no_server_path(text: str, *paths: Path) -> bool:
    return not any(str(p) in text for p in paths) and "/.staging" not in text


# ---------------------------------------------------------------- the ingest CLI on a full disk


def _ingest(folder: Path, officer: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], str]:
    from lawtrail.evidence.cli import cmd_ingest

    args = argparse.Namespace(paths=[str(folder)], jobs=1, case="", officer=officer, evidence_class="",
                              device="", clock_offset=None, json=True)
    code = cmd_ingest(args)
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")], err


def test_a_full_disk_fails_one_file_with_its_real_cause_and_the_batch_goes_on(
        ledger: None, world: World, settings: Settings, small_disk: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    settings.EVIDENCE_STORE = {"dir": str(small_disk / "store")}
    folder = tmp_path / "dock"
    folder.mkdir()
    media.make_clip(folder / "a-clip.mp4", seconds=1, created=beijing(2026, 4, 20, 9))
    media.make_photo(folder / "c-photo.jpg", size=(160, 120))
    (folder / "b-big.mp4").write_bytes(os.urandom(4 << 20))
    fill(small_disk, leave=2 << 20)  # room for the small files, not for the big one

    code, outcomes, err = _ingest(folder, world.alice.cert_no or "", capsys)
    by_name = {o["name"]: o for o in outcomes}
    assert code == 2
    assert by_name["b-big.mp4"]["status"] == "error"
    assert by_name["b-big.mp4"]["error_code"] == "storage_full", by_name["b-big.mp4"]
    assert "无法读取文件" not in by_name["b-big.mp4"]["message"]
    assert by_name["a-clip.mp4"]["status"] == "stored" and by_name["c-photo.jpg"]["status"] == "stored"
    assert "BufferError" not in err and "Traceback" not in err
    assert "失败 1" in err and "失败原因:服务器存储空间已满" in err
    assert no_server_path(err + json.dumps(outcomes, ensure_ascii=False), small_disk)
    # Nothing half-written: no staged file, no object, no record for the big file.
    assert leftovers(small_disk / "store") == []
    assert Evidence.objects.count() == 2

    # Space returns; the folder is ingested again: what was stored is recognised, the rest comes in.
    (small_disk / "ballast").unlink()
    code, outcomes, err = _ingest(folder, world.alice.cert_no or "", capsys)
    statuses = {o["name"]: o["status"] for o in outcomes}
    assert statuses == {"a-clip.mp4": "already", "c-photo.jpg": "already", "b-big.mp4": "stored"}, err
    assert code == 0 and Evidence.objects.count() == 3
    assert "此前已入库(跳过) 2" in err
    # Random bytes are flagged unreadable; the reason names no staging path.
    big = Evidence.objects.get(original_name="b-big.mp4")
    assert big.media_problem == "unreadable" and no_server_path(big.media_problem_detail, small_disk)
    # And the whole record — ledger, live rows, the originals' hashes — checks out after the fault.
    from lawtrail.ledger.verify import verify_ledger

    report = verify_ledger()
    assert report.ok, [p.message for p in report.problems]


# ---------------------------------------------------------------- the API and the pages


def test_an_upload_on_a_full_disk_answers_json_and_keeps_no_half_written_bytes(
        world: World, settings: Settings, small_disk: Path, tmp_path: Path) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    settings.EVIDENCE_STORE = {"dir": str(small_disk / "store")}
    data = os.urandom(4 << 20)
    api = ApiClient(world.alice)
    meta = f"filename {base64.b64encode(b'big.mp4').decode()}"
    created = api.client.post("/api/evidence-uploads", headers={
        **api.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": meta})
    assert created.status_code == 201
    fill(small_disk, leave=2 << 20)
    got = api.client.generic("PATCH", created["Location"], data, content_type="application/offset+octet-stream",
                             headers={**api.headers, "Upload-Offset": "0", "Tus-Resumable": "1.0.0"})
    assert got.status_code == 507 and got["Content-Type"].startswith("application/json")
    body = got.json()
    assert body["code"] == "storage_full" and "存储空间已满" in body["message"]
    assert no_server_path(got.content.decode(), small_disk, tmp_path)
    session = UploadSession.objects.get()
    part = small_disk / "store" / ".staging" / "uploads" / f"{session.pk}.part"
    assert session.offset == 0 and part.stat().st_size == 0  # nothing confirmed, nothing half-written
    # Space returns: the same upload resumes from the confirmed offset.
    (small_disk / "ballast").unlink()
    done = api.client.generic("PATCH", created["Location"], data, content_type="application/offset+octet-stream",
                              headers={**api.headers, "Upload-Offset": "0", "Tus-Resumable": "1.0.0"})
    assert done.status_code == 204 and Evidence.objects.count() == 1


@pytest.fixture
def read_only_database(transactional_db: None) -> Iterator[None]:
    """The database refuses every write from now on, as on a read-only data directory."""
    def switch(on: bool) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")
            else:
                cursor.execute(f"SET default_transaction_read_only = {'on' if on else 'off'}")

    yield None
    switch(False)


def test_a_read_only_data_directory_answers_json_in_the_api_and_a_chinese_page_in_the_ui(
        read_only_database: None) -> None:
    from lawtrail.testing.personas import build_world

    world = build_world()
    api = ApiClient(world.alice)
    web = Client()
    web.force_login(world.alice)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
    reply = api.post("/api/parties", {"kind": "organisation", "name": "某某公司", "uscc": "91510100MA61234001"})
    assert reply.status == 507 and reply.body["code"] == "storage_read_only", reply.body
    assert "只读" in reply.body["message"]
    page = web.post("/parties/new/", {"kind": "organisation", "name": "某某公司", "uscc": "91510100MA61234001"})
    assert page.status_code == 507
    text = page.content.decode()
    assert 'data-fault="storage_read_only"' in text and "暂时无法保存" in text and "只读" in text
    # Reads still work.
    assert api.get("/api/parties").status == 200


# ---------------------------------------------------------------- a body too large


def test_a_body_over_the_limit_gets_the_apis_json_error(world: World, settings: Settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = ApiClient(world.alice)
    reply = api.post("/api/parties", raw=json.dumps({"kind": "person", "name": "张" * 2000}))
    assert reply.status == 413 and reply.body["code"] == "body_too_large", reply.body


# ---------------------------------------------------------------- killed ingests


def test_a_killed_ingests_staged_file_is_swept_and_a_live_ones_is_not(tmp_path: Path, settings: Settings) -> None:
    from lawtrail.evidence.staging import sweep_abandoned

    staging = tmp_path / "staging"
    staging.mkdir()
    script = ("import sys; from pathlib import Path; from lawtrail.evidence.staging import stage_stream;"
              f"stage_stream(sys.stdin.buffer, Path({str(staging)!r}))")
    writer = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE)
    assert writer.stdin is not None
    writer.stdin.write(os.urandom(3 << 20))
    writer.stdin.flush()
    for _ in range(200):  # until the staged file shows up (a file system event, not a timing)
        if list(staging.glob("ingest-*.part")) and list(staging.glob("ingest-*.part"))[0].stat().st_size:
            break
        time.sleep(0.05)
    [staged] = list(staging.glob("ingest-*.part"))
    assert sweep_abandoned(staging) == (0, 0)  # still writing: left alone
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    mine = staging / f"ingest-{os.getpid()}-0123456789abcdef.part"  # this live process's
    mine.write_bytes(b"x")
    size = staged.stat().st_size
    assert sweep_abandoned(staging) == (1, size)
    assert not staged.exists() and mine.exists()

    # The worker sweeps the store's staging area too.
    from lawtrail.evidence import jobs

    use_fresh_vault(settings, tmp_path / "vault")
    from lawtrail.storage import get_store

    dead = get_store().staging_dir() / "ingest-999999999-0123456789abcdef.part"
    dead.write_bytes(b"left behind")
    assert jobs.sweep_staging() == (1, len(b"left behind")) and not dead.exists()
