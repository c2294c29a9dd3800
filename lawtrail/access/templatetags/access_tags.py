"""`{% access_inbox %}`: the 调用单 waiting for the signed-in leader, for the home page's 待办."""

from __future__ import annotations

from typing import Any

from django import template

from lawtrail.accounts.models import User

register = template.Library()


@register.inclusion_tag("access/_inbox.html", takes_context=True)
def access_inbox(context: Any) -> dict[str, Any]:
    from lawtrail.access.queries import approvals_inbox

    user = context["request"].user
    return {"inbox": approvals_inbox(user) if isinstance(user, User) else []}


