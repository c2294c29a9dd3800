"""日常巡视检查 and its outcomes; 简易程序 cases decided on the spot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.cases.actions import (
    SIMPLE_ITEMS,
    do_decide_simple_case,
    do_record_inspection,
    do_transition_case,
)
from lawtrail.cases.choices import CaseSource, DecisionKind, InspectionOutcome, Procedure, Stage
from lawtrail.cases.models import Case, Inspection
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, InvalidInput
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, archive, beijing, register_case

NOW = beijing(2026, 5, 20, 15, 0)


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def inspect(world: World, outcome: str, **extra: object) -> Inspection:
    return do_record_inspection(
        unit=world.unit_a, party=world.company, place="名山区某路1号工地", started_at=NOW - dt.timedelta(hours=2),
        ended_at=NOW - dt.timedelta(hours=1), officers=[world.andy], findings="查看工资发放台账,发现3月工资未发放",
        outcome=outcome, actor=world.alice, **extra,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------- inspections


@pytest.mark.parametrize("outcome", [InspectionOutcome.RECORD, InspectionOutcome.RECOMMENDATION])
def test_an_inspection_may_end_in_a_record_or_a_recommendation_without_a_case(world: World, outcome: str) -> None:
    inspection = inspect(world, outcome)
    assert inspection.outcome == outcome
    assert set(inspection.officers.all()) == {world.alice, world.andy}
    assert not Case.objects.exists()


def test_an_order_to_rectify_needs_its_deadline(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        inspect(world, InspectionOutcome.RECTIFICATION)
    assert err.value.detail == {"field": "rectification_deadline"}
    assert not Inspection.objects.exists()

    inspection = inspect(world, InspectionOutcome.RECTIFICATION, rectification_deadline=dt.date(2026, 6, 5))
    assert Inspection.objects.get(pk=inspection.pk).rectification_deadline == dt.date(2026, 6, 5)
    assert not Case.objects.exists()


def test_an_inspection_that_opens_a_case_registers_it_for_filing(world: World) -> None:
    inspection = inspect(world, InspectionOutcome.OPEN_CASE, case_title="拖欠工资", handler_opinion="建议立案")
    case = Case.objects.get(inspection=inspection)
    assert case.stage == Stage.REGISTERED
    assert case.source == CaseSource.INSPECTION
    assert case.party == world.company
    assert case.handler == world.alice
    assert case.facts == inspection.findings
    assert set(case.officers.all()) == {world.alice, world.andy}
    assert case.number is None


def test_an_inspection_that_opens_a_case_is_not_saved_when_the_case_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        inspect(world, InspectionOutcome.OPEN_CASE, case_title="", handler_opinion="建议立案")
    assert err.value.detail == {"field": "title"}
    assert not Inspection.objects.exists()
    assert not Case.objects.exists()


@pytest.mark.parametrize(("started", "ended", "code"), [
    (NOW - dt.timedelta(hours=1), NOW - dt.timedelta(hours=1), "bad_time_range"),
    (NOW - dt.timedelta(hours=1), NOW - dt.timedelta(hours=2), "bad_time_range"),
    (NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1), "time_in_future"),
])
def test_an_inspection_must_end_after_it_starts_and_not_in_the_future(
        world: World, started: dt.datetime, ended: dt.datetime, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        do_record_inspection(unit=world.unit_a, party=world.company, place="工地", started_at=started,
                             ended_at=ended, officers=[], findings="无", outcome=InspectionOutcome.RECORD,
                             actor=world.alice)
    assert err.value.code == code
    assert not Inspection.objects.exists()


def test_an_inspection_needs_certified_officers(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        do_record_inspection(
            unit=world.unit_a, party=world.company, place="工地", started_at=NOW - dt.timedelta(hours=2),
            ended_at=NOW - dt.timedelta(hours=1), officers=[world.lena], findings="无",
            outcome=InspectionOutcome.RECORD, actor=world.alice)
    assert err.value.code == "not_an_officer"


# ---------------------------------------------------------------- simple procedure (简易程序)


def simple_items(**overrides: str) -> dict[str, str]:
    items = {key: f"{label}:已记录" for key, label in SIMPLE_ITEMS}
    items.update(overrides)
    return items


def decide_simple(world: World, *, by: User | None = None, items: dict[str, str] | None = None,
                  penalty: Decimal | None = Decimal("200"), paid_on_spot: bool = True) -> Case:
    by = by or world.alice
    return do_decide_simple_case(
        unit=by.unit or world.unit_a, party=world.person, title="未按规定公示劳动规章制度",
        items=simple_items() if items is None else items, decision_text="当场罚款200元",
        penalty_amount=penalty, paid_on_spot=paid_on_spot, officers=[world.andy] if by == world.alice else [],
        document_fields={"place": "某某公司门店"}, actor=by,
    )


def test_a_simple_procedure_case_is_numbered_decided_and_closed_at_once(world: World) -> None:
    case = decide_simple(world)
    case.refresh_from_db()
    assert case.procedure == Procedure.SIMPLE
    assert case.number == "测劳监简〔2026〕第1号"
    assert case.stage == Stage.CLOSED
    assert case.registered_at == case.filed_at == case.closed_at == case.decided_at == NOW
    assert case.decision_kind == DecisionKind.PENALTY
    assert case.penalty_amount == Decimal("200")
    assert case.execution_result == "当场缴纳罚款"
    assert case.archive_due_at == NOW + dt.timedelta(days=30)
    assert case.simple_record["paid_on_spot"] == "是"
    assert set(case.officers.all()) == {world.alice, world.andy}


def test_a_simple_case_without_a_fine_is_an_order(world: World) -> None:
    case = decide_simple(world, penalty=None, paid_on_spot=False)
    assert case.decision_kind == DecisionKind.ORDER
    assert case.execution_result == ""


def test_simple_and_general_cases_are_numbered_in_separate_sequences(world: World) -> None:
    general = advance(world, register_case(world), Stage.FILED)
    first, second = decide_simple(world), decide_simple(world)
    assert general.number == "测劳监立〔2026〕第1号"
    assert [first.number, second.number] == ["测劳监简〔2026〕第1号", "测劳监简〔2026〕第2号"]


@pytest.mark.parametrize("missing", [key for key, _label in SIMPLE_ITEMS])
def test_a_simple_case_needs_every_item_the_rules_list(world: World, missing: str) -> None:
    for items in (simple_items(**{missing: "  "}), {k: v for k, v in simple_items().items() if k != missing}):
        with pytest.raises(InvalidInput) as err:
            decide_simple(world, items=items)
        assert err.value.code == "missing_field"
        assert err.value.detail == {"field": missing}
    assert not Case.objects.exists()


def test_a_simple_case_refuses_a_negative_fine(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        decide_simple(world, penalty=Decimal("-1"))
    assert err.value.code == "invalid_amount"
    assert not Case.objects.exists()


def test_a_simple_case_goes_to_the_archive_but_never_into_investigation(world: World) -> None:
    case = decide_simple(world)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.INVESTIGATING, actor=world.alice)
    assert err.value.code == "illegal_transition"
    # The step issued its 当场行政处罚决定书, signed by both officers; the party signs it on the tablet.
    from lawtrail.documents.steps import SIMPLE, act_document
    from lawtrail.testing.documents import sign_all

    on_spot = act_document(case, SIMPLE)
    assert on_spot is not None and on_spot.status == "issued" and on_spot.fields["place"] == "某某公司门店"
    assert {s.name for s in on_spot.signatures.filter(slot="officers")} == {
        world.alice.display_name, world.andy.display_name}
    with pytest.raises(Conflict) as err:
        archive(world, case)
    assert "当场行政处罚决定书缺少当事人的签名" in err.value.message
    sign_all(on_spot, [world.alice])
    archive(world, case)
    assert case.stage == Stage.ARCHIVED
    assert case.archived_at == timez.now()
