"""Where an action comes from (client address, device, channel), carried per request or command.

Actions do not take a request; the recorder reads this context instead, so the same action
records the same facts whether a view, the API, a job or the CLI called it.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Origin:
    channel: str = "system"
    client_ip: str = ""
    user_agent: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


# What a person reads for a channel (events' origin, an evidence record's way in).
CHANNEL_LABELS = {"web": "网页", "api": "接口", "cli": "命令行", "job": "后台任务", "system": "系统",
                  "demo": "演示数据", "bundle": "案卷数据导入", "upload": "网页上传"}


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, "其他方式") if channel else ""


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("lawtrail_origin", default=None)


def current_origin() -> Origin:
    return _origin.get() or Origin()


@contextlib.contextmanager
def origin(value: Origin) -> Iterator[Origin]:
    token = _origin.set(value)
    try:
        yield value
    finally:
        _origin.reset(token)
