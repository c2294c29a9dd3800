"""日常巡视检查 that opened no case end in documents of their own (劳动保障监察 第九条: 检查记录,
限期责令改正决定书 or 建议书), made from the catalogue on the patrol; the documents are signed by the
officers and confirmed by the party (第十条, 第七条), and the patrol rules check both on the patrol.

Personas (lawtrail.testing.personas): alice and andy patrol in unit A; bob is of unit B and may
neither see nor write unit A's patrol documents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lawtrail.cases.actions import do_record_inspection
from lawtrail.cases.models import Inspection
from lawtrail.compliance.agency import check_agency, patrol_findings
from lawtrail.documents.actions import (
    do_create_document,
    do_issue_document,
    do_record_hand_signature,
    do_sign_document,
)
from lawtrail.documents.models import Document
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.api import ApiClient
from lawtrail.testing.documents import handwriting_png
from lawtrail.testing.personas import World

pytestmark = pytest.mark.django_db

LABOUR = get_profile("labor-inspection")
DOCUMENT_RULES = ("patrol_outcome_documents", "patrol_signatures", "patrol_party_confirmation")


def patrol_of(world: World, outcome: str = "record") -> Inspection:
    start = timez.now().replace(microsecond=0) - dt.timedelta(hours=2)
    return do_record_inspection(
        unit=world.unit_a, party=world.company, place="名山区某工地", started_at=start,
        ended_at=start + dt.timedelta(minutes=40), officers=[world.alice, world.andy], findings="工资台账齐全",
        outcome=outcome, rectification_deadline=(timez.now() + dt.timedelta(days=15)).date()
        if outcome == "rectification" else None, arrival_filmed=True, departure_filmed=True,
        credentials_shown=True, actor=world.alice)


def document_findings(inspection: Inspection) -> list[tuple[str, str, str]]:
    return [(f.rule, f.article, f.message) for f in patrol_findings([inspection])[inspection.pk]
            if f.rule in DOCUMENT_RULES]


def check_record(world: World, inspection: Inspection) -> Document:
    start = timez.beijing(inspection.started_at)
    return do_create_document(inspection, type_code="check_record", fields={
        "started_at": start.isoformat(), "ended_at": timez.beijing(inspection.ended_at).isoformat(),
        "items": ["工资支付台账"], "findings": "台账齐全", "av_recorded": "自到达检查地点起全程录像未中断",
        "credentials_shown": "已向被检查单位负责人出示执法证件"},
        actor=world.alice)


def test_巡查文书归属无案件的巡查_按巡查预填并记录事件(world: World) -> None:
    inspection = patrol_of(world)
    before = DomainEvent.objects.count()
    doc = check_record(world, inspection)
    assert (doc.inspection_id, doc.case_id, doc.complaint_id) == (inspection.pk, None, None)
    assert doc.fields["place"] == "名山区某路1号"  # the inspected unit's address, from the patrol's party
    [event] = DomainEvent.objects.order_by("pk")[before:]
    assert event.action == "document.create" and event.payload["inspection_id"] == inspection.pk
    with pytest.raises(InvalidInput) as wrong:
        do_create_document(inspection, type_code="inquiry_record", actor=world.alice)
    assert wrong.value.code == "not_patrol_document"
    with pytest.raises(Forbidden) as other:
        do_create_document(inspection, type_code="check_record", actor=world.bob)
    assert other.value.code in ("other_agency", "not_patrol_officer")


def test_巡查结束未签发处理结果对应的文书的_引用第九条指出(world: World) -> None:
    inspection = patrol_of(world, outcome="rectification")
    [(rule, article, message)] = document_findings(inspection)
    assert (rule, article) == ("patrol_outcome_documents", "第九条")
    assert "未制作《劳动保障监察限期责令改正决定书》" in message
    # A 检查记录 is not the outcome's document: the rectification order is still wanted.
    doc = check_record(world, inspection)
    do_issue_document(doc, actor=world.alice)
    assert [r for r, _, _ in document_findings(inspection) if r == "patrol_outcome_documents"] == [
        "patrol_outcome_documents"]


def test_巡查文书缺检查人员签名或当事人签字确认的_引用第十条和第七条指出_补签后通过(world: World) -> None:
    inspection = patrol_of(world)
    doc = do_issue_document(check_record(world, inspection), actor=world.alice)
    found = document_findings(inspection)
    assert [(r, a) for r, a, _ in found] == [("patrol_signatures", "第十条"), ("patrol_party_confirmation", "第七条")]
    assert "检查人员签名0人,应有2人" in found[0][2] and "被检查单位负责人签字确认" in found[1][2]
    do_sign_document(doc, slot="officers", actor=world.alice)
    do_sign_document(doc, slot="officers", actor=world.andy)
    with pytest.raises(Forbidden):
        do_sign_document(doc, slot="officers", actor=world.bob)
    do_record_hand_signature(doc, slot="party", name="张三", image=handwriting_png(), actor=world.alice)
    assert document_findings(inspection) == []


def test_立案的巡查文书在案件中制作_不在巡查上重复检查(world: World) -> None:
    start = timez.now().replace(microsecond=0) - dt.timedelta(hours=2)
    inspection = do_record_inspection(
        unit=world.unit_a, party=world.company, place="名山区某工地", started_at=start,
        ended_at=start + dt.timedelta(minutes=40), officers=[world.alice, world.andy], findings="拖欠工资",
        outcome="open_case", case_title="拖欠工资案", handler_opinion="建议立案", arrival_filmed=True,
        departure_filmed=True, credentials_shown=True, actor=world.alice)
    assert document_findings(inspection) == []
    with pytest.raises(Conflict) as refused:
        check_record(world, inspection)
    assert refused.value.code == "inspection_has_case"


def test_巡查文书规则只在规定了它的机关适用() -> None:
    patrol = {"id": 1, "label": "巡查", "started_at": "2026-03-02T09:00:00+08:00",
              "ended_at": "2026-03-02T10:00:00+08:00", "arrival_filmed": True, "departure_filmed": True,
              "credentials_shown": True, "footage": [], "outcome": "record", "has_case": False, "documents": []}
    snapshot = {"profile": "agriculture", "from": "2026-03-01", "to": "2026-03-31", "patrols": [patrol]}
    assert check_agency(snapshot, get_profile("agriculture")) == []
    rules = {f.rule for f in check_agency({**snapshot, "profile": LABOUR.id}, LABOUR)}
    assert "patrol_outcome_documents" in rules


def test_巡查页面列出巡查文书并可从目录制作_接口制作和列出(world: World) -> None:
    inspection = patrol_of(world)
    client = Client()
    client.force_login(world.alice)
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert 'id="inspection-documents"' in page and "制作检查记录" in page and "尚未制作巡查文书" in page
    assert "未制作《劳动保障监察检查记录》" in page  # the patrol rules' findings, in Chinese with the article
    new = client.get(f"/inspections/{inspection.pk}/documents/new/check_record/")
    assert new.status_code == 200 and "日常巡视检查" in new.content.decode()
    assert client.get(f"/inspections/{inspection.pk}/documents/new/inquiry_record/").status_code == 404

    api = ApiClient(world.alice)
    reply = api.post(f"/api/inspections/{inspection.pk}/documents", {"type": "check_record", "fields": {
        "items": ["工资支付台账"], "findings": "台账齐全", "av_recorded": "全程录像"}})
    assert reply.status == 201 and reply.body["inspection_id"] == inspection.pk and reply.body["case_id"] is None
    listed = api.get(f"/api/inspections/{inspection.pk}/documents").body
    assert [d["id"] for d in listed] == [reply.body["id"]]
    wrong = api.post(f"/api/inspections/{inspection.pk}/documents", {"type": "inquiry_record", "fields": {}})
    assert (wrong.status, wrong.code) == (422, "not_patrol_document")
    assert ApiClient(world.bob).get(f"/api/inspections/{inspection.pk}/documents").status == 404
    assert ApiClient(world.bob).get(f"/api/documents/{reply.body['id']}").status == 404
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert "检查记录" in page and "草稿" in page
    detail = client.get(f"/documents/{reply.body['id']}/")
    assert detail.status_code == 200 and f"/inspections/{inspection.pk}/" in detail.content.decode()


def test_已签发的巡查文书不能改归其他巡查或案件_数据库拒绝(world: World) -> None:
    from django.db import transaction

    inspection, other = patrol_of(world), patrol_of(world)
    doc = do_issue_document(check_record(world, inspection), actor=world.alice)
    with pytest.raises(Exception, match="immutable"), transaction.atomic():
        Document.objects.filter(pk=doc.pk).update(inspection_id=other.pk)
    assert Document.objects.get(pk=doc.pk).inspection_id == inspection.pk


def test_巡查检查记录记载的时间与巡查录像起止时间不一致的_引用第十条指出() -> None:
    def item(started: str, ended: str) -> dict[str, object]:
        return {"id": 1, "label": "巡查", "started_at": "2026-03-02T09:00:00+08:00",
                "ended_at": "2026-03-02T10:00:00+08:00", "arrival_filmed": True, "departure_filmed": True,
                "credentials_shown": True, "footage": [["2026-03-02T09:00:00+08:00", "2026-03-02T10:00:00+08:00"]],
                "outcome": "record", "has_case": False, "documents": [{
                    "id": 7, "type": "check_record", "name": "检查记录", "status": "issued",
                    "fields": {"started_at": started, "ended_at": ended}, "signers": [], "signatures": []}]}

    def findings(started: str, ended: str) -> list[tuple[str, str, str]]:
        snapshot = {"profile": LABOUR.id, "from": "2026-03-01", "to": "2026-03-31", "patrols": [item(started, ended)]}
        return [(f.rule, f.article, f.message) for f in check_agency(snapshot, LABOUR)]

    assert findings("2026-03-02T09:03:00+08:00", "2026-03-02T09:58:00+08:00") == []
    [(rule, article, message)] = findings("2026-03-02T09:30:00+08:00", "2026-03-02T10:00:00+08:00")
    assert (rule, article) == ("patrol_document_times", "第十条")
    assert "《检查记录》记载的时间 09:30–10:00 与巡查录像的起止时间 09:00–10:00 相差超过5分钟" in message
