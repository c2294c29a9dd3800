"""Pages of the evidence vault. Each view parses input, calls one action and shows its result or error.

No page offers to edit or delete an original: they show, play, download and label it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lawtrail.access import actions as access_actions
from lawtrail.access import serving as access_serving
from lawtrail.access.web import served
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Inspection
from lawtrail.events.models import DomainEvent
from lawtrail.evidence import actions, hooks, queries
from lawtrail.evidence.choices import (
    EvidenceClass,
    InterruptionStatus,
    MediaKind,
    RecordingCategory,
    StartBasis,
)
from lawtrail.evidence.models import Evidence, EvidenceHandling
from lawtrail.evidence.retention import storage_deadline
from lawtrail.lib import timez
from lawtrail.lib.paging import cached_count, paged
from lawtrail.profiles.registry import get_profile
from lawtrail.web.kit import PickOne, attempt, signed_in_user


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class CaseChoiceField(PickOne):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} {obj.title}"


class FilterForm(forms.Form):
    q = forms.CharField(label="文件名、案号、设备编号或执法人员", required=False, max_length=100)
    evidence_class = forms.ChoiceField(label="类别", required=False,
                                       choices=[("", "全部"), *EvidenceClass.choices])
    unassigned = forms.BooleanField(label="只看未关联案件的", required=False)
    flagged = forms.BooleanField(label="只看文件有问题的", required=False)


class LinkForm(forms.Form):
    case = CaseChoiceField(label="关联到案件", queryset=Case.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "case").queryset = Case.objects.restrict(user).exclude(number=None)


class InspectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{timezone.localtime(obj.started_at):%Y-%m-%d %H:%M} {obj.party.name} {obj.place}"


class PatrolForm(forms.Form):
    """巡查录像归属日常巡视检查: a patrol of the recording's days that opened no case, picked by its
    time, party and place."""

    inspection = InspectionChoiceField(label="归属的日常巡视检查", queryset=Inspection.objects.none(),
                                       empty_label="请选择")

    def __init__(self, *args: Any, user: User, evidence: Evidence, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Inspection.objects.restrict(user).filter(cases__isnull=True).select_related("party")
        moment = evidence.recorded_start or evidence.ingested_at
        if moment is not None:
            # The patrols of the recording's days, not the agency's whole history.
            qs = qs.filter(started_at__gte=moment - dt.timedelta(days=2), started_at__lte=moment + dt.timedelta(days=2))
        _choices(self, "inspection").queryset = qs.order_by("-started_at")


class FootageForm(forms.Form):
    """录像关联执法环节: the act picked from the case's acts (never a typed id), and, for a file with no
    time of its own, its stated start and where that comes from; a segment for a longer recording."""

    act = forms.ChoiceField(label="所记录的执法环节", choices=())
    evidence = forms.ChoiceField(label="录像或录音", choices=())
    stated_start = forms.DateTimeField(label="录像开始时间", required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1},
                                                                  format="%Y-%m-%dT%H:%M:%S"))
    start_basis = forms.ChoiceField(label="开始时间的依据", required=False, choices=StartBasis.choices,
                                    widget=forms.RadioSelect(attrs={"class": "big-choices"}))
    basis_note = forms.CharField(label="依据说明", required=False, max_length=500)
    segment_in = forms.FloatField(label="片段起点(秒,可不填)", required=False, min_value=0,
                                  widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}))
    segment_out = forms.FloatField(label="片段终点(秒,可不填)", required=False, min_value=0,
                                   widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}))
    next = forms.CharField(widget=forms.HiddenInput, required=False)
    shown_when = {"basis_note": ("start_basis", StartBasis.OTHER)}

    def __init__(self, *args: Any, case: Case, evidence: Evidence | None = None, act: str = "",
                 user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        acts = [(a.key, f"{a.label} {timez.beijing(a.start):%m-%d %H:%M}" if a.start else a.label)
                for a in queries.case_acts(case)]
        act_field = self.fields["act"]
        assert isinstance(act_field, forms.ChoiceField)
        act_field.choices = [("", "请选择"), *acts]
        ev_field = self.fields["evidence"]
        assert isinstance(ev_field, forms.ChoiceField)
        recordings = queries.visible_evidence(user).filter(
            case=case, media_kind__in=[MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.PHOTO]).order_by("ingested_at")
        ev_field.choices = [("", "请选择"), *((str(e.pk), f"{e.display_name}" + (
            f"(开始 {timez.beijing(e.recorded_start):%m-%d %H:%M})" if e.recorded_start else "(文件中无录制时间)"))
            for e in recordings)]
        # On a recording's page the recording is given; on a document's page, the act.
        if evidence is not None:
            self.fields["evidence"].initial = str(evidence.pk)
            self.fields["evidence"].widget = forms.HiddenInput()
            if evidence.recorded_start is not None:
                for name in ("stated_start", "start_basis", "basis_note"):
                    del self.fields[name]
        if act:
            self.fields["act"].initial = act
            self.fields["act"].widget = forms.HiddenInput()

    def call(self, case: Case, user: User) -> Any:
        d = self.cleaned_data
        ev = get_object_or_404(queries.visible_evidence(user), pk=d["evidence"])
        start = d.get("stated_start")
        return actions.do_link_footage(
            ev, case=case, act=d["act"], stated_start=start, start_basis=d.get("start_basis") or "",
            basis_note=d.get("basis_note") or "", segment_in=d["segment_in"], segment_out=d["segment_out"],
            actor=user)


class RejectForm(forms.Form):
    case = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="驳回理由", required=False, max_length=500)


class LongTermForm(forms.Form):
    reason = forms.CharField(label="长期保存的情形", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReturnForm(forms.Form):
    returned_at = forms.DateTimeField(label="返回单位时间", widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    delay_reason = forms.CharField(label="未能按期存储的原因(按期存储的不填)", required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CatalogueForm(forms.Form):
    title = forms.CharField(label="名称", max_length=200)
    category = forms.ChoiceField(label="分类", choices=[("", "—")] + list(RecordingCategory.choices))
    place = forms.CharField(label="场所", max_length=200, help_text="影像反映的具体场所")
    description = forms.CharField(label="内容描述", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                                  help_text="影像反映的主要内容")


class CasePick(PickOne):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} {obj.title}"


class HeadPick(PickOne):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class StopForm(forms.Form):
    """无法继续音像记录: when, why, which head was told and when (2-commission 第十三条)."""

    case = CasePick(label="案件", queryset=Case.objects.none())
    stopped_at = forms.DateTimeField(label="中止记录时间", widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    cause = forms.CharField(label="无法继续记录的原因", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    device_serial = forms.CharField(label="设备编号", max_length=64, required=False)
    reported_to = HeadPick(label="报告的部门负责人", queryset=User.objects.none())
    reported_at = forms.DateTimeField(label="报告时间", widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.restrict(user).order_by("-pk")  # type: ignore[attr-defined]
        heads = User.objects.filter(agency=user.agency, is_active=True, role_grants__role="head") \
            if user.agency_id else User.objects.none()
        self.fields["reported_to"].queryset = heads.distinct().order_by("pk")  # type: ignore[attr-defined]


class StopExplainForm(forms.Form):
    text = forms.CharField(label="事后书面说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ExplainForm(forms.Form):
    text = forms.CharField(label="中断原因", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    voice_note = PickOne(label="语音说明(已入库的录音)", required=False,
                                        queryset=Evidence.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "voice_note").queryset = queries.visible_evidence(user).filter(media_kind=MediaKind.AUDIO)


class SegmentForm(forms.Form):
    evidence = PickOne(label="监控录像", queryset=Evidence.objects.none())
    site = forms.CharField(label="受理场所", max_length=100)
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "evidence").queryset = queries.visible_evidence(user).filter(
            media_kind=MediaKind.VIDEO, reception_segment__isnull=True, case__isnull=True)


class ReceptionReportForm(forms.Form):
    date_from = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.CharField(label="受理场所(可不填)", max_length=100, required=False)


class UploadForm(forms.Form):
    case = CaseChoiceField(label="所属案件(可不选,之后再关联)", required=False, queryset=Case.objects.none())
    evidence_class = forms.ChoiceField(label="类别", required=False,
                                       choices=[("", "自动(有案件为案件证据,否则日常巡查)"), *EvidenceClass.choices])
    device_serial = forms.CharField(label="执法记录仪设备编号", required=False, max_length=64)
    clock_offset_seconds = forms.FloatField(label="设备时钟偏差(秒,设备快为正)", required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "case").queryset = Case.objects.restrict(user)


@login_required
def evidence_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = FilterForm(request.GET or None)
    qs = queries.visible_evidence(user)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        qs = queries.filter_evidence(qs, evidence_class=d["evidence_class"], unassigned=d["unassigned"],
                                     flagged=d["flagged"], q=d["q"])
    # Keyset pages, newest first (lib.paging): however deep, a page reads one page of recordings.
    # The total above the list is counted at most once a minute: a COUNT reads every recording in
    # the user's reach.
    page, query = paged(qs, "ingested_at", request.GET, size=20)
    total, counted_at = cached_count(qs, f"evidence:{user.pk}?{query}")
    return render(request, "evidence/evidence_list.html", {"form": form, "page": page, "query": query,
                                                           "total": total, "counted_at": counted_at})


def _evidence(request: HttpRequest, pk: int) -> Evidence:
    return get_object_or_404(queries.visible_evidence(signed_in_user(request)), pk=pk)


@login_required
def evidence_detail(request: HttpRequest, pk: int, forms_override: dict[str, forms.Form] | None = None) -> HttpResponse:
    user = signed_in_user(request)
    ev = _evidence(request, pk)
    access_actions.note_view(user, ev)  # access: a read of marked material is logged
    given = forms_override or {}
    may_handle = actions.may_handle(user, ev.unit_id, ev.agency_id) and user.agency_id == ev.agency_id
    gaps = queries.recording_gaps(user, ev)
    profile = get_profile(ev.agency.profile_id)
    within = storage_deadline(profile)
    storage_rule = profile.rule("evidence_storage")
    handling = EvidenceHandling.objects.filter(evidence=ev).first()
    return render(request, "evidence/evidence_detail.html", {
        "ev": ev,
        "may_handle": may_handle,
        "proposals": queries.link_proposals(ev, user) if may_handle else [],
        "link_form": given.get("link") or LinkForm(user=user),
        "patrol_form": (given.get("patrol") or PatrolForm(user=user, evidence=ev)) if ev.case_id is None else None,
        "footage_form": (given.get("footage") or FootageForm(case=ev.case, evidence=ev, user=user))
        if ev.case is not None and ev.media_kind != MediaKind.OTHER else None,
        "act_links": ev.act_links.select_related("case").order_by("linked_at", "pk"),
        "long_term_form": given.get("long_term") or LongTermForm(),
        "handling": handling,
        "return_form": given.get("return") or ReturnForm(initial={
            "returned_at": timez.beijing(handling.returned_at).replace(tzinfo=None) if handling and handling.returned_at
            else None, "delay_reason": handling.delay_reason if handling else ""}),
        "catalogue_form": given.get("catalogue") or CatalogueForm(initial={
            k: getattr(handling, k) for k in ("title", "category", "place", "description")} if handling else None),
        "gaps": gaps,
        "stored_late": _stored_late(ev, handling, within, storage_rule.values if storage_rule else {}),
        "storage_rule": f"{storage_rule.article}规定的{storage_rule.period_label()}" if storage_rule else "",
        "events": DomainEvent.objects.filter(object_type="evidence.evidence", object_id=str(ev.pk),
                                             outcome="done").order_by("id"),
        "same_content": queries.visible_evidence(user).filter(stored=ev.stored).exclude(pk=ev.pk),
        "device_registered": hooks.devices.registered(ev.agency_id, ev.device_serial) if ev.device_serial else None,
    }, status=400 if given else 200)


def _stored_late(ev: Evidence, handling: EvidenceHandling | None, within: dt.timedelta | None,
                 rule: dict[str, Any]) -> bool:
    """The page's reminder (the compliance engine judges): counted from the return to the office where
    the profile says so and it is recorded; a recorded delay reason leaves the judgement to the engine."""
    if handling is not None and handling.delay_reason and "delayed" in rule:
        return False
    if handling is not None and handling.returned_at and rule.get("from") == "returned" and within:
        return ev.ingested_at - handling.returned_at > within
    return ev.stored_late(within)


@login_required
@require_POST
def evidence_step(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = signed_in_user(request)
    ev = _evidence(request, pk)
    form: forms.Form
    call: Callable[[], Any]
    if kind == "link":
        form = LinkForm(request.POST, user=user)
        call = lambda: actions.do_link_evidence(ev, case=form.cleaned_data["case"], actor=user)  # noqa: E731
    elif kind == "patrol":
        patrol = form = PatrolForm(request.POST, user=user, evidence=ev)
        call = lambda: actions.do_link_patrol_evidence(  # noqa: E731
            ev, inspection=patrol.cleaned_data["inspection"], actor=user)
    elif kind == "footage":
        if ev.case is None:
            raise Http404
        footage = form = FootageForm(request.POST, case=ev.case, evidence=ev, user=user)
        call = lambda: footage.call(ev.case, user)  # type: ignore[arg-type]  # noqa: E731
    elif kind == "reject":
        form = RejectForm(request.POST)

        def call() -> Any:
            case = get_object_or_404(Case.objects.restrict(user), pk=form.cleaned_data["case"])
            return actions.do_reject_link(ev, case=case, reason=form.cleaned_data["reason"], actor=user)
    elif kind == "return":
        form = ReturnForm(request.POST)
        call = lambda: actions.do_record_evidence_return(  # noqa: E731
            ev, returned_at=form.cleaned_data["returned_at"], delay_reason=form.cleaned_data["delay_reason"], actor=user)
    elif kind == "catalogue":
        form = CatalogueForm(request.POST)
        call = lambda: actions.do_catalogue_evidence(ev, actor=user, **form.cleaned_data)  # noqa: E731
    elif kind == "long_term":
        form = LongTermForm(request.POST)
        call = lambda: actions.do_mark_long_term(ev, reason=form.cleaned_data["reason"], actor=user)  # noqa: E731
    else:
        raise Http404
    if form.is_valid() and attempt(form, call) is not None:
        messages.success(request, "已保存")
        return redirect("evidence_detail", pk=ev.pk)
    messages.error(request, "操作未完成:" + "；".join(str(e) for errs in form.errors.values() for e in errs))
    return evidence_detail(request, pk, forms_override={kind: form})


@login_required
@require_POST
def link_footage(request: HttpRequest, case_pk: int) -> HttpResponse:
    """The same link made from an act's page (a 笔录): the recording picked from the case's own."""
    user = signed_in_user(request)
    case = get_object_or_404(Case.objects.restrict(user), pk=case_pk)
    form = FootageForm(request.POST, case=case, user=user)
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = f"/cases/{case.pk}/"
    if form.is_valid() and attempt(form, lambda: form.call(case, user)) is not None:
        messages.success(request, "已关联录像")
    else:
        messages.error(request, "关联录像未完成:" + "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(back)


@login_required
def evidence_original(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    ev = _evidence(request, pk)
    # access: a download needs a role or a grant (lawtrail/access/policy.py)
    return served(request, lambda: access_serving.evidence_original(request, signed_in_user(request), ev))


@login_required
def evidence_preview(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    ev = _evidence(request, pk)
    return served(request, lambda: access_serving.evidence_view(request, signed_in_user(request), ev, "preview"))


@login_required
def evidence_thumbnail(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    ev = _evidence(request, pk)
    return served(request, lambda: access_serving.evidence_view(request, signed_in_user(request), ev, "thumbnail"))


@login_required
def evidence_upload(request: HttpRequest) -> HttpResponse:
    case = request.GET.get("case", "")
    form = UploadForm(user=signed_in_user(request), initial={"case": case} if case.isdigit() else {})
    return render(request, "evidence/evidence_upload.html", {"form": form,
                                                             "chunk_bytes": settings.EVIDENCE_UPLOAD_CHUNK_BYTES})


@login_required
def interruption_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    status = request.GET.get("status", InterruptionStatus.OPEN)
    qs = queries.visible_interruptions(user)
    if status in InterruptionStatus.values:
        qs = qs.filter(status=status)
    form = ExplainForm(user=user)
    if request.method == "POST":
        gap = get_object_or_404(queries.visible_interruptions(user), pk=request.POST.get("interruption"))
        form = ExplainForm(request.POST, user=user)
        if form.is_valid() and attempt(form, lambda: actions.do_explain_interruption(
                gap, text=form.cleaned_data["text"], voice_note=form.cleaned_data["voice_note"], actor=user)):
            messages.success(request, "中断原因已记录")
            return redirect("evidence_interruptions")
        messages.error(request, "操作未完成:" + "；".join(str(e) for errs in form.errors.values() for e in errs))
    page, query = paged(qs, "detected_at", request.GET, size=20)
    return render(request, "evidence/interruption_list.html", {
        "page": page, "query": query, "status": status, "statuses": InterruptionStatus.choices, "form": form,
    }, status=400 if form.errors else 200)


@login_required
def stop_list(request: HttpRequest) -> HttpResponse:
    """无法继续音像记录的报告: reported to the head, then explained in writing."""
    user = signed_in_user(request)
    report = StopForm(user=user)
    explain = StopExplainForm()
    if request.method == "POST" and request.POST.get("stop"):
        stop = get_object_or_404(queries.visible_stops(user), pk=request.POST.get("stop"))
        explain = StopExplainForm(request.POST)
        if explain.is_valid() and attempt(explain, lambda: actions.do_explain_recording_stop(
                stop, text=explain.cleaned_data["text"], actor=user)):
            messages.success(request, "书面说明已记录")
            return redirect("evidence_stops")
    elif request.method == "POST":
        report = StopForm(request.POST, user=user)
        d = report.cleaned_data if report.is_valid() else {}
        if d and attempt(report, lambda: actions.do_report_recording_stop(
                d["case"], stopped_at=d["stopped_at"], cause=d["cause"], reported_to=d["reported_to"],
                reported_at=d["reported_at"], device_serial=d["device_serial"], actor=user)):
            messages.success(request, "已登记并记录向负责人报告的情况")
            return redirect("evidence_stops")
    page, query = paged(queries.visible_stops(user), "stopped_at", request.GET, size=20)
    return render(request, "evidence/stop_list.html", {"page": page, "query": query, "report": report,
                                                       "explain": explain},
                  status=400 if report.errors or explain.errors else 200)


@login_required
def reception_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = SegmentForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if attempt(form, lambda: actions.do_register_reception_segment(d["evidence"], site=d["site"], day=d["day"],
                                                                         actor=user)):
            messages.success(request, "已登记当日监控录像")
            return redirect("evidence_reception")
    page, query = paged(queries.visible_segments(user), queries.SEGMENT_ORDER, request.GET, size=30)
    return render(request, "evidence/reception_list.html", {"page": page, "query": query, "form": form},
                  status=400 if form.errors else 200)


@login_required
def reception_report(request: HttpRequest) -> HttpResponse:
    """受理场所监控缺失日: per site, the days of a range with no saved recording (last 30 days by default)."""
    user = signed_in_user(request)
    today = timez.beijing(timez.now()).date()
    form = ReceptionReportForm(request.GET or None, initial={"date_from": today - dt.timedelta(days=29),
                                                             "date_to": today})
    start, end, site = today - dt.timedelta(days=29), today, ""
    if form.is_bound and form.is_valid():
        start, end, site = form.cleaned_data["date_from"], form.cleaned_data["date_to"], form.cleaned_data["site"]
    rows = attempt(form, lambda: queries.missing_reception_days(queries.visible_segments(user), start, end, site)) \
        if not form.errors else None
    return render(request, "evidence/reception_report.html", {
        "form": form, "rows": rows or [], "start": start, "end": end,
    }, status=400 if form.errors else 200)
