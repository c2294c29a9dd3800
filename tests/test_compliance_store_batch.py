"""`lawtrail check --all` reads, checks and stores cases a batch at a time (one query per table for a
few hundred cases): each case's bundle must be what exporting it alone gives, and the rows stored
what refreshing each case on its own stores (the worker's path, store.refresh_case) — on a first
fill, after the records and the clock moved, and on a re-check where nothing changed.

Personas (lawtrail.testing.personas): alice handles the cases of 一中队, andy goes along; uma heads
一中队; root imports case bundles; a second agency, under the agriculture rules, has its own root.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from time_machine import TimeMachineFixture

from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance import store
from lawtrail.compliance.actions import do_explain_lapse, do_import_bundle
from lawtrail.compliance.defects import DEFECTS
from lawtrail.compliance.export import export_case, export_cases
from lawtrail.compliance.models import CaseCheck, Deadline, LapseNote, StoredFinding
from lawtrail.compliance.samples import PROFILE_IDS
from lawtrail.documents.actions import do_correct_document, do_issue_document
from lawtrail.documents.steps import act_document, service_act
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, file_case, notify_rights, register_case

START = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing, a Monday


@dataclass
class Varied:
    cases: list[Case]
    closed: Case  # walked to 结案 by the actions: a decision served, its 送达回证 signed
    investigating: Case  # under investigation, no 权利告知书 yet
    emergency: Case  # started as an emergency, its approval due within hours


def imported(root: Any, profile_id: str, n: int, defect: str | None = None) -> Case:
    """An exemplary bundle of `profile_id` (with `defect` put in), under a 案号 and recordings of its own."""
    b = copy.deepcopy(bundles.example(profile_id))
    if defect is not None:
        DEFECTS[defect](b, get_profile(profile_id))
    b["case"]["number"] = f"批量〔2025〕第{n}号"
    for m in b["media"]:
        m["sha256"] = hashlib.sha256(f"{n}:{m['id']}".encode()).hexdigest()
        m["sm3"] = hashlib.sha256(f"sm3:{n}:{m['id']}".encode()).hexdigest()
    return do_import_bundle(b, actor=root)


@pytest.fixture
def varied(world: World, time_machine: TimeMachineFixture) -> Varied:
    time_machine.move_to(START, tick=False)
    # Every profile's exemplary case (each evaluated under its agency's rules, so most carry findings),
    # and a few with a defect: an unexplained pause, a service without its receipt, no case file.
    cases = [imported(world.root, pid, n) for n, pid in enumerate(PROFILE_IDS)]
    cases += [imported(world.root, "labor-inspection", 10 + n, defect)
              for n, defect in enumerate(("evidence_uninterrupted", "service_receipt_signed", "case_file"))]
    # A second agency under another profile: one batch holds cases of two profiles.
    farm = build_world("agriculture", name="测试区农业综合行政执法大队")
    cases.append(imported(farm.root, "agriculture", 20))
    closed = advance(world, register_case(world, title="结案待立卷"), Stage.CLOSED)
    investigating = advance(world, register_case(world, title="调查中"), Stage.INVESTIGATING)
    emergency = register_case(world, title="紧急先行启动", emergency=True, emergency_reason="劳动者聚集讨薪")
    cases += [closed, investigating, emergency]
    return Varied(cases, closed, investigating, emergency)


def loaded(cases: list[Case]) -> list[Case]:
    return list(store._cases().filter(pk__in=[c.pk for c in cases]).order_by("pk"))


def test_批量导出与逐件导出的数据包相同_查询次数不随案件增多(varied: Varied,
                                               time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(START + dt.timedelta(days=1), tick=False)
    cases = loaded(varied.cases)
    alone = {c.pk: export_case(c) for c in cases}
    together = export_cases(cases)
    assert list(together) == [c.pk for c in cases]
    assert together == alone
    # The check can fail: the cases' bundles differ, so a record given to the wrong case would show.
    assert len({json.dumps(b, sort_keys=True) for b in together.values()}) == len(cases)
    # The set reaches every part of a bundle read from its own table.
    for part in ("approvals", "transitions", "services", "documents", "media", "interruptions", "recording_stops",
                 "follow_ups"):
        assert any(b[part] for b in together.values()), part
    assert any(s["receipt_document"] for b in together.values() for s in b["services"])
    assert any(d["signatures"] for b in together.values() for d in b["documents"])
    assert any(b["case_file"] for b in together.values()) and any(not b["case_file"] for b in together.values())
    assert len({b["agency"]["profile"] for b in together.values()}) == 2

    # One query per table for the batch, however many cases it holds.
    few = loaded([varied.closed, varied.emergency])
    with CaptureQueriesContext(connection) as two:
        export_cases(few)
    with CaptureQueriesContext(connection) as all_of_them:
        export_cases(cases)
    assert len(all_of_them) == len(two)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row (findings, deadlines, check states), all its columns but the row id."""
    def rows(model: type[models.Model]) -> list[tuple[Any, ...]]:
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        return sorted(model._default_manager.values_list(*names), key=repr)
    return {m.__name__: rows(m) for m in (StoredFinding, Deadline, CaseCheck)}


def single_and_batched(cases: list[Case], now: dt.datetime, caplog: pytest.LogCaptureFixture,
                       ) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[tuple[Any, ...]]]]:
    """The rows stored by refreshing each case on its own, then — from the same starting rows — by
    `check_all`; check_all's rows stay."""
    mark = transaction.savepoint()
    for case in loaded(cases):
        store.refresh_case(case, now=now)
    single = snapshot()
    transaction.savepoint_rollback(mark)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lawtrail.compliance.store"):
        summary = store.check_all(now=now)
    assert summary.cases == len(cases) and not summary.failed
    # Checked in batches, not case by case after a batch failed.
    assert not [r for r in caplog.records if "not checked together" in r.getMessage()]
    return single, snapshot()


def test_全量重新检查存入的结果与逐件刷新相同(world: World, varied: Varied, time_machine: TimeMachineFixture,
                                   caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small batches: the cases span several batches, so rows are written for cases read together.
    monkeypatch.setattr(store, "BATCH", 5)
    first = START + dt.timedelta(hours=50)  # the emergency case's approval is late by now
    single, batched = single_and_batched(varied.cases, first, caplog)
    assert single == batched
    assert batched["CaseCheck"] and batched["StoredFinding"] and batched["Deadline"]

    # The records move: the rights notice given (a finding resolved); the emergency start approved
    # late and the lapse's reason recorded (a finding worded anew); the 送达回证 corrected (the
    # service's receipt is now the corrected version); and the clock moves (deadline states turn).
    time_machine.move_to(first + dt.timedelta(hours=1), tick=False)
    notify_rights(varied.investigating)
    file_case(world, varied.emergency)
    do_explain_lapse(varied.emergency, rule="emergency_start", subject="case", reason="负责人出差,次日补批",
                     actor=world.alice)
    receipt = next(act_document(varied.closed, service_act(sv.pk)) for sv in varied.closed.services.all())
    assert receipt is not None
    do_issue_document(do_correct_document(receipt, reason="受送达人姓名笔误", actor=varied.closed.handler),
                      actor=varied.closed.handler)
    later = first + dt.timedelta(days=40)
    single, batched_later = single_and_batched(varied.cases, later, caplog)
    assert single == batched_later
    # The check can fail: the stored rows did change.
    assert batched_later != batched
    assert StoredFinding.objects.filter(case=varied.investigating, resolved_at=later).exists()
    assert StoredFinding.objects.get(case=varied.emergency, rule="emergency_start", resolved_at__isnull=True).lapse
    assert LapseNote.objects.filter(case=varied.emergency).exists()

    # Nothing changed but the clock: only the times the rows were confirmed move.
    again = later + dt.timedelta(minutes=5)
    single, batched_again = single_and_batched(varied.cases, again, caplog)
    assert single == batched_again
    assert set(Deadline.objects.values_list("refreshed_at", flat=True)) == {again}
    assert set(StoredFinding.objects.filter(resolved_at__isnull=True).values_list("last_seen_at", flat=True)) == {again}
