"""What the agency's rules say a record's retention is, today (read only; actions.py keeps the floor).

Rules read from the profile (never numbers in code):
- `evidence_retention_<class>`: `keep` a period ({amount, unit}, counted from the recording),
  `case_file` (as long as the case file) or `long_term`;
- `retention_case_file`: the case file's `keep`, a period counted from the case's end, or
  `archives_rules` (按档案管理规定: the regulation names no period, so it never falls due here);
- `retention_document`: an issued document's `keep` (the same forms); without it a document
  is bound into the case file and kept as long as it;
- `long_term_triggers`: the situations (`triggers: [{kind, item, text}]`) that make every record of
  a case long-term (长期保存).

A class the profile says nothing about never falls due: nothing is destroyed without a rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.profiles.registry import PERIOD_LABELS, Profile, Rule, get_profile
from lawtrail.retention.choices import KeptKind

CASE_FILE_CLASS = "case_file"
DOCUMENT_CLASS = "document"


@dataclass(frozen=True)
class Kept:
    """One answer to "how long is this kept": a date, no date (not due by itself) or long-term."""

    kind: str
    until: dt.date | None
    basis: str
    record_class: str
    rule_id: str = ""
    article: str = ""
    quote: str = ""

    def rank(self) -> tuple[int, dt.date]:
        if self.kind == KeptKind.LONG_TERM:
            return (2, dt.date.max)
        if self.kind == KeptKind.INDEFINITE or self.until is None:
            return (1, dt.date.max)
        return (0, self.until)

    def longer_than(self, other: Kept) -> bool:
        return self.rank() > other.rank()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "kind_label": KeptKind(self.kind).label,
                "until": self.until.isoformat() if self.until else None, "basis": self.basis,
                "record_class": self.record_class,
                "rule": {"id": self.rule_id, "article": self.article, "quote": self.quote} if self.rule_id else None}


def longest(options: Iterable[Kept]) -> Kept:
    """The longest of several retentions; on a tie the first one given (its basis is kept)."""
    best: Kept | None = None
    for option in options:
        if best is None or option.longer_than(best):
            best = option
    assert best is not None
    return best


def _cite(profile: Profile, rule: Rule, text: str) -> str:
    return f"《{profile.name}》{rule.article}:{text}"[:500]


def _from_keep(profile: Profile, rule: Rule, record_class: str, start: dt.datetime | None,
               not_started: str) -> Kept:
    keep = rule.values.get("keep")
    fields = {"record_class": record_class, "rule_id": rule.id, "article": rule.article, "quote": rule.quote}
    if keep == "long_term":
        return Kept(KeptKind.LONG_TERM, None, _cite(profile, rule, "长期保存"), **fields)
    if isinstance(keep, dict):
        amount, unit = rule.period("keep")
        if start is None:
            return Kept(KeptKind.INDEFINITE, None, _cite(profile, rule, f"保存期限{amount}{PERIOD_LABELS[unit]},"
                                                                        f"{not_started}"), **fields)
        # Kept until the end of the day (Beijing) the period runs out.
        until = timez.beijing(timez.add_period(start, amount, unit)).date()
        return Kept(KeptKind.PERIOD, until, _cite(profile, rule, f"保存期限{amount}{PERIOD_LABELS[unit]}"), **fields)
    # archives_rules, or anything the code does not know: no date, so never due by itself.
    return Kept(KeptKind.INDEFINITE, None,
                _cite(profile, rule, "按有关档案管理规定保存,本规范未规定具体期限,不自动到期"), **fields)


def case_file(case: Case, profile: Profile | None = None) -> Kept:
    """案卷: by `retention_case_file`, counted from the case's end (结案)."""
    profile = profile or get_profile(case.agency.profile_id)
    rule = profile.rule("retention_case_file")
    if rule is None:
        return Kept(KeptKind.INDEFINITE, None, "本机关适用的规范未规定案卷保存期限,不自动到期", CASE_FILE_CLASS)
    return _from_keep(profile, rule, CASE_FILE_CLASS, case.closed_at, "案件尚未办结,期限未起算")


def document(doc: Document, profile: Profile | None = None) -> Kept:
    profile = profile or get_profile(doc.agency.profile_id)
    rule = profile.rule("retention_document")
    if rule is None:
        if doc.case is None:
            # An intake document on a complaint that never became a case (不予受理决定书 …): no case file
            # to follow, and the profile names no period for it, so it is not due automatically.
            return Kept(KeptKind.INDEFINITE, None, "受理阶段文书未随案卷归档,规范未规定其保存期限,不自动到期",
                        DOCUMENT_CLASS)
        file_kept = case_file(doc.case, profile)
        return Kept(file_kept.kind, file_kept.until, f"文书随案卷归档,与案卷保存期限相同:{file_kept.basis}"[:500],
                    DOCUMENT_CLASS, file_kept.rule_id, file_kept.article, file_kept.quote)
    return _from_keep(profile, rule, DOCUMENT_CLASS, doc.issued_at, "文书尚未签发")


def evidence_class_rule(ev: Evidence, profile: Profile) -> Kept:
    """What the record's own class says (`evidence_retention_<class>`)."""
    rule = profile.rule(f"evidence_retention_{ev.evidence_class}")
    if rule is None or "keep" not in rule.values:
        return Kept(KeptKind.INDEFINITE, None, "规范未规定该类音像资料的保存期限,不自动到期", ev.evidence_class)
    if rule.values["keep"] == "case_file":
        base = {"record_class": ev.evidence_class, "rule_id": rule.id, "article": rule.article, "quote": rule.quote}
        if ev.case_id is None:
            return Kept(KeptKind.INDEFINITE, None, _cite(profile, rule, "与案卷保存期限相同(尚未关联案件)"), **base)
        file_kept = case_file(ev.case, profile)  # type: ignore[arg-type]
        text = f"与案卷保存期限相同({file_kept.basis})"
        return Kept(file_kept.kind, file_kept.until, _cite(profile, rule, text), **base)
    return _from_keep(profile, rule, ev.evidence_class, ev.recorded_start or ev.ingested_at, "")


def trigger_rule(profile: Profile) -> Rule | None:
    return profile.rule("long_term_triggers")


def trigger_item(profile: Profile, kind: str) -> dict[str, str] | None:
    """The item of the profile's long-term rule that names `kind`, or None if the regulation does not."""
    rule = trigger_rule(profile)
    if rule is None:
        return None
    for item in rule.values.get("triggers") or []:
        if isinstance(item, dict) and item.get("kind") == kind:
            return {"kind": kind, "item": str(item.get("item", "")), "text": str(item.get("text", "")),
                    "article": rule.article, "quote": rule.quote}
    return None


def trigger_kinds(profile: Profile) -> list[str]:
    rule = trigger_rule(profile)
    return [str(i.get("kind")) for i in (rule.values.get("triggers") or []) if isinstance(i, dict)] if rule else []


def flag_kept(flag: Any, record_class: str, profile: Profile) -> Kept:
    where = f"(案件 {flag.case.label})" if flag.case_id else ""
    return Kept(KeptKind.LONG_TERM, None,
                f"《{profile.name}》{flag.article}{flag.item}:{flag.text}{where},长期保存"[:500],
                record_class, "long_term_triggers", flag.article, flag.quote)


def evidence_now(ev: Evidence, *, with_twins: bool = True) -> Kept:
    """The record's retention by today's rules: its class, any long-term flag on it or its case,
    and (a record linked to several cases through the same original) the longest of its twins."""
    from lawtrail.retention.models import DisposedEvidence, LongTermFlag

    profile = get_profile(ev.agency.profile_id)
    options = [evidence_class_rule(ev, profile)]
    if ev.retention_long_term:
        rule = profile.rule("evidence_long_term")
        options.append(Kept(KeptKind.LONG_TERM, None, ev.retention_basis or "已转为长期保存", ev.evidence_class,
                            "evidence_long_term" if rule else "", rule.article if rule else "",
                            rule.quote if rule else ""))
    flags = LongTermFlag.objects.filter(evidence=ev)
    if ev.case_id:
        flags = flags | LongTermFlag.objects.filter(case_id=ev.case_id)
    options += [flag_kept(f, ev.evidence_class, profile) for f in flags.select_related("case")]
    if with_twins:
        twins = (Evidence.objects.filter(stored_id=ev.stored_id).exclude(pk=ev.pk)
                 .exclude(pk__in=DisposedEvidence.objects.values("evidence_id")).select_related("case", "agency"))
        for twin in twins:
            kept = evidence_now(twin, with_twins=False)
            where = f"案件 {twin.case.label}" if twin.case_id else f"记录 #{twin.pk}"
            options.append(Kept(kept.kind, kept.until,
                                f"同一原始文件亦为{where}的音像资料,取最长期限:{kept.basis}"[:500],
                                ev.evidence_class, kept.rule_id, kept.article, kept.quote))
    return longest(options)


def case_now(case: Case) -> Kept:
    from lawtrail.retention.models import LongTermFlag

    profile = get_profile(case.agency.profile_id)
    options = [case_file(case, profile)]
    options += [flag_kept(f, CASE_FILE_CLASS, profile) for f in LongTermFlag.objects.filter(case=case)
                .select_related("case")]
    return longest(options)


def document_now(doc: Document) -> Kept:
    from lawtrail.retention.models import LongTermFlag

    profile = get_profile(doc.agency.profile_id)
    options = [document(doc, profile)]
    if doc.case_id is not None:
        options += [flag_kept(f, DOCUMENT_CLASS, profile) for f in LongTermFlag.objects.filter(case_id=doc.case_id)
                    .select_related("case")]
    return longest(options)


def today() -> dt.date:
    return timez.beijing(timez.now()).date()
