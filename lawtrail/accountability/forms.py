from __future__ import annotations

from typing import Any

from django import forms

from lawtrail.accounts.models import User
from lawtrail.web.kit import PickOne

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecordForm(forms.Form):
    """责任追究记录: the 情形 and outcomes are those the agency's regulation names (its profile)."""

    officer = PickOne(queryset=User.objects.none(), label="责任人")
    situation = forms.ChoiceField(label="情形", choices=(), widget=forms.RadioSelect)
    finding = forms.CharField(label="认定的事实", widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    outcome = forms.ChoiceField(label="处理结果", choices=(), widget=forms.RadioSelect)
    outcome_note = forms.CharField(label="处理说明", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                   max_length=2000)
    decided_by_name = forms.CharField(label="决定人(机关)", max_length=100)
    decided_on = forms.DateField(label="决定日期", widget=DATE_WIDGET)
    case = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rule = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: Any, situations: list[str], outcomes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = people  # type: ignore[attr-defined]
        self.fields["situation"].choices = [(s, s) for s in situations]  # type: ignore[attr-defined]
        self.fields["outcome"].choices = [(o, o) for o in outcomes]  # type: ignore[attr-defined]


class FilterForm(forms.Form):
    officer = forms.CharField(label="责任人", required=False, max_length=50)
    outcome = forms.ChoiceField(label="处理结果", required=False, choices=())
    date_from = forms.DateField(label="决定日期起", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="决定日期止", required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, outcomes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", "全部")] + [(o, o) for o in outcomes]  # type: ignore[attr-defined]
