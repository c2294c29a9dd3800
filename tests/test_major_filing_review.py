"""重大行政执法行为的程序启动审批表还应载明法制机构合法性审查意见 (the agriculture rules' 第七条): a case
registered as major waits for the legal office's review before the head's approval, the 立案审批表
carries it, and the check names it missing."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from time_machine import TimeMachineFixture

from lawtrail.cases import workflow
from lawtrail.cases.actions import do_give_approval, do_register_case
from lawtrail.cases.choices import ApprovalKind, CaseSource, Stage
from lawtrail.cases.models import Case
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.engine import BLOCKING, evaluate
from lawtrail.compliance.export import export_case
from lawtrail.documents.models import Document
from lawtrail.events.models import DomainEvent
from lawtrail.events.recorder import record_event
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib.errors import Forbidden
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing, file_case
from lawtrail.testing.schema import migrate_to_latest

NOW = beijing(2026, 3, 10, 10, 0)


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def agri(db: None) -> World:
    return build_world("agriculture", name="测试区农业农村局")


def register(world: World, *, major: bool) -> Case:
    return do_register_case(unit=world.unit_a, title="销售假劣农药", source=CaseSource.INSPECTION, party=world.company,
                            facts="检查发现销售假农药200瓶", handler=world.alice, officers=[world.andy],
                            handler_opinion="建议立案调查", major=major, actor=world.alice)


def test_重大行政执法行为立案须经法制机构合法性审查_载明于立案审批表_农业第七条(agri: World) -> None:
    case = register(agri, major=True)
    profile = workflow.profile_of(case)
    assert workflow.missing_filing_approvals(case, profile) == [
        ApprovalKind.FILING_UNIT_HEAD, ApprovalKind.FILING_LEGAL_REVIEW, ApprovalKind.FILING_HEAD]
    do_give_approval(case, kind=ApprovalKind.FILING_UNIT_HEAD, approved=True, opinion="同意", actor=agri.uma)
    assert workflow.pending_approval_kinds(case) == [ApprovalKind.FILING_LEGAL_REVIEW]
    with pytest.raises(Forbidden):  # the head is not the legal office
        do_give_approval(case, kind=ApprovalKind.FILING_LEGAL_REVIEW, approved=True, opinion="合法", actor=agri.hank)
    do_give_approval(case, kind=ApprovalKind.FILING_LEGAL_REVIEW, approved=True,
                     opinion="经审查,立案符合法定条件和程序", actor=agri.lena)
    case = file_case(agri, case)
    assert case.stage == Stage.FILED
    form = Document.objects.get(case=case, type_code="filing_approval_form")
    opinions = {s.slot: s.opinion for s in form.signatures.all() if s.role == "approver"}
    assert opinions["filing_approval.legal_review"] == "经审查,立案符合法定条件和程序"
    assert [f for f in evaluate(export_case(case), get_profile("agriculture"), now=NOW)
            if f.rule == "filing_approval"] == []


def test_非重大的立案不需要法制机构审查(agri: World) -> None:
    case = file_case(agri, register(agri, major=False))
    assert case.stage == Stage.FILED
    assert not case.approvals.filter(kind=ApprovalKind.FILING_LEGAL_REVIEW).exists()


def test_重大行政执法行为的立案审批表缺少合法性审查意见的_检查指出() -> None:
    b = copy.deepcopy(bundles.example("agriculture"))
    b["case"].update(major=True, emergency=False)
    found = [f for f in evaluate(bundles.validate(b), get_profile("agriculture"), now=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
             if f.rule == "filing_approval"]
    assert [(f.article, f.severity) for f in found] == [("第七条", BLOCKING)]
    assert found[0].message == "重大行政执法行为的立案审批表缺少法制机构合法性审查意见:请补办立案审批"


def test_登记案件时可标明重大行政执法行为_接口(agri: World) -> None:
    reply = ApiClient(agri.alice).post("/api/cases", {
        "unit_id": agri.unit_a.pk, "title": "销售假劣农药", "source": "inspection", "party_id": agri.company.pk,
        "facts": "检查发现销售假农药200瓶", "handler_id": agri.alice.pk, "officer_ids": [agri.andy.pk],
        "handler_opinion": "建议立案调查", "major": True})
    assert reply.status == 201, reply.body
    assert reply.body["major"] is True
    assert Case.objects.get(pk=reply.body["id"]).major


# ---------------------------------------------------------------- the schema change


def _migrate(target: tuple[str, str]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def before_major(transactional_db: None) -> Iterator[Any]:
    """The database as it was before cases gained the 重大行政执法行为 flag (and, after, as it is now)."""
    apps = _migrate(("cases", "0010_service_fax_method"))
    try:
        yield apps
    finally:
        migrate_to_latest()


def test_案件增加重大行政执法行为标记后_既有案件经账本重新固定_核验无差异(before_major: Any) -> None:
    world = build_world()
    model = before_major.get_model("cases", "Case")
    with transaction.atomic():
        case = model.objects.create(
            agency_id=world.agency.pk, unit_id=world.unit_a.pk, title="拖欠劳动者工资", source="complaint",
            party_id=world.company.pk, facts="拖欠工资", handler_id=world.alice.pk, registered_at=NOW)
        record_event("case.register", case, actor=world.alice)

    _migrate(("cases", "0011_case_major"))

    frozen = DomainEvent.objects.get(action="records.schema_change", object_type="cases.case")
    assert frozen.actor_id is None and frozen.payload["records"] == 1
    assert Case.objects.get(pk=case.pk).major is False
    do_make_checkpoint()
    report = verify_ledger()
    assert report.ok, [f"{p.code}: {p.message}" for p in report.problems]
