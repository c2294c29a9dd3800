"""The case file formed within 30 days of the decision document (the commission's 第五条) beside
30 days from the end of the act (its 第十九条); and labour 第五条's 声像信息不得剪接、删改 cited by the
check that finds an altered or lost original."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.defects import doc, shift
from lawtrail.compliance.engine import BLOCKING, evaluate_all
from lawtrail.profiles.registry import get_profile

NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
RULE = "case_file_after_decision"


def run(b: dict[str, Any], profile_id: str = "commission-rules", now: dt.datetime = NOW) -> Any:
    return evaluate_all(bundles.validate(b), get_profile(profile_id), now=now)


def closed_a_week_after_the_decision() -> dict[str, Any]:
    b = copy.deepcopy(bundles.example("commission-rules"))
    issued = doc(b, "penalty_decision")["issued_at"]
    b["case"].update(closed_at=shift(issued, hours=24 * 7))
    return b


def test_决定书作出后30日内形成案卷_期限自决定书签发起算并登记为期限_委员会第五条() -> None:
    b = closed_a_week_after_the_decision()
    issued = bundles.parse_time(doc(b, "penalty_decision")["issued_at"])
    b["case_file"] = None
    result = run(b, now=issued + dt.timedelta(days=20))
    assert [f for f in result.findings if f.rule == RULE] == []
    [deadline] = [d for d in result.deadlines if d.rule == RULE]
    assert deadline.article == "第五条" and deadline.label == "决定书作出后形成案卷" and deadline.met_at is None
    assert deadline.due_at == issued + dt.timedelta(days=30)
    # 第十九条's own deadline, from closing, is later: the earlier one is the one to meet.
    [from_closing] = [d for d in result.deadlines if d.rule == "case_file"]
    assert from_closing.due_at > deadline.due_at

    late = run(b, now=issued + dt.timedelta(days=31))
    assert [(f.severity, f.article) for f in late.findings if f.rule == RULE] == [(BLOCKING, "第五条")]
    assert [f.rule for f in late.findings if f.rule == "case_file"] == []  # 第十九条's 30 days are not over yet


def test_决定书作出30日后才形成案卷的_为逾期_须说明原因() -> None:
    b = closed_a_week_after_the_decision()
    issued = doc(b, "penalty_decision")["issued_at"]
    b["case_file"] = {"assembled_at": shift(issued, hours=24 * 29)}
    assert [f for f in run(b).findings if f.rule == RULE] == []
    b["case_file"] = {"assembled_at": shift(issued, hours=24 * 35)}
    [lapse] = [f for f in run(b).findings if f.rule == RULE]
    assert lapse.lapse and lapse.severity == BLOCKING and "决定书作出30日后才形成" in lapse.message


def test_履行或强制执行超过决定后30日的_以行为终结之日起30日为准_委员会第十九条() -> None:
    # The shipped example: decided in March, enforced by the court, closed in May, filed a week later.
    b = copy.deepcopy(bundles.example("commission-rules"))
    result = run(b)
    assert [f for f in result.findings if f.rule in (RULE, "case_file")] == []
    assert [d.rule for d in result.deadlines if d.rule in (RULE, "case_file")] == ["case_file"]


def test_声像信息被剪接删改的_检查引用劳动保障监察第五条() -> None:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    assert [f for f in run(b, "labor-inspection").findings if f.rule == "evidence_no_alteration"] == []
    b["media"][0]["fixity_ok"] = False
    [found] = [f for f in run(b, "labor-inspection").findings if f.rule == "evidence_no_alteration"]
    assert (found.article, found.severity, found.subject) == ("第五条", BLOCKING, b["media"][0]["id"])
    assert "可能被删改或损毁" in found.message
