"""Case events that make a case's records long-term, handled after the event's transaction commits.

The documents app calls `after_document_issue` on commit of an issue (one marked hook). Which
document types are coercive measures is a fact of the document catalogue, the same for every agency; whether a coercive measure makes records long-term is the agency's
rule (`long_term_triggers`), asked in do_flag_from_event.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# 查封(扣押)决定书 and 行政强制措施现场笔录 (lawtrail/documents/catalogue/investigation_coercion.yaml).
COERCIVE_DOCUMENT_TYPES = frozenset({"seizure_decision", "coercive_measure_record"})


def after_document_issue(document_id: int) -> None:
    """Run after an issue commits: a coercive-measure document flags its case (if the profile says so)."""
    from lawtrail.documents.models import Document
    from lawtrail.retention.actions import do_flag_from_event

    doc = Document.objects.select_related("case__agency").filter(pk=document_id).first()
    if doc is None or doc.case is None or doc.type_code not in COERCIVE_DOCUMENT_TYPES:
        return
    try:
        do_flag_from_event(doc.case, kind="coercive_measure", reason=f"签发{doc.type_name} {doc.number}".strip(),
                           source="document", source_ref=f"文书 #{doc.pk} {doc.type_name} {doc.number}".strip())
    except Exception:  # a failed flag must not break the issue that already committed; logged
        log.exception("long-term flag from document %s failed", document_id)
