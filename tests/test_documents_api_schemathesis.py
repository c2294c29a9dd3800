"""Generated requests against the documents API, aimed at real documents (a draft and an issued
one) so that the actions behind the operations run; tests/test_api_schemathesis.py covers the
same operations with ids that mostly name nothing."""

from __future__ import annotations

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
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.catalogue import get_type
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case
from lawtrail.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=schemathesis.Config.from_dict({
    "seed": 20260420,
    "generation": {"deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
})).include(path_regex="documents")


class Officer:
    def __init__(self, world: World) -> None:
        a = world.alice
        self.headers = {"Authorization": f"Bearer {do_create_api_token(a, name='t', actor=None)}"}
        case = advance(world, register_case(world), to="investigating")
        draft = do_create_document(case, type_code="inquiry_record", actor=a)
        issued = do_create_document(case, type_code="inquiry_record", actor=a)
        issued = do_update_document(issued, fields=sample_fields(get_type("inquiry_record"), prefilled=issued.fields),
                                    actor=a)
        issued = do_issue_document(issued, actor=a)
        self.case_id = case.pk
        self.documents = [draft.pk, issued.pk]
        self.slots = ["officers", "interviewee", "witnesses"]

    def aim(self, case: schemathesis.Case) -> None:
        meta = case.meta
        if meta is None or meta.generation.mode.is_negative:
            return
        params = case.path_parameters or {}
        if "document_id" in params:
            value = params["document_id"]
            params["document_id"] = self.documents[int(value) % 2] if isinstance(value, int) else value
        if "case_id" in params and isinstance(params["case_id"], int) and params["case_id"] % 2:
            params["case_id"] = self.case_id
        body: Any = case.body
        if isinstance(body, dict) and isinstance(body.get("slot"), str):
            body["slot"] = self.slots[len(body["slot"]) % len(self.slots)]
        if isinstance(body, dict) and isinstance(body.get("type"), str) and len(body["type"]) % 2:
            body["type"] = "inquiry_record"


@pytest.fixture
def officer(world: World) -> Iterator[Officer]:
    # As in test_api_schemathesis: keep the test's connection (and its transaction) open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield Officer(world)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis.settings(max_examples=8, derandomize=True, database=None, deadline=None,
                     suppress_health_check=list(hypothesis.HealthCheck))
def test_it_answers_generated_document_requests_as_documented(case: schemathesis.Case, officer: Officer) -> None:
    officer.aim(case)
    case.call_and_validate(headers=officer.headers, checks=CHECKS)
