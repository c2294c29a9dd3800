"""Every URL pattern and every API operation, probed as two attackers — not a hand-kept list.

The routes come from Django's URL resolver and from the ninja API's OpenAPI schema, so a page or
an operation added tomorrow is probed too. Each path parameter is filled with the ids of the
records one unit holds (and a few words for text parameters); then

- bob, an officer of the other unit, must get a refusal (403/404, or a 4xx for input he may not
  send) and no answer that carries any fact of those records (title, 案号, 身份证号, 文书编号,
  hashes, file names, a complaint's facts);
- sam, the agency-wide supervisor who reads every case but is cleared for no marking, must
  never receive a fact of the 国家秘密 footage or of the 个人隐私 document.

A route that serves a record past the policy fails here by name, with the fact it leaked.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.access.actions import (
    do_create_share,
    do_decide_access_request,
    do_mark_confidential,
    do_request_access,
)
from lawtrail.accounts.models import User
from lawtrail.cases.actions import do_decide_complaint, do_register_complaint
from lawtrail.devices.actions import do_check_device, do_register_device
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.retention.actions import do_set_hold
from lawtrail.testing.access import build_records, in_days
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing

pytestmark = pytest.mark.usefixtures("ledger")

# Text parameters: the words the routes take (kinds, steps, codes), and a token that is no share's.
WORDS: dict[str, list[str]] = {
    "code": ["rights_notice", "non_acceptance_decision"], "kind": ["document", "evidence", "pdf", "link", "approval"],
    "step": ["decide", "execute", "long-term", "hold"], "what": ["cases", "evidence", "case"],
    "token": ["not-a-share-token"], "object_type": ["cases.case", "documents.document", "evidence.evidence"],
}


@dataclass
class Target:
    ids: list[int]
    typed: dict[str, list[int]]  # "case" -> the case ids, for parameters named case_id / case_pk
    outsider_facts: dict[str, str]  # what bob must never read: label -> text
    marked_facts: dict[str, str]  # what sam must never read
    seq: list[int]


@pytest.fixture
def target(world: World, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> Target:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    r = build_records(world, settings, tmp_path)
    complaint = do_register_complaint(unit=world.unit_a, kind="complaint", respondent=world.person,
                                      facts="夜班工人被扣押身份证原件", complainant_name="王五",
                                      complainant_phone="13800000000", actor=world.alice)
    complaint = do_decide_complaint(complaint, outcome="not_accepted", reason="不属于本机关管辖", actor=world.alice)
    for _ in range(2):  # the second: its 文书编号 is not the number-scheme page's example (第1号)
        intake = do_create_document(complaint, type_code="non_acceptance_decision", actor=world.alice)
        intake = do_issue_document(do_update_document(intake, fields={
            "legal_basis": "《劳动保障监察条例》第十三条", "remedy": "如不服本决定,可在六十日内申请行政复议"},
            actor=world.alice), actor=world.alice)
    req = do_request_access(r.case, kind="external", whole_case=True, purpose="诉讼", requester=r.olga,
                            requester_unit="名山区人民法院", expires_at=in_days(3), actor=world.archie)
    do_decide_access_request(req, approved=True, opinion="同意", actor=world.hank)
    share, _token = do_create_share(req, recipient="名山区人民法院", documents=[r.doc], expires_at=in_days(1),
                                    actor=world.archie)
    hold = do_set_hold(r.case, reason="行政诉讼未结", actor=world.uma)
    doc_mark = do_mark_confidential(r.doc, level="privacy", reason="含劳动者身份证号", actor=world.alice)
    clip_mark = do_mark_confidential(r.clip, level="state", reason="涉及国家秘密", actor=world.hank)
    cam = do_register_device(unit=world.unit_a, kind="body_cam", serial="DSJ-YIZHONGDUI-77", model_name="DSJ-V8",
                             actor=world.uma)
    do_check_device(cam, battery_ok=False, storage_ok=True, clock_ok=True, note="电量不足已充电", actor=world.alice)
    r.doc.refresh_from_db()
    ids = sorted({r.case.pk, r.doc.pk, r.photo.pk, r.clip.pk, complaint.pk, intake.pk, world.person.pk, req.pk,
                  share.pk, hold.pk, doc_mark.pk, clip_mark.pk, cam.pk})
    assert r.case.number and r.doc.number and intake.number and r.doc.pdf_sha256
    outsider = {
        "case title": r.case.title, "案号": r.case.number, "身份证号": world.person.id_number,
        "文书编号": r.doc.number, "intake 文书编号": intake.number, "photo sha256": r.photo.stored.sha256,
        "clip sha256": r.clip.stored.sha256, "clip name": r.clip.display_name, "complaint facts": complaint.facts,
        "doc sha256": r.doc.pdf_sha256, "设备编号": cam.serial, "device check note": "电量不足已充电",
    }
    typed = {"case": [r.case.pk], "document": [r.doc.pk, intake.pk], "evidence": [r.photo.pk, r.clip.pk],
             "complaint": [complaint.pk], "party": [world.person.pk], "request": [req.pk], "share": [share.pk],
             "hold": [hold.pk], "device": [cam.pk]}
    marked = {"clip sha256": r.clip.stored.sha256, "clip name": r.clip.display_name, "doc sha256": r.doc.pdf_sha256}
    from lawtrail.ledger.models import LedgerEntry

    seq = list(LedgerEntry.objects.order_by("seq").values_list("seq", flat=True))
    return Target(ids, typed, outsider, marked, seq)


# ---------------------------------------------------------------- the routes


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # with {name} placeholders
    params: tuple[str, ...]
    api: bool


def _ui_routes() -> Iterator[Route]:
    def walk(resolver: URLResolver, prefix: str) -> Iterator[str]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern).lstrip("^"))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern).lstrip("^").rstrip("$")

    for raw in walk(get_resolver(), "/"):
        if raw.startswith("/api/"):
            continue  # the API is probed from its schema (all its operations, with their methods)
        # Regex choices become one route each: (?P<kind>approval|move) -> .../approval/, .../move/
        choices = re.findall(r"\(\?P<(\w+)>([\w|]+)\)", raw)
        variants = [raw]
        for name, alternatives in choices:
            if "|" in alternatives:
                variants = [v.replace(f"(?P<{name}>{alternatives})", a) for v in variants for a in alternatives.split("|")]
        for v in variants:
            v = re.sub(r"\(\?P<(\w+)>\[0-9\]\+\)", r"<int:\1>", v)
            template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", v)
            params = tuple(re.findall(r"\{(\w+)\}", template))
            for method in ("GET", "POST"):
                yield Route(method, template, params, api=False)


def _api_routes() -> Iterator[Route]:
    from lawtrail.api import api

    for path, operations in api.get_openapi_schema()["paths"].items():
        for method in operations:
            yield Route(method.upper(), path, tuple(re.findall(r"\{(\w+)\}", path)), api=True)


ROUTES = sorted(set(_ui_routes()) | set(_api_routes()), key=lambda r: (r.template, r.method))


def test_the_probe_covers_every_route_of_the_resolver_and_the_schema() -> None:
    # A guard against a probe that silently probes nothing: both sources are read and non-trivial.
    assert sum(r.api for r in ROUTES) >= 60 and sum(not r.api for r in ROUTES) >= 60
    assert any(r.template == "/api/cases/{case_id}/bundle" for r in ROUTES)
    assert any(r.template == "/cases/{case_pk}/case-file/case-file.pdf" for r in ROUTES)


def _values(name: str, t: Target) -> list[str]:
    if name in WORDS:
        return WORDS[name]
    if name == "seq":
        return [str(s) for s in t.seq]
    # A parameter that names its kind gets the ids of that kind; any other (pk, item …) every id.
    kind = name.removesuffix("_id").removesuffix("_pk")
    return [str(i) for i in t.typed.get(kind, t.ids)]


def _urls(route: Route, t: Target) -> Iterator[str]:
    for combo in itertools.product(*(_values(p, t) for p in route.params)):
        yield route.template.format(**dict(zip(route.params, combo, strict=True)))


def _call(user: User, route: Route, url: str, api: ApiClient, web: Client) -> tuple[int, str]:
    if route.api:
        response = api.client.generic(route.method, url, "{}", content_type="application/json", headers=api.headers)
    else:
        response = web.generic(route.method, url, "") if route.method != "GET" else web.get(url)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        body = response.content
    return response.status_code, body.decode("utf-8", "replace")


def _leaks(body: str, facts: dict[str, str]) -> list[str]:
    return [label for label, fact in facts.items() if fact and fact in body]


def test_no_route_serves_a_record_past_the_policy(world: World, target: Target) -> None:
    # One world for all routes (building it is the slow part); every problem is reported by name.
    problems = []
    for persona, facts in ((world.bob, target.outsider_facts), (world.sam, target.marked_facts)):
        api = ApiClient(persona)
        web = Client()
        web.force_login(persona)
        for route in ROUTES:
            if persona is world.sam and route.method != "GET":
                continue  # the supervisor changes nothing; what he reads is what matters here
            for url in _urls(route, target):
                status, body = _call(persona, route, url, api, web)
                leaked = _leaks(body, facts)
                if leaked:
                    problems.append(f"{persona.username} {route.method} {url} -> {status}, shows {', '.join(leaked)}")
                elif persona is world.bob and route.params and 200 <= status < 300 and route.method != "GET":
                    problems.append(f"bob {route.method} {url} -> {status}: another unit's record changed")
                elif status >= 500:
                    problems.append(f"{persona.username} {route.method} {url} -> {status}")
    assert not problems, "\n".join(problems)
