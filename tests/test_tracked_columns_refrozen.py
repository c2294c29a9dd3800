"""Columns added to tracked records after the ledger froze them, by migrations that froze nothing:
the party's 登记单位 (`unit`), the 送达's system document number (`document_ref`) and the 送达回证's
邮件被退回的情况 and 传真 (`returned`, `fax`). A database that held such rows before those columns
came keeps a clean `lawtrail verify` after migrating: verify compares the fields each row's state
froze, and a new column is not among them until the row's next action freezes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from lawtrail.cases.models import Party
from lawtrail.events.models import DomainEvent
from lawtrail.events.recorder import record_event
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.verify import Report, verify_ledger
from lawtrail.lib import timez
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import register_case

BEFORE = [("cases", "0001_initial"), ("compliance", "0001_initial")]


def _problems(report: Report) -> list[str]:
    return [f"{p.code}: {p.record} {p.field}: {p.message}" for p in report.problems]


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _migrate(targets: list[tuple[str, str]]) -> Any:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def before_the_columns(transactional_db: None) -> Iterator[tuple[World, Any, Any]]:
    """A world and a case made today, then the database as it was before the columns came (and,
    after the test, as it is now)."""
    world = build_world()
    case = register_case(world)
    latest = _latest()
    apps = _migrate(BEFORE)
    try:
        yield world, case, apps
    finally:
        _migrate(latest)


def test_rows_made_before_the_columns_keep_verify_clean_after_migrating(
        before_the_columns: tuple[World, Any, Any]) -> None:
    world, case, apps = before_the_columns
    party_model = apps.get_model("cases", "Party")
    service_model = apps.get_model("cases", "Service")
    proof_model = apps.get_model("compliance", "ServiceProof")
    with transaction.atomic():
        party = party_model.objects.create(agency_id=world.agency.pk, kind="person", name="钱七",
                                           created_at=timez.now())
        record_event("party.create", party, actor=world.alice)
    with transaction.atomic():
        service = service_model.objects.create(case_id=case.pk, document="限期整改指令书", method="direct",
                                               served_at=timez.now(), recipient="钱七", recorded_by_id=world.alice.pk)
        record_event("case.record_service", case, actor=world.alice, case_id=case.pk, changed=[service])
    with transaction.atomic():
        proof = proof_model.objects.create(service_id=service.pk, receipt="挂号信 123")
        record_event("case.add_service_proof", case, actor=world.alice, case_id=case.pk, changed=[proof])

    _migrate(_latest())

    # No re-freeze was needed: verify compares the fields the ledger froze, which the new columns
    # are not among. (The world's parties, made today with a 登记单位, lose it by the trip down
    # and back: they are left out.)
    do_make_checkpoint()
    old = {f"cases.party#{party.pk}", f"cases.service#{service.pk}", f"compliance.serviceproof#{proof.pk}"}
    assert not [p for p in _problems(verify_ledger()) if p.split(" ")[1] in old]
    assert not DomainEvent.objects.filter(action="records.schema_change").exists()

    # The check can fail: a frozen field of an old row changed behind the actions' back is named.
    Party.objects.filter(pk=party.pk).update(name="钱八")
    changed = [(p.record, p.field) for p in verify_ledger().problems if p.code == "record_changed"]
    assert (f"cases.party#{party.pk}", "name") in changed
