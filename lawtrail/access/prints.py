"""Large batch prints (批量打印) made by the worker, fetched through a download link.

A case with more than settings.BATCH_PRINT_INLINE_DOCUMENTS documents is not bound while the
request waits: the request is checked by the policy at once (a refusal is immediate), the work is
queued, and the requester gets a link. The worker binds the PDF in a render slot of its own
process through the same `case_print` a small print uses — so the access register line is written
when the copy is made, as for any download — and keeps it under the data directory for
PRINT_KEEP_HOURS. The link answers only its requester, and only while the policy still lets them
download the case.

A print is a derived file, not a record: its state lives beside it (a small JSON), not in the
database, and nothing of it needs a backup.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.lib import timez
from lawtrail.lib.errors import DomainError, NotFound

from . import actions, policy

PRINT_KEEP_HOURS = 24
QUEUED, READY, FAILED = "queued", "ready", "failed"


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "prints"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _paths(token: str) -> tuple[Path, Path]:
    if not (token.isascii() and token.replace("-", "").replace("_", "").isalnum() and 20 <= len(token) <= 64):
        raise NotFound("no_print", "没有这份批量打印")
    return _folder() / f"{token}.json", _folder() / f"{token}.pdf"


def _write_state(path: Path, state: dict[str, Any]) -> None:
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


def is_large(docs: list[Document]) -> bool:
    return len(docs) > settings.BATCH_PRINT_INLINE_DOCUMENTS


def prepare(user: User, case: Case, docs: list[Document]) -> str:
    """Check the request now and write the print's state as queued; the token of its link.
    (lawtrail.access.jobs.queue_case_print queues the binding itself.)"""
    actions.enforce(user, "download", case)
    token = secrets.token_urlsafe(24)
    state_path, _ = _paths(token)
    _write_state(state_path, {"user": user.pk, "case": case.pk, "documents": [d.pk for d in docs],
                              "status": QUEUED, "requested_at": timez.now().isoformat(), "message": ""})
    return token


def build(token: str) -> str:
    """The worker's part: bind the print; its final status."""
    from lawtrail.access.serving import case_print

    state_path, pdf_path = _paths(token)
    state = json.loads(state_path.read_text(encoding="utf-8"))
    try:
        user = User.objects.get(pk=state["user"])
        case = Case.objects.get(pk=state["case"])
        docs = list(Document.objects.filter(pk__in=state["documents"]).order_by("id"))
        data = case_print(user, case, docs)
        partial = pdf_path.with_suffix(".pdf.part")
        partial.write_bytes(data)
        os.replace(partial, pdf_path)
        state.update(status=READY, message="", size=len(data))
    except DomainError as err:
        state.update(status=FAILED, message=err.message)
    except Exception:  # noqa: BLE001 — the requester learns it failed; the worker's log says why
        state.update(status=FAILED, message="生成失败,请稍后重试或联系系统管理员")
        _write_state(state_path, state)
        raise
    _write_state(state_path, state)
    return str(state["status"])


@dataclass
class PrintState:
    token: str
    status: str
    message: str
    case: Case
    documents: int
    pdf: Path | None


def fetch(user: User, token: str) -> PrintState:
    """A print as its requester sees it; the same NotFound for another user's token and a made-up one."""
    state_path, pdf_path = _paths(token)
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound("no_print", "没有这份批量打印")
    case = Case.objects.filter(pk=state.get("case")).first()
    if state.get("user") != user.pk or case is None or not policy.authorize(user, "download", case).allowed:
        raise NotFound("no_print", "没有这份批量打印")
    return PrintState(token=token, status=state["status"], message=state.get("message", ""), case=case,
                      documents=len(state.get("documents", [])),
                      pdf=pdf_path if state["status"] == READY and pdf_path.is_file() else None)


def sweep(now: float | None = None) -> int:
    """Remove prints older than PRINT_KEEP_HOURS; how many."""
    cutoff = (now or time.time()) - dt.timedelta(hours=PRINT_KEEP_HOURS).total_seconds()
    removed = 0
    for path in _folder().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += path.suffix == ".json"
    return removed
