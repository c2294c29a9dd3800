from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q

from lawtrail.accounts.models import Agency
from lawtrail.cases.models import Case, Complaint, Inspection
from lawtrail.documents.catalogue import DocumentType
from lawtrail.documents.choices import DocumentStatus, SignatureKind, SignerRole
from lawtrail.lib import timez
from lawtrail.lib.frozen import encode, normalize

if TYPE_CHECKING:
    from lawtrail.accounts.models import User


class DocumentQuerySet(models.QuerySet["Document"]):
    def restrict(self, user: User, action: str = "view", *, by_key: bool = False) -> DocumentQuerySet:
        """A document is visible exactly when its case is, or (before or without a case) its complaint,
        or (a patrol that opened no case) its inspection."""
        if not user.is_authenticated:
            return self.none()
        # `by_key`: EXISTS on each document's own case (complaint, inspection) instead of IN
        # (SELECT …) over the scope's. SQLite builds the IN list from every case of the scope before
        # it reads one document, so a lookup of a few documents by their own key (search, one
        # case's documents) would cost as much as the scope; but a list filtered and ordered
        # otherwise (the approvals in 我的待办: newest issued forms of open cases) would run the
        # EXISTS for every document it walks past.
        def within(model: type[Case] | type[Complaint] | type[Inspection], key: str) -> Q | Exists:
            visible = model.objects.restrict(user, action)
            if by_key:
                return Exists(visible.filter(pk=OuterRef(key)))
            return Q(**{f"{key}__in": visible.values("pk")})

        return self.filter(within(Case, "case_id")
                           | (Q(case__isnull=True) & within(Complaint, "complaint_id"))
                           | (Q(case__isnull=True) & within(Inspection, "inspection_id")))

    def of_case(self, case: Case) -> DocumentQuerySet:
        """The case's documents, and those made on the complaint it came from before it was a case."""
        if case.complaint_id is None:
            return self.filter(case=case)
        return self.filter(Q(case=case) | Q(case__isnull=True, complaint_id=case.complaint_id))


class DocumentTypeVersion(models.Model):
    """文书格式版本 — one version of a document type's definition (its fields, signers, layout), as
    documents were made on it.

    Stored once and shared: named by the SHA-256 of the definition's canonical JSON
    (lawtrail.lib.frozen), so the same definition is one row however many documents use it, and
    a changed catalogue entry is a new row. Rows are never changed (a database trigger refuses
    it) and, as tracked records, each is frozen into the event that stored it: `lawtrail verify`
    proves the definition a document names is the one it was made on.
    """

    sha256 = models.CharField("SHA-256", max_length=64, primary_key=True)
    type_code = models.CharField("文书类型", max_length=64)
    spec = models.JSONField("文书格式")
    stored_at = models.DateTimeField("保存时间")

    class Meta:
        verbose_name = "文书格式版本"

    def __str__(self) -> str:
        return f"{self.spec.get('name') or self.type_code}({self.sha256[:12]})"


def definition_sha256(spec: dict[str, Any]) -> str:
    """The SHA-256 of a definition's canonical JSON: the same for the same definition on either
    database (normalize() gives the value as it reads back)."""
    return hashlib.sha256(encode(normalize(spec)).encode()).hexdigest()


# DocumentType → (its stored form, that form's SHA-256). Keyed by identity (catalogue() is cached:
# one object per type per process); the type is kept so its id is not reused.
_stored_forms: dict[int, tuple[DocumentType, dict[str, Any], str]] = {}
# SHA-256 → the definition parsed. A version never changes, so the parse is kept for the process.
_parsed: dict[str, DocumentType] = {}


def stored_form(doc_type: DocumentType) -> tuple[dict[str, Any], str]:
    """(the definition as stored, its SHA-256)."""
    found = _stored_forms.get(id(doc_type))
    if found is None or found[0] is not doc_type:
        spec = normalize(doc_type.snapshot())
        found = _stored_forms[id(doc_type)] = (doc_type, spec, definition_sha256(spec))
    return found[1], found[2]


def store_definitions(doc_types: Iterable[DocumentType]) -> dict[str, str]:
    """The stored version of each type's definition (type code → SHA-256), storing those not yet
    stored. Call inside the action's transaction: a version stored here is a tracked record,
    frozen into the action's event like the documents that name it."""
    wanted = {}
    for doc_type in doc_types:
        spec, sha = stored_form(doc_type)
        wanted[doc_type.code] = (sha, spec)
    shas = {sha for sha, _ in wanted.values()}
    present = set(DocumentTypeVersion.objects.filter(pk__in=shas).values_list("pk", flat=True))
    for code, (sha, spec) in sorted(wanted.items()):
        if sha in present:
            continue
        try:
            # Another writer may store the same version at the same moment: then it is stored.
            with transaction.atomic():
                DocumentTypeVersion.objects.create(sha256=sha, type_code=code, spec=spec, stored_at=timez.now())
        except IntegrityError:
            pass
        present.add(sha)
    return {code: sha for code, (sha, _) in wanted.items()}


def store_definition(doc_type: DocumentType) -> str:
    return store_definitions([doc_type])[doc_type.code]


def parsed_definition(sha: str, loaded: DocumentTypeVersion | None = None) -> DocumentType:
    found = _parsed.get(sha)
    if found is None:
        version = loaded if loaded is not None else DocumentTypeVersion.objects.get(pk=sha)
        found = DocumentType.from_snapshot(version.spec)
        if len(_parsed) > 4096:  # bounded however many versions an instance holds
            _parsed.clear()
        _parsed[sha] = found
    return found


class Document(models.Model):
    """执法文书 — one version of an enforcement document of a case, from draft to issued.

    Intake documents (登记表, 一次性补证告知书, 不予受理决定书 …) are made on a complaint
    (投诉举报登记) before there is a case, or when there never will be: such a document has
    `complaint` and no `case`, and shows on the case's timeline once the complaint becomes one.

    The type (its fields, signers, layout) is fixed when the document is created: the document
    names the stored version of the type's definition it was made on (`definition`, by its
    SHA-256), so a later change of the catalogue does not change what was written. Once issued the
    document is immutable: its PDF and that PDF's SHA-256 are kept, and a correction is a new
    version (`previous` points at the one it corrects, which is marked superseded).
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="documents", verbose_name="投诉举报登记")
    # A patrol that opened no case still ends in documents (劳动保障监察 第九条: 检查记录,
    # 责令改正决定书, 监察建议书), signed as 第七条、第十条 ask: they belong to the inspection itself.
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="documents", verbose_name="日常巡视检查")
    type_code = models.CharField("文书类型", max_length=64)
    type_name = models.CharField("文书名称", max_length=100)
    # Not indexed: nothing lists documents by definition, and versions are never deleted.
    definition = models.ForeignKey(DocumentTypeVersion, on_delete=models.PROTECT, related_name="+",
                                   db_index=False, verbose_name="文书格式版本")
    fields = models.JSONField("内容", default=dict)
    status = models.CharField("状态", max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="next_version", verbose_name="更正的版本")
    correction_reason = models.TextField("更正理由", blank=True)
    # Drafts are edited with compare-and-set on this counter.
    revision = models.PositiveIntegerField(default=0)

    # 文书编号: given at issue, gap-free per agency, year and type; a correction keeps it.
    number = models.CharField("文书编号", max_length=100, blank=True)
    number_year = models.IntegerField(null=True, blank=True)
    number_seq = models.IntegerField(null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("制作时间")
    updated_at = models.DateTimeField("修改时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField("签发时间", null=True, blank=True)
    pdf = models.BinaryField("签发时的 PDF", null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField("PDF 的 SHA-256", max_length=64, blank=True)
    # While the issued document waits for an opinion and its case, if it has one, is not archived:
    # the opinion asked next (the approval key of its first 审批栏 without one: unit_head, head,
    # legal_review); null otherwise. Derived from its status, its signatures and its case's stage
    # (signing.refresh_awaiting, on every save of them), so that 我的待办 reads the few forms that
    # wait for the opinions the user gives, not every form of the open cases. Bookkeeping, not a
    # record: left out of the frozen state (apps.py). Nullable: adding it is an ALTER TABLE on SQLite.
    awaiting_opinion = models.CharField("待签审批意见", max_length=32, null=True, blank=True, editable=False)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "执法文书"
        ordering = ["case_id", "id"]
        # The forms waiting for each opinion, newest first: a few, however many documents there are.
        indexes = [models.Index(fields=["awaiting_opinion", "-id"], condition=Q(awaiting_opinion__isnull=False),
                                name="document_awaiting_opinion")]
        constraints = [
            models.UniqueConstraint(fields=["agency", "type_code", "number_year", "number_seq", "version"],
                                    condition=Q(number_seq__isnull=False), name="document_unique_number"),
            models.CheckConstraint(condition=Q(case__isnull=False) | Q(complaint__isnull=False)
                                   | Q(inspection__isnull=False), name="document_has_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.type_name} {self.number or '#' + str(self.pk)}" + (f"(第{self.version}版)" if self.version > 1 else "")

    @property
    def doc_type(self) -> DocumentType:
        """The definition the document was made on (read once per process per version)."""
        loaded = self._state.fields_cache.get("definition")
        return parsed_definition(self.definition_id, loaded)

    @property
    def is_draft(self) -> bool:
        return self.status == DocumentStatus.DRAFT

    @property
    def label(self) -> str:
        return str(self)

    @property
    def owner(self) -> Case | Complaint | Inspection:
        """What the document was made on: its case, or the complaint it was made on before any case,
        or the patrol inspection that opened none."""
        if self.case_id is not None:
            return self.case  # type: ignore[return-value]
        if self.inspection_id is not None:
            return self.inspection  # type: ignore[return-value]
        return self.complaint  # type: ignore[return-value]

    @property
    def owner_label(self) -> str:
        if self.case_id is not None:
            case = self.case
            assert case is not None
            return case.label
        if self.inspection_id is not None:
            inspection = self.inspection
            assert inspection is not None
            return f"{inspection.party.name}的日常巡查({inspection.started_at:%Y-%m-%d})"
        complaint = self.complaint
        assert complaint is not None
        return f"{complaint.get_kind_display()}登记 #{complaint.pk}"

    def field_value(self, key: str) -> Any:
        return (self.fields or {}).get(key)


class DocumentCounter(models.Model):
    """文书编号计数器 — the last sequence number given per agency, year and document type."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    year = models.IntegerField()
    type_code = models.CharField(max_length=64)
    last_seq = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "type_code"], name="document_counter_unique"),
        ]


class NumberScheme(models.Model):
    """文书编号规则 — how an agency numbers its documents, e.g. 名劳监{abbr}〔{year}〕{seq}号."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="document_number_scheme")
    format = models.CharField("编号格式", max_length=100)

    class Meta:
        verbose_name = "文书编号规则"

    def __str__(self) -> str:
        return self.format


class Signature(models.Model):
    """文书签名 — one signature on an issued document, or a refusal to sign, or an approval.

    Officers, participants and approvers sign by being logged in (who, when, 执法证号 frozen
    here); the party, witnesses and outside people sign by hand on the tablet (the image is
    kept with its SHA-256). A refusal records its reason and its witnesses. Every row names
    the SHA-256 of the issued PDF it was given on. Rows are never changed or deleted.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signatures")
    slot = models.CharField("签名栏", max_length=64)
    slot_label = models.CharField("签名栏名称", max_length=100)
    role = models.CharField("签名人类型", max_length=16, choices=SignerRole.choices)
    kind = models.CharField("类别", max_length=16, choices=SignatureKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    name = models.CharField("签名人", max_length=100)
    cert_no = models.CharField("执法证号", max_length=64, blank=True)
    id_number = models.CharField("证件号码", max_length=64, blank=True)
    at = models.DateTimeField("签名时间")
    image = models.BinaryField("手写签名", null=True, blank=True, editable=False)
    image_sha256 = models.CharField(max_length=64, blank=True)
    fingerprint = models.BooleanField("已按手印", default=False)
    approved = models.BooleanField("同意", null=True, blank=True)
    opinion = models.TextField("意见", blank=True)
    refusal_reason = models.TextField("拒签理由", blank=True)
    witnesses = models.JSONField("见证人", default=list, blank=True)
    # The article of the agency's regulation that asked for the fingerprint or the witnesses.
    rule_article = models.CharField(max_length=100, blank=True)
    document_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = "文书签名"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.slot_label} {self.name} {self.get_kind_display()}"


# The acts a case step records in a document (ActDocument.act; a service's is "service:<id>").
ACT_LABELS = {"filing": "立案审批", "decision": "拟定处理决定", "service": "送达", "closing": "结案",
              "investigation": "调查终结", "decision_approval": "处理决定审批", "simple": "简易程序当场处罚"}


class ActDocument(models.Model):
    """文书与办案环节 — which 文书 records one act of a case: the filing approvals (立案审批表), the
    approved decision (决定书), a service (送达回证), the closing (结案审批表).

    One row per act: the step issued the document itself (`produced`), or an officer had made it
    by hand for the same act and the step linked it instead of making a second one. The row
    names the first version; a correction's versions follow it (`previous`).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="act_documents")
    # "filing", "investigation", "decision", "decision_approval", "closing", "simple", or
    # "service:<id of the case's service>" (lawtrail/documents/steps.py).
    act = models.CharField("办案环节", max_length=32)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="acts")
    produced = models.BooleanField("由办案环节生成", default=True)
    linked_at = models.DateTimeField()

    class Meta:
        verbose_name = "文书与办案环节"
        constraints = [models.UniqueConstraint(fields=["case", "act"], name="act_document_unique")]

    @property
    def act_label(self) -> str:
        return ACT_LABELS.get(self.act.split(":", 1)[0], "办案环节")

    def __str__(self) -> str:
        return f"{self.act_label}:{self.document.type_name} {self.document.number}".rstrip()
