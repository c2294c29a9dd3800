"""The only functions that change documents, their versions and their signatures.

Each validates, writes and records its domain event in one durable transaction. An issued
document is never changed: signatures are rows of their own, and a correction is a new
version that supersedes the old one when it is issued.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import io
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, User
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case, Complaint, Inspection
from lawtrail.documents import render, signing
from lawtrail.documents.catalogue import DocumentType, get_type
from lawtrail.documents.choices import DocumentStatus, SignatureKind
from lawtrail.documents.models import Document, DocumentCounter, NumberScheme, Signature, store_definition
from lawtrail.documents.prefill import ComplaintSubject, InspectionSubject, prefill_value
from lawtrail.documents.steps import step_owned_change
from lawtrail.documents.values import clean_fields, clean_value, missing_mandatory
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.events.state import note_changed
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.sequences import next_in_sequence
from lawtrail.lib.text import neutralise, refuse_invisible_controls

DEFAULT_NUMBER_FORMAT = "{agency}{abbr}〔{year}〕{seq}号"
# A handwriting captured on a tablet canvas is a few dozen kilobytes; far more is not a signature.
MAX_SIGNATURE_BYTES = 512 * 1024
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _text(value: str | None, field: str, label: str, *, max_len: int = 0) -> str:
    # A name or a title (a short field) refuses bidi and zero-width controls; free text drops them
    # (lawtrail/lib/text.py).
    v = (value or "").strip()
    v = refuse_invisible_controls(v, field, label) if max_len and max_len <= 200 else neutralise(v).strip()
    if not v:
        raise InvalidInput("missing_field", f"请填写{label}", {"field": field})
    if max_len and len(v) > max_len:
        raise InvalidInput("field_too_long", f"{label}不能超过 {max_len} 个字", {"field": field})
    return v


Owner = Case | Complaint | Inspection


def _subject(owner: Owner) -> Case | ComplaintSubject | InspectionSubject:
    """What the catalogue's pre-fill sources read for a document made on this owner."""
    if isinstance(owner, Complaint):
        return ComplaintSubject(owner)
    if isinstance(owner, Inspection):
        return InspectionSubject(owner)
    return owner


def _same_agency(actor: User, owner: Owner) -> None:
    if not actor.is_superuser and actor.agency_id != owner.agency_id:
        raise Forbidden("other_agency", "不能操作其他执法机关的数据")


def _require_writer(actor: User, owner: Owner, doc_type: DocumentType) -> None:
    _same_agency(actor, owner)
    if isinstance(owner, Inspection):
        if doc_type.stage != "patrol":
            raise InvalidInput("not_patrol_document", f"「{doc_type.name}」不是日常巡查文书,"
                               "日常巡视检查只能制作检查记录、责令改正决定书、监察建议书等巡查文书", {"field": "type"})
        if not signing.may_write_inspection(actor, owner, doc_type):
            raise Forbidden("not_patrol_officer", f"只有本次巡查的检查人员或{owner.unit.name}负责人可以制作「{doc_type.name}」")
        if owner.cases.exists():
            raise Conflict("inspection_has_case", "本次巡查已立案,巡查文书请在案件中制作")
        return
    if isinstance(owner, Complaint):
        if doc_type.stage != "intake":
            raise InvalidInput("not_intake_document", f"「{doc_type.name}」须在立案登记后在案件中制作,"
                               "投诉(举报)登记只能制作受理阶段的文书", {"field": "type"})
        if not signing.may_write_complaint(actor, owner, doc_type):
            raise Forbidden("not_officer", f"只有{owner.unit.name}的执法人员或承办人可以制作「{doc_type.name}」")
        return
    if not signing.may_write(actor, owner, doc_type):
        raise Forbidden("not_case_officer", f"只有本案执法人员可以制作「{doc_type.name}」")


def _refuse_if_archived(owner: Owner) -> None:
    if isinstance(owner, Case) and owner.stage == Stage.ARCHIVED:
        raise Conflict("case_archived", "案件已归档,不能再制作或更改文书")


def _immutable(document: Document) -> Conflict:
    if document.status == DocumentStatus.SUPERSEDED:
        return Conflict("document_superseded", f"「{document.label}」已被更正,不能再修改;请在最新版本上办理")
    return Conflict("document_immutable", f"「{document.label}」已签发,不能修改;如需更正,请制作更正版本")


def _payload(document: Document, **extra: Any) -> dict[str, Any]:
    payload = {"document_id": document.pk, "type": document.type_code, "name": document.type_name,
               "number": document.number, "version": document.version, **extra}
    if document.case_id is None and document.inspection_id is not None:
        payload["inspection_id"] = document.inspection_id
    elif document.case_id is None:
        # Made on a complaint: the case timeline finds it through the complaint once there is a case.
        payload["complaint_id"] = document.complaint_id
    return payload


# ---------------------------------------------------------------- drafts


def prefilled(owner: Owner, doc_type: DocumentType, actor: User) -> dict[str, Any]:
    """What the catalogue pre-fills from the case (or complaint, or inspection), parsed as the fields' types parse input."""
    case = _subject(owner)
    values: dict[str, Any] = {}
    for spec in doc_type.fields:
        if spec.prefill:
            try:
                cleaned = clean_value(spec, prefill_value(spec.prefill, case, actor))
            except InvalidInput:
                cleaned = None  # a case value that does not fit the field is left for the officer to fill
            if cleaned is not None:
                values[spec.key] = cleaned
    return values


@domain_action("document.create")
def do_create_document(owner: Owner, *, type_code: str, fields: dict[str, Any] | None = None,
                       actor: User) -> Document:
    """制作文书: a draft of `type_code`, pre-filled from the case, with `fields` on top.

    The owner is a case, or a complaint (投诉举报登记) for the intake documents made before or
    without a case (登记表, 一次性补证告知书, 不予受理决定书), or a patrol inspection that opened
    no case for its patrol documents (检查记录, 责令改正决定书, 监察建议书; 劳动保障监察 第九条).
    """
    doc_type = get_type(type_code)
    _require_writer(actor, owner, doc_type)
    _refuse_if_archived(owner)
    values = clean_fields(doc_type, fields or {}, base=prefilled(owner, doc_type, actor))
    case = owner if isinstance(owner, Case) else None
    with transaction.atomic(durable=True):
        now = timez.now()
        document = Document.objects.create(
            agency_id=owner.agency_id, case=case, complaint=owner if isinstance(owner, Complaint) else None,
            inspection=owner if isinstance(owner, Inspection) else None,
            type_code=doc_type.code, type_name=doc_type.name,
            definition_id=store_definition(doc_type), fields=values, status=DocumentStatus.DRAFT, created_by=actor,
            created_at=now, updated_at=now,
        )
        record_event("document.create", document, actor=actor, case_id=case.pk if case else None,
                     payload=_payload(document, fields=sorted(values)))
    return document


@domain_action("document.update")
def do_update_document(document: Document, *, fields: dict[str, Any], actor: User,
                       revision: int | None = None) -> Document:
    """修改草稿: `fields` replace what they name (an empty value clears the field)."""
    doc_type = document.doc_type
    _require_writer(actor, document.owner, doc_type)
    if not document.is_draft:
        raise _immutable(document)
    values = clean_fields(doc_type, fields, base=document.fields)
    with transaction.atomic(durable=True):
        expected = document.revision if revision is None else revision
        # Compare-and-set: a draft issued or edited by someone else meanwhile is not overwritten.
        updated = Document.objects.filter(pk=document.pk, status=DocumentStatus.DRAFT, revision=expected).update(
            fields=values, revision=F("revision") + 1, updated_at=timez.now())
        if updated != 1:
            current = Document.objects.get(pk=document.pk)
            if not current.is_draft:
                raise _immutable(current)
            raise Conflict("stale_document", "文书已被他人修改,请刷新页面后重试")
        document.refresh_from_db()
        record_event("document.update", document, actor=actor, case_id=document.case_id,
                     payload=_payload(document, changed=sorted(str(k) for k in fields)))
    return document


# ---------------------------------------------------------------- issue


def number_format(agency: Agency) -> str:
    scheme = NumberScheme.objects.filter(agency=agency).first()
    return scheme.format if scheme else DEFAULT_NUMBER_FORMAT


def _check_number_format(fmt: str) -> None:
    if "{seq" not in fmt or "{year}" not in fmt:
        raise InvalidInput("bad_number_format", "文书编号格式必须包含 {year} 和 {seq}", {"field": "format"})
    if "{abbr" not in fmt:
        # Numbers run per type: without the type's abbreviation two types would print the same number.
        raise InvalidInput("bad_number_format", "文书编号格式必须包含 {abbr}(文书简称),否则不同文书的编号会重复",
                           {"field": "format"})
    try:
        fmt.format(agency="机关", abbr="询", year=2026, seq=1)
    except (KeyError, IndexError, AttributeError):
        raise InvalidInput("bad_number_format", "文书编号格式只能使用 {agency}、{abbr}、{year} 和 {seq}",
                           {"field": "format"})
    except ValueError:
        raise InvalidInput("bad_number_format", "文书编号格式有误:花括号须成对出现,{seq} 只能写成 {seq} 或 {seq:03d} 这样的形式",
                           {"field": "format"})


def may_set_number_scheme(actor: User) -> bool:
    """The agency's head (agency-wide) or an administrator sets how its documents are numbered."""
    return actor.is_superuser or actor.has_role(Role.ADMIN) or actor.has_agency_role(Role.HEAD)


def number_examples(agency: Agency, fmt: str, *, year: int, seq: int = 1) -> list[tuple[str, str]]:
    """What the format gives for a few document types (raises InvalidInput for a bad format)."""
    fmt = _text(fmt, "format", "文书编号格式", max_len=100)
    _check_number_format(fmt)
    out: list[tuple[str, str]] = []
    for code in ("filing_approval_form", "non_acceptance_decision", "penalty_decision"):
        try:
            doc_type = get_type(code)
        except InvalidInput:
            continue
        out.append((doc_type.name, fmt.format(agency=agency.short_name, abbr=doc_type.abbr, year=year, seq=seq)))
    return out


def _assign_number(document: Document, doc_type: DocumentType, at: dt.datetime) -> None:
    """Give the document the next 文书编号 of its agency, year and type.

    Runs inside the issuing transaction: the counter row is locked until commit, so two
    issues queue on it, and an issue that rolls back gives its number back (no gaps).
    """
    year = timez.beijing(at).year
    seq = next_in_sequence(DocumentCounter, agency_id=document.agency_id, year=year, type_code=document.type_code)
    agency = document.agency
    document.number = number_format(agency).format(agency=agency.short_name, abbr=doc_type.abbr, year=year, seq=seq)
    document.number_year = year
    document.number_seq = seq


@domain_action("document.issue")
def do_issue_document(document: Document, *, actor: User) -> Document:
    """签发: check the mandatory fields, number it, render and keep its PDF, and record the PDF's hash."""
    doc_type = document.doc_type
    _require_writer(actor, document.owner, doc_type)
    _refuse_if_archived(document.owner)
    with transaction.atomic(durable=True):
        document = Document.objects.select_for_update(of=("self",)).select_related("agency", "case", "complaint", "inspection").get(
            pk=document.pk)
        if not document.is_draft:
            raise _immutable(document)
        return issue_locked(document, actor=actor)


def issue_locked(document: Document, *, actor: User, signatures: list[Signature] | None = None,
                 by_step: bool = False) -> Document:
    """签发 a draft the caller holds locked inside its transaction (do_issue_document, or a case step
    issuing the document it makes, lawtrail/documents/acts.py): the mandatory fields checked,
    numbered (a correction keeps its original's number), rendered with `signatures` (those a step
    gives; none for a document issued by hand) and kept, with the PDF's hash in the event."""
    doc_type = document.doc_type
    missing = missing_mandatory(doc_type, document.fields)
    if missing:
        labels = "、".join(f"「{spec.label}」" for spec in missing)
        raise InvalidInput("missing_field", f"请填写{labels}:{doc_type.name}的必填项,未填写不能签发",
                           {"field": missing[0].key, "fields": [spec.key for spec in missing],
                            "document_id": document.pk})
    now = timez.now()
    previous = document.previous
    if previous is not None:
        # A correction keeps the number of what it corrects; the counter is not touched.
        document.number, document.number_year, document.number_seq = (
            previous.number, previous.number_year, previous.number_seq)
        superseded = Document.objects.filter(pk=previous.pk, status=DocumentStatus.ISSUED).update(
            status=DocumentStatus.SUPERSEDED)
        if superseded != 1:
            raise Conflict("stale_document", "被更正的版本已不是有效版本,请刷新页面后重试")
        note_changed(Document.objects.filter(pk=previous.pk))
    elif doc_type.numbered:
        _assign_number(document, doc_type, now)
    document.status = DocumentStatus.ISSUED
    document.issued_by = actor
    document.issued_at = now
    document.updated_at = now
    pdf = render.render_pdf(document, signatures=signatures or [])
    document.pdf = pdf
    document.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    document.save(update_fields=["number", "number_year", "number_seq", "status", "issued_by", "issued_at",
                                 "updated_at", "pdf", "pdf_sha256"])
    record_event("document.issue", document, actor=actor, case_id=document.case_id, payload=_payload(
        document, sha256=document.pdf_sha256, size=len(pdf),
        previous_id=previous.pk if previous else None,
        previous_sha256=previous.pdf_sha256 if previous else None,
        **({"by_step": True} if by_step else {}),
    ))
    if previous is not None:
        previous.status = DocumentStatus.SUPERSEDED
        record_event("document.supersede", previous, actor=actor, case_id=previous.case_id,
                     payload=_payload(previous, superseded_by=document.pk, reason=document.correction_reason))
    # Retention and disposal (lawtrail/retention): a coercive measure may make the case's records long-term.
    transaction.on_commit(functools.partial(_retention_after_issue, document.pk))
    return document


def _retention_after_issue(document_id: int) -> None:  # Retention and disposal (lawtrail/retention)
    from lawtrail.retention.hooks import after_document_issue

    after_document_issue(document_id)


@domain_action("document.correct")
def do_correct_document(document: Document, *, reason: str, fields: dict[str, Any] | None = None,
                        actor: User) -> Document:
    """更正: a new draft version of an issued document; the old one is superseded when it is issued."""
    doc_type = document.doc_type
    _require_writer(actor, document.owner, doc_type)
    _refuse_if_archived(document.owner)
    if document.is_draft:
        raise Conflict("document_is_draft", "草稿可以直接修改,不需要更正")
    if document.status == DocumentStatus.SUPERSEDED:
        raise Conflict("document_superseded", f"「{document.label}」已被更正,请在最新版本上更正")
    reason = _text(reason, "reason", "更正理由", max_len=2000)
    values = clean_fields(doc_type, fields or {}, base=document.fields)

    owned = step_owned_change(document, {k: values.get(k) for k in (fields or {})})
    if owned is not None:
        raise InvalidInput("step_owned_field", f"「{owned[1]}」由办案环节「{owned[2]}」记录,不能在文书中单独更正;"
                           f"请在案件的该环节办理,文书随之更新", {"field": owned[0]})
    with transaction.atomic(durable=True):
        # The corrected version's row is the lock: two people correcting it at once queue here,
        # and the second finds the first one's draft (or the version superseded) and is refused.
        current = Document.objects.select_for_update().get(pk=document.pk)
        if current.status == DocumentStatus.SUPERSEDED:
            raise _immutable(current)
        if Document.objects.filter(previous=document).exists():
            raise Conflict("correction_exists", f"「{document.label}」已有更正版本草稿,请在该草稿上继续修改")
        now = timez.now()
        try:
            # A writer that did not take the lock (none does today) still meets the one-to-one
            # constraint on `previous`: that is a conflict too, never a server error.
            with transaction.atomic():
                corrected = Document.objects.create(
                    agency_id=document.agency_id, case_id=document.case_id, complaint_id=document.complaint_id,
                    inspection_id=document.inspection_id,
                    type_code=document.type_code, type_name=document.type_name, definition_id=document.definition_id,
                    fields=values, status=DocumentStatus.DRAFT, version=document.version + 1, previous=document,
                    correction_reason=reason, created_by=actor, created_at=now, updated_at=now,
                )
        except IntegrityError:
            raise Conflict("correction_exists", f"「{document.label}」已有更正版本草稿,请在该草稿上继续修改")
        record_event("document.correct", corrected, actor=actor, case_id=document.case_id,
                     payload=_payload(corrected, previous_id=document.pk, previous_sha256=document.pdf_sha256,
                                      reason=reason))
    return corrected


@domain_action("document.number_scheme")
def do_set_number_scheme(agency: Agency, *, format: str, actor: User | None) -> NumberScheme:
    """设置文书编号规则, e.g. 名劳监{abbr}〔{year}〕{seq}号 ({agency} is the agency's short name)."""
    if actor is not None and not may_set_number_scheme(actor):
        raise Forbidden("not_admin", "只有机关负责人或系统管理员可以设置文书编号规则")
    fmt = _text(format, "format", "文书编号格式", max_len=100)
    _check_number_format(fmt)
    with transaction.atomic(durable=True):
        scheme, _created = NumberScheme.objects.update_or_create(agency=agency, defaults={"format": fmt})
        record_event("document.number_scheme", scheme, actor=actor, agency_id=agency.pk, payload={"format": fmt})
    return scheme


# ---------------------------------------------------------------- signatures


def _signable(document: Document, slot_key: str, actor: User) -> signing.Slot:
    _same_agency(actor, document.owner)
    if document.is_draft:
        raise Conflict("document_not_issued", f"「{document.label}」尚未签发,签发后才能签名")
    if document.status == DocumentStatus.SUPERSEDED:
        raise Conflict("document_superseded", f"「{document.label}」已被更正,请在最新版本上签名")
    slot = signing.find_slot(document, slot_key)
    if slot is None:
        raise InvalidInput("unknown_slot", f"「{document.type_name}」没有「{slot_key}」签名栏", {"field": "slot"})
    return slot


def _lock_open_slot(document: Document, slot: signing.Slot) -> list[Signature]:
    # The document row is the lock for its signatures: two signers of one slot queue here, and
    # a signature queued behind the issue of a correction finds this version superseded.
    current = Document.objects.select_for_update().filter(pk=document.pk).values_list("status", flat=True).first()
    if current == DocumentStatus.SUPERSEDED:
        raise Conflict("document_superseded", f"「{document.label}」已被更正,请在最新版本上签名")
    taken = list(Signature.objects.filter(document=document, slot=slot.key))
    if slot.role in ("party", "approver") and taken:
        raise Conflict("slot_taken", f"「{slot.label}」已{taken[0].get_kind_display()},不能重复办理")
    return taken


def decode_image(data: str | bytes, field: str = "image") -> bytes:
    """A PNG handwriting from the browser's canvas (a data URL or base64), checked to be one."""
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("data:"):
            head, _, text = text.partition(",")
            if head != "data:image/png;base64":
                raise InvalidInput("invalid_signature_image", "手写签名应为 PNG 图片", {"field": field})
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("invalid_signature_image", "手写签名图片编码无效", {"field": field})
    else:
        raw = data
    if not raw:
        raise InvalidInput("missing_field", "请在签名框内签名", {"field": field})
    if len(raw) > MAX_SIGNATURE_BYTES or not raw.startswith(_PNG_MAGIC):
        raise InvalidInput("invalid_signature_image", "手写签名应为不超过 512 KB 的 PNG 图片", {"field": field})
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as img:
            img.verify()
            width, height = img.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput("invalid_signature_image", "手写签名图片已损坏", {"field": field})
    if not (10 <= width <= 4000 and 10 <= height <= 4000):
        raise InvalidInput("invalid_signature_image", "手写签名图片尺寸异常", {"field": field})
    return raw


@domain_action("document.sign")
def do_sign_document(document: Document, *, slot: str, actor: User) -> Signature:
    """签名 by the logged-in officer or participant: who, when and the 执法证号 are frozen."""
    s = _signable(document, slot, actor)
    if s.role not in ("officer", "participant"):
        raise InvalidInput("wrong_slot", f"「{s.label}」不是登录签名的签名栏", {"field": "slot"})
    if not signing.may_sign(actor, document, s):
        raise Forbidden("not_signer", f"您不是本案执法人员,不能在「{s.label}」签名" if s.role == "officer"
                        else f"您无权在「{s.label}」签名")
    today = timez.beijing(timez.now()).date()
    if s.role == "officer" and not actor.cert_valid_on(today):
        raise Forbidden("cert_invalid", f"您的执法证({actor.cert_no})不在有效期内,不能以执法人员身份签名")
    with transaction.atomic(durable=True):
        taken = _lock_open_slot(document, s)
        if any(t.user_id == actor.pk for t in taken):
            raise Conflict("already_signed", f"您已在「{s.label}」签名")
        sig = Signature.objects.create(
            document=document, slot=s.key, slot_label=s.label, role=s.role, kind=SignatureKind.SIGNED,
            user=actor, name=actor.display_name, cert_no=actor.cert_no or "", at=timez.now(),
            document_sha256=document.pdf_sha256,
        )
        record_event("document.sign", document, actor=actor, case_id=document.case_id, payload=_payload(
            document, slot=s.key, role=s.role, signer=actor.display_name, cert_no=actor.cert_no or "",
            sha256=document.pdf_sha256))
    return sig


@domain_action("document.hand_sign")
def do_record_hand_signature(document: Document, *, slot: str, name: str, image: str | bytes,
                             id_number: str = "", fingerprint: bool = False, actor: User) -> Signature:
    """手写签名 of the party, a witness or an outside person, captured on the officer's tablet."""
    s = _signable(document, slot, actor)
    if s.role not in ("party", "witness", "external"):
        raise InvalidInput("wrong_slot", f"「{s.label}」由本人登录签名,不能手写代签", {"field": "slot"})
    if not signing.may_sign(actor, document, s):
        raise Forbidden("not_case_officer", "只有本案执法人员可以采集手写签名")
    name = _text(name, "name", "签名人姓名", max_len=100)
    raw = decode_image(image)
    if s.fingerprint and not fingerprint:
        raise InvalidInput("fingerprint_required", f"「{s.label}」须签字并按手印(依据{s.fingerprint_article})",
                           {"field": "fingerprint"})
    with transaction.atomic(durable=True):
        _lock_open_slot(document, s)
        sig = Signature.objects.create(
            document=document, slot=s.key, slot_label=s.label, role=s.role, kind=SignatureKind.SIGNED,
            name=name, id_number=id_number.strip()[:64], at=timez.now(), image=raw,
            image_sha256=hashlib.sha256(raw).hexdigest(), fingerprint=bool(fingerprint),
            rule_article=s.fingerprint_article if s.fingerprint else "", document_sha256=document.pdf_sha256,
        )
        record_event("document.hand_sign", document, actor=actor, case_id=document.case_id, payload=_payload(
            document, slot=s.key, role=s.role, signer=name, fingerprint=bool(fingerprint),
            image_sha256=sig.image_sha256, sha256=document.pdf_sha256))
    return sig


def _clean_witnesses(document: Document, refuser: str, witnesses: list[dict[str, Any]]) -> list[dict[str, str]]:
    owner = document.owner
    subject = _subject(owner)
    interested = {refuser, subject.party.name, subject.party.legal_representative} | {
        o.display_name for o in subject.officers.all()}
    out: list[dict[str, str]] = []
    for i, w in enumerate(witnesses):
        if not isinstance(w, dict):
            raise InvalidInput("invalid_witness", "见证人应写明姓名", {"field": "witnesses"})
        name = _text(str(w.get("name") or ""), "witnesses", f"第{i + 1}名见证人的姓名", max_len=100)
        if name in interested:
            # 无利害关系人 (第十一条 of the agriculture rules): not the party, not the officers.
            raise InvalidInput("interested_witness", f"{name}是当事人或本案执法人员,不能作为无利害关系的见证人",
                               {"field": "witnesses"})
        if any(o["name"] == name for o in out):
            raise InvalidInput("duplicate_witness", f"见证人{name}重复", {"field": "witnesses"})
        out.append({"name": name, "id_number": str(w.get("id_number") or "").strip()[:64],
                    "note": str(w.get("note") or "").strip()[:200]})
    return out


@domain_action("document.refuse")
def do_record_refusal(document: Document, *, slot: str, name: str, reason: str,
                      witnesses: list[dict[str, Any]] | None = None, actor: User) -> Signature:
    """拒绝签名: the reason and the witnesses the agency's regulation requires are recorded."""
    s = _signable(document, slot, actor)
    if not s.refusable:
        raise InvalidInput("not_refusable", f"「{s.label}」不是当事人签名栏,不能记录拒签", {"field": "slot"})
    if not signing.may_sign(actor, document, s):
        raise Forbidden("not_case_officer", "只有本案执法人员可以记录拒签")
    name = _text(name, "name", "拒签人姓名", max_len=100)
    reason = _text(reason, "reason", "拒签理由", max_len=2000)
    people = _clean_witnesses(document, name, witnesses or [])
    if len(people) < s.refusal_witnesses:
        raise InvalidInput(
            "witnesses_required",
            f"当事人拒绝签字的,应当由{s.refusal_witnesses}名以上无利害关系人见证(依据{s.refusal_article}),"
            f"目前填写了{len(people)}名", {"field": "witnesses", "required": s.refusal_witnesses})
    with transaction.atomic(durable=True):
        _lock_open_slot(document, s)
        sig = Signature.objects.create(
            document=document, slot=s.key, slot_label=s.label, role=s.role, kind=SignatureKind.REFUSED,
            name=name, at=timez.now(), refusal_reason=reason, witnesses=people,
            rule_article=s.refusal_article if s.refusal_witnesses else "", document_sha256=document.pdf_sha256,
        )
        record_event("document.refuse", document, actor=actor, case_id=document.case_id, payload=_payload(
            document, slot=s.key, refuser=name, reason=reason, witnesses=[w["name"] for w in people],
            required_witnesses=s.refusal_witnesses, article=sig.rule_article, sha256=document.pdf_sha256))
    return sig


@domain_action("document.approve")
def do_approve_document(document: Document, *, slot: str, approved: bool, opinion: str,
                        actor: User) -> Signature:
    """审批 (审批、法制审核、负责人签批): a signature with an opinion, in the order the form lists them."""
    s = _signable(document, slot, actor)
    if s.role != "approver":
        raise InvalidInput("wrong_slot", f"「{s.label}」不是审批栏", {"field": "slot"})
    opinion = _text(opinion, "opinion", "审批意见", max_len=2000)
    if not signing.may_sign(actor, document, s):
        raise Forbidden("not_approver", f"您无权签署「{s.label}」")
    with transaction.atomic(durable=True):
        _lock_open_slot(document, s)
        states = signing.slot_states(document)
        for state in states:
            if state.slot.key == s.key:
                break
            if state.slot.role == "approver" and not state.complete:
                raise Conflict("approval_out_of_order", f"请先签署「{state.slot.label}」,再签署「{s.label}」")
        sig = Signature.objects.create(
            document=document, slot=s.key, slot_label=s.label, role=s.role, kind=SignatureKind.APPROVAL,
            user=actor, name=actor.display_name, cert_no=actor.cert_no or "", at=timez.now(),
            approved=bool(approved), opinion=opinion, document_sha256=document.pdf_sha256,
        )
        record_event("document.approve", document, actor=actor, case_id=document.case_id,
                     role=Role.LEGAL_REVIEWER if s.approval == "legal_review" else Role.HEAD,
                     payload=_payload(document, slot=s.key, approved=bool(approved), opinion=opinion,
                                      sha256=document.pdf_sha256))
    return sig

