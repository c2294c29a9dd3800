"""What every router of the JSON API shares: the error shape, the declared responses,
the input types, and how an id from the client becomes an object the user may see.

Kept apart from lawtrail/api.py so the routers can import it without importing the API
that mounts them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.db import models
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime

from lawtrail.accounts.models import User
from lawtrail.lib.errors import InvalidInput, NotFound

# The largest primary key a 64-bit column holds: a bigger number cannot name a row, and
# handing it to the database driver fails with an overflow instead of "not found".
MAX_ID = 2**63 - 1


class ErrorOut(Schema):
    code: str = Field(description="稳定的错误代码,供程序判断")
    message: str = Field(description="中文错误说明,供人阅读")
    detail: dict[str, Any] = Field(description="补充信息(如出错字段)")


ERROR_STATUSES = (400, 401, 403, 404, 409, 422)
# The expensive operations (lawtrail/web/limits.py) may also answer 429 (the user's rate limit) and
# 503 (every render slot taken), both with Retry-After.
EXPENSIVE_STATUSES = (*ERROR_STATUSES, 429, 503)


def responses(status: int, schema: Any, *, expensive: bool = False) -> dict[int, Any]:
    """The success response plus every error status, so the schema documents all we answer."""
    return {status: schema, **{s: ErrorOut for s in (EXPENSIVE_STATUSES if expensive else ERROR_STATUSES)}}


def _storable(value: str) -> str:
    # PostgreSQL refuses NUL in text and no database stores a lone surrogate: both would
    # surface as a 500 from the driver, so they are refused here as bad input.
    if "\x00" in value:
        raise ValueError("不能包含空字符(\\x00)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("包含无法保存的字符")
    return value


_NO_NUL = r"^[^\x00]*$"

# Lengths follow the model columns where the action does not check them itself; SQLite
# would store an over-long value silently while PostgreSQL fails, so the API checks first.
# Identity numbers get room beyond their 18 characters so that the action, not the schema,
# says what is wrong with one (invalid_id_number).
Ident = Annotated[str, Field(max_length=64, pattern=_NO_NUL), AfterValidator(_storable)]
Str30 = Annotated[str, Field(max_length=30, pattern=_NO_NUL), AfterValidator(_storable)]
Str50 = Annotated[str, Field(max_length=50, pattern=_NO_NUL), AfterValidator(_storable)]
Str100 = Annotated[str, Field(max_length=100, pattern=_NO_NUL), AfterValidator(_storable)]
Str200 = Annotated[str, Field(max_length=200, pattern=_NO_NUL), AfterValidator(_storable)]
Str500 = Annotated[str, Field(max_length=500, pattern=_NO_NUL), AfterValidator(_storable)]
LongText = Annotated[str, Field(max_length=20000, pattern=_NO_NUL), AfterValidator(_storable)]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdList = Annotated[list[Id], Field(max_length=50)]

# Amounts of 罚款金额: the column holds 12 digits with 2 decimals.
Amount = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]


def _plausible_time(value: dt.datetime) -> dt.datetime:
    # A year near 1 or 9999 overflows when converted to UTC for storage; no record of this
    # system is that old or that far ahead.
    if not 1990 <= value.year <= 2100:
        raise ValueError("时间应在 1990 年至 2100 年之间")
    return value


# Naive times are refused: compared with "now" they raise, and their zone would be a guess.
Moment = Annotated[AwareDatetime, AfterValidator(_plausible_time)]


class Page(Schema):
    count: int


class Paging(Schema):
    limit: int = Field(20, ge=1, le=100, description="每页条数")
    # Bounded so the OFFSET handed to the database stays a 64-bit integer.
    offset: int = Field(0, ge=0, le=1_000_000_000, description="跳过条数")


class CursorPaging(Paging):
    # Keyset paging (lawtrail/lib/paging.py): however deep, a page reads limit + 1 rows (an offset
    # reads every row before it).
    after: str = Field("", max_length=2048, description="游标:上一页返回的 next;给出时忽略 offset")


class CursorPage(Page):
    counted_at: dt.datetime = Field(description="count 的统计时间")
    next: str | None = Field(None, description="下一页的游标:作为 after 参数传回即得下一页;没有下一页时为 null")


def auth_user(request: HttpRequest) -> User:
    """The user the request authenticated as (session or bearer token)."""
    user = getattr(request, "auth_user", None)
    if not isinstance(user, User):
        # Every operation requires auth, so reaching here means a route was mounted without it.
        raise RuntimeError("API operation reached without an authenticated user")
    return user


M = TypeVar("M", bound=models.Model)


def visible(qs: models.QuerySet[M], pk: int, label: str) -> M:
    """The object `pk` named in the path, from a queryset already restricted to the user.

    Not visible and not existing answer alike (404): telling them apart would reveal that
    another unit's case exists.
    """
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound("not_found", f"{label}不存在或无权查看", {"id": pk})
    return obj


def reference(qs: models.QuerySet[M], pk: int, field: str, label: str) -> M:
    """The object an input field names by id; an unknown id is a fault of the input (422)."""
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput("unknown_reference", f"{label}(编号 {pk})不存在或不属于本机关",
                           {"field": field, "id": pk})
    return obj


def references(qs: models.QuerySet[M], pks: list[int], field: str, label: str) -> list[M]:
    wanted = list(dict.fromkeys(pks))
    found = {obj.pk: obj for obj in qs.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise InvalidInput("unknown_reference", f"{label}(编号 {'、'.join(map(str, missing))})不存在或不属于本机关",
                           {"field": field, "ids": missing})
    return [found[pk] for pk in wanted]


def agency_users(user: User) -> models.QuerySet[User]:
    """Users an input may name (handler, officers): active members of the user's agency."""
    qs = User.objects.filter(is_active=True)
    if user.is_superuser:
        return qs
    return qs.filter(agency_id=user.agency_id) if user.agency_id else qs.none()
