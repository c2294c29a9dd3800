"""调用单: a request is approved by the leader the agency's profile names, becomes a grant whose
copies are logged (who, copier, approver, time, reason, number), and refuses once expired or revoked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.access.actions import do_decide_access_request, do_request_access
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Forbidden, InvalidInput
from lawtrail.testing.access import Records, build_records, in_days
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


@pytest.fixture
def records(world: World, settings: Settings, tmp_path: Path, clock: TimeMachineFixture) -> Records:
    return build_records(world, settings, tmp_path)


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_an_outside_request_is_approved_by_the_agency_head_and_its_copies_are_registered(
        world: World, records: Records, clock: TimeMachineFixture) -> None:
    r = records
    api = ApiClient(world.archie)
    made = api.post("/api/access-requests", {
        "case_id": r.case.pk, "kind": "external", "document_ids": [r.doc.pk], "evidence_ids": [r.photo.pk],
        "purpose": "行政诉讼举证", "requester_id": r.olga.pk, "requester_unit": "名山区人民法院",
        "copier_name": "欧阳", "expires_at": in_days(3).isoformat()})
    assert made.status == 201, made.body
    grant_id, number = made.body["id"], made.body["number"]
    assert number == "测劳监调〔2026〕1号" and made.body["status"] == "pending"

    # The unit head may approve internal use, not an outside unit's (第三十五条: 单位主要负责人).
    wrong = ApiClient(world.uma).post(f"/api/access-requests/{grant_id}/decision", {"approved": True})
    assert (wrong.status, wrong.code) == (403, "not_approver") and "第三十五条" in wrong.body["message"]
    # Not before approval: olga has nothing yet.
    olga = ApiClient(r.olga)
    early = olga.client.get(f"/api/access-requests/{grant_id}/documents/{r.doc.pk}/copy", headers=olga.headers)
    assert early.status_code == 403
    ok = ApiClient(world.hank).post(f"/api/access-requests/{grant_id}/decision", {"approved": True,
                                                                                    "opinion": "同意提供"})
    assert ok.status == 200 and ok.body["in_force"] is True and ok.body["rule_article"] == "第三十五条"

    pdf = olga.client.get(f"/api/access-requests/{grant_id}/documents/{r.doc.pk}/copy", headers=olga.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    copy = DomainEvent.objects.get(action="access.copy", outcome="done")
    assert copy.actor_id == r.olga.pk and copy.case_id_frozen == r.case.pk
    assert {k: copy.payload[k] for k in ("grant_number", "approver", "copier", "reason", "watermarked", "via")} == {
        "grant_number": number, "approver": "汉克", "copier": "欧阳", "reason": "行政诉讼举证", "watermarked": True,
        "via": "grant"}
    assert copy.payload["sha256"] == pdf["X-Content-SHA256"] and copy.payload["original_sha256"] == r.doc.pdf_sha256

    # Outside the scope: the video was not asked for; it answers like a record that does not exist.
    other = olga.client.get(f"/api/access-requests/{grant_id}/evidence/{r.clip.pk}/copy", headers=olga.headers)
    assert other.status_code == 404 and other.json()["code"] == "not_found"

    revoked = ApiClient(world.hank).post(f"/api/access-requests/{grant_id}/revocation", {"reason": "诉讼已终结"})
    assert revoked.status == 200 and revoked.body["in_force"] is False
    after = olga.client.get(f"/api/access-requests/{grant_id}/documents/{r.doc.pk}/copy", headers=olga.headers)
    assert after.status_code == 403 and after.json()["code"] == "grant_not_valid"

    events = list(DomainEvent.objects.filter(action__startswith="access.").values_list("action", "outcome"))
    assert events == [("access.request", "done"), ("access.decide", "refused"), ("access.copy", "refused"),
                      ("access.approve", "done"), ("access.copy", "done"), ("access.copy", "refused"),
                      ("access.revoke", "done"), ("access.copy", "refused")]


def test_internal_use_is_approved_by_the_unit_head_and_ends_at_expiry(
        world: World, records: Records, clock: TimeMachineFixture) -> None:
    r = records
    req = do_request_access(r.case, kind="internal", evidence=[r.photo], purpose="复核现场照片",
                            expires_at=in_days(1), actor=world.alice)
    assert req.requester_id == world.alice.pk
    with pytest.raises(Forbidden):
        do_decide_access_request(req, approved=True, opinion="", actor=world.bob)
    do_decide_access_request(req, approved=True, opinion="同意", actor=world.uma)
    alice = client_for(world.alice)
    # Her grant turns the refused original into a watermarked copy, through the vault's own link.
    got = alice.get(f"/evidence/{r.photo.pk}/original")
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert got["X-Content-SHA256"] != r.photo.stored.sha256
    page = alice.get(f"/access/requests/{req.pk}/").content.decode()
    assert req.number in page and "下载复制件" in page and "乌玛" in page
    clock.shift(dt.timedelta(days=2))
    alice = client_for(world.alice)  # a new session: the old one has timed out too
    assert alice.get(f"/evidence/{r.photo.pk}/original").status_code == 403
    assert alice.get(f"/access/requests/{req.pk}/evidence/{r.photo.pk}/copy").status_code == 403


def test_who_approves_is_read_from_the_agency_profile(db: None, settings: Settings, tmp_path: Path,
                                                      clock: TimeMachineFixture) -> None:
    # 安全生产: the rules name only 局主要领导 (第二十三条, a party's copy); internal use (第十四条,
    # the rule of use) needs the agency head too.
    world = build_world("safety-production", name="测试区应急管理局")
    r = build_records(world, settings, tmp_path)
    req = do_request_access(r.case, kind="internal", whole_case=True, purpose="案件复查", expires_at=in_days(2),
                            actor=world.alice)
    with pytest.raises(Forbidden) as refused:
        do_decide_access_request(req, approved=True, opinion="", actor=world.uma)
    assert refused.value.detail == {"article": "第十四条"}
    party = do_request_access(r.case, kind="party", whole_case=True, purpose="当事人申请复制",
                              requester_name="张三", copier_name="张三", expires_at=in_days(2), actor=world.alice)
    assert do_decide_access_request(party, approved=True, opinion="同意", actor=world.hank).status == "approved"


def test_a_request_names_records_of_its_case_with_a_reason_and_a_future_expiry(world: World,
                                                                               records: Records) -> None:
    r = records
    with pytest.raises(InvalidInput) as empty:
        do_request_access(r.case, kind="internal", purpose="复查", expires_at=in_days(1), actor=world.alice)
    assert empty.value.code == "empty_scope"
    with pytest.raises(InvalidInput) as past:
        do_request_access(r.case, kind="internal", whole_case=True, purpose="复查", expires_at=in_days(-1),
                          actor=world.alice)
    assert past.value.code == "expiry_in_past"
    with pytest.raises(InvalidInput) as reason:
        do_request_access(r.case, kind="internal", whole_case=True, purpose=" ", expires_at=in_days(1),
                          actor=world.alice)
    assert reason.value.code == "missing_field"


def test_the_request_form_picks_records_and_the_head_approves_from_the_inbox(world: World, records: Records) -> None:
    r = records
    alice = client_for(world.alice)
    form = alice.get(f"/access/requests/new/?case={r.case.pk}").content.decode()
    assert 'type="checkbox"' in form and "site.jpg" in form and "权利告知书" in form
    posted = alice.post(f"/access/requests/new/?case={r.case.pk}", {
        "kind": "internal", "evidence": [r.photo.pk], "purpose": "复核", "expires_at": "2026-04-25T18:00"})
    assert posted.status_code == 302, posted.content.decode()[:2000]
    uma = client_for(world.uma)
    inbox = uma.get("/access/").content.decode()
    assert "测劳监调〔2026〕1号" in inbox
    assert 'id="inbox-access_approvals"' in uma.get("/").content.decode()
    assert 'id="inbox-access_approvals"' not in alice.get("/").content.decode()
    pk = int(posted["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert uma.post(f"/access/requests/{pk}/decide/", {"approved": "1", "opinion": "同意"}).status_code == 302
    assert "已批准" in alice.get(f"/access/requests/{pk}/").content.decode()


def test_once_the_case_is_closed_its_handler_needs_a_grant_for_its_documents_too(world: World,
                                                                                 records: Records) -> None:
    from lawtrail.cases.choices import Stage
    from lawtrail.testing.scenarios import advance

    r = records
    alice = client_for(world.alice)
    assert alice.get(f"/documents/{r.doc.pk}/issued.pdf").status_code == 200  # her open case
    advance(world, r.case, to=Stage.CLOSED)
    assert alice.get(f"/documents/{r.doc.pk}/issued.pdf").status_code == 403
    assert alice.get(f"/documents/{r.doc.pk}/pdf/").status_code == 200  # reading it stays open to her
    assert client_for(world.archie).get(f"/documents/{r.doc.pk}/issued.pdf").status_code == 200
