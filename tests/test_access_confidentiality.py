"""保密标记: marked records are seen only by cleared roles and grants that name the marking, every
read of them is logged, and copies and shares leave them out unless the approval covers them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.access.actions import (
    do_create_share,
    do_decide_access_request,
    do_lift_mark,
    do_mark_confidential,
    do_request_access,
)
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Forbidden, InvalidInput, NotFound
from lawtrail.testing.access import Records, build_records, in_days
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing


@pytest.fixture
def records(world: World, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> Records:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return build_records(world, settings, tmp_path)


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_a_marked_record_is_hidden_from_uncleared_roles_and_every_read_is_logged(world: World,
                                                                                records: Records) -> None:
    r = records
    mark = ApiClient(world.alice).post("/api/confidentiality-marks", {
        "record": "evidence", "record_id": r.photo.pk, "level": "privacy", "reason": "拍到未成年人面部"})
    assert mark.status == 201
    # The supervisor saw it before; not cleared for privacy, now it is gone from list, page and API.
    sam = ApiClient(world.sam)
    assert sam.get(f"/api/evidence/{r.photo.pk}").status == 404
    assert r.photo.pk not in [e["id"] for e in sam.get("/api/evidence").body["items"]]
    assert client_for(world.sam).get(f"/evidence/{r.photo.pk}/").status_code == 404
    # The case's own officer and the unit head are cleared; each read is in the register.
    assert client_for(world.alice).get(f"/evidence/{r.photo.pk}/").status_code == 200
    assert ApiClient(world.uma).get(f"/api/evidence/{r.photo.pk}").status == 200
    reads = DomainEvent.objects.filter(action="access.view_confidential").values_list("actor_username", "outcome")
    assert list(reads) == [("alice", "done"), ("uma", "done")]
    assert DomainEvent.objects.get(action="access.mark").payload["level"] == "privacy"


def test_a_state_secret_is_for_the_agency_head_only(world: World, records: Records) -> None:
    r = records
    do_mark_confidential(r.case, level="state", reason="涉及国家秘密", actor=world.hank)
    # A mark on the case covers its documents and footage, in lists too.
    def card(user: object) -> str:  # the case page's documents card (the timeline names events, not content)
        page = client_for(user).get(f"/cases/{r.case.pk}/").content.decode()
        return page.split('id="case-documents"', 1)[1].split('id="timeline-document-links"', 1)[0]

    assert "权利告知书" not in card(world.alice) and "权利告知书" in card(world.hank)
    assert f"/documents/{r.doc.pk}/" not in client_for(world.alice).get(f"/cases/{r.case.pk}/documents/").content.decode()
    for user, status in ((world.alice, 404), (world.uma, 404), (world.archie, 404), (world.hank, 200)):
        assert client_for(user).get(f"/documents/{r.doc.pk}/pdf/").status_code == status, user
        assert ApiClient(user).get(f"/api/evidence/{r.clip.pk}").status == status, user
    with pytest.raises(NotFound):  # she no longer sees the document at all
        do_mark_confidential(r.doc, level="commercial", reason="工资表", actor=world.alice)
    mark = do_mark_confidential(r.doc, level="commercial", reason="工资表", actor=world.hank)
    with pytest.raises(Forbidden):
        do_lift_mark(mark, reason="已公开", actor=world.alice)
    assert do_lift_mark(mark, reason="已公开", actor=world.hank).active is False


def test_copies_and_shares_leave_marked_records_out_unless_the_approval_covers_them(world: World,
                                                                                  records: Records) -> None:
    r = records
    do_mark_confidential(r.photo, level="commercial", reason="拍到生产工艺", actor=world.alice)
    plain = do_request_access(r.case, kind="external", whole_case=True, purpose="诉讼", requester=r.olga,
                              requester_unit="名山区人民法院", expires_at=in_days(3), actor=world.archie)
    do_decide_access_request(plain, approved=True, opinion="同意", actor=world.hank)
    olga = ApiClient(r.olga)
    denied = olga.client.get(f"/api/access-requests/{plain.pk}/evidence/{r.photo.pk}/copy", headers=olga.headers)
    assert denied.status_code == 403 and denied.json()["code"] == "not_cleared"
    assert olga.client.get(f"/api/access-requests/{plain.pk}/documents/{r.doc.pk}/copy",
                           headers=olga.headers).status_code == 200
    with pytest.raises(InvalidInput) as share:
        do_create_share(plain, recipient="名山区人民法院", evidence=[r.photo], expires_at=in_days(1),
                        actor=world.archie)
    assert share.value.code == "not_cleared"
    page = client_for(r.olga).get(f"/access/requests/{plain.pk}/").content.decode()
    assert "未经批准,不提供" in page

    cleared = do_request_access(r.case, kind="external", evidence=[r.photo], clearances=["commercial"],
                                purpose="诉讼", requester=r.olga, requester_unit="名山区人民法院",
                                expires_at=in_days(3), actor=world.archie)
    do_decide_access_request(cleared, approved=True, opinion="同意,含商业秘密", actor=world.hank)
    got = olga.client.get(f"/api/access-requests/{cleared.pk}/evidence/{r.photo.pk}/copy", headers=olga.headers)
    assert got.status_code == 200
    copy = DomainEvent.objects.filter(action="access.copy", outcome="done").last()
    assert copy is not None and copy.payload["marks"] == ["commercial"]


def test_the_record_pages_link_to_their_marks(world: World, records: Records) -> None:
    r = records
    alice = client_for(world.alice)
    page = alice.get(f"/access/marks/evidence/{r.photo.pk}/").content.decode()
    assert "标记为涉密" in page
    posted = alice.post(f"/access/marks/evidence/{r.photo.pk}/", {"level": "privacy", "reason": "人脸"})
    assert posted.status_code == 302
    assert "个人隐私" in alice.get(f"/access/marks/evidence/{r.photo.pk}/").content.decode()
    assert f"/access/marks/evidence/{r.photo.pk}/" in alice.get(f"/evidence/{r.photo.pk}/").content.decode()
    assert f"/access/marks/document/{r.doc.pk}/" in alice.get(f"/documents/{r.doc.pk}/").content.decode()
