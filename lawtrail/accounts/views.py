from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lawtrail.accounts.actions import do_record_login, do_record_login_failure, login_locked


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
