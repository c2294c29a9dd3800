"""Where a new document's fields are pre-filled from: the case, its party, its officers.

The catalogue names a source per field (`prefill: party.name`); the loader checks the name
against SOURCES, so this module is importable without Django set up (the CLI lists the
catalogue before Django starts). The functions read the case only when called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lawtrail.accounts.models import User
    from lawtrail.cases.models import Case

Source = Callable[["Case", "User"], Any]


def _officers(case: Case, actor: User) -> str:
    # 执法人员数量、姓名、执法证件编号 (第十四条 of the labour rules, 第九条 of the agriculture rules).
    people = sorted(case.officers.all(), key=lambda o: (o.pk != case.handler_id, o.pk))
    return "、".join(f"{o.display_name}(执法证号 {o.cert_no})" for o in people if o.cert_no)


def _officer_count(case: Case, actor: User) -> str:
    return str(sum(1 for o in case.officers.all() if o.cert_no))


def _now(case: Case, actor: User) -> str:
    from lawtrail.lib import timez

    return timez.beijing(timez.now()).replace(second=0, microsecond=0).isoformat()


def _today(case: Case, actor: User) -> str:
    from lawtrail.lib import timez

    return timez.beijing(timez.now()).date().isoformat()


def _moment(value: Any) -> str:
    from lawtrail.lib import timez

    return timez.beijing(value).replace(second=0, microsecond=0).isoformat() if value else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


SOURCES: dict[str, tuple[str, Source]] = {
    "case.number": ("案号", lambda c, a: _text(c.number)),
    "case.title": ("案由", lambda c, a: c.title),
    "case.facts": ("案情摘要", lambda c, a: c.facts),
    "case.source": ("案件来源", lambda c, a: c.get_source_display()),
    "case.handler_opinion": ("承办人意见", lambda c, a: c.handler_opinion),
    "case.investigation_summary": ("调查终结报告", lambda c, a: c.investigation_summary),
    "case.decision_text": ("处理决定内容", lambda c, a: c.decision_text),
    "case.decision_basis": ("法律依据", lambda c, a: c.decision_basis),
    "case.penalty_amount": ("罚款金额", lambda c, a: _text(c.penalty_amount)),
    "case.execution_result": ("执行情况", lambda c, a: c.execution_result),
    "case.registered_at": ("登记时间", lambda c, a: _moment(c.registered_at)),
    "case.filed_at": ("立案时间", lambda c, a: _moment(c.filed_at)),
    "party.name": ("当事人姓名或名称", lambda c, a: c.party.name),
    "party.kind": ("当事人类型", lambda c, a: c.party.get_kind_display()),
    "party.identifier": ("身份证号码或统一社会信用代码", lambda c, a: c.party.identifier),
    "party.legal_representative": ("法定代表人(负责人)", lambda c, a: c.party.legal_representative),
    "party.address": ("住所(地址)", lambda c, a: c.party.address),
    "party.phone": ("联系电话", lambda c, a: c.party.phone),
    "officers": ("本案执法人员及执法证号", _officers),
    "officers.count": ("本案执法人员人数", _officer_count),
    "handler.name": ("承办人", lambda c, a: c.handler.display_name),
    "handler.cert_no": ("承办人执法证号", lambda c, a: _text(c.handler.cert_no)),
    "actor.name": ("填写人", lambda c, a: a.display_name),
    "actor.cert_no": ("填写人执法证号", lambda c, a: _text(a.cert_no)),
    "unit.name": ("承办机构", lambda c, a: c.unit.name),
    "agency.name": ("执法机关", lambda c, a: c.agency.name),
    "now": ("当前时间", _now),
    "today": ("当天日期", _today),
}


def prefill_value(source: str, case: Case, actor: User) -> Any:
    return SOURCES[source][1](case, actor)
