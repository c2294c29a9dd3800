"""What the steps add to the case file beyond the filing, the decision, the services and the closing:
the 卷内目录's order comes from the profile, the decision's 报批表 follows its decision through the
version chain, and a penalty is not served before the party is told its rights.

Personas (lawtrail.testing.personas): alice handles the case, andy investigates with her, hank
heads the agency, lena reviews legality.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from time_machine import TimeMachineFixture

from lawtrail.cases.actions import do_record_decision, do_transition_case
from lawtrail.cases.choices import DecisionKind, Stage
from lawtrail.cases.models import Case
from lawtrail.documents.catalogue import catalogue
from lawtrail.documents.models import Document
from lawtrail.documents.steps import DECISION_APPROVAL, act_document
from lawtrail.lib.errors import Conflict
from lawtrail.profiles.registry import ProfileError, all_profiles, base_profile, extend, load_profile
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import (
    DECISION_DOCUMENT_FIELDS,
    advance,
    approve_decision,
    beijing,
    draft_decision,
    file_case,
    notify_rights,
    register_case,
)


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def test_every_name_in_the_case_file_order_is_a_document_type_or_the_recordings() -> None:
    order = base_profile().case_file_order
    assert order and len(set(order)) == len(order)
    assert set(order) - {"media"} <= set(catalogue())
    for profile in all_profiles().values():
        assert profile.case_file_order  # each agency has one: its own, or the national base's


def _profile(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "local.yaml"
    path.write_text("id: local\nname: 某规定\nagency_kind: 测试\nsource: x.txt\n" + extra + "rules: {}\n",
                    encoding="utf-8")
    return path


def test_an_agency_profile_may_give_its_own_order_and_the_loader_names_a_bad_one(tmp_path: Path) -> None:
    own = extend(base_profile(), load_profile(_profile(tmp_path, "case_file_order: [penalty_decision, media]\n")))
    assert own.case_file_order == ("penalty_decision", "media")
    inherited = extend(base_profile(), load_profile(_profile(tmp_path, "")))
    assert inherited.case_file_order == base_profile().case_file_order
    for bad in ("case_file_order: penalty_decision\n", "case_file_order: [media, media]\n"):
        with pytest.raises(ProfileError) as err:
            load_profile(_profile(tmp_path, bad))
        assert "case_file_order" in err.value.message and "第5行" in err.value.message


def test_a_redrafted_decision_approved_again_makes_the_next_version_of_its_approval_form(
        world: World, clock: TimeMachineFixture) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    draft_decision(case, text="罚款2万元")
    approve_decision(world, case)
    first = act_document(case, DECISION_APPROVAL)
    assert first is not None and first.status == "issued" and "罚款2万元" in first.fields["proposal"]
    clock.shift(dt.timedelta(minutes=10))
    draft_decision(case, text="罚款3万元")
    assert act_document(case, DECISION_APPROVAL) == first  # the new draft is not approved yet
    approve_decision(world, case)
    second = act_document(case, DECISION_APPROVAL)
    assert second is not None and second.previous_id == first.pk and second.version == 2
    assert second.status == "issued" and "罚款3万元" in second.fields["proposal"]
    assert Document.objects.get(pk=first.pk).status == "superseded"
    assert {(s.slot, s.name) for s in second.signatures.filter(kind="approval")} == {
        ("legal_review", world.lena.display_name), ("head", world.hank.display_name)}


def _reviewing_without_notice(world: World) -> Case:
    case = file_case(world, register_case(world))
    do_transition_case(case, to=Stage.INVESTIGATING, actor=world.alice)
    do_transition_case(case, to=Stage.REVIEWING, fields={"investigation_summary": "查明拖欠工资属实"}, actor=world.alice)
    return case


def test_a_penalty_is_not_served_before_the_party_is_told_its_rights(world: World) -> None:
    case = _reviewing_without_notice(world)
    draft_decision(case)
    approve_decision(world, case)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert err.value.code == "step_incomplete"
    assert "尚未记录告知当事人陈述、申辩" in err.value.message and "第六十二条" in err.value.message
    assert Case.objects.get(pk=case.pk).stage == Stage.REVIEWING


def test_an_order_waits_for_the_rights_record_where_the_agencys_text_asks_it(world: World) -> None:
    # 劳动 第十五条: 告知…权利的方式,应制作告知书或者在…笔录中予以记录 — before any decision, not only a penalty.
    case = _reviewing_without_notice(world)
    do_record_decision(case, kind=DecisionKind.ORDER, text="责令支付拖欠工资", basis="《劳动保障监察条例》第二十六条",
                       penalty_amount=None, document_fields={**DECISION_DOCUMENT_FIELDS, "deadline_on": "2026-12-31"},
                       actor=world.alice)
    approve_decision(world, case)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert "尚未记录告知当事人陈述、申辩" in err.value.message and "第十五条" in err.value.message
    notify_rights(case)
    do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert Case.objects.get(pk=case.pk).stage == Stage.SERVING


def test_an_order_is_served_with_the_notice_still_a_reminder_where_only_the_national_law_applies(
        db: None) -> None:
    # 《行政处罚法》第四十四条 speaks of penalties; the work-safety rules restate no 权利告知 article.
    safety = build_world("safety-production", name="测试区应急管理局")
    case = _reviewing_without_notice(safety)
    do_record_decision(case, kind=DecisionKind.ORDER, text="责令限期整改", basis="《安全生产法》",
                       penalty_amount=None, document_fields={**DECISION_DOCUMENT_FIELDS, "deadline_on": "2026-12-31"},
                       actor=safety.alice)
    approve_decision(safety, case)
    do_transition_case(case, to=Stage.SERVING, actor=safety.alice)
    assert Case.objects.get(pk=case.pk).stage == Stage.SERVING
