"""The evidence vault: stored originals, the records that label them, and what is derived from them.

An original's bytes live in the object store (lawtrail/storage.py) under their SHA-256 and
are never changed; these rows say what the bytes are (facts read from the file), whom and
what they concern (labels, links, class, retention), and what was noticed about them
(interruptions, reception-site days).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from lawtrail.accounts.models import Agency, Unit
from lawtrail.cases.models import Case, Inspection, RestrictedQuerySet
from lawtrail.evidence.choices import (
    DerivativeStatus,
    EvidenceClass,
    InterruptionStatus,
    MediaKind,
    MediaProblem,
    RecordingCategory,
    StartBasis,
)

if TYPE_CHECKING:
    from lawtrail.accounts.models import User


class StoredObject(models.Model):
    """存储对象 — one original's bytes in the object store, addressed by content.

    The same bytes ingested twice are one StoredObject with two Evidence rows.
    """

    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    sm3 = models.CharField("SM3", max_length=64)
    size = models.BigIntegerField("字节数")
    key = models.CharField("存储键", max_length=200, unique=True)
    stored_at = models.DateTimeField("入库时间")
    # When the off-site replica was last confirmed to hold these bytes (异地备份).
    replicated_at = models.DateTimeField("异地备份时间", null=True, blank=True)
    verified_at = models.DateTimeField("最近校验时间", null=True, blank=True)
    verified_ok = models.BooleanField("最近校验结果", null=True, blank=True)

    class Meta:
        verbose_name = "存储对象"

    def __str__(self) -> str:
        return self.key


class EvidenceQuerySet(RestrictedQuerySet):
    pass


class Evidence(models.Model):
    """音像资料 — one ingested recording (执法记录仪视频、录音、照片、监控录像) with its labels.

    Labels the regulations name (案号、当事人、承办人) are frozen here when the record is
    linked to a case, so they stay readable whatever happens to the case later.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    stored = models.ForeignKey(StoredObject, on_delete=models.PROTECT, related_name="records")
    original_name = models.CharField("原文件名", max_length=255)
    source = models.CharField("来源", max_length=500, blank=True)
    evidence_class = models.CharField("类别", max_length=16, choices=EvidenceClass.choices)
    media_kind = models.CharField("媒体类型", max_length=16, choices=MediaKind.choices)

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="evidence")
    label_case_number = models.CharField("案号", max_length=100, blank=True)
    label_party = models.CharField("当事人", max_length=200, blank=True)
    label_handler = models.CharField("承办人", max_length=50, blank=True)

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="recordings")
    officer_name = models.CharField("执法人员", max_length=50, blank=True)
    officer_cert_no = models.CharField("执法证号", max_length=64, blank=True)
    device_serial = models.CharField("设备编号", max_length=64, blank=True, db_index=True)

    container = models.CharField("封装格式", max_length=64, blank=True)
    video_codec = models.CharField("视频编码", max_length=32, blank=True)
    audio_codec = models.CharField("音频编码", max_length=32, blank=True)
    duration_seconds = models.FloatField("时长(秒)", null=True, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    # The container's creation time exactly as written, the start it implies on the device's
    # clock, the clock offset (device minus true time) and the corrected start and end.
    creation_time_raw = models.CharField("文件创建时间(原值)", max_length=64, blank=True)
    recorded_start_raw = models.DateTimeField("开始时间(设备时钟)", null=True, blank=True)
    clock_offset_seconds = models.FloatField("设备时钟偏差(秒)", null=True, blank=True)
    recorded_start = models.DateTimeField("开始时间", null=True, blank=True, db_index=True)
    recorded_end = models.DateTimeField("结束时间", null=True, blank=True)
    gps_raw = models.CharField("位置(原值)", max_length=64, blank=True)
    gps_lat = models.FloatField("纬度", null=True, blank=True)
    gps_lon = models.FloatField("经度", null=True, blank=True)
    facts = models.JSONField("媒体信息", default=dict, blank=True)
    media_problem = models.CharField("文件问题", max_length=16, choices=MediaProblem.choices, blank=True)
    media_problem_detail = models.TextField("问题说明", blank=True)

    retention_until = models.DateField("保存期限至", null=True, blank=True)
    retention_long_term = models.BooleanField("长期保存", default=False)
    retention_basis = models.CharField("保存期限依据", max_length=500, blank=True)

    proxy_status = models.CharField("预览文件", max_length=16, choices=DerivativeStatus.choices,
                                    default=DerivativeStatus.PENDING)
    proxy_key = models.CharField(max_length=200, blank=True)
    thumb_key = models.CharField(max_length=200, blank=True)

    ingested_at = models.DateTimeField("入库时间")
    ingested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    ingest_channel = models.CharField("入库方式", max_length=16, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = "音像资料"
        ordering = ["-ingested_at", "-id"]
        indexes = [models.Index(fields=["agency", "device_serial", "recorded_start"]),
                   # The evidence list's order within an agency.
                   models.Index(fields=["agency", "-ingested_at", "-id"], name="evidence_agency_ingested"),
                   # A case's recordings in their order (the case page). Without it SQLite, given
                   # the unit filter of `restrict` beside the case, took the unit's index and read
                   # every recording of the unit.
                   models.Index(fields=["case", "recorded_start", "id"], name="evidence_case_recorded")]

    def __str__(self) -> str:
        return f"{self.get_media_kind_display()} {self.original_name}"

    @property
    def sha256(self) -> str:
        return self.stored.sha256

    @property
    def display_name(self) -> str:
        """The file name without any directory part a client sent (for people, never for paths)."""
        return self.original_name.replace("\\", "/").rsplit("/", 1)[-1] or "未命名"

    def stored_late(self, within: dt.timedelta | None) -> bool:
        return bool(within and self.recorded_end and self.ingested_at - self.recorded_end > within)


class LinkRejection(models.Model):
    """关联建议驳回 — a person said this recording does not belong to this case; not proposed again."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="link_rejections")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evidence", "case"], name="link_rejection_unique")]


class FootageLink(models.Model):
    """音像资料与执法环节的关联 — a person says this recording (or a segment of it) records that act.

    The automatic proposals match recordings to acts by the time inside the file. A phone clip or
    a file passed through a chat app has none: its start is stated here, with where it comes from
    (the officer's statement, the file's name, the device's screen), so that the record of the act
    can name its footage. A segment (in/out, seconds from the file's start) picks the part of a
    longer recording that is this act's.

    The act is named by a key of its own kind ("document:<id of the document's first version>",
    "inspection:<id>", "service:<id>") and its name is frozen as it read when linked; a later
    correction of a document keeps its footage (the first version names the chain).
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="act_links")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="footage_links")
    act = models.CharField("执法环节", max_length=40)
    act_label = models.CharField("执法环节名称", max_length=200)
    stated_start = models.DateTimeField("陈述的开始时间", null=True, blank=True)
    start_basis = models.CharField("开始时间依据", max_length=16, choices=StartBasis.choices, blank=True)
    basis_note = models.CharField("依据说明", max_length=500, blank=True)
    segment_in = models.FloatField("片段起点(秒)", null=True, blank=True)
    segment_out = models.FloatField("片段终点(秒)", null=True, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    linked_by_name = models.CharField("关联人", max_length=50, blank=True)
    linked_at = models.DateTimeField("关联时间")

    class Meta:
        verbose_name = "音像资料与执法环节的关联"
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["evidence", "act"], name="footage_link_unique")]

    def __str__(self) -> str:
        return f"{self.evidence} → {self.act_label}"

    @property
    def basis_label(self) -> str:
        """The basis as a person reads it ("其他:…" carries its text)."""
        if not self.start_basis:
            return ""
        label = str(StartBasis(self.start_basis).label)
        return f"{label}:{self.basis_note}" if self.basis_note else label

    def span(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """When the linked part of the recording ran: the stated start or the file's own, plus the segment."""
        ev = self.evidence
        start = self.stated_start or ev.recorded_start
        if start is None:
            return None, None
        begin = start + dt.timedelta(seconds=self.segment_in or 0)
        if self.segment_out is not None:
            return begin, start + dt.timedelta(seconds=self.segment_out)
        if ev.duration_seconds is not None:
            return begin, start + dt.timedelta(seconds=ev.duration_seconds)
        return begin, ev.recorded_end if self.stated_start is None else None


class Interruption(models.Model):
    """录像中断 — a pause between consecutive clips of one device in one activity, to be explained.

    The regulations want recording on site without interruption; a pause needs a reason,
    spoken (an attached voice note) or written.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    device_serial = models.CharField("设备编号", max_length=64)
    before = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    after = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    gap_seconds = models.FloatField("中断时长(秒)")
    detected_at = models.DateTimeField()
    status = models.CharField("状态", max_length=16, choices=InterruptionStatus.choices,
                              default=InterruptionStatus.OPEN)
    explanation = models.TextField("中断原因说明", blank=True)
    voice_note = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="语音说明")
    explained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    explained_at = models.DateTimeField(null=True, blank=True)
    # Why the pause no longer stands (补齐 by a late clip, or the clips are no longer one activity).
    resolved_reason = models.TextField("失效或补齐原因", blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "录像中断"
        ordering = ["-detected_at", "-id"]
        # The list's order within the agency and within a unit (tests/test_list_plans.py). A
        # recording's interruptions are looked up by the recording (queries.recording_gaps), not
        # with the agency, which would draw them to the first.
        indexes = [models.Index(fields=["agency", "-detected_at", "-id"], name="interruption_agency_order"),
                   models.Index(fields=["unit", "-detected_at", "-id"], name="interruption_unit_order")]
        constraints = [models.UniqueConstraint(fields=["before", "after"], name="interruption_unique")]

    def __str__(self) -> str:
        return f"设备 {self.device_serial} 中断 {self.gap_seconds:.0f} 秒"


class ReceptionSegment(models.Model):
    """受理场所监控日存 — one day's surveillance recording of a reception site, registered by date."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    site = models.CharField("受理场所", max_length=100)
    day = models.DateField("日期")
    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="reception_segment")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    registered_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "受理场所监控日存"
        ordering = ["-day", "site", "id"]
        # The list's order within the agency and within a unit (tests/test_list_plans.py).
        indexes = [models.Index(fields=["agency", "-day", "site", "id"], name="segment_agency_order"),
                   models.Index(fields=["unit", "-day", "site", "id"], name="segment_unit_order")]

    def __str__(self) -> str:
        return f"{self.site} {self.day:%Y-%m-%d}"


class UploadSession(models.Model):
    """断点续传上传 — a browser upload in progress (tus protocol).

    Transport state, not a record: nothing of it is visible as evidence until the last byte
    has arrived and the file has been ingested.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"upload {self.pk} {self.offset}/{self.length}"

    @property
    def complete(self) -> bool:
        return self.offset >= self.length

    def owned_by(self, user: User) -> bool:
        return self.user_id == user.pk


class EvidenceHandling(models.Model):
    """音像资料的移交与整理 — what happens to a recording after it is made: when its officer got
    back to the office (返回单位) and why it was stored late, if it was (迟延原因); and its 名称、分类、
    场所 and 内容描述 given when it is sorted (3-safety-production 第十六条、第十七条; 2-commission
    第十九条). One row per recording; each of the two steps fills its part and freezes who did it."""

    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="handling")
    returned_at = models.DateTimeField("返回单位时间", null=True, blank=True)
    delay_reason = models.TextField("迟延存储原因", blank=True)
    return_noted_by_name = models.CharField("登记人", max_length=50, blank=True)
    title = models.CharField("名称", max_length=200, blank=True)
    category = models.CharField("分类", max_length=16, choices=RecordingCategory.choices, blank=True)
    place = models.CharField("场所", max_length=200, blank=True)
    description = models.TextField("内容描述", blank=True)
    catalogued_at = models.DateTimeField("整理命名时间", null=True, blank=True)
    catalogued_by_name = models.CharField("整理人", max_length=50, blank=True)

    class Meta:
        verbose_name = "音像资料移交与整理"

    def __str__(self) -> str:
        return self.title or f"音像资料 {self.evidence_id} 的整理"


class RecordingStop(models.Model):
    """无法继续音像记录的报告 — on-site recording that could not go on (设备故障、损坏, 天气恶劣, 电量或
    存储空间不足 …): the officer reports it at once to the head of the unit and explains it in
    writing afterwards (2-commission 第十三条: 确实无法继续记录的,应当立即向所属部门负责人报告,并在事后
    书面说明情况). The head's name is frozen with the report."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recording_stops")
    device_serial = models.CharField("设备编号", max_length=64, blank=True)
    stopped_at = models.DateTimeField("中止记录时间")
    cause = models.TextField("无法继续记录的原因")
    reported_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="报告的负责人")
    reported_to_name = models.CharField("报告的负责人", max_length=50)
    reported_at = models.DateTimeField("报告时间")
    explanation = models.TextField("事后书面说明", blank=True)
    explained_at = models.DateTimeField(null=True, blank=True)
    recorded_by_name = models.CharField("登记人", max_length=50)
    recorded_at = models.DateTimeField("登记时间")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "无法继续音像记录的报告"
        ordering = ["-stopped_at", "-id"]
        # As Interruption's; a case's reports are looked up by the case (queries.case_stops).
        indexes = [models.Index(fields=["agency", "-stopped_at", "-id"], name="stop_agency_order"),
                   models.Index(fields=["unit", "-stopped_at", "-id"], name="stop_unit_order")]

    def __str__(self) -> str:
        return f"{self.stopped_at:%Y-%m-%d %H:%M} 无法继续音像记录"
