"""The guards of issued documents are generated from one template (lawtrail/documents/sql.py); the
text each migration applied stays exactly the text it applied then (their SHA-256 as written before
the template), so a database migrated long ago and one migrated today hold the same triggers."""

from __future__ import annotations

import hashlib
import importlib

import pytest

from lawtrail.documents import sql

APPLIED = {
    "INITIAL_POSTGRES": "3297cbabd9bf182793e43c2b29d5c51a75c7fcdca5aa128dea3437f41d440f34",
    "INITIAL_SQLITE": "c830e66b3f2a97a477c6291d8e7693ba3412e84f171e68f4a00aebfb1a3d75c4",
    "DOCUMENT_POSTGRES_0003": "010b904cbd6a3b8467d4e57b4d7b72b4dcfe992775e5064e563bc33901134fd9",
    "DOCUMENT_POSTGRES_0005": "bbb24b30451ef34c46b0d4531f3b16177b5ff63821a539cfb87d392b60e57ad1",
    "DOCUMENT_SQLITE_0005": "32b5fc9d7506797a5a345c2ab79bc55da972c4dd4234a28a958f9894df230f9a",
    "DOCUMENT_POSTGRES": "d2723841c08828654b7ae85a485db4fb408e6ad4610435bfe21e080412b47dd6",
    "DOCUMENT_SQLITE": "e515d06864ade3e84ad884329500cae024f8e41f470ff74856953ed564b5484e",
}


def _sha(statements: list[str]) -> str:
    return hashlib.sha256("\n;\n".join(statements).encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(APPLIED))
def test_each_migrations_guard_text_is_the_text_it_applied(name: str) -> None:
    assert _sha(getattr(sql, name)) == APPLIED[name]


def test_migration_0003_applies_its_own_guard_and_the_signatures_guard() -> None:
    step = importlib.import_module("lawtrail.documents.migrations.0003_document_on_complaint")
    assert _sha(step.POSTGRES) == APPLIED["DOCUMENT_POSTGRES_0003"]
    assert _sha(step.SQLITE) == "ed04b02da5b30fbdf2ca30d010f528bff746ecb344cc3539fa89ccbd0679851a"


def test_a_changed_column_list_changes_the_text() -> None:
    # The check can fail: a guard that forgot the inspection is not today's guard.
    forgot = [line for line in sql._COLUMNS if "inspection_id" not in line]
    assert _sha([sql.document_sqlite(forgot)]) != APPLIED["DOCUMENT_SQLITE"]
