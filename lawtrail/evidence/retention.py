"""How long a recording is kept, by class, as the agency's regulation profile says.

The profile's rules `evidence_retention_<class>` carry `keep`: a period ({amount, unit}),
`case_file` (kept as long as the case file: 随卷宗归档保存) or `long_term` (长期保存).
`evidence_long_term` names the situations that make any recording long-term.
Code never knows the numbers; a class the profile says nothing about is "not stated".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lawtrail.lib import timez
from lawtrail.profiles.registry import PERIOD_LABELS, Profile


@dataclass(frozen=True)
class Retention:
    until: dt.date | None
    long_term: bool
    basis: str


def _cite(profile: Profile, article: str, text: str) -> str:
    return f"《{profile.name}》{article}:{text}"[:500]


def retention_for(profile: Profile, evidence_class: str, recorded_at: dt.datetime, *,
                  long_term: bool = False) -> Retention:
    if long_term:
        rule = profile.rule("evidence_long_term")
        where = _cite(profile, rule.article, "长期保存") if rule else "长期保存"
        return Retention(until=None, long_term=True, basis=where)
    rule = profile.rule(f"evidence_retention_{evidence_class}")
    if rule is None or "keep" not in rule.values:
        return Retention(until=None, long_term=False, basis="规范未规定该类音像资料的保存期限")
    keep = rule.values["keep"]
    if keep == "long_term":
        return Retention(until=None, long_term=True, basis=_cite(profile, rule.article, "长期保存"))
    if keep == "case_file":
        return Retention(until=None, long_term=False,
                         basis=_cite(profile, rule.article, "与案卷保存期限相同(随卷宗归档保存)"))
    amount, unit = rule.period("keep")
    # Kept until the end of the day the period runs out, counted from the recording.
    until = timez.beijing(timez.add_period(recorded_at, amount, unit)).date()
    return Retention(until=until, long_term=False,
                     basis=_cite(profile, rule.article, f"保存期限{amount}{PERIOD_LABELS[unit]}"))


def storage_deadline(profile: Profile) -> dt.timedelta | None:
    """How soon after recording a file must be in the system (第三十三条 etc.), if the profile says.

    Working days are counted as calendar days here: only a reminder, the compliance engine judges.
    """
    rule = profile.rule("evidence_storage")
    if rule is None or "within" not in rule.values:
        return None
    amount, unit = rule.period()
    if unit == "hours":
        return dt.timedelta(hours=amount)
    if unit in ("days", "working_days"):
        return dt.timedelta(days=amount)
    return None
