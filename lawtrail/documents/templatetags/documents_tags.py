"""Document lists for pages of other apps (the case page, the complaint page)."""

from __future__ import annotations

from django import template

from lawtrail.cases.models import Case, Complaint
from lawtrail.documents.catalogue import DocumentType, catalogue
from lawtrail.documents.models import Document

register = template.Library()


@register.simple_tag
def case_documents(case: Case) -> list[Document]:
    """The case's documents, with those made on its complaint before it was a case."""
    return list(Document.objects.of_case(case).order_by("id"))


@register.simple_tag
def complaint_documents(complaint: Complaint) -> list[Document]:
    return list(Document.objects.filter(complaint=complaint).order_by("id"))


@register.simple_tag
def intake_types() -> list[DocumentType]:
    return [t for t in catalogue().values() if t.stage == "intake"]
