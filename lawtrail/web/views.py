"""The pages that gather every app's work for one person: the home page by role, 我的待办, the search.

They sit at the top: they read the inbox registry the apps fill (lawtrail/lib/inbox.py) and the
apps' own queries, and change nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.dashboards.scope import may_see_dashboards
from lawtrail.lib import inbox
from lawtrail.web.kit import signed_in_user

# Who works cases (registers, investigates): their home is the officer's workbench. Everyone else
# (负责人, 法制审核, 档案管理, 监督, 系统管理) first sees what waits for them and where they look.
CASE_WORKERS = (Role.OFFICER, Role.HANDLER)


def works_cases(user: User) -> bool:
    return any(g.role in CASE_WORKERS for g in user.grants)


def _sections(request: HttpRequest, user: User) -> list[inbox.Section]:
    sections = inbox.gather(user)
    # The menu's badge (context.inbox_badge) counts from these rather than asking every source again.
    request.inbox_sections = sections  # type: ignore[attr-defined]
    return sections


def _groups(sections: list[inbox.Section]) -> list[tuple[str, list[inbox.Section], int]]:
    out: list[tuple[str, list[inbox.Section], int]] = []
    for group, label in inbox.GROUP_LABELS.items():
        mine = [s for s in sections if s.source.group == group]
        out.append((label, mine, sum(s.count for s in mine)))
    return out


def _links(user: User) -> list[tuple[str, str, str]]:
    """The places each role looks at first: (label, url name, why)."""
    links: list[tuple[str, str, str]] = []
    roles = user.roles
    if may_see_dashboards(user):
        links.append(("数据看板", "dashboard", "案件、期限、合规问题、音像记录与设备配备的图表,可导出"))
    # A supervising office across agencies (no agency of its own) reads the dashboards only.
    if user.is_superuser or (user.agency_id is not None and
                             roles & {Role.SUPERVISOR, Role.HEAD, Role.LEGAL_REVIEWER, Role.ADMIN}):
        links.append(("合规检查", "compliance_findings", "全机关案件的检查发现"))
        links.append(("条款覆盖", "compliance_coverage", "本机关规定逐条落实情况"))
    if user.is_superuser or roles & {Role.HEAD, Role.SUPERVISOR, Role.ADMIN}:
        links.append(("执法记录设备", "device_list", "执法记录仪、存储设备台账与每单位配备比例"))
        links.append(("责任追究", "accountability_list", "违反全过程记录规定的责任追究记录与统计"))
    if user.is_superuser or roles & {Role.ARCHIVIST, Role.HEAD}:
        links.append(("保存与销毁", "retention_due", "到期资料、销毁申请"))
    links.append(("调用与保密", "access_home", "调用单、共享、调用登记"))
    links.append(("案件", "case_list", "本人可查看的全部案件"))
    return links


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page by role: the officer's workbench, or the leader's, archivist's, supervisor's page."""
    user = signed_in_user(request)
    sections = _sections(request, user)
    context: dict[str, Any] = {"groups": _groups(sections), "total": sum(s.count for s in sections),
                               "officer": works_cases(user)}
    if context["officer"]:
        from lawtrail.cases.queries import my_work

        context.update(my_work(user))
    else:
        context["links"] = _links(user)
    return render(request, "web/home.html", context)


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    """我的待办: everything waiting for me, every kind, with its count."""
    user = signed_in_user(request)
    sections = _sections(request, user)
    return render(request, "web/inbox.html", {"groups": _groups(sections), "total": sum(s.count for s in sections),
                                              "limit": inbox.LIMIT})
