"""我的待办: what waits for a person, gathered from the apps that know it.

Each domain app knows its own waiting work (the case workflow its approvals, the archive the
case files to bind, retention the disposal requests …) but the page that gathers them sits at the
top (lawtrail/web). So the apps register a source here in their AppConfig.ready(), and the page
asks every source; no lower app imports the page, and the page imports no app's internals.

A source answers for one user with at most `LIMIT + 1` items, in a bounded number of queries
(never one per case): a source that cannot say "more than LIMIT" cheaply must not be listed as
counted in the badge (`badge=False`), and the page says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# How many items one source lists; the count shows "50+" past it.
LIMIT = 50

# The groups, in the order the page shows them.
APPROVAL = "approval"
FILING = "filing"
FINDING = "finding"
DEADLINE = "deadline"
GROUP_LABELS = {APPROVAL: "待我审批", FILING: "待我装订归档", FINDING: "待我整改的检查发现", DEADLINE: "期限提醒"}


@dataclass(frozen=True)
class Item:
    """One thing waiting: what it is (案号, 编号), what it is about, what is asked, where to do it."""

    title: str
    detail: str
    asked: str
    url: str
    due: dt.datetime | None = None
    overdue: bool = False
    # A deadline's state where the source knows it: "near" (yellow) or "overdue" (red).
    state: str = ""


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    group: str
    fn: Callable[[Any], list[Item]]
    order: int = 100
    badge: bool = True


_sources: dict[str, Source] = {}


def register(key: str, label: str, group: str, fn: Callable[[Any], list[Item]], *, order: int = 100,
             badge: bool = True) -> None:
    """`fn(user)` lists what waits for `user` (at most LIMIT + 1 items). Registering again replaces."""
    if group not in GROUP_LABELS:
        raise ValueError(f"unknown inbox group {group!r}")
    _sources[key] = Source(key, label, group, fn, order, badge)


def sources() -> list[Source]:
    return sorted(_sources.values(), key=lambda s: (list(GROUP_LABELS).index(s.group), s.order, s.key))


@dataclass
class Section:
    source: Source
    items: list[Item]

    @property
    def count(self) -> int:
        return min(len(self.items), LIMIT)

    @property
    def more(self) -> bool:
        return len(self.items) > LIMIT

    @property
    def shown(self) -> list[Item]:
        return self.items[:LIMIT]


def gather(user: Any, *, badge_only: bool = False) -> list[Section]:
    out: list[Section] = []
    for source in sources():
        if badge_only and not source.badge:
            continue
        out.append(Section(source, list(source.fn(user))[:LIMIT + 1]))
    return out


def badge_count(user: Any) -> int:
    """The number in the menu: every counted source's items (each capped at LIMIT)."""
    return sum(s.count for s in gather(user, badge_only=True))
