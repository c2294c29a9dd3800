"""音像记录跟随执法情形: the situation of an act (易引起争议, 阻碍执法, 责令停工, 现场处理措施,
排除妨碍、恢复原状 …) is ticked in its record, in the UI, the API and a bundle; the texts' lists of
situations that must be filmed and that must not be decide the findings, and how the footage was
made (from arrival, the site's front, without interruption, a spoken notice) is stated and checked."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from lawtrail.cases.choices import Stage
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.defects import doc
from lawtrail.compliance.engine import evaluate
from lawtrail.compliance.samples import _document
from lawtrail.documents.models import Document
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, beijing, register_case

NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)


def check(b: dict[str, Any], profile_id: str) -> list[Any]:
    return evaluate(bundles.validate(b), get_profile(profile_id), now=NOW)


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def test_执法情形和录制方式可在接口勾选_不得音像记录的情形也能录入_选项外的被拒绝(
        world: World, clock: TimeMachineFixture) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    alice = ApiClient(world.alice)
    r = alice.post(f"/api/cases/{case.pk}/documents", {"type": "site_inspection_record", "fields": {
        "situations": ["涉及秘密或个人隐私未经当事人同意", "阻碍执法、妨害公务"],
        "av_manner": ["自到达现场开始录制"], "av_focus": ["执法现场环境"]}})
    assert r.status == 201, r.body
    # Stored once each, in the catalogue's order, as a person reads them.
    assert r.body["fields"]["situations"] == ["阻碍执法、妨害公务", "涉及秘密或个人隐私未经当事人同意"]
    assert r.body["fields"]["av_manner"] == ["自到达现场开始录制"]
    put = alice.client.put(f"/api/documents/{r.body['id']}/fields", {"fields": {"situations": ["想录就录"]}},
                           content_type="application/json", headers=alice.headers)
    body = put.json()
    assert put.status_code == 422 and body["code"] == "invalid_field" and body["detail"]["field"] == "situations"
    assert "想录就录" in body["message"]
    types = alice.get("/api/document-types/enforcement_decision").body
    [field] = [f for f in types["fields"] if f["key"] == "situations"]
    assert field["type"] == "multichoice" and "排除妨碍、恢复原状" in field["options"]


def test_执法情形在界面以勾选框录入并保存(world: World, clock: TimeMachineFixture) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    client = Client()
    client.force_login(world.alice)
    page = client.get(f"/cases/{case.pk}/documents/new/site_inspection_record/").content.decode()
    assert 'type="checkbox"' in page and "执法情形(音像记录)" in page and "依法责令停工" in page
    assert "音像记录方式" in page and "开机时告知当事人全程录音录像" in page
    response = client.post(f"/cases/{case.pk}/documents/new/site_inspection_record/", {
        "f-case_number": case.number, "f-case_title": case.title, "f-place": "车间",
        "f-situations": ["依法责令停工", "爆炸危险区域未配备防爆音像记录设备"],
        "f-av_manner": ["自到达现场开始录制", "全程不间断录制"], "save": "1"})
    assert response.status_code == 302
    saved = Document.objects.get(case=case, type_code="site_inspection_record")
    assert saved.fields["situations"] == ["依法责令停工", "爆炸危险区域未配备防爆音像记录设备"]
    assert saved.fields["av_manner"] == ["自到达现场开始录制", "全程不间断录制"]
    page = client.get(f"/documents/{saved.pk}/").content.decode()
    assert "依法责令停工" in page


def test_勾选应当音像记录的情形后未关联录像即为缺陷_说明不适宜的理由后不再提示() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    inspection = doc(b, "site_inspection_record")
    inspection["media"], inspection["media_links"] = [], []
    # A site inspection is no act the commission's 第十一条 names by itself …
    assert [f.rule for f in check(b, "commission-rules")] == []
    # … but an inspection that ends in 责令停工 is.
    inspection["situations"] = ["依法责令停工"]
    [finding] = check(b, "commission-rules")
    assert (finding.rule, finding.article, finding.subject) == ("av_required", "第十一条", inspection["id"])
    assert "依法责令停工" in finding.message and "应当同步音像记录" in finding.message
    inspection["av_exempt_reason"] = "现场涉及国家秘密,不适宜音像记录"
    assert check(b, "commission-rules") == []


def test_不得音像记录的情形免除音像要求_关联了录像即违反第八条() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    inquiry = doc(b, "inquiry_record")
    inquiry["situations"] = ["涉及秘密或个人隐私未经当事人同意"]
    [finding] = check(b, "safety-production")
    assert (finding.rule, finding.article) == ("av_forbidden", "第八条")
    assert "涉及秘密或个人隐私未经当事人同意" in finding.message
    # Unfilmed, as the text wants: the 询问 needs no footage (第七条) and breaks nothing.
    for d in b["documents"]:
        d["media"] = [m for m in d["media"] if m not in inquiry["media"]]
        d["media_links"] = []
    inquiry["media"] = []
    assert [f.rule for f in check(b, "safety-production")] == []


def test_旧数据包以代码记载的不得音像记录情形仍被识别_提示中只出现中文() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    doc(b, "inquiry_record")["situations"] = ["secret_without_consent"]
    [finding] = check(b, "safety-production")
    assert finding.rule == "av_forbidden" and "secret_without_consent" not in finding.message
    assert "涉及秘密或个人隐私未经当事人同意" in finding.message


def test_现场执法录像须载明自到达现场开始且不间断_缺一即为缺陷() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    doc(b, "site_inspection_record")["fields"]["av_manner"] = ["全程不间断录制"]
    [finding] = check(b, "commission-rules")
    assert (finding.rule, finding.article) == ("av_manner", "第十三条")
    assert "自到达现场开始录制" in finding.message and "全程不间断录制" not in finding.message.split("未载明")[1]


def test_安全生产开机告知和场所明显标志须载明() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    doc(b, "inquiry_record")["fields"]["av_manner"] = ["全程不间断录制"]
    [finding] = check(b, "safety-production")
    assert (finding.rule, finding.article) == ("av_manner", "第十二条")
    assert "开机时告知当事人全程录音录像" in finding.message and "拍摄场所门头" in finding.message


def test_重点摄录内容须载明现场环境和人员言行() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    doc(b, "site_inspection_record")["fields"]["av_focus"] = ["执法现场环境"]
    [finding] = check(b, "commission-rules")
    assert (finding.rule, finding.article) == ("av_focus", "第十二条")
    assert "当事人及现场人员的言行举止" in finding.message


def test_易引起争议的简易程序须音像记录_其他文书勾选同一情形不适用第二十条() -> None:
    profile = get_profile("agriculture")
    b = copy.deepcopy(bundles.example("agriculture"))
    inquiry = _document(profile, 95, "inquiry_record", {}, "2025-05-12T02:00:00Z")
    inquiry["situations"] = ["易引起行政争议"]
    b["documents"].append(inquiry)
    assert "av_required_situations" not in {f.rule for f in check(b, "agriculture")}
    on_the_spot = _document(profile, 96, "on_the_spot_penalty_decision", {}, "2025-05-12T02:00:00Z")
    on_the_spot["situations"] = ["易引起行政争议"]
    b["documents"].append(on_the_spot)
    found = [f for f in check(b, "agriculture") if f.rule == "av_required_situations"]
    assert [(f.article, f.subject) for f in found] == [("第二十条", on_the_spot["id"])]


def test_排除妨碍恢复原状的强制执行决定须音像记录() -> None:
    profile = get_profile("agriculture")
    b = copy.deepcopy(bundles.example("agriculture"))
    decision = _document(profile, 97, "enforcement_decision", {}, "2025-05-12T02:00:00Z")
    b["documents"].append(decision)
    before = {f.rule for f in check(b, "agriculture")}
    assert "av_required_enforcement" not in before
    decision["situations"] = ["排除妨碍、恢复原状"]
    found = [f for f in check(b, "agriculture") if f.rule == "av_required_enforcement"]
    assert [(f.article, f.subject) for f in found] == [("第二十八条", decision["id"])]


@pytest.fixture
def commission(db: None) -> World:
    """An agency under the commission's rules (第十一条: 应当视音频记录的情形)."""
    return build_world("commission-rules", "测试区卫生健康委员会")


def test_执法情形和录制方式随案件数据包往返(commission: World) -> None:
    from lawtrail.compliance.actions import do_import_bundle
    from lawtrail.compliance.export import export_case
    from lawtrail.compliance.queries import case_findings

    example = copy.deepcopy(bundles.example("commission-rules"))
    inspection = doc(example, "site_inspection_record")
    inspection["situations"] = ["阻碍执法、妨害公务"]
    case = do_import_bundle(copy.deepcopy(example), actor=commission.root)
    exported = bundles.validate(export_case(case))
    back = doc(exported, "site_inspection_record")
    assert back["situations"] == ["阻碍执法、妨害公务"]
    assert back["fields"]["av_manner"] == inspection["fields"]["av_manner"]
    assert back["fields"]["av_focus"] == inspection["fields"]["av_focus"]
    assert [f.as_dict() for f in case_findings(case)] == []
