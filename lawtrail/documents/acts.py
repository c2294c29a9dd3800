"""The 文书 the steps of a case produce, and what closing, binding and archiving need of them.

One source of truth per act: the step that holds an act's content makes its document.

- a complaint's registration issues its 投诉(举报)登记表, its decision the 不予受理决定书 or the
  一次性补证告知书 (issued once the officer has given what only they know: 法律依据, 补正期限);
- the last filing opinion issues the 立案审批表, signed by the handler and carrying each
  opinion with its signer and time;
- the end of the investigation (调查终结,提交审查) issues the 调查终结报告;
- the last approval of the decision (法制审核, 负责人) issues the 行政处罚(处理)报批表 with each
  opinion, its signer and time; a re-drafted decision approved again makes its next version;
- drafting the decision drafts the decision document that fits it (行政处罚决定书, 责令改正决定书,
  不予行政处罚决定书); the move to 送达执行, once approved, issues it with its 文号;
- each service issues its 送达回证, naming the served document (picked from the case's issued
  ones) and signed by the officer who served it;
- closing (结案) issues the 结案审批表;
- a simple-procedure decision issues its 当场行政处罚决定书, signed by the officers.

A document an officer already made by hand for the same act is linked (ActDocument, produced
False), not made twice. The registrations are in DocumentsConfig.ready(): the case app knows
none of this (lawtrail/cases/hooks.py).

Producers run inside the step's own transaction, so they write directly (never through the
durable do_* actions) and record the same events those actions record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from lawtrail.accounts.models import User
from lawtrail.cases import hooks
from lawtrail.cases.choices import (
    FILING_APPROVER_KINDS,
    ApprovalKind,
    ComplaintStatus,
    DecisionKind,
    Procedure,
    ServiceMethod,
    Stage,
)
from lawtrail.cases.models import Case, Complaint, Service
from lawtrail.cases.workflow import profile_of
from lawtrail.documents import signing
from lawtrail.documents.actions import _payload, issue_locked, prefilled
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.choices import DocumentStatus, SignatureKind
from lawtrail.documents.models import ActDocument, Document, Signature, store_definition
from lawtrail.documents.steps import (
    APPROVAL_FORM,
    CLOSING,
    CLOSING_FORM,
    DECISION,
    DECISION_APPROVAL,
    FILING,
    FILING_FORM,
    INVESTIGATION,
    INVESTIGATION_REPORT,
    ON_THE_SPOT,
    RECEIPT,
    SIMPLE,
    STEP_FIELDS,
    act_document,
    current_version,
    first_version,
    service_act,
)
from lawtrail.documents.values import clean_fields, missing_mandatory
from lawtrail.events.recorder import record_event
from lawtrail.lib import timez

# The decision document that fits each decision. 撤销案件 serves no decision on the party.
DECISION_TYPES = {
    DecisionKind.PENALTY: "penalty_decision",
    DecisionKind.ORDER: "rectification_order",
    DecisionKind.NO_PENALTY: "no_penalty_decision",
}
RECEIPT_METHODS = {
    ServiceMethod.DIRECT: "直接送达", ServiceMethod.LODGED: "留置送达", ServiceMethod.ENTRUSTED: "委托送达",
    ServiceMethod.MAIL: "邮寄送达", ServiceMethod.ELECTRONIC: "电子送达", ServiceMethod.FAX: "传真送达",
}
# What the law itself says of these contents, for a decision the officer did not word otherwise:
# 《行政复议法》(2023)第二十条 (sixty days) and 《行政诉讼法》第四十六条 (six months); the fine is paid within
# fifteen days (《行政处罚法》第六十七条第三款).
REMEDY = ("如不服本决定,可以在收到本决定书之日起六十日内依法申请行政复议,"
          "或者在收到本决定书之日起六个月内依法向人民法院提起行政诉讼。")
PERFORMANCE = "自收到本决定书之日起十五日内,到指定的银行或者通过电子支付系统缴纳罚款。"
PENALTY_LAW = "《中华人民共和国行政处罚法》"
DECISION_ARTICLE = PENALTY_LAW + "第五十九条"
SERVICE_ARTICLE = PENALTY_LAW + "第六十一条"
RECORD_ARTICLE = PENALTY_LAW + "第四十七条"
REVIEW_ARTICLE = PENALTY_LAW + "第五十七条"
INVESTIGATION_TYPES = ("inquiry_record", "site_inspection_record", "evidence_preservation_list", "sampling_list",
                       "hearing_record", "statement_record")


# ---------------------------------------------------------------- reads


def _label(document: Document) -> str:
    return f"{document.type_name} {document.number}".strip() + (f"(第{document.version}版)" if document.version > 1 else "")


def servable_documents(case: Case) -> list[tuple[int, str]]:
    """The case's issued documents addressed to the party (notice layout): what a service may serve."""
    out = []
    for doc in Document.objects.filter(case=case, status=DocumentStatus.ISSUED).order_by("issued_at", "pk"):
        if doc.type_code != RECEIPT and doc.doc_type.layout.style == "notice":
            out.append((doc.pk, _label(doc)))
    return out


def served_document(case: Case, document_id: int) -> str | None:
    return dict(servable_documents(case)).get(int(document_id))


# ---------------------------------------------------------------- writes inside a step's transaction


def _link_or_create(case: Case, act: str, type_code: str, actor: User, *, fields: dict[str, Any] | None = None,
                    match: Callable[[Document], bool] | None = None) -> Document:
    """The document of `act`: the one linked already, else one made by hand for it, else a new draft."""
    existing = act_document(case, act)
    if existing is not None and existing.type_code == type_code:
        return existing
    now = timez.now()
    linked = {row.document_id for row in ActDocument.objects.filter(case=case)}
    candidates = [d for d in Document.objects.filter(case=case, type_code=type_code).exclude(
        status=DocumentStatus.SUPERSEDED).order_by("-pk") if first_version(d).pk not in linked]
    if match is not None:
        candidates = [d for d in candidates if match(d)]
    # A correction draft stands for its chain only once issued: link the version that stands.
    found = next((d for d in candidates if not (d.is_draft and d.previous_id)), None)
    if found is not None:
        document, produced = first_version(found), False
        found = current_version(document)
    else:
        doc_type = get_type(type_code)
        document = found = Document.objects.create(
            agency_id=case.agency_id, case=case, type_code=doc_type.code, type_name=doc_type.name,
            definition_id=store_definition(doc_type), status=DocumentStatus.DRAFT,
            fields=clean_fields(doc_type, {k: v for k, v in (fields or {}).items()
                                           if doc_type.field(k) is not None and not _empty(v)},
                                base=prefilled(case, doc_type, actor)),
            created_by=actor, created_at=now, updated_at=now,
        )
        produced = True
        record_event("document.create", document, actor=actor, case_id=case.pk,
                     payload=_payload(document, fields=sorted(document.fields), act=act))
    ActDocument.objects.update_or_create(case=case, act=act, defaults={
        "document": document, "produced": produced, "linked_at": now})
    record_event("document.link_act", found, actor=actor, case_id=case.pk,
                 payload=_payload(found, act=act, produced=produced))
    return found


def _fill(document: Document, values: dict[str, Any], actor: User) -> Document:
    """Write `values` into a draft (the step's facts win over what was there)."""
    doc_type = document.doc_type
    known = {k: v for k, v in values.items() if doc_type.field(k) is not None and not _empty(v)}
    merged = clean_fields(doc_type, known, base=document.fields)
    if merged != document.fields:
        Document.objects.filter(pk=document.pk, status=DocumentStatus.DRAFT).update(
            fields=merged, revision=document.revision + 1, updated_at=timez.now())
        document.refresh_from_db()
        record_event("document.update", document, actor=actor, case_id=document.case_id,
                     payload=_payload(document, changed=sorted(known)))
    return document


def _signature(document: Document, slot: signing.Slot, *, user: User, at: Any, opinion: str = "",
               approved: bool | None = None) -> Signature:
    return Signature(
        document=document, slot=slot.key, slot_label=slot.label, role=slot.role,
        kind=SignatureKind.APPROVAL if slot.role == "approver" else SignatureKind.SIGNED,
        user=user, name=user.display_name, cert_no=user.cert_no or "", at=at, approved=approved, opinion=opinion,
        document_sha256=document.pdf_sha256,
    )


def _save_signatures(document: Document, signatures: list[Signature], actor: User) -> None:
    for sig in signatures:
        sig.document_sha256 = document.pdf_sha256
        sig.save()
        action = "document.approve" if sig.kind == SignatureKind.APPROVAL else "document.sign"
        record_event(action, document, actor=actor, case_id=document.case_id, payload=_payload(
            document, slot=sig.slot, role=sig.role, signer=sig.name, cert_no=sig.cert_no, approved=sig.approved,
            opinion=sig.opinion, at=sig.at.isoformat(), sha256=document.pdf_sha256, by_step=True))


def _issue(document: Document, actor: User, signatures: list[Signature]) -> Document:
    """签发 inside the step: numbered (its 文号), rendered with the signatures the step gives, kept;
    each signature then names the hash of that PDF, as one given on the issued document does."""
    document = issue_locked(document, actor=actor, signatures=signatures, by_step=True)
    _save_signatures(document, signatures, actor)
    return document


def _open_slots(document: Document) -> list[signing.Slot]:
    taken = set(document.signatures.values_list("slot", flat=True)) if document.pk else set()
    return [s for s in signing.document_slots(document) if s.key not in taken]


def _issue_or_sign(document: Document, actor: User, signatures: list[Signature]) -> Document:
    if document.is_draft:
        return _issue(document, actor, signatures)
    if document.status == DocumentStatus.ISSUED:
        _save_signatures(document, signatures, actor)
    return document


# ---------------------------------------------------------------- producers


def _filing_approved(case: Case, *, actor: User, **_: Any) -> None:
    """立案审批表: the handler's opinion and each filing opinion, signed by whoever gave it, when."""
    document = _link_or_create(case, FILING, FILING_FORM, actor)
    if document.is_draft:
        document = _fill(document, prefilled(case, document.doc_type, actor), actor)
    approvals = {a.kind: a for a in case.approvals.filter(approved=True).select_related("by").order_by("at", "pk")}
    signatures = []
    for slot in _open_slots(document):
        if slot.role == "officer" and case.handler.cert_no:
            # The handler filled in the form when registering the case: 承办人意见 is theirs.
            signatures.append(_signature(document, slot, user=case.handler, at=case.registered_at))
        elif slot.role == "approver" and slot.approval in FILING_APPROVER_KINDS:
            approval = approvals.get(FILING_APPROVER_KINDS[slot.approval])
            if approval is not None:
                signatures.append(_signature(document, slot, user=approval.by, at=approval.at,
                                             opinion=approval.opinion, approved=True))
    _issue_or_sign(document, actor, signatures)


def _evidence_lines(case: Case) -> list[str]:
    docs = Document.objects.filter(case=case, status=DocumentStatus.ISSUED, type_code__in=INVESTIGATION_TYPES)
    return [_label(d) for d in docs.order_by("issued_at", "pk")]


def _decision_values(case: Case, document: Document, given: dict[str, Any]) -> dict[str, Any]:
    """The decision document's contents: the law's defaults where the draft has nothing yet, what
    the officer gave, then the decision itself on top, so the document never says other than the
    case's decision."""
    doc_type = document.doc_type
    current = document.fields or {}
    defaults: dict[str, Any] = {"remedy": REMEDY, "evidence": _evidence_lines(case)}
    if case.decision_kind == DecisionKind.PENALTY:
        defaults["performance"] = PERFORMANCE
    values = {k: v for k, v in defaults.items() if _empty(current.get(k))}
    values.update({k: v for k, v in given.items() if not _empty(v)})
    values.update({
        "facts": case.investigation_summary or case.facts, "legal_basis": case.decision_basis,
        "decision": case.decision_text, "requirements": [case.decision_text],
        "penalty_amount": str(case.penalty_amount) if case.penalty_amount is not None else None,
        "case_number": case.number or "",
    })
    return {k: v for k, v in values.items() if doc_type.field(k) is not None and not _empty(v)}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _decision_recorded(case: Case, *, actor: User, fields: dict[str, Any] | None = None, **_: Any) -> None:
    code = DECISION_TYPES.get(DecisionKind(case.decision_kind)) if case.decision_kind else None
    if code is None:
        return
    document = _link_or_create(case, DECISION, code, actor)
    if document.is_draft:
        _fill(document, _decision_values(case, document, fields or {}), actor)


def _decision_approved(case: Case, *, actor: User, **_: Any) -> None:
    document = act_document(case, DECISION)
    if document is None or not document.is_draft:
        return
    document = _fill(document, _decision_values(case, document, {}), actor)
    _issue(document, actor, [])


def _receipt_notes(service: Service, proofs: dict[str, str]) -> str:
    """The 送达回证's 备注: the refusal with its date (labour 第二十七条: 在《送达回执》中记明拒收事由和日期)
    and the reason for entrusting or forwarding (第二十八条), as recorded in their fields, then the note."""
    lines = []
    if proofs.get("refusal"):
        lines.append(f"拒收事由:{proofs['refusal']};拒收日期:{timez.beijing(service.served_at):%Y-%m-%d}")
    if proofs.get("entrust_reason"):
        lines.append(f"委托、转交原因:{proofs['entrust_reason']}")
    if proofs.get("fax_number"):
        # 在传真件上注明传真时间和受送达人的传真号码 (the commission's 第十六条(四)).
        lines.append(f"传真时间:{timez.beijing(service.served_at):%Y-%m-%d %H:%M};受送达人传真号码:{proofs['fax_number']}")
    if service.note:
        lines.append(service.note)
    return "\n".join(lines)


def _service_recorded(case: Case, *, actor: User, service: Service, proofs: dict[str, str] | None = None,
                      **_: Any) -> None:
    """送达回证 of one service: the served document's name and 文号, how, when, to whom, by whom."""
    if service.method == ServiceMethod.PUBLIC:
        return  # 公告送达 has its announcement and its approval, not a receipt (checked by the profile)
    served = Document.objects.filter(pk=service.document_ref or 0, case=case).first()
    number = served.number if served is not None else ""

    def names_served(d: Document) -> bool:
        return bool(number) and any(number in str(line) for line in (d.fields or {}).get("documents") or [])

    facts = {
        "documents": [service.document], "recipient": service.recipient,
        "served_at": timez.beijing(service.served_at).replace(microsecond=0).isoformat(),
        "place": case.party.address or f"{service.recipient}处", "method": RECEIPT_METHODS[ServiceMethod(service.method)],
        "server": actor.display_name, "notes": _receipt_notes(service, proofs or {}),
    }
    document = _link_or_create(case, service_act(service.pk), RECEIPT, actor, fields=facts, match=names_served)
    if document.is_draft:
        document = _fill(document, facts, actor)
    signatures = [_signature(document, slot, user=actor, at=service.served_at)
                  for slot in _open_slots(document) if slot.role == "officer" and actor.cert_no]
    _issue_or_sign(document, actor, signatures)


def _case_closed(case: Case, *, actor: User, **_: Any) -> None:
    services = [f"{s.document} · {s.get_method_display()} · {s.recipient} · "
                f"{timez.beijing(s.served_at):%Y-%m-%d %H:%M}" for s in case.services.order_by("served_at", "pk")]
    document = _link_or_create(case, CLOSING, CLOSING_FORM, actor, fields={"services": services})
    if document.is_draft:
        document = _fill(document, {**prefilled(case, document.doc_type, actor), "services": services}, actor)
    signatures = [_signature(document, slot, user=actor, at=timez.now())
                  for slot in _open_slots(document) if slot.role == "officer" and actor.cert_no]
    _issue_or_sign(document, actor, signatures)


def _officer_signatures(document: Document, users: list[User], *, at: Any) -> list[Signature]:
    """The officers' signatures the step gives: each of `users` with a 执法证号, on each open officer slot."""
    out: list[Signature] = []
    for slot in _open_slots(document):
        if slot.role == "officer":
            out.extend(_signature(document, slot, user=user, at=at) for user in dict.fromkeys(users) if user.cert_no)
    return out


def _issue_if_complete(document: Document, actor: User, signatures: list[Signature]) -> Document:
    """Issue what the step could fill entirely; a draft still lacking what only the officer knows (the
    place of an on-the-spot decision, a 法律依据 of a non-acceptance) waits for the officer, and the
    gates name it until it is issued."""
    if document.is_draft and missing_mandatory(document.doc_type, document.fields):
        return document
    return _issue_or_sign(document, actor, signatures)


def _step_values_differ(document: Document, values: dict[str, Any]) -> bool:
    cleaned = clean_fields(document.doc_type, {k: v for k, v in values.items()
                                               if document.doc_type.field(k) is not None and not _empty(v)},
                           base=document.fields)
    return any(cleaned.get(k) != (document.fields or {}).get(k) for k in STEP_FIELDS.get(document.type_code, ()))


def _new_version(document: Document, values: dict[str, Any], reason: str, actor: User) -> Document:
    """The step's own correction of its issued document, when what the step holds changed (a
    re-drafted decision approved again): the next version of the chain, issued by the step, so the
    step and its document agree and the earlier version stays, superseded."""
    known = {k: v for k, v in values.items() if document.doc_type.field(k) is not None and not _empty(v)}
    begun = Document.objects.filter(previous=document).first()
    if begun is not None:  # a correction an officer began by hand: the step completes it
        return _fill(begun, known, actor)
    now = timez.now()
    corrected = Document.objects.create(
        agency_id=document.agency_id, case_id=document.case_id, complaint_id=document.complaint_id,
        type_code=document.type_code, type_name=document.type_name, definition_id=document.definition_id,
        fields=clean_fields(document.doc_type, known, base=document.fields), status=DocumentStatus.DRAFT,
        version=document.version + 1, previous=document, correction_reason=reason, created_by=actor,
        created_at=now, updated_at=now,
    )
    record_event("document.correct", corrected, actor=actor, case_id=document.case_id, payload=_payload(
        corrected, previous_id=document.pk, previous_sha256=document.pdf_sha256, reason=reason, by_step=True))
    return corrected


def _minute(moment: Any) -> str:
    return timez.beijing(moment).replace(second=0, microsecond=0).isoformat()


def _investigation_concluded(case: Case, *, actor: User, **_: Any) -> None:
    """调查终结报告: what the investigation found and the records it made, signed by the handler
    (调查终结,行政机关负责人应当对调查结果进行审查: 《行政处罚法》第五十七条)."""
    now = timez.now()
    values = {"summary": case.investigation_summary, "evidence": _evidence_lines(case), "concluded_at": _minute(now)}
    document = _link_or_create(case, INVESTIGATION, INVESTIGATION_REPORT, actor, fields=values)
    if document.is_draft:
        document = _fill(document, {**prefilled(case, document.doc_type, actor), **values}, actor)
    _issue_or_sign(document, actor, _officer_signatures(document, [case.handler], at=now))


STATEMENT_TYPES = ("statement_record", "statement_review_opinion", "hearing_report")


def _statement_review(case: Case) -> str:
    docs = Document.objects.filter(case=case, status=DocumentStatus.ISSUED, type_code__in=STATEMENT_TYPES)
    labels = [_label(d) for d in docs.order_by("issued_at", "pk")]
    return "见" + "、".join(labels) if labels else "本案未记录当事人的陈述、申辩"


def _decision_reviewed(case: Case, *, actor: User, **_: Any) -> None:
    """行政处罚(处理)报批表 (决定审批): the handler's proposal with the facts, evidence and basis, and the
    法制审核 and 负责人 opinions on the decision as it stands, each signed by whoever gave it, when.
    A decision re-drafted and approved again is a new version of the same form."""
    approvals = {a.kind: a for a in case.approvals.filter(approved=True, at__gte=case.decided_at)
                 .select_related("by").order_by("at", "pk")}
    review = approvals.get(ApprovalKind.LEGAL_REVIEW)
    decision = act_document(case, DECISION)
    evidence = (decision.fields or {}).get("evidence") if decision is not None else None
    report = act_document(case, INVESTIGATION)
    # Without a record of its own, the evidence is what the 调查终结报告 lists.
    evidence = evidence or _evidence_lines(case) or ([f"见{_label(report)}"] if report is not None else [])
    values: dict[str, Any] = {
        "reviewer": review.by_name if review else "", "facts": case.investigation_summary or case.facts,
        "evidence": evidence, "statement_review": _statement_review(case),
        "legal_basis": case.decision_basis,
        "proposal": case.decision_text + (f"(罚款人民币{case.penalty_amount}元)" if case.penalty_amount else ""),
    }
    document = _link_or_create(case, DECISION_APPROVAL, APPROVAL_FORM, actor, fields=values)
    if document.status == DocumentStatus.ISSUED and _step_values_differ(document, values):
        document = _new_version(document, values, "处理决定重新拟定,重新审批", actor)
    if document.is_draft:
        document = _fill(document, {**prefilled(case, document.doc_type, actor), **values}, actor)
    signatures = _officer_signatures(document, [case.handler], at=case.decided_at)
    kinds = {"legal_review": ApprovalKind.LEGAL_REVIEW, "head": ApprovalKind.DECISION_HEAD}
    for slot in _open_slots(document):
        approval = approvals.get(kinds.get(slot.approval, "")) if slot.role == "approver" else None
        if approval is not None:
            signatures.append(_signature(document, slot, user=approval.by, at=approval.at, opinion=approval.opinion,
                                         approved=True))
    # The approval stands even where the form lacks what only the officer can add: 结案 then names it.
    _issue_if_complete(document, actor, signatures)


def _simple_decided(case: Case, *, actor: User, fields: dict[str, Any] | None = None, **_: Any) -> None:
    """当场行政处罚决定书 of a simple-procedure case, from what the officers recorded on the spot,
    signed by them; the party signs it (or refuses) on the tablet."""
    record = case.simple_record or {}
    paid = record.get("paid_on_spot") == "是"
    defaults: dict[str, Any] = {
        "decided_at": _minute(case.decided_at or timez.now()), "facts": record.get("facts_and_basis") or case.facts,
        "statement": f"{record.get('statement', '')}\n复核及处理:{record.get('statement_review', '')}".strip(),
        "payment": "当场收缴罚款" if paid else (PERFORMANCE if case.penalty_amount else "不涉及罚款"),
        "remedy": REMEDY,
        # 出示执法证件 is among the steps the officers recorded on the spot (第五十二条: 应当向当事人出示执法证件).
        "credentials_shown": record.get("steps", ""),
    }
    values = {**defaults, **{k: v for k, v in (fields or {}).items() if not _empty(v)}}
    # What the step holds wins: the document never says other than the case's decision.
    values.update({"legal_basis": case.decision_basis, "penalty": case.decision_text,
                   "penalty_amount": str(case.penalty_amount) if case.penalty_amount is not None else None})
    document = _link_or_create(case, SIMPLE, ON_THE_SPOT, actor, fields=values)
    if document.is_draft:
        document = _fill(document, {**prefilled(case, document.doc_type, actor), **values}, actor)
    _issue_if_complete(document, actor, _officer_signatures(document, list(case.officers.order_by("pk")),
                                                            at=case.decided_at or timez.now()))


# ---------------------------------------------------------------- a complaint's intake documents


INTAKE_TYPES = {ComplaintStatus.NOT_ACCEPTED: "non_acceptance_decision",
                ComplaintStatus.CORRECTION: "correction_notice"}


def _complaint_document(complaint: Complaint, type_code: str, actor: User, values: dict[str, Any]) -> Document:
    """The complaint's document of this type: the one already made by hand (its standing version),
    else a new draft, pre-filled from the complaint. A complaint has no case to link acts on: its
    intake documents are one per type, made on the complaint itself."""
    standing = [d for d in Document.objects.filter(complaint=complaint, type_code=type_code).exclude(
        status=DocumentStatus.SUPERSEDED).order_by("-pk") if not (d.is_draft and d.previous_id)]
    if standing:
        return standing[0]
    doc_type = get_type(type_code)
    now = timez.now()
    known = {k: v for k, v in values.items() if doc_type.field(k) is not None and not _empty(v)}
    document = Document.objects.create(
        agency_id=complaint.agency_id, complaint=complaint, type_code=doc_type.code, type_name=doc_type.name,
        definition_id=store_definition(doc_type), status=DocumentStatus.DRAFT,
        fields=clean_fields(doc_type, known, base=prefilled(complaint, doc_type, actor)),
        created_by=actor, created_at=now, updated_at=now,
    )
    record_event("document.create", document, actor=actor, payload=_payload(
        document, fields=sorted(document.fields), by_step=True))
    return document


def _complaint_registered(complaint: Complaint, *, actor: User, **_: Any) -> None:
    """投诉(举报)登记表, signed by the officer who registered it."""
    document = _complaint_document(complaint, "complaint_register", actor, {})
    _issue_if_complete(document, actor, _officer_signatures(document, [actor], at=complaint.received_at))


def _complaint_decided(complaint: Complaint, *, actor: User, outcome: str = "",
                       fields: dict[str, Any] | None = None, **_: Any) -> None:
    """不予受理决定书 or 一次性补证告知书 of the complaint's decision: the reasons or the missing items
    as decided, what the officer gave besides (法律依据, 补正期限), the law's remedy wording."""
    code = INTAKE_TYPES.get(ComplaintStatus(outcome)) if outcome in ComplaintStatus.values else None
    if code is None:
        return
    given = {k: v for k, v in (fields or {}).items() if not _empty(v)}
    values = {**({"remedy": REMEDY} if code == "non_acceptance_decision" else {}), **given}
    document = _complaint_document(complaint, code, actor, values)
    if document.is_draft:
        decided = {"reasons": complaint.decision_reason, "missing_items": complaint.missing_items}
        document = _fill(document, {**values, **decided}, actor)
    _issue_if_complete(document, actor, [])


# ---------------------------------------------------------------- gates


def _url(document: Document | None) -> str:
    return reverse("document_detail", args=[document.pk]) if document is not None else ""


def _filing_source(case: Case) -> str:
    profile = profile_of(case)
    rule = profile.rule("filing_approval")
    return f"{rule.law or '《' + profile.name + '》'}{rule.article}" if rule else RECORD_ARTICLE


def required_missing(case: Case, *, closing: bool) -> list[hooks.Missing]:
    """The documents a closed case's file must hold, that it does not (general procedure)."""
    out: list[hooks.Missing] = []
    filing = act_document(case, FILING)
    if filing is None or filing.status != DocumentStatus.ISSUED:
        out.append(hooks.Missing("缺少立案审批表(立案审批意见及签名):请办理立案审批", source=_filing_source(case),
                                 step="approval", url=_url(filing)))
    report = act_document(case, INVESTIGATION)
    if report is None or report.status != DocumentStatus.ISSUED:
        out.append(hooks.Missing("缺少调查终结报告:请在「调查终结,提交审查」中填写调查终结报告", source=REVIEW_ARTICLE,
                                 step="move", url=_url(report)))
    if case.decision_kind:
        form = act_document(case, DECISION_APPROVAL)
        if form is None or form.status != DocumentStatus.ISSUED:
            out.append(hooks.Missing(f"缺少{get_type(APPROVAL_FORM).name}(法制审核、负责人审批意见及签名):"
                                     "请完成处理决定的法制审核和负责人审批", source=REVIEW_ARTICLE, step="approval",
                                     url=_url(form)))
    code = DECISION_TYPES.get(DecisionKind(case.decision_kind)) if case.decision_kind else None
    if code is not None:
        decision = act_document(case, DECISION)
        if decision is None or decision.status != DocumentStatus.ISSUED:
            out.append(hooks.Missing(f"缺少已签发的{get_type(code).name}(决定书及其文号):请完成处理决定的审批并签发决定书",
                                     source=DECISION_ARTICLE, step="decision", url=_url(decision)))
    for service in case.services.order_by("served_at", "pk"):
        if service.method == ServiceMethod.PUBLIC:
            continue
        receipt = act_document(case, service_act(service.pk))
        if receipt is None or receipt.status != DocumentStatus.ISSUED:
            out.append(hooks.Missing(f"「{service.document}」的送达缺少送达回证:请在送达步骤中从已签发文书选择送达文书并登记送达",
                                     source=SERVICE_ARTICLE, step="service", url=_url(receipt)))
    if closing:
        report = act_document(case, CLOSING)
        if report is None or report.status != DocumentStatus.ISSUED:
            out.append(hooks.Missing("缺少结案审批表:请办理结案", source=RECORD_ARTICLE, step="move", url=_url(report)))
    return out


def simple_missing(case: Case) -> list[hooks.Missing]:
    """A simple-procedure case's file: its 当场行政处罚决定书, issued."""
    document = act_document(case, SIMPLE)
    if document is not None and document.status == DocumentStatus.ISSUED:
        return []
    return [hooks.Missing(f"缺少已签发的{get_type(ON_THE_SPOT).name}:请补全(如处罚地点)并签发",
                          source=PENALTY_LAW + "第五十二条", step="documents", url=_url(document))]


def _gate(case: Case, gate: str) -> list[hooks.Missing]:
    if case.procedure == Procedure.SIMPLE:
        return simple_missing(case) if gate in (hooks.BIND, hooks.ARCHIVE) else []
    if case.procedure != Procedure.GENERAL:
        return []
    if gate == hooks.move_gate(Stage.SERVING):
        code = DECISION_TYPES.get(DecisionKind(case.decision_kind)) if case.decision_kind else None
        if code is None:
            return []
        document = act_document(case, DECISION)
        if document is None:
            return [hooks.Missing(f"尚无{get_type(code).name}:请重新拟定处理决定", source=DECISION_ARTICLE,
                                  step="decision")]
        if document.is_draft:
            values = {**document.fields, **_decision_values(case, document, {})}
            labels = [f.label for f in document.doc_type.mandatory if _empty(values.get(f.key))]
            if labels:
                return [hooks.Missing(f"{document.type_name}缺少{'、'.join(labels)}:请在「拟定/修改处理决定」中补充",
                                      source=DECISION_ARTICLE, step="decision", url=_url(document))]
        return []
    if gate == hooks.CLOSE:
        return required_missing(case, closing=False)
    if gate in (hooks.BIND, hooks.ARCHIVE):
        return required_missing(case, closing=True)
    return []


def decision_document_fields(case: Case) -> dict[str, Any]:
    """What the decision draft says beyond the decision, for the decision form to show again."""
    document = act_document(case, DECISION)
    if document is None:
        return {}
    fields = document.fields or {}
    out = {k: fields[k] for k in ("circumstances", "performance", "remedy", "deadline_on") if fields.get(k)}
    if fields.get("evidence"):
        out["evidence"] = "\n".join(str(x) for x in fields["evidence"])
    return out


def complaint_records(complaint_id: int) -> dict[str, list[str]]:
    """The documents made on a complaint and on no case (their events belong to the timeline of
    the case the complaint became)."""
    ids = Document.objects.filter(case__isnull=True, complaint_id=complaint_id).values_list("pk", flat=True)
    return {"documents.document": [str(pk) for pk in ids]}


def register() -> None:
    hooks.register_gate(_gate)
    hooks.register_producer(hooks.FILING_APPROVED, _filing_approved)
    hooks.register_producer(hooks.DECISION_RECORDED, _decision_recorded)
    hooks.register_producer(hooks.DECISION_APPROVED, _decision_approved)
    hooks.register_producer(hooks.SERVICE_RECORDED, _service_recorded)
    hooks.register_producer(hooks.CASE_CLOSED, _case_closed)
    hooks.register_producer(hooks.INVESTIGATION_CONCLUDED, _investigation_concluded)
    hooks.register_producer(hooks.DECISION_REVIEWED, _decision_reviewed)
    hooks.register_producer(hooks.SIMPLE_DECIDED, _simple_decided)
    hooks.register_producer(hooks.COMPLAINT_REGISTERED, _complaint_registered)
    hooks.register_producer(hooks.COMPLAINT_DECIDED, _complaint_decided)
    hooks.register_provider(hooks.SERVABLE_DOCUMENTS, servable_documents)
    hooks.register_provider(hooks.SERVED_DOCUMENT, served_document)
    hooks.register_provider(hooks.DECISION_DOCUMENT_FIELDS, decision_document_fields)
    hooks.register_provider(hooks.COMPLAINT_RECORDS, complaint_records)
