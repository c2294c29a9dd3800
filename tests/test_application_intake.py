"""依申请事项的受理记录: applications registered like complaints, oral applications with their record,
on-the-spot corrections, the 书面凭证/回执 handed to the applicant and screenshots of an online
submission — each recorded by its step, entered in the UI and the API, carried by the bundle and
checked citing the article that asks for it."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from lawtrail.cases.actions import (
    do_correct_complaint_on_spot,
    do_decide_complaint,
    do_issue_complaint_receipt,
    do_keep_online_capture,
    do_register_complaint,
)
from lawtrail.cases.choices import ComplaintKind, ComplaintStatus, IntakeChannel
from lawtrail.cases.models import Complaint
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.actions import do_import_bundle
from lawtrail.compliance.engine import BLOCKING, WARNING, evaluate
from lawtrail.compliance.export import export_case
from lawtrail.events.models import DomainEvent
from lawtrail.events.recorder import record_event
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, InvalidInput
from lawtrail.profiles.registry import get_profile
from lawtrail.storage import get_store, original_key
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.schema import migrate_to_latest

NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the magic bytes are what the step reads


def application(world: World, **overrides: Any) -> Complaint:
    values: dict[str, Any] = {
        "unit": world.unit_a, "kind": ComplaintKind.APPLICATION, "application_matter": "license",
        "respondent": world.company, "facts": "申请办理劳务派遣行政许可", "complainant_name": "王五",
        "complainant_phone": "13800000000",
    }
    values.update(overrides)
    return do_register_complaint(**values, actor=world.alice)


def events_of(complaint: Complaint) -> list[str]:
    return list(DomainEvent.objects.filter(object_type="cases.complaint", object_id=str(complaint.pk), outcome="done")
                .order_by("id").values_list("action", flat=True))


def findings(b: dict[str, Any], profile_id: str) -> list[tuple[str, str, str]]:
    return [(f.rule, f.article, f.severity) for f in evaluate(bundles.validate(b), get_profile(profile_id), now=NOW)
            if f.rule in ("intake_receipt", "oral_application_record", "online_application_capture")]


# ---------------------------------------------------------------- steps


def test_依申请事项与投诉举报同样登记_须写明申请事项类别且不能匿名(world: World) -> None:
    app = application(world)
    assert (app.kind, app.application_matter, app.status) == ("application", "license", ComplaintStatus.PENDING)
    with pytest.raises(InvalidInput) as err:
        application(world, application_matter="")
    assert err.value.code == "invalid_application_matter"
    with pytest.raises(InvalidInput) as err:
        application(world, anonymous=True, complainant_name="")
    assert err.value.code == "anonymous_application"
    accepted = do_decide_complaint(app, outcome=ComplaintStatus.ACCEPTED, title="劳务派遣许可", handler=world.alice,
                                   handler_opinion="材料齐全,建议受理", actor=world.alice)
    assert accepted.cases.count() == 1


def test_口头申请须记录其内容(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        application(world, channel=IntakeChannel.ORAL)
    assert (err.value.code, err.value.detail) == ("missing_oral_record", {"field": "oral_record"})
    oral = application(world, channel=IntakeChannel.ORAL, oral_record="王五口述:申请办理劳务派遣许可,材料随后补交")
    assert oral.oral_record.startswith("王五口述")
    event = DomainEvent.objects.get(action="complaint.register", object_id=str(oral.pk))
    assert event.payload["oral_record"] == oral.oral_record and event.payload["channel"] == "oral"


def test_当场更正申请材料的错误逐条记录_决定后不能再当场更正(world: World) -> None:
    app = application(world)
    do_correct_complaint_on_spot(app, item="申请人名称", before="某建筑公司", after="某建筑工程有限公司",
                                 actor=world.alice)
    do_correct_complaint_on_spot(app, item="联系电话", after="13900000000", actor=world.alice)
    app.refresh_from_db()
    assert [(c["item"], c["after"], c["by"]) for c in app.corrections] == [
        ("申请人名称", "某建筑工程有限公司", "艾丽"), ("联系电话", "13900000000", "艾丽")]
    with pytest.raises(InvalidInput):
        do_correct_complaint_on_spot(app, item="地址", after=" ", actor=world.alice)
    do_decide_complaint(app, outcome=ComplaintStatus.NOT_ACCEPTED, reason="不属于本机关职权", actor=world.alice)
    with pytest.raises(Conflict) as err:
        do_correct_complaint_on_spot(app, item="地址", after="某路1号", actor=world.alice)
    assert err.value.code == "complaint_decided"
    assert events_of(app) == ["complaint.register", "complaint.correct", "complaint.correct", "complaint.decide"]


def test_出具书面凭证或回执记录其编号和时间_只出具一次_匿名举报不出具(world: World) -> None:
    app = application(world)
    do_issue_complaint_receipt(app, actor=world.alice)
    app.refresh_from_db()
    assert app.receipt_no.startswith("回执") and app.receipt_issued_at is not None
    with pytest.raises(Conflict) as err:
        do_issue_complaint_receipt(app, actor=world.alice)
    assert err.value.code == "receipt_issued"
    report = do_register_complaint(unit=world.unit_a, kind=ComplaintKind.REPORT, respondent=world.company,
                                   facts="某公司拖欠工资", anonymous=True, actor=world.alice)
    with pytest.raises(Conflict) as err:
        do_issue_complaint_receipt(report, actor=world.alice)
    assert err.value.code == "receipt_anonymous"
    assert events_of(app) == ["complaint.register", "complaint.receipt"]


def test_网络提交的申请保留截图_按哈希存放_非图片拒收(world: World) -> None:
    online = application(world, channel=IntakeChannel.ONLINE)
    do_keep_online_capture(online, name="网上申请页面.png", data=PNG, actor=world.alice)
    online.refresh_from_db()
    (capture,) = online.online_captures
    assert capture["sha256"] == hashlib.sha256(PNG).hexdigest() and capture["size"] == len(PNG)
    # In the store of originals, under its SHA-256, like every original.
    assert capture["key"] == original_key(capture["sha256"])
    with get_store().open(capture["key"]) as f:
        assert f.read() == PNG
    with pytest.raises(InvalidInput) as err:
        do_keep_online_capture(online, name="a.exe", data=b"MZ\x90\x00", actor=world.alice)
    assert err.value.code == "invalid_capture"
    with pytest.raises(Conflict) as conflict:
        do_keep_online_capture(application(world), name="a.png", data=PNG, actor=world.alice)
    assert conflict.value.code == "not_online"


def test_受理记录的每一步都进入账本_核验无差异(world: World, ledger: None) -> None:
    online = application(world, channel=IntakeChannel.ONLINE)
    do_correct_complaint_on_spot(online, item="申请人名称", after="某建筑工程有限公司", actor=world.alice)
    do_keep_online_capture(online, name="页面.png", data=PNG, actor=world.alice)
    do_issue_complaint_receipt(online, actor=world.alice)
    do_make_checkpoint()
    report = verify_ledger()
    assert report.ok, [f"{p.code}: {p.message}" for p in report.problems]
    assert events_of(online) == ["complaint.register", "complaint.correct", "complaint.capture", "complaint.receipt"]


# ---------------------------------------------------------------- UI and API


def test_平板上登记口头申请_当场更正_出具回执(world: World) -> None:
    c = Client()
    c.force_login(world.alice)
    page = c.get("/complaints/new/")
    assert "口头申请记录" in page.content.decode() and "依申请事项" in page.content.decode()
    reply = c.post("/complaints/new/", {
        "kind": "application", "application_matter": "license", "channel": "oral", "unit": world.unit_a.pk,
        "complainant_name": "王五", "complainant_phone": "13800000000", "respondent": world.company.pk,
        "facts": "申请办理劳务派遣行政许可", "oral_record": ""})
    assert reply.status_code == 400 and "须记录口头申请" in reply.content.decode()
    reply = c.post("/complaints/new/", {
        "kind": "application", "application_matter": "license", "channel": "oral", "unit": world.unit_a.pk,
        "complainant_name": "王五", "complainant_phone": "13800000000", "respondent": world.company.pk,
        "facts": "申请办理劳务派遣行政许可", "oral_record": "王五口述申请"})
    assert reply.status_code == 302
    app = Complaint.objects.get(oral_record="王五口述申请")
    url = f"/complaints/{app.pk}/"
    assert c.post(url, {"step": "correct", "item": "申请人名称", "after": "某建筑工程有限公司"}).status_code == 302
    assert c.post(url, {"step": "receipt"}).status_code == 302
    html = c.get(url).content.decode()
    assert "某建筑工程有限公司" in html and "回执" in html and "口头申请" in html
    again = c.post(url, {"step": "receipt"})
    assert again.status_code == 400 and "不能重复出具" in again.content.decode()


def test_平板上为网络提交的申请上传截图(world: World) -> None:
    c = Client()
    c.force_login(world.alice)
    online = application(world, channel=IntakeChannel.ONLINE)
    url = f"/complaints/{online.pk}/"
    bad = c.post(url, {"step": "capture", "file": SimpleUploadedFile("a.txt", b"hello")})
    assert bad.status_code == 400 and "PNG" in bad.content.decode()
    ok = c.post(url, {"step": "capture", "file": SimpleUploadedFile("网上申请.png", PNG, "image/png")})
    assert ok.status_code == 302
    assert "网上申请.png" in c.get(url).content.decode()


def test_接口登记依申请事项_更正_回执_截图并以稳定代码拒绝(world: World) -> None:
    api = ApiClient(world.alice)
    bad = api.post("/api/complaints", {"unit_id": world.unit_a.pk, "kind": "application", "channel": "oral",
                                       "application_matter": "license", "respondent_id": world.company.pk,
                                       "facts": "申请许可", "complainant_name": "王五",
                                       "complainant_phone": "13800000000"})
    assert bad.status == 422 and bad.body["code"] == "missing_oral_record"
    made = api.post("/api/complaints", {"unit_id": world.unit_a.pk, "kind": "application", "channel": "online",
                                        "application_matter": "confirmation", "respondent_id": world.company.pk,
                                        "facts": "申请行政确认", "complainant_name": "王五",
                                        "complainant_phone": "13800000000"})
    assert made.status == 201, made.body
    pk = made.body["id"]
    assert made.body["channel_label"] == "网络提交" and made.body["application_matter_label"] == "行政确认"
    body = api.post(f"/api/complaints/{pk}/corrections", {"item": "申请人名称", "after": "某有限公司"}).body
    assert body["corrections"][0]["item"] == "申请人名称"
    body = api.post(f"/api/complaints/{pk}/captures",
                    {"name": "页面.png", "content_base64": base64.b64encode(PNG).decode()}).body
    assert body["online_captures"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert "key" not in body["online_captures"][0]
    wrong = api.post(f"/api/complaints/{pk}/captures", {"content_base64": "!!"})
    assert wrong.status == 422 and wrong.body["code"] == "invalid_capture"
    assert api.post(f"/api/complaints/{pk}/receipt").body["receipt_no"].startswith("回执")
    twice = api.post(f"/api/complaints/{pk}/receipt")
    assert twice.status == 409 and twice.body["code"] == "receipt_issued"
    outsider = ApiClient(world.bob).post(f"/api/complaints/{pk}/receipt")
    assert outsider.status in (403, 404)


# ---------------------------------------------------------------- checks and the bundle


@pytest.mark.parametrize(("profile_id", "article"), [
    ("labor-inspection", "第十一条"), ("commission-rules", "第四条"), ("agriculture", "第六条"),
    ("housing-construction", "第五条")])
def test_受理后未出具书面凭证或回执的被查出_引用本机关条文(profile_id: str, article: str) -> None:
    b = copy.deepcopy(bundles.example(profile_id))
    assert findings(b, profile_id) == []
    b["complaint"].update(receipt_no="", receipt_issued_at=None)
    assert findings(b, profile_id) == [("intake_receipt", article, BLOCKING)]
    b["complaint"].update(anonymous=True, complainant_name="")
    assert findings(b, profile_id) == []


@pytest.mark.parametrize(("profile_id", "expected"), [
    ("agriculture", [("oral_application_record", "第六条", BLOCKING)]),
    ("housing-construction", [("oral_application_record", "第五条", BLOCKING)]),
    ("labor-inspection", [])])
def test_口头申请未记录内容的被查出(profile_id: str, expected: list[tuple[str, str, str]]) -> None:
    b = copy.deepcopy(bundles.example(profile_id))
    b["complaint"].update(channel="oral", oral_record="")
    assert findings(b, profile_id) == expected
    b["complaint"]["oral_record"] = "王五口述"
    assert findings(b, profile_id) == []


def test_网络提交未保留截图的_委员会细则第四条提醒() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    b["complaint"].update(channel="online", online_captures=[])
    assert findings(b, "commission-rules") == [("online_application_capture", "第四条", WARNING)]
    b["complaint"]["online_captures"] = [{"name": "页面.png", "sha256": "a" * 64, "size": 10,
                                          "captured_at": b["complaint"]["received_at"]}]
    assert findings(b, "commission-rules") == []


def test_受理记录随数据包往返_口头申请_更正_截图_回执都不丢(db: None) -> None:
    first, second = build_world(), build_world(name="另一劳动保障监察大队")
    b = copy.deepcopy(bundles.example("labor-inspection"))
    b["complaint"].update(kind="application", application_matter="license", channel="online",
                          online_captures=[{"name": "页面.png", "sha256": "b" * 64, "size": 12,
                                            "captured_at": b["complaint"]["received_at"], "by": "艾丽"}])
    case = do_import_bundle(b, actor=first.root)
    exported = bundles.validate(export_case(case))
    c = exported["complaint"]
    assert (c["kind"], c["channel"], c["application_matter"]) == ("application", "online", "license")
    assert c["online_captures"][0]["sha256"] == "b" * 64
    assert c["corrections"][0]["item"] == "用人单位名称" and c["receipt_no"] == "回执20250302-000001"
    again = bundles.validate(export_case(do_import_bundle(copy.deepcopy(exported), actor=second.root)))
    assert {k: v for k, v in again["complaint"].items() if k != "id"} == {k: v for k, v in c.items() if k != "id"}


# ---------------------------------------------------------------- the schema change


def _migrate(target: tuple[str, str]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def before_intake_fields(transactional_db: None) -> Iterator[Any]:
    """The database as it was before complaints gained the intake fields (and, after, as it is now)."""
    apps = _migrate(("cases", "0006_case_list_order"))
    try:
        yield apps
    finally:
        migrate_to_latest()


def test_登记增加受理记录字段后_既有登记经账本重新固定_核验无差异(before_intake_fields: Any) -> None:
    world = build_world()
    model = before_intake_fields.get_model("cases", "Complaint")
    old = []
    for name in ("王五", "赵六"):
        with transaction.atomic():
            complaint = model.objects.create(
                agency_id=world.agency.pk, unit_id=world.unit_a.pk, kind="complaint", complainant_name=name,
                complainant_phone="13800000000", respondent_id=world.company.pk, facts="拖欠工资",
                received_at=timez.now(), received_by_id=world.alice.pk)
            record_event("complaint.register", complaint, actor=world.alice)
        old.append(complaint.pk)

    migrate_to_latest()

    frozen = DomainEvent.objects.get(action="records.schema_change", object_type="cases.complaint",
                                     payload__reason__startswith="投诉举报登记增加")
    assert frozen.actor_id is None and frozen.payload["records"] == 2
    assert {c.channel for c in Complaint.objects.filter(pk__in=old)} == {"written"}
    do_make_checkpoint()
    report = verify_ledger()
    assert report.ok, [f"{p.code}: {p.message}" for p in report.problems]


@pytest.fixture
def captures_in_default_storage(transactional_db: None) -> Iterator[Any]:
    """The database as it was when screenshots were saved through Django's default storage."""
    apps = _migrate(("cases", "0007_application_intake"))
    try:
        yield apps
    finally:
        migrate_to_latest()


def test_截图移入原始资料存储_哈希不变_核验无差异(captures_in_default_storage: Any) -> None:
    world = build_world()
    model = captures_in_default_storage.get_model("cases", "Complaint")
    sha = hashlib.sha256(PNG).hexdigest()
    old_key = f"intake/{sha[:2]}/{sha}.png"
    if not default_storage.exists(old_key):
        default_storage.save(old_key, ContentFile(PNG))
    made = []
    for name, captures in (("王五", [{"name": "网上申请.png", "sha256": sha, "size": len(PNG), "key": old_key,
                                      "captured_at": "2026-01-05T02:00:00+00:00", "by": "张三"}]), ("赵六", [])):
        with transaction.atomic():
            complaint = model.objects.create(
                agency_id=world.agency.pk, unit_id=world.unit_a.pk, kind="application", application_matter="license",
                channel="online", complainant_name=name, complainant_phone="13800000000",
                respondent_id=world.company.pk, facts="网上申请劳务派遣行政许可", received_at=timez.now(),
                received_by_id=world.alice.pk, online_captures=captures)
            record_event("complaint.register", complaint, actor=world.alice)
        made.append(complaint.pk)

    migrate_to_latest()

    (capture,) = Complaint.objects.get(pk=made[0]).online_captures
    assert capture["key"] == original_key(sha) and capture["sha256"] == sha
    with get_store().open(capture["key"]) as f:
        assert hashlib.sha256(f.read()).hexdigest() == sha
    assert default_storage.exists(old_key)  # the old file is left where it was
    # Only the complaint whose entry changed is frozen anew.
    frozen = DomainEvent.objects.get(action="records.schema_change", payload__reason="网络提交截图移入原始资料存储")
    assert frozen.payload["records"] == 1 and frozen.object_id == f"{made[0]}-{made[0]}"
    do_make_checkpoint()
    report = verify_ledger()
    assert report.ok, [f"{p.code}: {p.message}" for p in report.problems]
