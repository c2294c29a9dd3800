"""Pages of the case file (案卷). Each view parses input, calls one action and shows its result or error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lawtrail.access import serving as access_serving
from lawtrail.access.web import served
from lawtrail.archive import queries
from lawtrail.archive import render as printing
from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file, do_export_package
from lawtrail.archive.forms import AssembleForm, BindForm
from lawtrail.archive.models import CaseFile
from lawtrail.cases import hooks
from lawtrail.cases.models import Case
from lawtrail.lib import timez
from lawtrail.lib.errors import DomainError
from lawtrail.web.kit import attempt, signed_in_user


def _case(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(Case.objects.restrict(signed_in_user(request)).select_related(
        "agency", "party", "unit", "handler"), pk=pk)


def _page(request: HttpRequest, case: Case, assemble: AssembleForm | None = None, bind: BindForm | None = None,
          status: int = 200) -> HttpResponse:
    user = signed_in_user(request)
    case_file = queries.case_file_of(user, case)
    rule = queries.deadline_rule(case)
    return render(request, "archive/case_file.html", {
        "case": case, "cf": case_file, "rows": printing.index_rows(case_file) if case_file else [],
        "rule": rule, "preview": queries.contents(case) if case_file is None and case.stage == "closed" else [],
        "media_duration": printing.duration_text(case_file.media_seconds) if case_file else "",
        "may_assemble": queries.may_assemble(user, case) and case.stage == "closed",
        "may_bind": queries.may_bind(user, case) and case_file is not None and not case_file.is_bound,
        "may_export": queries.may_export(user, case) and case_file is not None and case_file.is_bound,
        "assemble_form": assemble or AssembleForm(initial={"retention": case_file.retention if case_file else ""}),
        "bind_form": bind or BindForm(), "now": timez.now(), "exports": case_file.exports.all()[:10] if case_file else [],
        # What binding would refuse for: each item says what is missing, by which text, and links to its step.
        "missing": hooks.missing_for(case, hooks.BIND) if case.stage == "closed" else [],
    }, status=status)


@login_required
def case_file_page(request: HttpRequest, case_pk: int) -> HttpResponse:
    return _page(request, _case(request, case_pk))


@login_required
@require_POST
def case_file_assemble(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    form = AssembleForm(request.POST)
    if form.is_valid():
        done = attempt(form, lambda: do_assemble_case_file(
            case, retention=form.cleaned_data["retention"], notes=form.cleaned_data["notes"],
            actor=signed_in_user(request)))
        if done is not None:
            messages.success(request, f"已组卷,档号 {done.archive_no};请档案管理员检查并装订归档")
            return redirect("case_file", case_pk=case.pk)
    return _page(request, case, assemble=form, status=400)


@login_required
@require_POST
def case_file_bind(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    form = BindForm(request.POST)
    case_file = get_object_or_404(CaseFile.objects.restrict(signed_in_user(request)), case=case)
    if form.is_valid():
        done = attempt(form, lambda: do_bind_case_file(case_file, note=form.cleaned_data["note"],
                                                       actor=signed_in_user(request)))
        if done is not None:
            messages.success(request, f"案卷 {done.archive_no} 已装订归档,案件已归档")
            return redirect("case_file", case_pk=case.pk)
    return _page(request, case, bind=form, status=400)


@login_required
def case_file_pdf(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    user = signed_in_user(request)
    case_file = get_object_or_404(CaseFile.objects.restrict(user), case=case)

    def pdf() -> HttpResponse:
        # access: the bound file names every record; the one policy decides and the register records it.
        response = HttpResponse(access_serving.case_file_pdf(user, case, bytes(case_file.pdf or b"")),
                                content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{case_file.archive_no}.pdf"'
        return response
    return served(request, pdf)


@login_required
@require_POST
def case_file_package(request: HttpRequest, case_pk: int) -> HttpResponse | FileResponse:
    case = _case(request, case_pk)
    case_file = get_object_or_404(CaseFile.objects.restrict(signed_in_user(request)), case=case)
    handle = tempfile.NamedTemporaryFile(prefix="lawtrail-package-", suffix=".zip", delete=False)  # noqa: SIM115
    handle.close()
    path = Path(handle.name)
    try:
        do_export_package(case_file, out=path, actor=signed_in_user(request))
        stream = open(path, "rb")  # noqa: SIM115 — closed by the response
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("case_file", case_pk=case.pk)
    finally:
        path.unlink(missing_ok=True)
    return FileResponse(stream, as_attachment=True, filename=f"{case_file.archive_no}.zip",
                        content_type="application/zip")
