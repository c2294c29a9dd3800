"""`{% case_evidence case as items %}`: the recordings of a case the viewer may see (for the case page);
the readable names of an evidence record's container and channel."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import QuerySet

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.events.context import channel_label
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import visible_evidence

CONTAINER_LABELS = {"mov,mp4,m4a,3gp,3g2,mj2": "MP4/MOV", "mpegts": "MPEG-TS", "matroska,webm": "MKV/WebM",
                    "avi": "AVI", "flv": "FLV", "wav": "WAV", "mp3": "MP3", "image2": "图片",
                    "jpeg_pipe": "JPEG", "png_pipe": "PNG", "asf": "WMV/ASF"}

register = template.Library()
register.filter("channel_label", channel_label)


@register.filter
def container_label(container: str) -> str:
    """A container as people name it: FFmpeg's demuxer names ("mov,mp4,m4a,3gp,3g2,mj2") are its own."""
    return CONTAINER_LABELS.get(container, container.split(",")[0].upper()) if container else ""


@register.simple_tag(takes_context=True)
def case_evidence(context: dict[str, Any], case: Case) -> QuerySet[Evidence]:
    user = context["request"].user
    if not isinstance(user, User):
        return Evidence.objects.none()
    return visible_evidence(user).filter(case=case).prefetch_related("act_links").order_by("recorded_start", "id")


@register.simple_tag(takes_context=True)
def act_footage(context: dict[str, Any], case: Case, document: Any) -> dict[str, Any] | None:
    """The recordings linked by hand to a 文书's act, and the form to link one (on the 文书's page).

    Only for a 文书 that records an act with a start and an end (a 笔录, a 现场检查记录)."""
    from lawtrail.evidence import actions
    from lawtrail.evidence.models import FootageLink
    from lawtrail.evidence.views import FootageForm

    user = context["request"].user
    if not isinstance(user, User) or "started_at" not in (document.fields or {}):
        return None
    root = document
    while root.previous_id is not None:
        root = root.previous
    act = f"document:{root.pk}"
    visible = visible_evidence(user).filter(case=case)
    links = FootageLink.objects.filter(case=case, act=act, evidence__in=visible).select_related("evidence")
    may = actions.may_handle(user, case.unit_id, case.agency_id) and user.agency_id == case.agency_id
    form = FootageForm(case=case, act=act, user=user, initial={"next": context["request"].get_full_path()}) \
        if may else None
    return {"links": list(links.order_by("linked_at", "pk")), "form": form, "act": act,
            "has_recordings": visible.exists()}
