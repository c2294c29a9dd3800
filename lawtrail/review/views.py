"""Pages of 案卷评查 and 考核: the bound files to review, the scoring form beside the file's index,
the officer's reply, the review record, and the 考核 with its xlsx and PDF exports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lawtrail.archive.models import CaseFile
from lawtrail.lib import timez
from lawtrail.lib.errors import DomainError
from lawtrail.review import actions, assessment, queries
from lawtrail.review.choices import ReviewStatus
from lawtrail.review.forms import CloseForm, PeriodForm, ReplyForm, ScoreForm, SubmitForm
from lawtrail.review.models import CaseReview
from lawtrail.web.kit import attempt, signed_in_user


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    reviews = queries.visible_reviews(user)
    return render(request, "review/review_list.html", {
        "files": queries.reviewable_files(user)[:200],
        "reviews": reviews[:200],
        "may_review": actions.may_review(user, user.agency_id or 0),
        "may_assess": assessment.may_read(user),
    })


@login_required
@require_POST
def review_start(request: HttpRequest, case_file_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    case_file = get_object_or_404(CaseFile.objects.restrict(user).select_related("case", "case__agency"),
                                  pk=case_file_pk)
    try:
        review = actions.do_start_review(case_file, actor=user)
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("review_list")
    return redirect("review_detail", pk=review.pk)


def _review(user: Any, pk: int) -> CaseReview:
    return get_object_or_404(queries.visible_reviews(user).select_related("case_file"), pk=pk)


@login_required
def review_detail(request: HttpRequest, pk: int, given: dict[str, forms.Form] | None = None) -> HttpResponse:
    user = signed_in_user(request)
    review = _review(user, pk)
    given = given or {}
    rows = queries.rows(review)
    own = user.pk == review.reviewer_id
    draft = review.status == ReviewStatus.DRAFT
    return render(request, "review/review_detail.html", {
        "review": review, "rows": rows, "own": own,
        "scored": sum(1 for r in rows if r["scored"]), "running": sum(r["score"] or 0 for r in rows),
        "score_form": given.get("score") or (ScoreForm(rows=rows) if own and draft else None),
        "submit_form": given.get("submit") or (SubmitForm() if own and draft else None),
        "reply_form": given.get("reply") or (
            ReplyForm() if actions.may_reply(user, review) and review.status == ReviewStatus.SUBMITTED else None),
        "close_form": given.get("close") or (CloseForm() if own and review.status == ReviewStatus.REPLIED else None),
        "items": review.case_file.items,
    }, status=400 if given else 200)


def _save_scores(form: ScoreForm, review: CaseReview, user: Any) -> int:
    """Each item whose score or comment changed is scored by the action; the first refusal stops."""
    saved = 0
    for row in form.rows:
        score = form.cleaned_data.get(f"score_{row['id']}")
        comment = form.cleaned_data.get(f"comment_{row['id']}") or ""
        if score is None or (score == row["score"] and comment == row["comment"]):
            continue
        try:
            actions.do_score_review(review, item=row["id"], score=score, comment=comment, actor=user)
        except DomainError as err:
            field = "comment" if err.detail.get("field") == "comment" else "score"
            form.add_error(f"{field}_{row['id']}", err.message)
            raise
        saved += 1
    return saved


@login_required
@require_POST
def review_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    review = _review(user, pk)
    form: forms.Form
    if step == "score":
        form = ScoreForm(request.POST, rows=queries.rows(review))
        if form.is_valid():
            try:
                saved = _save_scores(form, review, user)
            except DomainError:
                return review_detail(request, pk, given={"score": form})
            messages.success(request, f"已保存 {saved} 项评分")
            return redirect("review_detail", pk=pk)
        return review_detail(request, pk, given={"score": form})
    if step == "submit":
        form = SubmitForm(request.POST)
        done = attempt(form, lambda: actions.do_submit_review(review, summary=form.cleaned_data["summary"],
                                                              actor=user)) if form.is_valid() else None
    elif step == "reply":
        form = ReplyForm(request.POST)
        done = attempt(form, lambda: actions.do_reply_review(review, kind=form.cleaned_data["kind"],
                                                             reply=form.cleaned_data["reply"], actor=user)) \
            if form.is_valid() else None
    elif step == "close":
        form = CloseForm(request.POST)
        done = attempt(form, lambda: actions.do_close_review(review, note=form.cleaned_data["note"], actor=user)) \
            if form.is_valid() else None
    else:
        raise Http404
    if done is not None:
        messages.success(request, {"submit": "评查已提交,等待被评查人答复", "reply": "已答复",
                                   "close": "评查已办结"}[step])
        return redirect("review_detail", pk=pk)
    return review_detail(request, pk, given={step: form})


# ---------------------------------------------------------------- 考核


def _period(request: HttpRequest) -> tuple[PeriodForm, assessment.Period]:
    this_year = timez.beijing(timez.now()).year
    data = request.GET if "year" in request.GET else None
    form = PeriodForm(data, this_year=this_year, initial={"year": this_year,
                                                          "p": f"m{timez.beijing(timez.now()).month}"})
    if data is not None and form.is_valid():
        kind, number = PeriodForm.split(form.cleaned_data["p"])
        return form, assessment.parse_period(kind, form.cleaned_data["year"], number)
    return form, assessment.parse_period(None, None, None)


def _report(request: HttpRequest) -> tuple[PeriodForm, assessment.Report]:
    user = signed_in_user(request)
    if not assessment.may_read(user):
        raise PermissionDenied
    form, period = _period(request)
    return form, assessment.build(user, period)


@login_required
def assessment_page(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    query = request.GET.urlencode()
    return render(request, "review/assessment.html", {"form": form, "report": report, "query": query,
                                                      "headers": assessment.HEADERS})


def _download(body: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
def assessment_xlsx(request: HttpRequest) -> HttpResponse:
    _form, report = _report(request)
    return _download(assessment.xlsx(report), f"assessment-{report.period.slug}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
def assessment_pdf(request: HttpRequest) -> HttpResponse:
    _form, report = _report(request)
    try:
        body = assessment.pdf(report)
    except DomainError as err:  # no font for a character, no free render slot: say so on the page
        messages.error(request, err.message)
        return redirect(f"{reverse('assessment')}?{request.GET.urlencode()}")
    return _download(body, f"assessment-{report.period.slug}.pdf", "application/pdf")
