"""A document names the stored, hashed version of its type's definition (文书格式版本) instead of
keeping its own copy; the same definition is stored once. Documents made before the change
(each with its own copy, frozen so by the ledger) are migrated: afterwards each names the version
holding exactly its old copy, reads and renders as before, and `lawtrail verify` is clean; a
stored definition changed behind the actions' back is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from lawtrail.cases.models import Case
from lawtrail.documents.actions import do_create_document
from lawtrail.documents.catalogue import DocumentType, get_type
from lawtrail.documents.models import Document, DocumentTypeVersion, definition_sha256
from lawtrail.events.models import DomainEvent
from lawtrail.events.recorder import record_event
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.verify import Report, verify_ledger
from lawtrail.lib import timez
from lawtrail.lib.frozen import normalize
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import register_case
from lawtrail.testing.schema import migrate_to_latest

BEFORE = ("documents", "0004_act_documents")
# Today's schema: the later migrations (documents on patrol inspections, 0006, which freezes the
# rows' new states too; the opinion a form waits for, 0007) run as well, and the test reads the
# documents with today's model.
AFTER = ("documents", "0007_document_awaiting_opinion")


def _problems(report: Report) -> list[str]:
    return [f"{p.code}: {p.message}" for p in report.problems]


def _migrate(target: tuple[str, str]) -> Any:
    """Migrate the documents app to `target`; the state's apps (historical models) there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def old_schema(transactional_db: None) -> Iterator[Any]:
    """The database as it was before documents named versions (and, after the test, as it is now)."""
    apps = _migrate(BEFORE)
    try:
        yield apps
    finally:
        migrate_to_latest()


def _old_document(apps: Any, case: Case, doc_type: DocumentType, actor: Any, **extra: Any) -> Any:
    """A document as the code before the change made it: its own copy of the definition, frozen
    (with the copy) into its creation event."""
    model = apps.get_model("documents", "Document")
    now = timez.now()
    with transaction.atomic():
        document = model.objects.create(
            agency_id=case.agency_id, case_id=case.pk, type_code=doc_type.code, type_name=doc_type.name,
            spec=doc_type.snapshot(), fields={"note": "旧文书"}, created_by_id=actor.pk, created_at=now,
            updated_at=now, **extra)
        record_event("document.create", document, actor=actor, case_id=case.pk)
    return document


def test_documents_made_before_the_change_name_their_definition_and_verify_stays_clean(old_schema: Any) -> None:
    world: World = build_world()
    case = register_case(world)
    record, notice = get_type("inquiry_record"), get_type("inquiry_notice")
    old = [_old_document(old_schema, case, record, world.alice),
           _old_document(old_schema, case, record, world.alice),
           _old_document(old_schema, case, notice, world.alice, status="issued", number="测〔2026〕1号",
                         issued_at=timez.now(), issued_by_id=world.alice.pk)]
    copies = {d.pk: normalize(d.spec) for d in old}
    # (Today's verify reads today's schema: the old one is checked by the code of its day.)
    made = DomainEvent.objects.filter(action="document.create").order_by("id")
    assert [e.record_fields[0]["spec"] for e in made] == [copies[d.pk] for d in old]

    _migrate(AFTER)

    # Two definitions, stored once each; every document names the one holding exactly its copy.
    assert DocumentTypeVersion.objects.count() == 2
    for pk, copy in copies.items():
        document = Document.objects.get(pk=pk)
        assert document.definition_id == definition_sha256(copy)
        assert DocumentTypeVersion.objects.get(pk=document.definition_id).spec == copy
        assert document.doc_type == DocumentType.from_snapshot(copy)
    # The migration's change of the records is in the ledger, like any action's.
    stored = DomainEvent.objects.get(action="document.store_definitions")
    assert stored.actor_id is None and stored.payload["documents"] == 3 and stored.payload["versions"] == 2
    frozen = {tuple(r[:2]) for r in stored.records}
    assert ("documents.documenttypeversion", definition_sha256(copies[old[0].pk])) in frozen
    do_make_checkpoint()
    after = verify_ledger()
    assert after.ok, _problems(after)

    # The issued document stays immutable under the new guard: it cannot be pointed elsewhere.
    other = definition_sha256(copies[old[0].pk])
    with pytest.raises(Exception, match="immutable"), transaction.atomic():
        Document.objects.filter(pk=old[2].pk).update(definition_id=other)

    # A stored definition changed behind the actions' back is named (its guard had to go first).
    sha = definition_sha256(copies[old[2].pk])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER documents_documenttypeversion_append_only ON documents_documenttypeversion")
        else:
            cursor.execute("DROP TRIGGER documents_documenttypeversion_append_only")
    tampered = {**copies[old[2].pk], "name": "被改动的文书名称"}
    DocumentTypeVersion.objects.filter(pk=sha).update(spec=tampered)
    report = verify_ledger()
    changed = [p for p in report.problems if p.code == "record_changed"]
    assert [(p.record, p.field) for p in changed] == [(f"documents.documenttypeversion#{sha}", "spec.name")]
    assert any("文书格式版本只增不改" in m for m in _problems(report))


def test_new_documents_share_one_stored_definition(world: World, ledger: None) -> None:
    case = register_case(world)
    first = do_create_document(case, type_code="inquiry_record", fields={}, actor=world.alice)
    second = do_create_document(case, type_code="inquiry_record", fields={}, actor=world.alice)
    assert first.definition_id == second.definition_id
    version = DocumentTypeVersion.objects.get()
    assert version.spec == normalize(get_type("inquiry_record").snapshot())
    assert version.sha256 == definition_sha256(version.spec)
    # Stored by the first document's action and frozen into its event; the document's frozen
    # state names the definition by its hash instead of copying it.
    created = DomainEvent.objects.filter(action="document.create").order_by("id")
    labels = [[r[0] for r in e.records] for e in created]
    assert labels == [["documents.document", "documents.documenttypeversion"], ["documents.document"]]
    fields = created[0].record_fields[0]
    assert fields["definition_id"] == version.sha256 and "spec" not in fields
    do_make_checkpoint()
    report = verify_ledger()
    assert report.ok, _problems(report)


def test_a_stored_definition_cannot_be_changed(world: World, ledger: None) -> None:
    case = register_case(world)
    do_create_document(case, type_code="inquiry_record", fields={}, actor=world.alice)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        DocumentTypeVersion.objects.update(spec={})
