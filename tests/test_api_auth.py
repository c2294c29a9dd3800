"""How the API authenticates, and that every refusal is JSON in one shape."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lawtrail.accounts.models import User
from lawtrail.cases.models import Party
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, valid_id_number

ERROR_KEYS = {"code", "message", "detail"}


def test_it_answers_401_without_credentials(world: World) -> None:
    for reply in (ApiClient().get("/api/cases"), ApiClient().post("/api/parties", {"kind": "person"}),
                  ApiClient(token="lt_not-a-token").get("/api/me")):
        assert reply.status == 401
        assert set(reply.body) == ERROR_KEYS
        assert reply.code == "unauthenticated"
    response = Client().get("/api/me")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_the_token_of_an_inactive_user(world: World) -> None:
    api = ApiClient(world.alice)
    assert api.get("/api/me").status == 200
    User.objects.filter(pk=world.alice.pk).update(is_active=False)
    assert api.get("/api/me").code == "unauthenticated"


def test_it_tells_who_the_token_belongs_to(world: World) -> None:
    me = ApiClient(world.uma).get("/api/me").body
    assert (me["username"], me["full_name"], me["agency"]["id"]) == ("uma", "乌玛", world.agency.pk)
    assert me["roles"] == [{"role": "head", "label": "负责人", "unit_id": world.unit_a.pk}]
    assert [u["name"] for u in ApiClient(world.uma).get("/api/units").body] == ["一中队", "二中队"]
    officers = ApiClient(world.uma).get("/api/users", role="officer").body
    assert {u["username"] for u in officers} == {"alice", "andy", "bob"}


def test_it_accepts_a_session_and_enforces_csrf_on_writes(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    assert client.get("/api/me").json()["username"] == "alice"
    body = {"kind": "person", "name": "孙七", "id_number": valid_id_number("11010519850505123")}

    refused = client.post("/api/parties", json.dumps(body), content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert not Party.objects.filter(name="孙七").exists()

    # What a page of the web UI would have set: the cookie, echoed in the header.
    token = "abcdefghijklmnopqrstuvwxyz012345"
    client.cookies["csrftoken"] = token
    created = client.post("/api/parties", json.dumps(body), content_type="application/json",
                          headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.json()


def test_it_needs_no_csrf_token_with_a_bearer_token(world: World) -> None:
    reply = ApiClient(world.alice).post("/api/parties", {
        "kind": "person", "name": "孙七", "id_number": valid_id_number("11010519850505123")})
    assert reply.status == 201


@pytest.mark.parametrize("path", ["/api/cases/abc", "/api/cases/0", "/api/cases/-3",
                                  "/api/cases/99999999999999999999999", "/api/cases/1.5/timeline"])
def test_it_answers_an_unparsable_id_with_422(world: World, path: str) -> None:
    reply = ApiClient(world.alice).get(path)
    assert reply.status == 422
    assert reply.code == "invalid_input"
    assert reply.body["detail"]["errors"][0]["loc"][0] == "path"


def test_it_answers_an_unknown_id_or_endpoint_with_404_json(world: World) -> None:
    api = ApiClient(world.alice)
    for path in ("/api/cases/424242", "/api/cases/424242/timeline", "/api/parties/424242", "/api/nothing-here",
                 "/api/cases/1/nothing"):
        reply = api.get(path)
        assert reply.status == 404, path
        assert reply.code == "not_found"
        assert set(reply.body) == ERROR_KEYS


def test_it_answers_a_malformed_body_with_400_json(world: World) -> None:
    reply = ApiClient(world.alice).post("/api/parties", raw="{not json")
    assert (reply.status, reply.code) == (400, "bad_request")


@pytest.mark.parametrize("body", [
    {"kind": "someone", "name": "x"},
    {"kind": "person", "name": "x\u0000y"},
    {"kind": "person", "name": "x" * 201},
    {"kind": "person", "name": ["x"]},
    [],
    None,
])
def test_it_answers_invalid_input_with_422(world: World, body: object) -> None:
    api = ApiClient(world.alice)
    reply = api.post("/api/parties", body) if body is not None else api.post("/api/parties", raw="null")
    assert reply.status == 422, reply.body
    assert reply.code == "invalid_input"
    assert reply.body["message"].startswith("请求参数无效")
    errors = reply.body["detail"]["errors"]
    assert errors and {"loc", "msg", "type"} <= set(errors[0])


def test_it_refuses_a_lone_surrogate_instead_of_failing_to_store_it(world: World) -> None:
    reply = ApiClient(world.alice).post("/api/parties", raw='{"kind": "person", "name": "\\ud800"}')
    assert (reply.status, reply.code) == (422, "invalid_input")


@pytest.mark.parametrize("amount", ["1e400", "NaN", "12345678901234", "1.234", 1e300])
def test_it_refuses_an_amount_the_column_cannot_hold(world: World, amount: object) -> None:
    reply = ApiClient(world.alice).post("/api/simple-cases", {
        "unit_id": world.unit_a.pk, "party_id": world.person.pk, "title": "t", "items": {},
        "decision_text": "d", "penalty_amount": amount})
    assert (reply.status, reply.code) == (422, "invalid_input")


def test_it_refuses_times_that_cannot_be_stored(world: World) -> None:
    reply = ApiClient(world.alice).post("/api/inspections", {
        "unit_id": world.unit_a.pk, "party_id": world.company.pk, "place": "p", "findings": "f",
        "outcome": "record", "started_at": "0001-01-01T00:00:00+05:00", "ended_at": "0001-01-01T01:00:00+05:00"})
    assert (reply.status, reply.code) == (422, "invalid_input")


def test_it_publishes_an_openapi_document_declaring_every_error(world: World) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["components"]["securitySchemes"]) == {"BearerTokenAuth", "SessionAuth"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "401", "403", "404", "409", "422"} <= declared, (method, path)
            assert declared & {"200", "201"}, (method, path)
