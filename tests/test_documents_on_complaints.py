"""Intake documents (登记表, 一次性补证告知书, 不予受理决定书) made on a complaint before — or
without — a case: made by the complaint's steps (registering it issues its 登记表; deciding it
drafts or issues the 不予受理决定书 or 一次性补证告知书), pre-filled from the complaint, numbered
like any other, seen by whoever sees the complaint, and on the case's timeline once the
complaint becomes a case."""

from __future__ import annotations

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from lawtrail.cases.actions import do_decide_complaint, do_register_complaint
from lawtrail.cases.models import Complaint
from lawtrail.cases.queries import timeline
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.models import Document
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Forbidden, InvalidInput
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def complaint(world: World, *, rejected: bool = False) -> Complaint:
    c = do_register_complaint(unit=world.unit_a, kind="complaint", respondent=world.company,
                              facts="拖欠三名工人2026年3月工资\n共计人民币一万二千元", complainant_name="王五",
                              complainant_phone="13800000000", actor=world.alice)
    if rejected:
        c = do_decide_complaint(c, outcome="not_accepted", reason="不属于本机关管辖", actor=world.alice)
    return c


def non_acceptance(world: World, c: Complaint) -> Document:
    # Deciding the complaint drafted it: the 法律依据 is the officer's to give before it is issued.
    doc = Document.objects.get(complaint=c, type_code="non_acceptance_decision")
    assert doc.is_draft
    return do_update_document(doc, fields={"legal_basis": "《劳动保障监察条例》第十三条",
                                           "remedy": "如不服本决定,可在六十日内申请行政复议"}, actor=world.alice)


def test_it_prefills_an_intake_document_from_the_complaint_and_issues_it_without_a_case(world: World) -> None:
    c = complaint(world, rejected=True)
    doc = non_acceptance(world, c)
    assert doc.case_id is None and doc.complaint_id == c.pk
    assert doc.fields["addressee"] == "王五" and doc.fields["received_on"] == "2026-04-20"
    assert doc.fields["matter"] == "拖欠三名工人2026年3月工资" and doc.fields["reasons"] == "不属于本机关管辖"
    issued = do_issue_document(doc, actor=world.alice)
    assert issued.status == "issued" and issued.number == "测劳监不受〔2026〕1号" and issued.pdf_sha256
    events = list(DomainEvent.objects.filter(object_type="documents.document", object_id=str(doc.pk)).order_by("id"))
    assert [e.action for e in events] == ["document.create", "document.update", "document.issue"]
    assert {e.case_id_frozen for e in events} == {None}
    assert {e.payload["complaint_id"] for e in events} == {c.pk}
    # The numbering is the agency's, per year and type: the next one follows.
    second = do_issue_document(non_acceptance(world, complaint(world, rejected=True)), actor=world.alice)
    assert second.number == "测劳监不受〔2026〕2号"


def test_the_register_form_is_prefilled_with_complainant_party_facts_time_and_officer(world: World) -> None:
    doc = do_create_document(complaint(world), type_code="complaint_register", actor=world.andy)
    f = doc.fields
    assert f["complainant"] == "王五" and f["complainant_phone"] == "13800000000"
    assert f["party_name"] == "某某建筑劳务有限公司" and f["matters"].startswith("拖欠三名工人")
    assert f["received_at"] == "2026-04-20T09:30:00+08:00" and f["registrar"] == "安迪"


def test_it_refuses_a_non_intake_document_on_a_complaint(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        do_create_document(complaint(world), type_code="inquiry_record", actor=world.alice)
    assert err.value.code == "not_intake_document" and "询问" in err.value.message


def test_only_who_may_decide_the_complaint_makes_its_documents_and_who_sees_it_sees_them(world: World) -> None:
    c = complaint(world)
    with pytest.raises(Forbidden):
        do_create_document(c, type_code="correction_notice", actor=world.bob)  # the other unit
    with pytest.raises(Forbidden):
        do_create_document(c, type_code="correction_notice", actor=world.lena)  # no field role
    doc = do_create_document(c, type_code="correction_notice", actor=world.uma)  # the unit's head
    register = Document.objects.get(complaint=c, type_code="complaint_register")  # made by the registration
    assert set(Document.objects.restrict(world.alice)) == {doc, register}
    assert not Document.objects.restrict(world.bob).exists()


def test_an_accepted_complaints_documents_show_on_the_case_timeline(world: World) -> None:
    c = complaint(world)
    # Registering the complaint issued its 登记表, signed by the officer who registered it.
    doc = Document.objects.get(complaint=c, type_code="complaint_register")
    assert doc.status == "issued" and doc.number == "测劳监登〔2026〕1号"
    assert [s.name for s in doc.signatures.filter(slot="registrar")] == [world.alice.display_name]
    do_decide_complaint(c, outcome="accepted", title="拖欠工资", handler=world.alice,
                        handler_opinion="建议立案", actor=world.alice)
    case = c.cases.get()
    assert list(Document.objects.of_case(case)) == [doc]
    actions = [(e.action, e.object_type) for e in timeline(case)]
    assert ("document.issue", "documents.document") in actions and ("case.register", "cases.case") in actions
    page = Client()
    page.force_login(world.alice)
    html = page.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/documents/{doc.pk}/"' in html and "投诉(举报)登记表" in html


def test_the_complaint_page_offers_the_intake_documents_and_the_form_saves_one(world: World) -> None:
    c = complaint(world, rejected=True)
    web = Client()
    web.force_login(world.alice)
    page = web.get(f"/complaints/{c.pk}/").content.decode()
    assert 'id="complaint-documents"' in page
    assert f'href="/complaints/{c.pk}/documents/new/non_acceptance_decision/"' in page
    form = web.get(f"/complaints/{c.pk}/documents/new/non_acceptance_decision/")
    assert form.status_code == 200 and "王五" in form.content.decode()
    assert web.get(f"/complaints/{c.pk}/documents/new/inquiry_record/").status_code == 404
    fields = {"addressee": "王五", "received_on": "2026-04-20", "matter": "拖欠工资", "reasons": "不属于本机关管辖",
              "legal_basis": "《劳动保障监察条例》第十三条", "remedy": "可申请行政复议", "issued_on": "2026-04-20"}
    r = web.post(f"/complaints/{c.pk}/documents/new/non_acceptance_decision/",
                 {**{f"f-{k}": v for k, v in fields.items()}, "issue": "1"})
    doc = Document.objects.get(complaint=c, type_code="non_acceptance_decision", status="issued")
    assert r.status_code == 302 and r["Location"] == f"/documents/{doc.pk}/" and doc.status == "issued"
    detail = web.get(f"/documents/{doc.pk}/").content.decode()
    assert f'href="/complaints/{c.pk}/"' in detail
    assert Client().get(f"/documents/{doc.pk}/").status_code == 302  # not signed in
    other = Client()
    other.force_login(world.bob)
    assert other.get(f"/documents/{doc.pk}/").status_code == 404


def test_a_complaints_decision_issues_its_document_once_it_has_what_only_the_officer_knows(world: World) -> None:
    c = complaint(world)
    do_decide_complaint(c, outcome="correction", missing_items=["劳动合同复印件", "工资条"],
                        document_fields={"deadline_days": "15"}, actor=world.alice)
    notice = Document.objects.get(complaint=c, type_code="correction_notice")
    assert notice.status == "issued" and notice.fields["missing_items"] == ["劳动合同复印件", "工资条"]
    assert notice.fields["deadline_days"] == 15
    # A non-acceptance given its 法律依据 is issued with the law's remedy wording.
    other = complaint(world)
    do_decide_complaint(other, outcome="not_accepted", reason="不属于本机关管辖",
                        document_fields={"legal_basis": "《劳动保障监察条例》第十三条"}, actor=world.alice)
    decision = Document.objects.get(complaint=other, type_code="non_acceptance_decision")
    assert decision.status == "issued" and "六十日内" in decision.fields["remedy"]
    assert Document.objects.filter(complaint=other).count() == 2  # its 登记表 and this, each once


def test_the_api_makes_and_lists_a_complaints_documents(world: World) -> None:
    c = complaint(world, rejected=True)
    api = ApiClient(world.alice)
    r = api.post(f"/api/complaints/{c.pk}/documents", {"type": "non_acceptance_decision"})
    assert r.status == 201, r.body
    assert r.body["case_id"] is None and r.body["complaint_id"] == c.pk and r.body["fields"]["addressee"] == "王五"
    listed = api.get(f"/api/complaints/{c.pk}/documents").body
    made_by_steps = Document.objects.filter(complaint=c).exclude(pk=r.body["id"])
    assert {d["type"] for d in listed if d["id"] != r.body["id"]} == {"complaint_register", "non_acceptance_decision"}
    assert sorted(d["id"] for d in listed) == sorted([r.body["id"], *made_by_steps.values_list("pk", flat=True)])
    wrong = api.post(f"/api/complaints/{c.pk}/documents", {"type": "inquiry_record"})
    assert (wrong.status, wrong.code) == (422, "not_intake_document")
    assert ApiClient(world.bob).get(f"/api/complaints/{c.pk}/documents").status == 404


def test_the_complaint_page_decides_it_and_the_step_issues_the_non_acceptance_with_its_basis(world: World) -> None:
    c = complaint(world)
    web = Client()
    web.force_login(world.alice)
    r = web.post(f"/complaints/{c.pk}/", {"outcome": "not_accepted", "reason": "不属于本机关管辖",
                                          "legal_basis": "《劳动保障监察条例》第十三条"})
    assert r.status_code == 302
    decision = Document.objects.get(complaint=c, type_code="non_acceptance_decision")
    assert decision.status == "issued" and decision.fields["legal_basis"] == "《劳动保障监察条例》第十三条"
    assert decision.fields["reasons"] == "不属于本机关管辖"
