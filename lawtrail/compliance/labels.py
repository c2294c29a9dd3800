"""What a person reads for a finding: the rule's Chinese name and the record it is about, never the
engine's ids ("av_required", "doc-12", "media-3" are a bundle's own references)."""

from __future__ import annotations

from collections.abc import Iterable

from lawtrail.cases.choices import Stage
from lawtrail.compliance import rules  # noqa: F401 — the rules register their names on import
from lawtrail.compliance.engine import ANY_MOVE, CASE_SUBJECT, REGISTRY

# Kinds of bundle references other than documents and media (lawtrail/compliance/export.py).
KIND_LABELS = {"officer": "执法人员", "interruption": "录像中断", "service": "送达记录", "approval": "审批意见",
               "complaint": "投诉举报", "followup": "决定后跟进记录"}


def rule_label(rule_id: str) -> str:
    spec = REGISTRY.get(rule_id)
    return spec.label if spec is not None else "其他检查"


def stage_label(stage: str) -> str:
    if stage == ANY_MOVE:
        return "所有后续阶段"
    try:
        return str(Stage(stage).label)
    except ValueError:
        return "后续阶段"


def subject_labels(subjects: Iterable[str]) -> dict[str, str]:
    """Readable names of a set of finding subjects, read from the records in two queries."""
    from lawtrail.documents.models import Document
    from lawtrail.evidence.models import Evidence

    refs: dict[str, tuple[str, int]] = {}
    for subject in set(subjects):
        kind, _, number = subject.rpartition("-")
        refs[subject] = (kind, int(number)) if kind and number.isdigit() else (subject, 0)
    docs = {d.pk: " ".join(filter(None, [d.type_name, d.number or ("(草稿)" if d.is_draft else "")]))
            for d in Document.objects.filter(pk__in=[n for k, n in refs.values() if k == "doc"])}
    media = {e.pk: e.display_name for e in Evidence.objects.filter(pk__in=[n for k, n in refs.values() if k == "media"])}
    out: dict[str, str] = {}
    for subject, (kind, pk) in refs.items():
        if subject == CASE_SUBJECT:
            out[subject] = "案件"
        elif kind == "doc":
            out[subject] = docs.get(pk, "文书(已不存在)")
        elif kind == "media":
            out[subject] = "音像资料 " + media.get(pk, "(已不存在)")
        else:
            out[subject] = KIND_LABELS.get(kind, "相关记录")
    return out
