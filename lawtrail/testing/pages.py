"""Walking a list page by page as a person would: the 下一页 link of each page, to the last."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.test import Client

from lawtrail.testing.reads import reads

# The pager's links (templates/_keyset_pager.html): a cursor holds digits, "-", "_" and hex-coded text.
LINK = re.compile(r'href="\?([^"]*(?:after|before)=[0-9a-fx_-]+)">(上一页|下一页)</a>')


def links(html: str) -> dict[str, str]:
    """The pager's 上一页 / 下一页 links of a page: their query strings, by label."""
    return {label: query.replace("&amp;", "&") for query, label in LINK.findall(html)}


@dataclass
class Walk:
    pages: list[list[int]] = field(default_factory=list)  # the ids each page listed, in order
    last: str = ""  # the last page's HTML
    offsets: list[str] = field(default_factory=list)  # any query after the first page that used OFFSET

    @property
    def ids(self) -> list[int]:
        return [pk for page in self.pages for pk in page]


def walk(client: Client, url: str, row: str, **params: str) -> Walk:
    """Every page of the list at `url` (with `params`), following 下一页 until a page has none;
    `row` finds a row's id in the HTML (the first group of a regular expression)."""
    found = Walk()
    html = client.get(url, params).content.decode()
    while True:
        found.pages.append([int(pk) for pk in dict.fromkeys(re.findall(row, html))])
        following = links(html).get("下一页")
        if following is None:
            found.last = html
            return found
        with reads() as read:
            html = client.get(f"{url}?{following}").content.decode()
        found.offsets += [q.sql for q in read.queries if re.search(r"\bOFFSET\b", q.sql)]
