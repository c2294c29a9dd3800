"""送达记录: the service tied to its signed 送达回证, the refusal and the entrusting reason recorded in
their own fields and printed on the receipt, fax as its own method, and a decision document
refused when it would be served by fax or e-mail where the regulation excludes it (labour
第二十五条、第二十七条、第二十八条; the commission's 第十六条)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from time_machine import TimeMachineFixture

from lawtrail.cases.actions import do_add_service_proof, do_record_service
from lawtrail.cases.choices import ServiceMethod, Stage
from lawtrail.cases.models import Case
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.actions import do_import_bundle
from lawtrail.compliance.engine import BLOCKING, Finding, evaluate
from lawtrail.compliance.export import export_case
from lawtrail.compliance.queries import case_findings
from lawtrail.documents.steps import act_document, service_act
from lawtrail.events.models import DomainEvent
from lawtrail.events.recorder import record_event
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib import timez
from lawtrail.lib.errors import InvalidInput
from lawtrail.profiles.registry import Profile, get_profile
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, beijing, decision_document_id, register_case, sign_receipt
from lawtrail.testing.schema import migrate_to_latest

NOW = beijing(2026, 3, 10, 10, 0)
BUNDLE_NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)  # long after the shipped example case was archived


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def labour(db: None) -> World:
    return build_world()


@pytest.fixture
def commission(db: None) -> World:
    return build_world("commission-rules", name="测试委员会")


def serving(world: World) -> Case:
    return advance(world, register_case(world), Stage.SERVING)


def check(b: dict[str, Any], profile: Profile) -> list[Finding]:
    return evaluate(bundles.validate(b), profile, now=BUNDLE_NOW)


def findings(case: Case, rule: str) -> list[str]:
    return [f.message for f in case_findings(case) if f.rule == rule]


def test_直接送达须由受送达人在送达回证上签名_劳动保障监察第二十五条(labour: World) -> None:
    case = serving(labour)
    service = do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.DIRECT,
                                served_at=timez.now(), recipient="张三", actor=case.handler)
    found = [f for f in case_findings(case) if f.rule == "service_receipt_signed"]
    assert [(f.severity, f.cite) for f in found] == [(BLOCKING, found[0].cite)] and "第二十五条" in found[0].cite
    assert "没有受送达人签收" in found[0].message
    sign_receipt(case, service, actor=case.handler)
    assert findings(case, "service_receipt_signed") == []


def test_留置送达须在送达回证上记明拒收事由和日期_劳动保障监察第二十七条(labour: World) -> None:
    case = serving(labour)
    with pytest.raises(InvalidInput) as err:
        do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.LODGED,
                          served_at=timez.now(), recipient="张三", note="见证人:王五", actor=case.handler)
    assert (err.value.code, err.value.detail) == ("missing_field", {"field": "refusal"})
    assert "拒收事由" in err.value.message
    service = do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.LODGED,
                                served_at=timez.now(), recipient="张三", refusal="当事人称对决定有异议,拒绝签收",
                                note="见证人:王五", actor=case.handler)
    receipt = act_document(case, service_act(service.pk))
    assert receipt is not None
    assert receipt.fields["notes"].splitlines()[0] == "拒收事由:当事人称对决定有异议,拒绝签收;拒收日期:2026-03-10"
    assert service.proof.refusal == "当事人称对决定有异议,拒绝签收"
    event = DomainEvent.objects.filter(action="case.record_service").latest("pk")
    assert event.payload["refusal"] == "当事人称对决定有异议,拒绝签收"


def test_留置送达未记明拒收事由的_检查指出并引用第二十七条() -> None:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    profile = get_profile("labor-inspection")
    assert [f for f in check(b, profile) if f.rule == "lodged_service_refusal"] == []
    lodged = next(s for s in b["services"] if s["method"] == "lodged")
    lodged.pop("refusal")
    found = [f for f in check(b, profile) if f.rule == "lodged_service_refusal"]
    assert [(f.subject, f.severity) for f in found] == [(lodged["id"], BLOCKING)]
    assert "第二十七条" in found[0].cite and "拒收事由和日期" in found[0].message


def test_委托转交送达须记录原因并由受送达人签收_劳动保障监察第二十八条(labour: World) -> None:
    case = serving(labour)
    with pytest.raises(InvalidInput) as err:
        do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.ENTRUSTED,
                          served_at=timez.now(), recipient="张三", note="受送达人外出", actor=case.handler)
    assert err.value.detail == {"field": "entrust_reason"}
    service = do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.ENTRUSTED,
                                served_at=timez.now(), recipient="张三", entrust_reason="受送达人外出,委托其单位办公室转交",
                                actor=case.handler)
    receipt = act_document(case, service_act(service.pk))
    assert receipt is not None and "委托、转交原因:受送达人外出,委托其单位办公室转交" in receipt.fields["notes"]
    found = [f for f in case_findings(case) if f.rule == "entrusted_service"]
    assert [f.message for f in found] == [f"委托/转交送达{service.document}缺少受送达人签收的送达回证:请补充"]
    assert "第二十八条" in found[0].cite and found[0].severity == BLOCKING
    sign_receipt(case, service, actor=case.handler)
    assert findings(case, "entrusted_service") == []


def test_决定文书以传真或电子邮件送达的_登记时即被拒绝_委员会第十六条(commission: World) -> None:
    case = serving(commission)
    for method in (ServiceMethod.FAX, ServiceMethod.ELECTRONIC):
        with pytest.raises(InvalidInput) as err:
            do_record_service(case, document_id=decision_document_id(case), method=method, served_at=timez.now(),
                              recipient="张三", fax_number="028-12345678", record="发送截图", actor=case.handler)
        assert err.value.code == "decision_service_method_refused"
        assert err.value.detail == {"field": "method", "rule": "electronic_service_excluded"}
        assert "不得以" in err.value.message and "第十六条" in err.value.message
    assert not case.services.exists()
    # Who tried is kept, as a refused attempt: nothing was served.
    tried = DomainEvent.objects.filter(action="case.record_service")
    assert {e.outcome for e in tried} == {"refused"} and tried.count() == 2


def test_决定文书以传真送达_劳动保障监察规范未排除的不拒绝(labour: World) -> None:
    # The labour rules name no exclusion of fax or e-mail for decisions: the registration stands.
    case = serving(labour)
    with pytest.raises(InvalidInput) as err:
        do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.FAX,
                          served_at=timez.now(), recipient="张三", actor=case.handler)
    assert err.value.detail == {"field": "fax_number"}
    with pytest.raises(InvalidInput) as err:
        do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.FAX,
                          served_at=timez.now(), recipient="张三", fax_number="张三的传真", actor=case.handler)
    assert err.value.code == "invalid_fax_number"
    service = do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.FAX,
                                served_at=timez.now(), recipient="张三", fax_number="028-12345678",
                                actor=case.handler)
    assert service.get_method_display() == "传真送达" and service.proof.fax_number == "028-12345678"
    # 在传真件上注明传真时间和受送达人的传真号码: the 送达回证 of the fax says both.
    receipt = act_document(case, service_act(service.pk))
    assert receipt is not None and "传真时间:2026-03-10 10:00;受送达人传真号码:028-12345678" in receipt.fields["notes"]
    exported = bundles.validate(export_case(case))
    item = next(s for s in exported["services"] if s["method"] == "fax")
    assert item["fax_number"] == "028-12345678"
    assert [f for f in case_findings(case) if f.rule == "electronic_service"] == []


def test_传真送达须注明传真时间和受送达人的传真号码_委员会第十六条() -> None:
    profile = get_profile("commission-rules")
    b = copy.deepcopy(bundles.example("commission-rules"))
    faxed = next(s for s in b["services"] if s["method"] == "electronic")
    faxed.update(method="fax", note="", record="传真发送报告")
    assert [f.message for f in check(b, profile) if f.rule == "electronic_service"] == [
        f"传真送达{faxed['document']}缺少传真时间和受送达人的传真号码:请补充"]
    faxed["fax_number"] = "028-12345678"  # the fax time is the service's own
    assert [f for f in check(b, profile) if f.rule == "electronic_service"] == []


def test_委托送达的情况须在其一栏记录_备注不能代替_委员会第十六条() -> None:
    profile = get_profile("commission-rules")
    b = copy.deepcopy(bundles.example("commission-rules"))
    entrusted = next(s for s in b["services"] if s["method"] == "direct")
    entrusted.update(method="entrusted", note="委托转交")
    assert [f.rule for f in check(b, profile) if f.subject == entrusted["id"]] == ["entrusted_service"]
    entrusted["entrust_reason"] = "受送达人住院,委托其单位办公室代收"
    assert [f.rule for f in check(b, profile) if f.subject == entrusted["id"]] == []


def test_拒收事由和委托原因随案件包导出导入(labour: World) -> None:
    case = serving(labour)
    lodged = do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.LODGED,
                               served_at=timez.now(), recipient="张三", refusal="拒绝签收", actor=case.handler)
    do_add_service_proof(lodged, entrust_reason="", refusal="当事人拒绝签收并离开", actor=case.handler)
    exported = bundles.validate(export_case(case))
    item = next(s for s in exported["services"] if s["method"] == "lodged")
    assert item["refusal"] == "当事人拒绝签收并离开"
    second = build_world(name="另一劳动保障监察大队")
    again = export_case(do_import_bundle(copy.deepcopy(exported), actor=second.root))
    assert next(s for s in again["services"] if s["method"] == "lodged")["refusal"] == "当事人拒绝签收并离开"


# ---------------------------------------------------------------- the schema change


def _migrate(target: tuple[str, str]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def before_refusal_fields(transactional_db: None) -> Iterator[Any]:
    """The database as it was before service proofs gained the refusal and entrusting reason."""
    apps = _migrate(("compliance", "0005_refreeze_service_proof_columns"))
    try:
        yield apps
    finally:
        migrate_to_latest()


def test_送达留痕增加拒收事由后_既有留痕经账本重新固定_核验无差异(before_refusal_fields: Any) -> None:
    world = build_world()
    case = register_case(world)
    service_model = before_refusal_fields.get_model("cases", "Service")
    proof_model = before_refusal_fields.get_model("compliance", "ServiceProof")
    with transaction.atomic():
        service = service_model.objects.create(case_id=case.pk, document="行政处罚决定书", method="mail",
                                               served_at=timez.now(), recipient="张三", recorded_by_id=world.alice.pk)
        proof = proof_model.objects.create(service_id=service.pk, receipt="EMS1234567890CN")
        record_event("case.record_service", case, actor=world.alice, changed=[service, proof])

    _migrate(("compliance", "0006_service_refusal_and_entrust_reason"))

    frozen = DomainEvent.objects.get(action="records.schema_change", object_type="compliance.serviceproof")
    assert frozen.actor_id is None and frozen.payload["records"] == 1
    do_make_checkpoint()
    report = verify_ledger()
    assert report.ok, [f"{p.code}: {p.message}" for p in report.problems]


def test_接口登记送达_拒收事由和决定文书的传真送达(labour: World, commission: World) -> None:
    case = serving(labour)
    api = ApiClient(case.handler)
    body = {"document_id": decision_document_id(case), "method": "lodged", "served_at": timez.now().isoformat(),
            "recipient": "张三"}
    refused = api.post(f"/api/cases/{case.pk}/services", body)
    assert (refused.status, refused.code, refused.body["detail"]) == (422, "missing_field", {"field": "refusal"})
    made = api.post(f"/api/cases/{case.pk}/services", {**body, "refusal": "当事人拒绝签收"})
    assert made.status == 201
    assert [(s["method"], s["refusal"]) for s in made.body["services"]] == [("lodged", "当事人拒绝签收")]

    decided = serving(commission)
    faxed = ApiClient(decided.handler).post(f"/api/cases/{decided.pk}/services", {
        **body, "document_id": decision_document_id(decided), "method": "fax", "fax_number": "028-12345678"})
    assert (faxed.status, faxed.code) == (422, "decision_service_method_refused")
    assert "不得以传真送达方式送达" in faxed.body["message"]
