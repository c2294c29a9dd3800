"""案号: given at filing, sequential and gap-free per agency, Beijing year and procedure."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.cases import actions
from lawtrail.cases.actions import do_give_approval
from lawtrail.cases.choices import ApprovalKind, Stage
from lawtrail.cases.models import Case, CaseNumberCounter
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, DomainError, Forbidden
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing, file_case, register_case


def approve_filing(world: World, case: Case) -> Case:
    do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意立案", actor=world.hank)
    case.refresh_from_db()
    return case


def test_numbers_are_sequential_in_the_order_cases_are_filed(world: World) -> None:
    first, second, third = (register_case(world, title=f"案件{i}") for i in range(3))
    numbers = [approve_filing(world, c).number for c in (third, first, second)]
    year = timez.beijing(timez.now()).year
    assert numbers == [f"测劳监立〔{year}〕第{seq}号" for seq in (1, 2, 3)]


def test_a_rejected_or_refused_filing_leaves_no_gap(world: World) -> None:
    first, rejected, refused, last = (register_case(world, title=f"案件{i}") for i in range(4))
    approve_filing(world, first)
    do_give_approval(rejected, kind=ApprovalKind.FILING_HEAD, approved=False, opinion="不予立案",
                     actor=world.hank)
    with pytest.raises(Forbidden):
        do_give_approval(refused, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意", actor=world.alice)
    approve_filing(world, last)
    assert [c.number_seq for c in Case.objects.exclude(number=None).order_by("filed_at", "id")] == [1, 2]
    assert Case.objects.get(pk=rejected.pk).number is None


def test_a_filing_that_fails_after_drawing_its_number_gives_the_number_back(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    unlucky, next_one = register_case(world, title="甲"), register_case(world, title="乙")
    real_transition = actions._record_transition

    def someone_else_moved_it(case: Case, *args: object, **kwargs: object) -> None:
        raise Conflict("stale_case", "案件已被他人更新")

    monkeypatch.setattr(actions, "_record_transition", someone_else_moved_it)
    with pytest.raises(Conflict):
        approve_filing(world, unlucky)
    monkeypatch.setattr(actions, "_record_transition", real_transition)

    unlucky.refresh_from_db()
    assert (unlucky.stage, unlucky.number) == (Stage.REGISTERED, None)
    assert not unlucky.approvals.exists()
    assert approve_filing(world, next_one).number_seq == 1
    assert approve_filing(world, unlucky).number_seq == 2


def test_a_refused_emergency_start_does_not_draw_a_number(world: World) -> None:
    with pytest.raises(DomainError):
        register_case(world, emergency=True, emergency_reason="")
    assert register_case(world, emergency=True, emergency_reason="当事人正在转移财产").number_seq == 1


def test_agriculture_numbers_a_case_only_at_its_last_filing_opinion(db: None) -> None:
    agri = build_world("agriculture")
    case = register_case(agri)
    do_give_approval(case, kind=ApprovalKind.FILING_UNIT_HEAD, approved=True, opinion="拟同意", actor=agri.uma)
    assert not CaseNumberCounter.objects.filter(last_seq__gt=0).exists()
    assert file_case(agri, case).number_seq == 1


def test_each_agency_numbers_its_cases_in_its_own_sequence(world: World) -> None:
    other = build_world(name="第二区劳动保障监察大队")
    approve_filing(world, register_case(world))
    approve_filing(world, register_case(world))
    theirs = approve_filing(other, register_case(other))
    assert theirs.number_seq == 1
    assert theirs.agency == other.agency


def test_the_year_is_beijings_and_each_year_starts_again_at_one(
        world: World, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(beijing(2026, 12, 31, 23, 30), tick=False)
    assert approve_filing(world, register_case(world)).number == "测劳监立〔2026〕第1号"
    assert approve_filing(world, register_case(world)).number == "测劳监立〔2026〕第2号"
    # 00:30 on New Year's Day in Beijing is still 31 December in UTC.
    time_machine.move_to(beijing(2027, 1, 1, 0, 30), tick=False)
    assert timez.now().year == 2026
    late = approve_filing(world, register_case(world))
    assert late.number == "测劳监立〔2027〕第1号"
    assert (late.number_year, late.number_seq) == (2027, 1)


def test_the_number_follows_the_filing_not_the_registration_year(
        world: World, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(beijing(2026, 12, 30), tick=False)
    case = register_case(world)
    time_machine.move_to(beijing(2027, 1, 4), tick=False)
    assert approve_filing(world, case).number == "测劳监立〔2027〕第1号"


# ---------------------------------------------------------------- concurrency (PostgreSQL)


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_get_distinct_consecutive_numbers() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so filings cannot race "
                    f"(running on {connection.vendor}; set DATABASE_URL to a PostgreSQL database)")
    world = build_world()
    case_ids = [register_case(world, title=f"并发立案{i}").pk for i in range(8)]
    start = threading.Barrier(len(case_ids))
    errors: list[BaseException] = []

    def file_one(case_id: int) -> None:
        try:
            hank = User.objects.get(pk=world.hank.pk)
            case = Case.objects.get(pk=case_id)
            start.wait(timeout=30)
            do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意", actor=hank)
        except BaseException as err:  # reported by the main thread
            errors.append(err)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=file_one, args=(pk,)) for pk in case_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    filed = Case.objects.filter(pk__in=case_ids)
    assert sorted(c.number_seq for c in filed) == list(range(1, 9))
    assert len({c.number for c in filed}) == 8
    assert all(c.stage == Stage.FILED for c in filed)
    year = timez.beijing(timez.now()).year
    assert CaseNumberCounter.objects.get(agency=world.agency, year=year, procedure="general").last_seq == 8
