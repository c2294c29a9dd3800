"""Reads for pages that gather documents across cases (the inbox): every one starts from `.restrict(user)`."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.urls import reverse

from lawtrail.accounts.models import User
from lawtrail.cases import workflow
from lawtrail.documents import signing
from lawtrail.documents.models import Document, Signature
from lawtrail.lib import inbox


def waiting_approvals(user: User, *, limit: int = inbox.LIMIT + 1) -> list[tuple[Document, str]]:
    """Issued 文书 whose next opinion (审批栏, in the form's order) is this user's to sign. Two queries
    (the forms with their signatures), however many cases and forms: the newest `limit` forms in
    reach that wait for an opinion the user gives (Document.awaiting_opinion, kept as they are
    signed and their cases archived; an index holds them alone, by opinion), each tested by its own
    case, complaint or patrol. Before it, the forms of every open case in reach were read to find
    the few that wait."""
    if not (user.is_superuser or any(g.role in ("head", "legal_reviewer") for g in user.grants)):
        return []
    # The forms whose next opinion is one the user gives, for the units the user gives it for, as
    # many as the inbox asks, newest first (may_sign below stays the word on each; it can only
    # refuse what the question could not tell: an approver's line on a patrol's form).
    given = workflow.approvals_given_by(user)
    asked = Q(pk__in=[])
    for key, kind in signing.APPROVAL_KINDS.items():
        if kind in given:
            units = given[kind]
            asked |= Q(awaiting_opinion=key) if units is None else Q(awaiting_opinion=key) & (
                Q(case__unit_id__in=units) | Q(case__isnull=True, complaint__unit_id__in=units))
    docs = list(Document.objects.filter(asked).restrict(user, by_key=True)
                .select_related("agency", "case", "case__agency", "complaint")
                # Every page's badge asks this: the issued PDFs and handwritten signatures stay unread.
                .defer("pdf").prefetch_related(Prefetch("signatures", Signature.objects.defer("image")))
                .order_by("-pk")[:limit])
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
