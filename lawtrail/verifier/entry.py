"""The bytes of one ledger entry (账本条目), as hashed into the tree.

An entry is UTF-8 JSON without whitespace. Its first members are fixed, in this order, so
the position of an entry and the event it records are bound into its leaf hash:

    {"v":1,"seq":<entry number, from 0>,"event":<domain event id>,"state":<digest or null>,

followed by the event's frozen facts with their keys sorted (action, actor, agency, at,
case, content, object, origin, outcome, payload, reason, reason_code). `state` is the
SHA-256 of the changed object's fields after the action (null for refusals and for events
without an object); `content` repeats the content hashes (sha256, sm3) and object key an
event's payload carries, e.g. for evidence ingested into the vault.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

ENTRY_VERSION = 1
BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")  # China keeps no daylight saving time


# The fixed members, as a format for (seq, event id): `ENTRY_PREFIX % (seq, event_id)`.
ENTRY_PREFIX = b'{"v":%d,' % ENTRY_VERSION + b'"seq":%d,"event":%d,'


def entry_prefix(seq: int, event_id: int) -> bytes:
    return ENTRY_PREFIX % (seq, event_id)


def parse_entry(canonical: bytes) -> dict[str, Any]:
    """The entry as JSON; ValueError if it is not an entry of this format."""
    data = json.loads(canonical.decode("utf-8"))
    if not isinstance(data, dict) or data.get("v") != ENTRY_VERSION:
        raise ValueError("not a ledger entry of format v1")
    if not isinstance(data.get("seq"), int) or not isinstance(data.get("event"), int):
        raise ValueError("ledger entry without seq or event")
    if not canonical.startswith(entry_prefix(data["seq"], data["event"])):
        raise ValueError("ledger entry does not start with its fixed members")
    return data


def describe_entry(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The facts of an entry as labelled lines, for people (Beijing time shown)."""
    actor = data.get("actor") or {}
    obj = data.get("object") or {}
    origin = data.get("origin") or {}
    at = str(data.get("at", ""))
    try:
        moment = dt.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        at = f"{moment.astimezone(BEIJING):%Y-%m-%d %H:%M:%S} 北京时间({at})"
    except ValueError:
        pass
    who = str(actor.get("name") or "系统")
    if actor.get("role"):
        who += f"({actor['role']})"
    if actor.get("cert_no"):
        who += f",执法证号 {actor['cert_no']}"
    lines = [
        ("条目号", str(data.get("seq"))),
        ("领域事件", str(data.get("event"))),
        ("时间", at),
        ("事项", str(data.get("action", ""))),
        ("结果", "完成" if data.get("outcome") == "done" else f"拒绝:{data.get('reason', '')}"),
        ("操作人", who),
        ("对象", f"{obj.get('type', '')} #{obj.get('id', '')} {obj.get('repr', '')}".strip()),
        ("来源", " ".join(str(v) for v in (origin.get("channel"), origin.get("ip"), origin.get("ua")) if v)),
    ]
    if data.get("case") is not None:
        lines.append(("案件", str(data["case"])))
    for name, value in sorted((data.get("content") or {}).items()):
        lines.append((f"内容 {name}", str(value)))
    if data.get("state"):
        lines.append(("对象状态摘要", str(data["state"])))
    return lines
