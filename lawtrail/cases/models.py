from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from lawtrail.accounts.models import Agency, Unit
from lawtrail.cases.choices import (
    AWAITING_EXAMINATION,
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
    Procedure,
    ServiceMethod,
    Stage,
)

if TYPE_CHECKING:
    from lawtrail.accounts.models import User


def units_of(user: User) -> set[int]:
    """The units whose records a user who does not see the whole agency sees: their own and those
    their roles name."""
    return {g.unit_id for g in user.grants if g.unit_id} | ({user.unit_id} if user.unit_id else set())


class RestrictedQuerySet(models.QuerySet):
    """Every read a user triggers starts here: `.restrict(user)` keeps what that user may see."""

    unit_field = "unit"

    def restrict(self, user: User, action: str = "view") -> RestrictedQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.agency_id is None:
            return self.none()
        qs = self.filter(agency_id=user.agency_id)
        if user.sees_whole_agency:
            return qs
        return qs.filter(self.in_units(units_of(user)))

    def in_units(self, units: set[int]) -> Q:
        """The rows of these units (a user's own and those their roles name)."""
        return Q(**{f"{self.unit_field}__in": units})


class PartyQuerySet(RestrictedQuerySet):
    def restrict(self, user: User, action: str = "view") -> RestrictedQuerySet:
        """Organisations are shared across the agency's units: one company is inspected by many, and
        its 统一社会信用代码 is public. A person (身份证号, address, phone) is seen by the units that
        registered them or have a case, complaint or inspection with them, and by agency-wide roles."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        qs = self.filter(agency_id=user.agency_id)
        if user.sees_whole_agency:
            return qs
        units = units_of(user)
        return qs.filter(
            Q(kind=PartyKind.ORGANISATION) | Q(unit_id__in=units)
            | Q(pk__in=Case.objects.filter(unit_id__in=units).values("party_id"))
            | Q(pk__in=Complaint.objects.filter(unit_id__in=units).values("respondent_id"))
            | Q(pk__in=Inspection.objects.filter(unit_id__in=units).values("party_id"))
        )


class Party(models.Model):
    """当事人 — a person (身份证号) or an organisation (统一社会信用代码) a case concerns."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="parties")
    kind = models.CharField("类型", max_length=16, choices=PartyKind.choices)
    name = models.CharField("姓名/名称", max_length=200)
    id_number = models.CharField("身份证号码", max_length=18, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_representative = models.CharField("法定代表人/负责人", max_length=50, blank=True)
    address = models.CharField("住所/地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    created_at = models.DateTimeField()
    # The unit that registered the party (登记单位): it sees a person before any case is registered.
    unit = models.ForeignKey(Unit, verbose_name="登记单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = "当事人"
        # The party list's order (by name) within the agency (tests/test_list_plans.py).
        indexes = [models.Index(fields=["agency", "name", "id"], name="party_agency_name")]
        constraints = [
            models.UniqueConstraint(fields=["agency", "id_number"], condition=~Q(id_number=""),
                                    name="party_unique_id_number"),
            models.UniqueConstraint(fields=["agency", "uscc"], condition=~Q(uscc=""), name="party_unique_uscc"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        return self.id_number or self.uscc


class Complaint(models.Model):
    """投诉/举报登记表 — a complaint, report or application (依申请事项) as received, and the decision on it."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    kind = models.CharField("类别", max_length=16, choices=ComplaintKind.choices)
    complainant_name = models.CharField("投诉(举报)人", max_length=50, blank=True)
    complainant_id_number = models.CharField("投诉(举报)人身份证号", max_length=18, blank=True)
    complainant_phone = models.CharField("联系电话", max_length=30, blank=True)
    anonymous = models.BooleanField("匿名", default=False)
    respondent = models.ForeignKey(Party, verbose_name="被投诉(举报)人", on_delete=models.PROTECT)
    facts = models.TextField("投诉(举报)事项")
    received_at = models.DateTimeField("登记时间")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.PENDING)
    # 一次性补正告知: every missing item, listed once (第十一条 of the labour rules).
    missing_items = models.JSONField("需补正的全部内容", default=list, blank=True)
    decision_reason = models.TextField("不予受理理由", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # 依申请事项 and how a registration came in. An oral application is written down as said
    # (口头申请, 农业 第六条、住建 第五条); an online one keeps screenshots of what was submitted
    # (委员会细则 第四条: 通过截图、拍照等方式对电子数据进行保留).
    application_matter = models.CharField("申请事项类别", max_length=16, choices=ApplicationMatter.choices, blank=True)
    channel = models.CharField("提出方式", max_length=16, choices=IntakeChannel.choices, default=IntakeChannel.WRITTEN)
    oral_record = models.TextField("口头申请记录", blank=True)
    # 当场更正申请材料中的错误: each correction as {item, before, after, at, by}.
    corrections = models.JSONField("当场更正记录", default=list, blank=True)
    # Screenshots of an online submission: {name, sha256, size, key, captured_at, by}.
    online_captures = models.JSONField("网络提交截图", default=list, blank=True)
    # 出具书面凭证或回执: the number and time of the receipt handed to the applicant.
    receipt_no = models.CharField("书面凭证/回执编号", max_length=40, blank=True)
    receipt_issued_at = models.DateTimeField("出具书面凭证/回执时间", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "投诉举报登记"
        ordering = ["-received_at", "-id"]
        # The list's order within each scope a user has (the agency, a unit), and the complaints
        # awaiting examination in that order (the officer's home): a page reads its rows from one
        # of them. Checked against every query of the main pages for queries they would draw
        # away from a better index (tests/test_list_plans.py): without statistics, SQLite takes an
        # index of a query's order over a more selective one, as indexes of the interruptions' and
        # stop reports' order did (docs/performance.md, "What is not flat yet").
        indexes = [
            models.Index(fields=["agency", "-received_at", "-id"], name="complaint_agency_order"),
            models.Index(fields=["unit", "-received_at", "-id"], name="complaint_unit_order"),
            models.Index(fields=["agency", "-received_at", "-id"], name="complaint_agency_awaiting",
                         condition=Q(status__in=AWAITING_EXAMINATION)),
            models.Index(fields=["unit", "-received_at", "-id"], name="complaint_unit_awaiting",
                         condition=Q(status__in=AWAITING_EXAMINATION)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}登记 #{self.pk} {self.respondent}"


class Inspection(models.Model):
    """日常巡视检查 — a patrol inspection; it may end without a case (检查记录, 责令改正, 建议书)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    party = models.ForeignKey(Party, verbose_name="被检查单位", on_delete=models.PROTECT)
    place = models.CharField("检查地点", max_length=200)
    started_at = models.DateTimeField("检查开始时间")
    ended_at = models.DateTimeField("检查结束时间")
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="inspections", verbose_name="检查人员")
    findings = models.TextField("检查情况")
    outcome = models.CharField("处理结果", max_length=16, choices=InspectionOutcome.choices)
    rectification_deadline = models.DateField("整改期限", null=True, blank=True)
    # How the patrol was filmed, as the officers state it (劳动保障监察 第七条、第八条): the recorder
    # on from arrival with the site's front (门头) and surroundings filmed, the front filmed again
    # before leaving, and the showing of identity and 执法证件 filmed or written down.
    arrival_filmed = models.BooleanField("到达即开机并拍摄门头及周边环境", default=False)
    departure_filmed = models.BooleanField("检查完毕再次拍摄门头后关机", default=False)
    credentials_shown = models.BooleanField("表明身份、出示执法证件已拍摄或记录", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "日常巡视检查"
        ordering = ["-started_at", "-id"]
        # The list's order within the agency and within a unit (see Complaint's); a time range
        # of the agency's patrols (the agency checks, an officer's patrol at a recording's time)
        # is read from the first.
        indexes = [
            models.Index(fields=["agency", "-started_at", "-id"], name="inspection_agency_order"),
            models.Index(fields=["unit", "-started_at", "-id"], name="inspection_unit_order"),
        ]

    def __str__(self) -> str:
        return f"巡查 {self.party} {self.started_at:%Y-%m-%d}"


class Case(models.Model):
    """案件 — an enforcement case from registration to archive."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name="承办机构", on_delete=models.PROTECT)
    procedure = models.CharField("程序", max_length=16, choices=Procedure.choices, default=Procedure.GENERAL)
    # 案号: empty until the case is filed; then unique and gap-free per agency, year and procedure.
    number = models.CharField("案号", max_length=100, null=True, blank=True)
    number_year = models.IntegerField(null=True, blank=True)
    number_seq = models.IntegerField(null=True, blank=True)
    title = models.CharField("案由", max_length=200)
    source = models.CharField("案件来源", max_length=16, choices=CaseSource.choices)
    source_note = models.CharField("来源说明", max_length=200, blank=True)
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    party = models.ForeignKey(Party, verbose_name="当事人", on_delete=models.PROTECT, related_name="cases")
    facts = models.TextField("案情摘要")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="主办人", on_delete=models.PROTECT,
                                related_name="handled_cases")
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="cases", verbose_name="执法人员")
    handler_opinion = models.TextField("承办人意见", blank=True)
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices, default=Stage.REGISTERED, db_index=True)
    version = models.PositiveIntegerField(default=0)

    emergency = models.BooleanField("紧急先行启动", default=False)
    emergency_reason = models.TextField("紧急情况说明", blank=True)
    # 重大行政执法行为: its 程序启动审批表 also carries the legal office's 合法性审查意见 where the
    # profile asks it (the agriculture rules' 第七条: filing_approval.major_approvers).
    major = models.BooleanField("重大行政执法行为", default=False)
    # When the post-hoc approval of an emergency start is due (hours set by the profile).
    approval_due_at = models.DateTimeField("补办审批期限", null=True, blank=True)

    registered_at = models.DateTimeField("登记时间")
    filed_at = models.DateTimeField("立案时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    archive_due_at = models.DateTimeField("归档期限", null=True, blank=True)
    # True when the working-day deadline ran into a year whose holiday arrangement is not
    # published yet: counted Monday to Friday, to be read as an estimate.
    archive_due_estimated = models.BooleanField("归档期限为预估", default=False)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)

    investigation_summary = models.TextField("调查终结报告", blank=True)
    decision_kind = models.CharField("处理决定", max_length=16, choices=DecisionKind.choices, blank=True)
    decision_text = models.TextField("决定内容", blank=True)
    decision_basis = models.TextField("法律依据", blank=True)
    penalty_amount = models.DecimalField("罚款金额(元)", max_digits=12, decimal_places=2, null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    execution_result = models.TextField("执行情况", blank=True)
    # 简易程序 records (第二十条 of the agriculture rules lists what must be recorded).
    simple_record = models.JSONField("简易程序记录", default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "案件"
        ordering = ["-registered_at", "-id"]
        # The case list's order within what a user sees (the agency, or their units): a page is read
        # from the index, however deep (keyset pages, lawtrail/cases/queries.py case_page).
        indexes = [
            models.Index(fields=["agency", "-registered_at", "-id"], name="case_agency_registered"),
            models.Index(fields=["unit", "-registered_at", "-id"], name="case_unit_registered"),
            # The cases of an agency at a stage, oldest first (我的待办: the approvals of each stage, the
            # open cases whose documents wait for an opinion), without reading the others. Stage
            # first: a query that names no stage (search's scope, an officer's counts by stage)
            # keeps the unit's index, which SQLite would leave for one led by the agency.
            models.Index(fields=["stage", "agency", "registered_at", "id"], name="case_stage_agency"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="case_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number or '(待立案)'} {self.title}"

    @property
    def label(self) -> str:
        return self.number or f"登记#{self.pk}"


class CaseNumberCounter(models.Model):
    """案号计数器 — the last sequence number given per agency, year and procedure."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    year = models.IntegerField()
    procedure = models.CharField(max_length=16, choices=Procedure.choices)
    last_seq = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "procedure"], name="counter_unique"),
        ]


class Approval(models.Model):
    """审批意见 — one opinion a case needs: 立案审批表's unit and head opinions, 法制审核, 负责人审批."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals")
    kind = models.CharField(max_length=32, choices=ApprovalKind.choices)
    approved = models.BooleanField()
    opinion = models.TextField("意见")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_name = models.CharField(max_length=50)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "审批意见"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}:{'同意' if self.approved else '不同意'}"


class Service(models.Model):
    """送达记录 — how a document was served, and to whom."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="services")
    # The served 文书 is one the case issued (the documents app checks it through the case
    # workflow's hooks): its id, and its name and 文号 as they read when it was served.
    document = models.CharField("送达文书", max_length=100)
    document_ref = models.BigIntegerField("送达文书编号(系统)", null=True, blank=True)
    method = models.CharField("送达方式", max_length=16, choices=ServiceMethod.choices)
    served_at = models.DateTimeField("送达时间")
    recipient = models.CharField("受送达人/签收人", max_length=100)
    note = models.TextField("备注(拒收事由、见证人、邮件单号等)", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "送达记录"
        ordering = ["served_at", "id"]

    def __str__(self) -> str:
        return f"{self.document} {self.get_method_display()}"


class CaseTransition(models.Model):
    """阶段变更 — one move of a case between stages, with who and when."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class FollowUp(models.Model):
    """决定后的跟进记录 — after a decision: the check of the party's 履行情况, the 整改核查 (复查)
    of a 责令改正 by its due date, the court's 受理 of an application for 强制执行 and its result.

    A row with `due_on` and no `checked_at` is a check still to be made (整改期限 set); it is
    filled in when the check is made. Who recorded it is frozen by name (facts stay true)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField("跟进事项", max_length=20, choices=FollowUpKind.choices)
    due_on = models.DateField("期限(履行、整改期限)", null=True, blank=True)
    checked_at = models.DateTimeField("核查/受理/执行时间", null=True, blank=True)
    result = models.TextField("情况记录(核查情况、受理通知书、执行结果)", blank=True)
    # 已履行/整改到位 (True), 未履行/未整改 (False); unknown until checked.
    fulfilled = models.BooleanField("已履行或整改到位", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_name = models.CharField(max_length=50)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "决定后跟进记录"
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}{'(待核查)' if self.checked_at is None else ''}"

    @property
    def pending(self) -> bool:
        return self.checked_at is None
