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
