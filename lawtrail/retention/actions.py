"""The only functions that change retention, long-term flags, holds and disposals.

Each validates, writes and records its domain event in one durable transaction. The one
destructive step — removing an original's bytes — happens only in do_execute_disposal, after
its disposal record has committed, through the store's guarded `remove_disposed`, and only
for objects no kept record still refers to.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.documents.choices import DocumentStatus
from lawtrail.documents.models import Document
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.events.state import note_changed
from lawtrail.evidence.actions import may_handle
from lawtrail.evidence.models import Evidence, StoredObject
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.profiles.registry import get_profile
from lawtrail.retention import policy
from lawtrail.retention.choices import DisposalStatus, IncidentKind, KeptKind, RecordKind, TriggerKind
from lawtrail.retention.models import (
    CaseIncident,
    DisposalItem,
    DisposalRecord,
    DisposalRequest,
    DisposedEvidence,
    DisposedObject,
    LegalHold,
    LongTermFlag,
    RetentionState,
)
from lawtrail.retention.policy import Kept
from lawtrail.storage import get_replica, get_store

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- who may do what


def _is_head_for(actor: User | None, unit_id: int | None, agency_id: int) -> bool:
    """负责人 of the unit, or of the agency (an agency-wide 负责人 covers every unit)."""
    if actor is None:
        return False
    if actor.is_superuser:
        return True
    return actor.agency_id == agency_id and actor.has_role(Role.HEAD, unit_id)


def _is_agency_head(actor: User | None, agency_id: int) -> bool:
    if actor is None:
        return False
    return actor.is_superuser or (actor.agency_id == agency_id and actor.has_agency_role(Role.HEAD))


def may_request_disposal(actor: User | None, agency_id: int) -> bool:
    """档案管理员 or the agency's 负责人: the people who keep the archive."""
    if actor is None:
        return False
    return _is_agency_head(actor, agency_id) or (
        actor.agency_id == agency_id and actor.has_agency_role(Role.ARCHIVIST))


# ---------------------------------------------------------------- the floor: retention is only ever extended


def kept_of_state(state: RetentionState) -> Kept:
    return Kept(state.kind, state.until, state.basis, state.record_class, state.rule_id, state.article, state.quote)


def _state_of(record: Evidence | Document | Case) -> RetentionState | None:
    if isinstance(record, Evidence):
        return RetentionState.objects.filter(evidence=record).first()
    if isinstance(record, Document):
        return RetentionState.objects.filter(document=record).first()
    return RetentionState.objects.filter(case=record).first()


def _ingest_floor(ev: Evidence) -> Kept | None:
    """What the vault wrote on the record at ingest (or later): a floor too, until a state exists."""
    if ev.retention_long_term:
        return Kept(KeptKind.LONG_TERM, None, ev.retention_basis or "长期保存", ev.evidence_class)
    if ev.retention_until is not None:
        return Kept(KeptKind.PERIOD, ev.retention_until, ev.retention_basis, ev.evidence_class)
    return None


def effective(record: Evidence | Document | Case) -> tuple[Kept, Kept, bool]:
    """(kept, what today's rules say, whether an earlier, longer retention is kept instead)."""
    if isinstance(record, Evidence):
        now = policy.evidence_now(record)
    elif isinstance(record, Document):
        now = policy.document_now(record)
    else:
        now = policy.case_now(record)
    floors: list[Kept] = []
    state = _state_of(record)
    if state is not None:
        floors.append(kept_of_state(state))
    elif isinstance(record, Evidence) and (floor := _ingest_floor(record)) is not None:
        floors.append(floor)
    kept = policy.longest([now, *floors])
    return kept, now, kept is not now


def _sync(record: Evidence | Document | Case) -> tuple[RetentionState, bool]:
    """Write the record's effective retention as its floor; (state, whether it is new or longer than before)."""
    kept, _now, _floor = effective(record)
    when = timez.now()
    values = {"record_class": kept.record_class, "kind": kept.kind, "until": kept.until, "basis": kept.basis[:500],
              "rule_id": kept.rule_id, "article": kept.article, "quote": kept.quote}
    state = _state_of(record)
    previous = kept_of_state(state) if state is not None else (
        _ingest_floor(record) if isinstance(record, Evidence) else None)
    extended = previous is None or kept.longer_than(previous)
    if state is None:
        kind = (RecordKind.EVIDENCE if isinstance(record, Evidence) else RecordKind.DOCUMENT
                if isinstance(record, Document) else RecordKind.CASE)
        target = {kind.value: record}
        state = RetentionState.objects.create(agency_id=record.agency_id, record_kind=kind, computed_at=when,
                                              **target, **values)
    elif kept.longer_than(kept_of_state(state)):
        RetentionState.objects.filter(pk=state.pk).update(**values, computed_at=when, extended_at=when)
        note_changed(RetentionState.objects.filter(pk=state.pk))
        state.refresh_from_db()
    if isinstance(record, Evidence):
        # The vault's own columns say the same as the floor (its page and API show them).
        mirror = {"retention_until": kept.until if kept.kind == KeptKind.PERIOD else None,
                  "retention_long_term": kept.kind == KeptKind.LONG_TERM, "retention_basis": kept.basis[:500]}
        if any(getattr(record, k) != v for k, v in mirror.items()):
            Evidence.objects.filter(pk=record.pk).update(**mirror)
            note_changed(Evidence.objects.filter(pk=record.pk))
            for k, v in mirror.items():
                setattr(record, k, v)
    return state, extended


def _records_of_case(case: Case) -> list[Evidence | Document | Case]:
    evidence = list(Evidence.objects.filter(case=case).select_related("agency", "case", "stored"))
    twins = list(Evidence.objects.filter(stored_id__in=[e.stored_id for e in evidence]).exclude(case=case)
                 .select_related("agency", "case", "stored"))
    documents = list(Document.objects.filter(case=case, status=DocumentStatus.ISSUED).select_related("agency", "case"))
    return [case, *documents, *evidence, *twins]


def _records_of_evidence(ev: Evidence) -> list[Evidence | Document | Case]:
    return list(Evidence.objects.filter(stored_id=ev.stored_id).select_related("agency", "case", "stored"))


def _sync_all(records: Iterable[Evidence | Document | Case]) -> list[dict[str, Any]]:
    changed = []
    for record in records:
        state, extended = _sync(record)
        if extended:
            changed.append({"record": state.record_kind, "id": record.pk, "kind": state.kind,
                            "until": state.until.isoformat() if state.until else None, "basis": state.basis})
    return changed


@domain_action("retention.recompute")
def do_recompute_retention(*, agency_id: int | None = None, actor: User | None = None) -> list[dict[str, Any]]:
    """Recompute every record's retention from today's rules; a retention is only ever extended."""
    with transaction.atomic(durable=True):
        evidence = Evidence.objects.select_related("agency", "case", "stored").exclude(
            pk__in=DisposedEvidence.objects.values("evidence_id"))
        cases = Case.objects.select_related("agency")
        documents = Document.objects.filter(status=DocumentStatus.ISSUED).select_related("agency", "case")
        if agency_id is not None:
            evidence, cases, documents = (evidence.filter(agency_id=agency_id), cases.filter(agency_id=agency_id),
                                          documents.filter(agency_id=agency_id))
        changed = _sync_all([*cases, *documents, *evidence])
        record_event("retention.recompute", None, actor=actor, agency_id=agency_id, object_type="retention.state",
                     object_id="*", payload={"extended": changed[:1000], "count": len(changed)})
    return changed


# ---------------------------------------------------------------- long-term flags (长期保存情形)


def _target(target: Case | Evidence) -> tuple[Case | None, Evidence | None]:
    return (target, None) if isinstance(target, Case) else (None, target)


def _flag(target: Case | Evidence, *, kind: str, reason: str, source: str, source_ref: str,
          actor: User | None) -> LongTermFlag:
    """Write the flag, make the records long-term and record the event (inside the caller's transaction)."""
    profile = get_profile(target.agency.profile_id)
    item = policy.trigger_item(profile, kind)
    assert item is not None
    case, evidence = _target(target)
    flag = LongTermFlag.objects.create(
        agency_id=target.agency_id, case=case, evidence=evidence, kind=kind, item=item["item"],
        text=item["text"][:200], article=item["article"], quote=item["quote"], reason=reason, source=source,
        source_ref=source_ref[:200], set_by=actor, set_by_name=actor.display_name if actor else "系统",
        set_at=timez.now())
    records = _records_of_case(case) if case is not None else _records_of_evidence(evidence)  # type: ignore[arg-type]
    changed = _sync_all(records)
    record_event("retention.flag", flag, actor=actor, agency_id=target.agency_id,
                 case_id=case.pk if case else (evidence.case_id if evidence else None),
                 payload={"kind": kind, "item": flag.item, "text": flag.text, "article": flag.article,
                          "reason": reason, "source": source, "source_ref": flag.source_ref,
                          "case_number": case.number if case else None,
                          "evidence_id": evidence.pk if evidence else None,
                          "records_made_long_term": changed[:1000]})
    return flag


def _require_listed(target: Case | Evidence, kind: str) -> None:
    if kind not in TriggerKind.values:
        raise InvalidInput("invalid_kind", "长期保存情形无效", {"field": "kind"})
    profile = get_profile(target.agency.profile_id)
    if policy.trigger_item(profile, kind) is None:
        raise InvalidInput("not_a_trigger", f"本机关适用的规范未将「{TriggerKind(kind).label}」列为长期保存的情形",
                           {"field": "kind"})


@domain_action("retention.flag")
def do_flag_long_term(target: Case | Evidence, *, kind: str, reason: str, actor: User) -> LongTermFlag:
    """By hand: a leader states that one of the profile's long-term situations applies."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("missing_field", "请说明适用长期保存的理由", {"field": "reason"})
    _require_listed(target, kind)
    if not _is_head_for(actor, target.unit_id, target.agency_id):
        raise Forbidden("not_allowed", "只有负责人可以设定长期保存情形")
    with transaction.atomic(durable=True):
        case, evidence = _target(target)
        if LongTermFlag.objects.filter(case=case, evidence=evidence, kind=kind, source="manual").exists():
            raise Conflict("already_flagged", f"已设定「{TriggerKind(kind).label}」情形")
        return _flag(target, kind=kind, reason=reason, source="manual", source_ref="", actor=actor)


@domain_action("retention.flag")
def do_flag_from_event(case: Case, *, kind: str, reason: str, source: str, source_ref: str,
                       actor: User | None = None) -> LongTermFlag | None:
    """From a case event (an issued 查封(扣押)决定书 …): once per source, only if the profile names the situation."""
    if policy.trigger_item(get_profile(case.agency.profile_id), kind) is None:
        return None
    with transaction.atomic(durable=True):
        if LongTermFlag.objects.filter(case=case, kind=kind, source_ref=source_ref[:200]).exists():
            return None
        return _flag(case, kind=kind, reason=reason, source=source, source_ref=source_ref, actor=actor)


@domain_action("retention.incident")
def do_record_incident(case: Case, *, kind: str, description: str, occurred_on: dt.date,
                       actor: User) -> CaseIncident:
    """登记: an objection, complaint or petition about the enforcement, obstruction, a group incident.

    When the agency's rule names the situation, every record of the case becomes long-term.
    """
    description = description.strip()
    if kind not in IncidentKind.values:
        raise InvalidInput("invalid_kind", "情况类型无效", {"field": "kind"})
    if not description:
        raise InvalidInput("missing_field", "请填写经过", {"field": "description"})
    if not dt.date(1990, 1, 1) <= occurred_on <= policy.today():
        raise InvalidInput("invalid_day", "发生日期无效", {"field": "occurred_on"})
    if not may_handle(actor, case.unit_id, case.agency_id):
        raise Forbidden("not_allowed", f"只有{case.unit.name}的执法人员、负责人或档案管理员可以登记")
    with transaction.atomic(durable=True):
        incident = CaseIncident.objects.create(agency_id=case.agency_id, unit_id=case.unit_id, case=case, kind=kind,
                                               description=description, occurred_on=occurred_on, recorded_by=actor,
                                               recorded_at=timez.now())
        listed = policy.trigger_item(get_profile(case.agency.profile_id), kind) is not None
        record_event("retention.incident", incident, actor=actor, case_id=case.pk, agency_id=case.agency_id,
                     payload={"kind": kind, "description": description, "occurred_on": occurred_on.isoformat(),
                              "case_number": case.number, "long_term": listed})
        if listed and not LongTermFlag.objects.filter(case=case, kind=kind).exists():
            _flag(case, kind=kind, reason=description, source="incident",
                  source_ref=f"登记 #{incident.pk} {incident.get_kind_display()}", actor=actor)
    return incident


# ---------------------------------------------------------------- legal holds (冻结)


@domain_action("retention.hold")
def do_set_hold(target: Case | Evidence, *, reason: str, actor: User) -> LegalHold:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("missing_field", "请填写冻结理由", {"field": "reason"})
    if not _is_head_for(actor, target.unit_id, target.agency_id):
        raise Forbidden("not_allowed", "只有负责人可以冻结记录")
    case, evidence = _target(target)
    with transaction.atomic(durable=True):
        hold = LegalHold.objects.create(agency_id=target.agency_id, case=case, evidence=evidence, reason=reason,
                                        set_by=actor, set_by_name=actor.display_name, set_at=timez.now())
        record_event("retention.hold", hold, actor=actor, agency_id=target.agency_id,
                     case_id=case.pk if case else (evidence.case_id if evidence else None),
                     payload={"reason": reason, "case_number": case.number if case else None,
                              "evidence_id": evidence.pk if evidence else None})
    return hold


@domain_action("retention.release_hold")
def do_release_hold(hold: LegalHold, *, reason: str, actor: User) -> LegalHold:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("missing_field", "请填写解除理由", {"field": "reason"})
    unit_id = hold.case.unit_id if hold.case_id else hold.evidence.unit_id  # type: ignore[union-attr]
    if not _is_head_for(actor, unit_id, hold.agency_id):
        raise Forbidden("not_allowed", "只有负责人可以解除冻结")
    with transaction.atomic(durable=True):
        updated = LegalHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
            released_by=actor, released_by_name=actor.display_name, released_at=timez.now(), release_reason=reason)
        if updated != 1:
            raise Conflict("not_held", "该冻结已解除")
        hold.refresh_from_db()
        record_event("retention.release_hold", hold, actor=actor, agency_id=hold.agency_id, case_id=hold.case_id,
                     payload={"reason": reason, "hold_reason": hold.reason})
    return hold


# ---------------------------------------------------------------- disposal (销毁)


def holds_on(ev: Evidence) -> list[LegalHold]:
    """Active holds on the record, its case, or any record sharing its original (and their cases)."""
    twins = Evidence.objects.filter(stored_id=ev.stored_id)
    cases = [c for c in twins.values_list("case_id", flat=True) if c]
    return list(LegalHold.objects.filter(Q(evidence__in=twins) | Q(case_id__in=cases), released_at__isnull=True)
                .select_related("case", "evidence"))


def refusal(ev: Evidence) -> tuple[str, str] | None:
    """Why this record may not be destroyed today (code, message), or None."""
    if DisposedEvidence.objects.filter(evidence=ev).exists():
        return "already_disposed", "已销毁"
    kept, _now, _floor = effective(ev)
    if kept.kind == KeptKind.LONG_TERM:
        return "long_term", f"长期保存:{kept.basis}"
    if kept.kind != KeptKind.PERIOD or kept.until is None:
        return "not_due", f"不自动到期:{kept.basis}"
    if kept.until >= policy.today():
        return "not_due", f"保存期限至 {kept.until:%Y-%m-%d},尚未届满"
    if holds_on(ev):
        return "on_hold", "已冻结,暂停销毁"
    return None


def _open_request_items() -> Any:
    return DisposalItem.objects.filter(request__status__in=[DisposalStatus.REQUESTED, DisposalStatus.APPROVED])


@domain_action("retention.disposal_request")
def do_request_disposal(evidence: list[Evidence], *, reason: str, actor: User) -> DisposalRequest:
    """销毁申请: list records whose retention has run out; anything long-term, held or not due is refused."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("missing_field", "请填写申请理由", {"field": "reason"})
    if not evidence:
        raise InvalidInput("missing_field", "请选择要销毁的音像资料", {"field": "evidence_ids"})
    agency_id = actor.agency_id
    if agency_id is None or not may_request_disposal(actor, agency_id):
        raise Forbidden("not_allowed", "只有档案管理员或机关负责人可以提出销毁申请")
    if any(ev.agency_id != agency_id for ev in evidence):
        raise InvalidInput("other_agency", "只能申请销毁本机关的音像资料", {"field": "evidence_ids"})
    with transaction.atomic(durable=True):
        problems = []
        for ev in evidence:
            _sync(ev)
            why = refusal(ev)
            if why is None and _open_request_items().filter(evidence=ev).exists():
                why = ("already_requested", "已列入另一份未办结的销毁申请")
            if why is not None:
                problems.append({"evidence_id": ev.pk, "name": ev.display_name, "code": why[0], "message": why[1]})
        if problems:
            listed = ";".join(f"#{p['evidence_id']} {p['name']}:{p['message']}" for p in problems[:5])
            raise Conflict("not_disposable", f"以下音像资料不能销毁:{listed}", {"refused": problems})
        now = timez.now()
        request = DisposalRequest.objects.create(agency_id=agency_id, reason=reason, requested_by=actor,
                                                 requested_by_name=actor.display_name, requested_at=now)
        items = []
        for ev in evidence:
            kept, _n, _f = effective(ev)
            items.append(DisposalItem.objects.create(request=request, evidence=ev, sha256=ev.stored.sha256,
                                                     size=ev.stored.size, until=kept.until, basis=kept.basis[:500]))
        record_event("retention.disposal_request", request, actor=actor, agency_id=agency_id, payload={
            "reason": reason, "items": [{"evidence_id": i.evidence_id, "sha256": i.sha256, "size": i.size,
                                         "until": i.until.isoformat() if i.until else None, "basis": i.basis}
                                        for i in items]})
    return request


@domain_action("retention.disposal_decide")
def do_decide_disposal(request: DisposalRequest, *, approve: bool, opinion: str = "", actor: User) -> DisposalRequest:
    """审批: the agency's 负责人, who is not the person who asked."""
    opinion = opinion.strip()
    if not _is_agency_head(actor, request.agency_id):
        raise Forbidden("not_allowed", "只有机关负责人可以审批销毁申请")
    if actor.pk == request.requested_by_id:
        raise Forbidden("own_request", "不能审批本人提出的销毁申请")
    if not approve and not opinion:
        raise InvalidInput("missing_field", "不同意销毁时请填写审批意见", {"field": "opinion"})
    with transaction.atomic(durable=True):
        status = DisposalStatus.APPROVED if approve else DisposalStatus.REJECTED
        now = timez.now()
        updated = DisposalRequest.objects.filter(pk=request.pk, status=DisposalStatus.REQUESTED).update(
            status=status, approved_by=actor, approved_by_name=actor.display_name, approved_at=now, opinion=opinion)
        if updated != 1:
            raise Conflict("not_pending", "该销毁申请已审批")
        request.refresh_from_db()
        record_event("retention.disposal_decide", request, actor=actor, agency_id=request.agency_id,
                     payload={"approved": approve, "opinion": opinion,
                              "items": list(request.items.values_list("evidence_id", flat=True))})
    return request


@dataclass
class _Warrant:
    """Authority to remove one object, confirmed against the database at the moment of removal."""

    record_id: int
    keys: set[str] = field(default_factory=set)

    def confirms(self, key: str) -> bool:
        if key not in self.keys:
            return False
        live = Evidence.objects.filter(disposal__isnull=True)
        if DisposedObject.objects.filter(key=key, record_id=self.record_id).exists():
            return not live.filter(stored__key=key).exists()
        # A derived file (preview, thumbnail) made from a destroyed original.
        return not live.filter(Q(proxy_key=key) | Q(thumb_key=key)).exists() and DisposedEvidence.objects.filter(
            record_id=self.record_id).filter(Q(evidence__proxy_key=key) | Q(evidence__thumb_key=key)).exists()


def _remove_bytes(record: DisposalRecord, keys: list[str]) -> list[dict[str, str]]:
    warrant = _Warrant(record.pk, set(keys))
    failed = []
    stores = [get_store()]
    replica = get_replica()
    if replica is not None:
        stores.append(replica)  # the off-site copy is destroyed too: disposal means every copy
    for store in stores:
        for key in keys:
            try:
                store.remove_disposed(key, warrant=warrant)
            except Exception as err:  # noqa: BLE001 — one failure must not stop the others; reported
                log.error("disposal %s: removing %s from %s failed: %s", record.pk, key, store.name, err)
                failed.append({"key": key, "store": store.name, "error": str(err)})
    return failed


@domain_action("retention.dispose")
def do_execute_disposal(request: DisposalRequest, *, actor: User) -> DisposalRecord:
    """销毁: destroy the approved records that are still due, leave the disposal record (for ever)."""
    if not may_request_disposal(actor, request.agency_id):
        raise Forbidden("not_allowed", "只有档案管理员或机关负责人可以执行销毁")
    with transaction.atomic(durable=True):
        now = timez.now()
        updated = DisposalRequest.objects.filter(pk=request.pk, status=DisposalStatus.APPROVED).update(
            status=DisposalStatus.EXECUTED, executed_by=actor, executed_at=now)
        if updated != 1:
            raise Conflict("not_approved", "销毁申请尚未批准或已执行,不能执行销毁")
        note_changed(DisposalRequest.objects.filter(pk=request.pk))
        request.refresh_from_db()
        assert request.approved_at is not None
        items = list(request.items.select_related("evidence__stored", "evidence__case", "evidence__agency"))
        done, refused = [], []
        for item in items:
            ev = item.evidence
            _sync(ev)
            why = refusal(ev)
            if why is not None:
                refused.append({"evidence_id": ev.pk, "name": ev.display_name, "code": why[0], "message": why[1]})
            else:
                done.append((item, ev))
        disposing = {ev.pk for _i, ev in done}
        removed: dict[int, StoredObject] = {}
        for _item, ev in done:
            others = Evidence.objects.filter(stored_id=ev.stored_id, disposal__isnull=True).exclude(pk__in=disposing)
            if not others.exists():
                removed[ev.stored_id] = ev.stored
        record = DisposalRecord.objects.create(
            agency_id=request.agency_id, request=request, requested_by_name=request.requested_by_name,
            requested_at=request.requested_at, approved_by_name=request.approved_by_name,
            approved_at=request.approved_at, executed_by_name=actor.display_name, executed_at=now,
            reason=request.reason, opinion=request.opinion, refused=refused,
            items=[{"evidence_id": ev.pk, "name": ev.display_name, "class": ev.evidence_class,
                    "class_label": ev.get_evidence_class_display(),
                    "case_number": ev.label_case_number, "sha256": ev.stored.sha256, "sm3": ev.stored.sm3,
                    "size": ev.stored.size, "object_key": ev.stored.key,
                    "until": item.until.isoformat() if item.until else None, "basis": item.basis,
                    "object_removed": ev.stored_id in removed} for item, ev in done])
        keys: list[str] = []
        for _item, ev in done:
            DisposedEvidence.objects.create(evidence=ev, record=record, disposed_at=now)
            record_event("retention.dispose", ev, actor=actor, agency_id=ev.agency_id, case_id=ev.case_id, payload={
                "record_id": record.pk, "request_id": request.pk, "sha256": ev.stored.sha256,
                "size": ev.stored.size, "object_key": ev.stored.key, "object_removed": ev.stored_id in removed,
                "original_name": ev.original_name, "basis": item.basis})
        for stored in removed.values():
            DisposedObject.objects.create(stored=stored, key=stored.key, sha256=stored.sha256, size=stored.size,
                                          record=record, disposed_at=now)
            keys.append(stored.key)
        derived = {k for _i, ev in done for k in (ev.proxy_key, ev.thumb_key) if k}
        live = Evidence.objects.filter(disposal__isnull=True)
        keys += sorted(k for k in derived if not live.filter(Q(proxy_key=k) | Q(thumb_key=k)).exists())
        record_event("retention.disposal_record", record, actor=actor, agency_id=request.agency_id, payload={
            "request_id": request.pk, "requested_by": record.requested_by_name,
            "approved_by": record.approved_by_name, "executed_by": record.executed_by_name,
            "reason": record.reason, "items": record.items, "refused": refused,
            "total_bytes": record.total_bytes})
    # After commit: the record exists before any byte goes. A failed removal leaves bytes that
    # are expected absent (verify and fixity skip them); `lawtrail disposal purge` retries.
    failed = _remove_bytes(record, keys)
    record.removal_failures = failed  # type: ignore[attr-defined]
    return record


def purge_disposed_objects() -> list[dict[str, str]]:
    """Retry removing the bytes of objects a disposal record says are destroyed (system; idempotent)."""
    failed: list[dict[str, str]] = []
    for record in DisposalRecord.objects.filter(objects_removed__isnull=False).distinct():
        keys = list(record.objects_removed.values_list("key", flat=True))
        failed += _remove_bytes(record, keys)
    return failed
