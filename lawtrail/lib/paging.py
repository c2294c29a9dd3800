"""Lists a page at a time, and the totals above them.

Totals are counted at most once a minute: a COUNT over the user's whole scope reads every row of
it (at 100,000 cases, the agency's every recording), while the list itself reads one page. The
list is always current; the number above it may lag by up to COUNT_SECONDS, and the page says
when it was counted.

Pages of a list ordered newest first by a moment and the id (`-registered_at, -id`) are keyset
pages (`keyset_page`): a page is "the next `size` rows after this row", which an index on
(scope, moment, id) answers by reading size + 1 rows however deep the page; an OFFSET would read
every row before it. The cursor is the boundary row's moment (microseconds since the epoch) and
id: opaque to people, stable while rows are added (a new row lands on the first page and shifts
nothing after it).

The boundary is read in two parts, each a range the index starts from at the cursor: the rows of
the cursor's very moment with a smaller id (`moment = t AND id < n`), then, if the page is not
full, the rows of earlier moments (`moment < t`). Written as one condition, `moment < t OR
(moment = t AND id < n)` made SQLite walk the index from the newest row down to the cursor (a
page in the middle of 1,000 cases read 500), and `moment <= t AND (moment < t OR id < n)` still
every row of moment t with a larger id: migrated records often share a moment (100,000 generated
cases share one registration time, and their middle page read 50,000 index entries, 8.8 ms, for
its 21 rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import QueryDict

from lawtrail.lib import timez
from lawtrail.lib.errors import InvalidInput

COUNT_SECONDS = 60
T = TypeVar("T")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CURSOR = re.compile(r"(-?[0-9]{1,18})_([0-9]{1,18})")


def cached_count(qs: QuerySet[Any], key: str) -> tuple[int, dt.datetime]:
    """How many rows `qs` holds and when that was counted (at most COUNT_SECONDS ago). `key`
    names the list: the user and the filters (one user's filtered list is one count)."""
    return counted(key, qs.count)


def list_key(name: str, user_pk: Any, filters: dict[str, Any], *, paging: tuple[str, ...]) -> str:
    """The key of one user's filtered list: its filters without the ones that only page it."""
    kept = sorted((k, v) for k, v in filters.items() if k not in paging)
    return f"{name}:{user_pk}?{kept}"


def counted(key: str, count: Callable[[], T]) -> tuple[T, dt.datetime]:
    """What `count()` gives (totals, counts by stage) and when it was counted: counted at most
    once every COUNT_SECONDS for `key` (who asks, and for what)."""
    name = "lawtrail:count:" + hashlib.sha256(key.encode()).hexdigest()
    found = cache.get(name)
    if found is None:
        found = (count(), timez.now())
        cache.set(name, found, COUNT_SECONDS)
    return found


# ---------------------------------------------------------------- keyset pages (see the module's note)


def cursor_of(moment: dt.datetime, pk: int) -> str:
    """The cursor naming the row at (`moment`, `pk`)."""
    return f"{(moment - _EPOCH) // dt.timedelta(microseconds=1)}_{pk}"


def parse_cursor(raw: str) -> tuple[dt.datetime, int] | None:
    """The boundary a cursor names, or None when it is not one of ours."""
    found = _CURSOR.fullmatch(raw)
    if found is None:
        return None
    try:
        return _EPOCH + dt.timedelta(microseconds=int(found[1])), int(found[2])
    except OverflowError:
        return None


@dataclass
class KeysetPage(Generic[T]):
    items: list[T]
    next: str | None  # the cursor of the following page (older rows), if any
    previous: str | None  # the cursor of the preceding page (newer rows), if this is not the first

    @property
    def first(self) -> bool:
        return self.previous is None


def keyset_page(qs: QuerySet[Any], moment: str, *, after: str = "", before: str = "", size: int) -> KeysetPage[Any]:
    """The `size` rows of `qs`, newest first by (`moment`, id), after the cursor `after` (older),
    or before `before` (newer), or the first page; at most two queries of at most size + 1 rows.
    A cursor that is not one of ours gives the first page. `moment` is a field no row leaves empty."""
    older = parse_cursor(after) if after else None
    newer = parse_cursor(before) if before and not older else None

    def cursor(row: Any) -> str:
        return cursor_of(getattr(row, moment), row.pk)

    if newer is not None:
        rows = _beyond(qs, moment, newer, size + 1, newer_side=True)
        if len(rows) > size:
            items = rows[:size][::-1]
            return KeysetPage(items, cursor(items[-1]), cursor(items[0]))
        # Fewer than a page newer than the cursor: that is the first page.
        older = None
    rows = (_beyond(qs, moment, older, size + 1, newer_side=False) if older is not None
            else list(qs.order_by(f"-{moment}", "-id")[:size + 1]))
    items = rows[:size]
    return KeysetPage(items, cursor(items[-1]) if len(rows) > size else None,
                      cursor(items[0]) if older is not None and items else None)


def paged(qs: QuerySet[Any], moment: str, get: QueryDict, *, size: int) -> tuple[KeysetPage[Any], str]:
    """A list page's keyset page as its request asks (`?after=` 下一页, `?before=` 上一页), and the
    request's query string without them (the filters the pager's links keep)."""
    query = get.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    return keyset_page(qs, moment, after=get.get("after", ""), before=get.get("before", ""), size=size), query.urlencode()


def api_page(qs: QuerySet[Any], moment: str, *, after: str, offset: int, limit: int) -> tuple[list[Any], str | None]:
    """An API list's rows and the cursor of the page after them (None at the end): from the cursor
    `after` when it is given (a keyset page), else from `offset` (which still works, but reads
    every row before it). A cursor the API did not give is refused (422, `invalid_cursor`)."""
    if after:
        if parse_cursor(after) is None:
            raise InvalidInput("invalid_cursor", "分页游标无效:请使用上一页返回的 next", {"field": "after"})
        page = keyset_page(qs, moment, after=after, size=limit)
        return page.items, page.next
    rows = list(qs.order_by(f"-{moment}", "-id")[offset:offset + limit + 1])
    items = rows[:limit]
    return items, cursor_of(getattr(items[-1], moment), items[-1].pk) if len(rows) > limit else None


def _beyond(qs: QuerySet[Any], moment: str, boundary: tuple[dt.datetime, int], limit: int, *,
            newer_side: bool) -> list[Any]:
    """Up to `limit` rows beyond the boundary, nearest first: those of the boundary's very moment
    (by id), then those of earlier moments (older side) or later ones (newer side)."""
    at, pk = boundary
    side, order = ("gt", "") if newer_side else ("lt", "-")
    rows = list(qs.filter(**{moment: at, f"pk__{side}": pk}).order_by(f"{order}id")[:limit])
    if len(rows) < limit:
        rows += qs.filter(**{f"{moment}__{side}": at}).order_by(f"{order}{moment}", f"{order}id")[:limit - len(rows)]
    return rows
