from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lawtrail.accounts.actions import (
    do_grant_oversight,
    do_record_login,
    do_record_login_failure,
    do_revoke_oversight,
    login_locked,
)
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, OversightGrant, User
from lawtrail.lib.errors import DomainError
from lawtrail.web.kit import PickOne, attempt, signed_in_user


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        client_ip = request.META.get("REMOTE_ADDR", "")[:64]
        # Checked before the password, so a locked account gives nothing away to guessing.
        locked = login_locked(username, client_ip)
        if locked:
            minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
            form.add_error(None, f"登录失败次数过多,账号已暂时锁定,请 {minutes} 分钟后再试或联系系统管理员"
                           if locked == "user" else
                           f"本机(地址 {client_ip})登录失败次数过多,已暂时禁止登录,请 {minutes} 分钟后再试或联系系统管理员")
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                do_record_login_failure(username, client_ip=client_ip)
                form.add_error(None, "用户名或密码错误")
                status = 400
            else:
                login(request, user)
                do_record_login(user, actor=user)
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                    target = "/"
                return redirect(target or "/")
    return render(request, "accounts/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


# ---------------------------------------------------------------- 跨机关监督授权 (the installation's page)


def may_manage_oversight(user: Any) -> bool:
    """The grant is the installation administrator's (系统管理员), as do_grant_oversight requires."""
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN)))


class OversightForm(forms.Form):
    office_user = PickOne(queryset=User.objects.none(), label="监督机构用户")
    agencies = forms.ModelMultipleChoiceField(queryset=Agency.objects.none(), label="被监督的执法机关",
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only users of no agency may be granted (an agency's own user would mix scopes; the action refuses).
        self.fields["office_user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            agency__isnull=True, is_active=True, is_superuser=False).order_by("username")
        self.fields["agencies"].queryset = Agency.objects.order_by("name")  # type: ignore[attr-defined]
        # The person's name and office phone, as the administrator knows them (a login name is no Chinese).
        self.fields["office_user"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: f"{u.display_name}({u.phone})" if u.phone else u.display_name)


@login_required
def oversight_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not may_manage_oversight(user):
        raise PermissionDenied
    form = OversightForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        office, agencies = form.cleaned_data["office_user"], list(form.cleaned_data["agencies"])
        done = attempt(form, lambda: do_grant_oversight(office, agencies=agencies, actor=user))
        if done is not None:
            messages.success(request, f"已授予「{office.display_name}」监督{'、'.join(a.name for a in agencies)}的权限")
            return redirect("oversight")
    grants = OversightGrant.objects.select_related("user", "agency").order_by("user__username", "agency__name")
    return render(request, "accounts/oversight.html", {"form": form, "grants": grants},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def oversight_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    if not may_manage_oversight(user):
        raise PermissionDenied
    grant = get_object_or_404(OversightGrant.objects.select_related("user", "agency"), pk=pk)
    try:
        do_revoke_oversight(grant.user, agency=grant.agency, actor=user)
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"已撤销「{grant.user.display_name}」监督{grant.agency.name}的权限")
    return redirect("oversight")
