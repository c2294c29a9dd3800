"""Property-based checks of the whole API from its own OpenAPI document (schemathesis).

Every operation gets generated valid and invalid requests, sent as alice through the WSGI
app in this thread, so the requests run inside the test's database transaction. No answer
may be a 500, and every answer must be a status and body the document declares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from lawtrail.accounts.actions import do_create_api_token
from lawtrail.cases.actions import do_record_inspection, do_register_case, do_register_complaint
from lawtrail.lib import timez
from lawtrail.testing.personas import World
from lawtrail.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

# Loaded at import: the document is static and fetching it touches no database. (The lazy
# `schemathesis.pytest.from_fixture` loader would share one database across all operations,
# but it reads `Node._nodeid`, which pytest 9.2 no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=schemathesis.Config.from_dict({
    # A fixed seed and no example database: the same requests on every run and machine.
    "seed": 20260401,
    "generation": {"deterministic": True, "database": "none"},
    # Stateful runs chain operations through links the document does not declare.
    "phases": {"stateful": {"enabled": False}},
}))


class Alice:
    """alice's credentials, and rows of her unit that generated requests may name."""

    def __init__(self, world: World) -> None:
        a = world.alice
        self.headers = {"Authorization": f"Bearer {do_create_api_token(a, name='t', actor=None)}"}
        case = do_register_case(unit=world.unit_a, title="案由", source="other", party=world.company, facts="事实",
                                handler=a, handler_opinion="立案", actor=a)
        complaint = do_register_complaint(unit=world.unit_a, kind="report", respondent=world.person, facts="事项",
                                          anonymous=True, actor=a)
        now = timez.now()
        inspection = do_record_inspection(
            unit=world.unit_a, party=world.company, place="工地", started_at=now - dt.timedelta(hours=1),
            ended_at=now, officers=[world.andy], findings="正常", outcome="record", actor=a)
        self.path_ids = {"case_id": case.pk, "complaint_id": complaint.pk, "party_id": world.company.pk,
                         "inspection_id": inspection.pk}
        self.body_ids: dict[str, Any] = {
            "unit_id": world.unit_a.pk, "party_id": world.company.pk, "respondent_id": world.person.pk,
            "handler_id": a.pk, "officer_ids": [world.andy.pk],
        }

    def point_at_real_rows(self, case: schemathesis.Case) -> None:
        """Swap about half of the ids a valid request names for ids of real rows.

        Random ids almost never exist, so without this every write would stop at "not
        found" and the paths behind it (actions, their refusals, 2xx bodies) would go
        untested. The generated value decides, so runs stay deterministic.
        """
        meta = case.meta
        if meta is None or meta.generation.mode.is_negative:
            return
        for name, value in list(case.path_parameters.items()):
            if name in self.path_ids and _odd(value):
                case.path_parameters[name] = self.path_ids[name]
        if isinstance(case.body, dict):
            for name, real in self.body_ids.items():
                if name in case.body and _odd(case.body[name]):
                    case.body[name] = real


def _odd(value: object) -> bool:
    if isinstance(value, list):
        return len(value) % 2 == 1
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and value % 2 == 1


@pytest.fixture
def alice(world: World) -> Iterator[Alice]:
    # The WSGI app closes the database connection when a request finishes (conn_max_age=0);
    # inside the test's transaction that would end it. Django's test client unhooks the same
    # signal handlers for the same reason.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield Alice(world)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis.settings(
    max_examples=12, derandomize=True, database=None, deadline=None,
    # The world is built once per operation and shared by its examples on purpose: rows
    # pile up as a real client's would.
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_it_answers_generated_requests_as_documented(case: schemathesis.Case, alice: Alice) -> None:
    alice.point_at_real_rows(case)
    case.call_and_validate(headers=alice.headers, checks=CHECKS)
