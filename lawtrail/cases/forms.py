"""Forms parse and present input; the actions judge it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from lawtrail.accounts.models import Unit, User
from lawtrail.cases import hooks
from lawtrail.cases.actions import MAX_PROOF, SERVICE_PROOFS, SIMPLE_COLLECTION, SIMPLE_ITEMS
from lawtrail.cases.choices import (
    ApplicationMatter,
    ApprovalKind,
    CaseSource,
    ComplaintKind,
    ComplaintStatus,
    DecisionKind,
    FollowUpKind,
    InspectionOutcome,
    IntakeChannel,
    PartyKind,
    ServiceMethod,
    common_opinions,
)
from lawtrail.cases.models import Case, Party, Service
from lawtrail.web.kit import OpinionForm, PickOne

DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class OfficerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}({obj.cert_no})"


class UserChoiceField(PickOne):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}({obj.unit.name if obj.unit else '机关'})"


class PartyChoiceField(PickOne):
    def label_from_instance(self, obj: Party) -> str:
        return f"{obj.name}({obj.identifier})"


class AgencyForm(forms.Form):
    """A form whose pickers offer only the current user's agency."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        agency_id = user.agency_id or 0  # a user of no agency is offered nothing
        officers = User.objects.filter(agency_id=agency_id, cert_no__isnull=False, is_active=True) \
            .select_related("unit").order_by("unit_id", "full_name")
        for name, field in self.fields.items():
            if name == "unit":
                field.queryset = Unit.objects.filter(agency_id=agency_id)  # type: ignore[attr-defined]
                if user.unit_id:
                    field.initial = user.unit_id
            elif name in ("party", "respondent"):
                field.queryset = Party.objects.restrict(user).order_by("name")  # type: ignore[attr-defined]
            elif name in ("officers", "handler"):
                field.queryset = officers  # type: ignore[attr-defined]


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=PartyKind.choices)
    name = forms.CharField(label="姓名/名称", max_length=200)
    id_number = forms.CharField(label="身份证号码(自然人)", max_length=18, required=False)
    uscc = forms.CharField(label="统一社会信用代码(组织)", max_length=18, required=False)
    legal_representative = forms.CharField(label="法定代表人/负责人", max_length=50, required=False)
    address = forms.CharField(label="住所/地址", max_length=200, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)


class ComplaintForm(AgencyForm):
    kind = forms.ChoiceField(label="类别", widget=forms.RadioSelect, choices=ComplaintKind.choices,
                             initial=ComplaintKind.COMPLAINT)
    application_matter = forms.ChoiceField(label="申请事项类别", required=False,
                                           choices=[("", "请选择"), *ApplicationMatter.choices])
    # 口头申请 is written down at registration; a 网络提交 keeps its screenshots (on the detail page).
    channel = forms.ChoiceField(label="提出方式", widget=forms.RadioSelect, choices=IntakeChannel.choices,
                                initial=IntakeChannel.WRITTEN)
    oral_record = forms.CharField(label="口头申请记录(口头提出的内容)", widget=TEXT, required=False)
    unit = PickOne(label="受理机构", queryset=Unit.objects.none())
    anonymous = forms.BooleanField(label="匿名举报", required=False)
    complainant_name = forms.CharField(label="投诉(举报)人或申请人姓名", max_length=50, required=False)
    complainant_id_number = forms.CharField(label="投诉(举报)人身份证号", max_length=18, required=False)
    complainant_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    respondent = PartyChoiceField(label="被投诉(举报)或申请的单位/人", queryset=Party.objects.none())
    facts = forms.CharField(label="投诉(举报)或申请事项", widget=TEXT)
    shown_when = {"application_matter": ("kind", ComplaintKind.APPLICATION),
                  "oral_record": ("channel", IntakeChannel.ORAL)}


class ComplaintDecisionForm(AgencyForm):
    outcome = forms.ChoiceField(label="处理结果", widget=forms.RadioSelect, choices=[
        (ComplaintStatus.ACCEPTED, "受理并登记案件"),
        (ComplaintStatus.CORRECTION, "一次性告知补正"),
        (ComplaintStatus.NOT_ACCEPTED, "不予受理"),
    ])
    title = forms.CharField(label="案由(受理时)", max_length=200, required=False)
    handler = UserChoiceField(label="承办人(受理时)", queryset=User.objects.none(), required=False)
    handler_opinion = forms.CharField(label="承办人意见(受理时)", widget=TEXT, required=False)
    missing_items = forms.CharField(label="需补正的全部内容(每行一项)", widget=TEXT, required=False)
    # What the 一次性补证告知书 and the 不予受理决定书 say beyond the decision: given here, the step issues
    # them with it; left empty, they stay drafts for the officer to complete.
    deadline_days = forms.IntegerField(label="补正期限(日)", min_value=1, max_value=365, required=False)
    reason = forms.CharField(label="不予受理理由", widget=TEXT, required=False)
    legal_basis = forms.CharField(label="不予受理的法律依据", max_length=500, required=False)
    shown_when = {"title": ("outcome", ComplaintStatus.ACCEPTED), "handler": ("outcome", ComplaintStatus.ACCEPTED),
                  "handler_opinion": ("outcome", ComplaintStatus.ACCEPTED),
                  "missing_items": ("outcome", ComplaintStatus.CORRECTION),
                  "deadline_days": ("outcome", ComplaintStatus.CORRECTION),
                  "reason": ("outcome", ComplaintStatus.NOT_ACCEPTED),
                  "legal_basis": ("outcome", ComplaintStatus.NOT_ACCEPTED)}

    def items(self) -> list[str]:
        return [line for line in self.cleaned_data.get("missing_items", "").splitlines() if line.strip()]

    def document_fields(self) -> dict[str, str]:
        d = self.cleaned_data
        fields = {"deadline_days": str(d["deadline_days"]) if d.get("deadline_days") else "",
                  "legal_basis": (d.get("legal_basis") or "").strip()}
        return {k: v for k, v in fields.items() if v}


class CorrectionForm(forms.Form):
    """当场更正申请材料中的错误."""

    item = forms.CharField(label="更正事项", max_length=200)
    before = forms.CharField(label="更正前内容", max_length=500, required=False)
    after = forms.CharField(label="更正后内容", max_length=500)


class ReceiptForm(forms.Form):
    """出具书面凭证或回执: nothing to fill in, the number is given by the step."""


class CaptureForm(forms.Form):
    file = forms.FileField(label="网络提交截图(PNG、JPEG 或 PDF)",
                           widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,application/pdf"}))


class SupplementForm(forms.Form):
    note = forms.CharField(label="补正情况", widget=TEXT)


class CaseForm(AgencyForm):
    unit = PickOne(label="承办机构", queryset=Unit.objects.none())
    title = forms.CharField(label="案由", max_length=200)
    source = forms.ChoiceField(label="案件来源", choices=[c for c in CaseSource.choices if c[0] != "complaint"])
    source_note = forms.CharField(label="来源说明(移送/交办文号等)", max_length=200, required=False)
    party = PartyChoiceField(label="当事人", queryset=Party.objects.none())
    facts = forms.CharField(label="案情摘要", widget=TEXT)
    handler = UserChoiceField(label="承办人", queryset=User.objects.none())
    officers = OfficerChoiceField(label="其他执法人员", queryset=User.objects.none(), required=False,
                                  widget=forms.CheckboxSelectMultiple)
    handler_opinion = forms.CharField(label="承办人意见", widget=TEXT)
    emergency = forms.BooleanField(label="情况紧急,先行启动执法程序(事后补办审批)", required=False)
    emergency_reason = forms.CharField(label="紧急情况说明", widget=TEXT, required=False)
    major = forms.BooleanField(label="重大行政执法行为(立案审批表须有法制机构合法性审查意见的,由法制机构审查)",
                               required=False)


class InspectionForm(AgencyForm):
    unit = PickOne(label="检查机构", queryset=Unit.objects.none())
    party = PartyChoiceField(label="被检查单位", queryset=Party.objects.none())
    place = forms.CharField(label="检查地点", max_length=200)
    started_at = forms.DateTimeField(label="开始时间", widget=DT_WIDGET)
    ended_at = forms.DateTimeField(label="结束时间", widget=DT_WIDGET)
    officers = OfficerChoiceField(label="检查人员(除本人外)", queryset=User.objects.none(), required=False,
                                  widget=forms.CheckboxSelectMultiple)
    findings = forms.CharField(label="检查情况", widget=TEXT)
    outcome = forms.ChoiceField(label="处理结果", choices=InspectionOutcome.choices)
    rectification_deadline = forms.DateField(label="整改期限", required=False, widget=DATE_WIDGET)
    case_title = forms.CharField(label="案由(转立案时)", max_length=200, required=False)
    handler_opinion = forms.CharField(label="承办人意见(转立案时)", widget=TEXT, required=False)
    arrival_filmed = forms.BooleanField(label="到达检查地点即开启执法记录仪,拍摄门头及周边环境", required=False)
    departure_filmed = forms.BooleanField(label="检查完毕再次拍摄门头后关闭执法记录仪", required=False)
    credentials_shown = forms.BooleanField(label="表明身份、出示执法证件的过程已拍摄或记录", required=False)


class SimpleCaseForm(AgencyForm):
    unit = PickOne(label="执法机构", queryset=Unit.objects.none())
    party = PartyChoiceField(label="当事人", queryset=Party.objects.none())
    title = forms.CharField(label="案由", max_length=200)
    officers = OfficerChoiceField(label="执法人员(除本人外)", queryset=User.objects.none(), required=False,
                                  widget=forms.CheckboxSelectMultiple)
    decision_text = forms.CharField(label="当场处罚决定", widget=TEXT)
    penalty_amount = forms.DecimalField(label="罚款金额(元)", required=False, min_value=0, decimal_places=2)
    paid_on_spot = forms.BooleanField(label="当场收缴罚款", required=False)
    # The 当场行政处罚决定书 states the place (《行政处罚法》第五十二条): the step issues it with it.
    place = forms.CharField(label="处罚地点", max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in SIMPLE_ITEMS:
            self.fields[f"item_{key}"] = forms.CharField(label=label, widget=TEXT)
        key, label = SIMPLE_COLLECTION
        self.fields[f"item_{key}"] = forms.CharField(
            label=label, widget=TEXT, required=False,
            help_text="当场收缴罚款的,记录收缴经过:收缴人、金额、出具的罚款收据编号、上缴情况")

    def items(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"item_{key}", "") for key, _ in (*SIMPLE_ITEMS, SIMPLE_COLLECTION)}


class ApprovalForm(OpinionForm):
    kind = forms.ChoiceField(choices=ApprovalKind.choices, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opinions = common_opinions(str(self.initial.get("kind") or self.data.get("kind") or ""))


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    investigation_summary = forms.CharField(label="调查终结报告", widget=TEXT, required=False)
    execution_result = forms.CharField(label="执行情况", widget=TEXT, required=False)
    note = forms.CharField(label="备注", required=False)


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label="处理决定", choices=DecisionKind.choices)
    text = forms.CharField(label="决定内容", widget=TEXT)
    basis = forms.CharField(label="法律依据", widget=TEXT)
    penalty_amount = forms.DecimalField(label="罚款金额(元)", required=False, min_value=0, decimal_places=2)
    # What the decision document says beyond the decision (《行政处罚法》第五十九条): the 决定书 is
    # drafted from this step, and issued with its 文号 when the approved decision moves to 送达执行.
    evidence = forms.CharField(label="证据材料(每行一项;留空则列出本案已签发的调查文书)", widget=TEXT, required=False)
    circumstances = forms.CharField(label="从重、从轻、减轻或者不予处罚情形(行政处罚)", widget=TEXT, required=False)
    performance = forms.CharField(label="履行期限和方式(行政处罚;留空按法定十五日缴纳)", widget=TEXT, required=False)
    deadline_on = forms.DateField(label="改正期限(责令改正)", widget=DATE_WIDGET, required=False)
    remedy = forms.CharField(label="救济途径和期限(留空按法定期限)", widget=TEXT, required=False)

    def document_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        evidence = [line.strip() for line in (d.get("evidence") or "").splitlines() if line.strip()]
        return {"evidence": evidence, "circumstances": d.get("circumstances") or "",
                "performance": d.get("performance") or "", "remedy": d.get("remedy") or "",
                "deadline_on": d["deadline_on"].isoformat() if d.get("deadline_on") else ""}


SMALL_TEXT = forms.Textarea(attrs={"rows": 2})


def _proof_fields() -> dict[str, forms.Field]:
    return {key: forms.CharField(label=label, widget=SMALL_TEXT, required=False, max_length=MAX_PROOF)
            for key, label in SERVICE_PROOFS.items()}


class ServiceForm(forms.Form):
    # The served document is picked from the case's issued ones: a typed name is no document.
    document_id = forms.TypedChoiceField(label="送达文书", coerce=int, choices=())
    method = forms.ChoiceField(label="送达方式", choices=ServiceMethod.choices)
    served_at = forms.DateTimeField(label="送达时间", widget=DT_WIDGET)
    recipient = forms.CharField(label="受送达人/签收人", max_length=100)
    note = forms.CharField(label="备注(见证人、邮件单号等)", widget=TEXT, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["document_id"]
        assert isinstance(field, forms.TypedChoiceField)
        choices = hooks.provided(hooks.SERVABLE_DOCUMENTS, case, default=[])
        field.choices = [("", "请选择本案已签发的文书")] + [(str(pk), label) for pk, label in choices]
        field.help_text = "" if choices else "本案尚无可送达的已签发文书:决定审批通过后系统签发决定书"
        self.fields.update(_proof_fields())


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (f"{obj.document} · {obj.get_method_display()} · {obj.recipient} · "
                f"{timezone.localtime(obj.served_at):%Y-%m-%d %H:%M}")


class ServiceProofForm(forms.Form):
    """补充送达留痕: for a service already recorded on this case."""

    service = ServiceChoiceField(label="送达记录", queryset=Service.objects.none(), empty_label=None)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = case.services.order_by("served_at", "pk")
        self.fields.update(_proof_fields())


class FollowUpDueForm(forms.Form):
    """登记履行或整改期限: the date the check is due by (按期核查)."""

    kind = forms.ChoiceField(label="事项", choices=[(FollowUpKind.RECTIFICATION, "整改期限(责令改正)"),
                                                  (FollowUpKind.PERFORMANCE, "履行期限")])
    due_on = forms.DateField(label="期限", widget=DATE_WIDGET)


FULFILLED_CHOICES = [("", "不适用(法院受理、执行结果)"), ("yes", "已履行/整改到位"), ("no", "未履行/未整改到位")]


class FollowUpForm(forms.Form):
    """记录履行情况检查、整改核查(复查)、法院受理通知书或强制执行结果."""

    kind = forms.ChoiceField(label="事项", choices=FollowUpKind.choices)
    checked_at = forms.DateTimeField(label="核查(复查)、受理或执行时间", widget=DT_WIDGET)
    result = forms.CharField(label="情况记录(核查情况、受理通知书文号、执行结果)", widget=TEXT, max_length=20000)
    fulfilled = forms.TypedChoiceField(label="履行或整改情况", choices=FULFILLED_CHOICES, required=False,
                                       coerce=lambda v: v == "yes", empty_value=None)


class OfficersForm(AgencyForm):
    officers = OfficerChoiceField(label="执法人员", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple)


class CaseFilterForm(AgencyForm):
    q = forms.CharField(label="案号/案由", required=False)
    stage = forms.ChoiceField(label="阶段", required=False)
    unit = PickOne(label="承办机构", queryset=Unit.objects.none(), required=False)
    handler = UserChoiceField(label="承办人", queryset=User.objects.none(), required=False)
    party = forms.CharField(label="当事人", required=False)
    date_from = forms.DateField(label="登记日期起", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="登记日期止", required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from lawtrail.cases.choices import Stage

        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", "全部")] + list(Stage.choices)  # type: ignore[attr-defined]
        self.fields["unit"].initial = None
