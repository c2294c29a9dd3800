"""Reads of the evidence vault, each starting from what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Inspection, Service
from lawtrail.evidence.models import Evidence, Interruption, LinkRejection, ReceptionSegment


def visible_evidence(user: User) -> QuerySet[Evidence]:
    # access: marked records the user is not cleared for are left out (lawtrail/access/policy.py).
    from lawtrail.access.policy import restrict

    return restrict(Evidence.objects.all(), user).select_related(
        "stored", "unit", "case", "officer")


def visible_interruptions(user: User) -> QuerySet[Interruption]:
    return Interruption.objects.restrict(user).select_related(
        "before", "after", "voice_note", "explained_by")


def visible_segments(user: User) -> QuerySet[ReceptionSegment]:
    return ReceptionSegment.objects.restrict(user).select_related(
        "evidence", "evidence__stored")


def filter_evidence(qs: QuerySet[Evidence], *, case_id: int | None = None, evidence_class: str = "",
                    unassigned: bool = False, flagged: bool = False, q: str = "") -> QuerySet[Evidence]:
    if case_id:
        qs = qs.filter(case_id=case_id)
    if evidence_class:
        qs = qs.filter(evidence_class=evidence_class)
    if unassigned:
        qs = qs.filter(case__isnull=True)
    if flagged:
        qs = qs.exclude(media_problem="")
    if q:
        qs = qs.filter(Q(original_name__icontains=q) | Q(label_case_number__icontains=q)
                       | Q(device_serial__icontains=q) | Q(officer_name__icontains=q)
                       | Q(stored__sha256__startswith=q.lower()))
    return qs


@dataclass(frozen=True)
class Proposal:
    """关联建议 — a case whose on-site act overlaps the recording in time, for a person to confirm."""

    case: Case
    act: str
    act_start: dt.datetime
    act_end: dt.datetime
    act_id: int
    inspection: Inspection | None = None


def link_proposals(evidence: Evidence, user: User) -> list[Proposal]:
    """Cases of the recording's officer whose inspection, service or on-the-spot decision falls in its time.

    Only cases the user may see, not the one already linked, not those a person rejected.
    """
    if evidence.officer_id is None or evidence.recorded_start is None:
        return []
    margin = dt.timedelta(minutes=settings.EVIDENCE_LINK_MARGIN_MINUTES)
    start = evidence.recorded_start - margin
    end = (evidence.recorded_end or evidence.recorded_start) + margin
    cases = Case.objects.restrict(user).filter(agency_id=evidence.agency_id)
    rejected = set(LinkRejection.objects.filter(evidence=evidence).values_list("case_id", flat=True))
    found: list[Proposal] = []
    inspections = (Inspection.objects.filter(agency_id=evidence.agency_id, officers=evidence.officer_id,
                                             started_at__lte=end, ended_at__gte=start)
                   .prefetch_related("cases"))
    for inspection in inspections:
        for case in inspection.cases.all():
            found.append(Proposal(case, "日常巡视检查", inspection.started_at, inspection.ended_at, inspection.pk,
                                  inspection))
    services = Service.objects.filter(case__in=cases.filter(officers=evidence.officer_id),
                                      served_at__range=(start, end)).select_related("case")
    for service in services:
        found.append(Proposal(service.case, f"送达《{service.document}》", service.served_at, service.served_at,
                              service.pk))
    # 简易程序: decided on the spot, at the moment recorded as the decision time.
    for case in cases.filter(procedure="simple", officers=evidence.officer_id, decided_at__range=(start, end)):
        assert case.decided_at is not None
        found.append(Proposal(case, "简易程序当场处罚", case.decided_at, case.decided_at, case.pk))
    visible_ids = set(cases.values_list("id", flat=True))
    seen: set[int] = set()
    proposals = []
    for p in sorted(found, key=lambda p: p.act_start):
        if p.case.pk in seen or p.case.pk == evidence.case_id or p.case.pk in rejected or p.case.pk not in visible_ids:
            continue
        seen.add(p.case.pk)
        proposals.append(p)
    return proposals
