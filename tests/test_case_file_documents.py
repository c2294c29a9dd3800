"""The bound case file is the legal case file: each step the law ties to a 文书 makes it, and
closing, binding and archiving refuse a case whose file lacks one, saying what is missing.

Personas (lawtrail.testing.personas): alice handles the case, andy investigates with her, uma
heads her unit, hank heads the agency, lena reviews legality, archie keeps the archive.
"""

from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader

from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file
from lawtrail.archive.models import CaseFile
from lawtrail.cases import hooks, workflow
from lawtrail.cases.actions import do_decide_simple_case, do_transition_case
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case, Service
from lawtrail.documents.actions import do_create_document, do_issue_document
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import ActDocument, Document
from lawtrail.documents.steps import (
    CLOSING,
    DECISION,
    DECISION_APPROVAL,
    FILING,
    INVESTIGATION,
    act_document,
    service_act,
)
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict
from lawtrail.profiles.registry import all_profiles
from lawtrail.testing.api import ApiClient, Reply
from lawtrail.testing.documents import handwriting_png, sample_fields
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, filing_approver, register_case

PROFILES = sorted(all_profiles())
# The 文书 the bound file of a general-procedure penalty case holds, each made by its step.
STEP_DOCUMENTS = {FILING: "立案审批表", INVESTIGATION: "调查终结报告", DECISION_APPROVAL: "行政处罚(处理)报批表",
                  DECISION: "行政处罚(处理)决定书", CLOSING: "结案审批表"}


def _ok(reply: Reply, status: int = 200) -> dict:
    assert reply.status == status, reply.body
    assert isinstance(reply.body, dict)
    return reply.body


def _pdf_text(document: Document) -> str:
    reader = PdfReader(io.BytesIO(bytes(document.pdf or b"")))
    return "".join(page.extract_text() or "" for page in reader.pages).replace(" ", "")


@pytest.mark.parametrize("profile_id", PROFILES)
def test_a_general_case_walks_from_complaint_to_archive_and_its_bound_file_holds_each_required_document(
        ledger: None, profile_id: str) -> None:
    w = build_world(profile_id)
    clients: dict[int, ApiClient] = {}

    def api(user: object) -> ApiClient:
        return clients.setdefault(user.pk, ApiClient(user))  # type: ignore[attr-defined]

    alice, hank, lena, archie = api(w.alice), api(w.hank), api(w.lena), api(w.archie)
    complaint = _ok(alice.post("/api/complaints", {
        "unit_id": w.unit_a.pk, "kind": "complaint", "respondent_id": w.company.pk, "facts": "拖欠工资三个月",
        "complainant_name": "王五", "complainant_phone": "13800000000"}), 201)
    # The complainant's 书面凭证/回执 (the profiles' intake rule asks for it before the case moves on).
    _ok(alice.post(f"/api/complaints/{complaint['id']}/receipt", {}))
    decided = _ok(alice.post(f"/api/complaints/{complaint['id']}/decision", {
        "outcome": "accepted", "title": "某某公司拖欠工资案", "handler_id": w.alice.pk, "handler_opinion": "建议立案调查"}))
    case_id = int(decided["case_ids"][0])
    url = f"/api/cases/{case_id}"
    case = Case.objects.get(pk=case_id)
    opinions = {}
    for kind in workflow.required_filing_kinds(workflow.profile_of(case)):
        approver = filing_approver(w, case, kind)
        opinions[kind] = (approver.display_name, f"同意立案({approver.display_name})")
        _ok(api(approver).post(f"{url}/approvals", {"kind": kind, "approved": True, "opinion": opinions[kind][1]}), 201)
    _ok(alice.post(f"{url}/officers", {"officer_ids": [w.andy.pk]}))
    _ok(alice.post(f"{url}/transitions", {"to": "investigating"}))
    _ok(alice.post(f"{url}/transitions", {"to": "reviewing", "fields": {"investigation_summary": "查明拖欠工资 2 万元"}}))
    # Before a penalty decision the party is told its rights (《行政处罚法》第四十四条, 第六十二条).
    notice = _ok(alice.post(f"{url}/documents", {"type": "rights_notice", "fields": {
        "rights": ["陈述权", "申辩权", "听证权"], "how_told": "书面告知", "deadline_days": 3,
        "av_exempt_reason": "书面送达告知书,当事人到机关签收"}}), 201)
    _ok(alice.post(f"/api/documents/{notice['id']}/issue", {}))
    png = base64.b64encode(handwriting_png()).decode()
    _ok(alice.post(f"/api/documents/{notice['id']}/hand-signatures", {"slot": "recipient", "name": "张三", "image": png}),
        201)
    _ok(alice.post(f"{url}/decision", {
        "kind": "penalty", "text": "罚款人民币贰仟元", "basis": "《劳动保障监察条例》第二十六条", "penalty_amount": "2000.00",
        "document_fields": {"evidence": ["工资台账", "劳动者陈述"], "circumstances": "无从重从轻情形"}}))
    _ok(lena.post(f"{url}/approvals", {"kind": "decision.legal_review", "approved": True, "opinion": "合法"}), 201)
    _ok(hank.post(f"{url}/approvals", {"kind": "decision.head", "approved": True, "opinion": "同意"}), 201)
    case_out = _ok(alice.post(f"{url}/transitions", {"to": "serving"}))

    # The approved decision is issued with its 文号 and is what the service step offers.
    decision = Document.objects.get(case_id=case_id, type_code="penalty_decision")
    assert decision.status == "issued" and decision.number
    assert {"id": decision.pk, "label": f"行政处罚(处理)决定书 {decision.number}"} in case_out["servable_documents"]
    typed = alice.post(f"{url}/services", {"document": "行政处罚决定书", "method": "direct",
                                           "served_at": timez.now().isoformat(), "recipient": "张三"})
    assert typed.status == 422  # a typed name is no document
    case_out = _ok(alice.post(f"{url}/services", {"document_id": decision.pk, "method": "direct",
                                                  "served_at": timez.now().isoformat(), "recipient": "张三"}), 201)
    [service] = case_out["services"]
    assert service["document_id"] == decision.pk and decision.number in service["document"]
    receipt = act_document(case, service_act(service["id"]))
    assert receipt is not None and receipt.status == "issued"
    assert receipt.fields["documents"] == [f"行政处罚(处理)决定书 {decision.number}"]
    _ok(alice.post(f"/api/documents/{receipt.pk}/hand-signatures", {
        "slot": "recipient", "name": "张三", "image": png}), 201)

    if "follow_up_checks" in workflow.profile_of(case).rules:
        # The party's performance of the decision is checked and written down before closing.
        _ok(alice.post(f"{url}/follow-ups", {"kind": "performance", "checked_at": timez.now().isoformat(),
                                             "result": "已全额缴纳罚款", "fulfilled": True}), 201)
    _ok(alice.post(f"{url}/transitions", {"to": "closed", "fields": {"execution_result": "已缴纳罚款"}}))
    _ok(alice.post(f"{url}/case-file", {}))
    _ok(archie.post(f"{url}/case-file/bind", {"note": "齐全"}))
    assert Case.objects.get(pk=case_id).stage == Stage.ARCHIVED

    bound = CaseFile.objects.get(case_id=case_id)
    held = {i["id"]: i for i in bound.items if i["kind"] == "document"}
    for act, title in {**STEP_DOCUMENTS, service_act(service["id"]): "送达回证"}.items():
        row = ActDocument.objects.get(case_id=case_id, act=act)
        assert row.produced, act  # made by its step, not by hand
        assert held[row.document_id]["title"] == title and held[row.document_id]["number"] == row.document.number
    # Each document is in the file once.
    assert len(held) == len({(i["title"], i["number"]) for i in held.values()})
    # The 立案审批表 carries each opinion and who gave it; the handler signed it.
    filing = Document.objects.get(pk=ActDocument.objects.get(case_id=case_id, act=FILING).document_id)
    text = _pdf_text(filing)
    for name, opinion in opinions.values():
        assert opinion in text and name in text
    assert w.alice.display_name in text
    assert {(s.name, s.opinion) for s in filing.signatures.filter(kind="approval")} == set(opinions.values())
    # The decision's 报批表 carries the legal review's and the head's opinions, signed by them.
    form = act_document(case, DECISION_APPROVAL)
    assert form is not None
    assert {(s.name, s.opinion) for s in form.signatures.filter(kind="approval")} == {
        (w.lena.display_name, "合法"), (w.hank.display_name, "同意")}
    text = _pdf_text(form)
    assert "合法" in text and w.lena.display_name in text and "罚款人民币贰仟元" in text
    report = act_document(case, INVESTIGATION)
    assert report is not None and "查明拖欠工资2万元" in _pdf_text(report)
    # The complaint's 登记表 was made by its registration and is in the file too.
    register = Document.objects.get(complaint_id=complaint["id"], type_code="complaint_register")
    assert register.status == "issued" and held[register.pk]["title"] == "投诉(举报)登记表"
    # The 卷内目录 follows the profile's order: 登记表, 立案审批表 … 结案审批表.
    order = workflow.profile_of(case).case_file_order
    titles = [i["title"] for i in bound.items if i["kind"] == "document"]
    ranks = [order.index(Document.objects.get(pk=i["id"]).type_code) for i in bound.items if i["kind"] == "document"]
    assert ranks == sorted(ranks), titles
    assert titles[0] == "投诉(举报)登记表" and titles[-1] == "结案审批表"
    # What the steps made is what the ledger froze: every live record matches its latest entry.
    report = verify_ledger()
    assert report.ok, [(p.code, p.message) for p in report.problems]


def _legacy_serving_case(w: World) -> Case:
    """A case carried over from before its steps made their documents: it reached 送达执行 and
    its service was typed by hand, so it has no decision document and no 送达回证."""
    case = advance(w, register_case(w), Stage.REVIEWING)
    Case.objects.filter(pk=case.pk).update(stage=Stage.SERVING, decision_kind="penalty", decision_text="罚款",
                                           decision_basis="第二十六条", decided_at=timez.now())
    Service.objects.create(case=case, document="行政处罚决定书", method="direct", served_at=timez.now(),
                           recipient="张三", recorded_by=w.alice)
    case.refresh_from_db()
    return case


def test_closing_is_refused_without_the_decision_document_or_the_service_receipt(world: World) -> None:
    case = _legacy_serving_case(world)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已缴纳"}, actor=world.alice)
    assert err.value.code == "step_incomplete"
    assert err.value.message.startswith("不能结案,尚缺以下")
    assert "缺少已签发的行政处罚(处理)决定书" in err.value.message
    assert "「行政处罚决定书」的送达缺少送达回证" in err.value.message
    steps = {m["step"] for m in err.value.detail["missing"]}
    assert {"decision", "service"} <= steps
    assert all(m["source"] for m in err.value.detail["missing"])  # each item says which text asks for it
    assert Case.objects.get(pk=case.pk).stage == Stage.SERVING


def test_a_served_case_closes_only_once_its_receipt_is_signed(world: World) -> None:
    case = advance(world, register_case(world), Stage.SERVING)
    from lawtrail.testing.scenarios import record_service, sign_receipt

    service = record_service(case, sign=False)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已缴纳"}, actor=world.alice)
    assert "送达回证缺少受送达人(签收人)的签名" in err.value.message
    sign_receipt(case, service, actor=world.alice)
    do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已缴纳"}, actor=world.alice)
    report = act_document(case, CLOSING)
    assert report is not None and report.status == "issued" and report.fields["execution_result"] == "已缴纳"


def test_a_hand_made_filing_form_is_linked_not_made_twice(world: World) -> None:
    case = register_case(world)
    by_hand = do_create_document(case, type_code="filing_approval_form", actor=world.alice)
    by_hand = do_issue_document(by_hand, actor=world.alice)
    advance(world, case, Stage.FILED)
    assert list(Document.objects.filter(case=case, type_code="filing_approval_form")) == [by_hand]
    row = ActDocument.objects.get(case=case, act=FILING)
    assert row.document_id == by_hand.pk and not row.produced
    # The step's opinion is signed onto it.
    assert by_hand.signatures.filter(kind="approval", name=world.hank.display_name, opinion="同意立案").exists()


def test_a_simple_procedure_case_is_not_archived_while_a_blocking_finding_stands(db: None) -> None:
    w = build_world("labor-inspection")
    case = do_decide_simple_case(
        unit=w.unit_a, party=w.company, title="未公示投诉电话", officers=[w.andy], penalty_amount=None,
        paid_on_spot=False, decision_text="警告", actor=w.alice,
        items={"facts_and_basis": "现场发现;第三十条", "steps": "出示证件", "statement": "无异议",
               "statement_review": "无需复核", "filing": "已备案"})
    # The on-the-spot decision is issued, but the party has neither signed it nor refused to.
    on_spot = do_create_document(case, type_code="on_the_spot_penalty_decision", actor=w.alice)
    fields = sample_fields(get_type("on_the_spot_penalty_decision"), prefilled=on_spot.fields)
    from lawtrail.documents.actions import do_update_document

    on_spot = do_issue_document(do_update_document(on_spot, fields=fields, actor=w.alice), actor=w.alice)
    case_file = do_assemble_case_file(case, actor=w.alice)
    with pytest.raises(Conflict) as err:
        do_bind_case_file(case_file, actor=w.archie)
    assert err.value.message.startswith("不能装订案卷,尚缺以下")
    assert "当场行政处罚决定书缺少当事人的签名" in err.value.message
    assert Case.objects.get(pk=case.pk).stage == Stage.CLOSED
    assert hooks.missing_for(case, hooks.ARCHIVE)  # archiving asks the same


def test_a_correction_may_not_make_a_steps_document_say_other_than_its_step(world: World, ledger: None) -> None:
    from lawtrail.documents.actions import do_correct_document
    from lawtrail.lib.errors import InvalidInput

    case = advance(world, register_case(world), Stage.SERVING)
    decision = act_document(case, DECISION)
    assert decision is not None and decision.status == "issued"
    with pytest.raises(InvalidInput) as err:
        do_correct_document(decision, reason="改罚款", fields={"penalty_amount": "1"}, actor=world.alice)
    assert err.value.code == "step_owned_field" and err.value.detail == {"field": "penalty_amount"}
    assert "拟定处理决定" in err.value.message
    # What the step does not hold may be corrected through the version chain.
    corrected = do_correct_document(decision, reason="履行方式表述有误", fields={"performance": "十五日内缴纳"},
                                    actor=world.alice)
    corrected = do_issue_document(corrected, actor=world.alice)
    assert act_document(case, DECISION) == corrected and corrected.number == decision.number
    # The superseded version is frozen as superseded: the ledger and the live rows agree.
    report = verify_ledger()
    assert report.ok, [(p.code, p.message) for p in report.problems]
