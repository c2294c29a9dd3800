"""Reads: what is due for disposal, why a record is still kept, which stored objects must be present."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.documents.choices import DocumentStatus
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence, StoredObject
from lawtrail.lib import inbox
from lawtrail.retention import policy
from lawtrail.retention.actions import effective, holds_on, refusal
from lawtrail.retention.choices import DisposalStatus, KeptKind, TriggerKind
from lawtrail.retention.models import (
    DisposalItem,
    DisposalRecord,
    DisposalRequest,
    DisposedEvidence,
    DisposedObject,
    LegalHold,
    LongTermFlag,
)

# ---------------------------------------------------------------- what the store must hold


def _removed_without_live_record() -> QuerySet[DisposedObject]:
    # The same bytes ingested again after their disposal are a kept record again: expected present.
    revived = Evidence.objects.filter(disposal__isnull=True).values("stored_id")
    return DisposedObject.objects.exclude(stored_id__in=revived)


def expected_present(qs: QuerySet[StoredObject]) -> QuerySet[StoredObject]:
    """The stored objects that must be in the store: all except those destroyed by a disposal record."""
    return qs.exclude(pk__in=_removed_without_live_record().values("stored_id"))


def disposed_object_keys() -> set[str]:
    """Keys destroyed under a disposal record (expected absent from the store and its replica)."""
    return set(_removed_without_live_record().values_list("key", flat=True))


def is_disposed(ev: Evidence) -> DisposedEvidence | None:
    return DisposedEvidence.objects.filter(evidence=ev).select_related("record").first()


def disposed_reason(ev: Evidence) -> str:
    """Why no preview is made for a record destroyed under a disposal record, or "" while it is kept."""
    disposed = is_disposed(ev)
    return f"原始资料已按{disposed.record}销毁,不再生成预览" if disposed is not None else ""


# ---------------------------------------------------------------- due for disposal


def visible_evidence(user: User) -> QuerySet[Evidence]:
    return _readable(Evidence.objects.all(), user)


@dataclass
class DueItem:
    evidence: Evidence
    until: Any
    basis: str
    requested: int | None

    def as_dict(self) -> dict[str, Any]:
        ev = self.evidence
        return {"evidence_id": ev.pk, "name": ev.display_name, "class": ev.evidence_class,
                "class_label": ev.get_evidence_class_display(), "case_number": ev.label_case_number or None,
                "sha256": ev.stored.sha256, "size": ev.stored.size, "recorded_start": ev.recorded_start,
                "until": self.until, "basis": self.basis, "request_id": self.requested}


def due(user: User | None, *, agency_id: int | None = None) -> list[DueItem]:
    """Records whose retention has run out and that nothing keeps: not long-term, not held, not destroyed.

    Today's rules and the kept floor both count (the longer wins), so nothing shows up here early.
    """
    qs = Evidence.objects.all() if user is None else visible_evidence(user)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    today = policy.today()
    # A cheap first cut (the columns the floor is mirrored to); each candidate is then judged in full.
    candidates = (qs.filter(disposal__isnull=True, retention_long_term=False)
                  .filter(Q(retention_until__lt=today) | Q(retention_until__isnull=True))
                  .select_related("stored", "case", "agency").order_by("retention_until", "id"))
    open_items = dict(DisposalItem.objects.filter(request__status__in=["requested", "approved"])
                      .values_list("evidence_id", "request_id"))
    out = []
    for ev in candidates:
        if refusal(ev) is not None:
            continue
        kept, _now, _floor = effective(ev)
        out.append(DueItem(ev, kept.until, kept.basis, open_items.get(ev.pk)))
    return out


# ---------------------------------------------------------------- why a record is still kept


def _flag_dict(f: LongTermFlag) -> dict[str, Any]:
    return {"kind": f.kind, "label": TriggerKind(f.kind).label, "item": f.item, "text": f.text,
            "article": f.article, "quote": f.quote, "reason": f.reason, "source": f.source,
            "source_ref": f.source_ref, "set_by": f.set_by_name, "set_at": f.set_at.isoformat(),
            "on": f"案件 {f.case.label}" if f.case_id else f"音像资料 #{f.evidence_id}"}  # type: ignore[union-attr]


def _hold_dict(h: LegalHold) -> dict[str, Any]:
    return {"id": h.pk, "reason": h.reason, "set_by": h.set_by_name, "set_at": h.set_at.isoformat(),
            "on": f"案件 {h.case.label}" if h.case_id else f"音像资料 #{h.evidence_id}"}  # type: ignore[union-attr]


def _why(kept: policy.Kept, floor: bool, now: policy.Kept, holds: list[Any], disposed: bool) -> list[str]:
    if disposed:
        return ["已销毁:原始文件已按销毁记录删除,本条记录保留以备查"]
    lines = []
    if kept.kind == KeptKind.LONG_TERM:
        lines.append(f"长期保存:{kept.basis}")
    elif kept.kind == KeptKind.INDEFINITE:
        lines.append(f"不自动到期:{kept.basis}")
    elif kept.until is not None and kept.until >= policy.today():
        lines.append(f"保存期限至 {kept.until:%Y-%m-%d}:{kept.basis}")
    else:
        lines.append(f"保存期限已于 {kept.until:%Y-%m-%d} 届满({kept.basis}),可申请销毁" if kept.until else kept.basis)
    if floor:
        lines.append(f"按现行规则为「{now.basis}」,但保存期限不自动缩短,保留此前确定的更长期限")
    if holds:
        lines.append(f"已冻结 {len(holds)} 项,冻结期间不得销毁")
    return lines


def _readable(qs: QuerySet[Any], user: User | None) -> QuerySet[Any]:
    """What `user` may read of `qs` (None: the CLI on the server, which holds the database anyway).

    access: marked records the user is not cleared for are left out (lawtrail/access/policy.py).
    """
    if user is None:
        return qs
    from lawtrail.access.policy import restrict

    return restrict(qs, user)


def explain_evidence(ev: Evidence, *, user: User | None = None) -> dict[str, Any]:
    kept, now, floor = effective(ev)
    disposed = is_disposed(ev)
    holds = [] if disposed else holds_on(ev)
    # The longest period of every record of the same original counts; only those the user may
    # read are named (another unit's case, a marked twin, stay unnamed).
    all_twins = Evidence.objects.filter(stored_id=ev.stored_id)
    twins = _readable(all_twins, user).select_related("case")
    cases = {t.case_id: t.case for t in twins if t.case_id}
    flags = LongTermFlag.objects.filter(Q(evidence__in=twins) | Q(case_id__in=list(cases))).select_related("case")
    if user is not None:
        flags = flags.filter(Q(case__isnull=True) | Q(case__in=_readable(Case.objects.all(), user)))
    why_not = refusal(ev)
    return {
        "record": {"kind": "evidence", "id": ev.pk, "label": ev.display_name, "class": ev.evidence_class,
                   "class_label": ev.get_evidence_class_display(), "sha256": ev.stored.sha256,
                   "size": ev.stored.size},
        "retention": kept.as_dict(),
        "by_current_rules": now.as_dict(),
        "floor_kept": floor,
        "triggers": [_flag_dict(f) for f in flags],
        "holds": [_hold_dict(h) for h in holds],
        "cases": [{"id": c.pk, "number": c.number, "title": c.title} for c in cases.values()],
        "same_original": [t.pk for t in twins if t.pk != ev.pk],
        "due": why_not is None,
        "disposal": ({"record_id": disposed.record_id, "disposed_at": disposed.disposed_at.isoformat()}
                     if disposed else None),
        "why": _why(kept, floor, now, holds, disposed is not None),
    }


def explain_case(case: Case, *, user: User | None = None) -> dict[str, Any]:
    kept, now, floor = effective(case)
    holds = list(LegalHold.objects.filter(case=case, released_at__isnull=True))
    flags = LongTermFlag.objects.filter(case=case).select_related("case")
    documents = []
    for doc in _readable(Document.objects.filter(case=case, status=DocumentStatus.ISSUED), user).select_related(
            "agency", "case"):
        d_kept, _n, _f = effective(doc)
        documents.append({"id": doc.pk, "label": doc.label, "retention": d_kept.as_dict()})
    evidence = []
    for ev in _readable(Evidence.objects.filter(case=case), user).select_related("agency", "case", "stored"):
        e_kept, _n, _f = effective(ev)
        evidence.append({"id": ev.pk, "label": ev.display_name, "class_label": ev.get_evidence_class_display(),
                         "retention": e_kept.as_dict(), "disposed": is_disposed(ev) is not None})
    return {
        "record": {"kind": "case", "id": case.pk, "label": case.label, "class": policy.CASE_FILE_CLASS,
                   "class_label": "案卷"},
        "retention": kept.as_dict(),
        "by_current_rules": now.as_dict(),
        "floor_kept": floor,
        "triggers": [_flag_dict(f) for f in flags],
        "holds": [_hold_dict(h) for h in holds],
        "incidents": [{"id": i.pk, "kind": i.kind, "label": i.get_kind_display(), "description": i.description,
                       "occurred_on": i.occurred_on.isoformat()} for i in case.incidents.all()],
        "documents": documents,
        "evidence": evidence,
        "why": _why(kept, floor, now, holds, False),
    }


def disposal_records(user: User) -> QuerySet[DisposalRecord]:
    return DisposalRecord.objects.restrict(user)


def waiting_disposals(user: User) -> list[DisposalRequest]:
    """销毁申请 waiting for this user's approval: the agency's 负责人, not on a request of their own."""
    if user.agency_id is None or not (user.is_superuser or user.has_agency_role(Role.HEAD)):
        return []
    return list(DisposalRequest.objects.filter(agency_id=user.agency_id, status=DisposalStatus.REQUESTED)
                .exclude(requested_by=user).order_by("requested_at", "pk")[:inbox.LIMIT + 1])


def inbox_disposals(user: User) -> list[inbox.Item]:
    return [inbox.Item(str(r), r.reason[:60], "审批销毁申请", reverse("disposal_detail", args=[r.pk]))
            for r in waiting_disposals(user)]
