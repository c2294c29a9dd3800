"""Text hygiene: the invisible characters that can make a displayed name lie.

Bidirectional controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, and the
marks U+200E, U+200F, U+061C) reorder what is shown: 「合同‮gpj.exe」 reads as a picture.
Zero-width characters (U+200B–U+200D, U+2060, U+FEFF) make two different names look the same.
Neither has a use in the names and titles of enforcement records. Names and titles refuse them
(the person typing is told which field); free text and file names, which are facts as received
(pasted from a word processor, written by a camera), keep their words with these removed.
"""

from __future__ import annotations

import re

from lawtrail.lib.errors import InvalidInput

_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff"
_PATTERN = re.compile(f"[{_CONTROLS}]")


def has_invisible_controls(value: str) -> bool:
    return bool(_PATTERN.search(value))


def neutralise(value: str) -> str:
    """`value` without bidirectional and zero-width controls."""
    return _PATTERN.sub("", value)


def refuse_invisible_controls(value: str, field: str, label: str) -> str:
    if has_invisible_controls(value):
        raise InvalidInput("invisible_characters",
                           f"{label}包含改变文字显示方向或不可见的控制字符,请删除后重新输入", {"field": field})
    return value


def clean_text(value: str | None, field: str, label: str, *, required: bool = True, max_len: int = 200) -> str:
    """A name or short text a form gives: stripped, present where `required`, at most `max_len`
    characters, and free of invisible controls; each refusal names the field."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput("missing_field", f"请填写{label}", {"field": field})
    if len(value) > max_len:
        raise InvalidInput("too_long", f"{label}最长{max_len}个字", {"field": field})
    return refuse_invisible_controls(value, field, label)
