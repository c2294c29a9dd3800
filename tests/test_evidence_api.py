"""API of the evidence vault: who sees and labels what, byte-identical downloads with ranges, resumable upload."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.events.models import DomainEvent
from lawtrail.evidence import jobs, uploads
from lawtrail.evidence.models import Evidence, UploadSession
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing, file_case, register_case


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return media.make_clip(tmp_path / "clip.mp4", seconds=2, created=beijing(2026, 3, 2, 9))


@pytest.fixture
def recording(world: World, vault: Path, clip: Path) -> Evidence:
    return ingest(clip, officer=world.alice)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# ---------------------------------------------------------------- permission matrix

# persona → (sees alice's recording, may link it to her case)
MATRIX = {
    "alice": (True, True),   # the officer who recorded it, 一中队
    "andy": (True, True),    # her partner in 一中队
    "bob": (False, False),   # another unit: must see nothing
    "uma": (True, True),     # head of 一中队
    "archie": (True, True),  # archivist, agency-wide
    "sam": (True, False),    # supervisor: sees everything, changes nothing
    "lena": (True, False),   # legal reviewer: sees, does not label footage
}


@pytest.mark.parametrize("persona", list(MATRIX))
def test_permission_matrix(world: World, recording: Evidence, persona: str) -> None:
    sees, may_link = MATRIX[persona]
    api = ApiClient(getattr(world, persona))
    case = file_case(world, register_case(world))
    got = api.get(f"/api/evidence/{recording.pk}")
    assert got.status == (200 if sees else 404)
    listed = api.get("/api/evidence")
    assert listed.body["count"] == (1 if sees else 0)
    original = api.client.get(f"/api/evidence/{recording.pk}/original", headers=api.headers)
    # Seeing is not taking: the original needs a role that keeps or judges records, or a grant
    # (lawtrail/access; the full matrix is tests/test_access_matrix.py).
    downloads = persona in ("uma", "hank", "archie", "lena") and sees
    assert original.status_code == (200 if downloads else 403 if sees else 404)
    linked = api.post(f"/api/evidence/{recording.pk}/link", {"case_id": case.pk})
    expected = 200 if may_link else (404 if not sees else 403)
    if persona == "bob":
        expected = 404
    assert linked.status == expected, linked.body
    if may_link:
        assert linked.body["case"]["id"] == case.pk and linked.body["label_case_number"] == case.number
    else:
        assert linked.code in ("not_found", "not_allowed", "unknown_reference")


def test_an_anonymous_request_is_told_to_sign_in(recording: Evidence) -> None:
    reply = ApiClient().get(f"/api/evidence/{recording.pk}")
    assert reply.status == 401 and reply.code == "unauthenticated"


# ---------------------------------------------------------------- viewing


def test_the_original_is_served_byte_identical_and_in_ranges(world: World, recording: Evidence, clip: Path) -> None:
    api = ApiClient(world.archie)  # the archivist: a download needs a role or a grant (lawtrail/access)
    data = clip.read_bytes()
    whole = api.client.get(f"/api/evidence/{recording.pk}/original", headers=api.headers)
    assert whole.status_code == 200 and body(whole) == data
    assert whole["Accept-Ranges"] == "bytes" and whole["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert whole["Content-Type"] == "application/octet-stream"
    assert whole["Content-Disposition"].startswith("attachment;") and "clip.mp4" in whole["Content-Disposition"]
    for header, start, end in [("bytes=0-99", 0, 99), ("bytes=100-", 100, len(data) - 1),
                               ("bytes=-50", len(data) - 50, len(data) - 1)]:
        part = api.client.get(f"/api/evidence/{recording.pk}/original", headers={**api.headers, "Range": header})
        assert part.status_code == 206, header
        assert part["Content-Range"] == f"bytes {start}-{end}/{len(data)}"
        assert body(part) == data[start:end + 1]
    beyond = api.client.get(f"/api/evidence/{recording.pk}/original",
                            headers={**api.headers, "Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"


def test_a_browser_playable_clip_previews_from_the_original(world: World, recording: Evidence) -> None:
    api = ApiClient(world.alice)
    preview = api.client.get(f"/api/evidence/{recording.pk}/preview", headers={**api.headers, "Range": "bytes=0-9"})
    assert preview.status_code == 206 and preview["Content-Type"] == "video/mp4"
    assert preview["Content-Disposition"].startswith("inline;")


def test_the_record_shows_its_facts_hashes_and_retention(world: World, recording: Evidence) -> None:
    reply = ApiClient(world.alice).get(f"/api/evidence/{recording.pk}")
    b = reply.body
    assert b["sha256"] == recording.stored.sha256 and b["sm3"] == recording.stored.sm3
    assert b["media"]["start"] == "2026-03-02T01:00:00Z" and b["media"]["video_codec"] == "h264"
    assert b["evidence_class"] == "patrol" and b["retention_until"] == "2028-03-02"
    assert "第三十九条" in b["retention_basis"]


# ---------------------------------------------------------------- resumable upload (tus)


def tus_metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class _CutOff(io.RawIOBase):
    """A request body whose sender vanishes after `n` bytes (the connection dies mid-upload)."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def patch(client: Client, headers: dict[str, str], url: str, offset: int, data: bytes, *,
          declared: int | None = None) -> Any:
    extra = {"HTTP_UPLOAD_OFFSET": str(offset), "HTTP_TUS_RESUMABLE": "1.0.0",
             "CONTENT_LENGTH": str(declared if declared is not None else len(data)),
             "CONTENT_TYPE": "application/offset+octet-stream", "wsgi.input": _CutOff(data)}
    return client.generic("PATCH", url, b"", headers=headers, **extra)


def test_an_upload_killed_half_way_leaves_no_record_and_resumes_to_the_right_hash(
        world: World, vault: Path, tmp_path: Path) -> None:
    clip = media.make_clip(tmp_path / "long.mp4", seconds=6, created=beijing(2026, 3, 2, 10))
    data = clip.read_bytes()
    api = ApiClient(world.alice)
    created = api.client.post("/api/evidence-uploads", headers={
        **api.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)),
        "Upload-Metadata": tus_metadata(filename="../../etc/passwd.mp4", device_serial="DSJ-3")})
    assert created.status_code == 201, created.content
    url = created["Location"]
    half = len(data) // 2

    # The connection dies after half the bytes: the server keeps and confirms what arrived.
    cut = patch(api.client, api.headers, url, 0, data[:half], declared=len(data))
    assert cut.status_code == 204 and cut["Upload-Offset"] == str(half), cut.content.decode()
    assert Evidence.objects.count() == 0
    assert not DomainEvent.objects.filter(action="evidence.ingest").exists()
    status = api.get(url.removeprefix(""))
    assert (status.body["offset"], status.body["complete"], status.body["evidence_id"]) == (half, False, None)

    # The server restarts (its in-memory hash state is gone); the client asks where to go on.
    uploads.forget_digests()
    head = api.client.head(url, headers=api.headers)
    assert head.status_code == 200 and head["Upload-Offset"] == str(half)
    stale = patch(api.client, api.headers, url, 0, data)
    assert stale.status_code == 409 and stale.json()["code"] == "offset_mismatch"

    done = patch(api.client, api.headers, url, half, data[half:])
    assert done.status_code == 204 and done["Upload-Offset"] == str(len(data))
    ev = Evidence.objects.get(pk=int(done["Upload-Evidence-Id"]))
    assert ev.stored.sha256 == hashlib.sha256(data).hexdigest()
    sm3 = hashlib.new("sm3")
    sm3.update(data)
    assert ev.stored.sm3 == sm3.hexdigest()
    assert ev.original_name == "../../etc/passwd.mp4" and ev.display_name == "passwd.mp4"
    assert (ev.ingest_channel, ev.ingested_by, ev.officer, ev.device_serial) == ("web", world.alice, world.alice,
                                                                                 "DSJ-3")
    files = sorted(p.relative_to(vault / "store").as_posix() for p in (vault / "store").rglob("*") if p.is_file())
    assert files == [ev.stored.key]
    assert UploadSession.objects.get().evidence == ev


def test_an_upload_is_refused_when_empty_or_aimed_at_an_invisible_case(world: World, vault: Path) -> None:
    api = ApiClient(world.alice)
    empty = api.client.post("/api/evidence-uploads", headers={
        **api.headers, "Tus-Resumable": "1.0.0", "Upload-Length": "0", "Upload-Metadata": tus_metadata(filename="a.mp4")})
    assert empty.status_code == 422 and empty.json()["code"] == "empty_file" and "0 字节" in empty.json()["message"]
    bobs = file_case(world, register_case(world, by=world.bob))
    hidden = api.client.post("/api/evidence-uploads", headers={
        **api.headers, "Tus-Resumable": "1.0.0", "Upload-Length": "10",
        "Upload-Metadata": tus_metadata(filename="a.mp4", case_id=str(bobs.pk))})
    assert hidden.status_code == 422 and hidden.json()["code"] == "unknown_reference"
    assert UploadSession.objects.count() == 0


def test_another_users_upload_cannot_be_continued(world: World, vault: Path) -> None:
    alice, andy = ApiClient(world.alice), ApiClient(world.andy)
    created = alice.client.post("/api/evidence-uploads", headers={
        **alice.headers, "Tus-Resumable": "1.0.0", "Upload-Length": "4",
        "Upload-Metadata": tus_metadata(filename="x.bin")})
    url = created["Location"]
    assert andy.client.head(url, headers=andy.headers).status_code == 404
    assert patch(andy.client, andy.headers, url, 0, b"abcd").status_code == 404


def test_a_declared_checksum_that_does_not_match_stores_nothing(world: World, vault: Path) -> None:
    api = ApiClient(world.alice)
    created = api.client.post("/api/evidence-uploads", headers={
        **api.headers, "Tus-Resumable": "1.0.0", "Upload-Length": "5",
        "Upload-Metadata": tus_metadata(filename="x.bin", sha256="0" * 64)})
    done = patch(api.client, api.headers, created["Location"], 0, b"hello")
    assert done.status_code == 409 and done.json()["code"] == "checksum_mismatch"
    assert Evidence.objects.count() == 0 and not any((vault / "store").rglob("sha256/*/*"))


def test_an_abandoned_upload_expires_after_a_week(world: World, vault: Path, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(beijing(2026, 3, 2, 9), tick=False)
    api = ApiClient(world.alice)
    created = api.client.post("/api/evidence-uploads", headers={
        **api.headers, "Tus-Resumable": "1.0.0", "Upload-Length": "8",
        "Upload-Metadata": tus_metadata(filename="x.bin")})
    url = created["Location"]
    assert patch(api.client, api.headers, url, 0, b"abcd", declared=8).status_code == 204
    part = uploads.part_path(UploadSession.objects.get())
    assert part.read_bytes() == b"abcd"
    time_machine.move_to(beijing(2026, 3, 5, 9), tick=False)
    assert jobs.expire_uploads() == 0
    time_machine.move_to(beijing(2026, 3, 10, 9), tick=False)
    assert jobs.expire_uploads() == 1
    assert not part.exists() and api.client.head(url, headers=api.headers).status_code == 404


def test_tus_options_announce_the_protocol(world: World) -> None:
    reply = Client().options("/api/evidence-uploads")
    assert reply.status_code == 204 and reply["Tus-Version"] == "1.0.0" and "creation" in reply["Tus-Extension"]


def test_links_labels_and_rejections_through_the_api(world: World, recording: Evidence) -> None:
    api = ApiClient(world.alice)
    case = file_case(world, register_case(world))
    rejected = api.post(f"/api/evidence/{recording.pk}/reject-link", {"case_id": case.pk, "reason": "别处"})
    assert rejected.status == 200
    again = api.post(f"/api/evidence/{recording.pk}/reject-link", {"case_id": case.pk})
    assert again.status == 409 and again.code == "already_rejected"
    long_term = api.post(f"/api/evidence/{recording.pk}/long-term", {"reason": "当事人对现场执法有异议"})
    assert long_term.status == 200 and long_term.body["retention_long_term"] is True
    assert long_term.body["retention_until"] is None
    assert api.post(f"/api/evidence/{recording.pk}/long-term", {"reason": "x"}).code == "already_long_term"

