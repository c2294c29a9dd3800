"""The only functions that write what a case bundle holds: importing it, one or many at a time.

Everything in a bundle is written with its historical times, and one domain event
(`bundle.import`) records the bundle's SHA-256 and freezes every record written; any problem
rolls all of the bundle back (one durable transaction, or one savepoint of a batch's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Model

from lawtrail.accountability.models import AccountabilityRecord
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Unit, User
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Approval, Case, CaseTransition, Complaint, FollowUp, Party, Service
from lawtrail.compliance.bundle import BundleError, Checked, bundle_hash, parse_time, validate
from lawtrail.compliance.models import PROOF_TEXTS, LapseNote, ServiceProof
from lawtrail.documents.catalogue import catalogue
from lawtrail.documents.models import (
    ActDocument,
    Document,
    DocumentTypeVersion,
    Signature,
    store_definitions,
    stored_form,
)
from lawtrail.documents.signing import awaiting_for, slots_for
from lawtrail.documents.steps import service_act
from lawtrail.events.models import DomainEvent, Outcome
from lawtrail.events.recorder import announce, domain_action, new_event, record_event
from lawtrail.events.state import Plain, as_plain, freeze_plain, gather_changes, note_changed
from lawtrail.evidence.models import (
    Evidence,
    EvidenceHandling,
    FootageLink,
    Interruption,
    RecordingStop,
    StoredObject,
)
from lawtrail.lib import timez
from lawtrail.lib.collector import paused
from lawtrail.lib.errors import Conflict, DomainError, Forbidden, InvalidInput
from lawtrail.lib.fastinsert import held, holding, insert, new
from lawtrail.lib.frozen import Encoded
from lawtrail.profiles.registry import get_profile
from lawtrail.registers.models import TextRecord

# Bytes of imported media travel separately (ingest them later under the same SHA-256); until
# then the stored object's key says where they are expected.
PENDING_PREFIX = "imported-pending/"


def _t(value: str | None) -> dt.datetime | None:
    return parse_time(value) if value else None


def _T(value: str) -> dt.datetime:
    return parse_time(value)


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _require_importer(actor: User) -> None:
    if actor.agency_id is None or actor.agency is None:
        raise Forbidden("no_agency", "当前用户不属于任何执法机关")
    if not actor.is_superuser and not actor.has_agency_role(Role.ADMIN):
        raise Forbidden("not_admin", "只有管理员可以导入案件数据包")


@domain_action("bundle.import")
def do_import_bundle(data: dict[str, Any], *, actor: User) -> Case:
    """Write the case of `data` into the actor's agency; all of it or nothing."""
    bundle = validate(data)
    _require_importer(actor)
    with transaction.atomic(durable=True):
        case, written, payload, _ = _write_bundle(bundle, actor)
        record_event("bundle.import", case, actor=actor, case_id=case.pk, changed=written, payload=payload)
    return case


def do_import_bundles(items: Sequence[dict[str, Any] | Checked], *, actor: User,
                      freezer: Freezer | None = None) -> list[Case | DomainError]:
    """导入案件数据包(批量): many bundles in one transaction, each all of it or nothing.

    An item is a bundle's JSON value, validated here, or a `Checked` bundle (validated and hashed
    already, by the bulk import's checking process).

    Each bundle is written inside a savepoint of its own: a refused one (a DomainError) leaves
    nothing, is recorded as a refused `bundle.import` as do_import_bundle's refusal would be, and
    is returned in its place. The events, one per bundle as do_import_bundle records them (the
    same records frozen), are written together through the ledger's bulk path (append_many)
    before the one commit. Any other failure undoes the whole batch and is raised.

    `freezer`: freezes the kept bundles' records elsewhere (the bulk import's second process),
    a few bundles at a time while the next ones are written; each event takes its records when
    the batch's bundles are written. What it cannot freeze (it failed, or its process died) is
    frozen here, from the same records."""
    from lawtrail.ledger.writer import append_many

    _require_importer(actor)
    results: list[Case | DomainError] = []
    events: list[DomainEvent] = []
    # (holding(): on PostgreSQL the bundles' rows take ids taken ahead for the batch, and those of
    # the bundles kept are copied in together before the commit: see fastinsert.holding.)
    with transaction.atomic(durable=True), paused(), holding():
        # Each bundle validated first, so that what the batch's bundles look up (their 案号, their
        # originals, their documents' definitions) is looked up once for them all.
        checked: list[dict[str, Any] | DomainError] = []
        digests: dict[int, str] = {}
        for data in items:
            if isinstance(data, Checked):
                checked.append(data.data)
                digests[id(data.data)] = data.digest
                continue
            try:
                checked.append(validate(data))
            except DomainError as err:
                checked.append(err)
        valid = [b for b in checked if not isinstance(b, DomainError)]
        known = Known.of(actor, valid)
        freezing = _Freezing(freezer, len(valid)) if freezer is not None else None
        for bundle in checked:
            try:
                if isinstance(bundle, DomainError):
                    raise bundle
                with transaction.atomic():
                    with held():
                        case, written, payload, seen = _write_bundle(bundle, actor, known, digests.get(id(bundle)))
                    if freezing is None:
                        events.append(new_event("bundle.import", case, actor=actor, case_id=case.pk, changed=written,
                                                payload=payload))
                    else:
                        # The records as they are now, as plain values: frozen in the other process.
                        plain = as_plain(gather_changes(case, written))
                        event = new_event("bundle.import", case, actor=actor, case_id=case.pk, payload=payload,
                                          frozen=([], []))  # (its records: below, once frozen)
                        events.append(event)
                        freezing.add(event, plain)
                known.rows.update(seen)
                results.append(case)
            except DomainError as err:
                events.append(new_event("bundle.import", None, actor=actor, outcome=Outcome.REFUSED,
                                        reason_code=err.code, reason=err.message, object_type="bundle",
                                        object_id="-"))
                results.append(err)
        if freezing is not None:
            freezing.finish()
        append_many(events)
        # The event recorder's listeners learn of these events too (each imported case's stored
        # findings are refreshed after the commit, as after any other action).
        announce(events)
    return results


class Frozen(Protocol):
    """What a Freezer gives back at once: its result, asked for when the batch's events need it
    (a concurrent.futures.Future is one)."""

    def result(self) -> list[tuple[Encoded, str]]: ...


# Freezes lists of bundles' records (each as state.as_plain gives them) in another process: the
# future of their frozen `records` and `record_fields` (as its JSON text, which the ledger's bulk
# path stores as it is), in order.
Freezer = Callable[[list[list[Plain]]], Frozen]


class _Freezing:
    """The kept bundles' events waiting for their records, sent to the freezer `GROUP` bundles at
    a time (a task per bundle would cost more to send than to freeze), in smaller groups towards
    the batch's end: the batch waits at its end for the last task sent, so that one is short.
    `expected`: the bundles the batch will write, at most (a refused one never comes)."""

    GROUP = 10

    def __init__(self, freezer: Freezer, expected: int) -> None:
        self.freezer = freezer
        self.left = expected
        self.group: list[tuple[DomainEvent, list[Plain]]] = []
        self.sent: list[tuple[list[tuple[DomainEvent, list[Plain]]], Frozen | None]] = []

    def add(self, event: DomainEvent, plain: list[Plain]) -> None:
        self.group.append((event, plain))
        self.left -= 1
        # (Near the end a group is at most half the bundles still to come, the last ones alone:
        # of 100, the last groups are of 7, 4, 3, 2, 1, 1, 1 and 1.)
        if len(self.group) >= min(self.GROUP, max(1, self.left // 2)):
            self._send()

    def _send(self) -> None:
        group, self.group = self.group, []
        try:
            future: Frozen | None = self.freezer([plain for _, plain in group])
        except Exception:  # noqa: BLE001 — frozen here instead (finish)
            future = None
        self.sent.append((group, future))

    def finish(self) -> None:
        """Every event given its records: the freezer's, or frozen here when it gave none."""
        if self.group:
            self._send()
        for group, future in self.sent:
            frozen: Sequence[tuple[Encoded, Encoded | str]] | None = None
            if future is not None:
                try:
                    frozen = future.result()
                except Exception:  # noqa: BLE001 — the same records, frozen here
                    frozen = None
            if frozen is None or len(frozen) != len(group):
                frozen = list(map(freeze_plain, (plain for _, plain in group)))
            for (event, _), (records, fields) in zip(group, frozen, strict=True):
                event.records, event.record_fields = records, fields
        self.sent = []


@dataclass
class Known:
    """What the bundles of one transaction look up, by what they look it up by: the 案号 already
    taken (("case", number)), the originals already stored (("stored", sha256)), the definitions
    already stored (("definition", sha256)), each found by one query for all the bundles at the
    start; and the units, officers and parties found or made by the bundles kept so far. What a
    refused bundle found or made went with its savepoint, and is not kept."""

    rows: dict[tuple[str, ...], Any]

    @classmethod
    def of(cls, actor: User, bundles: Sequence[dict[str, Any]]) -> Known:
        rows: dict[tuple[str, ...], Any] = {}
        numbers = {b["case"]["number"] for b in bundles if b["case"]["number"]}
        if numbers:
            # (Unordered: in the cases' default order SQLite walked the agency's cases by their
            # registration index, 54 ms at 100,000 cases, instead of looking each number up.)
            taken = Case.objects.filter(agency=actor.agency, number__in=numbers).order_by() \
                .values_list("number", flat=True)
            rows.update((("case", n), True) for n in taken)
        shas = {m["sha256"] for b in bundles for m in b["media"]}
        if shas:
            rows.update((("stored", o.sha256), o) for o in StoredObject.objects.filter(sha256__in=shas))
        types = catalogue()
        wanted = {stored_form(types[d["type"]])[1] for b in bundles for d in b["documents"] if d["type"] in types}
        if wanted:
            rows.update((("definition", sha), True)
                        for sha in DocumentTypeVersion.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        return cls(rows)


def _write_bundle(bundle: dict[str, Any], actor: User, known: Known | None = None,
                  digest: str | None = None) -> tuple[Case, list[Model], dict[str, Any], dict[tuple[str, ...], Any]]:
    """Write a validated bundle's records (inside the caller's transaction): the case, the records
    to freeze beside it, the payload of its event, and what it found or made (by what it was
    looked up by). `known`: what the transaction's bundles looked up together, and what earlier
    ones that were kept found or made (not looked up again). `digest`: the bundle's bundle_hash(),
    when it was made already."""
    if known is None:
        known = Known.of(actor, [bundle])
    agency = actor.agency
    assert agency is not None
    digest = digest or bundle_hash(bundle)
    src = bundle["case"]
    if src["number"] and ("case", src["number"]) in known.rows:
        raise Conflict("case_exists", f"案号 {src['number']} 已存在,不能重复导入", {"path": "$.case.number"})
    seen: dict[tuple[str, ...], Any] = {}

    def lookup(key: tuple[str, ...], model: type[Model], **filters: Any) -> Any:
        # (The query is built only when the key is not known yet: most bundles of a batch share them.)
        hit = known.rows.get(key) or seen.get(key)
        if hit is None:
            hit = model._default_manager.filter(**filters).first()
            if hit is not None:
                seen[key] = hit
        return hit

    unit = lookup(("unit", src["unit"]), Unit, agency=agency, name=src["unit"])
    if unit is None:
        unit = seen[("unit", src["unit"])] = Unit.objects.create(agency=agency, name=src["unit"])
    officers: dict[str, User] = {}
    for i, o in enumerate(bundle["officers"]):
        user = None
        if o.get("cert_no"):
            # A 执法证号 names one person: a case transferred from another agency keeps pointing
            # at the officer who did the work, wherever that officer is registered.
            user = lookup(("cert_no", o["cert_no"]), User, cert_no=o["cert_no"])
        if user is None:
            user = lookup(("officer", o["name"]), User, agency=agency, full_name=o["name"], cert_no=None) \
                if not o.get("cert_no") else None
        if user is None:
            username = o.get("username") or f"imported-{digest[:8]}-{i}"
            if User.objects.filter(username=username).exists():
                username = f"{username}-{digest[:8]}"
            # An officer known only from the bundle: recorded, not able to log in.
            user = User(username=username, full_name=o["name"], agency=agency, unit=unit,
                        cert_no=o.get("cert_no") or None, cert_valid_from=_d(o.get("cert_valid_from")),
                        cert_valid_until=_d(o.get("cert_valid_until")), is_active=False)
            user.set_unusable_password()
            user.save()
            seen[("cert_no", o["cert_no"]) if o.get("cert_no") else ("officer", o["name"])] = user
        officers[o["id"]] = user
    parties: dict[str, Party] = {}
    for p in bundle["parties"]:
        party = None
        for key in ("uscc", "id_number"):
            if p.get(key):
                party = lookup(("party", key, p[key]), Party, agency=agency, **{key: p[key]}) or party
        if party is None:
            party = Party.objects.create(
                agency=agency, kind=p["kind"], name=p["name"], id_number=p.get("id_number", ""),
                uscc=p.get("uscc", ""), legal_representative=p.get("legal_representative", ""),
                address=p.get("address", ""), phone=p.get("phone", ""), created_at=_T(src["registered_at"]))
            for key in ("uscc", "id_number"):
                if p.get(key):
                    seen[("party", key, p[key])] = party
        parties[p["id"]] = party
    handler = officers[src["handler"]]
    complaint = None
    c = bundle.get("complaint")
    if c:
        complaint = new(Complaint,
            agency=agency, unit=unit, kind=c["kind"], complainant_name=c.get("complainant_name", ""),
            anonymous=c.get("anonymous", False), respondent=parties[src["party"]], facts=c.get("facts", "") or "-",
            received_at=_T(c["received_at"]), received_by=handler, status=c["status"],
            missing_items=c.get("missing_items", []), decision_reason=c.get("decision_reason", ""),
            decided_at=_t(c.get("decided_at")), decided_by=handler if c.get("decided_at") else None,
            application_matter=c.get("application_matter", ""), channel=c.get("channel", "written"),
            oral_record=c.get("oral_record", ""), corrections=c.get("corrections", []),
            online_captures=c.get("online_captures", []), receipt_no=c.get("receipt_no", ""),
            receipt_issued_at=_t(c.get("receipt_issued_at")))
        insert([complaint])
    case = new(Case,
        agency=agency, unit=unit, procedure=src["procedure"], number=src["number"], title=src["title"],
        source=src["source"], source_note=src.get("source_note", ""), complaint=complaint,
        party=parties[src["party"]], facts=src["facts"], handler=handler,
        handler_opinion=src.get("handler_opinion", ""), stage=src["stage"], emergency=src["emergency"],
        major=bool(src.get("major", False)),
        emergency_reason=src.get("emergency_reason", ""), approval_due_at=_t(src.get("approval_due_at")),
        registered_at=_T(src["registered_at"]), filed_at=_t(src.get("filed_at")),
        closed_at=_t(src.get("closed_at")), archive_due_at=_t(src.get("archive_due_at")),
        archived_at=_t(src.get("archived_at")), investigation_summary=src.get("investigation_summary", ""),
        decision_kind=src.get("decision_kind", ""), decision_text=src.get("decision_text", ""),
        decision_basis=src.get("decision_basis", ""),
        penalty_amount=Decimal(src["penalty_amount"]) if src.get("penalty_amount") else None,
        decided_at=_t(src.get("decided_at")), execution_result=src.get("execution_result", ""),
        simple_record=src.get("simple_record", {}))
    insert([case])
    if case.number:
        seen[("case", case.number)] = case
    # The case's officers: rows of the many-to-many table, inserted like the lists below (a new
    # case has none to compare with, which is what .set() would read first).
    through = Case.officers.through
    insert([new(through, case_id=case.pk, user_id=user_id)
            for user_id in dict.fromkeys(officers[r].pk for r in src["officers"])])
    # Rows of a list are inserted together, one statement a list (lawtrail.lib.fastinsert sends no
    # post_save, so they are handed to the event below as `changed`, which freezes them like
    # every other record of the import).
    written: list[Model] = [case, *([complaint] if complaint is not None else [])]
    written += insert([
        new(Approval, case=case, kind=a["kind"], approved=a["approved"], opinion=a.get("opinion", ""),
                 by=officers[a["by"]] if a.get("by") else handler, by_name=a["by_name"], at=_T(a["at"]))
        for a in bundle["approvals"]])
    written += insert([
        new(CaseTransition, case=case, from_stage=t["from"], to_stage=t["to"],
                       actor=officers[t["by"]] if t.get("by") else handler, at=_T(t["at"]), note=t.get("note", ""))
        for t in bundle["transitions"]])
    types = catalogue()
    for i, d in enumerate(bundle["documents"]):
        if d["type"] not in types:
            raise BundleError("bad_bundle", f"案件数据包 $.documents[{i}].type 处有误:未知文书类型 {d['type']}",
                              {"path": f"$.documents[{i}].type"})
    # Each document names the stored version of its type's definition (stored once, shared).
    needed = {d["type"]: types[d["type"]] for d in bundle["documents"]}
    definitions = {code: stored_form(doc_type)[1] for code, doc_type in needed.items()}
    if any(("definition", sha) not in known.rows and ("definition", sha) not in seen for sha in definitions.values()):
        definitions = store_definitions(needed.values())
        seen.update((("definition", sha), True) for sha in definitions.values())
    # Whether each issued form waits for an opinion (an 审批栏 without one), as the signing keeps it
    # (documents.signing.refresh_awaiting): its rows go in here without the models' signals.
    profile = get_profile(agency.profile_id)
    slots = {code: slots_for(doc_type, profile) for code, doc_type in needed.items()} \
        if src["stage"] != Stage.ARCHIVED else {}
    documents: dict[str, Document] = {}
    for d in bundle["documents"]:
        fields = dict(d["fields"])
        # The bundle's act annotations live in the document's fields, where the export reads them.
        for key in ("situations", "av_exempt_reason"):
            if d.get(key):
                fields[key] = d[key]
        documents[d["id"]] = new(Document,
            agency=agency, case=case, type_code=d["type"], type_name=d["name"],
            definition_id=definitions[d["type"]], fields=fields, status=d["status"],
            version=d.get("version", 1), number=d.get("number", ""),
            created_by=handler, created_at=_T(d["created_at"]), updated_at=_T(d["created_at"]),
            issued_by=handler if d.get("issued_at") else None, issued_at=_t(d.get("issued_at")),
            pdf_sha256=d.get("pdf_sha256", ""),
            awaiting_opinion=awaiting_for(d["status"], slots[d["type"]],
                                          ((s["slot"], s["kind"]) for s in d["signatures"])) if slots else None)
    written += insert(list(documents.values()))
    by_name = {u.display_name: u for u in officers.values()}
    written += insert([
        new(Signature,
            document=documents[d["id"]], slot=sig["slot"], slot_label=sig["slot"], role=sig["role"],
            kind=sig["kind"],
            user=by_name.get(sig["name"]) if sig["role"] in ("officer", "participant", "approver") else None,
            name=sig["name"], cert_no=sig.get("cert_no", "") or "", at=_T(sig["at"]),
            image_sha256=sig.get("image_sha256", ""), fingerprint=sig.get("fingerprint", False),
            approved=sig.get("approved"), opinion=sig.get("opinion", ""),
            refusal_reason=sig.get("refusal_reason", ""),
            witnesses=[{"name": w} for w in sig.get("witnesses", [])],
            document_sha256=d.get("pdf_sha256", ""))
        for d in bundle["documents"] for sig in d["signatures"]])
    # The served document, picked from the case's issued documents (as the service step does).
    services = [(new(Service, case=case, document=s["document"], method=s["method"], served_at=_T(s["served_at"]),
                         recipient=s["recipient"], note=s.get("note", ""), recorded_by=handler,
                         document_ref=documents[s["document_id"]].pk if s.get("document_id") else None), s)
                for s in bundle["services"]]
    written += insert([service for service, _ in services])
    # The originals: those already stored (by their SHA-256) are shared, the others are inserted together.
    originals = {m["sha256"]: known.rows[("stored", m["sha256"])] for m in bundle["media"]
                 if ("stored", m["sha256"]) in known.rows}
    missing = {m["sha256"]: new(StoredObject,
        sha256=m["sha256"], sm3=m.get("sm3", ""), size=m.get("size", 0),
        key=f"{PENDING_PREFIX}{m['sha256']}", stored_at=_T(m["ingested_at"]),
        # A failed integrity check travels with the bundle: the finding it raises stays.
        verified_ok=False if m.get("fixity_ok") is False else None)
        for m in bundle["media"] if m["sha256"] not in originals}
    written += insert(list(missing.values()))
    originals.update(missing)
    seen.update((("stored", sha), stored) for sha, stored in missing.items())
    media: dict[str, Evidence] = {}
    for m in bundle["media"]:
        stored = originals[m["sha256"]]
        labels = m.get("labels") or {}
        media[m["id"]] = new(Evidence,
            agency=agency, unit=unit, stored=stored, original_name=m.get("original_name", ""),
            evidence_class=m["class"], media_kind=m["kind"], case=case,
            label_case_number=labels.get("case_number", ""), label_party=labels.get("party", ""),
            label_handler=labels.get("handler", ""),
            officer=officers[m["officer"]] if m.get("officer") else None,
            officer_name=m.get("officer_name", ""), officer_cert_no=m.get("officer_cert_no", ""),
            device_serial=m.get("device", ""), recorded_start=_t(m.get("recorded_start")),
            recorded_end=_t(m.get("recorded_end")), duration_seconds=m.get("duration_seconds"),
            ingested_at=_T(m["ingested_at"]), ingested_by=actor, ingest_channel="bundle",
            # When the labels were given is known from the bundle, not from a link event here.
            facts={"labelled_at": m["labelled_at"]} if m.get("labelled_at") else {})
    written += insert(list(media.values()))
    handling_keys = ("returned_at", "storage_delay_reason", "title", "category", "place", "description", "catalogued_at")
    written += insert([
        new(EvidenceHandling,
            evidence=media[m["id"]], returned_at=_t(m.get("returned_at")), delay_reason=m.get("storage_delay_reason", ""),
            title=m.get("title", ""), category=m.get("category", ""), place=m.get("place", ""),
            description=m.get("description", ""), catalogued_at=_t(m.get("catalogued_at")))
        for m in bundle["media"] if any(m.get(k) for k in handling_keys)])
    written += insert([
        new(Interruption,
            agency=agency, unit=unit, device_serial=g.get("device", ""), before=media[g["before"]],
            after=media[g["after"]], gap_seconds=g["gap_seconds"], detected_at=_t(g.get("explained_at"))
            or media[g["after"]].ingested_at, status=g["status"], explanation=g.get("explanation", ""),
            voice_note=media[g["voice_note"]] if g.get("voice_note") else None,
            explained_by=handler if g.get("explained_at") else None, explained_at=_t(g.get("explained_at")))
        for g in bundle["interruptions"]])
    written += insert([
        new(RecordingStop,
            agency=agency, unit=unit, case=case, device_serial=s.get("device", ""), stopped_at=_T(s["stopped_at"]),
            cause=s["cause"], reported_to=officers[s["reported_to"]] if s.get("reported_to") else handler,
            reported_to_name=s["reported_to_name"], reported_at=_T(s["reported_at"]),
            explanation=s.get("explanation", ""), explained_at=_t(s.get("explained_at")),
            recorded_by_name=actor.display_name, recorded_at=_T(s["reported_at"]))
        for s in bundle.get("recording_stops") or []])
    # The service's 送达回证, as the service step links it (documents.steps.service_act).
    written += insert([new(ActDocument, case=case, act=service_act(service.pk),
                           document=documents[s["receipt_document"]], produced=False,
                           linked_at=_t(s.get("served_at")) or timez.now())
                       for service, s in services if s.get("receipt_document")])
    written += insert([
        new(ServiceProof,
            service=service, witnesses=list(s.get("witnesses", [])),
            media=[media[r].pk for r in s.get("media", [])], receipt=s.get("receipt", ""),
            attempts=s.get("attempts", ""), record=s.get("record", ""), returned=s.get("returned", ""),
            fax=s.get("fax", ""), refusal=s.get("refusal", ""), entrust_reason=s.get("entrust_reason", ""),
            fax_number=s.get("fax_number", ""),
            approval_document=documents[s["approval_document"]] if s.get("approval_document") else None)
        for service, s in services
        if any(s.get(k) for k in ("witnesses", "media", "approval_document", *PROOF_TEXTS))])
    # Recordings linked by hand to an act (a stated start and its basis, a segment): kept, so that
    # the case exported again names the same footage whatever the time inside the files says.
    acts = [(f"$.documents[{i}]", f"document:{documents[d['id']].pk}", d) for i, d in enumerate(bundle["documents"])]
    acts += [(f"$.services[{i}]", f"service:{service.pk}", s) for i, (service, s) in enumerate(services)]
    links: dict[tuple[str, str], FootageLink] = {}
    for where, act, item in acts:
        for j, x in enumerate(item.get("media_links") or []):
            if x["media"] not in media:
                raise BundleError("bad_bundle", f"案件数据包 {where}.media_links[{j}].media 处有误:"
                                                f"引用的 {x['media']} 不在 media 中",
                                  {"path": f"{where}.media_links[{j}].media"})
            # One link per recording and act (the first given): the recordings are this bundle's own.
            links.setdefault((x["media"], act), new(FootageLink,
                evidence=media[x["media"]], act=act, case=case, act_label=_act_label(item),
                stated_start=_t(x.get("stated_start")),
                start_basis=x.get("basis", "") if x.get("stated_start") else "",
                basis_note=_basis_note(x), segment_in=x.get("segment_in"),
                segment_out=x.get("segment_out"), linked_by_name=x.get("linked_by", "")[:50],
                linked_at=_t(x.get("linked_at")) or media[x["media"]].ingested_at))
    written += insert(list(links.values()))
    # After a decision: the 履行、整改 checks with their due dates, the court's acceptance and result.
    follow_ups = {f["id"]: new(FollowUp,
        case=case, kind=f["kind"], due_on=_d(f.get("due_on")), checked_at=_t(f.get("checked_at")),
        result=f.get("result", ""), fulfilled=f.get("fulfilled"), recorded_by=handler,
        recorded_by_name=f.get("recorded_by_name") or handler.display_name, recorded_at=_T(f["recorded_at"]))
        for f in bundle.get("follow_ups") or []}
    written += insert(list(follow_ups.values()))
    refs = {**{k: f"media-{v.pk}" for k, v in media.items()}, **{k: f"doc-{v.pk}" for k, v in documents.items()},
            **{k: f"followup-{v.pk}" for k, v in follow_ups.items()}}
    # A lapse note follows its record into this database (ids are the bundle's own).
    written += insert([
        new(LapseNote,
            case=case, rule=n["rule"], subject=refs.get(n["subject"], n["subject"]), reason=n["reason"],
            recorded_by=officers[n["recorded_by"]],
            recorded_by_name=n.get("recorded_by_name") or officers[n["recorded_by"]].display_name,
            recorded_at=_T(n["recorded_at"]),
            acknowledged_by=officers[n["acknowledged_by"]] if n.get("acknowledged_by") else None,
            acknowledged_by_name=n.get("acknowledged_by_name", ""), acknowledged_at=_t(n.get("acknowledged_at")),
            opinion=n.get("opinion", ""))
        for n in bundle.get("lapses") or []])
    # 责任追究 records of the case (the officer is one of the bundle's officers).
    written += insert([
        new(AccountabilityRecord,
            agency=agency, unit_id=officers[r["officer"]].unit_id, case=case, officer=officers[r["officer"]],
            officer_name=r["officer_name"], officer_cert_no=r.get("officer_cert_no", ""),
            source_text=r.get("source_text", ""), article=r["article"], situation=r["situation"],
            finding=r["finding"], rule=r.get("rule", ""), rule_label=r.get("rule_label", ""),
            source=r.get("source") or ("finding" if r.get("rule") else "supervision"), outcome=r["outcome"],
            outcome_note=r.get("outcome_note", ""), decided_by_name=r["decided_by_name"],
            decided_on=dt.date.fromisoformat(r["decided_on"]), recorded_by=handler,
            recorded_by_name=r.get("recorded_by_name") or handler.display_name, recorded_at=_T(r["recorded_at"]))
        for r in bundle.get("accountability") or []])
    # The text records filed with the case (附卷说明 …), under the article they were kept under;
    # their print stays with the exporting agency (its hash comes along, as a document's does).
    written += insert([
        new(TextRecord,
            agency=agency, kind=t["kind"], article=t["article"], unit=unit, title=t["title"],
            issuer=t.get("issuer", ""), dated=dt.date.fromisoformat(t["dated"]), content=t["content"],
            complaint=None, case=case, evidence=media[t["media"]] if t.get("media") else None,
            medium=t.get("medium", ""), recorded_by=handler,
            recorded_by_name=t.get("recorded_by_name") or handler.display_name, recorded_at=_T(t["recorded_at"]),
            pdf=None, pdf_sha256=t.get("pdf_sha256") or "")
        for t in bundle.get("text_records") or []])
    return case, written, {
        "sha256": digest, "number": case.number, "source_case": src["id"], "documents": len(bundle["documents"]),
        "media": len(bundle["media"]),
    }, seen


def _act_label(item: dict[str, Any]) -> str:
    if "type" in item:  # a document
        return (f"《{item['name']}》" + (f" {item['number']}" if item.get("number") else ""))[:200]
    return f"送达《{item['document']}》"[:200]


def _basis_note(link: dict[str, Any]) -> str:
    """The basis's own words, from its label ("其他:…")."""
    return str(link.get("basis_label") or "").partition(":")[2][:500]


# ---------------------------------------------------------------- 逾期说明


def _open_lapse(case: Case, rule: str, subject: str) -> None:
    """The finding the note answers must be a lapse the case has now (not any rule or record)."""
    from lawtrail.compliance.queries import case_findings

    if not any(f.lapse and f.rule == rule and f.subject == subject for f in case_findings(case)):
        raise InvalidInput("no_such_lapse", "该案件没有这一逾期情形,无需说明", {"field": "rule"})


@domain_action("compliance.explain_lapse")
def do_explain_lapse(case: Case, *, rule: str, subject: str, reason: str, actor: User) -> LapseNote:
    """记录逾期原因: a deadline already passed cannot be met any more; its reason can be recorded,
    for a leader to acknowledge. A reason not yet acknowledged may be rewritten."""
    from lawtrail.cases.workflow import is_case_officer

    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise InvalidInput("missing_field", "请填写逾期原因(不超过 2000 字)", {"field": "reason"})
    if actor.agency_id != case.agency_id or not is_case_officer(actor, case):
        raise Forbidden("not_case_officer", "只有本案办案人员可以记录逾期原因")
    _open_lapse(case, rule, subject)
    with transaction.atomic(durable=True):
        note = LapseNote.objects.select_for_update().filter(case=case, rule=rule, subject=subject).first()
        if note is not None and note.acknowledged_at is not None:
            raise Conflict("already_acknowledged", "该逾期说明已经负责人确认,不能再修改")
        if note is None:
            note = LapseNote(case=case, rule=rule, subject=subject)
        note.reason, note.recorded_by, note.recorded_by_name = reason, actor, actor.display_name
        note.recorded_at = timez.now()
        note.save()
        record_event("compliance.explain_lapse", note, actor=actor, case_id=case.pk,
                     payload={"rule": rule, "subject": subject, "reason": reason})
    return note


@domain_action("compliance.acknowledge_lapse")
def do_acknowledge_lapse(note: LapseNote, *, opinion: str, actor: User) -> LapseNote:
    """负责人确认逾期说明: a head of the agency or of the case's unit, not the one who explained."""
    case = note.case
    if actor.agency_id != case.agency_id or not (
            actor.is_superuser or actor.has_role(Role.HEAD, case.unit_id)):
        raise Forbidden("not_head", "逾期说明须由负责人确认")
    if actor.pk == note.recorded_by_id:
        raise Forbidden("own_note", "说明人不能确认自己的逾期说明")
    opinion = (opinion or "").strip()[:2000]
    with transaction.atomic(durable=True):
        updated = LapseNote.objects.filter(pk=note.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=actor, acknowledged_by_name=actor.display_name, acknowledged_at=timez.now(),
            opinion=opinion)
        if updated != 1:
            raise Conflict("already_acknowledged", "该逾期说明已经确认")
        note_changed(LapseNote.objects.filter(pk=note.pk))
        note.refresh_from_db()
        record_event("compliance.acknowledge_lapse", note, actor=actor, case_id=case.pk,
                     payload={"rule": note.rule, "subject": note.subject, "opinion": opinion})
    return note
