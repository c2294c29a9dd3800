"""Copies handed out carry a visible watermark (who, when, 调用单), the originals stay untouched;
a share link works without login until revoked or expired, with a receipt of every hash; and the
access register lists it all (page, CSV, API, CLI)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image, ImageChops
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.access.actions import (
    do_create_share,
    do_decide_access_request,
    do_request_access,
    do_revoke_share,
)
from lawtrail.access.models import AccessRequest
from lawtrail.cli import main
from lawtrail.events.models import DomainEvent
from lawtrail.storage import get_store
from lawtrail.testing.access import Records, build_records, in_days
from lawtrail.testing.api import ApiClient
from lawtrail.testing.documents import pdf_text, squeeze
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


@pytest.fixture
def records(world: World, settings: Settings, tmp_path: Path, clock: TimeMachineFixture) -> Records:
    return build_records(world, settings, tmp_path)


def _grant(world: World, r: Records) -> AccessRequest:
    req = do_request_access(r.case, kind="external", whole_case=True, purpose="行政诉讼举证", requester=r.olga,
                            requester_unit="名山区人民法院", copier_name="欧阳", expires_at=in_days(5),
                            actor=world.archie)
    return do_decide_access_request(req, approved=True, opinion="同意", actor=world.hank)


def _stored(key: str) -> bytes:
    with get_store().open(key) as f:
        return f.read()


def test_copies_carry_a_watermark_and_the_originals_stay_as_they_were(world: World, records: Records) -> None:
    r = records
    grant = _grant(world, r)
    olga = Client()
    olga.force_login(r.olga)
    pdf = olga.get(f"/access/requests/{grant.pk}/document/{r.doc.pk}/copy")
    assert pdf.status_code == 200
    text = squeeze(pdf_text(pdf.content))
    # Every page carries who, when and the request number, extractable as text.
    assert all(s in text for s in ("复制件", "欧阳法官助理", "2026-04-2009:30", squeeze(grant.number)))
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert all(squeeze(grant.number) in squeeze(p.extract_text() or "") for p in pages)
    assert hashlib.sha256(bytes(r.doc.pdf)).hexdigest() == r.doc.pdf_sha256  # type: ignore[arg-type]

    image = olga.get(f"/access/requests/{grant.pk}/evidence/{r.photo.pk}/copy")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    original = _stored(r.photo.stored.key)
    assert hashlib.sha256(original).hexdigest() == r.photo.stored.sha256  # the vault's bytes unchanged
    before, after = (Image.open(io.BytesIO(b)).convert("RGB") for b in (original, image.content))
    assert before.size == after.size
    # The stamp sits in a band along the foot: the pixels there changed, and they are reddish.
    foot = (0, before.height * 5 // 6, before.width, before.height)
    diff = ImageChops.difference(before.crop(foot), after.crop(foot))
    assert diff.getbbox() is not None
    raw = after.crop(foot).tobytes()
    reds = [i for i in range(0, len(raw), 3) if raw[i] > 150 and raw[i + 1] < 110 and raw[i + 2] < 110]
    assert len(reds) > 30

    clip = olga.get(f"/access/requests/{grant.pk}/evidence/{r.clip.pk}/copy")
    body = b"".join(clip.streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(body).hexdigest() == r.clip.stored.sha256
    copies = list(DomainEvent.objects.filter(action="access.copy").order_by("id"))
    assert [(c.payload["watermarked"], c.payload["sha256"] == c.payload["original_sha256"]) for c in copies] == [
        (True, False), (True, False), (False, True)]
    assert "未加水印" in copies[2].payload["note"]
    assert copies[1].payload["sha256"] == hashlib.sha256(image.content).hexdigest()


def test_a_share_link_works_without_login_until_revoked_and_its_receipt_lists_every_hash(
        world: World, records: Records, clock: TimeMachineFixture) -> None:
    r = records
    grant = _grant(world, r)
    share, token = do_create_share(grant, recipient="名山区人民检察院", documents=[r.doc],
                                   evidence=[r.photo, r.clip], expires_at=in_days(2), actor=world.archie)
    anyone = Client()
    index = anyone.get(f"/s/{token}/")
    assert index.status_code == 200 and r.photo.stored.sha256 in index.content.decode()
    receipt = anyone.get(f"/s/{token}/receipt.pdf")
    text = squeeze(pdf_text(receipt.content))
    for sha in (r.doc.pdf_sha256, r.photo.stored.sha256, r.clip.stored.sha256):
        assert sha in text
    assert "名山区人民检察院" in text and squeeze(grant.number) in text
    pdf = anyone.get(f"/s/{token}/document/{r.doc.pk}")
    assert pdf.status_code == 200 and "名山区人民检察院" in squeeze(pdf_text(pdf.content))
    assert anyone.get(f"/s/{token}/evidence/{r.photo.pk}").status_code == 200
    opened = DomainEvent.objects.filter(action__in=("access.share_open", "access.copy"), outcome="done")
    assert [(e.action, e.actor_id, e.payload["share_id"]) for e in opened] == [
        ("access.share_open", None, share.pk), ("access.copy", None, share.pk), ("access.copy", None, share.pk)]
    assert anyone.get(f"/s/{token}x/").status_code == 404

    do_revoke_share(share, actor=world.archie)
    assert anyone.get(f"/s/{token}/").status_code == 404
    assert anyone.get(f"/s/{token}/document/{r.doc.pk}").status_code == 404

    second, token2 = do_create_share(grant, recipient="名山区人民法院", documents=[r.doc], expires_at=in_days(1),
                                     actor=world.archie)
    assert anyone.get(f"/s/{token2}/").status_code == 200
    clock.shift(dt.timedelta(days=1, minutes=1))
    assert anyone.get(f"/s/{token2}/").status_code == 404


def test_the_access_register_is_filtered_and_exported(world: World, records: Records,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    r = records
    archie = Client()
    archie.force_login(world.archie)
    assert archie.get(f"/evidence/{r.clip.pk}/original").status_code == 200
    alice = Client()
    alice.force_login(world.alice)
    assert alice.get(f"/evidence/{r.clip.pk}/original").status_code == 403
    page = archie.get("/access/register/", {"case": r.case.number}).content.decode()
    assert "阿奇" in page and "艾丽" in page and "下载资料" in page
    exported = archie.get("/access/register/", {"case": r.case.number, "person": "阿奇", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(row["调阅人"], row["事项"], row["结果"], row["案件"]) for row in rows] == [
        ("阿奇", "下载资料", "完成", r.case.number)]
    assert rows[0]["SHA-256"] == r.clip.stored.sha256
    assert alice.get("/access/register/").status_code == 403  # handlers do not read the register

    api = ApiClient(world.hank).get("/api/access-register", case_id=r.case.pk)
    assert [(e["actor"], e["outcome"]) for e in api.body] == [("艾丽", "refused"), ("阿奇", "done")]

    assert main(["access", "register", "--case", str(r.case.number), "--from", "2026-04-20", "--csv"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 3 and "阿奇" in out and "艾丽" in out
    assert main(["access", "register", "--to", "2026-04-19"]) == 0
    assert "共 0 条" in capsys.readouterr().out


def test_shares_through_the_api(world: World, records: Records) -> None:
    r = records
    grant = _grant(world, r)
    archie = ApiClient(world.archie)
    refused = ApiClient(world.alice).post(f"/api/access-requests/{grant.pk}/shares", {
        "recipient": "名山区人民法院", "document_ids": [r.doc.pk], "expires_at": in_days(1).isoformat()})
    assert refused.status == 404  # not hers to see, let alone to share
    made = archie.post(f"/api/access-requests/{grant.pk}/shares", {
        "recipient": "名山区人民法院", "document_ids": [r.doc.pk], "expires_at": in_days(1).isoformat()})
    assert made.status == 201 and made.body["link"].startswith("http://testserver/s/")
    receipt = archie.client.get(f"/api/shares/{made.body['id']}/receipt", headers=archie.headers)
    assert r.doc.pdf_sha256 in squeeze(pdf_text(receipt.content))
    assert Client().get(made.body["link"].removeprefix("http://testserver")).status_code == 200
    revoked = archie.post(f"/api/shares/{made.body['id']}/revocation")
    assert revoked.status == 200 and revoked.body["revoked_at"] is not None
    assert Client().get(made.body["link"].removeprefix("http://testserver")).status_code == 404
