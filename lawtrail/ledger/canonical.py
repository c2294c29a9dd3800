"""The bytes a ledger entry freezes: deterministic JSON of an event's facts.

The writer builds them from the event it is about to insert; `lawtrail verify` rebuilds
them from the stored DomainEvent row and compares. Both go through `facts_tail`, with
values as the database gives them back (a payload after a JSON round trip), so an
untouched event always rebuilds to the same bytes. The layout is documented in
lawtrail/verifier/entry.py.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import models

from lawtrail.events.models import DomainEvent, Outcome
from lawtrail.events.state import freeze
from lawtrail.lib.frozen import encode as _encode
from lawtrail.lib.frozen import normalize, utc_text

__all__ = ["normalize", "utc_text", "state_digest"]

# Payload keys that carry content hashes (and where the content is): repeated under
# "content" so a verifier finds them without knowing each action's payload.
CONTENT_KEYS = ("object_key", "sha256", "sm3", "size")


def facts_reference(
    *, state: str | None, occurred_at: dt.datetime, action: str, outcome: str, reason_code: str, reason: str,
    actor_id: int | None, actor_name: str, actor_username: str, actor_role: str, actor_cert_no: str,
    agency_id: int | None, object_type: str, object_id: str, object_repr: str, case_id: int | None,
    payload: Any, client_ip: str, user_agent: str, channel: str, request_id: str,
) -> bytes:
    """The definition of an entry's tail: its facts as a dict, encoded with sorted keys.

    facts_tail() must give the same bytes faster; a test holds it to this one.
    """
    payload = normalize(payload if payload is not None else {})
    facts: dict[str, Any] = {
        "action": action,
        "actor": {"id": actor_id, "name": actor_name, "username": actor_username, "role": actor_role,
                  "cert_no": actor_cert_no},
        "agency": agency_id,
        "at": utc_text(occurred_at),
        "case": case_id,
        "object": {"type": object_type, "id": object_id, "repr": object_repr},
        "origin": {"ip": client_ip, "ua": user_agent, "channel": channel, "request_id": request_id},
        "outcome": outcome,
        "payload": payload,
        "reason": reason,
        "reason_code": reason_code,
    }
    if isinstance(payload, dict):
        content = {k: payload[k] for k in CONTENT_KEYS if k in payload}
        if content:
            facts["content"] = content
    head = b'"state":null,' if state is None else b'"state":"%s",' % state.encode()
    # The facts' own "{" is dropped: the prefix opened the object.
    return head + _encode(facts).encode()[1:]


_string = json.encoder.encode_basestring  # the escaping json.dumps(ensure_ascii=False) does, in C


def _j(value: Any) -> str:
    t = type(value)
    if t is str:
        return _string(value)
    if value is None:
        return "null"
    if t is int:
        return int.__repr__(value)
    return _encode(normalize(value))


def facts_tail(
    *, state: str | None, occurred_at: dt.datetime | str, action: str, outcome: str, reason_code: str,
    reason: str, actor_id: int | None, actor_name: str, actor_username: str, actor_role: str, actor_cert_no: str,
    agency_id: int | None, object_type: str, object_id: str, object_repr: str, case_id: int | None,
    payload: Any, client_ip: str, user_agent: str, channel: str, request_id: str, normalized: bool = False,
    payload_json: str | None = None,
) -> bytes:
    """Everything of an entry after its fixed prefix (entry_prefix(seq, event)): the bytes of
    facts_reference(), assembled in key order without building the nested dicts (it runs in
    every action's transaction and a million times in each `lawtrail verify`).
    `normalized`: the payload was read with load_payload() and needs no second pass;
    `payload_json`: its encoding, when the caller has it already (payload_text())."""
    if not normalized:
        payload = normalize(payload if payload is not None else {})
    content = ""
    if type(payload) is dict:
        found = {k: payload[k] for k in CONTENT_KEYS if k in payload}
        if found:
            content = f'"content":{_encode(found)},'
    head = '"state":null,' if state is None else f'"state":"{state}",'
    texts = (action, actor_cert_no, actor_name, actor_role, actor_username, object_id, object_repr, object_type,
             channel, client_ip, request_id, user_agent, outcome, reason, reason_code)
    try:
        # All text, as the writer hands them: one C-level pass (a str subclass encodes as its value).
        q = list(map(_string, texts))
    except TypeError:  # a NULL or a number where text belongs (a tampered row): the general path
        q = [_j(v) for v in texts]
    return (_TAIL % (
        head, q[0], q[1], _j(actor_id), q[2], q[3], q[4], _j(agency_id), utc_text(occurred_at), _j(case_id), content,
        q[5], q[6], q[7], q[8], q[9], q[10], q[11], q[12], payload_json or _encode(payload), q[13], q[14],
    )).encode()


_TAIL = (
    '%s"action":%s,"actor":{"cert_no":%s,"id":%s,"name":%s,"role":%s,"username":%s},"agency":%s,"at":"%s",'
    '"case":%s,%s"object":{"id":%s,"repr":%s,"type":%s},"origin":{"channel":%s,"ip":%s,"request_id":%s,"ua":%s},'
    '"outcome":%s,"payload":%s,"reason":%s,"reason_code":%s}'
)


def _quoted(values: list[Any]) -> list[str]:
    try:
        return list(map(_string, values))  # all text: one C-level pass
    except TypeError:  # a NULL or a number where text belongs: the general path
        return [_j(v) for v in values]


def _numbers(values: list[int | None]) -> list[str]:
    return ["null" if v is None else int.__repr__(v) for v in values]


def column_tails(columns: dict[str, list[Any]], times: list[str], payloads: list[tuple[Any, str]],
                 states: list[str | None] | None = None) -> list[bytes]:
    """facts_tail() of many events at once (`states`: each entry's state, default null),
    a column at a time: `columns` by DomainEvent attribute name, `times` their utc_text(),
    `payloads` their payload_text(). The same bytes (a test holds the bulk import to the
    per-event definition), with one C-level pass per column instead of a call per event."""
    q = {name: _quoted(columns[name]) for name in (
        "action", "actor_cert_no", "actor_name", "actor_role", "actor_username", "object_id", "object_repr",
        "object_type", "channel", "client_ip", "request_id", "user_agent", "outcome", "reason", "reason_code")}
    contents = [f'"content":{_encode({k: v[k] for k in CONTENT_KEYS if k in v})},'
                if type(v) is dict and not _CONTENT.isdisjoint(v) else "" for v, _ in payloads]
    tails = map(_TAIL.__mod__, zip(
        ['"state":null,'] * len(times) if states is None
        else ['"state":null,' if st is None else f'"state":"{st}",' for st in states], q["action"], q["actor_cert_no"], _numbers(columns["actor_id"]),
        q["actor_name"], q["actor_role"], q["actor_username"], _numbers(columns["agency_id_frozen"]), times,
        _numbers(columns["case_id_frozen"]), contents, q["object_id"], q["object_repr"], q["object_type"],
        q["channel"], q["client_ip"], q["request_id"], q["user_agent"], q["outcome"], [t for _, t in payloads],
        q["reason"], q["reason_code"], strict=True))
    return list(map(str.encode, tails))


_CONTENT = frozenset(CONTENT_KEYS)


def payload_text(payload: Any) -> tuple[Any, str]:
    """(normalized payload, its canonical JSON): what an entry freezes and, the same text,
    what the writer stores in the event's payload column (one encoding, not two)."""
    value = normalize(payload if payload is not None else {})
    return value, _encode(value)


def event_tail(event: DomainEvent, state: str | None, payload: tuple[Any, str] | None = None) -> bytes:
    """The tail of `event`'s entry; `payload`: payload_text(event.payload), if already made."""
    value, text = payload if payload is not None else payload_text(event.payload)
    return facts_tail(
        state=state, occurred_at=event.occurred_at, action=event.action, outcome=event.outcome,
        reason_code=event.reason_code, reason=event.reason, actor_id=event.actor_id,
        actor_name=event.actor_name, actor_username=event.actor_username, actor_role=event.actor_role,
        actor_cert_no=event.actor_cert_no, agency_id=event.agency_id_frozen, object_type=event.object_type,
        object_id=event.object_id, object_repr=event.object_repr, case_id=event.case_id_frozen,
        payload=value, client_ip=event.client_ip, user_agent=event.user_agent, channel=event.channel,
        request_id=event.request_id, normalized=True, payload_json=text,
    )


def event_columns(vendor: str) -> str:
    """A DomainEvent row as the ledger reads it, bypassing the ORM (verify walks millions of them).
    SQLite's time is read as the stored text: parsing it into a datetime and back costs more
    than the rest of the row."""
    occurred_at = "CAST(e.occurred_at AS TEXT)" if vendor == "sqlite" else "e.occurred_at"
    return (
        f"e.id, {occurred_at}, e.action, e.outcome, e.reason_code, e.reason, e.actor_id, e.actor_name, "
        "e.actor_username, e.actor_role, e.actor_cert_no, e.agency_id_frozen, e.object_type, e.object_id, "
        "e.object_repr, e.case_id_frozen, e.payload, e.client_ip, e.user_agent, e.channel, e.request_id"
    )


def _float(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def load_payload(value: Any) -> Any:
    """A payload column's value, normalized as it is read (equal to normalize(json.loads(text))).
    Django leaves JSON columns as text on both backends when the ORM is bypassed."""
    if isinstance(value, str | bytes):
        return json.loads(value, parse_float=_float, parse_constant=lambda name: repr(float(name)))
    return normalize(value)


_CONTENT_MARKS = tuple(f'"{k}"' for k in CONTENT_KEYS)


def row_tail_as_stored(row: tuple[Any, ...], state: str | None) -> bytes | None:
    """row_tail() without parsing the payload: its stored text taken as the canonical encoding,
    which is what the writer stores (payload_text()). Equal to the entry's tail only if the row
    holds exactly the bytes the entry froze; None when the payload may carry content hashes
    (then only row_tail() builds the "content" member). A mismatch here proves nothing: ask
    row_tail(), which reads any equivalent JSON."""
    text = row[16]
    if type(text) is not str or not text or any(mark in text for mark in _CONTENT_MARKS):
        return None
    (_, occurred_at, action, outcome, reason_code, reason, actor_id, actor_name, actor_username, actor_role,
     actor_cert_no, agency_id, object_type, object_id, object_repr, case_id, _, client_ip, user_agent,
     channel, request_id) = row
    return facts_tail(
        state=state, occurred_at=occurred_at, action=action, outcome=outcome, reason_code=reason_code,
        reason=reason, actor_id=actor_id, actor_name=actor_name, actor_username=actor_username,
        actor_role=actor_role, actor_cert_no=actor_cert_no, agency_id=agency_id, object_type=object_type,
        object_id=object_id, object_repr=object_repr, case_id=case_id, payload=None, client_ip=client_ip,
        user_agent=user_agent, channel=channel, request_id=request_id, normalized=True, payload_json=text,
    )


def row_tail(row: tuple[Any, ...], state: str | None) -> bytes:
    """facts_tail() of a DomainEvent row read as `SELECT {event_columns()}`."""
    (_, occurred_at, action, outcome, reason_code, reason, actor_id, actor_name, actor_username, actor_role,
     actor_cert_no, agency_id, object_type, object_id, object_repr, case_id, payload, client_ip, user_agent,
     channel, request_id) = row
    return facts_tail(
        state=state, occurred_at=occurred_at, action=action, outcome=outcome, reason_code=reason_code,
        reason=reason, actor_id=actor_id, actor_name=actor_name, actor_username=actor_username,
        actor_role=actor_role, actor_cert_no=actor_cert_no, agency_id=agency_id, object_type=object_type,
        object_id=object_id, object_repr=object_repr, case_id=case_id,
        payload=load_payload(payload if payload is not None else "{}"), client_ip=client_ip,
        user_agent=user_agent, channel=channel, request_id=request_id, normalized=True,
    )


def state_digest(obj: models.Model | None, outcome: str) -> str | None:
    """SHA-256 of the object's fields as the action left them (None for a refusal: no new state).
    The digest of the one record lawtrail.events.state.freeze() makes of it."""
    if obj is None or outcome != Outcome.DONE or obj.pk is None:
        return None
    return freeze(obj)[2]
