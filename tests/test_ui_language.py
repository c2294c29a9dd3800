"""A person reads Chinese: every page, as every demo persona of every agency, without English words,
the engine's ids, or links they may not open.

The crawl starts at each persona's home page and follows every same-site page link (not
downloads, which would only record accesses), so a page no menu reaches is not checked, and a
new page is checked as soon as something links to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from lawtrail.accounts.models import User
from lawtrail.demo import demo_logins_by_agency, demo_oversight_login, ensure_demo

pytestmark = pytest.mark.slow

# Words a Chinese user of such a system reads as they are: formats, standards and the product's name.
ALLOWED = {"pdf", "docx", "api", "sha", "sm3", "json", "gps", "exif", "mp4", "mov", "mpeg", "ts", "mkv", "webm",
           "wav", "jpeg", "jpg", "png", "bagit", "zip", "lawtrail", "csv", "xlsx", "utc", "id", "ip", "aac",
           "hevc", "h264", "avi", "flv", "wmv", "asf",
           # The document number pattern's placeholders, the syntax an administrator types (文书编号规则).
           "agency", "abbr", "year", "seq"}
# Not a page: files and actions a GET would record as an access (下载, 复制, 打印).
NOT_PAGES = re.compile(r"/(docx|pdf|issued-pdf|original|preview|thumbnail|print|export|package|download)(/|$)"
                       r"|\.(pdf|docx|zip)$")
# Ids of the compliance engine and the catalogue ("doc-12", "media-3", "1-labor-inspection").
RAW_IDS = re.compile(r"\b(doc|media|officer|interruption|service|approval)-\d+\b|\b\d-[a-z]+(-[a-z]+)*\b")
WORD = re.compile(r"[A-Za-z]{3,}")
# A few pages of each view tell about its template (the 39 document forms are one view).
PAGES_PER_VIEW = 4


class Page(HTMLParser):
    """The text a person reads (visible text, placeholders, titles, button labels) and the links."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0  # inside <script>, <style> or <code> (a command to copy, a hash)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style", "code"):
            self._hidden += 1
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"].split("#")[0])
        self.text += [a[k] for k in ("placeholder", "title", "aria-label") if a.get(k)]
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.text.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def english_words(text: str) -> set[str]:
    found = set()
    for token in re.findall(r"[A-Za-z0-9_.\-]+", text):
        # Codes of the data itself (a device serial, a credit code, a hash) carry digits; a word does not.
        if re.search(r"\d", token):
            continue
        found |= {w for w in WORD.findall(token) if w.lower() not in ALLOWED}
    return found


def test_every_page_speaks_chinese_to_every_persona(db: None, ledger: None) -> None:
    ensure_demo()
    # Every persona of every demo agency (the five regulations), as the demo prints them.
    personas = [username for _agency, logins in demo_logins_by_agency() for username, _, _ in logins]
    personas.append(demo_oversight_login()[0])  # the supervising office across the agencies
    assert len(personas) > 40 and set(personas) == set(User.objects.values_list("username", flat=True))
    problems: dict[str, set[str]] = defaultdict(set)
    for user in User.objects.filter(username__in=personas).order_by("agency_id", "username"):
        client = Client()
        client.force_login(user)
        seen: set[str] = set()
        per_view: dict[str, int] = defaultdict(int)
        queue = ["/"]
        while queue:
            url = queue.pop(0)
            path = url.split("?")[0]
            if url in seen or NOT_PAGES.search(path) or "logout" in url:
                continue
            seen.add(url)
            try:
                view = resolve(path).url_name or path
            except Resolver404:
                view = path  # answered 404 below
            if per_view[view] >= PAGES_PER_VIEW:
                continue
            per_view[view] += 1
            response = client.get(url)
            where = f"{user.username} {url}"
            if response.status_code in (403, 404):
                problems[f"a link leads to {response.status_code}"].add(where)
            elif response.status_code >= 400:
                problems[f"status {response.status_code}"].add(where)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            page = Page()
            page.feed(response.content.decode())
            text = " ".join(page.text)
            for word in english_words(text):
                problems[f"English word {word!r}"].add(where)
            if "-----" in text:
                problems["a picker's empty line is a row of dashes"].add(where)
            for match in RAW_IDS.finditer(text):
                problems[f"raw id {match.group(0)!r}"].add(where)
            queue += [link for link in page.links if link not in seen]
    report = {k: sorted(v)[:3] + ([f"… {len(v)} pages"] if len(v) > 3 else []) for k, v in sorted(problems.items())}
    assert report == {}


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
