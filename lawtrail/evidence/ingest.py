"""Ingest a file from disk (the CLI, a docking station folder) or a finished upload.

Stages the bytes once (both hashes on the way), hands them to the one ingest action, and
reports the outcome per file in the shape the CLI's --json and the API share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lawtrail.evidence.actions import do_ingest_evidence
from lawtrail.evidence.choices import INGEST_ALREADY, INGEST_DUPLICATE, INGEST_ERROR, INGEST_STORED
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.staging import Staged, stage_file
from lawtrail.lib.errors import DomainError
from lawtrail.lib.faults import storage_fault
from lawtrail.storage import get_store


@dataclass
class Outcome:
    path: str
    name: str
    status: str
    evidence_id: int | None = None
    sha256: str | None = None
    sm3: str | None = None
    size: int | None = None
    object_key: str | None = None
    media: dict[str, Any] = field(default_factory=dict)
    flagged: str = ""
    error_code: str = ""
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def media_summary(ev: Evidence) -> dict[str, Any]:
    return {
        "kind": ev.media_kind, "container": ev.container, "video_codec": ev.video_codec,
        "audio_codec": ev.audio_codec, "duration": ev.duration_seconds, "width": ev.width, "height": ev.height,
        "creation_time_raw": ev.creation_time_raw,
        "clock_offset_seconds": ev.clock_offset_seconds,
        "start": ev.recorded_start.isoformat() if ev.recorded_start else None,
        "end": ev.recorded_end.isoformat() if ev.recorded_end else None,
        "gps": {"lat": ev.gps_lat, "lon": ev.gps_lon} if ev.gps_lat is not None else None,
        "problem": ev.media_problem, "problem_detail": ev.media_problem_detail,
    }


def outcome_of(ev: Evidence, path: str) -> Outcome:
    return Outcome(
        path=path, name=ev.display_name,
        status=INGEST_ALREADY if getattr(ev, "already_recorded", False) else
        INGEST_DUPLICATE if getattr(ev, "was_duplicate", False) else INGEST_STORED,
        evidence_id=ev.pk, sha256=ev.stored.sha256, sm3=ev.stored.sm3, size=ev.stored.size,
        object_key=ev.stored.key, media=media_summary(ev), flagged=ev.media_problem,
        message=ev.media_problem_detail,
    )


def ingest_staged(staged: Staged, *, name: str, path: str = "", **options: Any) -> Evidence:
    try:
        return do_ingest_evidence(staged, original_name=name, **options)
    finally:
        # The store holds its own copy (or link) now; the staging name goes either way.
        staged.path.unlink(missing_ok=True)


def failed(path: Path, err: BaseException, *, staging: bool) -> Outcome:
    """The outcome of a file that failed, with its real cause and no server path in the message:
    a full or read-only data directory is said so (not "cannot read"); a read error names the
    file the operator gave; anything else is a failure of this file only."""
    fault = storage_fault(err)
    if fault is not None:
        return Outcome(path=str(path), name=path.name, status=INGEST_ERROR, error_code=fault.code,
                       message=fault.message)
    if isinstance(err, DomainError):
        return Outcome(path=str(path), name=path.name, status=INGEST_ERROR, error_code=err.code, message=err.message)
    if isinstance(err, OSError) and staging and err.filename in (str(path), path, None):
        return Outcome(path=str(path), name=path.name, status=INGEST_ERROR, error_code="read_failed",
                       message=f"无法读取文件:{err.strerror or type(err).__name__}")
    reason = err.strerror if isinstance(err, OSError) and err.strerror else type(err).__name__
    return Outcome(path=str(path), name=path.name, status=INGEST_ERROR, error_code="ingest_failed",
                   message=f"入库失败:{reason}(本文件未入库,其余文件继续)")


def ingest_staged_outcome(staged: Staged, path: Path, **options: Any) -> Outcome:
    """Ingest a staged file; a refusal (an empty file, …) or a fault (a full disk) comes back as an
    outcome, not an exception, so that a batch goes on with its next file."""
    shown = str(path)
    try:
        ev = ingest_staged(staged, name=path.name, source=f"{options.get('channel', 'cli')}:{shown}", **options)
    except Exception as err:  # noqa: BLE001 — reported per file; the batch carries on
        return failed(path, err, staging=False)
    return outcome_of(ev, shown)


def ingest_path(path: Path, *, progress: Callable[[int], None] | None = None, **options: Any) -> Outcome:
    """Stage and ingest one local file (options as for do_ingest_evidence)."""
    try:
        staged = stage_file(path, get_store().staging_dir(), progress=progress)
    except Exception as err:  # noqa: BLE001 — reported per file
        return failed(path, err, staging=True)
    return ingest_staged_outcome(staged, path, **options)
