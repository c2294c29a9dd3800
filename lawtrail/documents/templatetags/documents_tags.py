"""Document lists for pages of other apps (the case page, the complaint page, the patrol page)."""

from __future__ import annotations

from django import template

from lawtrail.access.policy import restrict
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Complaint, Inspection
from lawtrail.documents.catalogue import DocumentType, catalogue
from lawtrail.documents.models import Document

register = template.Library()


@register.simple_tag
def case_documents(case: Case, user: User) -> list[Document]:
    """The case's documents the user may see, with those made on its complaint before it was a case
    (access: marked documents only for those cleared, lawtrail/access/policy.py). Each is tested
    by its own case or complaint (by_key): a case's few documents, not every case in reach."""
    return list(restrict(Document.objects.of_case(case), user, by_key=True).order_by("id"))


@register.simple_tag
def complaint_documents(complaint: Complaint, user: User) -> list[Document]:
    return list(restrict(Document.objects.filter(complaint=complaint), user, by_key=True).order_by("id"))


@register.simple_tag
def intake_types() -> list[DocumentType]:
    return [t for t in catalogue().values() if t.stage == "intake"]


@register.simple_tag
def inspection_documents(inspection: Inspection, user: User) -> list[Document]:
    return list(restrict(Document.objects.filter(inspection=inspection), user).order_by("id"))


@register.simple_tag
def patrol_types() -> list[DocumentType]:
    return [t for t in catalogue().values() if t.stage == "patrol"]
