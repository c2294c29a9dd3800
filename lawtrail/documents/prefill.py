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


def _path(path: str, fmt: Callable[[Any], str] = _text) -> Source:
    """Read `path` (attributes, and methods such as get_kind_display) from the case, or from
    the acting user when it starts with `actor.`."""

    def read(case: Case, actor: User) -> str:
        value: Any = actor if path.startswith("actor.") else case
        for part in path.removeprefix("actor.").split("."):
            value = getattr(value, part)
            if callable(value):
                value = value()
        return fmt(value)

    return read


SOURCES: dict[str, tuple[str, Source]] = {
    "case.number": ("案号", _path("number")),
    "case.title": ("案由", _path("title")),
    "case.facts": ("案情摘要", _path("facts")),
    "case.source": ("案件来源", _path("get_source_display")),
    "case.handler_opinion": ("承办人意见", _path("handler_opinion")),
    "case.investigation_summary": ("调查终结报告", _path("investigation_summary")),
    "case.decision_text": ("处理决定内容", _path("decision_text")),
    "case.decision_basis": ("法律依据", _path("decision_basis")),
    "case.penalty_amount": ("罚款金额", _path("penalty_amount")),
    "case.execution_result": ("执行情况", _path("execution_result")),
    "case.registered_at": ("登记时间", _path("registered_at", _moment)),
    "case.filed_at": ("立案时间", _path("filed_at", _moment)),
    "party.name": ("当事人姓名或名称", _path("party.name")),
    "party.kind": ("当事人类型", _path("party.get_kind_display")),
    "party.identifier": ("身份证号码或统一社会信用代码", _path("party.identifier")),
    "party.legal_representative": ("法定代表人(负责人)", _path("party.legal_representative")),
    "party.address": ("住所(地址)", _path("party.address")),
    "party.phone": ("联系电话", _path("party.phone")),
    "officers": ("本案执法人员及执法证号", _officers),
    "officers.count": ("本案执法人员人数", _officer_count),
    "handler.name": ("承办人", _path("handler.display_name")),
    "handler.cert_no": ("承办人执法证号", _path("handler.cert_no")),
    "actor.name": ("填写人", _path("actor.display_name")),
    "actor.cert_no": ("填写人执法证号", _path("actor.cert_no")),
    "unit.name": ("承办机构", _path("unit.name")),
    "agency.name": ("执法机关", _path("agency.name")),
    "now": ("当前时间", _now),
    "today": ("当天日期", _today),
}


def prefill_value(source: str, case: Case, actor: User) -> Any:
    return SOURCES[source][1](case, actor)
