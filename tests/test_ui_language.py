"""A person reads Chinese: every page, as every demo persona of every agency, without English words,
the engine's ids, or links they may not open.

The crawl starts at each persona's home page and follows every same-site page link (not
downloads, which would only record accesses), so a page no menu reaches is not checked, and a
new page is checked as soon as something links to it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from pagetext import Page, english_words

from lawtrail.accounts.models import User
from lawtrail.demo import ensure_demo

pytestmark = pytest.mark.slow

# The crawl of every page as every persona of the five agencies' demo is in test_demo_full.py,
# which loads that demo once for all its tests.


def test_the_error_pages_are_chinese_and_keep_the_navigation(db: None, ledger: None) -> None:
    ensure_demo(profiles=["labor-inspection"])
    client = Client()
    client.force_login(User.objects.get(username="zhangwei"))  # an officer
    refused = client.get("/compliance/")
    missing = client.get("/cases/999999/")
    assert (refused.status_code, missing.status_code) == (403, 404)
    for response, title in ((refused, "无权访问"), (missing, "页面不存在")):
        html = response.content.decode()
        assert f"<h1>{title}</h1>" in html and 'class="mainnav"' in html
        page = Page()
        page.feed(html)
        assert english_words(" ".join(page.text)) == set()
    assert "只有监督人员、负责人、法制审核人员" in refused.content.decode()
    # The menu does not offer what the officer may not open.
    assert 'href="/compliance/"' not in client.get("/").content.decode()
