"""The case workflow's hooks: what higher apps plug into a case's steps.

The case app sits below documents and compliance, so it imports neither. It names the points
where they take part, and they register in their AppConfig.ready():

- gates: before a case closes (结案), its case file is bound (装订) or it is archived (归档),
  and before each move, every registered gate lists what is still missing; a non-empty list
  refuses the step (`refuse_if_missing`). The compliance app registers the profile's blocking
  rules, the documents app the 文书 the step needs.
- producers: inside the transaction of a step that the regulations tie to a 文书 (the filing
  approvals, the end of the investigation, the approved decision, each service, the closing,
  the simple procedure's decision, a complaint's intake), every registered producer is
  called with the step's facts; the documents app issues the document of that act.
- providers: reads a case page shows that a higher app knows (the live findings, the issued
  documents a service may serve).

Like Django's signals, the core names the hook and the plug-in registers; registering twice
(a test re-running ready()) keeps one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lawtrail.lib.errors import Conflict

if TYPE_CHECKING:
    from lawtrail.accounts.models import User
    from lawtrail.cases.models import Case, Complaint

# The gates. A move's gate is "move:<stage>"; the three below run every blocking rule.
CLOSE = "close"
BIND = "bind"
ARCHIVE = "archive"
GATE_LABELS = {CLOSE: "结案", BIND: "装订案卷", ARCHIVE: "归档"}

# The acts a producer may answer (the step's facts come as keyword arguments).
FILING_APPROVED = "filing.approved"      # every filing opinion given: 立案审批表
DECISION_RECORDED = "decision.recorded"  # the decision drafted or re-drafted: its 决定书 draft
DECISION_APPROVED = "decision.approved"  # moved to 送达执行: the 决定书 is issued, with its 文号
SERVICE_RECORDED = "service.recorded"    # one service: its 送达回证 (and its proofs)
SERVICE_PROOF = "service.proof"          # proofs added to a recorded service
CASE_CLOSED = "case.closed"              # 结案: 结案审批表
INVESTIGATION_CONCLUDED = "investigation.concluded"  # 调查终结,提交审查: 调查终结报告
DECISION_REVIEWED = "decision.reviewed"  # the legal review and the head approved the decision: 行政处罚(处理)报批表
SIMPLE_DECIDED = "simple.decided"        # 简易程序 decided on the spot: 当场行政处罚决定书
# A complaint's intake steps (the producer gets the Complaint, not a Case): its 登记表 when it
# is registered, 不予受理决定书 or 一次性补证告知书 when it is decided.
COMPLAINT_REGISTERED = "complaint.registered"
COMPLAINT_DECIDED = "complaint.decided"


def move_gate(to: str) -> str:
    return f"move:{to}"


@dataclass(frozen=True)
class Missing:
    """One thing a step still needs, as a person reads it: what, by which text, where to fix it."""

    message: str
    # The text it comes from, with its article: 《中华人民共和国行政处罚法》第四十二条.
    source: str = ""
    # Where it is fixed: a step of the case page ("decision", "service", "documents", …).
    step: str = ""
    # A link to that place, when the registering app knows one.
    url: str = ""
    detail: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["detail"] = self.detail or {}
        return data

    @property
    def text(self) -> str:
        return self.message + (f"(依据{self.source})" if self.source else "")


Gate = Callable[["Case", str], list[Missing]]
Producer = Callable[..., None]

_gates: dict[str, Gate] = {}
_producers: dict[str, dict[str, Producer]] = {}
_providers: dict[str, Callable[..., Any]] = {}


def _key(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register_gate(fn: Gate) -> Gate:
    """`fn(case, gate)` lists what `gate` (CLOSE, BIND, ARCHIVE or move_gate(stage)) still misses."""
    _gates[_key(fn)] = fn
    return fn


def register_producer(act: str, fn: Producer) -> Producer:
    """`fn(case, *, actor, **facts)` runs inside the transaction of `act`."""
    _producers.setdefault(act, {})[_key(fn)] = fn
    return fn


def register_provider(name: str, fn: Callable[..., Any]) -> None:
    _providers[name] = fn


def missing_for(case: Case, gate: str) -> list[Missing]:
    out: list[Missing] = []
    seen: set[str] = set()
    for fn in _gates.values():
        for item in fn(case, gate):
            if item.message not in seen:
                seen.add(item.message)
                out.append(item)
    return out


def refusal(gate: str, missing: list[Missing], *, what: str = "") -> Conflict:
    label = what or GATE_LABELS.get(gate, "办理此步骤")
    lines = "\n".join(f"{i}. {m.text}" for i, m in enumerate(missing, start=1))
    return Conflict("step_incomplete", f"不能{label},尚缺以下{len(missing)}项:\n{lines}",
                    {"gate": gate, "missing": [m.as_dict() for m in missing]})


def refuse_if_missing(case: Case, gate: str, *, what: str = "") -> None:
    missing = missing_for(case, gate)
    if missing:
        raise refusal(gate, missing, what=what)


def produce(act: str, case: Case | Complaint, *, actor: User, **facts: Any) -> None:
    for fn in list(_producers.get(act, {}).values()):
        fn(case, actor=actor, **facts)


def provided(name: str, *args: Any, default: Any = None, **kwargs: Any) -> Any:
    fn = _providers.get(name)
    return default if fn is None else fn(*args, **kwargs)


# Provider names.
FINDINGS = "findings"                    # (case) -> the live findings, for the case page
SERVABLE_DOCUMENTS = "servable_documents"  # (case) -> [(id, label)] the issued 文书 a service may serve
SERVED_DOCUMENT = "served_document"      # (case, id) -> the label of that document, or raises InvalidInput
DECISION_DOCUMENT_FIELDS = "decision_document_fields"  # (case) -> the decision draft's own fields, for the form
# (case, user) -> [(label, url)]: the next step of the case when it is done on another app's page
# (立卷 after 结案 on the case file's page), offered on the case page as one clear button.
NEXT_PAGES = "next_pages"
# (complaint_id) -> {object_type: [object ids]}: the records made on a complaint before it was a
# case (登记表, 补正告知 …), whose events belong to the case's timeline.
COMPLAINT_RECORDS = "complaint_records"
PATROL_FINDINGS = "patrol_findings"      # ([inspection]) -> {id: [finding]} the patrol rules' findings
INSPECTION_EVIDENCE = "inspection_evidence"  # (inspection) -> [id] the recordings that belong to a patrol
