"""Pages of the device registry: the units' cameras against the ratio, the devices, each device's record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lawtrail.accounts.models import Unit, User
from lawtrail.devices import actions, queries
from lawtrail.devices.forms import CheckForm, IssueForm, MaintenanceForm, RegisterForm, ReturnForm, StatusForm
from lawtrail.web.kit import attempt, signed_in_user


def _managed_units(user: User) -> Any:
    units = Unit.objects.filter(agency_id=user.agency_id or 0).order_by("name")
    return units.filter(pk__in=[u.pk for u in units if actions.may_manage(user, u.pk, u.agency_id)])


def _people(user: User) -> Any:
    return User.objects.filter(agency_id=user.agency_id or 0, is_active=True).order_by("unit_id", "username")


@login_required
def device_list(request: HttpRequest, given: RegisterForm | None = None) -> HttpResponse:
    user = signed_in_user(request)
    devices = queries.visible_devices(user)
    ratios, ratio, unregistered = [], None, []
    if user.agency is not None:
        ratio = queries.officers_per_device(user.agency.profile_id)
        mine = {u.name for u in Unit.objects.filter(pk__in=[g.unit_id for g in user.grants if g.unit_id]
                                                    + ([user.unit_id] if user.unit_id else []))}
        ratios = [r for r in queries.unit_ratios(user.agency) if queries.sees_all_units(user) or r.unit in mine]
        if queries.sees_all_units(user):
            unregistered = queries.unregistered_serials(user.agency)
    units = _managed_units(user)
    form = given or (RegisterForm(units=units, people=_people(user)) if units.exists() else None)
    return render(request, "devices/device_list.html", {
        "devices": devices, "ratios": ratios, "ratio": ratio, "unregistered": unregistered, "form": form,
    }, status=400 if given else 200)


@login_required
@require_POST
def device_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = RegisterForm(request.POST, units=_managed_units(user), people=_people(user))
    done = attempt(form, lambda: actions.do_register_device(
        unit=form.cleaned_data["unit"], kind=form.cleaned_data["kind"], serial=form.cleaned_data["serial"],
        model_name=form.cleaned_data["model_name"], explosion_proof=form.cleaned_data["explosion_proof"],
        custodian=form.cleaned_data["custodian"], note=form.cleaned_data["note"], actor=user)) \
        if form.is_valid() else None
    if done is not None:
        messages.success(request, f"已登记{done}")
        return redirect("device_detail", pk=done.pk)
    return device_list(request, given=form)


@login_required
def device_detail(request: HttpRequest, pk: int, given: dict[str, forms.Form] | None = None) -> HttpResponse:
    user = signed_in_user(request)
    device = get_object_or_404(queries.visible_devices(user), pk=pk)
    given = given or {}
    manage = actions.may_manage(user, device.unit_id, device.agency_id)
    return render(request, "devices/device_detail.html", {
        "device": device, "manage": manage, "may_check": actions.may_check(user, device),
        "loans": device.loans.all()[:50], "checks": device.checks.all()[:50], "maintenance": device.maintenance.all()[:50],
        "issue_form": given.get("issue") or IssueForm(people=_people(user)),
        "return_form": given.get("return") or ReturnForm(),
        "check_form": given.get("check") or CheckForm(),
        "maintain_form": given.get("maintain") or MaintenanceForm(),
        "status_form": given.get("status") or StatusForm(),
    }, status=400 if given else 200)


@login_required
@require_POST
def device_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    device = get_object_or_404(queries.visible_devices(user), pk=pk)
    form: forms.Form
    call: Callable[[], Any]
    if step == "issue":
        form = IssueForm(request.POST, people=_people(user))
        call = lambda: actions.do_issue_device(device, holder=form.cleaned_data["holder"],  # noqa: E731
                                               purpose=form.cleaned_data["purpose"], actor=user)
    elif step == "return":
        form = ReturnForm(request.POST)
        call = lambda: actions.do_return_device(device, note=form.cleaned_data["note"], actor=user)  # noqa: E731
    elif step == "check":
        form = CheckForm(request.POST)
        call = lambda: actions.do_check_device(  # noqa: E731
            device, battery_ok=form.cleaned_data["battery_ok"], storage_ok=form.cleaned_data["storage_ok"],
            clock_ok=form.cleaned_data["clock_ok"], note=form.cleaned_data["note"], actor=user)
    elif step == "maintain":
        form = MaintenanceForm(request.POST)
        call = lambda: actions.do_record_maintenance(  # noqa: E731
            device, kind=form.cleaned_data["kind"], done_on=form.cleaned_data["done_on"],
            description=form.cleaned_data["description"], result=form.cleaned_data["result"], actor=user)
    elif step == "status":
        form = StatusForm(request.POST)
        call = lambda: actions.do_set_device_status(device, status=form.cleaned_data["status"],  # noqa: E731
                                                    reason=form.cleaned_data["reason"], actor=user)
    else:
        raise Http404
    done = attempt(form, call) if form.is_valid() else None
    if done is not None:
        messages.success(request, "已保存")
        return redirect("device_detail", pk=pk)
    return device_detail(request, pk, given={step: form})
