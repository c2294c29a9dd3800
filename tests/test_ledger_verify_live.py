"""`lawtrail verify` compares every live record with the state its latest event froze.

Each edit an attacker with database access makes behind the actions' back (issue 15: an issued
document's fields and 文书编号, a case's 案号, stage and party, a signature, an evidence record's
recording time and officer, a disposal record) is named: the record, the field, the value the
ledger holds and the value the row holds now. A row no action wrote, a row deleted, a counter set
back and an event's frozen states changed are named too; an untouched system passes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from ledger_attacks import drop_triggers, rows, sql
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.cases.models import Case, CaseNumberCounter, Party
from lawtrail.documents.actions import do_correct_document, do_issue_document
from lawtrail.documents.models import Document, Signature
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.models import Evidence
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.verify import Problem, Report, verify_ledger
from lawtrail.retention.actions import do_decide_disposal, do_execute_disposal, do_request_disposal
from lawtrail.retention.models import DisposalRecord
from lawtrail.retention.sql import drop_statements
from lawtrail.testing import media
from lawtrail.testing.archive import closed_case
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing

pytestmark = pytest.mark.usefixtures("ledger")

Records = tuple[Case, Document, Evidence]


@pytest.fixture
def closed(world: World, settings: Settings, tmp_path: Path) -> Records:
    """Alice's case, closed: an issued, signed 询问笔录 and the clip recorded during it; signed."""
    use_fresh_vault(settings, tmp_path / "vault")
    case, doc, evidence = closed_case(world, tmp_path)
    assert evidence is not None
    do_make_checkpoint()
    report = verify_ledger()
    assert report.ok, [p.message for p in report.problems]
    assert report.records_checked > 0
    return case, doc, evidence


def found(report: Report, code: str = "record_changed") -> dict[tuple[str | None, str | None], Problem]:
    return {(p.record, p.field): p for p in report.problems if p.code == code}


def _drop(trigger: str, table: str) -> None:
    sql(f"DROP TRIGGER IF EXISTS {trigger} ON {table}" if connection.vendor == "postgresql"
        else f"DROP TRIGGER IF EXISTS {trigger}")


def _document_fields(r: Records) -> tuple[str, str, Any, Any]:
    doc = r[1]
    _drop("documents_document_immutable", "documents_document")
    Document.objects.filter(pk=doc.pk).update(fields={**doc.fields, "transcript": "伪造的问答"})
    return f"documents.document#{doc.pk}", "fields.transcript", doc.fields["transcript"], "伪造的问答"


def _document_number(r: Records) -> tuple[str, str, Any, Any]:
    doc = r[1]
    _drop("documents_document_immutable", "documents_document")
    Document.objects.filter(pk=doc.pk).update(number="测劳监询〔2026〕99号")
    return f"documents.document#{doc.pk}", "number", doc.number, "测劳监询〔2026〕99号"


def _case_number(r: Records) -> tuple[str, str, Any, Any]:
    case = r[0]
    Case.objects.filter(pk=case.pk).update(number="测劳监立〔2026〕第9号")
    return f"cases.case#{case.pk}", "number", case.number, "测劳监立〔2026〕第9号"


def _case_stage(r: Records) -> tuple[str, str, Any, Any]:
    case = r[0]
    Case.objects.filter(pk=case.pk).update(stage="investigating")
    return f"cases.case#{case.pk}", "stage", "closed", "investigating"


def _case_party(r: Records) -> tuple[str, str, Any, Any]:
    case = r[0]
    other = Party.objects.exclude(pk=case.party_id).order_by("pk").first()
    assert other is not None
    Case.objects.filter(pk=case.pk).update(party=other)
    return f"cases.case#{case.pk}", "party_id", case.party_id, other.pk


def _party_name(r: Records) -> tuple[str, str, Any, Any]:
    party = r[0].party
    Party.objects.filter(pk=party.pk).update(name="另一家公司")
    return f"cases.party#{party.pk}", "name", party.name, "另一家公司"


def _signature(r: Records) -> tuple[str, str, Any, Any]:
    signature = Signature.objects.filter(document=r[1]).order_by("pk").first()
    assert signature is not None
    _drop("documents_signature_append_only", "documents_signature")
    Signature.objects.filter(pk=signature.pk).update(name="冒名者")
    return f"documents.signature#{signature.pk}", "name", signature.name, "冒名者"


def _recorded_start(r: Records) -> tuple[str, str, Any, Any]:
    evidence = r[2]
    assert evidence.recorded_start is not None
    moved = evidence.recorded_start - dt.timedelta(hours=2)
    Evidence.objects.filter(pk=evidence.pk).update(recorded_start=moved)
    return (f"evidence.evidence#{evidence.pk}", "recorded_start",
            evidence.recorded_start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            moved.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"))


def _officer(r: Records) -> tuple[str, str, Any, Any]:
    evidence = r[2]
    Evidence.objects.filter(pk=evidence.pk).update(officer_name="鲍勃")
    return f"evidence.evidence#{evidence.pk}", "officer_name", evidence.officer_name, "鲍勃"


EDITS: dict[str, Callable[[Records], tuple[str, str, Any, Any]]] = {
    "document-fields": _document_fields, "document-number": _document_number, "case-number": _case_number,
    "case-stage": _case_stage, "case-party": _case_party, "party-name": _party_name, "signature": _signature,
    "evidence-recorded-start": _recorded_start, "evidence-officer": _officer,
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_it_names_the_record_and_field_edited_behind_the_actions(closed: Records, edit: str) -> None:
    record, field, ledgered, live = EDITS[edit](closed)
    report = verify_ledger()
    problems = found(report)
    assert (record, field) in problems, [p.message for p in report.problems]
    problem = problems[(record, field)]
    assert problem.entry is not None and problem.event is not None
    assert str(ledgered) in str(problem.ledgered) and str(live) in str(problem.live)
    assert (str(ledgered).splitlines() or ["空"])[0] in problem.message and str(live) in problem.message
    # Only that field of that record (and, where a guard was dropped to make the edit, the guard).
    assert {p.code for p in report.problems} <= {"record_changed", "triggers_missing"}
    assert {(p.record, p.field) for p in report.problems if p.code == "record_changed"} == {(record, field)}


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_an_edit_under_a_trigger_disabled_and_enabled_again_is_named(closed: Records) -> None:
    # PostgreSQL: the guard was only switched off for the edit; nothing about the trigger is left to see.
    doc = closed[1]
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # (the test's transaction still holds deferred checks)
    sql("ALTER TABLE documents_document DISABLE TRIGGER documents_document_immutable")
    Document.objects.filter(pk=doc.pk).update(number="测劳监询〔2026〕99号")
    sql("ALTER TABLE documents_document ENABLE TRIGGER documents_document_immutable")
    report = verify_ledger()
    assert [(p.code, p.record, p.field) for p in report.problems] == [
        ("record_changed", f"documents.document#{doc.pk}", "number")]


def test_the_command_exits_1_and_names_the_change_in_json(closed: Records) -> None:
    from lawtrail.cli import main

    _case_number(closed)
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["verify", "--json"])
    assert code == 1
    data = json.loads(out.getvalue())
    [problem] = data["problems"]
    assert (problem["record"], problem["field"], problem["live"]) == (
        f"cases.case#{closed[0].pk}", "number", "测劳监立〔2026〕第9号")
    assert closed[0].number in problem["message"] and "案号" in problem["message"]


def test_a_row_no_action_wrote_is_named(closed: Records) -> None:
    doc = closed[1]
    template = Signature.objects.filter(document=doc).order_by("pk").first()
    assert template is not None
    template.pk = None
    template.name = "事后补签"
    template.save()  # no action, no event: as an INSERT made by hand
    report = verify_ledger()
    assert [(p.code, p.record) for p in report.problems] == [
        ("record_unledgered", f"documents.signature#{template.pk}")]
    assert "事后补签" in report.problems[0].message


def test_a_row_deleted_behind_the_actions_is_named(closed: Records) -> None:
    signature = Signature.objects.filter(document=closed[1]).order_by("pk").first()
    assert signature is not None
    _drop("documents_signature_append_only", "documents_signature")
    sql("DELETE FROM documents_signature WHERE id = %s", [signature.pk])
    report = verify_ledger()
    assert (f"documents.signature#{signature.pk}", None) in found(report, "record_missing")


def test_a_counter_set_back_is_named_as_rolled_back(closed: Records) -> None:
    # The 案号 counter set back: the case's number would be given again to the next case.
    counter = CaseNumberCounter.objects.order_by("-last_seq").first()
    assert counter is not None and counter.last_seq >= 1
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last_seq=counter.last_seq - 1)
    report = verify_ledger()
    [problem] = report.problems
    assert (problem.code, problem.record, problem.field) == (
        "counter_rolled_back", f"cases.casenumbercounter#{counter.pk}", "last_seq")
    assert (problem.ledgered, problem.live) == (counter.last_seq, counter.last_seq - 1)


def test_an_events_frozen_states_changed_are_named(closed: Records) -> None:
    case = closed[0]
    [(event_id,)] = rows("SELECT MAX(id) FROM events_domainevent WHERE object_type = 'cases.case' AND object_id = %s",
                         [str(case.pk)])
    DomainEvent.objects.filter(pk=event_id).update(records=[])
    report = verify_ledger()
    assert ("record_states_altered", event_id) in {(p.code, p.event) for p in report.problems}
    DomainEvent.objects.filter(pk=event_id).update(records="不是列表")
    report = verify_ledger()
    assert ("record_states_malformed", event_id) in {(p.code, p.event) for p in report.problems}


def test_a_legitimate_correction_verifies_clean(closed: Records, world: World) -> None:
    corrected = do_correct_document(closed[1], fields={"transcript": "更正后的问答"},
                                    reason="笔误", actor=world.alice)
    assert corrected.pk != closed[1].pk
    do_issue_document(corrected, actor=world.alice)  # supersedes the first version
    report = verify_ledger()
    assert report.ok, [p.message for p in report.problems]


def test_a_disposal_record_edited_behind_the_actions_is_named(db: None, settings: Settings, tmp_path: Path,
                                                               time_machine: TimeMachineFixture) -> None:
    # A commission whose patrol footage is kept 6 months (第二十条): a clip past it, disposed of.
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    w = build_world("commission-rules", name="某委员会")
    path = media.make_clip(tmp_path / "old.mp4", seconds=1, created=beijing(2025, 6, 1), audio=False)
    old = ingest(path, officer=w.alice)
    request = do_request_disposal([old], reason="日常巡查视音频资料保存期限已满6个月", actor=w.archie)
    record = do_execute_disposal(do_decide_disposal(request, approve=True, opinion="同意销毁", actor=w.hank),
                                 actor=w.archie)
    clean = verify_ledger()
    assert clean.ok, [p.message for p in clean.problems]  # a legitimate disposal verifies clean

    for statement in drop_statements(connection.vendor):
        sql(statement)
    DisposalRecord.objects.filter(pk=record.pk).update(reason="到期清理")
    report = verify_ledger()
    problem = found(report)[(f"retention.disposalrecord#{record.pk}", "reason")]
    assert (problem.ledgered, problem.live) == ("日常巡查视音频资料保存期限已满6个月", "到期清理")


def test_a_corrupted_checkpoint_row_is_a_named_finding_not_a_crash(closed: Records) -> None:
    from lawtrail.cli import main
    from lawtrail.ledger.models import Checkpoint

    drop_triggers()
    pk = Checkpoint.objects.order_by("-id").values_list("pk", flat=True).first()
    sql("UPDATE ledger_checkpoint SET timestamp = %s, root_hash = %s WHERE id = %s", ["昨天", b"\x00", pk])
    report = verify_ledger()
    assert ("checkpoint_malformed", pk) in {(p.code, p.checkpoint) for p in report.problems}
    [problem] = [p for p in report.problems if p.code == "checkpoint_malformed"]
    assert "树根哈希" in problem.message and "签署时间" in problem.message
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["verify", "--json"]) == 1
    assert any(p["code"] == "checkpoint_malformed" for p in json.loads(out.getvalue())["problems"])


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_cells_of_the_wrong_type_are_named_not_a_crash(closed: Records) -> None:
    # SQLite keeps whatever a hand-made UPDATE puts in a column: text where a number belongs.
    from lawtrail.ledger.models import Checkpoint

    drop_triggers()
    pk = Checkpoint.objects.order_by("-id").values_list("pk", flat=True).first()
    sql("UPDATE ledger_checkpoint SET tree_size = 'abc' WHERE id = %s", [pk])
    [(event_id,)] = rows("SELECT event_id FROM ledger_ledgerentry WHERE seq = 3")
    sql("UPDATE ledger_ledgerentry SET event_id = 'x' WHERE seq = 3")
    sql("UPDATE cases_case SET version = 'abc' WHERE id = %s", [closed[0].pk])
    report = verify_ledger()
    named = {(p.code, p.checkpoint or p.entry or p.record) for p in report.problems}
    assert {("checkpoint_malformed", pk), ("entry_position", 3)} <= named
    assert (f"cases.case#{closed[0].pk}", "version") in found(report)
    assert "verify_incomplete" not in {p.code for p in report.problems}
    sql("UPDATE ledger_ledgerentry SET event_id = %s WHERE seq = 3", [event_id])  # (the test database's own checks)


def test_records_a_bulk_import_brings_are_covered_by_the_states_it_freezes(world: World) -> None:
    from django.db import transaction

    from lawtrail.events.state import freeze
    from lawtrail.ledger.writer import append_many
    from lawtrail.lib import timez

    parties = Party.objects.bulk_create([Party(agency=world.agency, kind=world.company.kind, name=f"导入的单位{i}",
                                               created_at=timez.now())
                                         for i in range(5)])
    events = []
    for party in parties:
        label, pk, digest, fields = freeze(party)
        events.append(DomainEvent(occurred_at=timez.now(), action="party.create", actor=world.alice,
                                  actor_name="艾丽", object_type=label, object_id=pk, payload={"name": party.name},
                                  records=[[label, pk, digest]], record_fields=[fields]))
    with transaction.atomic():
        append_many(events, batch_size=2)
    report = verify_ledger()
    assert report.ok, [p.message for p in report.problems]
    Party.objects.filter(pk=parties[3].pk).update(name="改过的名字")
    assert {(p.record, p.field) for p in verify_ledger().problems} == {(f"cases.party#{parties[3].pk}", "name")}


def test_the_latest_state_of_each_record_is_kept_on_disk_in_ledger_order(tmp_path: Path) -> None:
    from lawtrail.ledger.livestate import LatestStates

    store = LatestStates(tmp_path / "latest.sqlite3")
    upper = "AB" * 32  # not the usual lowercase hex: kept exactly as the event holds it
    store.put([("cases.case", "1", 0, 10, 0, "a" * 64), ("cases.case", "2", 0, 10, 1, "b" * 64)])
    store.put([("cases.case", "1", 5, 11, 0, "c" * 64), ("cases.case", "3", 5, 11, 1, upper),
               ("cases.party", "1", 5, 11, 2, None)])
    assert [(pk, f.seq, f.event, f.index, f.digest) for pk, f in sorted(store.get("cases.case", ["1", "9"]).items())] \
        == [("1", 5, 11, 0, "c" * 64)]  # the later event's state replaced the earlier; 9 is unknown
    assert store.existing("cases.case") == 3
    assert sorted((pk, f.digest) for page in store.each_existing("cases.case") for pk, f in page) == [
        ("1", "c" * 64), ("2", "b" * 64), ("3", upper)]
    assert store.get("cases.party", ["1"])["1"].digest is None  # a deletion
    assert store.existing("cases.party") == 0
    assert store.get("documents.document", ["1"]) == {} and store.existing("documents.document") == 0
    store.close()


def test_records_across_many_pages_are_each_compared(closed: Records, monkeypatch: pytest.MonkeyPatch) -> None:
    # Live rows are compared a page at a time; with pages of three rows, a change, a deletion and an
    # insertion on different pages are each still named, and nothing else.
    from lawtrail.ledger import livestate

    monkeypatch.setattr(livestate, "_CHUNK", 3)
    doc = closed[1]
    signatures = list(Signature.objects.filter(document=doc).order_by("pk"))
    assert len(signatures) >= 2
    _drop("documents_signature_append_only", "documents_signature")
    sql("DELETE FROM documents_signature WHERE id = %s", [signatures[0].pk])
    record, field, ledgered, live = _document_number(closed)
    Case.objects.filter(pk=closed[0].pk).update(number="伪造案号")
    report = verify_ledger()
    assert report.records_checked > 3 * 3
    assert {(p.code, p.record, p.field) for p in report.problems if p.code.startswith("record_")} == {
        ("record_missing", f"documents.signature#{signatures[0].pk}", None),
        ("record_changed", record, field),
        ("record_changed", f"cases.case#{closed[0].pk}", "number")}
