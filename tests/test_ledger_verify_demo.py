"""Issue 15's scenarios replayed on the demo: the untouched demo verifies clean; each edit made
behind the actions makes `lawtrail verify --json` exit 1 and name the record and the field."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

import pytest
from django.db import connection, transaction
from ledger_attacks import sql

from lawtrail.cases.models import Case, CaseNumberCounter
from lawtrail.cli import main
from lawtrail.demo import ensure_demo
from lawtrail.documents.models import Document, Signature
from lawtrail.evidence.models import Evidence
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.lib.appendonly import registered_guards
from lawtrail.retention.models import DisposalRecord

pytestmark = pytest.mark.usefixtures("ledger")

Expected = tuple[str, str, str | None]


def _unguard() -> None:
    """What the attacker does first: every guard dropped."""
    for guard in registered_guards():
        for trigger in guard.names(connection.vendor):
            sql(f"DROP TRIGGER IF EXISTS {trigger} ON {guard.table}" if connection.vendor == "postgresql"
                else f"DROP TRIGGER IF EXISTS {trigger}")


def _document_fields() -> Expected:
    doc = Document.objects.filter(type_code="inquiry_record").order_by("pk").first()  # one of each agency's
    assert doc is not None
    key = sorted(k for k, v in doc.fields.items() if isinstance(v, str) and v)[0]
    Document.objects.filter(pk=doc.pk).update(fields={**doc.fields, key: "伪造的内容"})
    return "record_changed", f"documents.document#{doc.pk}", f"fields.{key}"


def _document_number() -> Expected:
    doc = Document.objects.get(type_code="non_acceptance_decision")
    Document.objects.filter(pk=doc.pk).update(number=doc.number.replace("1号", "9号"))
    return "record_changed", f"documents.document#{doc.pk}", "number"


def _filed_case() -> Case:
    case = Case.objects.exclude(number=None).order_by("pk").first()
    assert case is not None
    return case


def _case_number() -> Expected:
    case = _filed_case()
    Case.objects.filter(pk=case.pk).update(number=f"{case.number}-改")
    return "record_changed", f"cases.case#{case.pk}", "number"


def _case_stage() -> Expected:
    case = _filed_case()
    Case.objects.filter(pk=case.pk).update(stage="registered" if case.stage != "registered" else "filed")
    return "record_changed", f"cases.case#{case.pk}", "stage"


def _case_party() -> Expected:
    case = _filed_case()
    other = Case.objects.exclude(party_id=case.party_id).values_list("party_id", flat=True).first()
    Case.objects.filter(pk=case.pk).update(party_id=other)
    return "record_changed", f"cases.case#{case.pk}", "party_id"


def _signature() -> Expected:
    signature = Signature.objects.order_by("pk").first()
    assert signature is not None
    Signature.objects.filter(pk=signature.pk).update(name="冒名者")
    return "record_changed", f"documents.signature#{signature.pk}", "name"


def _recording_time() -> Expected:
    evidence = Evidence.objects.exclude(recorded_start=None).order_by("pk").first()
    assert evidence is not None and evidence.recorded_start is not None
    Evidence.objects.filter(pk=evidence.pk).update(recorded_start=evidence.recorded_start - dt.timedelta(hours=3))
    return "record_changed", f"evidence.evidence#{evidence.pk}", "recorded_start"


def _officer() -> Expected:
    evidence = Evidence.objects.exclude(officer=None).order_by("pk").first()
    assert evidence is not None
    Evidence.objects.filter(pk=evidence.pk).update(officer_name="另一位执法人员")
    return "record_changed", f"evidence.evidence#{evidence.pk}", "officer_name"


def _disposal_record() -> Expected:
    record = DisposalRecord.objects.get()
    DisposalRecord.objects.filter(pk=record.pk).update(reason="到期清理")
    return "record_changed", f"retention.disposalrecord#{record.pk}", "reason"


def _counter() -> Expected:
    counter = CaseNumberCounter.objects.order_by("-last_seq").first()
    assert counter is not None
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last_seq=counter.last_seq - 1)
    return "counter_rolled_back", f"cases.casenumbercounter#{counter.pk}", "last_seq"


EDITS: list[Callable[[], Expected]] = [
    _document_fields, _document_number, _case_number, _case_stage, _case_party, _signature, _recording_time,
    _officer, _disposal_record, _counter,
]


def _verify_json() -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["verify", "--json"])
    return code, json.loads(out.getvalue())


class _Undo(Exception):
    pass


def test_the_untouched_demo_verifies_clean_and_every_edit_is_named(db: None) -> None:
    assert ensure_demo() is True
    do_make_checkpoint()
    code, clean = _verify_json()
    assert code == 0 and clean["ok"], clean["problems"]
    assert clean["records_checked"] > 50

    for edit in EDITS:
        try:
            with transaction.atomic():  # each edit undone before the next
                _unguard()
                expected = edit()
                code, report = _verify_json()
                named = {(p["code"], p["record"], p["field"]) for p in report["problems"]}
                assert code == 1 and expected in named, (edit.__name__, report["problems"])
                changed = {n for n in named if n[0] in ("record_changed", "counter_rolled_back")}
                assert changed == {expected}, (edit.__name__, changed)
                problem = next(p for p in report["problems"] if (p["code"], p["record"], p["field"]) == expected)
                assert problem["ledgered"] != problem["live"] and problem["entry"] is not None
                raise _Undo
        except _Undo:
            pass
    code, again = _verify_json()
    assert code == 0, again["problems"]
