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


@register.filter
def cleared_documents(case: Any, user: Any) -> Any:
    """The case's documents the user may see: marked ones only for those cleared (for the case page)."""
    from lawtrail.access.policy import restrict
    from lawtrail.documents.models import Document

    if not isinstance(user, User):
        return Document.objects.none()
    return restrict(Document.objects.all(), user).filter(case=case).order_by("id")
