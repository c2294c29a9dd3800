"""Losing the disk: `lawtrail backup` into the replica, `lawtrail restore` onto an empty machine.

Run as an operator would, in subprocesses on throw-away data directories, on the database the suite
runs on: SQLite, or PostgreSQL (databases of their own beside the test database, made and dropped
here). The office's demo is loaded once for the module and copied for each test."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from lawtrail.testing import media

LAWTRAIL = [sys.executable, "-m", "lawtrail"]
OFFICER = "川劳监2026001"  # zhangwei in the demo data

pytestmark = [pytest.mark.slow,
              # One worker takes the module, so the office template is built once (Makefile: --dist loadgroup).
              pytest.mark.xdist_group("backup_restore")]


def _pg_url() -> str:
    return os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""


def _pg_database(url: str, name: str) -> str:
    """A fresh, empty database `name` on the suite's PostgreSQL server; its URL."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


class Machine:
    """One installation: its data directory and, on PostgreSQL, its database."""

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self.data_dir, self.database_url = data_dir, database_url

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "LAWTRAIL_DATA_DIR": str(self.data_dir), **env}
        for name in ("DATABASE_URL", "LAWTRAIL_S3_BUCKET", "LAWTRAIL_REPLICA_S3_BUCKET", "LAWTRAIL_STORE_DIR",
                     "LAWTRAIL_REPLICA_DIR", "LAWTRAIL_LEDGER_CHECKPOINT_DIR", "DJANGO_SETTINGS_MODULE"):
            environment.pop(name, None)
        environment.update(env)
        if self.database_url:
            environment["DATABASE_URL"] = self.database_url
        return subprocess.run([*LAWTRAIL, *args], capture_output=True, text=True, env=environment, timeout=600)


@pytest.fixture(scope="module")
def office_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machine]:
    """The office's server with the labour agency's demo, loaded once for the module (through the
    CLI, as an office would); each test works on its own copy of it (`machines`)."""
    url = _pg_url()
    template = Machine(tmp_path_factory.mktemp("office-template"),
                       _pg_database(url, f"{urlsplit(url).path.lstrip('/')}_office_tpl") if url else "")
    try:
        done = template.run("demo", "--profile", "labor-inspection")
        assert done.returncode == 0, done.stderr
        yield template
    finally:
        if template.database_url:
            _drop(template.database_url)


def _copy_of(template: Machine, data_dir: Path, name: str) -> Machine:
    """A copy of the template machine: its data directory copied, and on PostgreSQL a new database
    made from the template's (CREATE DATABASE … TEMPLATE)."""
    shutil.copytree(template.data_dir, data_dir, symlinks=True)
    if not template.database_url:
        return Machine(data_dir)
    import psycopg

    parts = urlsplit(template.database_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{parts.path.lstrip("/")}"')
    return Machine(data_dir, urlunsplit(parts._replace(path=f"/{name}")))


@pytest.fixture
def machines(office_template: Machine, tmp_path: Path) -> Iterator[tuple[Machine, Machine]]:
    """The office's server, with the demo loaded, and a new empty machine to restore onto."""
    url = _pg_url()
    base = urlsplit(url).path.lstrip("/")
    office = _copy_of(office_template, tmp_path / "office", f"{base}_drill")
    spare = Machine(tmp_path / "spare", _pg_database(url, f"{base}_restore") if url else "")
    try:
        yield office, spare
    finally:
        for u in (office.database_url, spare.database_url):
            if u:
                _drop(u)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_restore_drill_rebuilds_the_demo_on_an_empty_machine_and_names_what_came_after(
        machines: tuple[Machine, Machine], tmp_path: Path) -> None:
    office, spare = machines
    replica = tmp_path / "offsite"
    with_replica = {"LAWTRAIL_REPLICA_DIR": str(replica)}
    assert office.run("ledger", "checkpoint").returncode == 0
    secret = "s3cr3t-" * 10  # whoever reads the replica must not get the keys with it
    backup = office.run("backup", "--json", LAWTRAIL_SECRET_KEY=secret, **with_replica)
    assert backup.returncode == 0, backup.stderr
    taken = json.loads(backup.stdout)
    copied = [p.name for p in replica.rglob("*") if p.is_file()]
    assert "ledger-signing.key" not in copied and "secret_key" not in copied
    text = (replica / "database" / taken["stamp"] / "config.json").read_text(encoding="utf-8")
    config = json.loads(text)
    assert "LAWTRAIL_REPLICA_DIR" in config["environment"] and secret not in text
    assert "LAWTRAIL_SECRET_KEY" in config["secrets_left_out"]
    signing = (office.data_dir / "ledger-signing.key").read_text()
    assert not any(signing in p.read_text(errors="replace") for p in replica.rglob("*.json"))

    # After the backup the office goes on working: a clip is ingested and replicated, a tree head
    # signed and shipped; then the disk dies.
    clip = media.make_clip(tmp_path / "after-backup.mp4", seconds=1.0)
    ingest = office.run("ingest", str(clip), "--officer", OFFICER, "--json", **with_replica)
    assert ingest.returncode == 0, ingest.stderr
    late_key = json.loads(ingest.stdout.splitlines()[0])["object_key"]
    assert office.run("backup", "replicate", **with_replica).returncode == 0
    assert office.run("ledger", "checkpoint").returncode == 0
    assert office.run("backup", "checkpoints", **with_replica).returncode == 0
    key_file = tmp_path / "custody" / "ledger-signing.key"  # kept apart from the data, as the docs say
    key_file.parent.mkdir()
    shutil.copy(office.data_dir / "ledger-signing.key", key_file)

    restored = spare.run("restore", "--from", str(replica), "--signing-key", str(key_file), "--json")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    report = json.loads(restored.stdout)
    assert report["verify_ok"] and report["verify_problems"] == []
    assert report["events"]["count"] == taken["facts"]["events"]["count"]
    # Every original the copy names is back (the demo's destroyed clip is no longer one to restore).
    assert 0 < report["originals_restored"] <= taken["facts"]["originals"] and report["originals_missing"] == []
    # What the replica knows of that the backup does not hold is named.
    assert [o["key"] for o in report["newer_originals"]] == [late_key]
    assert report["lost_entries"] > 0 and report["newer_checkpoints"]
    human = spare.run("restore", "--from", str(replica))
    assert human.returncode == 2 and "不是空的" in human.stderr

    # The restored machine verifies clean on its own, and holds the same originals bit for bit.
    verify = spare.run("verify", "--json")
    assert verify.returncode == 0, verify.stdout
    assert json.loads(verify.stdout)["evidence_checked"] >= 1
    for original in (office.data_dir / "store" / "sha256").rglob("*"):
        if original.is_file() and original.name != late_key.rsplit("/", 1)[-1]:
            twin = spare.data_dir / "store" / original.relative_to(office.data_dir / "store")
            assert _sha256(twin) == _sha256(original)
    cases = spare.run("cases", "list", "--json")
    assert cases.returncode == 0 and len(json.loads(cases.stdout)) == len(
        json.loads(office.run("cases", "list", "--json").stdout))
    assert (spare.data_dir / "restore" / "config.env").is_file()


def test_it_refuses_to_restore_over_a_machine_that_holds_data(machines: tuple[Machine, Machine],
                                                              tmp_path: Path) -> None:
    # The operator points restore at the live office server by mistake.
    office, _ = machines
    replica = tmp_path / "offsite"
    assert office.run("backup", LAWTRAIL_REPLICA_DIR=str(replica)).returncode == 0
    database = office.data_dir / "lawtrail.sqlite3"
    before = _sha256(database) if not office.database_url else ""
    out = office.run("restore", "--from", str(replica))
    assert out.returncode == 2
    assert "恢复只写入空的数据目录,不覆盖现有数据" in out.stderr and "Traceback" not in out.stderr
    if not office.database_url:
        assert _sha256(database) == before


def test_a_damaged_or_half_written_backup_is_never_restored(machines: tuple[Machine, Machine], tmp_path: Path) -> None:
    office, spare = machines
    replica = tmp_path / "offsite"
    assert office.run("backup", LAWTRAIL_REPLICA_DIR=str(replica)).returncode == 0
    [folder] = (replica / "database").iterdir()
    copy = next(p for p in folder.iterdir() if p.name.startswith("lawtrail."))
    copy.chmod(0o644)
    with copy.open("r+b") as f:  # one flipped byte in transit or on the off-site disk
        f.seek(copy.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    out = spare.run("restore", "--from", str(replica))
    assert out.returncode == 2 and "SHA-256 不符" in out.stderr
    assert not (spare.data_dir / "lawtrail.sqlite3").exists()

    (folder / "manifest.json").chmod(0o644)
    (folder / "manifest.json").unlink()  # the backup stopped before its manifest
    out = spare.run("restore", "--from", str(replica))
    assert out.returncode == 2 and "没有完整的数据库备份" in out.stderr


def test_a_backup_without_a_replica_or_without_pg_dump_says_what_is_missing(
        machines: tuple[Machine, Machine], tmp_path: Path) -> None:
    office, _ = machines
    out = office.run("backup")
    assert out.returncode == 2 and "未配置异地备份" in out.stderr
    if office.database_url:
        empty = tmp_path / "no-tools"
        empty.mkdir()
        out = office.run("backup", LAWTRAIL_REPLICA_DIR=str(tmp_path / "offsite"), LAWTRAIL_PG_BIN_DIR=str(empty))
        assert out.returncode == 2 and "找不到 pg_dump" in out.stderr and "postgresql-client" in out.stderr


def test_a_backup_of_a_machine_with_no_database_yet_says_so(tmp_path: Path) -> None:
    # A cron job set up before the first `lawtrail migrate`: no empty "backup" is written.
    fresh = Machine(tmp_path / "fresh")
    out = fresh.run("backup", LAWTRAIL_REPLICA_DIR=str(tmp_path / "offsite"))
    assert out.returncode == 2 and "尚未迁移" in out.stderr
    assert not (tmp_path / "offsite" / "database").exists()
