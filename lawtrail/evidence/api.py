"""API: the evidence vault — records, their facts and links, viewing, resumable upload.

Reads start from `Evidence.objects.restrict(user)`; writes parse input, resolve ids among
what the user may see, and call one action. No operation alters or removes an original.

Resumable upload follows tus 1.0.0 (core + creation) under /api/evidence-uploads; those
operations speak tus headers and binary bodies, so they are described here and in the
README rather than in the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from lawtrail.access import actions as access_actions
from lawtrail.access import serving as access_serving
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Inspection
from lawtrail.evidence import queries, uploads
from lawtrail.evidence.actions import (
    do_catalogue_evidence,
    do_explain_interruption,
    do_explain_recording_stop,
    do_link_evidence,
    do_link_footage,
    do_link_patrol_evidence,
    do_mark_long_term,
    do_record_evidence_return,
    do_register_reception_segment,
    do_reject_link,
    do_report_recording_stop,
)
from lawtrail.evidence.choices import EvidenceClass, InterruptionStatus, RecordingCategory, StartBasis
from lawtrail.evidence.models import (
    Evidence,
    EvidenceHandling,
    FootageLink,
    Interruption,
    ReceptionSegment,
    RecordingStop,
    UploadSession,
)
from lawtrail.lib.apikit import (
    CursorPage,
    CursorPaging,
    Id,
    LongText,
    Moment,
    Str100,
    Str200,
    Str500,
    agency_users,
    auth_user,
    reference,
    responses,
    visible,
)
from lawtrail.lib.errors import InvalidInput, NotFound
from lawtrail.lib.paging import api_page, cached_count, list_key

router = Router(tags=["evidence"])



class CaseRef(Schema):
    id: int
    number: str | None
    title: str


class MediaOut(Schema):
    kind: str
    kind_label: str
    container: str
    video_codec: str
    audio_codec: str
    duration: float | None
    width: int | None
    height: int | None
    creation_time_raw: str = Field(description="容器中的创建时间原值")
    start_raw: dt.datetime | None = Field(description="按设备时钟的开始时间")
    clock_offset_seconds: float | None = Field(description="设备时钟偏差(设备时间减标准时间,秒)")
    start: dt.datetime | None = Field(description="校正后的开始时间")
    end: dt.datetime | None = Field(description="校正后的结束时间(开始 + 时长)")
    gps_lat: float | None
    gps_lon: float | None
    problem: str = Field(description="truncated(文件不完整)、unreadable(无法解析)或空")
    problem_detail: str


class HandlingOut(Schema):
    returned_at: dt.datetime | None
    delay_reason: str
    title: str
    category: RecordingCategory | None
    category_label: str
    place: str
    description: str
    catalogued_at: dt.datetime | None
    catalogued_by_name: str


class EvidenceOut(Schema):
    id: int
    name: str
    original_name: str
    evidence_class: EvidenceClass
    class_label: str
    sha256: str
    sm3: str
    size: int
    object_key: str
    case: CaseRef | None
    label_case_number: str
    label_party: str
    label_handler: str
    unit_id: int
    officer_name: str
    officer_cert_no: str
    device_serial: str
    media: MediaOut
    retention_until: dt.date | None
    retention_long_term: bool
    retention_basis: str
    preview_status: str
    ingested_at: dt.datetime
    ingest_channel: str
    original_url: str = Field(description="原始文件下载(逐字节一致,支持 Range)")
    preview_url: str = Field(description="浏览器预览(支持 Range)")
    thumbnail_url: str | None
    handling: HandlingOut | None = Field(None, description="移交与整理:返回单位时间、迟延原因、名称、分类、场所、内容描述")


class ReturnIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "returned_at": "2026-03-02T18:30:00+08:00", "delay_reason": "连续外出检查,当日未能返回单位"}]})

    returned_at: Moment = Field(description="阶段执法结束返回单位的时间(须带时区)")
    delay_reason: LongText = Field("", description="未能按期存储的原因(特殊情况、连续工作无法及时移交)")


class CatalogueIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "title": "20260302 某公司车间现场检查", "category": "inspection", "place": "某公司一号车间",
        "description": "检查车间消防通道及配电箱,当事人陈述整改计划"}]})

    title: Str200 = Field(description="名称")
    category: RecordingCategory = Field(description="分类")
    place: Str200 = Field(description="影像反映的具体场所")
    description: LongText = Field(description="主要内容描述")


class EvidencePage(CursorPage):
    count: int = Field(description="符合条件的音像资料数:每位用户、每种筛选条件至多每分钟统计一次,"
                                   "可能未计入刚入库的资料(统计时间见 counted_at;列表本身总是最新的)")
    items: list[EvidenceOut]


class EvidenceFilter(CursorPaging):
    case_id: Id | None = Field(None, description="所属案件编号")
    evidence_class: EvidenceClass | None = None
    unassigned: bool = Field(False, description="只列未关联案件的")
    flagged: bool = Field(False, description="只列文件有问题(截断、无法解析)的")
    q: Str100 = Field("", description="文件名、案号、设备编号、执法人员或 SHA-256 前缀")


class ProposalOut(Schema):
    case: CaseRef
    act: str = Field(description="现场执法行为(日常巡视检查、送达、当场处罚)")
    act_start: dt.datetime
    act_end: dt.datetime


class LinkIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"case_id": 1}]})

    case_id: Id
    inspection_id: Id | None = None


class ActOut(Schema):
    key: str = Field(description="执法环节的标识(document:文书编号、inspection:巡查编号、service:送达编号),关联时原样提交")
    label: str
    start: dt.datetime | None
    end: dt.datetime | None


class FootageIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "case_id": 1, "act": "document:3", "stated_start": "2026-03-02T09:00:00+08:00",
        "start_basis": "statement"}]})

    case_id: Id
    act: Str100 = Field(description="执法环节,取自 GET /cases/{case_id}/acts 的 key")
    stated_start: dt.datetime | None = Field(None, description="文件中无录制时间时,陈述的开始时间(须带时区)")
    start_basis: StartBasis | None = Field(None, description="开始时间的依据:statement(执法人员陈述)、"
                                                             "file_name(文件名)、device_screen(设备屏幕显示)、other(其他)")
    basis_note: Str500 = Field("", description="依据说明(依据为 other 时必填)")
    segment_in: float | None = Field(None, ge=0, description="片段起点(秒)")
    segment_out: float | None = Field(None, ge=0, description="片段终点(秒)")


class FootageOut(Schema):
    id: int
    evidence_id: int
    case_id: int
    act: str
    act_label: str
    stated_start: dt.datetime | None
    start_basis: str
    basis_label: str
    segment_in: float | None
    segment_out: float | None
    start: dt.datetime | None = Field(description="关联部分的开始时间")
    end: dt.datetime | None = Field(description="关联部分的结束时间")
    linked_by: str
    linked_at: dt.datetime


def footage_out(link: FootageLink) -> FootageOut:
    start, end = link.span()
    return FootageOut(id=link.pk, evidence_id=link.evidence_id, case_id=link.case_id, act=link.act,
                      act_label=link.act_label, stated_start=link.stated_start, start_basis=link.start_basis,
                      basis_label=link.basis_label, segment_in=link.segment_in, segment_out=link.segment_out,
                      start=start, end=end, linked_by=link.linked_by_name, linked_at=link.linked_at)


class RejectIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"case_id": 1, "reason": "不是该案现场"}]})

    case_id: Id
    reason: LongText = ""


class LongTermIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "当事人对现场执法有异议"}]})

    reason: LongText


class InterruptionOut(Schema):
    id: int
    device_serial: str
    before_id: int
    after_id: int
    gap_seconds: float
    gap_start: dt.datetime | None
    gap_end: dt.datetime | None
    status: InterruptionStatus
    status_label: str
    explanation: str
    voice_note_id: int | None
    explained_by: str | None
    explained_at: dt.datetime | None


class StopOut(Schema):
    id: int
    case_id: int
    device_serial: str
    stopped_at: dt.datetime
    cause: str
    reported_to: str = Field(description="报告的负责人(报告时的姓名)")
    reported_at: dt.datetime
    explanation: str
    explained_at: dt.datetime | None
    recorded_by: str


class StopIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "case_id": 1, "stopped_at": "2026-03-02T10:20:00+08:00", "cause": "执法记录仪进水损坏,备用设备电量耗尽",
        "reported_to_id": 3, "reported_at": "2026-03-02T10:25:00+08:00", "device_serial": "DSJ-0001"}]})

    case_id: Id
    stopped_at: Moment = Field(description="中止记录的时间(须带时区)")
    cause: LongText = Field(description="无法继续记录的原因")
    reported_to_id: Id = Field(description="报告的所属部门负责人(用户编号)")
    reported_at: Moment = Field(description="报告时间(须带时区)")
    device_serial: Str100 = ""


class StopExplainIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "设备故障经过及未能继续记录的情况说明"}]})

    text: LongText


def stop_out(s: RecordingStop) -> StopOut:
    return StopOut(id=s.pk, case_id=s.case_id, device_serial=s.device_serial, stopped_at=s.stopped_at, cause=s.cause,
                   reported_to=s.reported_to_name, reported_at=s.reported_at, explanation=s.explanation,
                   explained_at=s.explained_at, recorded_by=s.recorded_by_name)


class InterruptionFilter(CursorPaging):
    status: InterruptionStatus | None = None


class InterruptionPage(CursorPage):
    count: int = Field(description="符合条件的中断数:每位用户、每种筛选条件至多每分钟统计一次(统计时间见 counted_at;"
                                   "列表本身总是最新的)")
    items: list[InterruptionOut]


class ExplainIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "设备电量不足,更换电池后继续录制"}]})

    text: LongText = ""
    voice_note_id: Id | None = Field(None, description="语音说明(已入库的录音)编号")


class SegmentIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"evidence_id": 1, "site": "一楼受理窗口",
                                                              "day": "2026-03-02"}]})

    evidence_id: Id
    site: Str100
    day: dt.date


class SegmentOut(Schema):
    id: int
    site: str
    day: dt.date
    evidence_id: int
    sha256: str
    retention_until: dt.date | None


class SegmentFilter(CursorPaging):
    site: Str100 = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class SegmentPage(CursorPage):
    count: int = Field(description="符合条件的监控日存数:每位用户、每种筛选条件至多每分钟统计一次(统计时间见 counted_at;"
                                   "列表本身总是最新的)")
    items: list[SegmentOut]


class UploadOut(Schema):
    id: uuid.UUID
    length: int
    offset: int
    complete: bool
    evidence_id: int | None
    error: str
    outcome: str = Field("", description="完成后的结果:stored(已入库)、duplicate(内容已存储,新建记录)、"
                                         "already(同一原始文件已入库,未重复记录)、linked(已入库的同一文件关联到本案)")


def _case_ref(case: Case | None) -> CaseRef | None:
    return CaseRef(id=case.pk, number=case.number, title=case.title) if case is not None else None


def evidence_out(ev: Evidence) -> EvidenceOut:
    base = f"/api/evidence/{ev.pk}"
    return EvidenceOut(
        id=ev.pk, name=ev.display_name, original_name=ev.original_name,
        evidence_class=EvidenceClass(ev.evidence_class), class_label=ev.get_evidence_class_display(),
        sha256=ev.stored.sha256, sm3=ev.stored.sm3, size=ev.stored.size, object_key=ev.stored.key,
        case=_case_ref(ev.case), label_case_number=ev.label_case_number, label_party=ev.label_party,
        label_handler=ev.label_handler, unit_id=ev.unit_id, officer_name=ev.officer_name,
        officer_cert_no=ev.officer_cert_no, device_serial=ev.device_serial,
        media=MediaOut(
            kind=ev.media_kind, kind_label=ev.get_media_kind_display(), container=ev.container,
            video_codec=ev.video_codec, audio_codec=ev.audio_codec, duration=ev.duration_seconds, width=ev.width,
            height=ev.height, creation_time_raw=ev.creation_time_raw, start_raw=ev.recorded_start_raw,
            clock_offset_seconds=ev.clock_offset_seconds, start=ev.recorded_start, end=ev.recorded_end,
            gps_lat=ev.gps_lat, gps_lon=ev.gps_lon, problem=ev.media_problem,
            problem_detail=ev.media_problem_detail),
        retention_until=ev.retention_until, retention_long_term=ev.retention_long_term,
        retention_basis=ev.retention_basis, preview_status=ev.proxy_status, ingested_at=ev.ingested_at,
        ingest_channel=ev.ingest_channel, original_url=f"{base}/original", preview_url=f"{base}/preview",
        thumbnail_url=f"{base}/thumbnail" if ev.thumb_key else None,
        handling=_handling_out(ev),
    )


def _handling_out(ev: Evidence) -> HandlingOut | None:
    try:
        h = ev.handling  # joined in by the list (select_related), read once for a single recording
    except EvidenceHandling.DoesNotExist:
        return None
    return HandlingOut(returned_at=h.returned_at, delay_reason=h.delay_reason, title=h.title,
                       category=RecordingCategory(h.category) if h.category else None,
                       category_label=h.get_category_display() if h.category else "", place=h.place,
                       description=h.description, catalogued_at=h.catalogued_at,
                       catalogued_by_name=h.catalogued_by_name)


def _evidence(user: User, evidence_id: int) -> Evidence:
    return visible(queries.visible_evidence(user), evidence_id, "音像资料")


def interruption_out(i: Interruption) -> InterruptionOut:
    return InterruptionOut(
        id=i.pk, device_serial=i.device_serial, before_id=i.before_id, after_id=i.after_id,
        gap_seconds=i.gap_seconds, gap_start=i.before.recorded_end, gap_end=i.after.recorded_start,
        status=InterruptionStatus(i.status), status_label=i.get_status_display(), explanation=i.explanation,
        voice_note_id=i.voice_note_id, explained_by=i.explained_by.display_name if i.explained_by else None,
        explained_at=i.explained_at)


def segment_out(s: ReceptionSegment) -> SegmentOut:
    return SegmentOut(id=s.pk, site=s.site, day=s.day, evidence_id=s.evidence_id, sha256=s.evidence.stored.sha256,
                      retention_until=s.evidence.retention_until)


# ---------------------------------------------------------------- records


@router.get("/evidence", response=responses(200, EvidencePage), summary="音像资料列表")
def list_evidence(request: HttpRequest, filters: Query[EvidenceFilter]) -> EvidencePage:
    user = auth_user(request)
    qs = queries.filter_evidence(queries.visible_evidence(user), case_id=filters.case_id,
                                 evidence_class=filters.evidence_class or "", unassigned=filters.unassigned,
                                 flagged=filters.flagged, q=filters.q)
    items, following = api_page(qs.select_related("handling"), "ingested_at", after=filters.after,
                                offset=filters.offset, limit=filters.limit)
    # The count reads every recording in the user's reach: counted at most once a minute per user
    # and filter, as the evidence list page's total is (lib.paging).
    count, counted_at = cached_count(
        qs, list_key("api-evidence", user.pk, filters.dict()))
    return EvidencePage(count=count, counted_at=counted_at, items=[evidence_out(e) for e in items], next=following)


@router.get("/evidence/{evidence_id}", response=responses(200, EvidenceOut), summary="音像资料详情")
def get_evidence(request: HttpRequest, evidence_id: Id) -> EvidenceOut:
    user = auth_user(request)
    ev = _evidence(user, evidence_id)
    access_actions.note_view(user, ev)  # access: a read of marked material is logged
    return evidence_out(ev)


@router.get("/evidence/{evidence_id}/proposals", response=responses(200, list[ProposalOut]),
            summary="关联建议:时间与案件现场执法行为重合的案件")
def list_proposals(request: HttpRequest, evidence_id: Id) -> list[ProposalOut]:
    user = auth_user(request)
    ev = _evidence(user, evidence_id)
    return [ProposalOut(case=_case_ref(p.case), act=p.act, act_start=p.act_start, act_end=p.act_end)  # type: ignore[arg-type]
            for p in queries.link_proposals(ev, user)]


@router.post("/evidence/{evidence_id}/link", response=responses(200, EvidenceOut), summary="确认关联案件")
def link_evidence(request: HttpRequest, evidence_id: Id, data: LinkIn) -> EvidenceOut:
    user = auth_user(request)
    ev = _evidence(user, evidence_id)
    case = reference(Case.objects.restrict(user), data.case_id, "case_id", "案件")
    inspection = (reference(Inspection.objects.restrict(user), data.inspection_id, "inspection_id",
                            "巡查记录") if data.inspection_id else None)
    do_link_evidence(ev, case=case, inspection=inspection, actor=user)
    return evidence_out(_evidence(user, evidence_id))


class PatrolIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"inspection_id": 1}]})

    inspection_id: Id = Field(description="未立案的日常巡视检查")


@router.post("/evidence/{evidence_id}/inspection", response=responses(200, EvidenceOut),
             summary="巡查录像归属日常巡视检查(无案件)")
def link_patrol_evidence(request: HttpRequest, evidence_id: Id, data: PatrolIn) -> EvidenceOut:
    user = auth_user(request)
    ev = _evidence(user, evidence_id)
    inspection = reference(Inspection.objects.restrict(user), data.inspection_id, "inspection_id", "巡查记录")
    do_link_patrol_evidence(ev, inspection=inspection, actor=user)
    return evidence_out(_evidence(user, evidence_id))


@router.get("/cases/{case_id}/acts", response=responses(200, list[ActOut]),
            summary="案件的执法环节(可关联录像的笔录、巡查、送达)")
def list_acts(request: HttpRequest, case_id: Id) -> list[ActOut]:
    user = auth_user(request)
    case = visible(Case.objects.restrict(user), case_id, "案件")
    return [ActOut(key=a.key, label=a.label, start=a.start, end=a.end) for a in queries.case_acts(case)]


@router.get("/evidence/{evidence_id}/acts", response=responses(200, list[FootageOut]),
            summary="录像已人工关联的执法环节")
def list_footage_links(request: HttpRequest, evidence_id: Id) -> list[FootageOut]:
    ev = _evidence(auth_user(request), evidence_id)
    return [footage_out(link) for link in ev.act_links.order_by("linked_at", "pk")]


@router.post("/evidence/{evidence_id}/acts", response=responses(201, FootageOut),
             summary="人工关联执法环节(可陈述开始时间及依据,或指定片段)")
def link_footage(request: HttpRequest, evidence_id: Id, data: FootageIn) -> Status[FootageOut]:
    user = auth_user(request)
    ev = _evidence(user, evidence_id)
    case = reference(Case.objects.restrict(user), data.case_id, "case_id", "案件")
    link = do_link_footage(ev, case=case, act=data.act, stated_start=data.stated_start,
                           start_basis=data.start_basis or "", basis_note=data.basis_note,
                           segment_in=data.segment_in, segment_out=data.segment_out, actor=user)
    return Status(201, footage_out(link))


@router.post("/evidence/{evidence_id}/reject-link", response=responses(200, EvidenceOut), summary="驳回关联建议")
def reject_link(request: HttpRequest, evidence_id: Id, data: RejectIn) -> EvidenceOut:
    user = auth_user(request)
    ev = _evidence(user, evidence_id)
    case = reference(Case.objects.restrict(user), data.case_id, "case_id", "案件")
    do_reject_link(ev, case=case, reason=data.reason, actor=user)
    return evidence_out(_evidence(user, evidence_id))


@router.post("/evidence/{evidence_id}/long-term", response=responses(200, EvidenceOut), summary="转为长期保存")
def mark_long_term(request: HttpRequest, evidence_id: Id, data: LongTermIn) -> EvidenceOut:
    user = auth_user(request)
    do_mark_long_term(_evidence(user, evidence_id), reason=data.reason, actor=user)
    return evidence_out(_evidence(user, evidence_id))


@router.post("/evidence/{evidence_id}/return", response=responses(200, EvidenceOut),
             summary="登记返回单位时间及迟延存储原因")
def record_return(request: HttpRequest, evidence_id: Id, data: ReturnIn) -> EvidenceOut:
    user = auth_user(request)
    do_record_evidence_return(_evidence(user, evidence_id), returned_at=data.returned_at,
                              delay_reason=data.delay_reason, actor=user)
    return evidence_out(_evidence(user, evidence_id))


@router.post("/evidence/{evidence_id}/catalogue", response=responses(200, EvidenceOut),
             summary="分类整理并命名(名称、分类、场所、内容描述)")
def catalogue_evidence(request: HttpRequest, evidence_id: Id, data: CatalogueIn) -> EvidenceOut:
    user = auth_user(request)
    do_catalogue_evidence(_evidence(user, evidence_id), title=data.title, category=data.category,
                          place=data.place, description=data.description, actor=user)
    return evidence_out(_evidence(user, evidence_id))


# ---------------------------------------------------------------- viewing (binary, Range)


@router.api_operation(["GET", "HEAD"], "/evidence/{evidence_id}/original", include_in_schema=False)
def original(request: HttpRequest, evidence_id: Id) -> HttpResponse | StreamingHttpResponse:
    # access: a download needs a role or a grant (lawtrail/access/policy.py)
    user = auth_user(request)
    return access_serving.evidence_original(request, user, _evidence(user, evidence_id))


@router.api_operation(["GET", "HEAD"], "/evidence/{evidence_id}/preview", include_in_schema=False)
def preview(request: HttpRequest, evidence_id: Id) -> HttpResponse | StreamingHttpResponse:
    user = auth_user(request)
    return access_serving.evidence_view(request, user, _evidence(user, evidence_id), "preview")


@router.api_operation(["GET", "HEAD"], "/evidence/{evidence_id}/thumbnail", include_in_schema=False)
def thumbnail(request: HttpRequest, evidence_id: Id) -> HttpResponse | StreamingHttpResponse:
    user = auth_user(request)
    return access_serving.evidence_view(request, user, _evidence(user, evidence_id), "thumbnail")


# ---------------------------------------------------------------- interruptions, reception days


@router.get("/evidence-interruptions", response=responses(200, InterruptionPage), summary="录像中断列表")
def list_interruptions(request: HttpRequest, filters: Query[InterruptionFilter]) -> InterruptionPage:
    user = auth_user(request)
    qs = queries.visible_interruptions(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    items, following = api_page(qs, "detected_at", after=filters.after, offset=filters.offset, limit=filters.limit)
    count, counted_at = cached_count(
        qs, list_key("api-interruptions", user.pk, filters.dict()))
    return InterruptionPage(count=count, counted_at=counted_at, items=[interruption_out(i) for i in items],
                            next=following)


@router.post("/evidence-interruptions/{interruption_id}/explanation", response=responses(200, InterruptionOut),
             summary="说明录像中断原因(文字或语音说明)")
def explain_interruption(request: HttpRequest, interruption_id: Id, data: ExplainIn) -> InterruptionOut:
    user = auth_user(request)
    gap = visible(queries.visible_interruptions(user), interruption_id, "录像中断")
    note = reference(queries.visible_evidence(user), data.voice_note_id, "voice_note_id", "语音说明") \
        if data.voice_note_id else None
    do_explain_interruption(gap, text=data.text, voice_note=note, actor=user)
    return interruption_out(visible(queries.visible_interruptions(user), interruption_id, "录像中断"))


@router.get("/cases/{case_id}/recording-stops", response=responses(200, list[StopOut]),
            summary="无法继续音像记录的报告(本案)")
def list_stops(request: HttpRequest, case_id: Id) -> list[StopOut]:
    user = auth_user(request)
    case = visible(Case.objects.restrict(user), case_id, "案件")
    return [stop_out(s) for s in queries.case_stops(user, case)]


@router.post("/recording-stops", response=responses(201, StopOut), summary="登记无法继续音像记录并报告负责人")
def report_stop(request: HttpRequest, data: StopIn) -> Status[StopOut]:
    user = auth_user(request)
    case = reference(Case.objects.restrict(user), data.case_id, "case_id", "案件")
    head = reference(agency_users(user), data.reported_to_id, "reported_to_id", "负责人")
    stop = do_report_recording_stop(case, stopped_at=data.stopped_at, cause=data.cause, reported_to=head,
                                    reported_at=data.reported_at, device_serial=data.device_serial, actor=user)
    return Status(201, stop_out(stop))


@router.post("/recording-stops/{stop_id}/explanation", response=responses(200, StopOut),
             summary="无法继续音像记录的事后书面说明")
def explain_stop(request: HttpRequest, stop_id: Id, data: StopExplainIn) -> StopOut:
    user = auth_user(request)
    stop = visible(queries.visible_stops(user), stop_id, "报告")
    return stop_out(do_explain_recording_stop(stop, text=data.text, actor=user))


@router.get("/reception-segments", response=responses(200, SegmentPage), summary="受理场所监控日存列表")
def list_segments(request: HttpRequest, filters: Query[SegmentFilter]) -> SegmentPage:
    user = auth_user(request)
    qs = queries.visible_segments(user)
    if filters.site:
        qs = qs.filter(site=filters.site)
    if filters.date_from:
        qs = qs.filter(day__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(day__lte=filters.date_to)
    items, following = api_page(qs, queries.SEGMENT_ORDER, after=filters.after, offset=filters.offset, limit=filters.limit)
    count, counted_at = cached_count(
        qs, list_key("api-segments", user.pk, filters.dict()))
    return SegmentPage(count=count, counted_at=counted_at, items=[segment_out(s) for s in items], next=following)


@router.post("/reception-segments", response=responses(201, SegmentOut), summary="登记受理场所当日监控录像")
def register_segment(request: HttpRequest, data: SegmentIn) -> Status[SegmentOut]:
    user = auth_user(request)
    ev = reference(queries.visible_evidence(user), data.evidence_id, "evidence_id", "音像资料")
    segment = do_register_reception_segment(ev, site=data.site, day=data.day, actor=user)
    return Status(201, segment_out(visible(queries.visible_segments(user), segment.pk, "监控日存")))


# ---------------------------------------------------------------- resumable upload (tus 1.0.0)


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = uploads.TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _upload(request: HttpRequest, upload_id: uuid.UUID) -> UploadSession:
    session = UploadSession.objects.filter(pk=upload_id).first()
    # Another user's upload answers as a missing one.
    if session is None or not session.owned_by(auth_user(request)) or session.error == "expired":
        raise NotFound("not_found", "上传不存在或已过期", {"id": str(upload_id)})
    return session


def _header_int(request: HttpRequest, name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit():
        raise InvalidInput("invalid_header", f"请求头 {name} 应为非负整数", {"field": name})
    return int(raw)


@router.api_operation(["OPTIONS"], "/evidence-uploads", include_in_schema=False, auth=None)
def upload_options(request: HttpRequest) -> HttpResponse:
    response = _tus(HttpResponse(status=204))
    response["Tus-Version"] = uploads.TUS_VERSION
    response["Tus-Extension"] = "creation"
    response["Tus-Max-Size"] = str(uploads.MAX_SIZE)
    return response


@router.post("/evidence-uploads", include_in_schema=False)
def create_upload(request: HttpRequest) -> HttpResponse:
    user = auth_user(request)
    metadata = uploads.parse_metadata(request.headers.get("Upload-Metadata", ""))
    length = _header_int(request, "Upload-Length")
    uploads.resolve_options(user, metadata)  # refuse a wrong case or officer before any byte is sent
    session = uploads.begin_upload(user, length=length, metadata=metadata)
    response = _tus(HttpResponse(status=201))
    response["Location"] = f"/api/evidence-uploads/{session.pk}"
    response["Upload-Offset"] = "0"
    return response


@router.api_operation(["HEAD"], "/evidence-uploads/{upload_id}", include_in_schema=False)
def upload_offset(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    session = _upload(request, upload_id)
    response = _tus(HttpResponse(status=200))
    response["Upload-Offset"] = str(session.offset)
    response["Upload-Length"] = str(session.length)
    if session.evidence_id:
        response["Upload-Evidence-Id"] = str(session.evidence_id)
        response["Upload-Evidence-Outcome"] = uploads.upload_outcome(session)
    return response


@router.api_operation(["PATCH"], "/evidence-uploads/{upload_id}", include_in_schema=False)
def upload_bytes(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    user = auth_user(request)
    session = _upload(request, upload_id)
    if request.content_type != "application/offset+octet-stream":
        raise InvalidInput("unsupported_media_type", "Content-Type 应为 application/offset+octet-stream")
    offset = _header_int(request, "Upload-Offset")
    declared = request.headers.get("Content-Length")
    session = uploads.append(session, offset, request,  # type: ignore[arg-type]  # HttpRequest is file-like
                             int(declared) if declared and declared.isdigit() else None)
    response = _tus(HttpResponse(status=204))
    if session.complete:
        ev = uploads.finish(session, user, resolve=lambda meta: uploads.resolve_options(user, meta))
        response["Upload-Evidence-Id"] = str(ev.pk)
        # stored, duplicate (bytes stored once, a new record), already (the same original already
        # recorded for this case or officer: no new record), linked (put into the case).
        response["Upload-Evidence-Outcome"] = uploads.upload_outcome(session)
    response["Upload-Offset"] = str(session.offset)
    return response


@router.get("/evidence-uploads/{upload_id}", response=responses(200, UploadOut), summary="断点续传上传的状态")
def get_upload(request: HttpRequest, upload_id: uuid.UUID) -> UploadOut:
    s = _upload(request, upload_id)
    return UploadOut(id=s.pk, length=s.length, offset=s.offset, complete=s.complete, evidence_id=s.evidence_id,
                     error=s.error, outcome=uploads.upload_outcome(s))

