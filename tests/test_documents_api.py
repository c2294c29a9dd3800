"""The documents API: drafts, issue, signatures, refusals, approvals and corrections, with
the same rules and the same error shape as the actions; another unit's documents are 404."""

from __future__ import annotations

import base64
import hashlib

import pytest
from time_machine import TimeMachineFixture

from lawtrail.documents.catalogue import catalogue, get_type
from lawtrail.events.models import DomainEvent
from lawtrail.testing.api import ApiClient
from lawtrail.testing.documents import handwriting_png, sample_fields
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, register_case


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def test_it_lists_the_catalogue(world: World) -> None:
    api = ApiClient(world.alice)
    r = api.get("/api/document-types")
    assert r.status == 200 and len(r.body) == len(catalogue())
    inquiry = api.get("/api/document-types/inquiry_record").body
    assert inquiry["name"] == "询问(调查)笔录" and "ended_at" in inquiry["mandatory"]
    assert {s["role"] for s in inquiry["signers"]} == {"officer", "party", "witness"}
    missing = api.get("/api/document-types/no_such_type")
    assert (missing.status, missing.code) == (404, "not_found")


def test_a_document_goes_from_draft_to_issued_signed_refused_and_corrected(world: World) -> None:
    case = advance(world, register_case(world), to="investigating")
    alice = ApiClient(world.alice)
    r = alice.post(f"/api/cases/{case.pk}/documents", {"type": "inquiry_record", "fields": {"place": "询问室"}})
    assert r.status == 201, r.body
    doc = r.body
    assert doc["status"] == "draft" and doc["fields"]["case_number"] == case.number
    assert "ended_at" in doc["missing_mandatory"] and doc["fields"]["place"] == "询问室"

    r = alice.post(f"/api/documents/{doc['id']}/issue")
    assert (r.status, r.code) == (422, "missing_field") and r.body["detail"]["field"] in doc["missing_mandatory"]
    # Every empty mandatory field at once, not one a try.
    assert r.body["detail"]["fields"] == doc["missing_mandatory"] and len(doc["missing_mandatory"]) > 1
    labels = {f.key: f.label for f in get_type("inquiry_record").fields}
    assert r.body["message"].startswith("请填写「") and all(f"「{labels[k]}」" in r.body["message"]
                                                          for k in doc["missing_mandatory"])

    fields = sample_fields(get_type("inquiry_record"), prefilled=doc["fields"])
    r = alice.client.put(f"/api/documents/{doc['id']}/fields", {"fields": fields}, content_type="application/json",
                         headers=alice.headers)
    assert r.status_code == 200 and r.json()["missing_mandatory"] == []

    r = alice.post(f"/api/documents/{doc['id']}/issue")
    assert r.status == 200 and r.body["status"] == "issued"
    sha = r.body["pdf_sha256"]
    event = DomainEvent.objects.get(action="document.issue", outcome="done", object_id=str(doc["id"]))
    assert event.payload["sha256"] == sha
    original = alice.client.get(f"/api/documents/{doc['id']}/issued-pdf", headers=alice.headers)
    assert original["Content-Type"] == "application/pdf" and hashlib.sha256(original.content).hexdigest() == sha

    altered = alice.client.put(f"/api/documents/{doc['id']}/fields", {"fields": {"place": "别处"}},
                               content_type="application/json", headers=alice.headers)
    assert altered.status_code == 409 and altered.json()["code"] == "document_immutable"

    r = alice.post(f"/api/documents/{doc['id']}/signatures", {"slot": "officers"})
    assert r.status == 201 and r.body["signatures"][0]["cert_no"] == world.alice.cert_no
    png = "data:image/png;base64," + base64.b64encode(handwriting_png()).decode()
    r = alice.post(f"/api/documents/{doc['id']}/hand-signatures", {"slot": "witnesses", "name": "王五", "image": png})
    assert r.status == 201 and r.body["signatures"][-1]["handwritten"] is True
    r = alice.post(f"/api/documents/{doc['id']}/refusals",
                   {"slot": "interviewee", "name": "张三", "reason": "不认可", "witnesses": [{"name": "赵六"}]})
    assert r.status == 201 and [s["name"] for s in r.body["signatures"] if s["kind"] == "refused"] == ["张三"]
    assert r.body["slots"][1]["complete"] is True

    pdf = alice.client.get(f"/api/documents/{doc['id']}/render", headers=alice.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = alice.client.get(f"/api/documents/{doc['id']}/render", {"format": "docx"}, headers=alice.headers)
    assert docx.status_code == 200 and docx.content.startswith(b"PK")

    r = alice.post(f"/api/documents/{doc['id']}/corrections", {"reason": "询问地点有误", "fields": {"place": "二号询问室"}})
    assert r.status == 201 and (r.body["version"], r.body["previous_id"], r.body["status"]) == (2, doc["id"], "draft")
    new_id = r.body["id"]
    r = alice.post(f"/api/documents/{new_id}/issue")
    assert r.status == 200
    old = alice.get(f"/api/documents/{doc['id']}").body
    assert old["status"] == "superseded" and old["next_version_id"] == new_id
    listed = alice.get(f"/api/cases/{case.pk}/documents").body
    # The 立案审批表 the filing issued, then the record's two versions.
    assert [(d["type"], d["version"], d["status"]) for d in listed] == [
        ("filing_approval_form", 1, "issued"), ("inquiry_record", 1, "superseded"), ("inquiry_record", 2, "issued")]
    batch = alice.client.get(f"/api/cases/{case.pk}/documents/print", headers=alice.headers)
    assert batch.status_code == 200 and batch.content.startswith(b"%PDF")


def test_approvals_through_the_api_follow_the_same_rules(world: World) -> None:
    case = advance(world, register_case(world), to="reviewing")
    alice = ApiClient(world.alice)
    doc = alice.post(f"/api/cases/{case.pk}/documents", {"type": "legal_review_opinion"}).body
    fields = sample_fields(get_type("legal_review_opinion"), prefilled=doc["fields"])
    alice.client.put(f"/api/documents/{doc['id']}/fields", {"fields": fields}, content_type="application/json",
                     headers=alice.headers)
    assert alice.post(f"/api/documents/{doc['id']}/issue").status == 200
    denied = alice.post(f"/api/documents/{doc['id']}/approvals", {"slot": "legal_review", "approved": True,
                                                                  "opinion": "同意"})
    assert (denied.status, denied.code) == (403, "not_approver")
    lena = ApiClient(world.lena)
    view = lena.get(f"/api/documents/{doc['id']}").body
    assert view["slots"][0]["may_sign"] is True
    r = lena.post(f"/api/documents/{doc['id']}/approvals", {"slot": "legal_review", "approved": True,
                                                            "opinion": "程序合法"})
    assert r.status == 201 and r.body["complete"] is True and r.body["signatures"][0]["opinion"] == "程序合法"


def test_another_units_officer_gets_not_found(world: World) -> None:
    case = advance(world, register_case(world), to="investigating")
    doc = ApiClient(world.alice).post(f"/api/cases/{case.pk}/documents", {"type": "inquiry_record"}).body
    bob = ApiClient(world.bob)
    for path in (f"/api/documents/{doc['id']}", f"/api/cases/{case.pk}/documents",
                 f"/api/documents/{doc['id']}/render"):
        r = bob.get(path)
        assert (r.status, r.code) == (404, "not_found"), path
    r = bob.post(f"/api/documents/{doc['id']}/issue")
    assert r.status == 404


def test_bad_input_gets_the_error_shape(world: World) -> None:
    case = advance(world, register_case(world), to="investigating")
    alice = ApiClient(world.alice)
    r = alice.post(f"/api/cases/{case.pk}/documents", {"type": "no_such_type"})
    assert (r.status, r.code) == (422, "unknown_document_type") and "文书目录中没有" in r.body["message"]
    r = alice.post(f"/api/cases/{case.pk}/documents", {"type": "inquiry_record", "fields": {"ended_at": "明天"}})
    assert (r.status, r.code) == (422, "invalid_field") and r.body["detail"] == {"field": "ended_at"}
    doc = alice.post(f"/api/cases/{case.pk}/documents", {"type": "inquiry_record"}).body
    r = alice.post(f"/api/documents/{doc['id']}/signatures", {"slot": "officers"})
    assert (r.status, r.code) == (409, "document_not_issued")
    r = alice.post(f"/api/documents/{doc['id']}/hand-signatures", {"slot": "interviewee", "name": "张三",
                                                                   "image": "bm90IGEgcG5n"})
    assert r.status in (409, 422)
