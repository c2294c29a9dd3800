"""A small supervision picture for the dashboard tests: cases in two units and three agencies, with
the stored findings and deadline states the compliance store's refresh writes (made here with
the ORM as fixture data: the store itself is not under test)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lawtrail.accounts.actions import do_create_user, do_grant_oversight
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.compliance.models import Deadline, StoredFinding
from lawtrail.testing.personas import PASSWORD, World, build_world
from lawtrail.testing.scenarios import beijing, file_case, register_case

NOW = beijing(2026, 12, 1, 9, 0)
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}


@dataclass
class Picture:
    w: World  # the labour agency (测试区劳动保障监察大队): sam supervises, hank heads, uma heads 一中队
    w2: World  # a second agency the supervising office oversees
    w3: World  # an agency it does not oversee
    c1: Case  # alice, 一中队, registered March: an open 音像 finding, an overdue deadline
    c2: Case  # alice, 一中队, filed, registered June: a resolved storage finding
    c3: Case  # bob, 二中队, registered June: an open 音像 finding, a deadline near
    old: Case  # alice, 一中队, registered 2024: outside the period
    s1: Case  # the second agency's case, registered May: an open finding
    x1: Case  # the third agency's case
    office: User  # the supervising office (jiandu): oversees w and w2, belongs to no agency


def _registered(case: Case, at: dt.datetime) -> Case:
    # Registration time is the action's clock; the picture needs cases spread over the year.
    Case.objects.filter(pk=case.pk).update(registered_at=at)
    case.refresh_from_db()
    return case


def finding(case: Case, rule: str, article: str, first_seen: dt.datetime, resolved: dt.datetime | None = None,
            subject: str = "case") -> StoredFinding:
    """A finding as compliance/store.py's refresh_case stores it (scope columns copied from the case)."""
    return StoredFinding.objects.create(
        case=case, agency_id=case.agency_id, unit_id=case.unit_id, handler_id=case.handler_id,
        profile_id=case.agency.profile_id, rule=rule, article=article, severity="blocking", subject=subject,
        message="测试问题", first_seen_at=first_seen, last_seen_at=resolved or first_seen, resolved_at=resolved)


def deadline(case: Case, state: str, due: dt.datetime, label: str = "补办审批") -> Deadline:
    """A deadline state as the store's refresh writes it."""
    return Deadline.objects.create(
        case=case, agency_id=case.agency_id, unit_id=case.unit_id, handler_id=case.handler_id,
        rule="emergency_start", article="第十条", subject="case", label=label, due_at=due,
        warn_at=due - dt.timedelta(days=3), state=state, refreshed_at=NOW)


def build_picture() -> Picture:
    w = build_world()
    w2 = build_world("safety-production", name="测试区应急管理局")
    w3 = build_world("agriculture", name="测试区农业农村局")
    c1 = _registered(register_case(w, title="三月拖欠工资"), beijing(2026, 3, 10))
    c2 = _registered(file_case(w, register_case(w, title="六月未签合同")), beijing(2026, 6, 1))
    c3 = _registered(register_case(w, by=w.bob, title="六月超时加班"), beijing(2026, 6, 15))
    old = _registered(register_case(w, title="旧案"), beijing(2024, 1, 1))
    s1 = _registered(register_case(w2, title="应急案件"), beijing(2026, 5, 1))
    x1 = _registered(register_case(w3, title="农业案件"), beijing(2026, 5, 2))
    finding(c1, "av_required", "第十七条", beijing(2026, 3, 11))
    finding(c2, "evidence_storage", "第三十三条", beijing(2026, 6, 2), resolved=beijing(2026, 7, 1))
    finding(c3, "av_required", "第十七条", beijing(2026, 6, 16))
    finding(old, "filing_approval", "第十二条", beijing(2024, 1, 2))
    finding(s1, "legal_review", "第二十条", beijing(2026, 5, 3))
    finding(x1, "legal_review", "第二十条", beijing(2026, 5, 3))
    deadline(c1, Deadline.OVERDUE, beijing(2026, 11, 20))
    deadline(c3, Deadline.NEAR, beijing(2026, 12, 3))
    deadline(c2, Deadline.MET, beijing(2026, 7, 1))
    deadline(x1, Deadline.OVERDUE, beijing(2026, 11, 1))
    office = do_create_user(username="jiandu", password=PASSWORD, full_name="韩立", agency=None, unit=None,
                            roles=[(Role.SUPERVISOR, None)], actor=None)
    do_grant_oversight(office, agencies=[w.agency, w2.agency], actor=None)
    return Picture(w, w2, w3, c1, c2, c3, old, s1, x1, office)
