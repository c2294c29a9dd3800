"""API: 我的待办 — what waits for the signed-in user, from every app's registered source."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from lawtrail.lib import inbox
from lawtrail.lib.apikit import auth_user, responses

router = Router(tags=["inbox"])


class ItemOut(Schema):
    title: str = Field(description="案号或编号")
    detail: str
    asked: str = Field(description="待办事项")
    url: str = Field(description="办理页面")
    due: dt.datetime | None = None
    overdue: bool = False


class SectionOut(Schema):
    key: str = Field(description="来源代码(稳定)")
    label: str
    group: str = Field(description="approval / filing / finding / deadline")
    group_label: str
    count: int
    more: bool = Field(description="超过每类上限,仅列出最早的若干项")
    counted_in_badge: bool
    items: list[ItemOut]


class InboxOut(Schema):
    total: int
    badge: int = Field(description="菜单中显示的待办数")
    sections: list[SectionOut]


@router.get("/inbox", response=responses(200, InboxOut), summary="我的待办:各类待审批、待装订、待整改和期限提醒")
def my_inbox(request: HttpRequest) -> InboxOut:
    sections = inbox.gather(auth_user(request))
    return InboxOut(
        total=sum(s.count for s in sections), badge=sum(s.count for s in sections if s.source.badge),
        sections=[SectionOut(key=s.source.key, label=s.source.label, group=s.source.group,
                             group_label=inbox.GROUP_LABELS[s.source.group], count=s.count, more=s.more,
                             counted_in_badge=s.source.badge,
                             items=[ItemOut(**i.__dict__) for i in s.shown]) for s in sections],
    )
