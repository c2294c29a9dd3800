"""Forms that help: approvals with 同意 / 不同意 and common opinions to pick, every missing field of a
document marked at once, and the next step of a closed case (立卷) offered as one clear button."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser, expect
from pytest_django.fixtures import Settings

from lawtrail.archive.actions import do_assemble_case_file
from lawtrail.cases.choices import ApprovalKind, Stage
from lawtrail.cases.models import Approval
from lawtrail.documents.actions import do_create_document, do_issue_document
from lawtrail.documents.models import Signature
from lawtrail.events.models import DomainEvent
from lawtrail.testing.archive import closed_case
from lawtrail.testing.browser import sign_in
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, register_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def page_of(client: Client, user, url: str) -> str:
    client.force_login(user)
    return client.get(url).content.decode()


def test_a_case_approval_is_given_with_agree_or_disagree_buttons_and_picked_opinions(
        world: World, client: Client) -> None:
    case = register_case(world)
    html = page_of(client, world.hank, f"/cases/{case.pk}/")
    box = html.split('data-step="approval:filing.head"')[1].split("</details>")[0]
    assert 'name="approved" value="yes">同意</button>' in box and 'name="approved" value="no">不同意</button>' in box
    assert ">机关负责人意见</button>" not in box  # the button says what it does, not the slot's name
    assert 'data-opinion="同意立案。"' in box and 'data-opinion="不同意立案。"' in box

    refused = client.post(f"/cases/{case.pk}/approval/", {"kind": "filing.head", "approved": "no",
                                                                "opinion": ""})
    assert refused.status_code == 400 and "不同意时请写明理由" in refused.content.decode()
    assert not Approval.objects.exists()

    client.post(f"/cases/{case.pk}/approval/", {"kind": "filing.head", "approved": "yes", "opinion": ""})
    approval = Approval.objects.get()
    assert (approval.kind, approval.approved, approval.opinion) == (ApprovalKind.FILING_HEAD, True, "同意。")


def test_a_document_approval_slot_offers_the_same_buttons(world: World, client: Client) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    from lawtrail.documents.actions import do_update_document
    from lawtrail.documents.catalogue import get_type

    doc = do_create_document(case, type_code="preservation_decision", actor=world.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type("preservation_decision"), prefilled=doc.fields),
                             actor=world.alice)
    doc = do_issue_document(doc, actor=world.alice)
    html = page_of(client, world.hank, f"/documents/{doc.pk}/")
    assert 'name="approved" value="yes">同意</button>' in html and "签署意见</button>" not in html
    assert 'data-opinion="同意。"' in html
    slot = re.search(r'action="/documents/\d+/approve/".*?name="slot" value="([^"]+)"', html, re.S)
    assert slot is not None
    client.post(f"/documents/{doc.pk}/approve/", {"slot": slot.group(1), "approved": "no",
                                                       "opinion": "不同意,请补充调查。"})
    [sig] = Signature.objects.filter(document=doc, kind="approval")
    assert (sig.approved, sig.opinion) == (False, "不同意,请补充调查。")


def test_issuing_marks_every_missing_field_at_once_and_a_retry_records_no_edit(
        world: World, client: Client) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    doc = do_create_document(case, type_code="inquiry_record", actor=world.alice)
    client.force_login(world.alice)
    post = {"issue": "1", "place": "公司办公室"}
    answer = client.post(f"/documents/{doc.pk}/save/", post)
    html = answer.content.decode()
    assert answer.status_code == 400 and "未能签发" in html
    # The refusal names each empty mandatory field; each is marked on the form.
    for label in ("询问开始时间", "询问结束时间", "被询问人"):
        assert f"「{label}" in html, label
    marked = html.count('<p class="error" role="alert">必填</p>')
    assert marked >= 3
    edits = DomainEvent.objects.filter(action="document.update", object_id=str(doc.pk)).count()
    assert edits == 1
    client.post(f"/documents/{doc.pk}/save/", post)  # the same again: nothing new to save
    assert DomainEvent.objects.filter(action="document.update", object_id=str(doc.pk)).count() == edits


def test_after_closing_the_case_page_offers_the_case_file_as_the_next_step(
        world: World, client: Client, settings: Settings, tmp_path: Path) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    case, _, _ = closed_case(world, tmp_path, clip=False)
    html = page_of(client, world.alice, f"/cases/{case.pk}/")
    assert f'class="btn primary next-step" href="/cases/{case.pk}/case-file/"' in html
    assert "立卷" in html and "当前没有您可以办理的事项" not in html
    archie = page_of(client, world.archie, f"/cases/{case.pk}/")
    assert "next-step" not in archie  # nothing to bind before the officers assemble the file
    do_assemble_case_file(case, actor=world.alice)
    assert "检查装订案卷,归档" in page_of(client, world.archie, f"/cases/{case.pk}/")
    assert "next-step" not in page_of(client, world.alice, f"/cases/{case.pk}/")


@pytest.fixture
def site(transactional_db: None, live_server) -> tuple[World, str]:
    return build_world(), live_server.url


@pytest.mark.slow
def test_in_a_browser_the_head_picks_an_opinion_and_agrees_on_a_tablet(
        browser: Browser, site: tuple[World, str]) -> None:
    world, base = site
    case = register_case(world)
    hank = sign_in(browser, base, world.hank.username, width=1024, height=768)
    hank.goto(f"{base}/cases/{case.pk}/")
    box = hank.locator('details[data-step="approval:filing.head"]')
    box.get_by_role("button", name="同意立案,由承办人员依法调查。").click()
    expect(box.locator("textarea[name=opinion]")).to_have_value("同意立案,由承办人员依法调查。")
    box.get_by_role("button", name="同意", exact=True).click()
    expect(hank.locator("#case-stage")).to_have_text("已立案")
    assert Approval.objects.get().opinion == "同意立案,由承办人员依法调查。"
