"""`lawtrail verify` re-hashes every issued document version's stored PDF against its ledger entry."""

from __future__ import annotations

import pytest
from django.db import connection
from ledger_attacks import rows, sql

from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import Document
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.verify import verify_ledger
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case

pytestmark = pytest.mark.usefixtures("ledger")


def _issue(world: World, case, code: str) -> Document:  # type: ignore[no-untyped-def]
    doc = do_create_document(case, type_code=code, actor=world.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type(code), prefilled=doc.fields), actor=world.alice)
    return do_issue_document(doc, actor=world.alice)


def _drop_document_triggers() -> None:
    """What an attacker does first: documents_document refuses changes to an issued PDF."""
    if connection.vendor == "postgresql":
        sql("DROP TRIGGER IF EXISTS documents_document_immutable ON documents_document")
    else:
        sql("DROP TRIGGER IF EXISTS documents_document_immutable")


def test_it_names_an_issued_documents_pdf_changed_behind_the_ledger(world: World) -> None:
    case = advance(world, register_case(world), to="investigating")
    record = _issue(world, case, "inquiry_record")
    notice = _issue(world, case, "inquiry_notice")
    do_make_checkpoint()
    clean = verify_ledger()
    assert clean.ok, [p.message for p in clean.problems]
    assert clean.documents_checked == 3  # and the 立案审批表 the filing issued

    _drop_document_triggers()
    [(pdf,)] = rows("SELECT pdf FROM documents_document WHERE id = %s", [notice.pk])
    pdf = bytes(pdf)
    flipped = pdf[:100] + bytes([pdf[100] ^ 1]) + pdf[101:]
    sql("UPDATE documents_document SET pdf = %s WHERE id = %s", [flipped, notice.pk])

    report = verify_ledger()
    # The stored PDF against the hash its issue froze, the live row against its frozen state, and
    # the guard the attacker dropped first.
    assert sorted((p.code, p.document or p.record, p.field) for p in report.problems) == [
        ("document_hash", str(notice.pk), None), ("record_changed", f"documents.document#{notice.pk}", "pdf"),
        ("triggers_missing", "documents_document", None)]
    [problem] = [p for p in report.problems if p.code == "document_hash"]
    assert notice.number in problem.message and notice.pdf_sha256 in problem.message
    # The record and the 立案审批表 still check out; only the changed notice is named.
    assert problem.document != str(record.pk) and report.documents_checked == 2


def test_it_names_an_issued_documents_pdf_that_was_removed(world: World) -> None:
    case = advance(world, register_case(world), to="investigating")
    notice = _issue(world, case, "inquiry_notice")
    _drop_document_triggers()
    sql("UPDATE documents_document SET pdf = NULL WHERE id = %s", [notice.pk])
    report = verify_ledger()
    assert sorted((p.code, p.document or p.record, p.field) for p in report.problems) == [
        ("document_missing", str(notice.pk), None), ("record_changed", f"documents.document#{notice.pk}", "pdf"),
        ("triggers_missing", "documents_document", None)]
