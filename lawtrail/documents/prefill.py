"""Where a new document's fields are pre-filled from: the case, its party, its officers.

A document made on a complaint before (or without) a case reads the complaint through
ComplaintSubject, which answers the same names: the respondent is the party, the officer who
received it the handler, its facts the case's facts. A patrol's document reads its inspection
through InspectionSubject in the same way.

The catalogue names a source per field (`prefill: party.name`); the loader checks the name
against SOURCES, so this module is importable without Django set up (the CLI lists the
catalogue before Django starts). The functions read the case only when called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lawtrail.accounts.models import User
    from lawtrail.cases.models import Case, Complaint, Inspection

Source = Callable[["Case", "User"], Any]


def _officers(case: Case, actor: User) -> str:
    # 执法人员数量、姓名、执法证件编号 (第十四条 of the labour rules, 第九条 of the agriculture rules);
    # where the profile asks the record to show the certificates' 有效期 too (the commission's 第七条:
    # 执法证编号及有效期), each officer's line carries it, so the record itself shows it.
    from lawtrail.profiles.registry import get_profile

    rule = get_profile(case.agency.profile_id).rule("record_officers")
    validity = bool(rule and rule.values.get("cert_validity"))
    people = sorted(case.officers.all(), key=lambda o: (o.pk != case.handler_id, o.pk))
    return "、".join(f"{o.display_name}(执法证号 {o.cert_no}{_validity(o) if validity else ''})"
                    for o in people if o.cert_no)


def _validity(officer: User) -> str:
    if officer.cert_valid_until is None:
        return ""
    start = f"{officer.cert_valid_from.isoformat()}至" if officer.cert_valid_from else "至"
    return f",有效期{start}{officer.cert_valid_until.isoformat()}"


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


def prefill_value(source: str, case: Case | ComplaintSubject | InspectionSubject, actor: User) -> Any:
    return SOURCES[source][1](case, actor)  # type: ignore[arg-type]


class _People:
    """The `.all()` of a case's officers, for a complaint: the officer who received it."""

    def __init__(self, people: list[Any]) -> None:
        self._people = people

    def all(self) -> list[Any]:
        return self._people


class ComplaintSubject:
    """A complaint seen through the names the sources read from a case (see the module's docstring)."""

    number = ""
    handler_opinion = investigation_summary = decision_text = decision_basis = execution_result = ""
    penalty_amount = filed_at = None

    def __init__(self, complaint: Complaint) -> None:
        self.complaint = complaint
        self.title = _matter(complaint.facts)
        self.facts = complaint.facts
        self.registered_at = complaint.received_at
        self.party = complaint.respondent
        self.handler = complaint.received_by
        self.handler_id = complaint.received_by_id
        self.officers = _People([complaint.received_by])
        self.unit = complaint.unit
        self.agency = complaint.agency

    def get_source_display(self) -> str:
        return str(self.complaint.get_kind_display())


class InspectionSubject:
    """A patrol inspection (日常巡视检查) that opened no case, seen through the names the sources
    read from a case: the inspected unit is the party, the patrol's officers are the officers."""

    number = ""
    complaint = None
    handler_opinion = investigation_summary = decision_text = decision_basis = execution_result = ""
    penalty_amount = filed_at = None

    def __init__(self, inspection: Inspection) -> None:
        self.inspection = inspection
        self.title = "日常巡视检查"
        self.facts = inspection.findings
        self.registered_at = inspection.started_at
        self.party = inspection.party
        self.handler = inspection.recorded_by
        self.handler_id = inspection.recorded_by_id
        self.officers = _People(list(inspection.officers.all()))
        self.unit = inspection.unit
        self.agency = inspection.agency

    def get_source_display(self) -> str:
        return "日常巡视检查"


def _matter(facts: str) -> str:
    # 投诉(举报)事项 in one line, for the sentences of the notices ("你于…提出的{matter}").
    first = (facts or "").strip().splitlines()[0] if (facts or "").strip() else ""
    return first[:60]


def _of_complaint(attr: str, fmt: Callable[[Any], str] = _text) -> Source:
    """A source on the complaint the document is made on, or the one the case came from
    (read by name, like _path: mypy cannot type lambdas on these models on a cold cache)."""

    def source(case: Case, actor: User) -> Any:
        complaint: Any = case.complaint
        if complaint is None:
            return ""
        if attr == "complainant_name" and complaint.anonymous:
            return "匿名"
        return fmt(getattr(complaint, attr))

    return source


def _date(value: Any) -> str:
    from lawtrail.lib import timez

    return timez.beijing(value).date().isoformat() if value else ""


def _joined(value: Any) -> str:
    return "\n".join(str(v) for v in value or [])


SOURCES.update({
    "complaint.complainant": ("投诉(举报)人", _of_complaint("complainant_name")),
    "complaint.complainant_phone": ("投诉(举报)人联系电话", _of_complaint("complainant_phone")),
    "complaint.received_at": ("投诉(举报)登记时间", _of_complaint("received_at", _moment)),
    "complaint.received_on": ("投诉(举报)日期", _of_complaint("received_at", _date)),
    "complaint.missing_items": ("需补正的全部内容", _of_complaint("missing_items", _joined)),
    "complaint.decision_reason": ("不予受理理由", _of_complaint("decision_reason")),
})
