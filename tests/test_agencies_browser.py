"""In a real browser, for each of the five regulations: a case of that agency's demo walked from
registration to the archive by the demo's own people, each doing their step on the case page.

What differs between the agencies is data: the filing opinions the profile asks for (the unit's
负责人 first under the commission's and the agriculture rules), the agency's 案号 and 文号, its
parties. The walk reads which filing opinions the agency's profile asks for; everything else is
the same steps on every agency's case page."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from playwright.sync_api import Browser, Page, expect

from lawtrail.accounts.models import Agency, User
from lawtrail.cases.choices import ApprovalKind
from lawtrail.cases.models import Case, Party
from lawtrail.cases.workflow import required_filing_kinds
from lawtrail.demo import PASSWORD, demo_agency_name, demo_cast, ensure_demo
from lawtrail.demo_agencies import PROFILE_IDS
from lawtrail.documents.actions import do_record_hand_signature
from lawtrail.documents.models import Document
from lawtrail.documents.signing import slot_states
from lawtrail.lib import timez
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.browser import sign_in
from lawtrail.testing.documents import handwriting_png
from lawtrail.testing.scenarios import notify_rights

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls between browser steps

pytestmark = pytest.mark.slow

PROFILES = ("labor-inspection", *PROFILE_IDS)


@pytest.fixture(params=PROFILES)
def agency_site(request: pytest.FixtureRequest, transactional_db: None, live_server) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The demo of one agency (only that one: the walk needs no other), and the server's address."""
    assert ensure_demo(profiles=[request.param]) is True
    return request.param, live_server.url


def step(page: Page, key: str):  # type: ignore[no-untyped-def]
    box = page.locator(f'details[data-step="{key}"]')
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def approve(page: Page, case_url: str, key: str, opinion: str) -> None:
    page.goto(case_url)
    box = step(page, key)
    box.locator("textarea[name=opinion]").fill(opinion)
    box.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator(f'details[data-step="{key}"]')).to_have_count(0)


def test_a_case_of_each_agency_goes_from_registration_to_the_archive(
        browser: Browser, agency_site: tuple[str, str]) -> None:
    profile_id, base = agency_site
    cast = demo_cast(profile_id)
    agency = Agency.objects.get(name=demo_agency_name(profile_id))
    assert agency.profile_id == profile_id
    handler = User.objects.get(username=cast["handler"])
    partner = User.objects.get(username=cast["partner"])
    party = Party.objects.filter(agency=agency).order_by("pk").first()
    assert party is not None and handler.unit is not None

    def person(part: str) -> Page:
        return sign_in(browser, base, cast[part], password=PASSWORD)

    officer = person("handler")
    officer.goto(f"{base}/cases/new/")
    officer.select_option("#id_unit", str(handler.unit.pk))
    officer.fill("#id_title", "浏览器走查案件")
    officer.select_option("#id_source", "inspection")
    officer.select_option("#id_party", str(party.pk))
    officer.fill("#id_facts", "日常检查发现的违法行为,需立案调查。")
    officer.select_option("#id_handler", str(handler.pk))
    officer.check(f"input[name=officers][value='{partner.pk}']")
    officer.fill("#id_handler_opinion", "事实基本清楚,建议立案。")
    officer.click("button:has-text('提交')")
    expect(officer.locator("#case-stage")).to_have_text("待立案审批")
    case_url = officer.url
    case = Case.objects.get(agency=agency, title="浏览器走查案件")

    # The filing opinions the agency's profile asks for, in order: the unit's head first where
    # the regulation names one, the agency's head last (who gives the 案号).
    head = person("head")
    kinds = required_filing_kinds(get_profile(profile_id))
    assert kinds[-1] == ApprovalKind.FILING_HEAD
    if ApprovalKind.FILING_UNIT_HEAD in kinds:
        approve(person("unit_head"), case_url, "approval:filing.unit_head", "同意立案,报机关负责人审批。")
    approve(head, case_url, "approval:filing.head", "同意立案。")
    expect(head.locator("#case-stage")).to_have_text("已立案")
    expect(head.locator("#case-number")).to_contain_text(f"{agency.case_number_format.split('〔')[0]}〔")

    officer.goto(case_url)
    step(officer, "move:investigating").locator("button[type=submit]").click()
    expect(officer.locator("#case-stage")).to_have_text("调查取证")
    # The party is told its rights, on a 权利告知书 it signs, before any decision: the regulations'
    # 权利告知 articles ask the record (the document pages have tests of their own).
    notify_rights(Case.objects.get(pk=case.pk), actor=handler)
    officer.goto(case_url)
    box = step(officer, "move:reviewing")
    box.locator("textarea[name=investigation_summary]").fill("经现场检查和询问,违法事实清楚。")
    box.locator("button[type=submit]").click()
    expect(officer.locator("#case-stage")).to_have_text("审查决定")
    box = step(officer, "decision:decision")
    box.locator("select[name=kind]").select_option("order")
    box.locator("textarea[name=text]").fill("责令于 15 日内改正违法行为。")
    box.locator("textarea[name=basis]").fill("有关法律、法规的规定")
    box.locator("textarea[name=evidence]").fill("现场检查记录\n当事人陈述")
    box.locator("input[name=deadline_on]").fill("2026-12-31")
    box.locator("button[type=submit]").click()

    approve(person("legal_reviewer"), case_url, "approval:decision.legal_review", "事实清楚,程序合法,适用依据正确。")
    approve(head, case_url, "approval:decision.head", "同意。")

    officer.goto(case_url)
    step(officer, "move:serving").locator("button[type=submit]").click()
    expect(officer.locator("#case-stage")).to_have_text("送达执行")
    order = Document.objects.get(case=case, type_code="rectification_order", status="issued")
    assert order.number  # its 文号, given as the move to 送达执行 issued it
    box = step(officer, "service:service")
    box.locator("select[name=document_id]").select_option(str(order.pk))
    box.locator("select[name=method]").select_option("direct")
    box.locator("button[type=submit]").click()
    expect(officer.locator("ol.timeline")).to_contain_text("送达")

    # The recipient signs the order and its 送达回证 on the officer's tablet (the signature pad has
    # tests of its own).
    receipt = Document.objects.get(case=case, type_code="service_receipt")
    for document in (receipt, order):
        for state in slot_states(document):
            if state.slot.role == "party" and not state.complete:
                do_record_hand_signature(document, slot=state.slot.key, name=party.legal_representative or party.name,
                                         image=handwriting_png(), fingerprint=state.slot.fingerprint, actor=handler)
    officer.goto(case_url)
    if "follow_up_checks" in get_profile(profile_id).rules:
        # After a decision the party's performance is checked and written down, and a 责令改正 gets
        # its 整改期限 (checked by that date) before the case may close.
        box = step(officer, "follow_up_due:follow_up_due")
        box.locator("select[name=kind]").select_option("rectification")
        box.locator("input[name=due_on]").fill(f"{timez.beijing(timez.now()).date() + dt.timedelta(days=15):%Y-%m-%d}")
        box.locator("button[type=submit]").click()
        expect(officer.locator("#follow-ups")).to_contain_text("整改")
        box = step(officer, "follow_up:follow_up")
        box.locator("select[name=kind]").select_option("performance")
        box.locator("input[name=checked_at]").fill(f"{timez.beijing(timez.now()):%Y-%m-%dT%H:%M}")
        box.locator("textarea[name=result]").fill("当事人已按期改正违法行为。")
        box.locator("select[name=fulfilled]").select_option("yes")
        box.locator("button[type=submit]").click()
        expect(officer.locator("#follow-ups")).to_contain_text("已履行")
    box = step(officer, "move:closed")
    box.locator("textarea[name=execution_result]").fill("当事人已按期改正。")
    box.locator("button[type=submit]").click()
    expect(officer.locator("#case-stage")).to_have_text("结案")

    officer.goto(f"{case_url}case-file/")
    officer.click("#assemble")
    expect(officer.locator("#case-file-status")).to_have_text("已组卷,待审核装订")
    archivist = person("archivist")
    archivist.goto(f"{case_url}case-file/")
    archivist.click("#bind")
    expect(archivist.locator("#case-file-status")).to_have_text("已装订归档")
    index = archivist.locator("#case-file-index")
    for title in ("立案审批表", "责令改正决定书", "送达回证", "结案审批表"):
        expect(index).to_contain_text(title)
    for document in Document.objects.filter(case=case, status="issued").exclude(number=""):
        expect(index).to_contain_text(document.number)

    case.refresh_from_db()
    assert case.stage == "archived" and case.agency_id == agency.pk
    assert Agency.objects.count() == 1  # the walk needed its own agency's demo only
