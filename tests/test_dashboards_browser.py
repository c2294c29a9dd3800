"""In a real browser: the supervisor's dashboard draws its charts with plotly.js (SVG in the page,
the script served from the Python package), and a click on a bar lists the cases it counts."""

from __future__ import annotations

import os
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, expect

from lawtrail.testing.browser import sign_in
from lawtrail.testing.dashboards import PERIOD, Picture, build_picture

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls between browser steps


@pytest.fixture
def site(transactional_db: None, live_server) -> tuple[Picture, str]:  # type: ignore[no-untyped-def]
    return build_picture(), live_server.url


def test_看板用plotly画出图表_点击柱形列出对应案件(browser: Browser, site: tuple[Picture, str]) -> None:
    pic, base = site
    page = sign_in(browser, base, pic.w.sam.username, width=1280, height=900)
    scripts: list[str] = []
    page.on("response", lambda r: scripts.append(r.url) if r.url.endswith(".min.js") else None)
    page.click("#nav-dashboard")
    expect(page.locator("h1")).to_have_text("数据看板")
    page.goto(f"{base}/dashboards/?{urlencode(PERIOD)}")
    expect(page.locator("#chart-stage svg.main-svg").first).to_be_visible()
    expect(page.locator("#chart-trend svg.main-svg").first).to_be_visible()
    assert any(re.search(r"/dashboards/plotly-[\d.]+\.min\.js$", u) for u in scripts)
    # The table behind the chart, one toggle away.
    page.locator("#card-stage summary").click()
    expect(page.locator("#table-stage")).to_contain_text("待立案审批")
    bar = page.locator("#chart-stage g.trace.bars g.point path").first
    box = bar.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/dashboards/cases/\?.*what=stage"))
    expect(page.locator("#drill-count")).to_have_text("2")
    expect(page.locator("#drill-cases")).to_contain_text(pic.c1.title)
    expect(page.locator("#drill-cases")).to_contain_text(pic.c3.title)
