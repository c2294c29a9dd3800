"""`lawtrail ledger …` and `lawtrail verify`, run as an operator would: subprocesses on a throw-away
embedded data directory, tampered with through SQLite itself."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

LAWTRAIL = [sys.executable, "-m", "lawtrail"]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LAWTRAIL_DATA_DIR": str(data_dir)}
    environment.pop("DATABASE_URL", None)  # these tests own their embedded database
    return subprocess.run([*LAWTRAIL, *args], capture_output=True, text=True, env=environment, timeout=900,
                          cwd=data_dir)


@pytest.mark.slow
def test_an_operator_signs_exports_proves_and_verify_names_a_tampered_entry(tmp_path: Path) -> None:
    assert run(tmp_path, "demo", "--profile", "labor-inspection").returncode == 0
    signed = run(tmp_path, "ledger", "checkpoint")
    assert signed.returncode == 0 and "已签署签名树头 #1" in signed.stdout
    assert (tmp_path / "ledger-signing.key").exists()  # the key: a file in the data dir, not in the database
    clean = run(tmp_path, "verify")
    assert clean.returncode == 0 and "结论:全部一致" in clean.stdout, clean.stdout + clean.stderr

    assert run(tmp_path, "ledger", "export-checkpoint", "--out", "witness.json").returncode == 0
    assert run(tmp_path, "ledger", "prove", "3", "--witness", "witness.json", "--out", "proof.json").returncode == 0
    public = json.loads(run(tmp_path, "ledger", "public-key", "--json").stdout)["public_key"]
    checked = subprocess.run([sys.executable, "-m", "lawtrail.verifier", "bundle", "proof.json", "--public-key", public],
                             capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert checked.returncode == 0 and "结论:全部核验通过" in checked.stdout, checked.stdout + checked.stderr

    db = sqlite3.connect(tmp_path / "lawtrail.sqlite3")
    with db:
        db.execute("DROP TRIGGER ledger_ledgerentry_no_update")
        db.execute("UPDATE ledger_ledgerentry SET canonical = CAST(REPLACE(CAST(canonical AS TEXT), 'cli', 'web') "
                   "AS BLOB) WHERE seq = 3")
    db.close()
    tampered = run(tmp_path, "verify", "--json", "--witness", "witness.json")
    assert tampered.returncode == 1
    report = json.loads(tampered.stdout)
    assert {"entry_hash", "event_mismatch", "checkpoint_root", "witness_root", "triggers_missing"} <= {
        p["code"] for p in report["problems"]}
    assert {p["entry"] for p in report["problems"] if p["code"] == "entry_hash"} == {3}
    text = run(tmp_path, "verify")
    assert text.returncode == 1 and "条目 #3 的内容与其叶哈希不符" in text.stdout

    bad = run(tmp_path, "ledger", "prove", "abc")
    assert bad.returncode == 2 and "条目号应为整数" in bad.stderr
    missing = run(tmp_path, "verify", "--witness", "nowhere.json")
    assert missing.returncode == 2 and "无法读取见证方文件" in missing.stderr and "Traceback" not in missing.stderr
