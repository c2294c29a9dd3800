"""Every action the code records has a Chinese name: the ledger history and the case timeline show
`EVENT_TYPES[action]`, and an action without one would show its code (an English word) to a person."""

from __future__ import annotations

import re
from pathlib import Path

from lawtrail.events.types import EVENT_TYPES

PACKAGE = Path(__file__).resolve().parent.parent / "lawtrail"
RECORDED = re.compile(r'(?:record_event|new_event|domain_action)\(\s*"([a-z_]+\.[a-z_]+)"')


def test_every_recorded_action_has_a_chinese_name() -> None:
    recorded: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for action in RECORDED.findall(path.read_text(encoding="utf-8")):
            recorded.setdefault(action, str(path.relative_to(PACKAGE)))
    assert len(recorded) > 50  # the scan finds the actions (a broken pattern would pass vacuously)
    missing = {action: where for action, where in recorded.items() if action not in EVENT_TYPES}
    assert missing == {}
    assert all(re.search(r"[\u4e00-\u9fff]", EVENT_TYPES[a]) for a in recorded)
