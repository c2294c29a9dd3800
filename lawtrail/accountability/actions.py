"""The only function that writes a 责任追究记录; it validates, writes and records its event together."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from lawtrail.accountability.choices import AccountabilitySource
from lawtrail.accountability.models import AccountabilityRecord
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.text import neutralise
from lawtrail.profiles.registry import Rule, get_profile

RULE_ID = "accountability"


def accountability_rule(profile_id: str) -> Rule | None:
    """The profile's 责任追究 article: its 情形 (situations) and the outcomes it provides (outcomes)."""
    return get_profile(profile_id).rule(RULE_ID)


def may_record(user: User, officer: User | None = None) -> bool:
    """Supervisors, administrators and heads decide on accountability; a unit's head for its own officers."""
    if user.is_superuser or user.has_agency_role(Role.SUPERVISOR) or user.has_agency_role(Role.ADMIN) \
            or user.has_agency_role(Role.HEAD):
        return True
    if officer is None:
        return any(g.role == Role.HEAD for g in user.grants)
    return officer.unit_id is not None and user.has_role(Role.HEAD, officer.unit_id)


def _text(value: str, field: str, label: str, max_len: int) -> str:
    v = neutralise(value or "").strip()
    if not v:
        raise InvalidInput("missing_field", f"请填写{label}", {"field": field})
    if len(v) > max_len:
        raise InvalidInput("field_too_long", f"{label}不能超过 {max_len} 个字", {"field": field})
    return v


@domain_action("accountability.record")
def do_record_accountability(
    *, officer: User, situation: str, finding: str, outcome: str, decided_by_name: str, decided_on: dt.date,
    case: Case | None = None, rule: str = "", outcome_note: str = "", actor: User,
) -> AccountabilityRecord:
    """记录责任追究: a violation (a compliance finding on a case, or one supervision found) held against
    the officer responsible, under the article of the agency's regulation, with the outcome it names."""
    if actor.agency_id is None or actor.agency is None:
        raise Forbidden("no_agency", "当前用户不属于任何执法机关")
    agency = actor.agency
    if officer.agency_id != agency.pk or (case is not None and case.agency_id != agency.pk):
        raise Forbidden("other_agency", "不能操作其他执法机关的数据")
    if not may_record(actor, officer):
        raise Forbidden("not_supervisor", "只有监督人员、机关负责人或责任人所在单位的负责人可以记录责任追究")
    text = accountability_rule(agency.profile_id)
    if text is None:
        raise Conflict("no_accountability_article", "本机关适用的规定没有责任追究条款")
    situations = [str(s) for s in text.values.get("situations", [])]
    outcomes = [str(o) for o in text.values.get("outcomes", [])]
    if situation not in situations:
        raise InvalidInput("invalid_situation", f"请选择{text.article}所列的情形", {"field": "situation"})
    if outcome not in outcomes:
        raise InvalidInput("invalid_outcome", f"请选择{text.article}规定的处理方式:{'、'.join(outcomes)}",
                           {"field": "outcome"})
    finding = _text(finding, "finding", "认定的事实", 20000)
    decided_by_name = _text(decided_by_name, "decided_by_name", "决定人(机关)", 100)
    outcome_note = neutralise(outcome_note or "").strip()
    if decided_on > timez.beijing(timez.now()).date():
        raise InvalidInput("date_in_future", "决定日期不能晚于今天", {"field": "decided_on"})
    rule_label = ""
    if rule:
        from lawtrail.profiles.coverage import labels  # the compliance app registers its rules' names

        rule_label = labels().get(rule, "")
        if not rule_label or case is None:
            raise InvalidInput("unknown_rule", "所依据的检查发现无效:请从案件的检查发现中选择", {"field": "rule"})
    now = timez.now()
    with transaction.atomic(durable=True):
        record = AccountabilityRecord.objects.create(
            agency=agency, unit_id=officer.unit_id, case=case, officer=officer, officer_name=officer.display_name,
            officer_cert_no=officer.cert_no or "", source_text=get_profile(agency.profile_id).name,
            article=text.article, situation=situation, finding=finding, rule=rule, rule_label=rule_label,
            source=AccountabilitySource.FINDING if rule else AccountabilitySource.SUPERVISION, outcome=outcome,
            outcome_note=outcome_note, decided_by_name=decided_by_name, decided_on=decided_on, recorded_by=actor,
            recorded_by_name=actor.display_name, recorded_at=now)
        record_event("accountability.record", record, actor=actor, case_id=case.pk if case else None,
                     agency_id=agency.pk, payload={
                         "record_id": record.pk, "officer": officer.display_name, "cert_no": officer.cert_no or "",
                         "article": text.article, "situation": situation, "finding": finding, "rule": rule,
                         "outcome": outcome, "decided_by": decided_by_name, "decided_on": decided_on.isoformat()})
    return record
