"""In a real browser: a form with several outcomes shows the fields of the chosen one only; a party
reads a 笔录 back and signs it full screen on a phone."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from lawtrail.cases.actions import do_register_complaint
from lawtrail.cases.models import Complaint
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.models import Document, Signature
from lawtrail.testing.browser import sign_in
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.personas import World, build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def site(transactional_db: None, live_server) -> tuple[World, str]:  # type: ignore[no-untyped-def]
    return build_world(), live_server.url


def test_the_complaint_decision_shows_the_fields_of_the_chosen_outcome(
        browser: Browser, site: tuple[World, str]) -> None:
    w, base = site
    complaint = do_register_complaint(unit=w.alice.unit, kind="complaint", respondent=w.company,
                                      facts="反映公司拖欠工资。", complainant_name="陈小兵", complainant_phone="13800000001",
                                      actor=w.alice)
    page = sign_in(browser, base, w.alice.username)
    page.goto(f"{base}/complaints/{complaint.pk}/")
    fields = {name: page.locator(f'[data-field="{name}"]') for name in
              ("title", "handler", "handler_opinion", "missing_items", "reason")}
    for name in fields:  # nothing chosen yet: no outcome's fields
        expect(fields[name]).to_be_hidden()

    page.check("input[name=outcome][value=not_accepted]")
    expect(fields["reason"]).to_be_visible()
    for name in ("title", "handler", "handler_opinion", "missing_items"):
        expect(fields[name]).to_be_hidden()

    page.check("input[name=outcome][value=accepted]")
    for name in ("title", "handler", "handler_opinion"):
        expect(fields[name]).to_be_visible()
    expect(fields["reason"]).to_be_hidden()

    page.check("input[name=outcome][value=not_accepted]")
    page.fill("#id_reason", "不属于本机关管辖。")
    page.click("button:has-text('保存处理结果')")
    expect(page.locator("#complaint-status")).to_have_text("不予受理")
    assert Complaint.objects.get(pk=complaint.pk).decision_reason == "不属于本机关管辖。"


@pytest.fixture
def issued_inquiry(transactional_db: None, live_server) -> tuple[World, str, Document]:  # type: ignore[no-untyped-def]
    from lawtrail.testing.scenarios import advance, register_case

    w = build_world("agriculture", "测试区农业农村局")
    case = advance(w, register_case(w), to="investigating")
    doc = do_create_document(case, type_code="inquiry_record", actor=w.alice)
    fields = sample_fields(doc.doc_type, prefilled=doc.fields)
    fields["transcript"] = "问:你公司是否按时支付工资?\n答:二月起拖欠。"
    doc = do_issue_document(do_update_document(doc, fields=fields, actor=w.alice), actor=w.alice)
    return w, live_server.url, doc


def draw(page: Page, canvas: Locator) -> None:
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 20, steps=10)
    page.mouse.move(box["x"] + box["width"] - 20, box["y"] + 40, steps=10)
    page.mouse.up()


def test_the_party_reads_the_record_and_signs_it_full_screen_on_a_phone(
        browser: Browser, issued_inquiry: tuple[World, str, Document]) -> None:
    w, base, doc = issued_inquiry
    page = sign_in(browser, base, w.alice.username, width=390, height=844)
    page.goto(f"{base}/documents/{doc.pk}/")
    party = page.locator('div.slot[data-slot="interviewee"]')
    party.locator("form.hand-sign input[name=name]").fill("周大海")
    party.locator("form.hand-sign input[name=fingerprint]").check()  # agriculture 第十一条: 签字并按手印
    party.get_by_role("button", name="全屏签名(先向签名人展示全文)").click()

    screen = page.get_by_role("dialog", name="全屏签名")
    expect(screen).to_be_visible()
    # The text is read back before signing, with the line the 笔录 needs.
    expect(screen.locator(".sign-text")).to_contain_text("二月起拖欠")
    expect(screen.locator(".sign-confirm")).to_have_text("以上笔录我已阅读(或已向我宣读),与我所说的相符。")
    pad = screen.locator("canvas")
    assert (pad.bounding_box() or {"width": 0})["width"] >= 340  # the screen's width, not a 166-px box
    draw(page, pad)
    screen.get_by_role("button", name="撤销一笔").click()
    screen.get_by_role("button", name="确认签名").click()
    expect(screen.locator(".sign-confirm")).to_have_text("请先在框内签名")  # undone: nothing to sign with
    draw(page, pad)
    screen.get_by_role("button", name="确认签名").click()

    expect(page.locator('div.slot[data-slot="interviewee"]')).to_contain_text("周大海")
    signature = Signature.objects.get(document=doc, slot="interviewee")
    assert signature.kind == "signed" and signature.name == "周大海" and bytes(signature.image).startswith(b"\x89PNG")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
