"""A document's field values: parsed from input by their catalogue type, and shown to people.

Values are kept as JSON: text as strings, dates as ISO dates, moments as ISO times with the
Beijing offset, amounts as decimal strings, lists as lists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from lawtrail.documents.catalogue import TEXT_MAX, TEXTAREA_MAX, DocumentType, FieldSpec
from lawtrail.lib import timez
from lawtrail.lib.errors import InvalidInput

_CELL_SEPARATORS = ("｜", "\t")


def _bad(spec: FieldSpec, message: str) -> InvalidInput:
    return InvalidInput("invalid_field", f"{spec.label}:{message}", {"field": spec.key})


def _storable(spec: FieldSpec, text: str) -> str:
    if "\x00" in text:
        raise _bad(spec, "不能包含空字符")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad(spec, "包含无法保存的字符")
    return text


def _string(spec: FieldSpec, value: Any, limit: int) -> str:
    if not isinstance(value, str | int | float | Decimal) or isinstance(value, bool):
        raise _bad(spec, "应为文字")
    text = _storable(spec, str(value).replace("\r\n", "\n").strip())
    if len(text) > limit:
        raise _bad(spec, f"不能超过 {limit} 个字")
    return text


def _moment(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _bad(spec, "时间格式应为 2026-04-20T09:30+08:00")
    if not isinstance(value, dt.datetime):
        raise _bad(spec, "应为时间")
    if value.tzinfo is None:
        # A naive time's zone would be a guess, and deadlines are computed from these.
        raise _bad(spec, "时间须注明时区(如 +08:00)")
    if not 1990 <= value.year <= 2100:
        raise _bad(spec, "时间应在 1990 年至 2100 年之间")
    return timez.beijing(value).replace(second=0, microsecond=0).isoformat()


def _date(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, dt.datetime):
        raise _bad(spec, "应为日期")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _bad(spec, "日期格式应为 2026-04-20")
    if not isinstance(value, dt.date):
        raise _bad(spec, "应为日期")
    if not 1990 <= value.year <= 2100:
        raise _bad(spec, "日期应在 1990 年至 2100 年之间")
    return value.isoformat()


def _amount(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _bad(spec, "应为金额")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise _bad(spec, "应为金额,如 2000.00")
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12") or amount != amount.quantize(Decimal("0.01")):
        raise _bad(spec, "应为不小于 0、最多两位小数的金额")
    return str(amount.quantize(Decimal("0.01")))


def _integer(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise _bad(spec, "应为整数")
    try:
        number = int(str(value).strip()) if isinstance(value, str) else value
    except ValueError:
        raise _bad(spec, "应为整数")
    if not isinstance(number, int) or not 0 <= number <= 1_000_000:
        raise _bad(spec, "应为 0 至 1000000 之间的整数")
    return number


def _lines(spec: FieldSpec, value: Any) -> list[str]:
    items = value.splitlines() if isinstance(value, str) else value
    if not isinstance(items, list) or len(items) > 200:
        raise _bad(spec, "应为不超过 200 项的列表")
    return [t for t in (_string(spec, i, TEXT_MAX) for i in items) if t]


def _table(spec: FieldSpec, value: Any) -> list[list[str]]:
    rows = value.splitlines() if isinstance(value, str) else value
    if not isinstance(rows, list) or len(rows) > 200:
        raise _bad(spec, "应为不超过 200 行的表格")
    out = []
    for row in rows:
        if isinstance(row, str):
            for sep in _CELL_SEPARATORS:
                row = row.replace(sep, "|")
            cells = row.split("|")
        elif isinstance(row, list):
            cells = row
        else:
            raise _bad(spec, "每行应为各栏的列表")
        texts = [_string(spec, c, TEXT_MAX) for c in cells]
        if len(texts) > len(spec.columns):
            raise _bad(spec, f"每行最多 {len(spec.columns)} 栏({'、'.join(spec.columns)})")
        if any(texts):
            out.append(texts + [""] * (len(spec.columns) - len(texts)))
    return out


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list) and not (value.strip() if isinstance(value, str) else value))


def clean_value(spec: FieldSpec, value: Any) -> Any:
    """The stored form of `value` for this field, or None when it is empty."""
    if _empty(value):
        return None
    cleaned: Any
    if spec.type == "text":
        cleaned = _string(spec, value, TEXT_MAX)
    elif spec.type == "textarea":
        cleaned = _string(spec, value, TEXTAREA_MAX)
    elif spec.type == "datetime":
        cleaned = _moment(spec, value)
    elif spec.type == "date":
        cleaned = _date(spec, value)
    elif spec.type == "amount":
        cleaned = _amount(spec, value)
    elif spec.type == "integer":
        cleaned = _integer(spec, value)
    elif spec.type == "choice":
        cleaned = _string(spec, value, TEXT_MAX)
        if cleaned not in spec.options:
            raise _bad(spec, f"应为以下之一:{'、'.join(spec.options)}")
    elif spec.type == "multichoice":
        picked = _lines(spec, value)
        unknown = [x for x in picked if x not in spec.options]
        if unknown:
            raise _bad(spec, f"「{'、'.join(unknown)}」不是可选项,应从以下选择:{'、'.join(spec.options)}")
        # Kept in the catalogue's order, once each: two forms ticking the same boxes store the same value.
        cleaned = [o for o in spec.options if o in picked]
    elif spec.type == "lines":
        cleaned = _lines(spec, value)
    elif spec.type == "table":
        cleaned = _table(spec, value)
    else:  # pragma: no cover — the loader admits only the types above
        raise _bad(spec, "未知的字段类型")
    return None if _empty(cleaned) else cleaned


def clean_fields(doc_type: DocumentType, data: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """`base` with `data` applied: unknown keys are refused, empty values remove the key."""
    if not isinstance(data, dict):
        raise InvalidInput("invalid_field", "文书内容应为「字段: 值」的映射", {"field": "fields"})
    result = dict(base or {})
    for key, value in data.items():
        spec = doc_type.field(str(key))
        if spec is None:
            raise InvalidInput("unknown_field", f"「{doc_type.name}」没有字段「{key}」", {"field": str(key)})
        cleaned = clean_value(spec, value)
        if cleaned is None:
            result.pop(spec.key, None)
        else:
            result[spec.key] = cleaned
    check_order(doc_type, result)
    return result


def check_order(doc_type: DocumentType, values: dict[str, Any]) -> None:
    for spec in doc_type.fields:
        if spec.after and values.get(spec.key) and values.get(spec.after):
            if values[spec.key] <= values[spec.after]:
                other = doc_type.field(spec.after)
                raise InvalidInput("bad_time_range", f"{spec.label}应晚于{other.label if other else spec.after}",
                                   {"field": spec.key})


def missing_mandatory(doc_type: DocumentType, values: dict[str, Any]) -> list[FieldSpec]:
    """Every mandatory field left empty, in the form's order (all of them at once, not one a try)."""
    return [spec for spec in doc_type.fields if spec.required and _empty(values.get(spec.key))]


# ---------------------------------------------------------------- display


def show_moment(value: str) -> str:
    moment = timez.beijing(dt.datetime.fromisoformat(value))
    return f"{moment.year}年{moment.month}月{moment.day}日{moment.hour}时{moment.minute:02d}分"


def show_date(value: str) -> str:
    day = dt.date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def display(spec: FieldSpec, value: Any) -> str:
    """One line of text for the value (lists joined), as printed on the document."""
    if _empty(value):
        return ""
    if spec.type == "datetime":
        return show_moment(str(value))
    if spec.type == "date":
        return show_date(str(value))
    if spec.type == "amount":
        return f"{value}"
    if spec.type == "lines":
        return ";".join(str(v) for v in value)
    if spec.type == "multichoice":
        return "、".join(str(v) for v in value)
    if spec.type == "table":
        return ";".join(" ".join(c for c in row if c) for row in value)
    return str(value)


def display_parts(spec: FieldSpec, value: Any) -> list[str]:
    """Each piece of text the printed document must show for the value (for lists: each item)."""
    if _empty(value):
        return []
    if spec.type in ("lines", "multichoice"):
        return [str(v) for v in value]
    if spec.type == "table":
        return [c for row in value for c in row if c]
    return [display(spec, value)]


def form_text(spec: FieldSpec, value: Any) -> str:
    """The value as a form's text input shows it, so that submitting it back gives the same value."""
    if _empty(value):
        return ""
    if spec.type in ("lines", "multichoice"):
        return "\n".join(value)
    if spec.type == "table":
        return "\n".join(" | ".join(row) for row in value)
    if spec.type == "datetime":
        return timez.beijing(dt.datetime.fromisoformat(str(value))).strftime("%Y-%m-%dT%H:%M")
    return str(value)
