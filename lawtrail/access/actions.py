"""The only functions that change access requests, grants, shares and confidentiality marks, and
the one that writes the access register (每一次查阅涉密资料、下载、复制).

Each validates, writes and records its domain event in one durable transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import models, transaction

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput, NotFound
from lawtrail.lib.sequences import next_in_sequence
from lawtrail.profiles.registry import Rule, get_profile

from . import policy
from .choices import RULE_FOR_KIND, RequesterKind, RequestStatus, Secrecy
from .models import AccessRequest, AccessRequestCounter, ConfidentialityMark, Share

# A grant or a share lasts at most this long; a longer need is a new request.
MAX_VALIDITY = dt.timedelta(days=180)

APPROVER_LABELS = {"unit_head": "承办机构负责人(主管领导)", "head": "机关负责人"}


def approval_rule(req_or_case: AccessRequest | Case, kind: str) -> Rule:
    agency = req_or_case.agency
    rule = get_profile(agency.profile_id).rule(RULE_FOR_KIND[RequesterKind(kind)])
    if rule is None:
        raise Conflict("no_access_rule", "本机关适用的规范配置缺少调用审批规则", {"kind": kind})
    return rule


def may_approve(user: User, req: AccessRequest) -> bool:
    """Whether `user` holds a role the profile names as approver of this kind of request."""
    if user.agency_id != req.agency_id and not user.is_superuser:
        return False
    for key in approval_rule(req, req.kind).values.get("approvers", ["head"]):
        if key == "head" and user.has_agency_role(Role.HEAD):
            return True
        # The unit's head; an agency head's grant covers every unit (a higher leader may approve).
        if key == "unit_head" and user.has_role(Role.HEAD, req.case.unit_id):
            return True
    return False


def _validity(expires_at: dt.datetime, *, now: dt.datetime, field: str = "expires_at") -> None:
    if expires_at <= now:
        raise InvalidInput("expiry_in_past", "有效期须晚于当前时间", {"field": field})
    if expires_at - now > MAX_VALIDITY:
        raise InvalidInput("expiry_too_long", f"有效期最长 {MAX_VALIDITY.days} 日", {"field": field})


def _levels(values: list[str], field: str) -> list[str]:
    bad = [v for v in values if v not in Secrecy.values]
    if bad:
        raise InvalidInput("invalid_clearance", f"未知的保密类别:{'、'.join(bad)}", {"field": field})
    return sorted(set(values))


def _items_of_case(case: Case, documents: list[Document], evidence: list[Evidence]) -> None:
    for d in documents:
        if d.case_id != case.pk:
            raise InvalidInput("item_not_in_case", f"文书 {d} 不属于案件 {case.label}", {"field": "documents"})
    for e in evidence:
        if e.case_id != case.pk:
            raise InvalidInput("item_not_in_case", f"音像资料 {e.display_name} 不属于案件 {case.label}",
                               {"field": "evidence"})


def _request_facts(req: AccessRequest) -> dict[str, Any]:
    return {"number": req.number, "kind": req.kind, "case": req.case.label, "whole_case": req.whole_case,
            "documents": sorted(req.documents.values_list("pk", flat=True)),
            "evidence": sorted(req.evidence.values_list("pk", flat=True)),
            "clearances": req.clearances, "purpose": req.purpose, "requester": req.requester_name,
            "requester_unit": req.requester_unit, "copier": req.copier_name,
            "expires_at": req.expires_at.isoformat()}


# ---------------------------------------------------------------- requests and grants


@domain_action("access.request")
def do_request_access(case: Case, *, kind: str, purpose: str, expires_at: dt.datetime, actor: User,
                      whole_case: bool = False, documents: list[Document] | None = None,
                      evidence: list[Evidence] | None = None, clearances: list[str] | None = None,
                      requester: User | None = None, requester_name: str = "", requester_unit: str = "",
                      copier_name: str = "") -> AccessRequest:
    """填写调用单: who asks for which records of a case, why, until when, and who copies them."""
    documents, evidence = documents or [], evidence or []
    if kind not in RequesterKind.values:
        raise InvalidInput("invalid_kind", "调用类型无效", {"field": "kind"})
    purpose = purpose.strip()
    if not purpose:
        raise InvalidInput("missing_field", "请填写调用事由", {"field": "purpose"})
    if not Case.objects.restrict(actor).filter(pk=case.pk).exists():
        raise NotFound("not_found", "案件不存在或无权查看", {"id": case.pk})
    if not whole_case and not documents and not evidence:
        raise InvalidInput("empty_scope", "请选择要调用的文书或音像资料,或选择全案资料", {"field": "documents"})
    _items_of_case(case, documents, evidence)
    levels = _levels(clearances or [], "clearances")
    now = timez.now()
    _validity(expires_at, now=now)
    if kind == RequesterKind.INTERNAL:
        requester = requester or actor
        if requester.agency_id != case.agency_id:
            raise InvalidInput("requester_not_internal", "本机构调用的调用人须为本机关人员", {"field": "requester"})
    elif requester is not None and requester.agency_id == case.agency_id:
        raise InvalidInput("requester_is_internal", "本机关人员请按本机构调用申请", {"field": "requester"})
    name = (requester_name.strip() or (requester.display_name if requester else ""))
    if not name:
        raise InvalidInput("missing_field", "请填写调用人", {"field": "requester_name"})
    if kind != RequesterKind.INTERNAL and not requester_unit.strip() and kind == RequesterKind.EXTERNAL:
        raise InvalidInput("missing_field", "请填写调用单位", {"field": "requester_unit"})
    approval_rule(case, kind)  # the agency's profile must say who approves
    with transaction.atomic(durable=True):
        year = timez.beijing(now).year
        seq = next_in_sequence(AccessRequestCounter, agency=case.agency, year=year)
        req = AccessRequest.objects.create(
            agency=case.agency, number=f"{case.agency.short_name}调〔{year}〕{seq}号", number_year=year,
            number_seq=seq, kind=kind, case=case, whole_case=whole_case, clearances=levels, purpose=purpose,
            requester=requester, requester_name=name[:100], requester_unit=requester_unit.strip()[:200],
            copier_name=copier_name.strip()[:100], expires_at=expires_at, created_by=actor, created_at=now)
        req.documents.set(documents)
        req.evidence.set(evidence)
        record_event("access.request", req, actor=actor, case_id=case.pk, agency_id=case.agency_id,
                     payload=_request_facts(req))
    return req


@domain_action("access.decide")
def do_decide_access_request(req: AccessRequest, *, approved: bool, opinion: str, actor: User) -> AccessRequest:
    """审批调用单 by the leader the agency's profile names for this kind of request."""
    opinion = opinion.strip()
    rule = approval_rule(req, req.kind)
    if not may_approve(actor, req):
        names = "或".join(APPROVER_LABELS.get(k, k) for k in rule.values.get("approvers", ["head"]))
        raise Forbidden("not_approver", f"该调用单须由{names}审批({rule.article})", {"article": rule.article})
    if actor.pk in (req.created_by_id, req.requester_id):
        raise Forbidden("own_request", "不能审批本人提出或为本人调用的调用单")
    if not approved and not opinion:
        raise InvalidInput("missing_field", "不予批准须说明理由", {"field": "opinion"})
    now = timez.now()
    with transaction.atomic(durable=True):
        changed = AccessRequest.objects.filter(pk=req.pk, status=RequestStatus.PENDING).update(
            status=RequestStatus.APPROVED if approved else RequestStatus.REJECTED, approver=actor,
            approver_name=actor.display_name, decided_at=now, opinion=opinion, rule_article=rule.article)
        if not changed:
            raise Conflict("already_decided", "该调用单已审批")
        req.refresh_from_db()
        record_event("access.approve" if approved else "access.reject", req, actor=actor, case_id=req.case_id,
                     agency_id=req.agency_id,
                     payload={**_request_facts(req), "approved": approved, "opinion": opinion,
                              "article": rule.article, "quote": rule.quote})
    return req


def may_revoke(user: User, req: AccessRequest) -> bool:
    return (user.pk in (req.approver_id, req.requester_id) or may_approve(user, req)
            or (user.agency_id == req.agency_id and user.has_agency_role(Role.ARCHIVIST)))


@domain_action("access.revoke")
def do_revoke_access_grant(req: AccessRequest, *, reason: str, actor: User) -> AccessRequest:
    """撤销调用授权: from now on nothing is viewed or copied under it, and its shares close."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("missing_field", "请说明撤销理由", {"field": "reason"})
    if not may_revoke(actor, req):
        raise Forbidden("not_allowed", "只有审批人、调用人、有审批权的负责人或档案管理员可以撤销")
    now = timez.now()
    with transaction.atomic(durable=True):
        changed = AccessRequest.objects.filter(pk=req.pk, status=RequestStatus.APPROVED).update(
            status=RequestStatus.REVOKED, revoked_at=now, revoked_by=actor, revoke_reason=reason)
        if not changed:
            raise Conflict("not_in_force", "只有已批准的调用单可以撤销")
        req.refresh_from_db()
        record_event("access.revoke", req, actor=actor, case_id=req.case_id, agency_id=req.agency_id,
                     payload={"number": req.number, "reason": reason})
    return req


# ---------------------------------------------------------------- the access register


def _grant_facts(grant: AccessRequest | None) -> dict[str, Any]:
    if grant is None:
        return {}
    return {"grant_id": grant.pk, "grant_number": grant.number, "approver": grant.approver_name,
            "copier": grant.copier_name, "requester": grant.requester_name,
            "requester_unit": grant.requester_unit, "reason": grant.purpose}


def do_record_access(obj: models.Model, *, action: str, actor: User | None, decision: policy.Decision | None = None,
                     sha256: str = "", original_sha256: str = "", watermarked: bool = False, note: str = "",
                     share: Share | None = None, extra: dict[str, Any] | None = None) -> None:
    """One line of the access register: a read of marked material, a download or a copy.

    Written in its own transaction before the bytes leave, so that nothing is served unrecorded.
    """
    kind = policy.kind_of(obj)
    case = kind.case_of(obj)
    grant = decision.grant if decision else (share.request if share else None)
    event = {"view": "access.view_confidential", "download": "access.download", "copy": "access.copy"}[action]
    if share is not None and action == "view":
        event = "access.share_open"
    payload: dict[str, Any] = {
        "record": kind.key, "record_id": obj.pk, "via": decision.via if decision else "share",
        "marks": decision.marks if decision else policy.marks_of(obj), **_grant_facts(grant),
        "sha256": sha256, "original_sha256": original_sha256 or sha256, "watermarked": watermarked,
    }
    if share is not None:
        payload.update({"share_id": share.pk, "recipient": share.recipient,
                        "copier": share.recipient, "reason": share.request.purpose})
    if note:
        payload["note"] = note
    payload.update(extra or {})
    agency_id = getattr(obj, "agency_id", None)
    with transaction.atomic(durable=True):
        record_event(event, obj, actor=actor, case_id=case.pk if case else None, agency_id=agency_id,
                     payload=payload)


def do_record_refusal(obj: models.Model, *, action: str, actor: User, decision: policy.Decision) -> None:
    """A refused download or copy is in the register too: who tried what, and why not."""
    kind = policy.kind_of(obj)
    case = kind.case_of(obj)
    event = {"view": "access.view_confidential", "download": "access.download", "copy": "access.copy"}[action]
    with transaction.atomic(durable=True):
        record_event(event, obj, actor=actor, case_id=case.pk if case else None,
                     agency_id=getattr(obj, "agency_id", None), outcome="refused", reason_code=decision.code,
                     reason=decision.message, payload={"record": kind.key, "record_id": obj.pk,
                                                       "marks": decision.marks})


def enforce(user: User, action: str, obj: models.Model, *, grant: AccessRequest | None = None) -> policy.Decision:
    """authorize, record a refusal (not a plain 404), and raise it; the caller logs what it serves."""
    decision = policy.authorize(user, action, obj, grant=grant)
    if not decision.allowed:
        # An attempt under a 调用单 on a record it does not name is registered too: the answer
        # looks like a missing record to the requester, not to the register's readers.
        if (decision.visible or grant is not None) and action != "view":
            do_record_refusal(obj, action=action, actor=user, decision=decision)
        decision.raise_if_refused()
    return decision


def note_view(user: User, obj: models.Model, decision: policy.Decision | None = None) -> policy.Decision:
    """A read: refused unless allowed; logged when the record is marked confidential."""
    decision = decision or enforce(user, "view", obj)
    if decision.marks:
        do_record_access(obj, action="view", actor=user, decision=decision)
    return decision


# ---------------------------------------------------------------- confidentiality


def _target(obj: models.Model) -> dict[str, Any]:
    return {policy.kind_of(obj).key: obj}


@domain_action("access.mark")
def do_mark_confidential(obj: models.Model, *, level: str, reason: str, actor: User) -> ConfidentialityMark:
    """标记保密: 国家秘密、商业秘密或个人隐私 (第三十六条 of the labour rules and its peers)."""
    if level not in Secrecy.values:
        raise InvalidInput("invalid_level", "保密类别无效", {"field": "level"})
    reason = reason.strip()
    if not reason:
        raise InvalidInput("missing_field", "请说明标记理由", {"field": "reason"})
    if not policy.authorize(actor, "view", obj).allowed:
        raise NotFound("not_found", "资料不存在或无权查看")
    if not policy.may_mark(actor, obj):
        raise Forbidden("not_allowed", "只有本案执法人员、负责人、法制审核人员或档案管理员可以标记保密")
    agency_id: int = obj.agency_id  # type: ignore[attr-defined]
    with transaction.atomic(durable=True):
        if ConfidentialityMark.objects.filter(**_target(obj), level=level, active=True).exists():
            raise Conflict("already_marked", "该资料已有相同的保密标记")
        mark = ConfidentialityMark.objects.create(agency_id=agency_id, **_target(obj), level=level, reason=reason,
                                                  marked_by=actor, marked_at=timez.now())
        case = policy.kind_of(obj).case_of(obj)
        record_event("access.mark", mark, actor=actor, case_id=case.pk if case else None, agency_id=agency_id,
                     payload={"record": policy.kind_of(obj).key, "record_id": obj.pk, "record_repr": str(obj),
                              "level": level, "reason": reason})
    return mark


@domain_action("access.unmark")
def do_lift_mark(mark: ConfidentialityMark, *, reason: str, actor: User) -> ConfidentialityMark:
    """解除保密标记: by the head of the unit or agency, or an archivist."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("missing_field", "请说明解除理由", {"field": "reason"})
    target = mark.case or mark.document or mark.evidence
    assert target is not None
    unit_id = policy.kind_of(target).unit_of(target)
    if not (actor.is_superuser or actor.has_role(Role.HEAD, unit_id) or actor.has_agency_role(Role.ARCHIVIST)):
        raise Forbidden("not_allowed", "只有负责人或档案管理员可以解除保密标记")
    with transaction.atomic(durable=True):
        changed = ConfidentialityMark.objects.filter(pk=mark.pk, active=True).update(
            active=False, lifted_by=actor, lifted_at=timez.now(), lift_reason=reason)
        if not changed:
            raise Conflict("already_lifted", "该保密标记已解除")
        mark.refresh_from_db()
        case = policy.kind_of(target).case_of(target)
        record_event("access.unmark", mark, actor=actor, case_id=case.pk if case else None,
                     agency_id=mark.agency_id, payload={"level": mark.level, "reason": reason})
    return mark


# ---------------------------------------------------------------- shares


@domain_action("access.share")
def do_create_share(req: AccessRequest, *, recipient: str, expires_at: dt.datetime, actor: User,
                    documents: list[Document] | None = None, evidence: list[Evidence] | None = None,
                    ) -> tuple[Share, str]:
    """共享给法院、检察院: chosen records of an approved outside request, through a link that needs
    no login. Returns the share and its token (shown once; only its digest is kept)."""
    documents, evidence = documents or [], evidence or []
    recipient = recipient.strip()
    if not recipient:
        raise InvalidInput("missing_field", "请填写接收单位", {"field": "recipient"})
    now = timez.now()
    if req.kind != RequesterKind.EXTERNAL:
        raise Conflict("not_external", "共享链接只能依据经批准的非本机构人员(单位)调用单制作")
    if not req.valid_at(now):
        raise Conflict("grant_not_valid", "调用单未批准、已撤销或已过期")
    # 由管理员提供复制信息 (第三十五条 of the labour rules): the keepers of records hand them out.
    if not policy.may_download_by_role(actor, req.case.unit_id) or actor.agency_id != req.agency_id:
        raise Forbidden("not_allowed", "共享链接由档案管理员、法制审核人员或负责人制作")
    if not documents and not evidence:
        raise InvalidInput("empty_scope", "请选择要共享的资料", {"field": "documents"})
    _validity(expires_at, now=now)
    if expires_at > req.expires_at:
        raise InvalidInput("expiry_beyond_grant", "共享有效期不能晚于调用单的有效期", {"field": "expires_at"})
    for obj in [*documents, *evidence]:
        kind = policy.kind_of(obj)
        if not req.covers(kind.key, int(obj.pk)):
            raise InvalidInput("outside_grant", f"{obj} 不在调用单的范围内", {"field": "documents"})
        marks = policy.marks_of(obj)
        if not set(marks) <= set(req.clearances or []):
            labels = "、".join(Secrecy(m).label for m in marks)
            raise InvalidInput("not_cleared", f"{obj} 标记为{labels},调用单的批准未包括该类资料",
                               {"field": "documents"})
    token = secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        share = Share.objects.create(agency_id=req.agency_id, request=req, token_digest=Share.digest_of(token),
                                     recipient=recipient[:200], expires_at=expires_at, created_by=actor,
                                     created_at=now)
        share.documents.set(documents)
        share.evidence.set(evidence)
        record_event("access.share", share, actor=actor, case_id=req.case_id, agency_id=req.agency_id,
                     payload={"grant_number": req.number, "recipient": share.recipient,
                              "documents": [d.pk for d in documents], "evidence": [e.pk for e in evidence],
                              "expires_at": expires_at.isoformat()})
    return share, token


@domain_action("access.share_revoke")
def do_revoke_share(share: Share, *, actor: User) -> Share:
    if not (policy.may_download_by_role(actor, share.request.case.unit_id) and actor.agency_id == share.agency_id) \
            and actor.pk != share.created_by_id:
        raise Forbidden("not_allowed", "只有制作人、档案管理员或负责人可以撤销共享链接")
    with transaction.atomic(durable=True):
        changed = Share.objects.filter(pk=share.pk, revoked_at__isnull=True).update(revoked_at=timez.now(),
                                                                                    revoked_by=actor)
        if not changed:
            raise Conflict("already_revoked", "该共享链接已撤销")
        share.refresh_from_db()
        record_event("access.share_revoke", share, actor=actor, case_id=share.request.case_id,
                     agency_id=share.agency_id, payload={"recipient": share.recipient})
    return share


def open_share(token: str) -> Share:
    """The share a token names, if it is still open; otherwise not found (a dead link says nothing)."""
    share = Share.objects.select_related("request", "request__case").filter(
        token_digest=Share.digest_of(token)).first()
    if share is None or not share.open_at(timez.now()):
        raise NotFound("not_found", "共享链接不存在、已过期或已撤销")
    return share
