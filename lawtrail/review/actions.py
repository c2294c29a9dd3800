"""The only writes of 案卷评查: start a review of a bound case file, score its items, submit it,
the reviewed officer's reply, and closing it. Each records its domain event in its own transaction.

Who reviews: the agency's 法制审核人员 and 监督人员 (the commission's 政策法规处 supervises, 第三条),
never an officer of the case itself. Who replies: the case's 主办人, the officer whose work was
reviewed (labour rules 第三十七条 make the officer the first to answer for the records).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.archive.models import CaseFile
from lawtrail.cases import workflow
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.events.state import note_changed
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.text import refuse_invisible_controls

from .checklist import checklist_for
from .choices import ReplyKind, ReviewStatus
from .models import CaseReview, ReviewScore

REVIEWER_ROLES = (Role.LEGAL_REVIEWER, Role.SUPERVISOR)
MAX_TEXT = 2000


def may_review(user: User, agency_id: int) -> bool:
    """评查人: a legal reviewer or supervisor of the agency (or the system's superuser)."""
    if user.is_superuser:
        return True
    return user.agency_id == agency_id and any(user.has_role(r) for r in REVIEWER_ROLES)


def may_reply(user: User, review: CaseReview) -> bool:
    return user.pk == review.handler_id


def _text(value: str, field: str, label: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput("missing_field", f"请填写{label}", {"field": field})
    if len(value) > MAX_TEXT:
        raise InvalidInput("too_long", f"{label}最长{MAX_TEXT}个字", {"field": field})
    return refuse_invisible_controls(value, field, label)


def _payload(review: CaseReview, **more: Any) -> dict[str, Any]:
    return {"archive_no": review.archive_no, "case_number": review.case_number, "handler": review.handler_name,
            "reviewer": review.reviewer_name, **more}


def _move(review: CaseReview, expected: tuple[str, ...], status: str, **fields: Any) -> None:
    # Compare-and-set: a review submitted or closed by another request meanwhile refuses the step.
    updated = CaseReview.objects.filter(pk=review.pk, status__in=expected).update(status=status, **fields)
    if updated != 1:
        review.refresh_from_db()
        raise Conflict("review_status", f"该评查当前为「{review.get_status_display()}」,不能办理此操作",
                       {"status": review.status})
    note_changed(CaseReview.objects.filter(pk=review.pk))
    review.refresh_from_db()


def _own(review: CaseReview, actor: User) -> None:
    if actor.pk != review.reviewer_id and not actor.is_superuser:
        raise Forbidden("not_reviewer", "只有本次评查的评查人可以办理")


@domain_action("review.start")
def do_start_review(case_file: CaseFile, *, actor: User) -> CaseReview:
    """开始评查: a reviewer takes a bound case file and the checklist of its agency's profile."""
    case = case_file.case
    if not may_review(actor, case_file.agency_id):
        raise Forbidden("not_reviewer", "只有法制审核人员或监督人员可以评查案卷")
    if workflow.is_case_officer(actor, case) and not actor.is_superuser:
        raise Forbidden("own_case", "不能评查本人承办的案件")
    if not case_file.is_bound:
        raise Conflict("case_file_not_bound", "案卷尚未装订归档,不能评查")
    checklist = checklist_for(case.agency.profile_id)
    with transaction.atomic(durable=True):
        if CaseReview.objects.filter(case_file=case_file, reviewer=actor).exclude(
                status=ReviewStatus.CLOSED).exists():
            raise Conflict("review_open", f"您对案卷 {case_file.archive_no} 的评查尚未办结")
        review = CaseReview.objects.create(
            agency_id=case_file.agency_id, case_file=case_file, case=case, unit_id=case.unit_id,
            handler_id=case.handler_id, handler_name=case.handler.display_name, archive_no=case_file.archive_no,
            case_number=case.number or "", reviewer=actor, reviewer_name=actor.display_name,
            profile_id=checklist.profile_id, basis=checklist.basis[:200],
            checklist=[i.as_dict() for i in checklist.items], total_points=checklist.total,
            started_at=timez.now())
        record_event("review.start", review, actor=actor, case_id=case.pk, agency_id=review.agency_id,
                     payload=_payload(review, basis=review.basis, total_points=review.total_points,
                                      items=[i.id for i in checklist.items]))
    return review


@domain_action("review.score")
def do_score_review(review: CaseReview, *, item: str, score: int, comment: str = "", actor: User) -> ReviewScore:
    """评分: one checklist item's score, 0 to its points; scored again, the new score replaces it."""
    _own(review, actor)
    entry = next((i for i in review.checklist if i["id"] == item), None)
    if entry is None:
        raise InvalidInput("unknown_item", "评查项目不存在", {"field": "item"})
    if isinstance(score, bool) or not isinstance(score, int) or score < 0 or score > int(entry["points"]):
        raise InvalidInput("score_out_of_range", f"「{entry['text']}」的得分应在 0 至 {entry['points']} 分之间",
                           {"field": "score", "max": entry["points"]})
    comment = _text(comment, "comment", "评查意见", required=score < int(entry["points"]))
    with transaction.atomic(durable=True):
        locked = CaseReview.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewStatus.DRAFT:
            raise Conflict("review_submitted", "评查已提交,评分不能再更改")
        row, _ = ReviewScore.objects.update_or_create(
            review=review, item=item,
            defaults={"score": score, "comment": comment, "scored_by_name": actor.display_name,
                      "scored_at": timez.now()})
        record_event("review.score", row, actor=actor, case_id=review.case_id, agency_id=review.agency_id,
                     payload=_payload(review, item=item, text=entry["text"], score=score, points=entry["points"],
                                      comment=comment))
    return row


@domain_action("review.submit")
def do_submit_review(review: CaseReview, *, summary: str, actor: User) -> CaseReview:
    """提交评查: every item scored, the total fixed; the reviewed officer is asked to reply."""
    _own(review, actor)
    summary = _text(summary, "summary", "评查意见", required=True)
    with transaction.atomic(durable=True):
        scores = {s.item: s.score for s in ReviewScore.objects.filter(review=review)}
        missing = [i["text"] for i in review.checklist if i["id"] not in scores]
        if missing:
            raise Conflict("items_not_scored", f"尚有 {len(missing)} 项未评分:{'、'.join(missing[:3])}"
                           + ("等" if len(missing) > 3 else ""), {"missing": len(missing)})
        total = sum(scores.values())
        _move(review, (ReviewStatus.DRAFT,), ReviewStatus.SUBMITTED, score=total, summary=summary,
              submitted_at=timez.now())
        record_event("review.submit", review, actor=actor, case_id=review.case_id, agency_id=review.agency_id,
                     payload=_payload(review, score=total, total_points=review.total_points, summary=summary))
    return review


@domain_action("review.reply")
def do_reply_review(review: CaseReview, *, kind: str, reply: str = "", actor: User) -> CaseReview:
    """被评查人答复: the case's officer accepts the review, or explains (an explanation needs words)."""
    if not may_reply(actor, review):
        raise Forbidden("not_reviewed_officer", "只有被评查的承办人可以答复")
    if kind not in ReplyKind.values:
        raise InvalidInput("invalid_reply", "答复应为无异议或作出说明", {"field": "kind"})
    reply = _text(reply, "reply", "说明", required=kind == ReplyKind.EXPLAINED)
    with transaction.atomic(durable=True):
        _move(review, (ReviewStatus.SUBMITTED,), ReviewStatus.REPLIED, reply_kind=kind, reply=reply,
              replied_by_name=actor.display_name, replied_at=timez.now())
        record_event("review.reply", review, actor=actor, case_id=review.case_id, agency_id=review.agency_id,
                     payload=_payload(review, reply_kind=kind, reply=reply))
    return review


@domain_action("review.close")
def do_close_review(review: CaseReview, *, note: str = "", actor: User) -> CaseReview:
    """办结: the reviewer closes the review once the officer has replied; it is final from then on."""
    _own(review, actor)
    note = _text(note, "note", "办结意见", required=review.reply_kind == ReplyKind.EXPLAINED)
    with transaction.atomic(durable=True):
        _move(review, (ReviewStatus.REPLIED,), ReviewStatus.CLOSED, closing_note=note, closed_at=timez.now())
        record_event("review.close", review, actor=actor, case_id=review.case_id, agency_id=review.agency_id,
                     payload=_payload(review, score=review.score, note=note))
    return review
