"""In a real browser, under the agriculture rules: an inquiry record filled from the case, issued,
signed by two officers and (on the canvas) by a witness present, refused by the party with the
two witnesses the rules require, then corrected by a new version."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.lib import timez
from lawtrail.testing.browser import sign_in
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, register_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")



@pytest.fixture
def site(transactional_db: None, live_server) -> tuple[World, str, Case]:  # type: ignore[no-untyped-def]
    world = build_world("agriculture", "测试区农业农村局")
    case = advance(world, register_case(world), to="investigating")
    return world, live_server.url, case



def slot(page: Page, key: str) -> Locator:
    return page.locator(f'div.slot[data-slot="{key}"]')


def draw(page: Page, canvas: Locator) -> None:
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 30, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 160, box["y"] + 120, steps=12)
    page.mouse.move(box["x"] + 260, box["y"] + 50, steps=12)
    page.mouse.up()


def test_it_fills_issues_signs_refuses_and_corrects_an_inquiry_record(browser: Browser,
                                                                      site: tuple[World, str, Case]) -> None:
    w, base, case = site
    alice = sign_in(browser, base, w.alice.username)
    alice.goto(f"{base}/cases/{case.pk}/")
    alice.locator("#case-documents").get_by_role("link", name="制作文书").click()
    alice.locator('#document-types a[data-type="inquiry_record"]').click()
    expect(alice.locator("h1")).to_have_text("询问(调查)笔录")
    # Pre-filled from the case: its number, the officers with their 执法证号, the start time.
    expect(alice.locator("#id_f-case_number")).to_have_value(case.number or "")
    expect(alice.locator("#id_f-officers")).to_have_value(
        f"艾丽(执法证号 {w.alice.cert_no})、安迪(执法证号 {w.andy.cert_no})")
    expect(alice.locator("#id_f-started_at")).not_to_have_value("")
    end = (timez.beijing(timez.now()) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    alice.fill("#id_f-ended_at", end)
    alice.fill("#id_f-place", "测试区农业农村局询问室")
    alice.fill("#id_f-credentials_shown", "已向被询问人出示执法证件")
    alice.fill("#id_f-interviewee_id", "110105194912310029")
    alice.fill("#id_f-interviewee_relation", "法定代表人")
    alice.fill("#id_f-rights_told", "已告知陈述、申辩、申请回避的权利")
    alice.click("button[name=save]")
    expect(alice.locator("#document-status")).to_have_text("草稿")

    # Issuing without the transcript is refused, and the page says which field is missing.
    alice.click("#document-edit button[name=issue]")
    expect(alice.locator(".messages")).to_contain_text("询问内容(问答)")
    alice.fill("#id_f-transcript", "问:你公司是否按时支付工资?\n答:二月起拖欠。")
    alice.click("#document-edit button[name=issue]")
    expect(alice.locator("#document-status")).to_have_text("已签发")
    first_url = alice.url

    # Two officers sign by being logged in (第九条 of the agriculture rules: at least two).
    slot(alice, "officers").get_by_role("button").click()
    expect(slot(alice, "officers")).to_contain_text(f"艾丽(执法证号 {w.alice.cert_no})")
    expect(slot(alice, "officers")).to_contain_text("需2人签名")
    andy = sign_in(browser, base, w.andy.username)
    andy.goto(first_url)
    slot(andy, "officers").get_by_role("button").click()
    expect(slot(andy, "officers")).to_contain_text("安迪")

    # A person present signs by hand on the tablet.
    alice.goto(first_url)
    present = slot(alice, "witnesses")
    present.locator("input[name=name]").fill("钱七")
    draw(alice, present.locator("canvas"))
    present.locator("form.hand-sign button[type=submit]").click()
    expect(slot(alice, "witnesses")).to_contain_text("钱七")

    # The party refuses: one witness is not enough under 第十一条; two disinterested ones are.
    party = slot(alice, "interviewee")
    party.locator('details[data-step="refuse:interviewee"] summary').click()
    party.locator("textarea[name=reason]").fill("对笔录内容有异议,拒绝签字")
    party.locator("input[name=witness_1_name]").fill("孙八")
    party.locator('details[data-step="refuse:interviewee"] button[type=submit]').click()
    expect(slot(alice, "interviewee").locator(".errors")).to_contain_text("2名以上无利害关系人见证")
    party = slot(alice, "interviewee")
    party.locator("input[name=witness_1_name]").fill("孙八")
    party.locator("input[name=witness_2_name]").fill("周九")
    party.locator("textarea[name=reason]").fill("对笔录内容有异议,拒绝签字")
    party.locator('details[data-step="refuse:interviewee"] button[type=submit]').click()
    expect(slot(alice, "interviewee")).to_contain_text("拒绝签名")
    expect(slot(alice, "interviewee")).to_contain_text("孙八、周九")
    expect(alice.locator("#document-signatures h2")).to_contain_text("已签齐")

    # A correction is a new version; once issued, the old one is marked superseded.
    alice.locator('details[data-step="correct"] summary').click()
    alice.locator('details[data-step="correct"] textarea[name=reason]').fill("询问地点记载有误")
    alice.locator('details[data-step="correct"] button[type=submit]').click()
    expect(alice.locator("h1")).to_contain_text("第2版")
    alice.fill("#id_f-place", "测试区农业农村局二号询问室")
    alice.click("#document-edit button[name=issue]")
    expect(alice.locator("#document-status")).to_have_text("已签发")
    alice.goto(first_url)
    expect(alice.locator("#document-status")).to_have_text("已被更正")
    expect(alice.locator("#document-newer")).to_contain_text("第2版")

    # The case page lists both versions, and its timeline links to them.
    alice.goto(f"{base}/cases/{case.pk}/")
    expect(alice.locator("#case-documents")).to_contain_text("第2版")
    expect(alice.locator("ol.timeline a.timeline-document").first).to_be_visible()

    old, new = Document.objects.filter(type_code="inquiry_record").order_by("id")
    assert (old.status, new.status, new.previous_id, new.fields["place"]) == (
        "superseded", "issued", old.pk, "测试区农业农村局二号询问室")
    kinds = {(s.slot, s.kind, s.name) for s in old.signatures.all()}
    assert kinds == {("officers", "signed", "艾丽"), ("officers", "signed", "安迪"), ("witnesses", "signed", "钱七"),
                     ("interviewee", "refused", "张三")}
    hand = old.signatures.get(slot="witnesses")
    assert bytes(hand.image).startswith(b"\x89PNG") and len(hand.image_sha256) == 64
    assert [x["name"] for x in old.signatures.get(kind="refused").witnesses] == ["孙八", "周九"]
