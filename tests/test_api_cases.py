"""The JSON API carries a case from complaint to archive, and refuses what it must refuse."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable

import pytest

from lawtrail.accounts.models import User
from lawtrail.cases.models import Approval, Case, CaseTransition, Complaint, Service
from lawtrail.documents.models import Document
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.testing.api import ApiClient, Reply
from lawtrail.testing.documents import handwriting_png
from lawtrail.testing.personas import World

Login = Callable[[User], ApiClient]


@pytest.fixture
def login(world: World) -> Login:
    clients: dict[int, ApiClient] = {}

    def as_user(user: User) -> ApiClient:
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return as_user


def _ok(reply: Reply, status: int = 200) -> dict:
    assert reply.status == status, reply.body
    assert isinstance(reply.body, dict)
    return reply.body


def _register_complaint(world: World, api: ApiClient) -> dict:
    return _ok(api.post("/api/complaints", {
        "unit_id": world.unit_a.pk, "kind": "complaint", "respondent_id": world.company.pk,
        "facts": "拖欠工资三个月", "complainant_name": "王五", "complainant_phone": "13800000000",
    }), 201)


def _case_from_complaint(world: World, login: Login) -> int:
    alice = login(world.alice)
    complaint = _register_complaint(world, alice)
    # 出具书面凭证或回执 is recorded before the case can move on (劳动保障 第十一条).
    _ok(alice.post(f"/api/complaints/{complaint['id']}/receipt"))
    decided = _ok(alice.post(f"/api/complaints/{complaint['id']}/decision", {
        "outcome": "accepted", "title": "某某公司拖欠工资案", "handler_id": world.alice.pk,
        "handler_opinion": "建议立案调查",
    }))
    assert decided["status"] == "accepted"
    assert len(decided["case_ids"]) == 1
    return int(decided["case_ids"][0])


def _filed_case(world: World, login: Login) -> int:
    """Filed, with andy beside alice: two officers investigate (《行政处罚法》第四十二条)."""
    case_id = _case_from_complaint(world, login)
    _ok(login(world.hank).post(f"/api/cases/{case_id}/approvals",
                               {"kind": "filing.head", "approved": True, "opinion": "同意立案"}), 201)
    _ok(login(world.alice).post(f"/api/cases/{case_id}/officers", {"officer_ids": [world.andy.pk]}))
    return case_id


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Case, Complaint, Approval, Service, CaseTransition)}


def test_it_carries_a_complaint_to_an_archived_case(world: World, login: Login) -> None:
    alice, hank, lena = login(world.alice), login(world.hank), login(world.lena)
    case_id = _case_from_complaint(world, login)
    url = f"/api/cases/{case_id}"

    case = _ok(alice.get(url))
    assert case["stage"] == "registered"
    assert case["source"] == "complaint"
    assert [(p["kind"], p["may_approve"]) for p in case["pending_approvals"]] == [("filing.head", False)]
    assert [(p["kind"], p["may_approve"]) for p in _ok(hank.get(url))["pending_approvals"]] == [
        ("filing.head", True)]

    case = _ok(hank.post(f"{url}/approvals", {"kind": "filing.head", "approved": True, "opinion": "同意立案"}), 201)
    assert case["stage"] == "filed"
    assert case["number"].startswith("测劳监立〔")

    case = _ok(alice.post(f"{url}/officers", {"officer_ids": [world.andy.pk]}))
    assert {o["id"] for o in case["officers"]} == {world.alice.pk, world.andy.pk}
    assert [m["to"] for m in case["moves"]] == ["investigating"]

    case = _ok(alice.post(f"{url}/transitions", {"to": "investigating"}))
    assert case["stage"] == "investigating"
    assert case["moves"][0]["fields"] == [{"name": "investigation_summary", "label": "调查终结报告"}]

    case = _ok(alice.post(f"{url}/transitions", {
        "to": "reviewing", "fields": {"investigation_summary": "查明拖欠工资 2 万元"}}))
    assert case["stage"] == "reviewing"
    assert case["investigation_summary"] == "查明拖欠工资 2 万元"
    assert case["may_record_decision"] is True
    # Before a penalty decision the party is told its rights (《行政处罚法》第四十四条, 第六十二条).
    notice = _ok(alice.post(f"{url}/documents", {"type": "rights_notice", "fields": {
        "rights": ["陈述权", "申辩权"], "how_told": "书面告知", "deadline_days": 3}}), 201)
    _ok(alice.post(f"/api/documents/{notice['id']}/issue", {}))
    _ok(alice.post(f"/api/documents/{notice['id']}/hand-signatures", {
        "slot": "recipient", "name": "张三", "image": base64.b64encode(handwriting_png()).decode()}), 201)

    case = _ok(alice.post(f"{url}/decision", {
        "kind": "penalty", "text": "罚款", "basis": "《劳动保障监察条例》第二十六条", "penalty_amount": "2000.50",
        "document_fields": {"evidence": ["工资台账"], "circumstances": "无"}}))
    assert case["penalty_amount"] == "2000.50"
    assert case["moves"][0]["blocked_reason"]  # the decision still awaits its approvals

    _ok(lena.post(f"{url}/approvals", {"kind": "decision.legal_review", "approved": True, "opinion": "合法"}), 201)
    case = _ok(hank.post(f"{url}/approvals", {"kind": "decision.head", "approved": True, "opinion": "同意"}), 201)
    assert case["pending_approvals"] == []
    assert case["moves"] == []  # hank approves, he does not handle the case
    assert _ok(alice.get(url))["moves"][0]["blocked_reason"] is None

    case = _ok(alice.post(f"{url}/transitions", {"to": "serving"}))
    assert case["stage"] == "serving"

    [served] = [d for d in case["servable_documents"] if d["label"].startswith("行政处罚(处理)决定书")]
    case = _ok(alice.post(f"{url}/services", {
        "document_id": served["id"], "method": "direct", "served_at": timez.now().isoformat(), "recipient": "张三"}),
        201)
    assert [s["method"] for s in case["services"]] == ["direct"]
    receipt = Document.objects.get(case_id=case_id, type_code="service_receipt")
    _ok(alice.post(f"/api/documents/{receipt.pk}/hand-signatures", {
        "slot": "recipient", "name": "张三", "image": base64.b64encode(handwriting_png()).decode()}), 201)

    case = _ok(alice.post(f"{url}/transitions", {"to": "closed", "fields": {"execution_result": "已缴纳罚款"}}))
    assert case["stage"] == "closed"
    assert case["closed_at"] and case["archive_due_at"]
    assert case["moves"] == []  # archiving is the archivist's move

    archie = login(world.archie)
    refused = archie.post(f"{url}/transitions", {"to": "archived"})  # 立卷归档 is binding the case file
    assert refused.status == 409 and refused.body["code"] == "guard_failed" and "装订案卷" in refused.body["message"]
    assert alice.post(f"{url}/case-file", {}).status == 200
    assert archie.post(f"{url}/case-file/bind", {"note": "齐全"}).status == 200
    case = _ok(alice.get(url))
    assert case["stage"] == "archived"

    timeline = alice.get(f"{url}/timeline")
    assert timeline.status == 200
    # The case's own steps, in order; the documents its steps issued are on the timeline too.
    assert [e["action"] for e in timeline.body if not e["action"].startswith("document.")] == [
        "case.register", "complaint.decide", "case.approve", "case.file", "case.assign_officers",
        "case.transition", "case.transition", "case.record_decision", "case.approve", "case.approve",
        "case.transition", "case.record_service", "case.transition", "case_file.assemble", "case_file.bind",
        "case.transition",
    ]
    issued = {e["payload"]["name"] for e in timeline.body if e["action"] == "document.issue"}
    assert issued == {"投诉(举报)登记表", "立案审批表", "调查终结报告", "权利告知书", "行政处罚(处理)报批表",
                      "行政处罚(处理)决定书", "送达回证", "结案审批表"}
    filing = next(e for e in timeline.body if e["action"] == "case.approve")
    assert filing["actor_name"] == world.hank.display_name
    assert filing["actor_role"] == "head"
    assert filing["payload"]["kind"] == "filing.head"
    # The case's own events, and those of the 登记表 its complaint's registration made before it was a case.
    complaint_id = Case.objects.get(pk=case_id).complaint_id
    on_complaint = [e for e in timeline.body
                    if e["action"].startswith("document.") and e["payload"].get("complaint_id") == complaint_id]
    assert {e["action"] for e in on_complaint} == {"document.create", "document.sign", "document.issue"}
    assert DomainEvent.objects.filter(case_id_frozen=case_id, channel="api", outcome="done").count() + len(
        on_complaint) == len(timeline.body)
    # The refused bare move is on the record too (the timeline shows what was done).
    assert DomainEvent.objects.filter(case_id_frozen=case_id, outcome="refused", action="case.transition",
                                      reason_code="guard_failed").count() == 1


def test_it_hides_another_units_case_from_bob(world: World, login: Login) -> None:
    case_id = _case_from_complaint(world, login)
    bob = login(world.bob)
    before = _counts()
    for reply in (
        bob.get(f"/api/cases/{case_id}"),
        bob.get(f"/api/cases/{case_id}/timeline"),
        bob.post(f"/api/cases/{case_id}/transitions", {"to": "filed"}),
        bob.post(f"/api/cases/{case_id}/approvals", {"kind": "filing.head", "approved": True, "opinion": "同意"}),
        bob.post(f"/api/cases/{case_id}/officers", {"officer_ids": [world.bob.pk]}),
    ):
        assert reply.status == 404, reply.body
        assert reply.code == "not_found"
    assert _counts() == before
    assert _ok(bob.get("/api/cases"))["count"] == 0
    complaint_id = Complaint.objects.get().pk
    assert bob.get(f"/api/complaints/{complaint_id}").status == 404
    assert bob.post(f"/api/complaints/{complaint_id}/supplement", {"note": "x"}).status == 404
    # The supervisor sees the whole agency.
    assert _ok(login(world.sam).get("/api/cases"))["count"] == 1


def test_it_refuses_an_invalid_id_number_and_saves_nothing(world: World, login: Login) -> None:
    before = _counts()
    parties = _ok(login(world.alice).get("/api/parties"))["count"]
    reply = login(world.alice).post("/api/parties", {
        "kind": "person", "name": "赵六", "id_number": "110105194912310020"})
    assert reply.status == 422
    assert reply.code == "invalid_id_number"
    assert reply.body["detail"] == {"field": "id_number"}
    assert reply.body["message"]
    assert _ok(login(world.alice).get("/api/parties"))["count"] == parties
    assert _counts() == before


def test_it_creates_a_party_and_finds_it(world: World, login: Login) -> None:
    from lawtrail.testing.personas import valid_id_number

    alice = login(world.alice)
    party = _ok(alice.post("/api/parties", {"kind": "person", "name": "赵六",
                                            "id_number": valid_id_number("11010519900307123")}), 201)
    assert party["kind_label"] == "自然人"
    found = _ok(alice.get("/api/parties", q="赵六"))
    assert [p["id"] for p in found["items"]] == [party["id"]]
    again = alice.post("/api/parties", {"kind": "person", "name": "赵六",
                                        "id_number": valid_id_number("11010519900307123")})
    assert (again.status, again.code) == (409, "party_exists")


def test_it_refuses_an_illegal_transition(world: World, login: Login) -> None:
    case_id = _case_from_complaint(world, login)
    before = _counts()
    reply = login(world.alice).post(f"/api/cases/{case_id}/transitions", {"to": "closed"})
    assert reply.status == 409
    assert reply.code == "illegal_transition"
    assert reply.body["detail"] == {"from": "registered", "to": "closed"}
    assert _counts() == before
    refused = DomainEvent.objects.filter(action="case.transition", outcome="refused").get()
    assert refused.reason_code == "illegal_transition"


def test_it_refuses_to_serve_a_decision_without_its_approvals(world: World, login: Login) -> None:
    alice = login(world.alice)
    case_id = _filed_case(world, login)
    url = f"/api/cases/{case_id}"
    _ok(alice.post(f"{url}/transitions", {"to": "investigating"}))
    _ok(alice.post(f"{url}/transitions", {"to": "reviewing", "fields": {"investigation_summary": "查明"}}))
    _ok(alice.post(f"{url}/decision", {"kind": "order", "text": "责令支付", "basis": "第二十六条"}))
    _ok(login(world.lena).post(f"{url}/approvals",
                               {"kind": "decision.legal_review", "approved": True, "opinion": "合法"}), 201)
    before = _counts()
    reply = alice.post(f"{url}/transitions", {"to": "serving"})
    assert reply.status == 409
    assert reply.code == "guard_failed"
    assert "负责人审批意见" in reply.body["message"]
    assert _counts() == before
    assert Case.objects.get().stage == "reviewing"


def test_it_requires_the_fields_a_move_needs(world: World, login: Login) -> None:
    alice = login(world.alice)
    case_id = _filed_case(world, login)
    _ok(alice.post(f"/api/cases/{case_id}/transitions", {"to": "investigating"}))
    reply = alice.post(f"/api/cases/{case_id}/transitions", {"to": "reviewing"})
    assert (reply.status, reply.code) == (422, "missing_field")
    assert reply.body["detail"] == {"field": "investigation_summary"}
    assert Case.objects.get().stage == "investigating"


def test_it_forbids_an_approval_by_the_wrong_person(world: World, login: Login) -> None:
    case_id = _case_from_complaint(world, login)
    before = _counts()
    reply = login(world.alice).post(f"/api/cases/{case_id}/approvals",
                                    {"kind": "filing.head", "approved": True, "opinion": "同意"})
    assert (reply.status, reply.code) == (403, "not_approver")
    assert _counts() == before


def test_it_rolls_back_a_complaint_accepted_with_an_invalid_handler(world: World, login: Login) -> None:
    alice = login(world.alice)
    complaint = _register_complaint(world, alice)
    before = _counts()
    # lena is a legal reviewer, not an officer: the case cannot be registered, so the
    # complaint must stay pending rather than "accepted" without a case.
    reply = alice.post(f"/api/complaints/{complaint['id']}/decision", {
        "outcome": "accepted", "title": "案由", "handler_id": world.lena.pk, "handler_opinion": "立案"})
    assert (reply.status, reply.code) == (422, "invalid_handler")
    assert _counts() == before
    assert _ok(alice.get(f"/api/complaints/{complaint['id']}"))["status"] == "pending"


def test_it_notifies_a_correction_once_and_accepts_the_supplement(world: World, login: Login) -> None:
    alice = login(world.alice)
    complaint = _register_complaint(world, alice)
    url = f"/api/complaints/{complaint['id']}"
    body = _ok(alice.post(f"{url}/decision", {"outcome": "correction", "missing_items": ["劳动合同", "工资条"]}))
    assert (body["status"], body["missing_items"]) == ("correction", ["劳动合同", "工资条"])
    again = alice.post(f"{url}/decision", {"outcome": "correction", "missing_items": ["考勤记录"]})
    assert (again.status, again.code) == (409, "correction_already_notified")
    assert _ok(alice.post(f"{url}/supplement", {"note": "已补交"}))["status"] == "pending"
    assert _ok(alice.get("/api/complaints", status="pending"))["count"] == 1


def test_it_answers_an_unknown_reference_with_422(world: World, login: Login) -> None:
    before = _counts()
    reply = login(world.alice).post("/api/cases", {
        "unit_id": world.unit_a.pk, "title": "案由", "source": "other", "party_id": 999999, "facts": "事实",
        "handler_id": world.alice.pk, "handler_opinion": "立案"})
    assert (reply.status, reply.code) == (422, "unknown_reference")
    assert reply.body["detail"] == {"field": "party_id", "id": 999999}
    assert _counts() == before


def test_it_registers_and_lists_cases_with_filters(world: World, login: Login) -> None:
    alice = login(world.alice)
    created = _ok(alice.post("/api/cases", {
        "unit_id": world.unit_a.pk, "title": "未签劳动合同案", "source": "other", "party_id": world.person.pk,
        "facts": "事实", "handler_id": world.alice.pk, "handler_opinion": "立案", "officer_ids": [world.andy.pk]}),
        201)
    assert created["stage"] == "registered"
    _case_from_complaint(world, login)
    today = timez.beijing(timez.now()).date().isoformat()

    def ids(**params: object) -> list[int]:
        return [c["id"] for c in _ok(alice.get("/api/cases", **params))["items"]]

    assert len(ids()) == 2
    assert ids(q="未签") == [created["id"]]
    assert ids(party="李四") == [created["id"]]
    assert len(ids(stage="registered", unit=world.unit_a.pk, handler=world.alice.pk)) == 2
    assert ids(stage="closed") == []
    assert len(ids(date_from=today, date_to=today)) == 2
    assert ids(date_from="2099-01-01") == []
    page = _ok(alice.get("/api/cases", limit=1, offset=1))
    assert page["count"] == 2 and len(page["items"]) == 1


def test_it_records_an_inspection_that_opens_a_case(world: World, login: Login) -> None:
    alice = login(world.alice)
    now = timez.now()
    body = {
        "unit_id": world.unit_a.pk, "party_id": world.company.pk, "place": "工地", "officer_ids": [world.andy.pk],
        "started_at": (now - dt.timedelta(hours=2)).isoformat(),
        "ended_at": (now - dt.timedelta(hours=1)).isoformat(),
        "findings": "未公示工资支付情况", "outcome": "open_case", "handler_opinion": "立案",
    }
    before = _counts()
    missing_title = alice.post("/api/inspections", body)
    assert (missing_title.status, missing_title.code) == (422, "missing_field")
    assert _ok(alice.get("/api/inspections"))["count"] == 0
    assert _counts() == before

    inspection = _ok(alice.post("/api/inspections", {**body, "case_title": "未公示工资案"}), 201)
    assert len(inspection["case_ids"]) == 1
    assert {o["id"] for o in inspection["officers"]} == {world.alice.pk, world.andy.pk}
    case = _ok(alice.get(f"/api/cases/{inspection['case_ids'][0]}"))
    assert (case["source"], case["inspection_id"]) == ("inspection", inspection["id"])

    naive = alice.post("/api/inspections", {**body, "started_at": "2026-01-01T08:00:00"})
    assert (naive.status, naive.code) == (422, "invalid_input")


def test_it_decides_a_simple_case_on_the_spot(world: World, login: Login) -> None:
    items = {k: "已记录" for k in ("facts_and_basis", "steps", "statement", "statement_review", "filing")}
    case = _ok(login(world.alice).post("/api/simple-cases", {
        "unit_id": world.unit_a.pk, "party_id": world.person.pk, "title": "当场处罚", "items": items,
        "decision_text": "罚款 50 元", "penalty_amount": 50, "paid_on_spot": True}), 201)
    assert (case["procedure"], case["stage"], case["penalty_amount"]) == ("simple", "closed", "50.00")
    assert case["number"].startswith("测劳监简〔")
    assert case["simple_record"]["paid_on_spot"] == "是"


def test_简易程序当场收缴罚款的实施过程随记录保存(world: World, login: Login) -> None:
    items = {k: "已记录" for k in ("facts_and_basis", "steps", "statement", "statement_review", "filing")}
    items["collection"] = "执法人员当场收缴罚款 50 元并出具罚款收据"
    case = _ok(login(world.alice).post("/api/simple-cases", {
        "unit_id": world.unit_a.pk, "party_id": world.person.pk, "title": "当场处罚", "items": items,
        "decision_text": "罚款 50 元", "penalty_amount": 50, "paid_on_spot": True}), 201)
    assert case["simple_record"]["collection"] == "执法人员当场收缴罚款 50 元并出具罚款收据"
