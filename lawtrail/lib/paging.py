"""Totals above a list, counted at most once a minute: a COUNT over the user's whole scope reads
every row of it (at 100,000 cases, the agency's every recording), while the list itself reads one
page. The list is always current; the number above it may lag by up to COUNT_SECONDS, and the
page says when it was counted."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from lawtrail.lib import timez

COUNT_SECONDS = 60
T = TypeVar("T")


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


class CountedPaginator(Paginator):
    """Django's paginator whose total (and so its number of pages) is cached_count()'s. A page
    holds what the list holds now: the total may be a minute old, and Django's paginator would
    cut the last page it knows of at that total (a list that grew would show fewer rows than it
    has)."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, key: str) -> None:
        super().__init__(object_list, per_page)
        self._rows = object_list
        self._key = key
        self.counted_at: dt.datetime | None = None

    @cached_property
    def count(self) -> int:
        total, self.counted_at = cached_count(self._rows, self._key)
        return total

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return Page(self._rows[bottom:bottom + self.per_page], number, self)
