"""Reads of the evidence vault, each starting from what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Inspection, Service
from lawtrail.evidence.models import (
    Evidence,
    FootageLink,
    Interruption,
    LinkRejection,
    ReceptionSegment,
    RecordingStop,
)
from lawtrail.lib.errors import InvalidInput

# A report over more days than this is a typing mistake, not a question.
RECEPTION_REPORT_MAX_DAYS = 3660


def visible_evidence(user: User) -> QuerySet[Evidence]:
    # access: marked records the user is not cleared for are left out (lawtrail/access/policy.py).
    from lawtrail.access.policy import restrict

    return restrict(Evidence.objects.all(), user).select_related(
        "stored", "unit", "case", "officer")


def visible_interruptions(user: User) -> QuerySet[Interruption]:
    return Interruption.objects.restrict(user).select_related(
        "before", "after", "voice_note", "explained_by")


def visible_stops(user: User) -> QuerySet[RecordingStop]:
    return RecordingStop.objects.restrict(user).select_related("case")


# The reception days' list order (the model's): newest day first, its sites by name.
SEGMENT_ORDER = ("-day", "site", "id")


def visible_segments(user: User) -> QuerySet[ReceptionSegment]:
    return ReceptionSegment.objects.restrict(user).select_related(
        "evidence", "evidence__stored")


def recording_gaps(user: User, ev: Evidence) -> list[Interruption]:
    """The interruptions before or after a recording that the user may see, newest first. Found by
    the recording first (its two indexes), then kept if visible: asked with the visibility's agency
    and the list's order, SQLite reads the agency's interruptions in the list's order instead (it
    keeps no statistics to know the recording's index is narrower)."""
    near = Interruption.objects.filter(Q(before=ev) | Q(after=ev)).order_by().values_list("pk", flat=True)
    return list(visible_interruptions(user).filter(pk__in=list(near)))


def case_stops(user: User, case: Case) -> list[RecordingStop]:
    """A case's reports that recording could not go on that the user may see, newest first: found
    by the case first, then kept if visible (as recording_gaps)."""
    mine = RecordingStop.objects.filter(case=case).order_by().values_list("pk", flat=True)
    return list(visible_stops(user).filter(pk__in=list(mine)))


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


def _record_window(fields: dict[str, object]) -> tuple[dt.datetime, dt.datetime] | None:
    try:
        start = dt.datetime.fromisoformat(str(fields["started_at"]))
        end = dt.datetime.fromisoformat(str(fields["ended_at"]))
    except (KeyError, ValueError):
        return None
    # Document times are stored zoned (the form refuses naive ones); an odd one is no window.
    return (start, end) if start.tzinfo is not None and end.tzinfo is not None else None


def _on_site_records(cases: QuerySet[Case], evidence: Evidence, start: dt.datetime,
                     end: dt.datetime) -> list[Proposal]:
    """Issued records of an on-site act (询问笔录, 现场检查笔录 …: a start and an end time) that the
    recording's officer took part in — named among the record's officers by 执法证号, or signed
    it as one — and whose time overlaps the recording's."""
    from lawtrail.documents.choices import DocumentStatus
    from lawtrail.documents.models import Document, Signature

    officer_id = evidence.officer_id
    cert = evidence.officer_cert_no
    records = (Document.objects.filter(case__in=cases, status=DocumentStatus.ISSUED,
                                       fields__has_key="started_at")
               .filter(Q(case__officers=officer_id) | Q(case__handler=officer_id)).distinct()
               .select_related("case"))
    signed = set(Signature.objects.filter(document__in=records, user_id=officer_id).values_list("document_id",
                                                                                             flat=True))
    found = []
    for record in records:
        window = _record_window(record.fields or {})
        if window is None or not (window[0] <= end and window[1] >= start):
            continue
        named = bool(cert) and cert in str((record.fields or {}).get("officers", ""))
        if named or record.pk in signed:
            assert record.case is not None
            act = record.type_name + (f" {record.number}" if record.number else "")
            found.append(Proposal(record.case, act, window[0], window[1], record.pk))
    return found


def link_proposals(evidence: Evidence, user: User) -> list[Proposal]:
    """Cases of the recording's officer whose inspection, inquiry or on-site record, service or
    on-the-spot decision falls in its time.

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
    found.extend(_on_site_records(cases, evidence, start, end))
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


@dataclass(frozen=True)
class Act:
    """执法环节 — an act of a case a recording can record: an on-site 文书, an inspection, a service."""

    key: str
    label: str
    start: dt.datetime | None
    end: dt.datetime | None


def case_acts(case: Case) -> list[Act]:
    """The acts of a case, earliest first, for a person to pick the one a recording records: its
    on-site records, its inspection and its services.

    A 文书 is named by the first version of its chain (a correction keeps its footage): the
    standing version's name, number and times are shown. Superseded versions are not offered.
    """
    from lawtrail.documents.choices import DocumentStatus
    from lawtrail.documents.models import Document

    acts: list[Act] = []
    docs = list(Document.objects.filter(case=case).only(
        "id", "previous_id", "status", "type_name", "number", "fields", "created_at").order_by("pk"))
    by_id = {d.pk: d for d in docs}
    for d in docs:
        # Only the 文书 of an act with a start and an end (a 笔录, a 现场检查记录) record footage.
        if d.status == DocumentStatus.SUPERSEDED or "started_at" not in (d.fields or {}):
            continue
        root = d
        while root.previous_id is not None and root.previous_id in by_id:
            root = by_id[root.previous_id]
        window = _record_window(d.fields or {})
        name = f"《{d.type_name}》" + (f" {d.number}" if d.number else "") + \
            ("(草稿)" if d.status == DocumentStatus.DRAFT else "")
        acts.append(Act(f"document:{root.pk}", name, window[0] if window else None, window[1] if window else None))
    inspection = case.inspection
    if inspection is not None:
        acts.append(Act(f"inspection:{inspection.pk}", f"日常巡视检查({inspection.place})",
                        inspection.started_at, inspection.ended_at))
    for service in case.services.all():
        acts.append(Act(f"service:{service.pk}", f"送达《{service.document}》({service.get_method_display()})",
                        service.served_at, service.served_at))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(acts, key=lambda a: a.start or far)


def footage_links(case: Case) -> list[FootageLink]:
    return list(FootageLink.objects.filter(case=case).select_related("evidence", "evidence__stored"))


@dataclass(frozen=True)
class SiteDays:
    """受理场所监控缺失日 — the days of a range on which a reception site saved no recording."""

    agency_id: int
    agency: str
    site: str
    days: int
    saved: int
    missing: list[dt.date]


def missing_reception_days(segments: QuerySet[ReceptionSegment], start: dt.date, end: dt.date,
                           site: str = "") -> list[SiteDays]:
    """Per reception site (each site an agency has ever registered a day for, or the one asked),
    the days from `start` to `end` (inclusive) with no saved surveillance segment."""
    if end < start:
        raise InvalidInput("bad_range", "结束日期不能早于开始日期", {"field": "to"})
    if (end - start).days >= RECEPTION_REPORT_MAX_DAYS:
        raise InvalidInput("bad_range", f"统计区间不能超过 {RECEPTION_REPORT_MAX_DAYS} 天", {"field": "from"})
    site = site.strip()
    if site:
        segments = segments.filter(site=site)
    sites = sorted(set(segments.values_list("agency_id", "agency__name", "site")))
    saved: dict[tuple[int, str], set[dt.date]] = {}
    for agency_id, name, day in segments.filter(day__range=(start, end)).values_list("agency_id", "site", "day"):
        saved.setdefault((agency_id, name), set()).add(day)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    out = []
    for agency_id, agency, name in sites:
        have = saved.get((agency_id, name), set())
        out.append(SiteDays(agency_id, agency, name, len(days), len(have), [d for d in days if d not in have]))
    return out
