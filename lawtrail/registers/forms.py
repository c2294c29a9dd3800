from __future__ import annotations

from typing import Any

from django import forms

from lawtrail.accounts.models import Unit
from lawtrail.cases.models import Case, Complaint
from lawtrail.evidence.models import Evidence
from lawtrail.web.kit import PickOne


class TextRecordForm(forms.Form):
    kind = forms.ChoiceField(label="记录类别", widget=forms.RadioSelect)
    title = forms.CharField(label="标题或文号", max_length=200)
    issuer = forms.CharField(label="发文机关、来信人或批示人", max_length=100, required=False)
    dated = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label="内容(正文、摘要或检查情况)", widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    unit = PickOne(queryset=Unit.objects.none(), label="所属单位(实施细则必选)", required=False, empty_label="(机关层面)")
    complaint = PickOne(queryset=Complaint.objects.none(), label="依据核查的投诉举报", required=False,
                        empty_label="(不关联)")
    case = PickOne(queryset=Case.objects.none(), label="案件", required=False, empty_label="(不关联)")
    evidence = PickOne(queryset=Evidence.objects.none(), label="作为证据使用的音像资料", required=False,
                       empty_label="(不关联)")
    medium = forms.CharField(label="转化后的存储介质(如光盘编号)", max_length=100, required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], units: Any, complaints: Any, cases: Any,
                 evidence: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["complaint"].queryset = complaints  # type: ignore[attr-defined]
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.fields["evidence"].queryset = evidence  # type: ignore[attr-defined]
        self.fields["evidence"].label_from_instance = (  # type: ignore[attr-defined]
            lambda e: f"{e.get_media_kind_display()} {e.display_name}")
