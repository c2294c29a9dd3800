"""Debian's chromium driven by Playwright, for UI tests. Playwright's own browser download
is never used: it cannot be fetched here, and the system browser is what the machine has."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, expect, sync_playwright

from lawtrail.testing.personas import PASSWORD

CHROMIUM = os.environ.get("LAWTRAIL_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} not found: run scripts/system-deps.sh (installs Debian's chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(browser: Browser, base: str, username: str, *, width: int = 1024, height: int = 1366,
            password: str = PASSWORD) -> Page:
    """A new page (a tablet, upright, unless told) signed in as `username` (every persona shares
    PASSWORD; the demo's logins share the demo's), on its home page."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("我的工作")
    return page
