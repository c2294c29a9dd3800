"""What a person reads on a page (visible text, placeholders, titles, button labels), its links,
and the English words and raw ids a Chinese page must not show (tests/test_ui_language.py,
tests/test_demo_full.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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
