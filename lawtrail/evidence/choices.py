from django.db import models


class EvidenceClass(models.TextChoices):
    PATROL = "patrol", "日常巡查"
    CASE = "case", "案件证据"
    RECEPTION = "reception", "受理场所监控"
    OTHER = "other", "其他"


class MediaKind(models.TextChoices):
    VIDEO = "video", "视频"
    AUDIO = "audio", "录音"
    PHOTO = "photo", "照片"
    OTHER = "other", "其他文件"


class MediaProblem(models.TextChoices):
    NONE = "", "无"
    TRUNCATED = "truncated", "文件不完整"
    UNREADABLE = "unreadable", "无法解析"


class DerivativeStatus(models.TextChoices):
    PENDING = "pending", "待生成"
    READY = "ready", "已生成"
    NOT_NEEDED = "not_needed", "无需转码"
    FAILED = "failed", "生成失败"


class RecordingCategory(models.TextChoices):
    """分类 of a recording, as the officer sorts it after storing (3-safety-production 第十七条)."""

    INSPECTION = "inspection", "现场检查(勘验)"
    INQUIRY = "inquiry", "调查询问"
    SAMPLING = "sampling", "抽样取证"
    COERCION = "coercion", "查封扣押等强制措施"
    SERVICE = "service", "文书送达"
    HEARING = "hearing", "听证"
    ENFORCEMENT = "enforcement", "强制执行"
    PATROL = "patrol", "日常巡查"
    OTHER = "other", "其他"


class InterruptionStatus(models.TextChoices):
    OPEN = "open", "待说明"
    EXPLAINED = "explained", "已说明"
    FILLED = "filled", "已补齐"
    # No longer a pause of one activity (a clip was linked elsewhere, or a late clip covered an
    # already explained pause): kept with its explanation and the reason, never deleted.
    SUPERSEDED = "superseded", "已失效"


# The interruptions that still stand: shown as pauses of an activity.
ACTIVE_INTERRUPTIONS = (InterruptionStatus.OPEN, InterruptionStatus.EXPLAINED)


# Ingest outcomes as the CLI and the API report them per file.
INGEST_STORED = "stored"  # new bytes, stored and recorded
INGEST_DUPLICATE = "duplicate"  # bytes already stored: recorded again, stored once
INGEST_ALREADY = "already"  # the same original already recorded for the same owner (a re-run): nothing added
INGEST_ERROR = "error"


class StartBasis(models.TextChoices):
    """Where a stated start time of a recording comes from, when the file carries none."""

    STATEMENT = "statement", "执法人员陈述"
    FILE_NAME = "file_name", "文件名"
    DEVICE_SCREEN = "device_screen", "设备屏幕显示"
    OTHER = "other", "其他"


class ActKind(models.TextChoices):
    """The acts of a case a recording can be the record of."""

    DOCUMENT = "document", "文书记录的执法环节"
    INSPECTION = "inspection", "日常巡视检查"
    SERVICE = "service", "送达"
