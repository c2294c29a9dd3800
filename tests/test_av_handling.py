"""音像资料的移交与整理: the officer records the return to the office and, where storage is late,
its reason; the storage deadline runs from the return where the text says so (3-safety-production
第十六条: 24小时, 特殊情况不超过3个工作日; 2-commission 第十九条: 连续工作…返回单位后24小时内); each
recording gets its 名称、分类、场所 and 内容描述 within 2 working days of storage (第十七条)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.cases.choices import Stage
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.engine import evaluate, evaluate_all
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.actions import do_catalogue_evidence, do_record_evidence_return
from lawtrail.evidence.models import Evidence, EvidenceHandling
from lawtrail.lib import timez
from lawtrail.lib.errors import InvalidInput
from lawtrail.profiles.registry import get_profile
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, beijing, register_case

NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
T0 = beijing(2026, 3, 2, 9, 0)


def check(b: dict[str, Any], profile_id: str, now: dt.datetime = NOW) -> list[Any]:
    return evaluate(bundles.validate(b), get_profile(profile_id), now=now)


def z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


@pytest.fixture
def safety(db: None) -> World:
    """An agency under the work-safety rules (第十六条、第十七条)."""
    return build_world("safety-production", "测试区应急管理局")


def clip(tmp_path: Path, world: World) -> Evidence:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    made = media.make_clip(tmp_path / "DSJ_0001.mp4", seconds=2, created=T0)
    return ingest(made, case=case, officer=world.alice, actor=world.alice)


def test_返回单位时间和迟延原因可登记_不早于录制结束_不晚于现在(
        safety: World, vault: Path, tmp_path: Path, time_machine: TimeMachineFixture) -> None:
    ev = clip(tmp_path, safety)
    assert ev.recorded_end is not None
    time_machine.move_to(T0 + dt.timedelta(days=1), tick=False)
    with pytest.raises(InvalidInput) as early:
        do_record_evidence_return(ev, returned_at=T0 - dt.timedelta(hours=1), actor=safety.alice)
    assert early.value.code == "invalid_time" and "早于录制结束" in early.value.message
    with pytest.raises(InvalidInput):
        do_record_evidence_return(ev, returned_at=timez.now() + dt.timedelta(hours=1), actor=safety.alice)
    before = DomainEvent.objects.filter(action="evidence.record_return", outcome="done").count()
    h = do_record_evidence_return(ev, returned_at=T0 + dt.timedelta(hours=8), delay_reason="连续外出检查三家企业",
                                  actor=safety.alice)
    assert (h.returned_at, h.delay_reason, h.return_noted_by_name) == (
        T0 + dt.timedelta(hours=8), "连续外出检查三家企业", safety.alice.display_name)
    [event] = DomainEvent.objects.filter(action="evidence.record_return", outcome="done")[before:]
    assert event.payload["delay_reason"] == "连续外出检查三家企业" and event.case_id_frozen == ev.case_id


def test_名称分类场所和内容描述须逐项填写_接口和界面均可录入_他人看不到(
        safety: World, vault: Path, tmp_path: Path) -> None:
    ev = clip(tmp_path, safety)
    with pytest.raises(InvalidInput) as refused:
        do_catalogue_evidence(ev, title="车间检查", category="inspection", place="", description="检查配电箱",
                              actor=safety.alice)
    assert refused.value.detail == {"field": "place"}
    api = ApiClient(safety.alice)
    r = api.post(f"/api/evidence/{ev.pk}/catalogue", {"title": "车间检查", "category": "no-such",
                                                       "place": "一号车间", "description": "检查配电箱"})
    assert r.status == 422
    r = api.post(f"/api/evidence/{ev.pk}/catalogue", {"title": "车间检查", "category": "inspection",
                                                       "place": "一号车间", "description": "检查配电箱"})
    assert r.status == 200, r.body
    assert r.body["handling"]["category_label"] == "现场检查(勘验)" and r.body["handling"]["place"] == "一号车间"
    r = api.post(f"/api/evidence/{ev.pk}/return", {"returned_at": "2026-03-02T18:00:00"})
    assert r.status == 422  # a time without its offset is refused
    assert ApiClient(safety.bob).post(f"/api/evidence/{ev.pk}/catalogue", {
        "title": "x", "category": "other", "place": "x", "description": "x"}).status == 404

    client = Client()
    client.force_login(safety.alice)
    page = client.get(f"/evidence/{ev.pk}/").content.decode()
    assert "分类整理并命名" in page and "登记返回单位时间" in page and "车间检查" in page
    response = client.post(f"/evidence/{ev.pk}/catalogue/", {
        "title": "车间复查", "category": "inspection", "place": "二号车间", "description": "复查整改情况"})
    assert response.status_code == 302
    h = EvidenceHandling.objects.get(evidence=ev)
    assert (h.title, h.place, h.catalogued_by_name) == ("车间复查", "二号车间", safety.alice.display_name)
    response = client.post(f"/evidence/{ev.pk}/catalogue/", {"title": "车间复查", "category": "inspection"})
    assert response.status_code == 400


def test_存储期限自返回单位起算24小时_说明特殊情况后不超过3个工作日() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    m = b["media"][0]
    returned = dt.datetime.fromisoformat(m["returned_at"].replace("Z", "+00:00"))  # a Tuesday morning
    m["ingested_at"] = z(returned + dt.timedelta(hours=20))
    assert check(b, "safety-production") == []  # many hours after recording, but within 24 of the return
    m["ingested_at"] = z(returned + dt.timedelta(hours=30))
    [late] = check(b, "safety-production")
    assert (late.rule, late.article, late.subject) == ("evidence_storage", "第十六条", "media-1")
    assert "返回单位" in late.message and "未记录迟延原因" in late.message
    m["storage_delay_reason"] = "连续执法检查,无法及时上传"
    assert check(b, "safety-production") == []
    m["ingested_at"] = z(returned + dt.timedelta(days=6))  # the next Monday: 4 working days
    [late] = check(b, "safety-production")
    assert late.rule == "evidence_storage" and "超过3个工作日的期限" in late.message
    # The deadline shows in 期限预警, counted from the return.
    deadlines = [d for d in evaluate_all(bundles.validate(b), get_profile("safety-production"), now=NOW).deadlines
                 if d.rule == "evidence_storage" and d.subject == "media-1"]
    assert [d.due_at for d in deadlines] == [returned + dt.timedelta(days=3)]


def test_未登记返回单位的自录制结束起算() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    m = b["media"][0]
    m["returned_at"] = None
    end = dt.datetime.fromisoformat(m["recorded_end"].replace("Z", "+00:00"))
    m["ingested_at"] = z(end + dt.timedelta(hours=25))
    [late] = check(b, "safety-production")
    assert late.rule == "evidence_storage" and "录制结束" in late.message


def test_连续工作无法及时移交的_返回单位后24小时内存储即可() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    m = b["media"][0]
    end = dt.datetime.fromisoformat(m["recorded_end"].replace("Z", "+00:00"))
    m["ingested_at"] = z(end + dt.timedelta(days=4))
    m["returned_at"] = z(end + dt.timedelta(days=3, hours=12))
    [late] = check(b, "commission-rules")
    assert (late.rule, late.article) == ("evidence_storage", "第十九条")
    m["storage_delay_reason"] = "连续外出执法四天"
    assert check(b, "commission-rules") == []
    m["returned_at"] = None
    messages = [f.message for f in check(b, "commission-rules")]
    assert any("未登记返回单位时间" in x for x in messages)


def test_整理命名逾期时列出缺少的名称分类场所或内容描述() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    m = b["media"][0]
    m["place"] = ""
    [finding] = check(b, "safety-production")
    assert (finding.rule, finding.article) == ("evidence_naming", "第十七条")
    assert "场所" in finding.message and "名称" not in finding.message.split("请补充")[1]
    # Before its deadline nothing is reported yet; the deadline is (期限预警).
    stored = dt.datetime.fromisoformat(m["ingested_at"].replace("Z", "+00:00"))
    assert check(b, "safety-production", now=stored + dt.timedelta(hours=1)) == []


def test_移交与整理随案件数据包往返(safety: World) -> None:
    from lawtrail.compliance.actions import do_import_bundle
    from lawtrail.compliance.export import export_case

    example = copy.deepcopy(bundles.example("safety-production"))
    example["media"][1]["storage_delay_reason"] = "连续执法检查"
    case = do_import_bundle(copy.deepcopy(example), actor=safety.root)
    exported = bundles.validate(json.loads(json.dumps(export_case(case))))
    keys = ("returned_at", "storage_delay_reason", "title", "category", "place", "description", "catalogued_at")
    by_name = {m["original_name"]: m for m in exported["media"]}
    for m in example["media"]:
        assert {k: by_name[m["original_name"]].get(k) for k in keys} == {k: m.get(k) for k in keys}


@pytest.fixture
def commission(db: None) -> World:
    """An agency under the commission's rules (第十三条: 确实无法继续记录的,立即报告负责人并书面说明)."""
    return build_world("commission-rules", "测试区卫生健康委员会")


def test_无法继续记录须报告所属部门负责人并事后书面说明_接口和界面均可登记(
        commission: World, time_machine: TimeMachineFixture) -> None:
    from lawtrail.compliance.queries import case_findings
    from lawtrail.evidence.actions import do_explain_recording_stop, do_report_recording_stop

    time_machine.move_to(T0 + dt.timedelta(hours=3), tick=False)
    case = advance(commission, register_case(commission), to=Stage.INVESTIGATING)
    with pytest.raises(InvalidInput) as not_head:
        do_report_recording_stop(case, stopped_at=T0, cause="设备进水", reported_to=commission.andy,
                                 reported_at=T0 + dt.timedelta(minutes=5), actor=commission.alice)
    assert not_head.value.code == "not_a_head"
    with pytest.raises(InvalidInput) as before:
        do_report_recording_stop(case, stopped_at=T0, cause="设备进水", reported_to=commission.uma,
                                 reported_at=T0 - dt.timedelta(minutes=5), actor=commission.alice)
    assert before.value.detail == {"field": "reported_at"}

    api = ApiClient(commission.alice)
    r = api.post("/api/recording-stops", {"case_id": case.pk, "stopped_at": z(T0), "cause": "执法记录仪进水损坏",
                                          "reported_to_id": commission.uma.pk,
                                          "reported_at": z(T0 + dt.timedelta(minutes=3)), "device_serial": "DSJ-9"})
    assert r.status == 201, r.body
    assert r.body["reported_to"] == commission.uma.display_name and r.body["explanation"] == ""
    stop_id = r.body["id"]
    findings = [f for f in case_findings(case) if f.rule == "recording_stop_report"]
    assert [(f.article, f.subject) for f in findings] == [("第十三条", f"stop-{stop_id}")]
    assert "书面说明" in findings[0].message
    assert ApiClient(commission.bob).post(f"/api/recording-stops/{stop_id}/explanation",
                                          {"text": "x"}).status == 404

    client = Client()
    client.force_login(commission.alice)
    page = client.get("/evidence/stops/").content.decode()
    assert "待书面说明" in page and commission.uma.display_name in page and "报告的部门负责人" in page
    response = client.post("/evidence/stops/", {"stop": stop_id, "text": "设备进水后无法开机,已报告乌玛,改以文字记录"})
    assert response.status_code == 302
    assert [f for f in case_findings(case) if f.rule == "recording_stop_report"] == []
    from lawtrail.evidence.models import RecordingStop

    stop = RecordingStop.objects.get(pk=stop_id)
    with pytest.raises(Exception) as twice:
        do_explain_recording_stop(stop, text="再说一次", actor=commission.alice)
    assert getattr(twice.value, "code", "") == "already_explained"
    actions = list(DomainEvent.objects.filter(object_type="evidence.recordingstop", outcome="done")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["evidence.report_stop", "evidence.explain_stop"]
