"""Case bundles (案件数据包): a whole case as one JSON document, version 1.

The format is described in docs/bundle.md and by `bundle.schema.json` next to this file. A
bundle is what `lawtrail bundle export` writes and `lawtrail bundle import` reads, and it is
the compliance engine's only input: the engine never touches the database.

Importable without Django (the CLI reads a bundle file before Django is set up).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import marshal
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from lawtrail.lib.errors import InvalidInput

FORMAT = "lawtrail-case-bundle"
VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "bundle.schema.json"
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

# Every place a bundle refers to another of its items: (list, field, target list, many).
REFERENCES: tuple[tuple[str, str, str, bool], ...] = (
    ("documents", "officers", "officers", True),
    ("documents", "media", "media", True),
    ("services", "media", "media", True),
    ("services", "approval_document", "documents", False),
    ("services", "receipt_document", "documents", False),
    ("approvals", "by", "officers", False),
    ("transitions", "by", "officers", False),
    ("media", "officer", "officers", False),
    ("interruptions", "before", "media", False),
    ("interruptions", "after", "media", False),
    ("interruptions", "voice_note", "media", False),
    ("lapses", "recorded_by", "officers", False),
    ("lapses", "acknowledged_by", "officers", False),
    ("accountability", "officer", "officers", False),
    ("recording_stops", "reported_to", "officers", False),
    ("text_records", "media", "media", False),
)
ID_LISTS = ("parties", "officers", "approvals", "transitions", "services", "documents", "media", "interruptions")
# Lists a bundle may leave out (later additions to the format).
OPTIONAL_ID_LISTS = ("follow_ups", "accountability", "recording_stops", "text_records")


class BundleError(InvalidInput):
    pass


@functools.cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


@functools.cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(schema())


def json_path(parts: list[str | int] | tuple[str | int, ...]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _fail(path: str, message: str) -> BundleError:
    return BundleError("bad_bundle", f"案件数据包 {path} 处有误:{message}", {"path": path})


@dataclass(frozen=True)
class Checked:
    """A bundle that validate() accepted, with its bundle_hash(): what the import takes without
    validating and hashing it again. The bulk import has a second process check the next batch's
    texts (`check_texts`) while it writes the current one, and takes each accepted bundle's value
    and hash from it."""

    data: dict[str, Any]
    digest: str


def check_texts(texts: list[str | bytes]) -> list[tuple[str, bytes] | None]:
    """For each text (or its UTF-8 bytes), when it decodes to a valid bundle: its bundle_hash()
    and the bundle's value packed by `marshal` (the importer unpacks it in a quarter less time
    than it would decode the JSON: the values only, no parsing); else None (the importer then
    validates it itself, and refuses it with the path of its fault). Packed for a process of the
    same interpreter only, as marshal's format is."""
    out: list[tuple[str, bytes] | None] = []
    for text in texts:
        try:
            # (Bytes read as UTF-8, as the importer reads them: not json's guess of an encoding.)
            bundle = loads(text.decode("utf-8") if isinstance(text, bytes) else text)
        except (InvalidInput, UnicodeDecodeError):
            out.append(None)
            continue
        out.append((bundle_hash(bundle), marshal.dumps(bundle)))
    return out


def bundle_hash(bundle: dict[str, Any]) -> str:
    """SHA-256 of the bundle's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(bundle, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=65536)  # (an import reads each bundle's few moments many times)
def parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("naive")
    return moment


def validate(data: Any) -> dict[str, Any]:
    """The bundle, if it is one; otherwise BundleError naming the JSON path of the first mistake."""
    for err in _validator().iter_errors(data):
        where: list[str | int] = [p if isinstance(p, int) else str(p) for p in err.instance_path]
        raise _fail(json_path(where), str(err.message))
    assert isinstance(data, dict)
    ids: dict[str, set[str]] = {}
    for name in ID_LISTS:
        seen: set[str] = set()
        for i, item in enumerate(data[name]):
            if item["id"] in seen:
                raise _fail(json_path([name, i, "id"]), f"编号 {item['id']} 重复")
            seen.add(item["id"])
        ids[name] = seen
    for name in OPTIONAL_ID_LISTS:
        seen = set()
        for i, item in enumerate(data.get(name) or []):
            if item["id"] in seen:
                raise _fail(json_path([name, i, "id"]), f"编号 {item['id']} 重复")
            seen.add(item["id"])
        ids[name] = seen
    case = data["case"]
    if case["party"] not in ids["parties"]:
        raise _fail("$.case.party", f"当事人 {case['party']} 不在 parties 中")
    for key in ("handler",):
        if case[key] not in ids["officers"]:
            raise _fail(f"$.case.{key}", f"执法人员 {case[key]} 不在 officers 中")
    for i, ref in enumerate(case["officers"]):
        if ref not in ids["officers"]:
            raise _fail(json_path(["case", "officers", i]), f"执法人员 {ref} 不在 officers 中")
    for source, field, target, many in REFERENCES:
        for i, item in enumerate(data.get(source) or []):
            value = item.get(field)
            refs = (value or []) if many else ([value] if value else [])
            for j, ref in enumerate(refs):
                if ref not in ids[target]:
                    where = [source, i, field, j] if many else [source, i, field]
                    raise _fail(json_path(where), f"引用的 {ref} 不在 {target} 中")
    for i, note in enumerate(data.get("lapses") or []):
        # A lapse note is about the case or one of the bundle's own records.
        if note["subject"] != "case" and note["subject"] not in ids["media"] | ids["documents"] | ids["follow_ups"]:
            raise _fail(json_path(["lapses", i, "subject"]), f"所涉记录 {note['subject']} 不在本数据包中")
    # The quick walk first; the walk that names the path of the mistake only when there is one.
    if not _times_real(data):
        _check_times(data, [])
    for i, doc in enumerate(data["documents"]):
        if not _field_times_real(doc["fields"]):
            _check_field_times(doc["fields"], ["documents", i, "fields"])
    return data


_MOMENT_KEYS = frozenset({"recorded_start", "recorded_end"})
_DATE_KEYS = frozenset({"cert_valid_from", "cert_valid_until", "due_on", "decided_on", "dated"})


# A bundle's times repeat (a document's creation, its signatures, its fields): each text is
# checked once. (Only the answer is kept: the checks below stop at the first false one.)
@functools.lru_cache(maxsize=65536)
def _real_moment(text: str) -> bool:
    try:
        parse_time(text)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=65536)
def _real_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _key_kind(k: str) -> int:
    """What _check_times reads a key's text as: 1 a moment, 2 a date, 0 neither."""
    if k == "at" or k.endswith("_at") or k in _MOMENT_KEYS:
        return 1
    return 2 if k in _DATE_KEYS else 0


def _times_real(data: Any) -> bool:
    """What _check_times checks, without keeping the path (a bundle holds hundreds of values): True
    when every time and date is a real one."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, str):
                    if v and (kind := _key_kind(k)):
                        if not (_real_moment(v) if kind == 1 else _real_date(v)):
                            return False
                elif isinstance(v, dict | list) and k != "fields":
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return True


def _field_times_real(fields: Any) -> bool:
    """What _check_field_times checks, without keeping the path."""
    if not isinstance(fields, dict | list):
        return True
    stack: list[tuple[Any, str]] = [(fields, "")]
    while stack:
        value, key = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, str(k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, "") for v in value)
        elif isinstance(value, str) and (text := value.strip()):
            # Most texts are words: the three shapes all begin with a digit (\d: Unicode's decimal
            # digits, what isdecimal() says), so only the key can make such a text a time.
            if text[0].isdecimal():
                if _CLOCK.match(text):
                    return False
                if _MOMENT.match(text) or key.endswith("_at"):
                    if not _real_moment(text):
                        return False
                elif (_DATE.match(text) or key.endswith("_on")) and not _real_date(text):
                    return False
            elif key.endswith("_at"):
                if not _real_moment(text):
                    return False
            elif key.endswith("_on") and not _real_date(text):
                return False
    return True


def _check_times(node: Any, where: list[str | int]) -> None:
    # The schema's pattern admits the shape; this admits only real moments (no 2026-02-30).
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str) and (k == "at" or k.endswith("_at") or k in _MOMENT_KEYS) and v:
                try:
                    parse_time(v)
                except ValueError:
                    raise _fail(json_path([*where, k]), f"时间 {v} 无效(须为带时区的 ISO 8601 时间)")
            elif isinstance(v, str) and k in _DATE_KEYS and v:
                try:
                    dt.date.fromisoformat(v)
                except ValueError:
                    raise _fail(json_path([*where, k]), f"日期 {v} 无效")
            elif isinstance(v, dict | list) and k != "fields":
                _check_times(v, [*where, k])
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_times(v, [*where, i])


# A document's fields are free-form, so a time in them is known by its shape or its key: a value
# shaped like a date or a moment must be a real one, a moment must carry its offset (a naive time
# is read differently in every time zone), and a clock time alone (10:00) says no day at all.
_MOMENT = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[T ]\d")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _check_field_times(node: Any, where: list[str | int]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _check_field_time(v, [*where, k], str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_field_time(v, [*where, i], "")


def _check_field_time(value: Any, where: list[str | int], key: str) -> None:
    if isinstance(value, dict | list):
        _check_field_times(value, where)
        return
    if not isinstance(value, str) or not value.strip():
        return
    text = value.strip()
    if _CLOCK.match(text):
        raise _fail(json_path(where), f"时间 {value} 只有钟点,没有日期和时区(须为带时区的 ISO 8601 时间)")
    if _MOMENT.match(text) or key.endswith("_at"):
        try:
            parse_time(text)
        except ValueError:
            raise _fail(json_path(where), f"时间 {value} 无效(须为带时区的 ISO 8601 时间,如 2025-05-12T10:00:00+08:00)")
    elif _DATE.match(text) or key.endswith("_on"):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise _fail(json_path(where), f"日期 {value} 无效(须为 YYYY-MM-DD)")


def decode(text: str | bytes) -> Any:
    """The JSON value of `text`, not yet validated as a bundle."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BundleError("bad_bundle", f"案件数据包不是有效的 JSON:第{err.lineno}行第{err.colno}列 {err.msg}",
                          {"path": "$", "line": err.lineno, "column": err.colno})


def loads(text: str | bytes) -> dict[str, Any]:
    return validate(decode(text))


def load_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BundleError("bad_bundle", f"无法读取案件数据包 {path}:{err}", {"path": "$"})
    return loads(text)


def dumps(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def example(profile_id: str) -> dict[str, Any]:
    """The exemplary bundle shipped for a profile: a case that checks clean under it."""
    return loads((EXAMPLES_DIR / f"{profile_id}.json").read_text(encoding="utf-8"))
