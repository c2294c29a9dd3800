"""决定后的跟进: the party's 履行情况 checked and written down, a 责令改正 checked by its 期限 (复查),
an overdue check flagged citing the article, the court's 受理 and its enforcement result recorded —
entered in the UI and API, carried by the bundle, checked by the engine.

Personas (lawtrail.testing.personas): alice handles the case, andy works on it with her, bob is of
another unit and must not record anything on it, hank is the agency's head."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.test import Client

from lawtrail.cases.actions import do_record_follow_up, do_schedule_follow_up, do_transition_case
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case, FollowUp
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.engine import BLOCKING, WARNING, evaluate
from lawtrail.compliance.export import export_case
from lawtrail.compliance.queries import case_findings
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, record_service, register_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def commission(db: None) -> World:
    """An agency under the commission's rules (第十七条: 履行情况检查、按期整改核查)."""
    return build_world("commission-rules", "测试区卫生健康委员会")


def serving_case(world: World) -> Case:
    case = advance(world, register_case(world), Stage.SERVING)
    record_service(case)
    case.refresh_from_db()
    return case


def follow_up_findings(case: Case, now: dt.datetime | None = None) -> list:
    return [f for f in case_findings(case, now=now) if f.rule in ("follow_up_checks", "court_enforcement_record")]


def test_作出决定后应当检查履行情况并记录_未记录不能结案并引用第十七条(commission: World) -> None:
    case = serving_case(commission)
    [finding] = follow_up_findings(case)
    assert finding.severity == BLOCKING and finding.article == "第十七条" and "履行" in finding.message
    with pytest.raises(Conflict) as refused:
        do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已缴纳罚款"}, actor=commission.alice)
    assert "履行" in refused.value.message
    do_record_follow_up(case, kind="performance", checked_at=timez.now(), result="当事人已缴纳罚款",
                        fulfilled=True, actor=commission.alice)
    assert follow_up_findings(case) == []
    do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已缴纳罚款"}, actor=commission.alice)


def test_依法责令改正的应当按期核查_期限已过仍未核查的标示逾期并阻止结案(commission: World) -> None:
    case = serving_case(commission)
    do_record_follow_up(case, kind="performance", checked_at=timez.now(), result="已缴纳罚款", fulfilled=True,
                        actor=commission.alice)
    today = timez.beijing(timez.now()).date()
    due = do_schedule_follow_up(case, kind="rectification", due_on=today + dt.timedelta(days=10),
                                actor=commission.alice)
    assert follow_up_findings(case) == []  # before its date nothing is late
    later = timez.now() + dt.timedelta(days=13)
    [finding] = follow_up_findings(case, now=later)
    assert (finding.severity, finding.article, finding.subject) == (BLOCKING, "第十七条", f"followup-{due.pk}")
    assert "已过" in finding.message and "整改核查" in finding.message
    # The API and the 待办 say it is overdue, once its day has passed.
    import time_machine

    with time_machine.travel(later):
        body = ApiClient(commission.alice).get(f"/api/cases/{case.pk}").body
        assert [f["overdue"] for f in body["follow_ups"] if f["kind"] == "rectification"] == [True]
        from lawtrail.compliance import store
        from lawtrail.compliance.queries import deadline_warnings

        store.refresh_case(case)
        assert [(d.label, d.state) for d in deadline_warnings(commission.alice)
                if d.case_id == case.pk] == [("整改核查", "overdue")]


def test_整改核查晚于期限的是不可挽回的逾期_须说明原因并经负责人确认(commission: World) -> None:
    case = serving_case(commission)
    do_record_follow_up(case, kind="performance", checked_at=timez.now(), result="已缴纳罚款", fulfilled=True,
                        actor=commission.alice)
    yesterday = timez.beijing(timez.now()).date() - dt.timedelta(days=1)
    due = do_schedule_follow_up(case, kind="rectification", due_on=yesterday - dt.timedelta(days=2),
                                actor=commission.alice)
    checked = do_record_follow_up(case, kind="rectification", checked_at=timez.now(), result="复查:已整改",
                                  fulfilled=True, actor=commission.alice)
    assert checked.pk == due.pk and checked.due_on == due.due_on  # the check fills the pending one
    [finding] = follow_up_findings(case)
    assert finding.lapse and finding.severity == BLOCKING and "未按期" in finding.message

    from lawtrail.compliance.actions import do_acknowledge_lapse, do_explain_lapse

    do_explain_lapse(case, rule="follow_up_checks", subject=f"followup-{due.pk}", reason="整改期间当事人停业",
                     actor=commission.alice)
    note = case.lapse_notes.get()
    do_acknowledge_lapse(note, opinion="同意", actor=commission.hank)
    [finding] = follow_up_findings(case)
    assert finding.severity == WARNING and "整改期间当事人停业" in finding.message


def test_责令改正的决定未登记整改期限的须登记(commission: World) -> None:
    bundle = bundles.example("commission-rules")
    bundle["case"]["decision_kind"] = "order"
    findings = [f for f in evaluate(bundle, get_profile("commission-rules"), now=timez.now())
                if f.rule == "follow_up_checks"]
    assert [f.message for f in findings] == ["责令改正的决定未登记整改期限:请登记整改期限,并按期核查改正情况"]


def test_申请法院强制执行的应当保存受理通知书并记录执行结果() -> None:
    profile = get_profile("labor-inspection")
    bundle = bundles.example("labor-inspection")
    assert [f for f in evaluate(bundle, profile, now=timez.now()) if f.rule == "court_enforcement_record"] == []
    bundle["follow_ups"] = [f for f in bundle["follow_ups"] if f["kind"] != "court_result"]
    [finding] = [f for f in evaluate(bundle, profile, now=timez.now()) if f.rule == "court_enforcement_record"]
    assert finding.article == "第三十一条" and finding.severity == BLOCKING and "法院强制执行结果" in finding.message
    assert finding.blocks == ("closed", "archived")
    del bundle["follow_ups"]
    [finding] = [f for f in evaluate(bundle, profile, now=timez.now()) if f.rule == "court_enforcement_record"]
    assert "法院受理通知书、法院强制执行结果" in finding.message


def test_跟进记录写入领域事件(commission: World) -> None:
    case = serving_case(commission)
    before = DomainEvent.objects.count()
    due_on = timez.beijing(timez.now()).date() + dt.timedelta(days=5)
    do_schedule_follow_up(case, kind="rectification", due_on=due_on, actor=commission.alice)
    do_record_follow_up(case, kind="rectification", checked_at=timez.now(), result="复查合格", fulfilled=True,
                        actor=commission.andy)
    events = list(DomainEvent.objects.order_by("pk")[before:])
    assert [e.action for e in events] == ["case.schedule_follow_up", "case.record_follow_up"]
    assert events[0].payload["due_on"] == due_on.isoformat()
    assert events[1].payload["result"] == "复查合格" and events[1].payload["fulfilled"] is True
    assert events[1].case_id_frozen == case.pk


def test_决定前和他人不能记录跟进(commission: World) -> None:
    case = advance(commission, register_case(commission), Stage.INVESTIGATING)
    with pytest.raises(Conflict) as early:
        do_record_follow_up(case, kind="performance", checked_at=timez.now(), result="x", fulfilled=True,
                            actor=commission.alice)
    assert early.value.code == "wrong_stage"
    case = serving_case(commission)
    with pytest.raises(Forbidden):
        do_record_follow_up(case, kind="performance", checked_at=timez.now(), result="x", fulfilled=True,
                            actor=commission.bob)
    with pytest.raises(InvalidInput) as no_verdict:
        do_record_follow_up(case, kind="performance", checked_at=timez.now(), result="x", actor=commission.alice)
    assert no_verdict.value.code == "missing_field"
    assert not FollowUp.objects.filter(case=case).exists()


def test_接口登记整改期限和复查_错误有稳定的代码(commission: World) -> None:
    case = serving_case(commission)
    api = ApiClient(commission.alice)
    due_on = (timez.beijing(timez.now()).date() + dt.timedelta(days=7)).isoformat()
    reply = api.post(f"/api/cases/{case.pk}/follow-up-dues", {"kind": "rectification", "due_on": due_on})
    assert reply.status == 201 and reply.body["may_record_follow_up"] is True
    assert [(f["kind"], f["due_on"], f["checked_at"]) for f in reply.body["follow_ups"]] == [
        ("rectification", due_on, None)]
    reply = api.post(f"/api/cases/{case.pk}/follow-ups", {
        "kind": "rectification", "checked_at": timez.now().isoformat(), "result": "复查合格", "fulfilled": True})
    assert reply.status == 201 and reply.body["follow_ups"][0]["result"] == "复查合格"
    reply = api.post(f"/api/cases/{case.pk}/follow-ups", {
        "kind": "performance", "checked_at": timez.now().isoformat(), "result": "检查"})
    assert (reply.status, reply.code) == (422, "missing_field")
    reply = ApiClient(commission.bob).post(f"/api/cases/{case.pk}/follow-ups", {
        "kind": "court_result", "checked_at": timez.now().isoformat(), "result": "执行完毕"})
    assert reply.status in (403, 404)
    assert FollowUp.objects.filter(case=case).count() == 1


def test_页面上记录履行情况检查(commission: World) -> None:
    case = serving_case(commission)
    client = Client()
    client.force_login(commission.alice)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "记录履行、整改核查(复查)或法院受理、执行结果" in page and "登记履行或整改期限" in page
    now = timez.beijing(timez.now()).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/cases/{case.pk}/follow_up/", {
        "kind": "performance", "checked_at": now, "result": "当事人已缴纳罚款", "fulfilled": "yes"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="follow-ups"' in page and "已履行/整改到位" in page and "当事人已缴纳罚款" in page
    response = client.post(f"/cases/{case.pk}/follow_up/", {"kind": "performance", "checked_at": now,
                                                                 "result": "再查"})
    assert response.status_code == 400 and "请选择是否已履行或整改到位" in response.content.decode()


def test_跟进记录随案件数据包往返(commission: World) -> None:
    from lawtrail.compliance.actions import do_import_bundle

    example = bundles.example("commission-rules")
    case = do_import_bundle(copy.deepcopy(example), actor=commission.root)
    exported = bundles.validate(export_case(case))
    assert [{k: v for k, v in f.items() if k != "id"} for f in exported["follow_ups"]] == \
        [{k: v for k, v in f.items() if k != "id"} for f in example["follow_ups"]]
    assert [f.as_dict() for f in case_findings(case)] == []


def test_数据包中不存在的整改期限日期被拒绝并指出位置() -> None:
    bundle = bundles.example("commission-rules")
    bundle["follow_ups"][0]["due_on"] = "2025-02-30"
    with pytest.raises(bundles.BundleError) as refused:
        bundles.validate(bundle)
    assert refused.value.detail["path"] == "$.follow_ups[0].due_on"
