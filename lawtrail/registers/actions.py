"""The only write of the register: a text record kept under its article, with its event."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Unit, User
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case, Complaint
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.evidence.models import Evidence, FootageLink
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.text import clean_text

from .choices import NEEDS_COMPLAINT_OR_CASE, NEEDS_EVIDENCE, NEEDS_UNIT, RecordKind
from .models import TextRecord
from .queries import kinds_for
from .render import render_pdf

# Agency-level records are kept by those who plan, lead and supervise; the legal office
# (法制审核) supervises the stored recordings (安全生产 第十九条).
AGENCY_KEEPERS = (Role.HEAD, Role.SUPERVISOR, Role.ADMIN, Role.LEGAL_REVIEWER)


def may_record(user: User, kind: str, unit_id: int | None) -> bool:
    if user.is_superuser:
        return True
    if user.agency_id is None:
        return False
    if kind == RecordKind.STORAGE_SUPERVISION:
        return any(user.has_agency_role(r) for r in (Role.LEGAL_REVIEWER, Role.SUPERVISOR, Role.ADMIN))
    if any(user.has_agency_role(r) for r in AGENCY_KEEPERS):
        return True
    if unit_id is None:
        return False
    if kind == RecordKind.IMPLEMENTING_RULES:
        return user.has_role(Role.HEAD, unit_id)
    # A complaint's letter, a leader's instruction on it, a recording's explanation: the unit that
    # handles the complaint or case files them.
    return any(user.has_role(r, unit_id) for r in (Role.HEAD, Role.OFFICER, Role.HANDLER))




@domain_action("text_record.register")
def do_register_text_record(*, kind: str, title: str, dated: dt.date, content: str, issuer: str = "",
                            unit: Unit | None = None, complaint: Complaint | None = None, case: Case | None = None,
                            evidence: Evidence | None = None, medium: str = "", actor: User) -> TextRecord:
    """登记文字记录: a kind the agency's profile names, attached to what its article says."""
    if actor.agency is None:
        raise Forbidden("not_allowed", "只有执法机关的人员可以登记文字记录")
    agency = actor.agency
    spec = kinds_for(agency.profile_id).get(kind)
    if spec is None:
        raise InvalidInput("invalid_kind", "本机关适用的规定未要求此类文字记录", {"field": "kind"})
    title = clean_text(title, "title", "标题或文号")
    issuer = clean_text(issuer, "issuer", "发文机关、来信人或批示人", required=False, max_len=100)
    content = clean_text(content, "content", "内容", max_len=20000)
    medium = clean_text(medium, "medium", "转化后的存储介质", required=kind in NEEDS_EVIDENCE, max_len=100)
    if dated > timez.beijing(timez.now()).date():
        raise InvalidInput("date_in_future", "日期不能晚于今天", {"field": "dated"})
    for obj, field in ((unit, "unit"), (complaint, "complaint"), (case, "case"), (evidence, "evidence")):
        if obj is not None and obj.agency_id != agency.pk:
            raise InvalidInput("not_in_agency", "所选对象不属于本机关", {"field": field})
    if kind in NEEDS_UNIT and unit is None:
        raise InvalidInput("missing_field", "请选择实施细则所属的单位", {"field": "unit"})
    if kind in NEEDS_COMPLAINT_OR_CASE and complaint is None and case is None:
        # 安全生产 第六条(三): the letter and the instruction are what a complaint was verified on.
        raise InvalidInput("missing_field", "请选择该记录所依据核查的投诉举报或案件", {"field": "complaint"})
    if kind in NEEDS_EVIDENCE:
        # 安全生产 第二十条: the explanation is filed with the case the recording is evidence in.
        if evidence is None:
            raise InvalidInput("missing_field", "请选择作为证据使用的音像资料", {"field": "evidence"})
        if case is None:
            raise InvalidInput("missing_field", "请选择附卷的案件", {"field": "case"})
        if evidence.case_id != case.pk and not FootageLink.objects.filter(evidence=evidence, case=case).exists():
            raise InvalidInput("evidence_not_in_case", "该音像资料未关联到所选案件,请先关联", {"field": "evidence"})
        if case.stage == Stage.ARCHIVED:
            raise Conflict("case_archived", "该案件的案卷已装订归档,说明不能再附卷")
    elif evidence is not None:
        raise InvalidInput("evidence_not_expected", "只有音像资料的转化说明关联音像资料", {"field": "evidence"})
    if unit is None:
        owner = case or complaint
        unit = owner.unit if owner is not None else None
    if not may_record(actor, kind, unit.pk if unit else None):
        raise Forbidden("not_allowed", f"您无权登记「{spec.label}」")
    record = TextRecord(
        agency=agency, kind=kind, article=spec.article, unit=unit, title=title, issuer=issuer, dated=dated,
        content=content, complaint=complaint, case=case, evidence=evidence, medium=medium,
        recorded_by=actor, recorded_by_name=actor.display_name, recorded_at=timez.now())
    if kind in NEEDS_EVIDENCE:
        # Printed now, once, before the transaction (no write lock held while it renders): the
        # case file binds these pages by their hash (附卷).
        assert evidence is not None
        record.pdf = render_pdf(record, evidence, quote=spec.quote)
        record.pdf_sha256 = hashlib.sha256(record.pdf).hexdigest()
    with transaction.atomic(durable=True):
        record.save(force_insert=True)
        record_event("text_record.register", record, actor=actor, agency_id=agency.pk, case_id=case.pk if case else None,
                     payload={"kind": kind, "article": spec.article, "title": title, "issuer": issuer,
                              "dated": dated.isoformat(), "unit": unit.name if unit else "",
                              "complaint": complaint.pk if complaint else None,
                              "case": case.number if case else None,
                              "evidence": evidence.pk if evidence else None, "medium": medium,
                              "sha256": record.pdf_sha256 or None})
    return record
