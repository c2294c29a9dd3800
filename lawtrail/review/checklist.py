"""The 案卷评查 checklist of a profile (its `case_review` entry), as the reviewer scores it.

The national base lists what 《行政处罚法》 makes every case file show; an agency's profile that
restates `case_review` cites its own article on review and 考核, and its `checklist` items replace
the base item of the same id (its own wording, points or article) or join the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lawtrail.lib.errors import InvalidInput
from lawtrail.profiles.registry import base_profile, get_profile

ENTRY = "case_review"


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    points: int
    basis: str  # 《……》第X条, as a person reads it

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "points": self.points, "basis": self.basis}


@dataclass(frozen=True)
class Checklist:
    profile_id: str
    basis: str  # the article that makes the agency review (or, for the base, record) its case files
    quote: str
    items: tuple[Item, ...]

    @property
    def total(self) -> int:
        return sum(i.points for i in self.items)


def _items(raw: Any, regulation: str) -> list[Item]:
    out = []
    for entry in raw or []:
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("text"):
            raise InvalidInput("bad_checklist", "评查项目须有 id 和内容")
        points = entry.get("points")
        if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
            raise InvalidInput("bad_checklist", f"评查项目「{entry['text']}」的分值须为正整数")
        law = str(entry.get("law") or regulation)
        out.append(Item(id=str(entry["id"]), text=str(entry["text"]), points=points,
                        basis=f"{law}{entry.get('article', '')}"))
    return out


def checklist_for(profile_id: str) -> Checklist:
    """The profile's checklist: the base's items, each replaced or joined by the profile's own."""
    profile = get_profile(profile_id)
    rule = profile.rule(ENTRY)
    base = base_profile().rule(ENTRY)
    if rule is None or base is None:
        raise InvalidInput("no_checklist", "本机关适用的规范未配置案卷评查项目")
    regulation = f"《{profile.name}》"
    items = {i.id: i for i in _items(base.values.get("checklist"), base.law)}
    if rule is not base:
        for item in _items(rule.values.get("checklist"), rule.law or regulation):
            items[item.id] = item
    return Checklist(profile_id=profile.id, basis=f"{rule.law or regulation}{rule.article}", quote=rule.quote,
                     items=tuple(items.values()))
