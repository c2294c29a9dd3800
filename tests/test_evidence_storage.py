"""Object storage: the local directory and a real S3-compatible server (SeaweedFS on 127.0.0.1).

The same contract for both: content-addressed commit that never clobbers, reads with seeks,
listing; replication to the off-site copy, fixity naming a changed or missing object by its
file names, and restore bringing a lost object back bit-exact.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from lawtrail.evidence import jobs
from lawtrail.evidence.models import StoredObject
from lawtrail.storage import InvalidKey, LocalStore, S3Store, Store, get_replica, get_store
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing
from lawtrail.testing.seaweed import SeaweedS3

# All of them on the database, so pytest-django keeps them together and the server starts once.
pytestmark = pytest.mark.django_db


BUCKET = "lawtrail-test"


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweed")).start()
    try:
        # One bucket (each new bucket makes the server grow volumes); each test a prefix of its own.
        server.make_bucket(BUCKET)
        yield server
    finally:
        server.stop()


def fresh_prefix() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def s3_store(seaweed: SeaweedS3, tmp_path: Path) -> S3Store:
    bucket, prefix = BUCKET, fresh_prefix()
    config = seaweed.settings_for(bucket, prefix)
    return S3Store(bucket=bucket, endpoint_url=config["s3_endpoint_url"], access_key=config["s3_access_key"],
                   secret_key=config["s3_secret_key"], region=config["s3_region"], prefix=prefix,
                   staging=tmp_path / "staging")


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_a_store_commits_once_reads_with_seeks_and_lists(kind: str, seaweed: SeaweedS3, tmp_path: Path) -> None:
    store: Store = LocalStore(tmp_path / "store") if kind == "local" else s3_store(seaweed, tmp_path)
    payload = bytes(range(256)) * 5000
    source = tmp_path / "obj.bin"
    source.write_bytes(payload)
    key = "sha256/ab/" + "ab" * 32
    assert store.put_file(key, source) is True
    other = tmp_path / "other.bin"
    other.write_bytes(b"something else")
    assert store.put_file(key, other) is False  # an existing object is never replaced
    assert store.exists(key) and store.size(key) == len(payload)
    with store.open(key) as f:
        f.seek(1000)
        assert f.read(10) == payload[1000:1010]
        f.seek(-5, 2)
        assert f.read() == payload[-5:]
    with store.open(key) as f:
        assert f.read() == payload
    assert list(store.iter_keys()) == [key] and list(store.iter_keys("derived/")) == []
    assert not store.exists("sha256/00/" + "0" * 64)
    with pytest.raises(InvalidKey):
        store.exists("../outside")


def test_it_ingests_into_an_s3_bucket_and_serves_ranges_from_it(
        world: World, settings: Settings, seaweed: SeaweedS3, tmp_path: Path) -> None:
    prefix = fresh_prefix()
    settings.EVIDENCE_STORE = seaweed.settings_for(BUCKET, prefix)
    settings.EVIDENCE_STAGING_DIR = tmp_path / "staging"
    clip = media.make_clip(tmp_path / "clip.mp4", seconds=2, created=beijing(2026, 3, 2))
    ev = ingest(clip, officer=world.alice)
    assert isinstance(get_store(), S3Store)
    head = seaweed.client().head_object(Bucket=BUCKET, Key=f"{prefix}/{ev.stored.key}")
    assert head["ContentLength"] == clip.stat().st_size
    api = ApiClient(world.archie)  # a download needs a role or a grant (lawtrail/access)
    whole = api.client.get(f"/api/evidence/{ev.pk}/original", headers=api.headers)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == clip.read_bytes()
    part = api.client.get(f"/api/evidence/{ev.pk}/original", headers={**api.headers, "Range": "bytes=100-199"})
    assert part.status_code == 206 and b"".join(part.streaming_content) == clip.read_bytes()[100:200]
    assert list((tmp_path / "staging").iterdir()) == []


def test_replica_fixity_and_restore_with_an_s3_replica(
        world: World, settings: Settings, seaweed: SeaweedS3, tmp_path: Path) -> None:
    use_fresh_vault(settings, tmp_path)
    settings.EVIDENCE_REPLICA = seaweed.settings_for(BUCKET, fresh_prefix())
    a = ingest(media.make_clip(tmp_path / "a.mp4", seconds=1, created=beijing(2026, 3, 2)), officer=world.alice)
    b = ingest(media.make_clip(tmp_path / "b.mp4", seconds=2, created=beijing(2026, 3, 2)), officer=world.alice)

    report = jobs.replicate()
    assert sorted(report.copied) == sorted([a.stored.key, b.stored.key]) and not report.failed
    assert StoredObject.objects.filter(replicated_at__isnull=False).count() == 2
    replica = get_replica()
    assert replica is not None and sorted(replica.iter_keys()) == sorted([a.stored.key, b.stored.key])
    assert jobs.replicate().present == 2  # nothing copied twice

    flipped = tmp_path / "store" / a.stored.key
    data = bytearray(flipped.read_bytes())
    data[-1] ^= 0x80
    flipped.chmod(0o644)
    flipped.write_bytes(bytes(data))
    (tmp_path / "store" / b.stored.key).unlink()
    found = jobs.fixity()
    assert {(p["key"], p["problem"], tuple(p["names"])) for p in found.problems} == {
        (a.stored.key, "mismatch", ("a.mp4",)), (b.stored.key, "missing", ("b.mp4",))}
    assert StoredObject.objects.get(pk=a.stored.pk).verified_ok is False

    restored = jobs.restore()
    assert restored.restored == [b.stored.key] and not restored.failed
    assert (tmp_path / "store" / b.stored.key).read_bytes() == (tmp_path / "b.mp4").read_bytes()
    assert jobs.fixity(store=replica).ok


def test_fixity_of_an_s3_primary_names_a_changed_object(
        world: World, settings: Settings, seaweed: SeaweedS3, tmp_path: Path) -> None:
    prefix = fresh_prefix()
    settings.EVIDENCE_STORE = seaweed.settings_for(BUCKET, prefix)
    settings.EVIDENCE_STAGING_DIR = tmp_path / "staging"
    ev = ingest(media.make_clip(tmp_path / "c.mp4", seconds=1), officer=world.alice)
    assert jobs.fixity().ok
    client = seaweed.client()
    raw_key = f"{prefix}/{ev.stored.key}"
    data = bytearray(client.get_object(Bucket=BUCKET, Key=raw_key)["Body"].read())
    data[10] ^= 0x01
    client.put_object(Bucket=BUCKET, Key=raw_key, Body=bytes(data))  # someone tampering with the bucket
    problems = jobs.fixity().problems
    assert [(p["key"], p["problem"], p["names"]) for p in problems] == [(ev.stored.key, "mismatch", ["c.mp4"])]
