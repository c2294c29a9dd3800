"""In a real browser: a complaint carried through to a closed case, by the people who do each step."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from lawtrail.cases.models import Case, Party
from lawtrail.documents.actions import (
    do_create_document,
    do_issue_document,
    do_record_hand_signature,
    do_update_document,
)
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import Document
from lawtrail.evidence.actions import do_link_evidence
from lawtrail.lib import timez
from lawtrail.testing import media
from lawtrail.testing.browser import sign_in
from lawtrail.testing.documents import handwriting_png, sample_fields, sign_all
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")



@pytest.fixture
def site(transactional_db: None, live_server, settings, tmp_path) -> tuple[World, str]:  # type: ignore[no-untyped-def]
    use_fresh_vault(settings, tmp_path / "vault")
    return build_world(), live_server.url



def step(page: Page, key: str):  # type: ignore[no-untyped-def]
    box = page.locator(f'details[data-step="{key}"]')
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def test_it_carries_a_complaint_to_an_archived_case_whose_file_holds_each_steps_document(
        browser: Browser, site: tuple[World, str], tmp_path: Path) -> None:
    w, base = site
    alice = sign_in(browser, base, w.alice.username)

    alice.click("text=登记投诉举报")
    alice.check("#id_kind input[value=complaint]")
    alice.fill("#id_complainant_name", "陈小兵")
    alice.fill("#id_complainant_phone", "13800000001")
    alice.select_option("#id_respondent", str(w.company.pk))
    alice.fill("#id_facts", "反映公司拖欠三个月工资。")
    alice.click("button:has-text('提交')")
    expect(alice.locator("#complaint-status")).to_have_text("待审查")
    # The complainant gets the 书面凭证/回执 of the registration (the labour rules, 第十一条).
    alice.click("button:has-text('出具书面凭证/回执')")
    expect(alice.locator("#complaint-receipt")).to_contain_text("回执")

    alice.check("input[name=outcome][value=accepted]")
    alice.fill("#id_title", "拖欠劳动者工资")
    alice.select_option("#id_handler", str(w.alice.pk))
    alice.fill("#id_handler_opinion", "线索具体,建议立案。")
    alice.click("button:has-text('保存处理结果')")
    expect(alice.locator("#case-stage")).to_have_text("待立案审批")
    case_url = alice.url

    hank = sign_in(browser, base, w.hank.username)
    # The head finds it among the approvals waiting for him.
    hank.locator("tr", has_text="拖欠劳动者工资").locator("a").first.click()
    box = step(hank, "approval:filing.head")
    box.locator("textarea[name=opinion]").fill("同意立案。")
    box.get_by_role("button", name="同意", exact=True).click()
    expect(hank.locator("#case-stage")).to_have_text("已立案")
    expect(hank.locator("#case-number")).to_contain_text("测劳监立〔")

    alice.goto(case_url)
    # Two officers investigate (《行政处罚法》第四十二条): andy joins alice.
    box = step(alice, "officers:officers")
    box.locator(f"input[name=officers][value='{w.andy.pk}']").check()
    box.locator("button[type=submit]").click()
    step(alice, "move:investigating").locator("button[type=submit]").click()
    expect(alice.locator("#case-stage")).to_have_text("调查取证")
    # One 询问笔录, with the officer's body-cam clip of it (the document and evidence pages have tests of their own).
    case = Case.objects.get(title="拖欠劳动者工资")
    began = timez.beijing(timez.now()).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    clip = ingest(media.make_clip(tmp_path / "inquiry.mp4", seconds=1, created=began), officer=w.alice)
    do_link_evidence(clip, case=case, actor=w.alice)
    inquiry = do_create_document(case, type_code="inquiry_record", actor=w.alice)
    fields = {**sample_fields(get_type("inquiry_record"), prefilled=inquiry.fields),
              "started_at": began.isoformat(), "ended_at": (began + dt.timedelta(minutes=1)).isoformat()}
    inquiry = do_update_document(inquiry, fields=fields, actor=w.alice)
    sign_all(do_issue_document(inquiry, actor=w.alice), [w.alice, w.andy])
    alice.goto(case_url)
    box = step(alice, "move:reviewing")
    box.locator("textarea[name=investigation_summary]").fill("询问 3 名劳动者,调取工资表,事实清楚。")
    box.locator("button[type=submit]").click()
    expect(alice.locator("#case-stage")).to_have_text("审查决定")

    # Without its approvals the decision may not go out: the page says why.
    box = step(alice, "decision:decision")
    box.locator("select[name=kind]").select_option("order")
    box.locator("textarea[name=text]").fill("责令于 15 日内支付拖欠工资。")
    box.locator("textarea[name=basis]").fill("《劳动保障监察条例》第二十六条")
    box.locator("textarea[name=evidence]").fill("工资表\n劳动者陈述")
    box.locator("input[name=deadline_on]").fill("2026-12-31")
    box.locator("button[type=submit]").click()
    step(alice, "move:serving").locator("button[type=submit]").click()
    expect(alice.locator(".errors")).to_contain_text("处理决定尚未审批")

    lena = sign_in(browser, base, w.lena.username)
    lena.goto(case_url)
    box = step(lena, "approval:decision.legal_review")
    box.locator("textarea[name=opinion]").fill("事实清楚,程序合法,适用依据正确。")
    box.get_by_role("button", name="同意", exact=True).click()
    hank.goto(case_url)
    box = step(hank, "approval:decision.head")
    box.locator("textarea[name=opinion]").fill("同意。")
    box.get_by_role("button", name="同意", exact=True).click()

    alice.goto(case_url)
    step(alice, "move:serving").locator("button[type=submit]").click()
    expect(alice.locator("#case-stage")).to_have_text("送达执行")
    case = Case.objects.get(title="拖欠劳动者工资")
    order = Document.objects.get(case=case, type_code="rectification_order", status="issued")
    box = step(alice, "service:service")
    # The served document is picked from the case's issued ones: the order, with its 文号.
    picker = box.locator("select[name=document_id]")
    expect(picker.locator("option")).to_have_count(2)
    picker.select_option(str(order.pk))
    box.locator("select[name=method]").select_option("direct")
    box.locator("button[type=submit]").click()

    # Skipped: the recipient has signed neither the order nor its 送达回证. The page lists it, and 结案 says so.
    expect(alice.locator("#closing-missing")).to_contain_text("送达回证缺少受送达人(签收人)的签名")
    box = step(alice, "move:closed")
    box.locator("textarea[name=execution_result]").fill("已支付全部拖欠工资。")
    box.locator("button[type=submit]").click()
    refusal = alice.locator(".messages .msg.error")
    expect(refusal).to_contain_text("不能结案,尚缺以下3项")
    expect(refusal).not_to_contain_text("送达时间早于其签发时间")  # served the minute it was issued
    expect(refusal).to_contain_text("送达回证缺少受送达人(签收人)的签名")
    expect(refusal).to_contain_text("责令改正决定书缺少当事人(签收)的签名")
    # 直接送达 is proven by the 送达回证 the recipient signed (labour 第二十五条).
    expect(refusal).to_contain_text("的送达回证没有受送达人签收")
    expect(alice.locator("#case-stage")).to_have_text("送达执行")

    # The recipient signs both on the officer's tablet (the signature pad has tests of its own).
    receipt = Document.objects.get(case=case, type_code="service_receipt")
    for document, slot in ((receipt, "recipient"), (order, "recipient")):
        do_record_hand_signature(document, slot=slot, name="张三", image=handwriting_png(), actor=w.alice)
    alice.goto(case_url)
    box = step(alice, "move:closed")
    box.locator("textarea[name=execution_result]").fill("已支付全部拖欠工资。")
    box.locator("button[type=submit]").click()
    expect(alice.locator("#case-stage")).to_have_text("结案")
    expect(alice.locator("ol.timeline")).to_contain_text("立案")

    alice.goto(f"{case_url}case-file/")
    alice.click("#assemble")
    expect(alice.locator("#case-file-status")).to_have_text("已组卷,待审核装订")
    archie = sign_in(browser, base, w.archie.username)
    archie.goto(f"{case_url}case-file/")
    archie.click("#bind")
    expect(archie.locator("#case-file-status")).to_have_text("已装订归档")
    index = archie.locator("#case-file-index")
    for document in Document.objects.filter(case=case, status="issued"):
        expect(index).to_contain_text(document.type_name)
        expect(index).to_contain_text(document.number)
    for title in ("立案审批表", "询问(调查)笔录", "调查终结报告", "行政处罚(处理)报批表", "责令改正决定书", "送达回证",
                  "结案审批表", clip.display_name):
        expect(index).to_contain_text(title)
    expect(index).to_contain_text(order.number)  # the decision with its 文号

    case.refresh_from_db()
    assert case.stage == "archived"
    assert case.number and case.number.startswith("测劳监立〔")
    assert case.complaint is not None and case.services.count() == 1


def test_it_explains_a_bad_id_number_in_chinese(browser: Browser, site: tuple[World, str]) -> None:
    w, base = site
    page = sign_in(browser, base, w.alice.username)
    page.goto(f"{base}/parties/new/")
    page.select_option("#id_kind", "person")
    page.fill("#id_name", "王五")
    page.fill("#id_id_number", "110105194912310021")  # last character off by one
    before = Party.objects.count()
    page.click("button:has-text('提交')")
    expect(page.locator('[data-field="id_number"] .error')).to_have_text("身份证号码校验位不正确")
    assert Party.objects.count() == before


def test_it_hides_another_units_case(browser: Browser, site: tuple[World, str]) -> None:
    from lawtrail.cases.actions import do_register_case

    w, base = site
    case = do_register_case(unit=w.unit_a, title="一中队的案件", source="inspection", party=w.company, facts="事实",
                            handler=w.alice, handler_opinion="建议立案", actor=w.alice)
    page = sign_in(browser, base, w.bob.username)
    response = page.goto(f"{base}/cases/{case.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{base}/cases/")
    expect(page.locator("table.cases")).not_to_contain_text("一中队的案件")
