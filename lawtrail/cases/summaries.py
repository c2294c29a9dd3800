"""How the cases app's events read in one line on a timeline (registered with the event model)."""

from __future__ import annotations

from typing import Any

from django.db import models

from lawtrail.cases.choices import ApprovalKind, FollowUpKind, ServiceMethod, Stage


def _label(choices: type[models.TextChoices], value: object) -> str:
    try:
        return str(choices(str(value)).label)
    except ValueError:
        return str(value or "")


def _transition(p: dict[str, Any]) -> str:
    text = f"{_label(Stage, p.get('from'))} → {_label(Stage, p.get('to'))}"
    return text + (f":{p['note']}" if p.get("note") else "")


def _approve(p: dict[str, Any]) -> str:
    verdict = "同意" if p.get("approved") else "不同意"
    return f"{_label(ApprovalKind, p.get('kind'))}:{verdict}。{p.get('opinion', '')}"


SUMMARIES = {
    "case.transition": _transition,
    "case.approve": _approve,
    "case.file": lambda p: f"案号 {p.get('number', '')}" + ("(紧急先行启动)" if p.get("emergency") else ""),
    "case.record_service": lambda p: (f"{p.get('document', '')} · {_label(ServiceMethod, p.get('method'))} · "
                                      f"{p.get('recipient', '')}"),
    "case.record_decision": lambda p: str(p.get("text", ""))[:120],
    "case.register": lambda p: f"{p.get('title', '')} · 当事人 {(p.get('party') or {}).get('name', '')}",
    "case.not_filed": lambda p: str(p.get("opinion", "")),
    "case.schedule_follow_up": lambda p: f"{_label(FollowUpKind, p.get('kind'))} · 期限 {p.get('due_on', '')}",
    "case.record_follow_up": lambda p: f"{_label(FollowUpKind, p.get('kind'))}:{str(p.get('result', ''))[:100]}",
}
