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
        # An error on a hidden input (a step's kind, a canvas image) would not show: it goes on top.
        # A refusal naming several fields (every mandatory field left empty) marks each of them.
        names = err.detail.get("fields") or [err.detail.get("field")]
        shown = [n for n in names if n in form.fields and not form.fields[n].widget.is_hidden]
        if len(shown) > 1:
            form.add_error(None, err.message)
            for name in shown:
                form.add_error(name, "必填")
        else:
            form.add_error(shown[0] if shown else None, err.message)
        return None


class PickOne(forms.ModelChoiceField):
    """A picker whose empty line asks in words (Django's own is a row of dashes)."""

    def __init__(self, *args: Any, empty_label: str | None = "请选择", **kwargs: Any) -> None:
        super().__init__(*args, empty_label=empty_label, **kwargs)


class OpinionForm(forms.Form):
    """An approval: 同意 or 不同意 is the button pressed (`approved`), the opinion is written or picked
    from `opinions` (agreeing, disagreeing), rendered by _approval_form.html. An agreement left
    without words says "同意。"; a refusal must say why."""

    approved = forms.TypedChoiceField(label="审批结论", coerce=lambda v: v == "yes",
                                      choices=[("yes", "同意"), ("no", "不同意")])
    opinion = forms.CharField(label="审批意见", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                              required=False)
    opinions: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("opinion") or "").strip() and "approved" in data:
            if data["approved"]:
                data["opinion"] = "同意。"
            else:
                self.add_error("opinion", "不同意时请写明理由")
        return data
