"""In a real browser: a form with several outcomes shows the fields of the chosen one only."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Browser, expect

from lawtrail.cases.actions import do_register_complaint
from lawtrail.cases.models import Complaint
from lawtrail.testing.browser import sign_in
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
