"""Retention per record: computed from the agency's profile, the longest of linked cases, never shortened."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, connection, transaction
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.evidence.actions import do_link_evidence
from lawtrail.evidence.models import Evidence
from lawtrail.profiles.registry import all_profiles
from lawtrail.retention import queries
from lawtrail.retention.actions import do_flag_long_term, do_recompute_retention
from lawtrail.retention.models import RetentionState
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing, file_case, register_case

RECORDED = beijing(2026, 1, 15, 9, 0)


@pytest.fixture
def vault(settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> Path:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    return use_fresh_vault(settings, tmp_path / "vault")


def clip(world: World, tmp_path: Path, name: str, *, at: dt.datetime = RECORDED, **options: object) -> Evidence:
    path = media.make_clip(tmp_path / name, seconds=1, created=at, audio=False)
    return ingest(path, officer=world.alice, **options)  # type: ignore[arg-type]


def test_patrol_footage_is_kept_as_each_agencys_profile_says(db: None, vault: Path, tmp_path: Path) -> None:
    labour = build_world("labor-inspection")
    commission = build_world("commission-rules", name="某委员会")
    a = clip(labour, tmp_path, "a.mp4")
    b = clip(commission, tmp_path, "b.mp4", at=RECORDED + dt.timedelta(seconds=1))
    kept_a, kept_b = queries.explain_evidence(a), queries.explain_evidence(b)
    assert kept_a["retention"]["until"] == "2028-01-15"
    assert kept_a["retention"]["rule"]["article"] == "第三十九条"
    assert "同步录音录像资料信息保存期限为两年" in kept_a["retention"]["rule"]["quote"]
    assert kept_b["retention"]["until"] == "2026-07-15"
    assert kept_b["retention"]["rule"]["article"] == "第二十条"
    assert "日常巡查的视音频资料保存期限不少于6个月" in kept_b["retention"]["rule"]["quote"]
    assert kept_a["why"][0].startswith("保存期限至 2028-01-15")


def test_a_case_file_kept_by_archives_rules_never_falls_due_by_itself(world: World, vault: Path) -> None:
    case = file_case(world, register_case(world))
    explained = queries.explain_case(case)
    assert explained["retention"]["kind"] == "indefinite"
    assert explained["retention"]["rule"]["article"] == "第三十四条"
    assert explained["why"][0].startswith("不自动到期")


def test_a_record_shared_by_two_cases_keeps_the_longest(world: World, vault: Path, tmp_path: Path) -> None:
    path = media.make_clip(tmp_path / "same.mp4", seconds=1, created=RECORDED, audio=False)
    first = ingest(path, officer=world.alice)
    second = ingest(path, officer=world.alice, name="copy.mp4")
    case_a = file_case(world, register_case(world, title="甲案"))
    case_b = file_case(world, register_case(world, title="乙案"))
    do_link_evidence(first, case=case_a, actor=world.alice)
    do_link_evidence(second, case=case_b, actor=world.alice)
    do_flag_long_term(case_b, kind="obstruction", reason="当事人阻挠检查", actor=world.hank)
    first.refresh_from_db()
    explained = queries.explain_evidence(first)
    assert explained["retention"]["kind"] == "long_term"
    assert explained["retention"]["basis"].startswith(f"同一原始文件亦为案件 {case_b.label}的音像资料,取最长期限")
    assert {c["id"] for c in explained["cases"]} == {case_a.pk, case_b.pk}
    assert [t["kind"] for t in explained["triggers"]] == ["obstruction"]
    assert first.retention_long_term is True


@pytest.fixture
def shorter_profile(settings: Settings, tmp_path: Path) -> Iterator[Path]:
    """The commission's profile as it would read if patrol footage were kept only one month."""
    source = Path(django_settings.BASE_DIR) / "profiles" / "data" / "commission-rules.yaml"
    text = source.read_text(encoding="utf-8").replace("keep: {amount: 6, unit: months}",
                                                      "keep: {amount: 1, unit: months}")
    assert "amount: 1, unit: months" in text
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "commission-rules.yaml").write_text(text, encoding="utf-8")
    yield folder
    all_profiles.cache_clear()


def test_a_retention_is_never_shortened_by_a_recomputation(db: None, vault: Path, tmp_path: Path,
                                                           settings: Settings, shorter_profile: Path) -> None:
    world = build_world("commission-rules", name="某委员会")
    ev = clip(world, tmp_path, "patrol.mp4")
    do_recompute_retention(agency_id=world.agency.pk)
    state = RetentionState.objects.get(evidence=ev)
    assert state.until == dt.date(2026, 7, 15)

    settings.PROFILE_DIRS = [*settings.PROFILE_DIRS, shorter_profile]
    all_profiles.cache_clear()
    assert do_recompute_retention(agency_id=world.agency.pk) == []
    state.refresh_from_db()
    ev.refresh_from_db()
    assert (state.until, ev.retention_until) == (dt.date(2026, 7, 15), dt.date(2026, 7, 15))
    explained = queries.explain_evidence(ev)
    assert explained["by_current_rules"]["until"] == "2026-02-15"
    assert explained["retention"]["until"] == "2026-07-15"
    assert explained["floor_kept"] is True
    assert any("不自动缩短" in line for line in explained["why"])
    # The database refuses it too, whoever writes.
    for sql, params in (("UPDATE retention_retentionstate SET until = %s WHERE id = %s", ["2026-02-15", state.pk]),
                        ("DELETE FROM retention_retentionstate WHERE id = %s", [state.pk])):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_a_recomputation_extends_when_the_rules_say_longer(db: None, vault: Path, tmp_path: Path) -> None:
    world = build_world("commission-rules", name="某委员会")
    ev = clip(world, tmp_path, "patrol.mp4")
    do_recompute_retention(agency_id=world.agency.pk)
    case = file_case(world, register_case(world))
    do_link_evidence(ev, case=case, actor=world.alice)  # case evidence: as long as the case file
    changed = do_recompute_retention(agency_id=world.agency.pk)
    assert [(c["id"], c["kind"]) for c in changed if c["record"] == "evidence"] == [(ev.pk, "indefinite")]
    assert RetentionState.objects.get(evidence=ev).until is None
