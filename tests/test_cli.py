"""The `lawtrail` command, run as a user would: a subprocess on a throw-away data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LAWTRAIL = [sys.executable, "-m", "lawtrail"]


def run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LAWTRAIL_DATA_DIR": str(data_dir), **env}
    environment.pop("DATABASE_URL", None)  # these tests own their embedded database
    return subprocess.run([*LAWTRAIL, *args], capture_output=True, text=True, env=environment, timeout=900)


def test_it_lists_its_subcommands(tmp_path: Path) -> None:
    out = run(tmp_path, "--help")
    assert out.returncode == 0
    for sub in ("demo", "serve", "migrate", "cases", "token"):
        assert sub in out.stdout


@pytest.mark.slow
def test_it_loads_the_demo_once_and_lists_its_cases(tmp_path: Path) -> None:
    # Two of the five agencies (each loads the same way; all five are loaded by the run check,
    # scripts/run-check.sh, and in-process by test_demo_full.py).
    agencies = ("--profile", "labor-inspection", "--profile", "agriculture")
    first = run(tmp_path, "demo", *agencies)
    assert first.returncode == 0, first.stderr
    assert "已载入演示数据" in first.stdout and "zhangwei" in first.stdout
    # The logins are printed per agency.
    assert "【名山区劳动保障监察大队】" in first.stdout and "【名山区农业农村局】" in first.stdout
    assert "【跨机关监督】" in first.stdout and "jiandu" in first.stdout  # the supervising office
    assert (tmp_path / "lawtrail.sqlite3").exists()

    second = run(tmp_path, "demo", *agencies)
    assert second.returncode == 0 and "未重复载入" in second.stdout

    listed = run(tmp_path, "cases", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    # Loading twice made no duplicates: the labour agency's 8 and the agriculture agency's 7.
    per_agency: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        per_agency.setdefault(r["agency"], []).append(r)
    assert sorted(len(v) for v in per_agency.values()) == [7, 8]
    for agency_rows in per_agency.values():
        stages = {r["stage"] for r in agency_rows}
        assert {"registered", "filed", "investigating", "reviewing", "serving", "closed", "archived"} <= stages
    numbers = [r["number"] for r in rows if r["number"]]
    assert len(numbers) == len(set(numbers))
    assert all({"number", "stage", "unit", "handler", "party"} <= r.keys() for r in rows)

    text = run(tmp_path, "cases", "list", "--stage", "closed")
    assert "名劳监立〔" in text.stdout and "调查取证" not in text.stdout

    token = run(tmp_path, "token", "create", "zhangwei")
    assert token.returncode == 0 and token.stdout.startswith("lt_")
    missing = run(tmp_path, "token", "create", "nobody")
    assert missing.returncode == 2 and "不存在" in missing.stderr


def test_it_refuses_production_with_an_insecure_secret_key(tmp_path: Path) -> None:
    out = run(tmp_path, "migrate", LAWTRAIL_ENV="production", LAWTRAIL_SECRET_KEY="changeme")
    assert out.returncode == 2
    assert "LAWTRAIL_SECRET_KEY" in out.stderr
    assert "Traceback" not in out.stderr


def test_it_reports_an_unreachable_database_without_a_trace(tmp_path: Path) -> None:
    out = run(tmp_path, "cases", "list", DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    assert out.returncode != 0
    assert "Traceback" not in out.stderr and out.stderr.strip()


@pytest.mark.slow
def test_the_worker_registers_every_background_job_and_other_commands_load_none(tmp_path: Path) -> None:
    # Jobs register with the queue when their modules are imported; only `lawtrail worker` does that.
    environment = {**os.environ, "LAWTRAIL_DATA_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)
    assert run(tmp_path, "migrate").returncode == 0
    worker = subprocess.Popen([*LAWTRAIL, "worker"], env=environment, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    jobs = {"make_derivatives", "replicate_hourly", "fixity_nightly", "expire_uploads_nightly", "ledger.checkpoint",
            "backup.database", "backup.checkpoints", "bind_case_print", "sweep_prints",
            "compliance.refresh_case", "compliance.refresh_cases", "compliance.deadlines", "dashboards.refresh"}
    listed = ""
    try:
        assert worker.stdout is not None
        for line in worker.stdout:  # the consumer lists its commands once it is up (or exits)
            listed += line
            if all(job in listed for job in jobs):
                break
        # Its heartbeat tells the self-check that someone works the queue.
        doctor = json.loads(run(tmp_path, "doctor", "--json").stdout)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert all(job in listed for job in jobs), listed
    queue = next(c for c in doctor["checks"] if c["check"] == "queue")
    assert queue["status"] == "ok" and "后台任务进程在运行" in queue["message"], queue
    assert listed.count("Huey consumer started") == 1, listed  # logged once, not also by the root logger
    probe = ("import sys; from lawtrail.cli import main; main(['cases', 'list']); "
             "print(sorted(m for m in ('huey', 'av', 'lawtrail.evidence.jobs') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("[]"), out.stdout + out.stderr
