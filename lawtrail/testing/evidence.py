"""Helpers for evidence-vault tests: a fresh store per test, ingest of a file made on the fly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lawtrail.evidence.ingest import ingest_staged
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.staging import stage_file
from lawtrail.storage import get_store


def use_fresh_vault(settings: Any, root: Path) -> Path:
    """Point the primary store, the replica and the staging area at directories under `root`."""
    settings.EVIDENCE_STORE = {"dir": str(root / "store")}
    settings.EVIDENCE_REPLICA = {"dir": str(root / "replica")}
    settings.EVIDENCE_STAGING_DIR = root / "staging"
    return root


def ingest(path: Path, *, name: str | None = None, **options: Any) -> Evidence:
    """Stage and ingest `path` as the CLI would (options as for do_ingest_evidence)."""
    options.setdefault("actor", None)
    staged = stage_file(path, get_store().staging_dir())
    return ingest_staged(staged, name=name or path.name, **options)
