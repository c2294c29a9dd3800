"""Restore replaces a damaged original (bytes no longer matching its hash) with the replica's
copy, bit-exact, as a recorded action — keeping the damaged bytes aside, never deleting them."""

from __future__ import annotations

from pathlib import Path

from pytest_django.fixtures import Settings

from lawtrail.events.models import DomainEvent
from lawtrail.evidence import jobs
from lawtrail.evidence.models import StoredObject
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing


def flip(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    return bytes(data)


def test_a_damaged_object_found_by_fixity_is_replaced_from_the_replica(
        world: World, settings: Settings, tmp_path: Path) -> None:
    vault = use_fresh_vault(settings, tmp_path / "vault")
    clip = media.make_clip(tmp_path / "flip-me.mp4", seconds=1, created=beijing(2026, 3, 2))
    ev = ingest(clip, officer=world.alice)
    jobs.replicate()
    damaged = flip(vault / "store" / ev.stored.key)
    assert not jobs.fixity().ok

    report = jobs.restore()
    assert (report.restored, report.replaced, report.failed) == ([], [ev.stored.key], [])
    assert (vault / "store" / ev.stored.key).read_bytes() == clip.read_bytes()  # bit-exact
    [aside] = list((vault / "store" / ".damaged").iterdir())
    assert aside.read_bytes() == damaged  # the damaged bytes are kept, not deleted
    assert jobs.fixity().ok and StoredObject.objects.get(pk=ev.stored.pk).verified_ok is True
    event = DomainEvent.objects.get(action="evidence.restore")
    assert event.payload["problem"] == "mismatch" and event.payload["object_key"] == ev.stored.key
    assert event.payload["damaged"]["size"] == len(damaged) and event.payload["damaged"]["sha256"] != ev.stored.sha256
    assert event.payload["kept_aside"] == f".damaged/{aside.name}"
    assert jobs.restore().replaced == []  # nothing left to repair


def test_a_named_object_is_rehashed_and_a_damaged_replica_is_never_used(
        world: World, settings: Settings, tmp_path: Path) -> None:
    vault = use_fresh_vault(settings, tmp_path / "vault")
    clip = media.make_clip(tmp_path / "both.mp4", seconds=1, created=beijing(2026, 3, 2))
    ev = ingest(clip, officer=world.alice)
    jobs.replicate()
    assert jobs.restore([ev.stored.key]).replaced == []  # a sound object is left alone
    flip(vault / "store" / ev.stored.key)
    flip(vault / "replica" / ev.stored.key)
    report = jobs.restore([ev.stored.key])  # no fixity run: named keys are re-hashed
    assert report.replaced == [] and [f["key"] for f in report.failed] == [ev.stored.key]
    assert "备份副本的杂凑值与原始记录不一致" in report.failed[0]["error"]
    assert not DomainEvent.objects.filter(action="evidence.restore").exists()
