"""The entry bytes: the fast assembly equals the definition, and values read back from either
database rebuild the bytes written."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lawtrail.ledger.canonical import facts_reference, facts_tail, load_payload, normalize, utc_text

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**60, 2**60) | st.floats(allow_nan=True, allow_infinity=True) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=4),
    max_leaves=10,
)
# Hypothesis takes naive bounds and makes the values aware with `timezones`.
moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
                       timezones=st.just(dt.UTC))
facts = st.fixed_dictionaries({
    "state": st.none() | st.just("ab" * 32), "occurred_at": moments, "action": text, "outcome": text,
    "reason_code": text, "reason": text, "actor_id": st.none() | st.integers(1, 10**9), "actor_name": text,
    "actor_username": text, "actor_role": text, "actor_cert_no": text,
    "agency_id": st.none() | st.integers(1, 10**6), "object_type": text, "object_id": text, "object_repr": text,
    "case_id": st.none() | st.integers(1, 10**6),
    "payload": st.dictionaries(st.sampled_from(["sha256", "object_key", "size", "note", "n"]) | text, json_values,
                               max_size=5),
    "client_ip": text, "user_agent": text, "channel": text, "request_id": text,
})


@settings(max_examples=300, deadline=None)
@given(f=facts)
def test_the_fast_assembly_gives_the_bytes_of_the_definition(f: dict[str, Any]) -> None:
    tail = facts_tail(**f)
    assert tail == facts_reference(**f)
    json.loads(b'{"v":1,"seq":0,"event":1,' + tail)  # and they are JSON


@settings(max_examples=300, deadline=None)
@given(payload=json_values)
def test_a_payload_read_back_rebuilds_the_same_bytes(payload: Any) -> None:
    # SQLite keeps Django's JSON text; psycopg hands text too (Django's loader), jsonb included.
    stored = json.dumps(payload)
    assert load_payload(stored) == normalize(json.loads(stored))
    assert json.dumps(load_payload(stored), sort_keys=True) == json.dumps(normalize(payload), sort_keys=True)


@given(moment=moments)
def test_the_time_reads_the_same_from_sqlite_text_and_from_a_datetime(moment: dt.datetime) -> None:
    stored = str(moment.replace(tzinfo=None))  # how Django's SQLite backend writes it
    assert utc_text(stored) == utc_text(moment) == moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
