"""Lists a page at a time, and the totals above them.

Totals are counted at most once a minute: a COUNT over the user's whole scope reads every row of
it (at 100,000 cases, the agency's every recording), while the list itself reads one page. The
list is always current; the number above it may lag by up to COUNT_SECONDS, and the page says
when it was counted.

Lists are paged by keyset (`keyset_page`): a page is "the next `size` rows after this row" in
the list's order, which an index on (scope, the order's fields) answers by reading size + 1 rows
however deep the page; an OFFSET would read every row before it. Most lists are newest first by a
moment and the id (`-registered_at, -id`); others name their fields, ending with the id (parties
by name, findings by severity and then newest). The cursor is the boundary row's values of those
fields (a moment as microseconds since the epoch, a text hex-coded): opaque to people, stable
while rows are added (a new row lands where it belongs and shifts nothing after it).

The boundary is read in parts, each a range the index starts from at the cursor: the rows of the
cursor's very moment with a smaller id (`moment = t AND id < n`), then, if the page is not full,
the rows of earlier moments (`moment < t`); an ordering of three fields has three parts. Written
as one condition, `moment < t OR (moment = t AND id < n)` made SQLite walk the index from the
newest row down to the cursor (a page in the middle of 1,000 cases read 500), and `moment <= t
AND (moment < t OR id < n)` still every row of moment t with a larger id: migrated records often
share a moment (100,000 generated cases share one registration time, and their middle page read
50,000 index entries, 8.8 ms, for its 21 rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import models
from django.db.models import QuerySet
from django.http import QueryDict

from lawtrail.lib import timez
from lawtrail.lib.errors import InvalidInput

COUNT_SECONDS = 60
T = TypeVar("T")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_PART = re.compile(r"[-0-9a-fx]*")
MAX_CURSOR = 2048
# How a list is ordered for its keyset pages: a moment's name (newest first by it, then by id) or
# the ordering's fields, ending with the id ("name", "id"; "severity", "-first_seen_at", "-id").
OrderBy = str | tuple[str, ...]


def cached_count(qs: QuerySet[Any], key: str) -> tuple[int, dt.datetime]:
    """How many rows `qs` holds and when that was counted (at most COUNT_SECONDS ago). `key`
    names the list: the user and the filters (one user's filtered list is one count)."""
    return counted(key, qs.count)


# The query parameters that only page an API list (apikit.CursorPaging), not filter it.
API_PAGING = ("limit", "offset", "after")


def list_key(name: str, user_pk: Any, filters: dict[str, Any], *, paging: tuple[str, ...] = API_PAGING) -> str:
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


def _keys(model: type[models.Model], order: OrderBy) -> tuple[tuple[str, bool], ...]:
    """(field, descending) of each key of an ordering; a single name is a moment, newest first."""
    names = (f"-{order}", "-id") if isinstance(order, str) else tuple(order)
    keys = tuple((n.lstrip("-"), n.startswith("-")) for n in names)
    if not _field(model, keys[-1][0]).primary_key:
        raise ValueError(f"a keyset ordering ends with the primary key: {names}")
    return keys


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.pk if name in ("id", "pk") else model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _part(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return str((value - _EPOCH) // dt.timedelta(microseconds=1))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return "x" + value.encode().hex()
    return str(int(value))


def cursor_of(*values: Any) -> str:
    """The cursor naming the row whose ordering keys are `values` (a moment and the id, for the
    lists newest first): each a number, a date or a hex-coded text, joined by "_"."""
    return "_".join(_part(v) for v in values)


def _value(field: models.Field[Any, Any], part: str) -> Any:
    if isinstance(field, models.DateTimeField):
        return _EPOCH + dt.timedelta(microseconds=int(part))
    if isinstance(field, models.DateField):
        return dt.date.fromisoformat(part)
    if isinstance(field, models.IntegerField):  # ids and entry numbers: never negative
        if not part.isdigit() or int(part) >= 2**63:
            raise ValueError(part)
        return int(part)
    if not part.startswith("x"):
        raise ValueError(part)
    return bytes.fromhex(part[1:]).decode()


def parse_cursor(model: type[models.Model], order: OrderBy, raw: str) -> tuple[Any, ...] | None:
    """The ordering keys a cursor names, or None when it is not one of ours for this ordering."""
    keys = _keys(model, order)
    parts = raw.split("_")
    if len(parts) != len(keys) or len(raw) > MAX_CURSOR or not _PART.fullmatch(raw.replace("_", "")):
        return None
    try:
        return tuple(_value(_field(model, name), part) for (name, _), part in zip(keys, parts, strict=True))
    except (ValueError, OverflowError, UnicodeDecodeError):
        return None


@dataclass
class KeysetPage(Generic[T]):
    items: list[T]
    next: str | None  # the cursor of the following page (older rows), if any
    previous: str | None  # the cursor of the preceding page (newer rows), if this is not the first

    @property
    def first(self) -> bool:
        return self.previous is None


def keyset_page(qs: QuerySet[Any], order: OrderBy, *, after: str = "", before: str = "", size: int) -> KeysetPage[Any]:
    """The `size` rows of `qs` in `order` (a moment's name: newest first by it and the id; or the
    fields, ending with the id) after the cursor `after`, or before `before`, or the first page;
    at most one query per key of at most size + 1 rows. A cursor that is not one of ours gives
    the first page. No row leaves an ordering field empty."""
    keys = _keys(qs.model, order)
    older = parse_cursor(qs.model, order, after) if after else None
    newer = parse_cursor(qs.model, order, before) if before and not older else None

    def cursor(row: Any) -> str:
        return cursor_of(*(getattr(row, name) for name, _ in keys))

    if newer is not None:
        rows = _beyond(qs, keys, newer, size + 1, forward=False)
        if len(rows) > size:
            items = rows[:size][::-1]
            return KeysetPage(items, cursor(items[-1]), cursor(items[0]))
        # Fewer than a page before the cursor: that is the first page.
        older = None
    rows = (_beyond(qs, keys, older, size + 1, forward=True) if older is not None
            else list(qs.order_by(*_ordering(keys, forward=True))[:size + 1]))
    items = rows[:size]
    return KeysetPage(items, cursor(items[-1]) if len(rows) > size else None,
                      cursor(items[0]) if older is not None and items else None)


def paged(qs: QuerySet[Any], order: OrderBy, get: QueryDict, *, size: int) -> tuple[KeysetPage[Any], str]:
    """A list page's keyset page as its request asks (`?after=` 下一页, `?before=` 上一页), and the
    request's query string without them (the filters the pager's links keep)."""
    query = get.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    return keyset_page(qs, order, after=get.get("after", ""), before=get.get("before", ""), size=size), query.urlencode()


def checked_cursor(model: type[models.Model], order: OrderBy, after: str) -> str:
    """`after` as an API received it: a cursor the API did not give is refused (422, `invalid_cursor`)."""
    if after and parse_cursor(model, order, after) is None:
        raise InvalidInput("invalid_cursor", "分页游标无效:请使用上一页返回的 next", {"field": "after"})
    return after


def api_page(qs: QuerySet[Any], order: OrderBy, *, after: str, offset: int, limit: int) -> tuple[list[Any], str | None]:
    """An API list's rows and the cursor of the page after them (None at the end): from the cursor
    `after` when it is given (a keyset page), else from `offset` (which still works, but reads
    every row before it)."""
    if checked_cursor(qs.model, order, after):
        page = keyset_page(qs, order, after=after, size=limit)
        return page.items, page.next
    keys = _keys(qs.model, order)
    rows = list(qs.order_by(*_ordering(keys, forward=True))[offset:offset + limit + 1])
    items = rows[:limit]
    return items, cursor_of(*(getattr(items[-1], n) for n, _ in keys)) if len(rows) > limit else None


def _ordering(keys: tuple[tuple[str, bool], ...], *, forward: bool) -> list[str]:
    return [("-" if descending == forward else "") + name for name, descending in keys]


def _beyond(qs: QuerySet[Any], keys: tuple[tuple[str, bool], ...], boundary: tuple[Any, ...], limit: int, *,
            forward: bool) -> list[Any]:
    """Up to `limit` rows beyond the boundary, nearest first (`forward`: in the list's order; else
    against it): those equal to the boundary in every key but the last, then in every key but the
    last two, and so on; each part is a range an index on the keys starts from at the boundary."""
    rows: list[Any] = []
    for depth in range(len(keys) - 1, -1, -1):
        name, descending = keys[depth]
        same = {n: v for (n, _), v in zip(keys[:depth], boundary[:depth], strict=True)}
        side = "lt" if descending == forward else "gt"
        rows += qs.filter(**same, **{f"{name}__{side}": boundary[depth]}).order_by(
            *_ordering(keys[depth:], forward=forward))[:limit - len(rows)]
        if len(rows) >= limit:
            break
    return rows
