"""In a real browser, at a tablet (1024×768) and a phone (390×844): the field steps' pages lay out
within the screen (no sideways scrolling), as every demo persona who works in the field sees them."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Browser

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Complaint
from lawtrail.demo import ensure_demo
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENS = {"tablet": (1024, 768), "phone": (390, 844)}


@pytest.fixture
def demo(transactional_db: None, live_server) -> str:  # type: ignore[no-untyped-def]
    ensure_demo(profiles=["labor-inspection"])  # the officer walked here is the labour agency's
    return str(live_server.url)


def field_pages(user: User) -> list[str]:
    """The officer's pages of the field steps, for every record of the demo they may see."""
    case = Case.objects.restrict(user).exclude(number=None).order_by("id").first()
    assert case is not None
    pages = ["/", "/cases/", "/complaints/", "/evidence/", "/evidence/upload/", "/inspections/new/", "/simple/new/",
             f"/cases/{case.pk}/documents/new/inquiry_record/", f"/cases/{case.pk}/documents/new/check_record/"]
    pages += [f"/cases/{c.pk}/" for c in Case.objects.restrict(user).order_by("id")]
    pages += [f"/documents/{d.pk}/" for d in Document.objects.restrict(user).order_by("id")]
    pages += [f"/evidence/{e.pk}/" for e in Evidence.objects.restrict(user).order_by("id")[:3]]
    pages += [f"/complaints/{c.pk}/" for c in Complaint.objects.restrict(user).order_by("id")]
    return pages


@pytest.mark.parametrize("screen", SCREENS)
def test_the_field_pages_fit_the_screen(browser: Browser, demo: str, screen: str) -> None:
    width, height = SCREENS[screen]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{demo}/login/")
    page.fill("#id_username", "zhangwei")  # the demo's officer and 承办人
    page.fill("#id_password", "lawtrail2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo}/")
    too_wide = {}
    for path in field_pages(User.objects.get(username="zhangwei")):
        response = page.goto(demo + path)
        assert response is not None and response.status == 200, path
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            too_wide[path] = scroll
    page.close()
    assert too_wide == {}
