"""A case from the database as a bundle (docs/bundle.md). Reads only.

Ids inside a bundle are its own ("officer-3", "doc-12"): they keep references inside the
bundle straight and say nothing about any database. Times are ISO 8601 in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lawtrail.accountability.models import AccountabilityRecord
from lawtrail.cases.models import Case
from lawtrail.compliance.bundle import FORMAT, VERSION
from lawtrail.compliance.models import PROOF_TEXTS, ServiceProof
from lawtrail.documents.models import Document
from lawtrail.documents.signing import slots_for
from lawtrail.documents.steps import act_document, service_act
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.models import Evidence, EvidenceHandling, FootageLink, Interruption, RecordingStop
from lawtrail.lib import timez
from lawtrail.lib.errors import NotFound
from lawtrail.profiles.registry import get_profile

# Document types whose act has a start and an end (the fields `started_at`/`ended_at`).
TIMED_FIELDS = ("started_at", "ended_at")
# How close footage must come to a dated act (a notice signed, a document served) to be its record.
NEAR = dt.timedelta(minutes=30)


def iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def find_case(ref: str) -> Case:
    """A case by its 案号, or by `#<id>` / its database id when it has no number yet."""
    qs = Case.objects.select_related("agency", "unit", "party", "handler", "complaint")
    case = qs.filter(number=ref).first()
    if case is None and ref.lstrip("#").isdigit():
        case = qs.filter(pk=int(ref.lstrip("#"))).first()
    if case is None:
        raise NotFound("case_not_found", f"未找到案件 {ref}", {"case": ref})
    return case


def _officer_ref(user_id: int | None) -> str | None:
    return f"officer-{user_id}" if user_id else None


def export_case(case: Case) -> dict[str, Any]:
    officers: dict[int, dict[str, Any]] = {}
    profile = get_profile(case.agency.profile_id)

    def officer(user: Any) -> str:
        if user.pk not in officers:
            officers[user.pk] = {
                "id": f"officer-{user.pk}", "name": user.display_name, "username": user.username,
                "cert_no": user.cert_no,
                "cert_valid_from": user.cert_valid_from.isoformat() if user.cert_valid_from else None,
                "cert_valid_until": user.cert_valid_until.isoformat() if user.cert_valid_until else None,
            }
        return str(officers[user.pk]["id"])

    handler = officer(case.handler)
    case_officers = [officer(u) for u in case.officers.order_by("pk")]
    party = case.party
    approvals = [
        {"id": f"approval-{a.pk}", "kind": a.kind, "approved": a.approved, "opinion": a.opinion,
         "by": officer(a.by), "by_name": a.by_name, "at": iso(a.at)}
        for a in case.approvals.select_related("by").order_by("at", "pk")
    ]
    transitions = [
        {"id": f"transition-{t.pk}", "from": t.from_stage, "to": t.to_stage, "by": officer(t.actor),
         "at": iso(t.at), "note": t.note}
        for t in case.transitions.select_related("actor").order_by("at", "pk")
    ]
    evidence = list(Evidence.objects.filter(case=case).select_related("stored", "officer").order_by("recorded_start", "pk"))
    labelled = dict(DomainEvent.objects.filter(
        action__in=("evidence.link", "evidence.ingest"), object_type="evidence.evidence",
        object_id__in=[str(e.pk) for e in evidence], case_id_frozen=case.pk,
    ).order_by("occurred_at").values_list("object_id", "occurred_at"))
    handled = {h.evidence_id: h for h in EvidenceHandling.objects.filter(evidence__in=evidence)}
    media = []
    for e in evidence:
        h = handled.get(e.pk)
        media.append({
            "id": f"media-{e.pk}", "sha256": e.stored.sha256, "sm3": e.stored.sm3, "size": e.stored.size,
            "original_name": e.original_name, "class": e.evidence_class, "kind": e.media_kind,
            "officer": officer(e.officer) if e.officer else None, "officer_name": e.officer_name,
            "officer_cert_no": e.officer_cert_no, "device": e.device_serial,
            "recorded_start": iso(e.recorded_start), "recorded_end": iso(e.recorded_end),
            "duration_seconds": e.duration_seconds, "ingested_at": iso(e.ingested_at),
            "labelled_at": (iso(labelled.get(str(e.pk))) or (e.facts or {}).get("labelled_at"))
            if e.label_case_number else None,
            "labels": {"case_number": e.label_case_number, "party": e.label_party, "handler": e.label_handler},
            # 移交与整理 (evidence.EvidenceHandling), only where recorded: an older bundle stays as it was.
            **({"returned_at": iso(h.returned_at), "storage_delay_reason": h.delay_reason, "title": h.title,
                "category": h.category, "place": h.place, "description": h.description,
                "catalogued_at": iso(h.catalogued_at)} if h is not None else {}),
            # Only a failed integrity check is carried: a bundle of sound originals stays as it was.
            **({"fixity_ok": False} if e.stored.verified_ok is False else {}),
        })

    def footage(start: dt.datetime | None, end: dt.datetime | None) -> list[str]:
        """The case's recordings that overlap an act's span (or come within NEAR of a moment)."""
        if start is None:
            return []
        lo, hi = (start, end) if end else (start - NEAR, start + NEAR)
        return [f"media-{e.pk}" for e in evidence
                if e.recorded_start and e.recorded_end and e.recorded_start <= hi and e.recorded_end >= lo]

    # Links made by hand (lawtrail.evidence FootageLink), by act: they name the act's footage
    # whatever the time inside the file says, and say where a stated start comes from.
    by_hand: dict[str, list[dict[str, Any]]] = {}
    for link in FootageLink.objects.filter(case=case).select_related("evidence").order_by("linked_at", "pk"):
        if link.evidence.case_id != case.pk:
            continue  # the recording was moved to another case since
        start, end = link.span()
        by_hand.setdefault(link.act, []).append({
            "media": f"media-{link.evidence_id}", "start": iso(start), "end": iso(end),
            "stated_start": iso(link.stated_start), "basis": link.start_basis, "basis_label": link.basis_label,
            "segment_in": link.segment_in, "segment_out": link.segment_out,
            "linked_by": link.linked_by_name, "linked_at": iso(link.linked_at),
        })

    def with_links(found: list[str], act: str) -> tuple[list[str], list[dict[str, Any]]]:
        links = by_hand.get(act, [])
        return found + [x["media"] for x in links if x["media"] not in found], links

    documents: list[dict[str, Any]] = []
    doc_refs: dict[int, str] = {}
    all_docs = list(Document.objects.filter(case=case).prefetch_related("signatures__user").order_by("pk"))
    roots: dict[int, int] = {}
    for d in all_docs:  # ordered by id: a correction comes after the version it corrects
        roots[d.pk] = roots.get(d.previous_id, d.previous_id) if d.previous_id else d.pk
    for d in all_docs:
        doc_refs[d.pk] = f"doc-{d.pk}"
        fields = dict(d.fields or {})
        start = _field_time(fields.get("started_at"))
        end = _field_time(fields.get("ended_at"))
        spec = d.doc_type
        signatures = list(d.signatures.all())
        doc_officers = []
        for s in signatures:
            if s.role == "officer" and s.kind == "signed" and s.user is not None:
                ref = officer(s.user)
                if ref not in doc_officers:
                    doc_officers.append(ref)
        doc_media, doc_links = with_links(footage(start, end) if start else footage(d.issued_at, None),
                                          f"document:{roots[d.pk]}")
        documents.append({
            "id": f"doc-{d.pk}", "type": d.type_code, "name": d.type_name, "status": d.status,
            "version": d.version, "number": d.number, "fields": fields,
            "created_at": iso(d.created_at), "issued_at": iso(d.issued_at), "pdf_sha256": d.pdf_sha256,
            "signers": [{"slot": s.key, "role": s.role, "label": s.label, "min": s.min,
                         "refusable": s.refusable} for s in slots_for(spec, profile)],
            "signatures": [
                {"slot": s.slot, "role": s.role, "kind": s.kind, "name": s.name, "cert_no": s.cert_no,
                 "at": iso(s.at), "fingerprint": s.fingerprint, "approved": s.approved, "opinion": s.opinion,
                 "refusal_reason": s.refusal_reason, "witnesses": [_witness_name(w) for w in s.witnesses or []],
                 "image_sha256": s.image_sha256}
                for s in signatures
            ],
            "officers": doc_officers,
            "media": doc_media, "media_links": doc_links,
            "situations": [str(x) for x in fields.get("situations", []) or []] if isinstance(fields.get("situations"), list) else [],
            "av_exempt_reason": str(fields.get("av_exempt_reason", "") or ""),
        })
    receipts = {d["id"]: d for d in documents if d["type"] == "service_receipt" and d["status"] == "issued"}
    public_approvals = [d["id"] for d in documents if d["type"] == "public_service_approval" and d["status"] == "issued"]
    services = []
    proofs = {p.service_id: p for p in ServiceProof.objects.filter(service__case=case)}
    for sv in case.services.order_by("served_at", "pk"):
        witnesses: list[str] = []
        if sv.method == "lodged":
            # The witnesses of a lodged service sign the 送达回证 next to the recorded refusal.
            for receipt in receipts.values():
                for sig in receipt["signatures"]:
                    if sig["kind"] == "refused":
                        witnesses = [str(w) for w in list(sig["witnesses"])]
        item: dict[str, Any] = {
            "id": f"service-{sv.pk}", "document": sv.document, "method": sv.method, "served_at": iso(sv.served_at),
            "document_id": f"doc-{sv.document_ref}" if sv.document_ref else None,
            "recipient": sv.recipient, "note": sv.note, "witnesses": witnesses,
            "approval_document": public_approvals[-1] if sv.method == "public" and public_approvals else None,
        }
        item["media"], item["media_links"] = with_links(footage(sv.served_at, None), f"service:{sv.pk}")
        receipt_doc = act_document(case, service_act(sv.pk))
        # The 送达回证 the service step made (or linked) for this service: its signature is the proof.
        item["receipt_document"] = (f"doc-{receipt_doc.pk}" if receipt_doc is not None and receipt_doc.status == "issued"
                                    else None)
        proof = proofs.get(sv.pk)
        if proof is not None:
            # Recorded proof wins over what is inferred from receipts and footage (a proof entered
            # with the service on the case page may carry text only: the inference then stands).
            if proof.witnesses or proof.media:
                item.update(witnesses=list(proof.witnesses), media=with_links(
                    [f"media-{pk}" for pk in proof.media], f"service:{sv.pk}")[0])
            for key in PROOF_TEXTS:
                if getattr(proof, key):
                    item[key] = getattr(proof, key)
            if proof.approval_document_id:
                item["approval_document"] = f"doc-{proof.approval_document_id}"
        services.append(item)
    interruptions = [
        {"id": f"interruption-{i.pk}", "device": i.device_serial, "before": f"media-{i.before_id}",
         "after": f"media-{i.after_id}", "gap_seconds": i.gap_seconds, "status": i.status,
         "explanation": i.explanation, "voice_note": f"media-{i.voice_note_id}" if i.voice_note_id else None,
         "explained_at": iso(i.explained_at)}
        for i in Interruption.objects.filter(before__case=case, after__case=case).order_by("pk")
    ]
    complaint = case.complaint
    bundle: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "exported_at": iso(timez.now()),
        "agency": {"name": case.agency.name, "profile": case.agency.profile_id},
        "case": {
            "id": f"case-{case.pk}", "number": case.number, "procedure": case.procedure, "title": case.title,
            "source": case.source, "source_note": case.source_note, "facts": case.facts, "stage": case.stage,
            "unit": case.unit.name, "party": f"party-{party.pk}", "handler": handler, "officers": case_officers,
            "handler_opinion": case.handler_opinion, "emergency": case.emergency, "major": case.major,
            "emergency_reason": case.emergency_reason, "approval_due_at": iso(case.approval_due_at),
            "registered_at": iso(case.registered_at), "filed_at": iso(case.filed_at),
            "closed_at": iso(case.closed_at), "archive_due_at": iso(case.archive_due_at),
            "archived_at": iso(case.archived_at), "investigation_summary": case.investigation_summary,
            "decision_kind": case.decision_kind, "decision_text": case.decision_text,
            "decision_basis": case.decision_basis,
            "penalty_amount": str(case.penalty_amount) if case.penalty_amount is not None else None,
            "decided_at": iso(case.decided_at), "execution_result": case.execution_result,
            "simple_record": case.simple_record or {},
        },
        "parties": [{
            "id": f"party-{party.pk}", "kind": party.kind, "name": party.name, "id_number": party.id_number,
            "uscc": party.uscc, "legal_representative": party.legal_representative, "address": party.address,
            "phone": party.phone,
        }],
        "officers": [],
        "complaint": None if complaint is None else {
            "id": f"complaint-{complaint.pk}", "kind": complaint.kind, "complainant_name": complaint.complainant_name,
            "anonymous": complaint.anonymous, "facts": complaint.facts, "received_at": iso(complaint.received_at),
            "status": complaint.status, "missing_items": list(complaint.missing_items or []),
            "decision_reason": complaint.decision_reason, "decided_at": iso(complaint.decided_at),
            "application_matter": complaint.application_matter, "channel": complaint.channel,
            "oral_record": complaint.oral_record,
            "corrections": [{k: c[k] for k in ("item", "before", "after", "at", "by") if k in c}
                            for c in complaint.corrections or []],
            "online_captures": [{k: c[k] for k in ("name", "sha256", "size", "captured_at", "by") if k in c}
                                for c in complaint.online_captures or []],
            "receipt_no": complaint.receipt_no, "receipt_issued_at": iso(complaint.receipt_issued_at),
        },
        "approvals": approvals,
        "transitions": transitions,
        "services": services,
        "documents": documents,
        "media": media,
        "interruptions": interruptions,
        "case_file": _case_file(case),
        "lapses": [
            {"id": f"lapse-{n.pk}", "rule": n.rule, "subject": n.subject, "reason": n.reason,
             "recorded_by": officer(n.recorded_by), "recorded_by_name": n.recorded_by_name,
             "recorded_at": iso(n.recorded_at),
             "acknowledged_by": officer(n.acknowledged_by) if n.acknowledged_by else None,
             "acknowledged_by_name": n.acknowledged_by_name, "acknowledged_at": iso(n.acknowledged_at),
             "opinion": n.opinion}
            for n in case.lapse_notes.select_related("recorded_by", "acknowledged_by").order_by("pk")
        ],
        "recording_stops": [
            {"id": f"stop-{s.pk}", "device": s.device_serial, "stopped_at": iso(s.stopped_at), "cause": s.cause,
             "reported_to": officer(s.reported_to), "reported_to_name": s.reported_to_name,
             "reported_at": iso(s.reported_at), "explanation": s.explanation, "explained_at": iso(s.explained_at)}
            for s in RecordingStop.objects.filter(case=case).select_related("reported_to").order_by("stopped_at", "pk")
        ],
        "follow_ups": [
            {"id": f"followup-{f.pk}", "kind": f.kind, "due_on": f.due_on.isoformat() if f.due_on else None,
             "checked_at": iso(f.checked_at), "result": f.result, "fulfilled": f.fulfilled,
             "recorded_by_name": f.recorded_by_name, "recorded_at": iso(f.recorded_at)}
            for f in case.follow_ups.order_by("recorded_at", "pk")
        ],
        "accountability": [
            {"id": f"accountability-{r.pk}", "officer": officer(r.officer), "officer_name": r.officer_name,
             "officer_cert_no": r.officer_cert_no, "source_text": r.source_text, "article": r.article,
             "situation": r.situation, "finding": r.finding, "rule": r.rule, "rule_label": r.rule_label,
             "source": r.source, "outcome": r.outcome, "outcome_note": r.outcome_note,
             "decided_by_name": r.decided_by_name, "decided_on": r.decided_on.isoformat(),
             "recorded_by_name": r.recorded_by_name, "recorded_at": iso(r.recorded_at)}
            for r in AccountabilityRecord.objects.filter(case=case).select_related("officer").order_by("pk")
        ],
    }
    bundle["officers"] = list(officers.values())
    return bundle


def _case_file(case: Case) -> dict[str, Any] | None:
    """When the case file (案卷, lawtrail.archive) was assembled. A case archived by the direct
    立卷归档 move, without a case file, counts from that move; an open case has none yet."""
    from lawtrail.archive.models import CaseFile

    case_file = CaseFile.objects.filter(case=case).only("assembled_at").first()
    if case_file is not None:
        return {"assembled_at": iso(case_file.assembled_at)}
    return {"assembled_at": iso(case.archived_at)} if case.archived_at else None


def _field_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _witness_name(w: Any) -> str:
    if isinstance(w, dict):
        return str(w.get("name") or w.get("label") or "见证人")
    return str(w)
