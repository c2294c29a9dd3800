"""The register's page: the text records the agency's regulation asks it to keep, by kind, and the
form to add one (pickers for what it belongs to)."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lawtrail.accounts.models import Unit
from lawtrail.cases.models import Case, Complaint
from lawtrail.evidence.models import Evidence
from lawtrail.registers import actions, queries
from lawtrail.registers.forms import TextRecordForm
from lawtrail.web.kit import attempt, signed_in_user

M = TypeVar("M", bound=Model)


def _recent(qs: QuerySet[M]) -> QuerySet[M]:
    # A picker of the latest 200 (a sliced queryset cannot validate a choice, so by id).
    return qs.filter(pk__in=list(qs.values_list("pk", flat=True)[:200]))


@login_required
def register_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    specs = queries.kinds_for(user.agency.profile_id) if user.agency is not None else {}
    chosen = request.GET.get("kind", "")
    records = queries.visible_records(user).defer("pdf")
    if chosen in specs:
        records = records.filter(kind=chosen)
    form = TextRecordForm(
        request.POST or None, initial={"kind": chosen} if chosen in specs else None,
        kinds=[(k, f"{s.label}({s.article})") for k, s in specs.items()],
        units=Unit.objects.filter(agency_id=user.agency_id or 0).order_by("name"),
        complaints=_recent(Complaint.objects.restrict(user).select_related("respondent").order_by("-received_at")),
        cases=_recent(Case.objects.restrict(user).order_by("-id")),
        evidence=_recent(Evidence.objects.restrict(user).order_by("-id")))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(form, lambda: actions.do_register_text_record(
            kind=data["kind"], title=data["title"], issuer=data["issuer"], dated=data["dated"],
            content=data["content"], unit=data["unit"], complaint=data["complaint"], case=data["case"],
            evidence=data["evidence"], medium=data["medium"], actor=user))
        if done is not None:
            messages.success(request, f"已登记{done}")
            return redirect(f"{request.path}?kind={done.kind}")
    return render(request, "registers/register.html", {
        "specs": specs, "chosen": chosen, "records": records[:300], "form": form if specs else None,
    }, status=400 if request.method == "POST" else 200)


@login_required
def record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The explanation filed with a case (附卷说明), as printed when it was registered: shown to whoever
    may see the record and read its case (a marked case's clearance included)."""
    from lawtrail.access.policy import authorize
    from lawtrail.evidence.serving import disposition

    user = signed_in_user(request)
    record = queries.visible_records(user).filter(pk=pk).exclude(pdf=None).first()
    if record is None or (record.case is not None and not authorize(user, "view", record.case).allowed):
        raise Http404
    response = HttpResponse(bytes(record.pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = disposition("inline", f"{record.title}.pdf")
    return response
