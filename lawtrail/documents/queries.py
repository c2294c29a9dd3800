"""Reads for pages that gather documents across cases (the inbox): every one starts from `.restrict(user)`."""

from __future__ import annotations

from functools import cache

from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse

from lawtrail.accounts.models import User
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case, Complaint, Inspection
from lawtrail.documents import signing
from lawtrail.documents.catalogue import catalogue
from lawtrail.documents.choices import DocumentStatus
from lawtrail.documents.models import Document, Signature
from lawtrail.lib import inbox

# Every stage but 已归档: a closed case (结案) may still wait for an opinion on its forms.
NOT_ARCHIVED = [stage for stage in Stage.values if stage != Stage.ARCHIVED]


@cache
def _types_with_approvals() -> frozenset[str]:
    return frozenset(code for code, t in catalogue().items() if any(s.role == "approver" for s in t.signers))


def waiting_approvals(user: User, *, limit: int = inbox.LIMIT + 1) -> list[tuple[Document, str]]:
    """Issued 文书 whose next opinion (审批栏, in the form's order) is this user's to sign. Four queries
    (two lists of documents with their signatures), however many cases; the newest 200 issued
    forms at most."""
    if not (user.is_superuser or any(g.role in ("head", "legal_reviewer") for g in user.grants)):
        return []
    forms = (Document.objects.filter(status=DocumentStatus.ISSUED, type_code__in=_types_with_approvals())
             .select_related("agency", "case", "case__agency", "complaint")
             # Every page's badge asks this: the issued PDFs and handwritten signatures stay unread.
             .defer("pdf").prefetch_related(Prefetch("signatures", Signature.objects.defer("image")))
             .order_by("-pk"))
    # Two lists, each planned on its own, merged newest first: the forms of the cases in reach not
    # yet archived, found from those cases (the (agency, stage) index), so that the read follows
    # the open work, not every issued form of the agency (at 100,000 archived cases a legal
    # reviewer's home read 2 million documents, on SQLite and on PostgreSQL, whose planner walked
    # them newest first when the two were one OR); and those of complaints and patrols (never
    # archived), each tested by its own complaint or patrol.
    open_cases = Case.objects.restrict(user).filter(stage__in=NOT_ARCHIVED).values("pk")
    of_cases = list(forms.filter(case__in=open_cases)[:200])
    without_case = list(forms.filter(
        Exists(Complaint.objects.restrict(user).filter(pk=OuterRef("complaint_id")))
        | Exists(Inspection.objects.restrict(user).filter(pk=OuterRef("inspection_id"))),
        case__isnull=True)[:200])
    docs = sorted([*of_cases, *without_case], key=lambda d: d.pk, reverse=True)[:200]
    out: list[tuple[Document, str]] = []
    for doc in docs:
        for state in signing.slot_states(doc):
            if state.slot.role != "approver" or state.complete:
                continue
            # Only the first open opinion is asked now (do_approve_document refuses out of order).
            if signing.may_sign(user, doc, state.slot):
                out.append((doc, f"签署{state.slot.label}"))
            break
        if len(out) >= limit:
            break
    return out


def inbox_approvals(user: User) -> list[inbox.Item]:
    return [inbox.Item(doc.label, doc.case.label if doc.case else doc.type_name, asked,
                       reverse("document_detail", args=[doc.pk])) for doc, asked in waiting_approvals(user)]
