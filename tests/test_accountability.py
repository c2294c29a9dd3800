"""责任追究: a violation of the 全过程记录 rules — a compliance finding on a case, or one supervision
found — becomes a record of the officer responsible, the article and 情形 applied, what was found and
the outcome the text names (责令改正, 通报批评 …), who decided and when; the agency reads them as a
report. Labour rules 第三十八条 (the world's profile).

Personas (lawtrail.testing.personas): sam supervises the agency, hank is its head, uma heads unit A
(alice's and andy's), alice handles cases, bob is an officer of unit B, lena reviews legality."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.test import Client

from lawtrail.accountability.actions import do_record_accountability
from lawtrail.accountability.models import AccountabilityRecord
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.export import export_case
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.lib.errors import Forbidden, InvalidInput
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import register_case

pytestmark = pytest.mark.django_db

NOT_MADE = "不制作或不按要求制作行政执法全过程记录的"


def today() -> dt.date:
    return timez.beijing(timez.now()).date()


def record(world: World, *, actor=None, officer=None, outcome: str = "责令改正", **extra):  # type: ignore[no-untyped-def]
    return do_record_accountability(
        officer=officer or world.alice, situation=NOT_MADE, finding="询问笔录未记载执法证号", outcome=outcome,
        decided_by_name="局长办公会", decided_on=today(), actor=actor or world.sam, **extra)


def test_违反全过程记录规定的形成责任追究记录_载明责任人条款认定和处理结果(world: World) -> None:
    before = DomainEvent.objects.count()
    r = record(world)
    assert (r.officer_name, r.officer_cert_no, r.article, r.situation, r.outcome, r.source) == (
        "艾丽", world.alice.cert_no, "第三十八条", NOT_MADE, "责令改正", "supervision")
    assert r.decided_by_name == "局长办公会" and r.recorded_by_name == "山姆" and "名山区" in r.source_text
    [event] = DomainEvent.objects.order_by("pk")[before:]
    assert event.action == "accountability.record"
    assert event.payload["article"] == "第三十八条" and event.payload["outcome"] == "责令改正"
    assert event.payload["officer"] == "艾丽"


def test_处理结果只能是条文规定的方式_情形只能是条文所列(world: World) -> None:
    with pytest.raises(InvalidInput) as bad_outcome:
        record(world, outcome="记大过")
    assert bad_outcome.value.code == "invalid_outcome" and "通报批评" in bad_outcome.value.message
    with pytest.raises(InvalidInput) as bad_situation:
        do_record_accountability(officer=world.alice, situation="迟到", finding="x", outcome="通报批评",
                                 decided_by_name="局长办公会", decided_on=today(), actor=world.sam)
    assert bad_situation.value.code == "invalid_situation"
    assert not AccountabilityRecord.objects.exists()


def test_各规定的处理方式各不相同() -> None:
    safety = build_world("safety-production", "测试区应急管理局")
    r = do_record_accountability(officer=safety.alice, situation="故意毁损、随意删改执法记录信息的",
                                 finding="删除执法记录仪视频", outcome="移交司法机关", decided_by_name="局党委",
                                 decided_on=today(), actor=safety.sam)
    assert r.article == "第二十六条"
    with pytest.raises(InvalidInput):
        do_record_accountability(officer=safety.alice, situation="故意毁损、随意删改执法记录信息的",
                                 finding="x", outcome="通报批评", decided_by_name="局党委", decided_on=today(),
                                 actor=safety.sam)


def test_合规检查发现的问题转为责任追究记录_引用其检查项(world: World) -> None:
    case = register_case(world)
    r = record(world, case=case, rule="record_officers")
    assert r.source == "finding" and r.rule_label and r.case_id == case.pk
    with pytest.raises(InvalidInput) as no_case:
        record(world, rule="record_officers")
    assert no_case.value.code == "unknown_rule"


def test_只有监督人员负责人可以记录_单位负责人只管本单位(world: World) -> None:
    for who in (world.alice, world.bob, world.lena, world.archie):
        with pytest.raises(Forbidden):
            record(world, actor=who)
    with pytest.raises(Forbidden):
        record(world, actor=world.uma, officer=world.bob)  # bob is of unit B
    assert record(world, actor=world.uma, officer=world.andy).officer_name == "安迪"
    assert record(world, actor=world.hank, officer=world.bob).officer_name == "鲍勃"
    other = build_world(name="另一区劳动保障监察大队")
    with pytest.raises(Forbidden):
        record(world, officer=other.alice)


def test_责任追究情况按机关列出并统计_各人只见其可见的(world: World) -> None:
    record(world)
    record(world, outcome="通报批评")
    record(world, actor=world.hank, officer=world.bob, outcome="通报批评")
    sam = ApiClient(world.sam).get("/api/accountability").body
    assert sam["article"] == "第三十八条" and "责令改正" in sam["outcomes"] and NOT_MADE in sam["situations"]
    assert len(sam["records"]) == 3
    assert {c["name"]: c["count"] for c in sam["by_outcome"]} == {"通报批评": 2, "责令改正": 1}
    assert {c["name"]: c["count"] for c in sam["by_officer"]} == {"艾丽": 2, "鲍勃": 1}
    assert [r["officer_name"] for r in ApiClient(world.uma).get("/api/accountability").body["records"]] == \
        ["艾丽", "艾丽"]
    assert [r["officer_name"] for r in ApiClient(world.bob).get("/api/accountability").body["records"]] == ["鲍勃"]
    assert ApiClient(world.andy).get("/api/accountability").body["records"] == []
    filtered = ApiClient(world.sam).get("/api/accountability", outcome="通报批评").body
    assert len(filtered["records"]) == 2
    other = build_world(name="另一区劳动保障监察大队")
    assert ApiClient(other.sam).get("/api/accountability").body["records"] == []


def test_接口记录责任追究_错误有稳定的代码(world: World) -> None:
    api = ApiClient(world.sam)
    body = {"officer_id": world.alice.pk, "situation": NOT_MADE, "finding": "执法记录仪中途关机且未说明",
            "outcome": "通报批评", "decided_by_name": "局长办公会", "decided_on": today().isoformat()}
    reply = api.post("/api/accountability", body)
    assert reply.status == 201 and reply.body["article"] == "第三十八条" and reply.body["source_label"] == "监督检查发现"
    assert (api.post("/api/accountability", {**body, "outcome": "警告"}).code) == "invalid_outcome"
    late = (today() + dt.timedelta(days=2)).isoformat()
    assert api.post("/api/accountability", {**body, "decided_on": late}).code == "date_in_future"
    reply = ApiClient(world.alice).post("/api/accountability", body)
    assert (reply.status, reply.code) == (403, "not_supervisor")
    assert AccountabilityRecord.objects.count() == 1


def test_页面上从案件的检查发现记录责任追究(world: World) -> None:
    case = register_case(world)
    client = Client()
    client.force_login(world.sam)
    page = client.get(f"/accountability/new/?case={case.pk}").content.decode()
    assert "第三十八条" in page and 'id="case-findings"' in page and "责令改正" in page
    response = client.post(f"/accountability/new/?case={case.pk}", {
        "officer": world.alice.pk, "situation": NOT_MADE, "finding": "立案审批表未经负责人审批",
        "outcome": "责令改正", "decided_by_name": "局长办公会", "decided_on": today().isoformat(),
        "case": case.pk, "rule": ""})
    assert response.status_code == 302
    page = client.get("/accountability/").content.decode()
    assert 'id="accountability-records"' in page and "立案审批表未经负责人审批" in page and case.label in page
    response = client.post("/accountability/new/", {
        "officer": world.alice.pk, "situation": NOT_MADE, "finding": "x", "outcome": "记过",
        "decided_by_name": "局长办公会", "decided_on": today().isoformat()})
    assert response.status_code == 400
    alice = Client()
    alice.force_login(world.alice)
    assert alice.get("/accountability/new/").status_code == 403


def test_案件的责任追究记录随案件数据包往返(world: World) -> None:
    from lawtrail.compliance.actions import do_import_bundle

    case = register_case(world)
    record(world, case=case, rule="record_officers")
    exported = bundles.validate(export_case(case))
    [item] = exported["accountability"]
    assert item["officer"] in {o["id"] for o in exported["officers"]} and item["outcome"] == "责令改正"
    exported["case"]["number"] = "测劳监立〔2026〕第999号"
    other = build_world(name="另一区劳动保障监察大队")
    again = do_import_bundle(copy.deepcopy(exported), actor=other.root)
    [back] = export_case(again)["accountability"]
    assert {k: v for k, v in back.items() if k not in ("id", "officer")} == \
        {k: v for k, v in item.items() if k not in ("id", "officer")}
    bad = copy.deepcopy(exported)
    bad["accountability"][0]["officer"] = "officer-nobody"
    with pytest.raises(bundles.BundleError) as refused:
        bundles.validate(bad)
    assert refused.value.detail["path"] == "$.accountability[0].officer"


def test_演示的卫健委有一条责任追究记录和决定后的跟进记录(db: None) -> None:
    from lawtrail.accounts.models import Agency
    from lawtrail.cases.models import Case, FollowUp
    from lawtrail.compliance.engine import BLOCKING
    from lawtrail.compliance.queries import case_findings
    from lawtrail.demo import ensure_demo

    assert ensure_demo(profiles=["commission-rules"]) is True
    agency = Agency.objects.get(profile_id="commission-rules")
    [r] = AccountabilityRecord.objects.filter(agency=agency)
    assert (r.article, r.outcome) == ("第二十四条", "责令限期整改")
    decided = Case.objects.filter(agency=agency, stage__in=["serving", "closed", "archived"], procedure="general")
    assert decided.exists()
    for case in decided:
        assert FollowUp.objects.filter(case=case, kind="performance", checked_at__isnull=False).exists(), case.label
        assert [f.message for f in case_findings(case) if f.severity == BLOCKING] == [], case.label
    assert FollowUp.objects.filter(case__agency=agency, kind="rectification", due_on__isnull=False).exists()
