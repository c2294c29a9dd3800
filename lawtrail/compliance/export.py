"""A case from the database as a bundle (docs/bundle.md). Reads only.

Ids inside a bundle are its own ("officer-3", "doc-12"): they keep references inside the
bundle straight and say nothing about any database. Times are ISO 8601 in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F

from lawtrail.accountability.models import AccountabilityRecord
from lawtrail.accounts.models import User
from lawtrail.cases.models import Approval, Case, CaseTransition, FollowUp, Service
from lawtrail.compliance.bundle import FORMAT, VERSION
from lawtrail.compliance.models import PROOF_TEXTS, LapseNote, ServiceProof
from lawtrail.documents.choices import DocumentStatus
from lawtrail.documents.models import ActDocument, Document, Signature
from lawtrail.documents.signing import slots_for
from lawtrail.documents.steps import service_act
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.models import Evidence, EvidenceHandling, FootageLink, Interruption, RecordingStop
from lawtrail.lib import timez
from lawtrail.lib.errors import NotFound
from lawtrail.profiles.registry import get_profile
from lawtrail.registers.models import TextRecord

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


# What the bundle says of an officer (export_case's `officer`): read for them and no more.
OFFICER_FIELDS = ("full_name", "username", "cert_no", "cert_valid_from", "cert_valid_until")


def _officer_ref(user_id: int | None) -> str | None:
    return f"officer-{user_id}" if user_id else None


@dataclass
class CaseRecords:
    """A case's own rows the bundle is made from, read for many cases at once (`load_records`)."""

    # The officers named anywhere in the batch's records, by id (shared by the batch's cases).
    users: dict[int, User] = field(default_factory=dict)
    officers: list[int] = field(default_factory=list)
    approvals: list[Any] = field(default_factory=list)
    transitions: list[Any] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # Evidence id (as text) → when it was labelled for the case (its last evidence.link/ingest event).
    labelled: dict[str, dt.datetime] = field(default_factory=dict)
    handled: dict[int, EvidenceHandling] = field(default_factory=dict)
    links: list[FootageLink] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    signatures: dict[int, list[Signature]] = field(default_factory=dict)
    services: list[Any] = field(default_factory=list)
    proofs: dict[int, ServiceProof] = field(default_factory=dict)
    # Act ("service:<id>") → (id, status) of the version of its document that stands.
    acts: dict[str, tuple[int, str]] = field(default_factory=dict)
    interruptions: list[Interruption] = field(default_factory=list)
    assembled_at: dt.datetime | None = None
    has_case_file: bool = False
    lapses: list[Any] = field(default_factory=list)
    stops: list[RecordingStop] = field(default_factory=list)
    follow_ups: list[Any] = field(default_factory=list)
    accountability: list[AccountabilityRecord] = field(default_factory=list)
    text_records: list[TextRecord] = field(default_factory=list)


def load_records(cases: list[Case]) -> dict[int, CaseRecords]:
    """The rows of these cases, one query per table whatever their number (`lawtrail check --all`
    reads a few hundred cases at a time; a single export reads one the same way, so the two cannot
    drift apart). Orders are those the bundle lists its records in."""
    from lawtrail.archive.models import CaseFile

    ids = [c.pk for c in cases]
    users: dict[int, User] = {}
    out = {pk: CaseRecords(users=users) for pk in ids}
    # Officers are read once for the batch (below), not joined to every row that names one.
    named: set[int | None] = set()
    for case_id, user_id in (Case.officers.through.objects.filter(case_id__in=ids).order_by("user_id")
                             .values_list("case_id", "user_id")):
        out[case_id].officers.append(user_id)
        named.add(user_id)
    for a in Approval.objects.filter(case_id__in=ids).order_by("at", "pk"):
        out[a.case_id].approvals.append(a)
        named.add(a.by_id)
    for t in CaseTransition.objects.filter(case_id__in=ids).order_by("at", "pk"):
        out[t.case_id].transitions.append(t)
        named.add(t.actor_id)
    owner: dict[str, int] = {}
    for e in Evidence.objects.filter(case_id__in=ids).select_related("stored").order_by("recorded_start", "pk"):
        assert e.case_id is not None
        out[e.case_id].evidence.append(e)
        owner[str(e.pk)] = e.case_id
        named.add(e.officer_id)
    # Ordered by time: the last labelling of a recording is the one that counts.
    for frozen, object_id, at in DomainEvent.objects.filter(
            action__in=("evidence.link", "evidence.ingest"), object_type="evidence.evidence", case_id_frozen__in=ids,
    ).order_by("occurred_at", "pk").values_list("case_id_frozen", "object_id", "occurred_at"):
        if frozen is not None and owner.get(object_id) == frozen:
            out[frozen].labelled[object_id] = at
    for h in EvidenceHandling.objects.filter(evidence__case_id__in=ids).select_related("evidence"):
        assert h.evidence.case_id is not None
        out[h.evidence.case_id].handled[h.evidence_id] = h
    for link in FootageLink.objects.filter(case_id__in=ids).select_related("evidence").order_by("linked_at", "pk"):
        out[link.case_id].links.append(link)
    # The signed PDFs stay in the database: the bundle carries their hashes only.
    documents = list(Document.objects.filter(case_id__in=ids).defer("pdf").order_by("pk"))
    case_of: dict[int, int] = {}
    for d in documents:
        assert d.case_id is not None
        out[d.case_id].documents.append(d)
        case_of[d.pk] = d.case_id
    for s in Signature.objects.filter(document__case_id__in=ids).order_by("at", "pk"):
        if s.document_id in case_of:  # not a document added since the line above read them
            out[case_of[s.document_id]].signatures.setdefault(s.document_id, []).append(s)
            named.add(s.user_id)
    for sv in Service.objects.filter(case_id__in=ids).order_by("served_at", "pk"):
        out[sv.case_id].services.append(sv)
    for p in ServiceProof.objects.filter(service__case_id__in=ids).select_related("service"):
        out[p.service.case_id].proofs[p.service_id] = p
    acts = list(ActDocument.objects.filter(case_id__in=ids, act__startswith="service:")
                .values_list("case_id", "act", "document_id", "document__status"))
    standing = _standing_versions({(doc_id, status) for _, _, doc_id, status in acts})
    for case_id, act, doc_id, _ in acts:
        out[case_id].acts[act] = standing[doc_id]
    for i in (Interruption.objects.filter(before__case_id__in=ids, after__case_id=F("before__case_id"))
              .select_related("before").order_by("pk")):
        assert i.before.case_id is not None
        out[i.before.case_id].interruptions.append(i)
    for case_id, assembled_at in CaseFile.objects.filter(case_id__in=ids).values_list("case_id", "assembled_at"):
        out[case_id].has_case_file, out[case_id].assembled_at = True, assembled_at
    for n in LapseNote.objects.filter(case_id__in=ids).order_by("pk"):
        out[n.case_id].lapses.append(n)
        named.update((n.recorded_by_id, n.acknowledged_by_id))
    for st in RecordingStop.objects.filter(case_id__in=ids).order_by("stopped_at", "pk"):
        out[st.case_id].stops.append(st)
        named.add(st.reported_to_id)
    for f in FollowUp.objects.filter(case_id__in=ids).order_by("recorded_at", "pk"):
        out[f.case_id].follow_ups.append(f)
    for r in AccountabilityRecord.objects.filter(case_id__in=ids).order_by("pk"):
        assert r.case_id is not None
        out[r.case_id].accountability.append(r)
        named.add(r.officer_id)
    # The text records filed with the case (附卷说明, a complaint's letter): not their print.
    for t in TextRecord.objects.filter(case_id__in=ids).defer("pdf").order_by("pk"):
        assert t.case_id is not None
        out[t.case_id].text_records.append(t)
    named.discard(None)
    users.update(User.objects.only(*OFFICER_FIELDS).in_bulk(named))
    return out


def _standing_versions(starts: set[tuple[int, str]]) -> dict[int, tuple[int, str]]:
    """For each document: (id, status) of the version that stands, as documents.steps.current_version
    walks it (the latest issued correction; a correction still drafted does not count), one query
    per step of the longest chain."""
    found = {pk: (pk, status) for pk, status in starts}
    walking = dict(found)  # start → the version reached so far
    while walking:
        following = {prev: (pk, status) for pk, prev, status in Document.objects.filter(
            previous_id__in={v[0] for v in walking.values()}).values_list("pk", "previous_id", "status")}
        step: dict[int, tuple[int, str]] = {}
        for start, (pk, _) in walking.items():
            nxt = following.get(pk)
            if nxt is not None and nxt[1] != DocumentStatus.DRAFT:
                found[start] = step[start] = nxt
        walking = step
    return found


def export_case(case: Case) -> dict[str, Any]:
    return bundle_of(case, load_records([case])[case.pk])


def export_cases(cases: list[Case]) -> dict[int, dict[str, Any]]:
    """The bundles of many cases (by case id), read in one query per table: equal, case by case,
    to `export_case` (tests/test_compliance_store.py)."""
    records = load_records(cases)
    return {case.pk: bundle_of(case, records[case.pk]) for case in cases}


def bundle_of(case: Case, rows: CaseRecords) -> dict[str, Any]:
    officers: dict[int, dict[str, Any]] = {}
    profile = get_profile(case.agency.profile_id)
    own_media = {e.pk for e in rows.evidence}

    def officer(user: Any) -> str:
        if user.pk not in officers:
            officers[user.pk] = {
                "id": f"officer-{user.pk}", "name": user.display_name, "username": user.username,
                "cert_no": user.cert_no,
                "cert_valid_from": user.cert_valid_from.isoformat() if user.cert_valid_from else None,
                "cert_valid_until": user.cert_valid_until.isoformat() if user.cert_valid_until else None,
            }
        return str(officers[user.pk]["id"])

    def named(user_id: int) -> str:
        return officer(rows.users[user_id])

    handler = officer(case.handler)
    case_officers = [named(u) for u in rows.officers]
    party = case.party
    approvals = [
        {"id": f"approval-{a.pk}", "kind": a.kind, "approved": a.approved, "opinion": a.opinion,
         "by": named(a.by_id), "by_name": a.by_name, "at": iso(a.at)}
        for a in rows.approvals
    ]
    transitions = [
        {"id": f"transition-{t.pk}", "from": t.from_stage, "to": t.to_stage, "by": named(t.actor_id),
         "at": iso(t.at), "note": t.note}
        for t in rows.transitions
    ]
    evidence, labelled, handled = rows.evidence, rows.labelled, rows.handled
    media = []
    for e in evidence:
        h = handled.get(e.pk)
        media.append({
            "id": f"media-{e.pk}", "sha256": e.stored.sha256, "sm3": e.stored.sm3, "size": e.stored.size,
            "original_name": e.original_name, "class": e.evidence_class, "kind": e.media_kind,
            "officer": named(e.officer_id) if e.officer_id else None, "officer_name": e.officer_name,
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
    for link in rows.links:
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
    all_docs = rows.documents
    roots: dict[int, int] = {}
    for d in all_docs:  # ordered by id: a correction comes after the version it corrects
        roots[d.pk] = roots.get(d.previous_id, d.previous_id) if d.previous_id else d.pk
    for d in all_docs:
        doc_refs[d.pk] = f"doc-{d.pk}"
        fields = dict(d.fields or {})
        start = _field_time(fields.get("started_at"))
        end = _field_time(fields.get("ended_at"))
        spec = d.doc_type
        signatures = rows.signatures.get(d.pk, [])
        doc_officers = []
        for s in signatures:
            if s.role == "officer" and s.kind == "signed" and s.user_id is not None:
                ref = named(s.user_id)
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
    proofs = rows.proofs
    for sv in rows.services:
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
        receipt_doc = rows.acts.get(service_act(sv.pk))
        # The 送达回证 the service step made (or linked) for this service: its signature is the proof.
        item["receipt_document"] = (f"doc-{receipt_doc[0]}" if receipt_doc is not None and receipt_doc[1] == "issued"
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
        for i in rows.interruptions
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
        "case_file": _case_file(case, rows),
        "lapses": [
            {"id": f"lapse-{n.pk}", "rule": n.rule, "subject": n.subject, "reason": n.reason,
             "recorded_by": named(n.recorded_by_id), "recorded_by_name": n.recorded_by_name,
             "recorded_at": iso(n.recorded_at),
             "acknowledged_by": named(n.acknowledged_by_id) if n.acknowledged_by_id else None,
             "acknowledged_by_name": n.acknowledged_by_name, "acknowledged_at": iso(n.acknowledged_at),
             "opinion": n.opinion}
            for n in rows.lapses
        ],
        "recording_stops": [
            {"id": f"stop-{s.pk}", "device": s.device_serial, "stopped_at": iso(s.stopped_at), "cause": s.cause,
             "reported_to": named(s.reported_to_id), "reported_to_name": s.reported_to_name,
             "reported_at": iso(s.reported_at), "explanation": s.explanation, "explained_at": iso(s.explained_at)}
            for s in rows.stops
        ],
        "follow_ups": [
            {"id": f"followup-{f.pk}", "kind": f.kind, "due_on": f.due_on.isoformat() if f.due_on else None,
             "checked_at": iso(f.checked_at), "result": f.result, "fulfilled": f.fulfilled,
             "recorded_by_name": f.recorded_by_name, "recorded_at": iso(f.recorded_at)}
            for f in rows.follow_ups
        ],
        "accountability": [
            {"id": f"accountability-{r.pk}", "officer": named(r.officer_id), "officer_name": r.officer_name,
             "officer_cert_no": r.officer_cert_no, "source_text": r.source_text, "article": r.article,
             "situation": r.situation, "finding": r.finding, "rule": r.rule, "rule_label": r.rule_label,
             "source": r.source, "outcome": r.outcome, "outcome_note": r.outcome_note,
             "decided_by_name": r.decided_by_name, "decided_on": r.decided_on.isoformat(),
             "recorded_by_name": r.recorded_by_name, "recorded_at": iso(r.recorded_at)}
            for r in rows.accountability
        ],
        "text_records": [
            {"id": f"record-{t.pk}", "kind": t.kind, "article": t.article, "title": t.title, "issuer": t.issuer,
             "dated": t.dated.isoformat(), "content": t.content,
             # A recording of the case's own (one linked from a patrol is not in this bundle's media).
             "media": f"media-{t.evidence_id}" if t.evidence_id in own_media else None, "medium": t.medium,
             "recorded_by_name": t.recorded_by_name, "recorded_at": iso(t.recorded_at),
             "pdf_sha256": t.pdf_sha256 or None}
            for t in rows.text_records
        ],
    }
    bundle["officers"] = list(officers.values())
    return bundle


def _case_file(case: Case, rows: CaseRecords) -> dict[str, Any] | None:
    """When the case file (案卷, lawtrail.archive) was assembled. A case archived by the direct
    立卷归档 move, without a case file, counts from that move; an open case has none yet."""
    if rows.has_case_file:
        return {"assembled_at": iso(rows.assembled_at)}
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
