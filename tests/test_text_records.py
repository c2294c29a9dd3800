"""文字记录登记: the text records the regulations make an agency keep beside a case's own documents,
each kind under the article of its agency's regulation, and the agency-level checks that find them
missing — 安全生产 第六条 (监督检查计划, 督导通知方案, 投诉举报信件, 领导批示), 第十九条 (法制机构对
存储内容的监督), 第二十条 (音像资料作为证据使用的转化和说明附卷), 委员会细则 第三条 (指导和监督,
各部门的实施细则).

hank (机关负责人) keeps the agency's plans; lena (法制审核) supervises the stored recordings; alice,
an officer of 一中队, files the letter of the complaint she verifies and the explanation of her
recording; bob, of 二中队, sees no record of 一中队's; uma heads 一中队 and writes its rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file, do_export_package
from lawtrail.cases.actions import do_decide_complaint, do_register_complaint
from lawtrail.cases.models import Complaint
from lawtrail.compliance.agency import agency_snapshot, check_agency
from lawtrail.events.models import DomainEvent, Outcome
from lawtrail.ledger import keys
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.packagecheck.check import verify_package
from lawtrail.profiles.registry import get_profile
from lawtrail.registers.actions import do_register_text_record
from lawtrail.registers.models import TextRecord
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.archive import closed_case
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing, register_case

pytestmark = pytest.mark.usefixtures("ledger")

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def safety(db: None, time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    return build_world("safety-production", name="测试市安全生产监督管理局")


@pytest.fixture
def commission(db: None, time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    return build_world("commission-rules", name="测试市委员会")


def findings(w: World, rule: str, start: dt.date = DAY, end: dt.date = DAY) -> list[str]:
    found = check_agency(agency_snapshot(w.agency, start, end), get_profile(w.agency.profile_id))
    return [f"{f.article} {f.subject}" for f in found if f.rule == rule]


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def written_complaint(w: World) -> Complaint:
    c = do_register_complaint(unit=w.unit_a, kind="report", respondent=w.company, facts="未按规定开展安全培训",
                              complainant_name="王五", channel="written", actor=w.alice)
    return do_decide_complaint(c, outcome="accepted", title="未开展安全培训", handler=w.alice,
                               handler_opinion="建议受理核查", actor=w.alice)


def test_未登记当年的安全生产监督检查计划被发现_登记后不再提示(safety: World) -> None:
    w = safety
    assert findings(w, "inspection_plan") == ["第六条 plan:2026"]
    do_register_text_record(kind="inspection_plan", title="2026年度安全生产监督检查计划", issuer="测试市安全生产监督管理局",
                            dated=dt.date(2026, 1, 10), content="全年检查重点企业120家……", actor=w.hank)
    assert findings(w, "inspection_plan") == []
    # The plan of one year is not the next year's.
    assert findings(w, "inspection_plan", DAY, dt.date(2027, 1, 5)) == ["第六条 plan:2027"]


def test_核查书面举报所依据的举报信件须有文字记录(safety: World) -> None:
    w = safety
    c = written_complaint(w)
    assert findings(w, "complaint_letters") == [f"第六条 complaint:{c.pk}"]
    with pytest.raises(InvalidInput) as unattached:
        do_register_text_record(kind="complaint_letter", title="举报信", dated=DAY, content="……", actor=w.alice)
    assert unattached.value.detail == {"field": "complaint"}
    r = do_register_text_record(kind="complaint_letter", title="关于某公司未开展培训的举报信", issuer="王五", dated=DAY,
                                content="举报内容全文……", complaint=c, actor=w.alice)
    assert (r.article, r.unit_id) == ("第六条", w.unit_a.pk)  # the complaint's unit files it
    do_register_text_record(kind="leader_instruction", title="请一中队核查", issuer="汉克", dated=DAY,
                            content="请一中队依法核查。", complaint=c, actor=w.hank)
    assert findings(w, "complaint_letters") == []


def test_法制机构对记录存储内容的监督检查有记录_只有法制审核或监督人员可以登记(safety: World) -> None:
    w = safety
    with pytest.raises(Forbidden):
        do_register_text_record(kind="storage_supervision", title="存储内容检查", dated=DAY, content="……",
                                actor=w.alice)
    r = do_register_text_record(kind="storage_supervision", title="2026年第一季度执法记录存储内容监督检查",
                                dated=DAY, content="抽查存储设备CCZ-1中音像资料30段,命名、关联完整;发现2段未标明案号,已责令整改。",
                                actor=w.lena)
    assert (r.kind, r.article, r.unit_id) == ("storage_supervision", "第十九条", None)
    e = DomainEvent.objects.get(action="text_record.register", outcome=Outcome.DONE)
    assert e.payload["kind"] == "storage_supervision" and e.payload["article"] == "第十九条"
    assert e.payload["title"] == "2026年第一季度执法记录存储内容监督检查"
    # The record is frozen into its event: the tamper-evident ledger verifies clean.
    report = verify_ledger()
    assert report.ok, report.problems


def test_音像资料作为证据使用时制作转化说明并附卷(safety: World, settings: Settings, tmp_path: Path) -> None:
    w = safety
    use_fresh_vault(settings, tmp_path / "vault")
    case = register_case(w)
    other = register_case(w, title="另一案件")
    clip = ingest(media.make_clip(tmp_path / "a.mp4", seconds=1, created=beijing(2026, 3, 1, 10), audio=False),
                  officer=w.alice, case=case)
    base = {"kind": "evidence_explanation", "title": "现场检查录像证据说明", "dated": DAY,
            "content": "本录像由执法记录仪DSJ-001于2026年3月1日10时拍摄,原件未经剪辑……", "actor": w.alice}
    with pytest.raises(InvalidInput) as no_medium:
        do_register_text_record(**base, evidence=clip, case=case)
    assert no_medium.value.detail == {"field": "medium"}
    with pytest.raises(InvalidInput) as wrong_case:
        do_register_text_record(**base, evidence=clip, case=other, medium="光盘 GP-2026-001")
    assert wrong_case.value.code == "evidence_not_in_case"
    with pytest.raises(InvalidInput) as no_clip:
        do_register_text_record(**base, case=case, medium="光盘 GP-2026-001")
    assert no_clip.value.detail == {"field": "evidence"}
    r = do_register_text_record(**base, evidence=clip, case=case, medium="光盘 GP-2026-001")
    assert (r.article, r.case_id, r.evidence_id) == ("第二十条", case.pk, clip.pk)
    assert list(case.text_records.all()) == [r]
    # The case's records are read through the API by case.
    api = ApiClient(w.alice)
    got = api.get("/api/records", case_id=case.pk)
    assert [x["medium"] for x in got.body] == ["光盘 GP-2026-001"]


def test_转化说明打印后随卷宗装订归档_归档包收入并核验通过(
        safety: World, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> None:
    """安全生产 第二十条: the explanation is filed with the case (附卷) and archived with the file
    (随卷宗归档保存): it is in the 卷内目录 of the bound file, in the printed file's count, and in the
    archive package, anchored to its registration in the signed ledger."""
    w = safety
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    case, _doc, clip = closed_case(w, tmp_path)
    assert clip is not None
    r = do_register_text_record(kind="evidence_explanation", title="询问录像证据说明", dated=dt.date(2026, 4, 20),
                                content="本录像由执法记录仪拍摄,原件未经剪辑,已刻录光盘。", evidence=clip, case=case,
                                medium="光盘 GP-2026-002", actor=w.alice)
    assert r.pdf is not None and r.pdf_sha256 == hashlib.sha256(bytes(r.pdf)).hexdigest()
    event = DomainEvent.objects.get(action="text_record.register", object_id=str(r.pk))
    assert event.payload["sha256"] == r.pdf_sha256
    # Shown to the case's officers from the register and the case file; not to another unit's.
    assert client_for(w.alice).get(f"/records/{r.pk}.pdf")["Content-Type"] == "application/pdf"
    assert client_for(w.bob).get(f"/records/{r.pk}.pdf").status_code == 404

    case_file = do_assemble_case_file(case, actor=w.alice)
    filed = case_file.record_items
    assert [(i["id"], i["sha256"]) for i in filed] == [(r.pk, r.pdf_sha256)]
    kinds = [i["kind"] for i in case_file.items]
    assert kinds.index("record") == kinds.index("media") + 1  # after the recordings
    assert "附卷说明 1 件" in client_for(w.alice).get(f"/cases/{case.pk}/case-file/").content.decode()
    bound = do_bind_case_file(case_file, actor=w.archie)
    assert bound.record_items == filed
    # Once the file is bound, nothing more is filed with it.
    with pytest.raises(Conflict) as late:
        do_register_text_record(kind="evidence_explanation", title="补充说明", dated=dt.date(2026, 4, 20),
                                content="补充。", evidence=clip, case=bound.case, medium="光盘", actor=w.alice)
    assert late.value.code == "case_archived"

    out = tmp_path / "package.zip"
    do_export_package(bound, out=out, actor=w.archie)
    with zipfile.ZipFile(out) as zf:
        meta = json.loads(zf.read(f"{bound.archive_no}/data/metadata/metadata.json"))
        (item,) = [i for i in meta["items"] if i["kind"] == "record"]
        assert zf.read(f"{bound.archive_no}/{item['path']}") == bytes(r.pdf)
    report = verify_package(out, keys.load_public_key())
    assert report.ok, [(c.code, c.detail) for c in report.failed]
    # A changed explanation in the package is named against the signed ledger.
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data.replace(b"%%EOF", b"%%EOF\n%x") if info.filename.endswith(item["path"]) else data)
    assert "lawtrail.file_facts" in {c.code for c in verify_package(forged, keys.load_public_key()).failed}


def test_各执法部门未登记本单位实施细则的被发现_只有本单位负责人或机关负责人可以登记(commission: World) -> None:
    w = commission
    assert findings(w, "implementing_rules") == ["第三条 unit:一中队", "第三条 unit:二中队"]
    with pytest.raises(Forbidden):
        do_register_text_record(kind="implementing_rules", title="一中队全过程记录实施细则", dated=DAY, content="第一条……",
                                unit=w.unit_a, actor=w.alice)
    with pytest.raises(Forbidden):
        do_register_text_record(kind="implementing_rules", title="二中队细则", dated=DAY, content="第一条……",
                                unit=w.unit_b, actor=w.uma)
    with pytest.raises(InvalidInput) as no_unit:
        do_register_text_record(kind="implementing_rules", title="细则", dated=DAY, content="……", actor=w.hank)
    assert no_unit.value.detail == {"field": "unit"}
    do_register_text_record(kind="implementing_rules", title="一中队全过程记录实施细则", dated=DAY, content="第一条……",
                            unit=w.unit_a, actor=w.uma)
    assert findings(w, "implementing_rules") == ["第三条 unit:二中队"]
    # The policy office's guidance is kept; a kind the commission's rules do not name is refused.
    do_register_text_record(kind="guidance", title="全过程记录工作指导", issuer="政策法规处", dated=DAY,
                            content="对二中队音像记录工作进行指导……", actor=w.sam)
    with pytest.raises(InvalidInput) as kind:
        do_register_text_record(kind="inspection_plan", title="计划", dated=DAY, content="……", actor=w.hank)
    assert kind.value.code == "invalid_kind"


def test_文字记录页面按本机关规定列出类别并用选择器登记_其他单位看不到(safety: World) -> None:
    w = safety
    c = written_complaint(w)
    alice = client_for(w.alice)
    page = alice.get("/records/").content.decode()
    for words in ("监督检查计划(第六条)", "法制机构对记录存储内容的监督检查(第十九条)", "音像资料作为证据使用的转化和说明(第二十条)"):
        assert words in page
    assert "本单位全过程记录实施细则" not in page  # not a kind of the work-safety rules
    posted = alice.post("/records/", {"kind": "complaint_letter", "title": "王五来信甲", "issuer": "王五",
                                      "dated": "2026-03-02", "content": "举报内容……", "complaint": c.pk})
    assert posted.status_code == 302
    refused = alice.post("/records/", {"kind": "complaint_letter", "title": "举报信", "dated": "2026-03-02",
                                       "content": "……"})
    assert refused.status_code == 400 and "请选择该记录所依据核查的投诉举报或案件" in refused.content.decode()
    assert "王五来信甲" in alice.get("/records/?kind=complaint_letter").content.decode()
    assert "王五来信甲" not in client_for(w.bob).get("/records/").content.decode()
    assert "王五来信甲" in client_for(w.sam).get("/records/").content.decode()
    assert TextRecord.objects.count() == 1


def test_接口登记和读取文字记录(safety: World) -> None:
    w = safety
    api = ApiClient(w.hank)
    kinds = api.get("/api/records/kinds").body
    assert [k["kind"] for k in kinds] == ["inspection_plan", "supervision_notice", "complaint_letter",
                                          "leader_instruction", "storage_supervision", "evidence_explanation"]
    made = api.post("/api/records", {"kind": "supervision_notice", "title": "关于开展危化品专项督导执法检查的通知",
                                     "issuer": "市安委办", "dated": "2026-02-20", "content": "检查方案……"})
    assert made.status == 201 and made.body["article"] == "第六条"
    bad = api.post("/api/records", {"kind": "guidance", "title": "x", "dated": "2026-02-20", "content": "……"})
    assert bad.status == 422 and bad.code == "invalid_kind"
    assert [r["title"] for r in ApiClient(w.bob).get("/api/records").body] == ["关于开展危化品专项督导执法检查的通知"]


def test_监督人员在机关层面检查页面看到缺少的文字记录及其条款_执法人员无权查看(safety: World) -> None:
    w = safety
    page = client_for(w.sam).get("/compliance/agency/", {"since": "2026-03-01", "to": "2026-03-02"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "第六条" in html and "2026年没有登记安全生产监督检查计划" in html
    do_register_text_record(kind="inspection_plan", title="2026年度安全生产监督检查计划", dated=dt.date(2026, 1, 10),
                            content="……", actor=w.hank)
    again = client_for(w.hank).get("/compliance/agency/", {"since": "2026-03-01", "to": "2026-03-02"})
    assert "监督检查计划" not in again.content.decode().split('id="agency-findings"')[1]
    assert client_for(w.sam).get("/compliance/agency/", {"since": "2026-03-02", "to": "2025-01-01"}).status_code == 400
    for who in (w.alice, w.uma):
        assert client_for(who).get("/compliance/agency/").status_code == 403
    assert 'id="agency-link"' in client_for(w.sam).get("/compliance/").content.decode()
    assert 'id="agency-link"' not in client_for(w.uma).get("/compliance/").content.decode()  # no link to a 403
