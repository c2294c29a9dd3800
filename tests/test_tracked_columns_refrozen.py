"""Columns added to tracked records after the ledger froze them, by migrations that froze nothing:
the party's 登记单位 (`unit`), the 送达's system document number (`document_ref`) and the 送达回证's
邮件被退回的情况 and 传真 (`returned`, `fax`). Rows made before those columns still verified (verify
compares the fields each row's state froze) but their new columns went unwatched; migrations
cases.0009 and compliance.0005 freeze them anew — only rows whose frozen fields all still hold, so
a row changed behind the actions' back is not made right by a migration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from lawtrail.cases.models import Party
from lawtrail.compliance.models import ServiceProof
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


def test_rows_made_before_the_columns_are_frozen_anew_unless_changed_behind_the_actions_back(
        before_the_columns: tuple[World, Any, Any]) -> None:
    world, case, apps = before_the_columns
    party_model = apps.get_model("cases", "Party")
    service_model = apps.get_model("cases", "Service")
    proof_model = apps.get_model("compliance", "ServiceProof")
    parties = []
    for name in ("钱七", "孙八"):
        with transaction.atomic():
            party = party_model.objects.create(agency_id=world.agency.pk, kind="person", name=name,
                                               created_at=timez.now())
            record_event("party.create", party, actor=world.alice)
        parties.append(party)
    party, changed_behind = parties
    with transaction.atomic():
        service = service_model.objects.create(case_id=case.pk, document="限期整改指令书", method="direct",
                                               served_at=timez.now(), recipient="钱七", recorded_by_id=world.alice.pk)
        record_event("case.record_service", case, actor=world.alice, case_id=case.pk, changed=[service])
    with transaction.atomic():
        proof = proof_model.objects.create(service_id=service.pk, receipt="挂号信 123")
        record_event("case.add_service_proof", case, actor=world.alice, case_id=case.pk, changed=[proof])
    party_model.objects.filter(pk=changed_behind.pk).update(name="孙九")  # behind the actions' back

    _migrate(_latest())

    # The events of these migrations (later migrations freeze added columns of their own too).
    ours = ("当事人增加登记单位后冻结此前登记的当事人", "送达记录增加送达文书编号后冻结此前的送达记录",
            "送达证明增加邮件退回和传真两项后冻结此前的送达证明")
    frozen = {e.object_type: e for e in DomainEvent.objects.filter(action="records.schema_change")
              if e.payload.get("reason") in ours}
    assert set(frozen) == {"cases.party", "cases.service", "compliance.serviceproof"}
    # The party changed behind the actions' back is not frozen anew (nor are the world's parties,
    # made today with their 登记单位, which the trip down and back took away).
    assert frozen["cases.party"].object_id == f"{party.pk}-{party.pk}"
    assert frozen["compliance.serviceproof"].records[0][:2] == ["compliance.serviceproof", str(proof.pk)]
    do_make_checkpoint()
    old = {f"cases.party#{party.pk}", f"cases.service#{service.pk}", f"compliance.serviceproof#{proof.pk}"}
    report = verify_ledger()
    assert not [p for p in _problems(report) if p.split(" ")[1] in old]
    assert [(p.record, p.field) for p in report.problems if p.record == f"cases.party#{changed_behind.pk}"] == [
        (f"cases.party#{changed_behind.pk}", "name")]

    # The new columns are watched now: set behind the actions' back, each is named.
    Party.objects.filter(pk=party.pk).update(unit=world.unit_b)
    ServiceProof.objects.filter(pk=proof.pk).update(fax="2026-01-05 10:00 028-12345678")
    changed = {(p.record, p.field) for p in verify_ledger().problems if p.code == "record_changed"}
    assert {(f"cases.party#{party.pk}", "unit_id"), (f"compliance.serviceproof#{proof.pk}", "fax")} <= changed
