"""Which 文书 records which act of a case (ActDocument), read by the documents' own actions and by
the case steps that make them (lawtrail/documents/acts.py): the acts' names, the fields a step's
document holds for its step, and the version of a document's chain that stands."""

from __future__ import annotations

from typing import Any

from lawtrail.cases.models import Case
from lawtrail.documents.models import ActDocument, Document

FILING, DECISION, CLOSING = "filing", "decision", "closing"
# 调查终结 (its report), the decision's approvals (报批表), the simple procedure's on-the-spot decision.
INVESTIGATION, DECISION_APPROVAL, SIMPLE = "investigation", "decision_approval", "simple"
FILING_FORM = "filing_approval_form"
RECEIPT = "service_receipt"
CLOSING_FORM = "closing_approval_form"
INVESTIGATION_REPORT = "investigation_report"
APPROVAL_FORM = "penalty_approval_form"
ON_THE_SPOT = "on_the_spot_penalty_decision"
# The fields of a step's document that say what the step itself holds: a correction of the
# document may not change them (the step and its document would disagree); they change by
# doing the step again (re-drafting the decision asks for its approvals again).
STEP_FIELDS = {
    FILING_FORM: ("case_title", "start_reason", "handler", "handler_opinion"),
    "penalty_decision": ("legal_basis", "decision", "penalty_amount"),
    "rectification_order": ("legal_basis", "requirements"),
    "no_penalty_decision": ("legal_basis", "decision"),
    RECEIPT: ("documents", "recipient", "served_at", "method"),
    CLOSING_FORM: ("decision", "services", "execution_result"),
    INVESTIGATION_REPORT: ("summary",),
    APPROVAL_FORM: ("legal_basis", "proposal"),
    ON_THE_SPOT: ("legal_basis", "penalty", "penalty_amount"),
}


def service_act(service_id: int) -> str:
    return f"service:{service_id}"


def current_version(document: Document) -> Document:
    """The version that stands: the latest issued one of the chain (a correction still drafted does not)."""
    while True:
        following = Document.objects.filter(previous=document).first()
        if following is None or following.is_draft:
            return document
        document = following


def act_document(case: Case, act: str) -> Document | None:
    row = ActDocument.objects.filter(case=case, act=act).select_related("document").first()
    return current_version(row.document) if row is not None else None


def first_version(document: Document) -> Document:
    while document.previous_id is not None:
        assert document.previous is not None
        document = document.previous
    return document


def step_owned_change(document: Document, fields: dict[str, Any]) -> tuple[str, str, str] | None:
    """(field, its label, the step's label) when a correction of `document` would change what its step holds."""
    row = ActDocument.objects.filter(document=first_version(document)).first()
    if row is None:
        return None
    doc_type = document.doc_type
    for key in STEP_FIELDS.get(document.type_code, ()):
        if key in fields and fields[key] != (document.fields or {}).get(key):
            spec = doc_type.field(key)
            return key, (spec.label if spec else key), row.act_label
    return None
