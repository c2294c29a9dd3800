"""Resumable upload (tus 1.0.0, core + creation) into the staging area.

The bytes of an upload go to a part file in the staging area; both hashes are carried along
as the bytes arrive (and recomputed from the part file if the server restarted meanwhile).
An upload becomes evidence only when its last byte has arrived: then the part file is
ingested like any other file. Until then nothing of it is visible, and an interrupted
upload resumes from the offset the server confirms (HEAD).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.db import transaction

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.evidence.actions import check_ingest, do_link_evidence
from lawtrail.evidence.choices import INGEST_ALREADY, INGEST_DUPLICATE, INGEST_STORED
from lawtrail.evidence.ingest import ingest_staged
from lawtrail.evidence.models import Evidence, UploadSession
from lawtrail.evidence.staging import CHUNK, Digests, Staged
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, DomainError, InvalidInput
from lawtrail.storage import get_store

TUS_VERSION = "1.0.0"
# A finished upload whose bytes were already recorded, unassigned, for the same officer: that
# record is put into the case the upload names.
OUTCOME_LINKED = "linked"
# The largest upload accepted: body cams split at 4 GB; long surveillance days run larger.
MAX_SIZE = 64 * 1024**3
METADATA_KEYS = {"filename", "case_id", "evidence_class", "officer_id", "device_serial", "clock_offset_seconds",
                 "sha256"}
# The upload session's own bookkeeping in its metadata: never taken from the client.
OUTCOME_KEY = "outcome"

# Digests of uploads in progress, by upload id. Only a shortcut: a missing or stale entry
# (another process, a restart) is rebuilt from the part file.
_digests: dict[str, Digests] = {}
_digests_lock = threading.Lock()


def forget_digests() -> None:
    """Drop every in-memory digest (as a restart would)."""
    with _digests_lock:
        _digests.clear()


def parse_metadata(header: str) -> dict[str, str]:
    """tus Upload-Metadata: comma-separated `key base64value` pairs."""
    found: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        if key not in METADATA_KEYS:
            continue
        try:
            found[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidInput("invalid_metadata", f"Upload-Metadata 中 {key} 的值不是有效的 base64 UTF-8 文本",
                               {"field": key})
        if "\x00" in found[key] or len(found[key]) > 1000:
            raise InvalidInput("invalid_metadata", f"Upload-Metadata 中 {key} 的值无效", {"field": key})
    return found


def part_path(session: UploadSession) -> Path:
    directory = get_store().staging_dir() / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{session.pk}.part"


def begin_upload(user: User, *, length: int, metadata: dict[str, str]) -> UploadSession:
    if length == 0:
        raise InvalidInput("empty_file", f"文件为空(0 字节),不能作为音像资料入库:{metadata.get('filename', '')}",
                           {"field": "Upload-Length"})
    if length < 0 or length > MAX_SIZE:
        raise InvalidInput("invalid_length", f"文件大小应在 1 字节到 {MAX_SIZE // 1024**3} GB 之间",
                           {"field": "Upload-Length"})
    if not metadata.get("filename"):
        raise InvalidInput("missing_field", "请在 Upload-Metadata 中提供 filename", {"field": "filename"})
    now = timez.now()
    session = UploadSession.objects.create(user=user, length=length, metadata=metadata, created_at=now,
                                           updated_at=now)
    part_path(session).touch()
    return session


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[IO[bytes]]:
    """The part file, locked: two PATCHes of one upload at once would interleave bytes."""
    # Unbuffered: a failed write must not leave bytes in a buffer to be written at close.
    with path.open("r+b", buffering=0) as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict("upload_busy", "该文件正在上传中,请稍后重试")
        try:
            yield f
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _digests_for(session: UploadSession, path: Path) -> Digests:
    key = str(session.pk)
    with _digests_lock:
        cached = _digests.get(key)
    if cached is not None and cached.size == session.offset:
        return cached
    return Digests.of_file(path, session.offset)


def append(session: UploadSession, offset: int, body: IO[bytes], content_length: int | None) -> UploadSession:
    """Write the PATCH body at `offset`; keep whatever arrived if the connection dies half-way."""
    if offset != session.offset:
        raise Conflict("offset_mismatch", f"上传位置不一致:服务器已收到 {session.offset} 字节",
                       {"offset": session.offset})
    if session.evidence_id is not None or session.offset >= session.length:
        raise Conflict("upload_complete", "该文件已上传完毕")
    if content_length is not None and offset + content_length > session.length:
        raise InvalidInput("too_long", "上传内容超出声明的文件大小", {"field": "Content-Length"})
    path = part_path(session)
    if not path.exists():
        raise Conflict("upload_lost", "服务器上的上传暂存文件已不存在,请重新上传")
    with _exclusive(path) as f:
        session.refresh_from_db()
        if offset != session.offset:
            raise Conflict("offset_mismatch", f"上传位置不一致:服务器已收到 {session.offset} 字节",
                           {"offset": session.offset})
        digests = _digests_for(session, path)
        f.seek(offset)
        f.truncate()  # bytes past the confirmed offset were never confirmed: drop them
        received = 0
        remaining = session.length - offset
        try:
            while remaining > 0:
                try:
                    data = body.read(min(CHUNK, remaining))
                except OSError:
                    break  # the client went away: what arrived is kept, and confirmed below
                if not data:
                    break
                view = memoryview(data)
                while view:  # an unbuffered write may take part of the chunk
                    view = view[f.write(view) or 0:]
                digests.update(data)
                received += len(data)
                remaining -= len(data)
            f.flush()
            os.fsync(f.fileno())
        except OSError:
            # Writing failed (a full disk, a read-only data directory): this PATCH confirms
            # nothing, and the part file goes back to the confirmed offset, so no half-written
            # bytes stay behind; the client may resume from the same offset once space returns.
            os.ftruncate(f.fileno(), offset)
            with _digests_lock:
                _digests.pop(str(session.pk), None)
            raise
        # The offset is confirmed only after the bytes are on disk.
        UploadSession.objects.filter(pk=session.pk, offset=offset).update(
            offset=offset + received, updated_at=timez.now())
        session.offset = offset + received
        with _digests_lock:
            _digests[str(session.pk)] = digests
    return session


def finish(session: UploadSession, user: User, *, resolve: Any) -> Evidence:
    """Ingest a complete upload. `resolve(metadata)` turns the metadata into ingest options."""
    if session.evidence_id is not None:
        return session.evidence  # type: ignore[return-value]
    path = part_path(session)
    with _digests_lock:
        digests = _digests.pop(str(session.pk), None)
    if digests is None or digests.size != session.length:
        digests = Digests.of_file(path, session.length)
    sha256 = digests.sha256.hexdigest()
    expected = session.metadata.get("sha256", "").lower()
    try:
        if expected and expected != sha256:
            path.unlink(missing_ok=True)
            raise Conflict("checksum_mismatch", "上传完成的文件 SHA-256 与客户端声明的不一致,未入库,请重新上传",
                           {"expected": expected, "received": sha256})
        staged = Staged(path=path, size=session.length, sha256=sha256, sm3=digests.sm3.hexdigest())
        options = resolve(session.metadata)
        loose = _loose_copy(sha256, options)
        if loose is not None:
            # The same original, already stored for this officer but in no case: it is put into the
            # case the upload names (one record, linked), not recorded a second time.
            path.unlink(missing_ok=True)
            ev = do_link_evidence(loose, case=options["case"], actor=user)
            result = OUTCOME_LINKED
        else:
            ev = ingest_staged(staged, name=session.metadata.get("filename", ""), source="upload", channel="web",
                               actor=user, once_per_content=True, **options)
            result = INGEST_ALREADY if getattr(ev, "already_recorded", False) else \
                INGEST_DUPLICATE if getattr(ev, "was_duplicate", False) else INGEST_STORED
    except DomainError as err:
        with transaction.atomic():
            UploadSession.objects.filter(pk=session.pk).update(error=f"{err.code}: {err.message}")
        raise
    metadata = {**session.metadata, OUTCOME_KEY: result}
    UploadSession.objects.filter(pk=session.pk).update(evidence=ev, metadata=metadata, updated_at=timez.now())
    session.evidence, session.metadata = ev, metadata
    return ev


def upload_outcome(session: UploadSession) -> str:
    """What the finished upload came to: stored, the same original already recorded (`already`), or
    an unassigned copy of it put into the case (`linked`); "" while it is not finished."""
    return str(session.metadata.get(OUTCOME_KEY, "")) if session.evidence_id else ""


def _loose_copy(sha256: str, options: dict[str, Any]) -> Evidence | None:
    case, officer = options.get("case"), options.get("officer")
    if case is None or officer is None:
        return None
    if Evidence.objects.filter(agency_id=case.agency_id, stored__sha256=sha256, case=case).exists():
        return None  # already in this case: the ingest answers `already`
    return Evidence.objects.filter(agency_id=case.agency_id, stored__sha256=sha256, case=None,
                                   officer=officer).order_by("pk").first()


def resolve_options(user: User, metadata: dict[str, str]) -> dict[str, Any]:
    """Ingest options from an upload's metadata, each reference checked against what the user may see."""
    options: dict[str, Any] = {}
    if metadata.get("case_id"):
        case = Case.objects.restrict(user).filter(pk=_int(metadata["case_id"], "case_id")).first()
        if case is None:
            raise InvalidInput("unknown_reference", "案件不存在或无权查看", {"field": "case_id"})
        options["case"] = case
    if metadata.get("officer_id"):
        officer = User.objects.filter(pk=_int(metadata["officer_id"], "officer_id"), agency__isnull=False,
                                      agency=user.agency, is_active=True).first()
        if officer is None:
            raise InvalidInput("unknown_reference", "执法人员不存在或不属于本机关", {"field": "officer_id"})
        options["officer"] = officer
    elif user.cert_no:
        options["officer"] = user
    options["evidence_class"] = metadata.get("evidence_class", "")
    options["device_serial"] = metadata.get("device_serial", "")
    if metadata.get("clock_offset_seconds"):
        try:
            options["clock_offset_seconds"] = float(metadata["clock_offset_seconds"])
        except ValueError:
            raise InvalidInput("invalid_clock_offset", "设备时钟偏差应为秒数", {"field": "clock_offset_seconds"})
    # Everything the ingest would refuse without seeing a byte is refused now (class, clock
    # offset, owner, the user's right to file there), not after the last PATCH.
    check_ingest(name=metadata.get("filename", ""), evidence_class=options["evidence_class"],
                 case=options.get("case"), officer=options.get("officer"),
                 clock_offset_seconds=options.get("clock_offset_seconds"), actor=user)
    return options


def _int(value: str, field: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput("invalid_metadata", f"{field} 应为编号", {"field": field})
    if not 1 <= number < 2**63:
        raise InvalidInput("invalid_metadata", f"{field} 应为编号", {"field": field})
    return number
