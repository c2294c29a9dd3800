"""One JSON text for one value: the encoding that frozen facts (ledger entries, the record states
events carry) are hashed in. Ground floor: the event recorder and the ledger both use it."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import uuid
from decimal import Decimal
from typing import Any

encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode
_UTC = dt.UTC


class Encoded(list[Any]):
    """A JSON list that carries its `encode()` text, made once with it: an event's frozen records
    are hashed in that text and stored as it, so the writer takes the text instead of encoding
    the list again (an import freezes a hundred records a case). Built whole, never changed."""

    __slots__ = ("text",)

    def __init__(self, items: list[Any], text: str) -> None:
        super().__init__(items)
        self.text = text


def encoded_list(texts: list[str], items: list[Any]) -> Encoded:
    """`items` with the text encode(items) gives, joined from each item's own encode() text
    (`texts`, in order): the encoder writes a list as its items' texts between brackets,
    separated by commas."""
    return Encoded(items, "[" + ",".join(texts) + "]")


def utc_text(moment: dt.datetime | str) -> str:
    """Always six fractional digits, always UTC, always "Z": one text for one instant.

    Also takes the text SQLite holds (Django stores naive UTC "YYYY-MM-DD HH:MM:SS[.ffffff]").
    """
    if type(moment) is str:
        return moment.replace(" ", "T", 1) + ("Z" if len(moment) == 26 else ".000000Z" if len(moment) == 19 else "?")
    assert isinstance(moment, dt.datetime)
    if moment.tzinfo is None:
        # SQLite gives back naive values; Django stores them in UTC.
        moment = moment.replace(tzinfo=_UTC)
    elif moment.utcoffset():
        moment = moment.astimezone(_UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# The records an action freezes share a few moments (an import's documents, their signatures):
# each one's text made once. (Equal datetimes are one instant, and one instant has one text.)
_utc_text_of = functools.lru_cache(maxsize=4096)(utc_text)


def normalize(value: Any) -> Any:
    """A JSON value as it reads back from either database.

    PostgreSQL's jsonb prints an integral float as an integer, whatever its size (1.0 → 1,
    1e16 → 10000000000000000: the float's exact value, as an int here too), and JSON object
    keys are strings; values that JSON cannot hold exactly become text. (Exact type checks
    first: this runs on every event's payload inside the action's transaction.)
    """
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return value
    if t is dict:
        return {k if type(k) is str else str(k): normalize(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [normalize(v) for v in value]
    if t is float:
        if not math.isfinite(value):
            return repr(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, str):  # e.g. a str-valued enum member: JSON stores its value, not str()
        return str.__str__(value)
    if isinstance(value, int):  # an IntEnum and the like
        return int(value)
    if isinstance(value, float):
        return normalize(float(value))
    if isinstance(value, dict):
        return normalize(dict(value))
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return str(value)




def field_value(value: Any) -> Any:
    """A model field's value as a record's frozen state holds it (the same value whether it comes
    from the action's object in memory or from the row read back). Binary content (an issued
    document's PDF) is held by its SHA-256, so a state stays small and still changes with it."""
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return value
    if t is dt.datetime:
        return _utc_text_of(value)
    if isinstance(value, str | int | float | dict | list | tuple):
        return normalize(value)
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if hasattr(value, "resolve_expression"):
        # An F() update not yet read back: the value is not known here, say so.
        return {"expression": str(value)}
    return str(value)
