from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.web.kit import PickOne

from . import policy
from .choices import RequesterKind, Secrecy


class CaseField(PickOne):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} {obj.title}"


class DocField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # An unnumbered record (a 笔录) is told apart by when it was issued, never by a row id.
        when = f"{timez.beijing(obj.issued_at):%Y-%m-%d %H:%M} 签发" if obj.issued_at else "(草稿)"
        return f"{obj.type_name} {obj.number or when}"


class EvField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_media_kind_display()} {obj.display_name}"


def _default_expiry() -> dt.datetime:
    return timez.beijing(timez.now() + dt.timedelta(days=7)).replace(second=0, microsecond=0, tzinfo=None)


class CasePickForm(forms.Form):
    case = CaseField(label="案件", queryset=Case.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.restrict(user).exclude(number=None)  # type: ignore[attr-defined]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label="调用类型", choices=RequesterKind.choices)
    whole_case = forms.BooleanField(label="全案资料(本案全部已签发文书和音像资料)", required=False)
    documents = DocField(label="执法文书", required=False, queryset=Document.objects.none(),
                         widget=forms.CheckboxSelectMultiple)
    evidence = EvField(label="音像资料", required=False, queryset=Evidence.objects.none(),
                       widget=forms.CheckboxSelectMultiple)
    clearances = forms.MultipleChoiceField(label="包括涉密资料(须经批准)", required=False, choices=Secrecy.choices,
                                           widget=forms.CheckboxSelectMultiple)
    purpose = forms.CharField(label="调用事由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    requester = PickOne(label="调用人账号(非本机关人员;本机构调用为本人)", required=False,
                                       queryset=User.objects.none())
    requester_name = forms.CharField(label="调用人姓名", required=False, max_length=100)
    requester_unit = forms.CharField(label="调用单位", required=False, max_length=200)
    copier_name = forms.CharField(label="复制人", required=False, max_length=100)
    expires_at = forms.DateTimeField(label="有效期至", initial=_default_expiry,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Pickers list what the requester could name: the case's issued documents and AV records.
        # Marked records the requester is not cleared for are not listed (nor accepted when posted).
        self.fields["documents"].queryset = policy.restrict(  # type: ignore[attr-defined]
            Document.objects.filter(case=case, status="issued"), user)
        self.fields["evidence"].queryset = policy.restrict(Evidence.objects.filter(case=case), user)  # type: ignore[attr-defined]
        self.fields["requester"].queryset = User.objects.filter(is_active=True).filter(  # type: ignore[attr-defined]
            Q(agency__isnull=True) | ~Q(agency_id=user.agency_id)).filter(is_superuser=False)

    def clean_expires_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["expires_at"]
        return value if value.tzinfo else value.replace(tzinfo=timez.BEIJING)


class DecisionForm(forms.Form):
    approved = forms.TypedChoiceField(label="审批", choices=[("1", "同意"), ("0", "不同意")],
                                      coerce=lambda v: v == "1", widget=forms.RadioSelect)
    opinion = forms.CharField(label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=2000)


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销理由", max_length=2000)


class MarkForm(forms.Form):
    level = forms.ChoiceField(label="保密类别", choices=Secrecy.choices)
    reason = forms.CharField(label="标记理由", max_length=2000)


class LiftForm(forms.Form):
    reason = forms.CharField(label="解除理由", max_length=2000)


class ShareForm(forms.Form):
    recipient = forms.CharField(label="接收单位(法院、检察院)", max_length=200)
    documents = DocField(label="执法文书", required=False, queryset=Document.objects.none(),
                         widget=forms.CheckboxSelectMultiple)
    evidence = EvField(label="音像资料", required=False, queryset=Evidence.objects.none(),
                       widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(label="有效期至", initial=_default_expiry,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args: Any, grant: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what the sharer may read is offered (a marked record stays out unless cleared).
        self.fields["documents"].queryset = policy.restrict(grant.scope_documents(), user)  # type: ignore[attr-defined]
        self.fields["evidence"].queryset = policy.restrict(grant.scope_evidence(), user)  # type: ignore[attr-defined]

    def clean_expires_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["expires_at"]
        return value if value.tzinfo else value.replace(tzinfo=timez.BEIJING)


def marks_label(obj: Any) -> str:
    return "、".join(Secrecy(m).label for m in policy.marks_of(obj))
