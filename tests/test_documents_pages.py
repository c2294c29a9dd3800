"""Document pages: listed on the case page and linked from its timeline, a form pre-filled from
the case, errors shown on the form, files served only to those who see the case."""

from __future__ import annotations

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import Document
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, register_case


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_the_case_page_lists_documents_and_links_them_from_the_timeline(world: World) -> None:
    case = advance(world, register_case(world), to="investigating")
    doc = do_create_document(case, type_code="rights_notice", actor=world.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type("rights_notice"), prefilled=doc.fields),
                             actor=world.alice)
    do_issue_document(doc, actor=world.alice)
    page = client_for(world.alice).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-documents"' in page and "权利告知书" in page and "测劳监权告〔2026〕1号" in page
    assert f'href="/documents/{doc.pk}/"' in page and 'data-timeline-index="' in page


def test_a_new_document_form_is_prefilled_and_saving_a_draft_keeps_it(world: World) -> None:
    case = advance(world, register_case(world), to="investigating")
    alice = client_for(world.alice)
    page = alice.get(f"/cases/{case.pk}/documents/new/inquiry_record/").content.decode()
    assert case.number in page and world.alice.cert_no in page and "2026-04-20T09:30" in page
    response = alice.post(f"/cases/{case.pk}/documents/new/inquiry_record/", {
        "f-case_number": case.number, "f-case_title": case.title, "f-place": "询问室", "save": "1"})
    doc = Document.objects.get(type_code="inquiry_record")
    assert response.status_code == 302 and response["Location"] == f"/documents/{doc.pk}/"
    assert doc.fields["place"] == "询问室" and doc.status == "draft"
    response = alice.post(f"/documents/{doc.pk}/save/", {"f-place": "询问室", "issue": "1"}, follow=True)
    assert "请填写「" in response.content.decode()
    doc.refresh_from_db()
    assert doc.status == "draft"


def test_another_unit_sees_no_document_page_or_file(world: World) -> None:
    case = advance(world, register_case(world), to="investigating")
    doc = do_create_document(case, type_code="inquiry_record", actor=world.alice)
    bob = client_for(world.bob)
    for path in (f"/documents/{doc.pk}/", f"/documents/{doc.pk}/pdf/", f"/documents/{doc.pk}/docx/",
                 f"/cases/{case.pk}/documents/", f"/cases/{case.pk}/documents/print.pdf"):
        assert bob.get(path).status_code == 404, path
    assert client_for(world.alice).get(f"/documents/{doc.pk}/pdf/")["Content-Type"] == "application/pdf"
