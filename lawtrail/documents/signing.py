"""Who must sign a document under the agency's regulation, who may, and who already has.

Reads only; the writes live in actions.py. A catalogue signer becomes one or more slots once
the agency's profile is known: the profile raises an officer minimum (第九条 of the
agriculture rules: two), requires a fingerprint, names the witnesses a refusal needs, and
lists the filing approvers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lawtrail.accounts.choices import Role
from lawtrail.cases import workflow
from lawtrail.cases.choices import ApprovalKind
from lawtrail.cases.models import Case, Complaint, Inspection
from lawtrail.documents.catalogue import APPROVALS, DocumentType
from lawtrail.documents.choices import SignatureKind
from lawtrail.profiles.registry import Profile, get_profile

if TYPE_CHECKING:
    from lawtrail.accounts.models import User
    from lawtrail.documents.models import Document, Signature

# The approval a catalogue slot names, as the case workflow knows it (who may give it).
APPROVAL_KINDS = {
    "unit_head": ApprovalKind.FILING_UNIT_HEAD,
    "head": ApprovalKind.DECISION_HEAD,
    "legal_review": ApprovalKind.LEGAL_REVIEW,
}


@dataclass(frozen=True)
class Slot:
    key: str
    role: str
    label: str
    min: int = 1
    min_article: str = ""
    refusable: bool = False
    fingerprint: bool = False
    fingerprint_article: str = ""
    refusal_witnesses: int = 0
    refusal_article: str = ""
    refusal_quote: str = ""
    approval: str = ""

    @property
    def by_login(self) -> bool:
        return self.role in ("officer", "participant", "approver")


def _cite(profile: Profile, article: str) -> str:
    return f"《{profile.name}》{article}" if article else ""


MAJOR_APPROVALS = {"legal_review": "法制机构合法性审查意见"}


def slots_for(doc_type: DocumentType, profile: Profile) -> list[Slot]:
    out: list[Slot] = []
    for s in doc_type.signers:
        if s.role == "approver" and s.approvals_from:
            rule = profile.rule(s.approvals_from)
            keys = [str(k) for k in (rule.values.get("approvers", ["head"]) if rule else ["head"])]
            for k in keys:
                label = {"unit_head": "承办机构意见", "head": "机关负责人意见"}.get(k, APPROVALS.get(k, k))
                out.append(Slot(key=f"{s.key}.{k}", role="approver", label=label, approval=k))
            # Opinions only a 重大行政执法行为 asks (the legal office's 合法性审查意见): a line of the
            # form that may stay empty; the filing_approval check asks it of a major case.
            for k in (rule.values.get("major_approvers", []) if rule else []):
                if str(k) not in keys:
                    out.append(Slot(key=f"{s.key}.{k}", role="approver", min=0, approval=str(k),
                                    label=f"{MAJOR_APPROVALS.get(str(k), APPROVALS.get(str(k), str(k)))}(重大行政执法行为)"))
            continue
        minimum, min_article = s.min, ""
        if s.min_rule:
            rule = profile.rule(s.min_rule)
            if rule is not None and int(rule.values.get("min_officers", 0)) > minimum:
                minimum, min_article = int(rule.values["min_officers"]), _cite(profile, rule.article)
        fingerprint = profile.rule(s.fingerprint_rule) if s.fingerprint_rule else None
        refusal = profile.rule(s.refusal_rule) if s.refusable else None
        out.append(Slot(
            key=s.key, role=s.role, label=s.label, min=minimum, min_article=min_article, refusable=s.refusable,
            fingerprint=fingerprint is not None,
            fingerprint_article=_cite(profile, fingerprint.article) if fingerprint else "",
            refusal_witnesses=int(refusal.values.get("witnesses", 0)) if refusal else 0,
            refusal_article=_cite(profile, refusal.article) if refusal else "",
            refusal_quote=refusal.quote if refusal else "",
            approval=s.approval,
        ))
    return out


def document_slots(document: Document) -> list[Slot]:
    return slots_for(document.doc_type, get_profile(document.agency.profile_id))


def find_slot(document: Document, key: str) -> Slot | None:
    return next((s for s in document_slots(document) if s.key == key), None)


@dataclass
class SlotState:
    slot: Slot
    signatures: list[Signature] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return any(s.kind == SignatureKind.REFUSED for s in self.signatures)

    @property
    def count(self) -> int:
        return sum(1 for s in self.signatures if s.kind in (SignatureKind.SIGNED, SignatureKind.APPROVAL))

    @property
    def complete(self) -> bool:
        if self.slot.role == "approver":
            return self.count >= 1
        if self.slot.role == "party":
            return self.count >= 1 or self.refused
        return self.count >= self.slot.min

    @property
    def open(self) -> bool:
        """Whether this slot still takes a signature."""
        if self.slot.role in ("approver", "party"):
            return not self.signatures
        return True

    @property
    def missing_text(self) -> str:
        if self.complete:
            return ""
        if self.slot.role in ("officer", "participant", "external", "witness") and self.slot.min > 1:
            return f"{self.slot.label}需{self.slot.min}人签名,已签{self.count}人" + (
                f"(依据{self.slot.min_article})" if self.slot.min_article else "")
        return f"待{self.slot.label}签名" if self.slot.role != "approver" else f"待签署{self.slot.label}"


def slot_states(document: Document) -> list[SlotState]:
    by_slot: dict[str, list[Signature]] = {}
    for sig in document.signatures.all():
        by_slot.setdefault(sig.slot, []).append(sig)
    return [SlotState(s, by_slot.get(s.key, [])) for s in document_slots(document)]


def is_complete(document: Document) -> bool:
    return all(s.complete for s in slot_states(document))


def awaiting_for(status: str, slots: Iterable[Slot], signatures: Iterable[tuple[str, str]]) -> str | None:
    """The opinion a document in `status`, whose form has `slots`, waits for given its signatures
    ((slot key, kind) each): when issued, the approval key of its first 审批栏 (in the form's order)
    without an opinion (an approver's slot is complete with one, as SlotState.complete reads it,
    and only the first open one is asked: do_approve_document refuses out of order); else None."""
    from lawtrail.documents.choices import DocumentStatus

    if status != DocumentStatus.ISSUED:
        return None
    done = {slot for slot, kind in signatures if kind in (SignatureKind.SIGNED, SignatureKind.APPROVAL)}
    return next((s.approval for s in slots if s.role == "approver" and s.key not in done), None)


def refresh_awaiting(document: Document) -> None:
    """Store the opinion the document waits for (Document.awaiting_opinion, or null), from its
    status, the signatures the database holds now and its case's stage (an archived case's forms
    wait for nothing: 我的待办 never showed them)."""
    from lawtrail.cases.choices import Stage
    from lawtrail.documents.models import Document, Signature

    flag: str | None = None
    if document.case_id is None or Case.objects.filter(pk=document.case_id).exclude(stage=Stage.ARCHIVED).exists():
        signed = Signature.objects.filter(document_id=document.pk).values_list("slot", "kind")
        flag = awaiting_for(document.status, document_slots(document), signed)
    if document.awaiting_opinion != flag:
        # (This column alone: no model signal, and the guard of issued documents does not look at it.)
        Document.objects.filter(pk=document.pk).update(awaiting_opinion=flag)
        document.awaiting_opinion = flag


# ---------------------------------------------------------------- permissions


def sees_case(user: User, case: Case) -> bool:
    return Case.objects.restrict(user).filter(pk=case.pk).exists()


def may_write(user: User, case: Case, doc_type: DocumentType) -> bool:
    """Who may draft, issue and correct a document of this type on this case."""
    if user.is_superuser or workflow.is_case_officer(user, case):
        return True
    if user.agency_id != case.agency_id:
        return False
    # 法制审核意见 is the reviewer's own document; 负责人 draft the unit's approval records;
    # 调用单 is filled by whoever asks for the records.
    if user.has_role(Role.HEAD, case.unit_id) or user.has_role(Role.LEGAL_REVIEWER):
        return True
    return doc_type.stage == "archive" and sees_case(user, case)


def may_write_complaint(user: User, complaint: Complaint, doc_type: DocumentType) -> bool:
    """Intake documents on a complaint without a case: whoever may decide the complaint (its
    unit's officers, handlers and head), as on the complaint's own page."""
    if doc_type.stage != "intake":
        return False
    if user.is_superuser:
        return True
    if user.agency_id != complaint.agency_id or not Complaint.objects.restrict(user).filter(pk=complaint.pk).exists():
        return False
    return any(user.has_role(r, complaint.unit_id) for r in (Role.OFFICER, Role.HANDLER, Role.HEAD))


def may_write_inspection(user: User, inspection: Inspection, doc_type: DocumentType) -> bool:
    """A patrol's documents (检查记录, 责令改正决定书, 监察建议书) on an inspection without a case:
    the patrol's own officers, or the head of its unit."""
    if doc_type.stage != "patrol":
        return False
    if user.is_superuser:
        return True
    if user.agency_id != inspection.agency_id:
        return False
    return inspection.officers.filter(pk=user.pk).exists() or user.has_role(Role.HEAD, inspection.unit_id)


def may_write_document(user: User, document: Document) -> bool:
    if document.case_id is None and document.inspection_id is not None:
        assert document.inspection is not None
        return may_write_inspection(user, document.inspection, document.doc_type)
    if document.case_id is None:
        assert document.complaint is not None
        return may_write_complaint(user, document.complaint, document.doc_type)
    assert document.case is not None
    return may_write(user, document.case, document.doc_type)


def may_sign(user: User, document: Document, slot: Slot) -> bool:
    if document.case_id is None and document.inspection_id is not None:
        inspection = document.inspection
        assert inspection is not None
        writer = may_write_inspection(user, inspection, document.doc_type)
        if slot.role == "officer":
            # 检查人员 sign for themselves, each with an 执法证.
            return writer and bool(user.cert_no) and inspection.officers.filter(pk=user.pk).exists()
        # The party's handwriting is captured on the patrol officer's tablet.
        return writer and slot.role != "approver"
    if document.case_id is None:
        complaint = document.complaint
        assert complaint is not None
        writer = may_write_complaint(user, complaint, document.doc_type)
        if slot.role == "officer":
            return writer and bool(user.cert_no)
        if slot.role == "approver":
            # The approval kinds read only the unit from what they approve.
            return workflow.may_approve(user, complaint, APPROVAL_KINDS[slot.approval])  # type: ignore[arg-type]
        return writer
    case = document.case
    assert case is not None
    if slot.role == "officer":
        return workflow.is_case_officer(user, case) and bool(user.cert_no)
    if slot.role == "participant":
        return user.agency_id == case.agency_id and sees_case(user, case)
    if slot.role == "approver":
        return workflow.may_approve(user, case, APPROVAL_KINDS[slot.approval])
    # A handwritten signature is captured on an officer's tablet, under the officer's login.
    return workflow.is_case_officer(user, case)
