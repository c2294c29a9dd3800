"""The compliance engine: pure functions over a case bundle and a regulation profile.

Each check is a small function registered under the rule id a profile uses. The engine runs
the checks of the rules the profile has (a profile without `emergency_start` is never asked
about emergency starts) and turns what they report into findings that cite the rule's article.

A finding is `blocking` (the case may not make the moves the rule names until it is fixed) or
a `warning`. The default severity and the moves a rule blocks are declared here, next to the
check; a profile may override both with `severity:` and `blocks:`. Severity follows the text:
an 应当/必须/不得 duty blocks, a 可以/宜/一般 one warns (tests/test_compliance_severity.py).

A lapse nothing can undo (a deadline already passed) is reported as LAPSE: it blocks until its
reason is recorded and a leader has acknowledged it (the bundle's `lapses`, 逾期说明), and then
stays as a warning, visible to supervision.

No database, no clock of its own (`now` is given): the same bundle and profile always give
the same findings, so the engine can run over 100,000 bundles or inside a page request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from lawtrail.compliance.bundle import parse_time
from lawtrail.profiles.registry import Profile, Rule

BLOCKING = "blocking"
WARNING = "warning"
# A check's mark for a lapse that cannot be undone; the engine turns it into one of the two above.
LAPSE = "lapse"
ANY_MOVE = "*"
CASE_SUBJECT = "case"

# (subject, message) or (subject, message, severity) — a check may soften one finding.
Report = tuple[str, str] | tuple[str, str, str]
Check = Callable[["Context", Rule], Iterable[Report]]


@dataclass(frozen=True)
class RuleSpec:
    id: str
    check: Check
    severity: str
    blocks: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Finding:
    profile: str
    article: str
    rule: str
    severity: str
    subject: str
    message: str
    blocks: tuple[str, ...] = ()
    # The text the rule comes from: the agency's regulation (《名山区…实施细则》) or the national
    # law every profile extends (《中华人民共和国行政处罚法》).
    source: str = ""
    # A lapse that cannot be undone: its reason and a leader's acknowledgement are what clear it.
    lapse: bool = False

    @property
    def cite(self) -> str:
        return f"{self.source}{self.article}"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["blocks"] = list(self.blocks)
        return data

    def blocks_move(self, to_stage: str) -> bool:
        return self.severity == BLOCKING and (ANY_MOVE in self.blocks or to_stage in self.blocks)


REGISTRY: dict[str, RuleSpec] = {}


def check(*rule_ids: str, label: str, severity: str = BLOCKING,
          blocks: tuple[str, ...] = (ANY_MOVE,)) -> Callable[[Check], Check]:
    """Register `fn` as the check of these rule ids (one check may serve several ids)."""
    def register(fn: Check) -> Check:
        for rule_id in rule_ids:
            REGISTRY[rule_id] = RuleSpec(rule_id, fn, severity, blocks, label)
        return fn
    return register


@dataclass(frozen=True)
class DeadlineReport:
    """A deadline of the regulation as it stands for one case (期限预警): what is due (`label`, in
    Chinese), by when, from when it is near (`warn_at`), and when it was done (`met_at`), if it was.
    The store turns it into a state (pending / near / overdue / met) against the clock."""

    profile: str
    rule: str
    article: str
    source: str
    subject: str
    label: str
    due_at: dt.datetime
    warn_at: dt.datetime
    met_at: dt.datetime | None = None

    def state(self, now: dt.datetime) -> str:
        if self.met_at is not None:
            return "met"
        if now > self.due_at:
            return "overdue"
        if now >= self.warn_at:
            return "near"
        return "pending"


@dataclass(frozen=True)
class Evaluation:
    findings: list[Finding]
    deadlines: list[DeadlineReport]


# When a deadline turns yellow, unless the profile says otherwise (its `deadline_warning`, or a
# rule's own `warn_before`): two days before for a deadline counted in days, six hours before
# for one counted in hours (two days' warning of a 24-hour deadline would be yellow from its start).
DEFAULT_WARNING = {"default": (2, "days"), "hours": (6, "hours")}


def warn_before(profile: Profile, rule: Rule, key: str = "within") -> tuple[int, str]:
    """How long before its due time a deadline of `rule` is near: the rule's `warn_before`, else the
    profile's default for deadlines counted in hours or in days."""
    own = rule.values.get("warn_before")
    if isinstance(own, dict):
        return int(own["amount"]), str(own["unit"])
    unit = rule.period(key)[1] if key in rule.values else "days"
    kind = "hours" if unit == "hours" else "default"
    given = (profile.deadline_warning or {}).get(kind)
    if isinstance(given, dict):
        return int(given["amount"]), str(given["unit"])
    return DEFAULT_WARNING[kind]


def _before(due: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == "hours":
        return due - dt.timedelta(hours=amount)
    if unit == "working_days":
        # A warning counts calendar days: a reminder two working days ahead adds nothing a
        # person needs, and the official calendar would cost a lookup per deadline.
        return due - dt.timedelta(days=amount)
    if unit == "months":
        return due - dt.timedelta(days=30 * amount)
    if unit == "years":
        return due - dt.timedelta(days=365 * amount)
    return due - dt.timedelta(days=amount)


class Context:
    """The bundle with its lookups prepared once, shared by every check of one evaluation."""

    def __init__(self, bundle: dict[str, Any], profile: Profile, now: dt.datetime) -> None:
        self.deadlines: list[DeadlineReport] = []
        self._rule: Rule | None = None
        self.bundle = bundle
        self.profile = profile
        self.now = now
        self.case: dict[str, Any] = bundle["case"]
        self.officers = {o["id"]: o for o in bundle["officers"]}
        self.media = {m["id"]: m for m in bundle["media"]}
        self.documents = {d["id"]: d for d in bundle["documents"]}
        self.lapses = {(n["rule"], n["subject"]): n for n in bundle.get("lapses") or []}
        self._times: dict[str, dt.datetime] = {}

    def deadline(self, subject: str, label: str, due_at: dt.datetime, *, met_at: dt.datetime | None = None,
                 key: str = "within") -> None:
        """Report a deadline of the rule being checked (期限预警), next to its findings: `label` says in
        Chinese what is due, `met_at` when it was done (None while it is not)."""
        rule = self._rule
        assert rule is not None, "ctx.deadline() is called from a check"
        amount, unit = warn_before(self.profile, rule, key)
        self.deadlines.append(DeadlineReport(
            profile=self.profile.id, rule=rule.id, article=rule.article, source=rule.law or f"《{self.profile.name}》",
            subject=subject, label=label, due_at=due_at, warn_at=_before(due_at, amount, unit), met_at=met_at))

    def settle_lapse(self, rule_id: str, subject: str, message: str) -> tuple[str, str]:
        """A lapse blocks until its reason is recorded and acknowledged, then stays as a warning."""
        note = self.lapses.get((rule_id, subject))
        if note is not None and note.get("acknowledged_at"):
            return WARNING, (f"{message}(逾期原因:{note['reason']};"
                             f"{note.get('acknowledged_by_name') or '负责人'}已确认)")
        if note is not None:
            return BLOCKING, f"{message}(逾期原因已记录,待负责人确认)"
        return BLOCKING, f"{message}:请记录逾期原因并报负责人确认"

    def time(self, value: str | None) -> dt.datetime | None:
        if not value:
            return None
        moment = self._times.get(value)
        if moment is None:
            try:
                moment = self._times[value] = parse_time(value)
            except ValueError:
                return None
        return moment

    def live_documents(self, types: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Documents that stand: issued ones (a draft is still being written; a superseded one was corrected)."""
        wanted = set(types) if types is not None else None
        for doc in self.bundle["documents"]:
            if doc["status"] == "issued" and (wanted is None or doc["type"] in wanted):
                yield doc

    def doc_time(self, doc: dict[str, Any], key: str) -> dt.datetime | None:
        value = doc["fields"].get(key)
        return self.time(value) if isinstance(value, str) else None

    def doc_moment(self, doc: dict[str, Any]) -> dt.datetime | None:
        return self.doc_time(doc, "started_at") or self.time(doc.get("issued_at")) or self.time(doc["created_at"])


def evaluate(bundle: dict[str, Any], profile: Profile, *, now: dt.datetime) -> list[Finding]:
    """Every finding of `bundle` under `profile`, blocking first, in the profile's rule order."""
    return evaluate_all(bundle, profile, now=now).findings


def evaluate_all(bundle: dict[str, Any], profile: Profile, *, now: dt.datetime) -> Evaluation:
    """The findings of `bundle` under `profile` (as `evaluate`) and the deadlines its checks reported."""
    # The checks are registered by lawtrail.compliance.rules, which the app imports when Django starts.
    ctx = Context(bundle, profile, now)
    findings: list[Finding] = []
    for rule_id, rule in profile.rules.items():
        spec = REGISTRY.get(rule_id)
        if spec is None:
            continue
        ctx._rule = rule
        severity = str(rule.values.get("severity", spec.severity))
        blocks = tuple(rule.values.get("blocks", spec.blocks))
        for report in spec.check(ctx, rule):
            subject, message = report[0], report[1]
            sev = report[2] if len(report) == 3 else severity
            lapse = sev == LAPSE
            if lapse:
                sev, message = ctx.settle_lapse(rule_id, subject, message)
            findings.append(Finding(profile=profile.id, article=rule.article, rule=rule_id, severity=sev,
                                    subject=subject, message=message, lapse=lapse,
                                    blocks=blocks if sev == BLOCKING else (), source=rule.law or f"《{profile.name}》"))
    ctx._rule = None
    findings.sort(key=lambda f: 0 if f.severity == BLOCKING else 1)
    return Evaluation(findings, ctx.deadlines)


def known_rules() -> dict[str, RuleSpec]:
    return dict(REGISTRY)
