from __future__ import annotations

from typing import Any

from django import forms

from lawtrail.accounts.models import Unit, User
from lawtrail.web.kit import PickOne

from .choices import SETTABLE, DeviceKind, DeviceStatus, MaintenanceKind


class RegisterForm(forms.Form):
    unit = PickOne(queryset=Unit.objects.none(), label="配备单位")
    kind = forms.ChoiceField(label="设备类别", choices=DeviceKind.choices)
    serial = forms.CharField(label="设备编号", max_length=64)
    model_name = forms.CharField(label="型号", max_length=100)
    explosion_proof = forms.BooleanField(label="防爆型", required=False)
    custodian = PickOne(queryset=User.objects.none(), label="保管人", required=False, empty_label="(暂不指定)")
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, units: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["custodian"].queryset = people  # type: ignore[attr-defined]


class IssueForm(forms.Form):
    holder = PickOne(queryset=User.objects.none(), label="领用人")
    purpose = forms.CharField(label="用途", required=False, max_length=200)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = people  # type: ignore[attr-defined]


class ReturnForm(forms.Form):
    note = forms.CharField(label="归还情况", required=False, max_length=200)


class CheckForm(forms.Form):
    battery_ok = forms.BooleanField(label="电量充足", required=False, initial=True)
    storage_ok = forms.BooleanField(label="存储空间充裕", required=False, initial=True)
    clock_ok = forms.BooleanField(label="时钟准确(与北京时间一致)", required=False, initial=True)
    note = forms.CharField(label="说明(有不合格项时必填)", required=False, max_length=200)


class MaintenanceForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=MaintenanceKind.choices)
    done_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    result = forms.CharField(label="结果", required=False, max_length=200)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="变更为", choices=[(s.value, s.label) for s in DeviceStatus if s in SETTABLE])
    reason = forms.CharField(label="理由", max_length=200)
