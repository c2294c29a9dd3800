"""音像资料入库: one pass, both hashes, facts from the file, stored once, names that cannot escape."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from lawtrail.events.models import DomainEvent
from lawtrail.evidence.actions import do_ingest_evidence
from lawtrail.evidence.choices import EvidenceClass
from lawtrail.evidence.models import Evidence, StoredObject
from lawtrail.evidence.staging import Staged, stage_stream
from lawtrail.lib.errors import InvalidInput
from lawtrail.storage import InvalidKey, LocalStore, get_store
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing

RECORDED = beijing(2026, 3, 2, 9, 30)


@pytest.fixture
def vault(settings: SettingsWrapper, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    (tmp_path / "dock").mkdir()
    return media.make_clip(tmp_path / "dock" / "DCIM_0001.mp4", seconds=3, created=RECORDED, location="+30.6586+104.0648/")


def sm3(data: bytes) -> str:
    h = hashlib.new("sm3")
    h.update(data)
    return h.hexdigest()


def test_it_reads_the_facts_of_a_clip_from_the_file(world: World, vault: Path, clip: Path) -> None:
    ev = ingest(clip, officer=world.alice)
    assert ev.media_kind == "video" and ev.media_problem == ""
    assert ev.video_codec == "h264" and ev.audio_codec == "aac" and (ev.width, ev.height) == (160, 120)
    assert ev.duration_seconds == pytest.approx(3.0, abs=0.05)
    assert ev.creation_time_raw == "2026-03-02T01:30:00.000000Z"
    assert ev.recorded_start == RECORDED
    assert ev.recorded_end == RECORDED + dt.timedelta(seconds=ev.duration_seconds or 0)
    assert (ev.gps_lat, ev.gps_lon) == (pytest.approx(30.6586), pytest.approx(104.0648))
    assert ev.evidence_class == EvidenceClass.PATROL and ev.case is None
    assert (ev.officer_name, ev.officer_cert_no, ev.unit) == ("艾丽", world.alice.cert_no, world.unit_a)


def test_it_computes_sha256_and_sm3_in_one_pass_and_stores_the_bytes_under_their_hash(
        world: World, vault: Path, clip: Path) -> None:
    data = clip.read_bytes()
    ev = ingest(clip, officer=world.alice)
    assert ev.stored.sha256 == hashlib.sha256(data).hexdigest()
    assert ev.stored.sm3 == sm3(data)
    assert ev.stored.size == len(data)
    assert ev.stored.key == f"sha256/{ev.stored.sha256[:2]}/{ev.stored.sha256}"
    with get_store().open(ev.stored.key) as f:
        assert f.read() == data
    # Nothing is left in the staging area.
    assert list((vault / "store" / ".staging").iterdir()) == []
    assert not (vault / "staging").exists()


def test_the_ingest_event_carries_what_the_ledger_needs(world: World, vault: Path, clip: Path) -> None:
    ev = ingest(clip, officer=world.alice, device_serial="DSJ-01")
    event = DomainEvent.objects.get(action="evidence.ingest")
    assert event.outcome == "done" and event.object_id == str(ev.pk)
    assert {k: event.payload[k] for k in ("sha256", "sm3", "size", "object_key")} == {
        "sha256": ev.stored.sha256, "sm3": ev.stored.sm3, "size": ev.stored.size, "object_key": ev.stored.key}
    assert event.payload["original_name"] == "DCIM_0001.mp4" and event.payload["duplicate"] is False
    assert event.payload["officer_cert_no"] == world.alice.cert_no and event.payload["device_serial"] == "DSJ-01"


def test_the_same_content_twice_is_stored_once_and_recorded_twice(world: World, vault: Path, clip: Path) -> None:
    first = ingest(clip, officer=world.alice)
    again = ingest(clip, officer=world.andy, name="copy-from-dock-2.mp4")
    assert first.pk != again.pk and first.stored_id == again.stored_id
    assert StoredObject.objects.count() == 1 and Evidence.objects.count() == 2
    assert len(list(get_store().iter_keys())) == 1
    assert [e.payload["duplicate"] for e in DomainEvent.objects.filter(action="evidence.ingest")] == [False, True]


def test_a_truncated_clip_is_kept_as_an_original_and_flagged(world: World, vault: Path, clip: Path,
                                                             tmp_path: Path) -> None:
    cut = media.truncate(Path(shutil.copy(clip, tmp_path / "cut.mp4")), keep=0.5)
    ev = ingest(cut, officer=world.alice)
    assert ev.media_problem == "truncated" and "不完整" in ev.media_problem_detail
    assert ev.duration_seconds == pytest.approx(3.0, abs=0.05)  # what the header promised
    with get_store().open(ev.stored.key) as f:
        assert f.read() == cut.read_bytes()


def test_an_unreadable_file_is_kept_and_flagged(world: World, vault: Path, tmp_path: Path) -> None:
    junk = tmp_path / "clip.mp4"
    junk.write_bytes(b"\x00not a video at all" * 50)
    ev = ingest(junk, officer=world.alice)
    assert (ev.media_kind, ev.media_problem) == ("other", "unreadable")
    assert get_store().exists(ev.stored.key)


def test_a_zero_byte_file_is_refused_with_a_clear_error(world: World, vault: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(InvalidInput) as err:
        ingest(empty, officer=world.alice)
    assert err.value.code == "empty_file" and "0 字节" in err.value.message and "empty.mp4" in err.value.message
    assert Evidence.objects.count() == 0 and list(get_store().iter_keys()) == []
    refused = DomainEvent.objects.get(action="evidence.ingest")
    assert (refused.outcome, refused.reason_code) == ("refused", "empty_file")


@pytest.mark.parametrize("name", ["../../etc/passwd.mp4", "/etc/passwd", "..\\..\\boot.ini", "a/../../../x.mp4"])
def test_a_hostile_name_never_reaches_outside_the_store(world: World, vault: Path, clip: Path, name: str) -> None:
    ev = ingest(clip, officer=world.alice, name=name)
    assert ev.original_name == name  # kept as a fact…
    assert ev.display_name in ("passwd.mp4", "passwd", "boot.ini", "x.mp4")  # …shown without directories
    store_root = (vault / "store").resolve()
    every_file = [p for p in vault.parent.rglob("*") if p.is_file() and p != clip]
    assert [p.relative_to(store_root).as_posix() for p in every_file] == [ev.stored.key]


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "sha256/../../x", "sha256//x", "A/B", ".staging/x", ""])
def test_the_store_refuses_keys_that_could_escape(vault: Path, key: str) -> None:
    store = LocalStore(vault / "store")
    with pytest.raises(InvalidKey):
        store.open(key)


def test_the_clock_offset_is_recorded_raw_and_applied(world: World, vault: Path, clip: Path) -> None:
    # The camera's clock ran 8 hours fast (local time labelled as UTC).
    ev = ingest(clip, officer=world.alice, clock_offset_seconds=8 * 3600)
    assert ev.recorded_start_raw == RECORDED
    assert ev.clock_offset_seconds == 8 * 3600
    assert ev.recorded_start == RECORDED - dt.timedelta(hours=8)
    assert ev.creation_time_raw == "2026-03-02T01:30:00.000000Z"


def test_the_body_cam_naming_convention_gives_device_officer_and_start(
        world: World, vault: Path, settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.EVIDENCE_NAME_PATTERN = r"^(?P<device>DSJ\w+)_(?P<officer>[A-Z]+\d+-\d+)_(?P<start>\d{14})"
    clip = media.make_clip(tmp_path / f"DSJ07_{world.alice.cert_no}_20260302093000.mp4", seconds=1)
    ev = ingest(clip)
    assert (ev.device_serial, ev.officer, ev.recorded_start) == ("DSJ07", world.alice, RECORDED)


def test_photos_and_sound_recordings_are_recognised(world: World, vault: Path, tmp_path: Path) -> None:
    photo = ingest(media.make_photo(tmp_path / "p.jpg"), officer=world.alice)
    sound = ingest(media.make_audio(tmp_path / "note.m4a"), officer=world.alice)
    assert (photo.media_kind, photo.width, photo.height) == ("photo", 64, 48)
    assert (sound.media_kind, sound.audio_codec) == ("audio", "aac")


def test_it_needs_an_owner_and_refuses_another_units_officer_as_actor(world: World, vault: Path, clip: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        ingest(clip)
    assert err.value.code == "no_owner"
    with pytest.raises(Exception) as refused:
        ingest(clip, officer=world.alice, actor=world.bob)
    assert getattr(refused.value, "code", "") == "not_allowed"


def test_staging_keeps_memory_flat_whatever_the_size(tmp_path: Path) -> None:
    size = 96 << 20
    source = io.BufferedReader(_Zeros(size), buffer_size=1 << 20)  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        staged = stage_stream(source, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert staged.size == size
    assert staged.sha256 == hashlib.sha256(bytes(size)).hexdigest()
    assert peak < 32 << 20, f"peak {peak / 2**20:.1f} MiB while staging {size >> 20} MiB"


@pytest.mark.parametrize("size", [1, 4095, 1 << 20, 3 * (1 << 20) + 17])
@pytest.mark.parametrize("direct", [True, False])
def test_staging_writes_exactly_the_bytes_it_hashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int,
                                                   direct: bool) -> None:
    # With O_DIRECT the temp file bypasses the page cache (aligned blocks, then the tail);
    # a platform without it gets buffered writes.
    if not direct:
        monkeypatch.delattr(os, "O_DIRECT", raising=False)
    data = os.urandom(size)
    staged = stage_stream(io.BytesIO(data), tmp_path)
    assert staged.path.read_bytes() == data and staged.size == size
    assert (staged.sha256, staged.sm3) == (hashlib.sha256(data).hexdigest(), sm3(data))


def test_a_digest_clash_with_the_stored_object_is_refused(world: World, vault: Path, clip: Path) -> None:
    ev = ingest(clip, officer=world.alice)
    copy = clip.parent / "again.mp4"
    shutil.copy(clip, copy)
    forged = Staged(path=copy, size=ev.stored.size, sha256=ev.stored.sha256, sm3="0" * 64)
    with pytest.raises(Exception) as err:
        do_ingest_evidence(forged, original_name="again.mp4", officer=world.alice, actor=None)
    assert getattr(err.value, "code", "") == "digest_mismatch"


class _Zeros(io.RawIOBase):
    """A stream of zero bytes that never exists in memory at once."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n
