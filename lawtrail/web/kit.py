"""What every app's page views share: the signed-in user, and an action's refusal shown on its form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest

from lawtrail.accounts.models import User
from lawtrail.lib.errors import DomainError


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user (the views calling this are behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def attempt(form: forms.Form, call: Callable[[], Any]) -> Any:
    """Run an action; a refusal becomes an error on the form, on the field it names if that is shown."""
    try:
        return call()
    except DomainError as err:
        field = err.detail.get("field")
        # An error on a hidden input (a step's kind, a canvas image) would not show: it goes on top.
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if shown else None, err.message)
        return None
