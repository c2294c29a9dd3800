"""`lawtrail doctor`: the start-up self-check (自检), also run by `lawtrail demo` and `lawtrail serve`.

Each check looks at the part a user would otherwise meet broken later — a PDF with blank Chinese,
a database nobody migrated, a full disk, a queue nobody works — and says in one Chinese line what
fixes it (the Debian package or the setting). A check only looks: it changes nothing.
"""

from __future__ import annotations

import ctypes.util
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from django.conf import settings

from lawtrail.lib import timez
from lawtrail.lib.errors import DomainError

OK, WARNING, ERROR = "ok", "warning", "error"
STATUS_MARK = {OK: "✓", WARNING: "!", ERROR: "✗"}
# Below this, a day of body-cam footage may not fit (one camera writes 10–30 GB a shift).
LOW_SPACE_BYTES = 2 * 1024**3
# The worker notes it is alive every minute (lawtrail/worker.py); older than this, it is gone.
HEARTBEAT_STALE = dt.timedelta(minutes=3)
# Characters every 执法文书 prints: a face that lacks them prints blank documents.
FONT_PROBE = "行政执法全过程记录 案号〔2026〕第12号 询问笔录 当事人签名"


@dataclass(frozen=True)
class Finding:
    check: str
    title: str
    status: str
    message: str
    fix: str = ""

    def line(self) -> str:
        text = f"{STATUS_MARK[self.status]} {self.title}:{self.message}"
        return text + (f"。处理:{self.fix}" if self.fix else "")


def _gib(n: int) -> str:
    return f"{n / 1024**3:.1f} GB"


# ---------------------------------------------------------------- the checks


def check_font() -> Finding:
    """Renders Chinese in the body face of the configured font map, as every 文书 does, and names
    the face WeasyPrint actually embedded."""
    import io

    from pypdf import PdfReader

    from lawtrail.documents.render import font_context
    from lawtrail.lib.pdf import html_to_pdf

    title = "文书字体"
    try:
        fonts = font_context()
        pdf = html_to_pdf(f"<html><head><style>{fonts['font_faces']} body {{ font-family: {fonts['font_body']}; }}"
                          f"</style></head><body><p>{FONT_PROBE}</p></body></html>")
    except DomainError as err:
        return Finding("font", title, ERROR, err.message)
    except Exception as err:  # noqa: BLE001 — a broken font map or library is this check's finding
        return Finding("font", title, ERROR, f"无法生成 PDF:{err}",
                       "apt-get install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0")
    embedded: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            name = str(font.get_object().get("/BaseFont", ""))
            # A subset font is named "/ABCDEF+NotoSerifCJKsc-Regular".
            embedded.add(name.lstrip("/").split("+", 1)[-1])
    return Finding("font", title, OK, "中文可正常输出,使用字体 " + "、".join(sorted(embedded)))


def check_font_subsetter() -> Finding:
    title = "字体子集化"
    if ctypes.util.find_library("harfbuzz-subset"):
        return Finding("harfbuzz_subset", title, OK, "已安装 libharfbuzz-subset0")
    return Finding("harfbuzz_subset", title, WARNING, "缺少 HarfBuzz 子集化库,每页文书约需 10 秒才能生成",
                   "apt-get install libharfbuzz-subset0")


def check_database() -> Finding:
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    title = "数据库"
    connection = connections[DEFAULT_DB_ALIAS]
    where = f"{connection.vendor} {connection.settings_dict.get('NAME')}"
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as err:  # noqa: BLE001 — unreachable or unreadable is this check's finding
        return Finding("database", title, ERROR, f"无法连接 {where}:{err}",
                       "检查 DATABASE_URL(PostgreSQL 是否运行、账号与库名是否正确)")
    if plan:
        return Finding("database", title, ERROR, f"{where} 有 {len(plan)} 项迁移尚未执行",
                       "运行 lawtrail migrate")
    return Finding("database", title, OK, f"{where} 可连接,已迁移到最新")


def _directory(check: str, title: str, path: Path, *, label: str, setting: str) -> Finding:
    """A directory LawTrail writes to: writable, and with room for a day of footage."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as err:
        return Finding(check, title, ERROR, f"{label} 不可写:{err}", f"修改目录权限,或设置 {setting}")
    free = shutil.disk_usage(path).free
    if free < LOW_SPACE_BYTES:
        return Finding(check, title, WARNING, f"{label} 剩余空间仅 {_gib(free)}",
                       f"清理磁盘,或设置 {setting} 指向更大的磁盘")
    return Finding(check, title, OK, f"{label} 可写,剩余空间 {_gib(free)}")


def check_data_dir() -> Finding:
    path = Path(settings.DATA_DIR)
    return _directory("data_dir", "数据目录", path, label=str(path), setting="LAWTRAIL_DATA_DIR")


def check_evidence_store() -> Finding:
    from lawtrail.storage import get_store

    title = "音像资料存储"
    try:
        store = get_store()
        where = store.describe()
        next(iter(store.iter_keys("")), None)  # reachable and listable (an S3 bucket: one request)
        staging = store.staging_dir()
    except Exception as err:  # noqa: BLE001 — an unreachable store is this check's finding
        return Finding("store", title, ERROR, f"无法访问:{err}",
                       "检查 LAWTRAIL_STORE_DIR 或 LAWTRAIL_S3_BUCKET / LAWTRAIL_S3_ENDPOINT_URL 及密钥")
    return _directory("store", title, staging, label=f"{where} 可用,暂存目录 {staging}", setting="LAWTRAIL_STAGING_DIR")


def check_signing_key() -> Finding:
    from lawtrail.ledger.keys import load_private_key
    from lawtrail.verifier.checkpoint import key_id

    title = "账本签名密钥"
    path = Path(settings.LEDGER_KEY_FILE)
    if not path.exists():
        if settings.LEDGER_KEY_GENERATE:
            return Finding("signing_key", title, OK, f"尚未生成,首次签署检查点时自动生成于 {path}")
        return Finding("signing_key", title, ERROR, f"找不到 {path}",
                       "用 lawtrail ledger keygen 生成,或修正 LAWTRAIL_LEDGER_KEY_FILE")
    try:
        key = load_private_key(path, create=False)
    except DomainError as err:
        return Finding("signing_key", title, ERROR, err.message, "恢复密钥文件的备份,或修正 LAWTRAIL_LEDGER_KEY_FILE")
    return Finding("signing_key", title, OK, f"{path} 可读(公钥标识 {key_id(key.public_key())})")


def check_queue(*, expect_worker: bool) -> Finding:
    from huey.contrib.djhuey import HUEY

    from lawtrail.worker import HEARTBEAT_KEY

    title = "后台任务队列"
    try:
        pending = HUEY.pending_count()
        beat = HUEY.get(HEARTBEAT_KEY, peek=True)
    except Exception as err:  # noqa: BLE001 — an unreachable queue is this check's finding
        return Finding("queue", title, ERROR, f"无法访问任务队列:{err}",
                       "检查 LAWTRAIL_REDIS_URL(Redis 是否运行)或数据目录权限")
    where = {"SqliteHuey": "本机 SQLite 任务队列", "RedisHuey": "Redis 任务队列"}.get(type(HUEY).__name__, "任务队列")
    if not expect_worker:
        return Finding("queue", title, OK, f"{where} 可用,待处理任务 {pending} 项")
    seen = dt.datetime.fromisoformat(beat) if isinstance(beat, str) else None
    if seen is None or timez.now() - seen > HEARTBEAT_STALE:
        since = f"(最近一次活动 {timez.beijing(seen):%Y-%m-%d %H:%M})" if seen else ""
        return Finding("queue", title, WARNING,
                       f"{where} 可用,待处理任务 {pending} 项,但没有正在运行的后台任务进程{since},"
                       "预览转码、异地备份和检查点不会进行",
                       "lawtrail serve 会自动启动一个;多机部署时在任一机器上运行 lawtrail worker")
    return Finding("queue", title, OK, f"{where} 可用,待处理任务 {pending} 项,后台任务进程在运行")


def check_media() -> Finding:
    title = "音视频解码"
    try:
        import av
    except ImportError as err:
        return Finding("media", title, ERROR, f"无法加载 PyAV:{err}", "重新运行 make run 安装依赖")
    wanted: dict[str, Literal["r", "w"]] = {"h264": "r", "hevc": "r", "aac": "r", "mjpeg": "r", "libx264": "w"}
    missing = []
    for name, mode in wanted.items():
        try:
            av.Codec(name, mode)
        except Exception:  # noqa: BLE001 — PyAV raises its own error types per codec
            missing.append(name)
    if missing:
        return Finding("media", title, ERROR, f"缺少编解码器 {'、'.join(missing)},执法记录仪视频无法读取或生成预览",
                       "重新安装 requirements.lock 中的 av(其自带 FFmpeg)")
    return Finding("media", title, OK, f"FFmpeg {av.ffmpeg_version_info} 可解码 H.264/H.265/AAC")


def check_sm3() -> Finding:
    import hashlib

    title = "SM3 摘要"
    try:
        hashlib.new("sm3", b"")
    except ValueError:
        return Finding("sm3", title, ERROR, "本机 OpenSSL 不提供 SM3,音像资料入库无法计算国密摘要",
                       "使用带 SM3 的 OpenSSL 3(Debian 12 的 libssl3 即可),不要使用 FIPS 模式")
    return Finding("sm3", title, OK, "OpenSSL 提供 SM3")


def run_checks(*, expect_worker: bool = True) -> list[Finding]:
    """Every check, in the order a user would fix them. `expect_worker=False` where the caller is
    about to start the worker itself (`lawtrail serve`)."""
    checks: list[Callable[[], Finding]] = [
        check_database, check_data_dir, check_evidence_store, check_font, check_font_subsetter,
        check_signing_key, lambda: check_queue(expect_worker=expect_worker), check_media, check_sm3,
    ]
    return [check() for check in checks]


def as_json(findings: list[Finding]) -> dict[str, object]:
    return {"ok": not any(f.status == ERROR for f in findings), "checks": [asdict(f) for f in findings]}
