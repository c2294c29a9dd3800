"""Reads for pages and API: every one starts from `.restrict(user)`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.cases import hooks, workflow
from lawtrail.cases.choices import AWAITING_EXAMINATION, OPEN_STAGES, ApprovalKind, Stage
from lawtrail.cases.models import Case, Complaint, FollowUp
from lawtrail.events.models import DomainEvent, Outcome
from lawtrail.lib import inbox, timez
from lawtrail.lib.paging import KeysetPage, counted, cursor_of, keyset_page


def visible_cases(user: User) -> QuerySet[Case]:
    return Case.objects.restrict(user).select_related("unit", "party", "handler", "agency")


def filter_cases(qs: QuerySet[Case], params: dict[str, Any]) -> QuerySet[Case]:
    if params.get("q"):
        qs = qs.filter(Q(number__icontains=params["q"]) | Q(title__icontains=params["q"]))
    if params.get("stage"):
        qs = qs.filter(stage=params["stage"])
    if params.get("unit"):
        qs = qs.filter(unit=params["unit"])
    if params.get("handler"):
        qs = qs.filter(handler=params["handler"])
    if params.get("party"):
        qs = qs.filter(party__name__icontains=params["party"])
    if params.get("date_from"):
        qs = qs.filter(registered_at__gte=_day_start(params["date_from"]))
    if params.get("date_to"):
        qs = qs.filter(registered_at__lt=_day_start(params["date_to"]) + dt.timedelta(days=1))
    return qs


# ---------------------------------------------------------------- the case list, page by page
#
# Keyset pages (lawtrail/lib/paging.py, keyset_page): newest first by (registered_at, id), which
# the composite indexes (agency|unit, registered_at, id) answer by reading a page's rows however
# deep the page.

PAGE_SIZE = 20


def case_cursor(case: Case) -> str:
    return cursor_of(case.registered_at, case.pk)


def case_page(qs: QuerySet[Case], *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> KeysetPage[Case]:
    """The `size` cases after the cursor `after` (older), or before `before` (newer), or the first
    page (lib.paging.keyset_page)."""
    return keyset_page(qs, "registered_at", after=after, before=before, size=size)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=timez.BEIJING)


def timeline(case: Case) -> QuerySet[DomainEvent]:
    where = Q(case_id_frozen=case.pk)
    if case.complaint_id is not None:
        # Documents made on the complaint before it became this case (登记表, 补正告知 …) belong to
        # its story: their events carry the complaint's id (lawtrail.documents.actions._payload).
        # They are found by their own ids (the documents app names them), so that the index on
        # (object_type, object_id) finds their events, not a scan of every document event without
        # a case.
        made = hooks.provided(hooks.COMPLAINT_RECORDS, case.complaint_id, default=None)
        on_complaint = Q(object_type="documents.document", case_id_frozen__isnull=True,
                         payload__complaint_id=case.complaint_id)
        if made is not None:
            on_complaint &= Q(object_id__in=made.get("documents.document", []))
        where |= on_complaint
    return DomainEvent.objects.filter(where, outcome=Outcome.DONE).order_by("id")


@dataclass
class NextStep:
    kind: str  # "approval", "move", "decision", "service", "service_proof", "officers"
    key: str
    label: str


def next_steps(case: Case, user: User) -> list[NextStep]:
    """What this user may do on this case now (what the case page offers)."""
    steps: list[NextStep] = []
    for kind in workflow.pending_approval_kinds(case):
        if workflow.may_approve(user, case, kind):
            steps.append(NextStep("approval", kind, ApprovalKind(kind).label))
    is_officer = workflow.is_case_officer(user, case)
    if case.stage == Stage.REVIEWING and is_officer:
        steps.append(NextStep("decision", "decision", "拟定/修改处理决定"))
    if case.stage == Stage.SERVING and is_officer:
        steps.append(NextStep("service", "service", "登记送达"))
        if case.services.exists():
            steps.append(NextStep("service_proof", "service_proof", "补充送达留痕"))
    if case.stage in (Stage.FILED, Stage.INVESTIGATING) and is_officer:
        steps.append(NextStep("officers", "officers", "调整办案人员"))
    if case.stage in (Stage.SERVING, Stage.CLOSED) and case.decision_kind and \
            (is_officer or user.has_role(Role.HEAD, case.unit_id)):
        # After the decision: its 履行情况, the 整改核查 by its 期限, the court's 受理 and result.
        steps.append(NextStep("follow_up", "follow_up", "记录履行、整改核查(复查)或法院受理、执行结果"))
        steps.append(NextStep("follow_up_due", "follow_up_due", "登记履行或整改期限"))
    for move in workflow.MOVES.get(Stage(case.stage), ()):
        if move.offered and case.procedure in move.procedures and workflow.may_move(user, case, move):
            steps.append(NextStep("move", move.to, move.label))
    return steps


def follow_up_due_at(follow_up: FollowUp) -> dt.datetime | None:
    """The end of a follow-up's due day, Beijing time: a 整改期限 is a date, the check may be made all that day."""
    if follow_up.due_on is None:
        return None
    day = follow_up.due_on + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=timez.BEIJING)


def follow_up_overdue(follow_up: FollowUp) -> bool:
    due = follow_up_due_at(follow_up)
    return follow_up.checked_at is None and due is not None and due <= timez.now()


# The stages where a case waits for an opinion (立案审批, 紧急启动补办, 决定审批).
_FILING_WAIT = Q(stage=Stage.REGISTERED) | Q(emergency=True, stage__in=[Stage.FILED, Stage.INVESTIGATING])
_DECISION_WAIT = Q(stage=Stage.REVIEWING, decided_at__isnull=False)


def may_approve_any(user: User) -> bool:
    """Whether any opinion of the case workflow could be this user's (the roles in workflow.may_approve)."""
    return user.is_superuser or any(g.role in (Role.HEAD, Role.LEGAL_REVIEWER) for g in user.grants)


def _approvals_for(user: User) -> Q:
    """The waiting cases whose opinions this user's roles could give (workflow.may_approve, in SQL):
    a unit's head gives its 承办机构意见, an agency head the filing and decision opinions, a legal
    reviewer the 法制审核 of a drafted decision."""
    if user.is_superuser or user.has_agency_role(Role.HEAD):
        return _FILING_WAIT | _DECISION_WAIT
    where = Q(pk__in=[])
    head_units = {g.unit_id for g in user.grants if g.role == Role.HEAD and g.unit_id}
    if head_units:
        where |= _FILING_WAIT & Q(unit_id__in=head_units)
    if user.has_role(Role.LEGAL_REVIEWER):
        where |= _DECISION_WAIT
    return where


def waiting_approvals(user: User, *, limit: int = 200) -> list[tuple[Case, str]]:
    """The opinions waiting for this user: (case, what is asked), oldest first. Two queries however
    many cases: the first `limit` candidates the user's roles could answer, and their approvals.

    The roles narrow the candidates in SQL; the order of opinions (a head's opinion waits for the
    unit head's) is judged here, so a candidate whose next opinion is another's is left out and the
    list may hold fewer than `limit` while more wait behind (the inbox says "50+" past its limit)."""
    if not may_approve_any(user):
        return []
    candidates = visible_cases(user).filter(_approvals_for(user)).prefetch_related("approvals") \
        .order_by("registered_at", "pk")
    out: list[tuple[Case, str]] = []
    for case in candidates[:limit]:
        for kind in workflow.pending_approval_kinds(case):
            if workflow.may_approve(user, case, kind):
                out.append((case, ApprovalKind(kind).label))
    return out


def my_work(user: User) -> dict[str, Any]:
    """The officer's home page: cases I handle, complaints to examine, the counts by stage."""
    cases = visible_cases(user)
    mine = cases.filter(Q(handler=user) | Q(officers=user)).distinct()
    complaints = Complaint.objects.restrict(user).filter(
        status__in=AWAITING_EXAMINATION).select_related("respondent", "unit")
    # The counts by stage read every case of the user's reach (archived ones too): counted at most
    # once a minute per user, as the lists' totals are (lib.paging).
    counts, counted_at = counted(f"stages:{user.pk}", lambda: dict(
        cases.order_by().values("stage").annotate(n=Count("pk")).values_list("stage", "n")))
    return {
        "my_cases": mine.filter(stage__in=OPEN_STAGES)[:20],
        "complaints": complaints[:20],
        "stage_counts": {s.label: counts.get(s.value, 0) for s in Stage},
        "stage_counted_at": counted_at,
    }


# ---------------------------------------------------------------- 我的待办 (registered in apps.py)


def inbox_approvals(user: User) -> list[inbox.Item]:
    return [inbox.Item(case.label, case.title, asked, reverse("case_detail", args=[case.pk]))
            for case, asked in waiting_approvals(user, limit=inbox.LIMIT + 1)]

