"""Taking a backup of the database into the replica, and restoring an empty data directory from it.

    from lawtrail.backup.core import backup, restore
    report = backup()                         # the database, the checkpoints, the originals
    report = restore(LocalStore("/mnt/offsite"))   # onto an empty data directory and database
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections

import lawtrail
from lawtrail.lib.errors import DomainError
from lawtrail.storage import Store, get_replica, get_store

FORMAT = "lawtrail-backup/1"
DATABASE_PREFIX = "database/"
CHECKPOINT_PREFIX = "checkpoints/"
# Environment variables never written to the replica: whoever reads the replica must not get the
# keys to the system with it (the ledger's signing key has its own custody, docs/backup.md).
_SECRET_WORDS = ("SECRET", "PASSWORD", "ACCESS_KEY", "TOKEN", "CREDENTIAL")


class BackupError(DomainError):
    status = 409


def _replica() -> Store:
    replica = get_replica()
    if replica is None:
        raise ImproperlyConfigured("未配置异地备份(LAWTRAIL_REPLICA_DIR 或 LAWTRAIL_REPLICA_S3_BUCKET),"
                                   "数据库备份写入异地备份")
    return replica


def _stamp(moment: dt.datetime) -> str:
    # Sorts by time, and is a valid store key segment (lower-case letters and digits only).
    return moment.strftime("%Y%m%dt%H%M%S%fz")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _put_json(store: Store, key: str, data: Any) -> None:
    store.put_stream(key, io.BytesIO((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")))


def _get_json(store: Store, key: str) -> Any:
    with store.open(key) as f:
        return json.loads(f.read().decode("utf-8"))


# ---------------------------------------------------------------- what a backup holds


def _facts(cursor: Any) -> dict[str, Any]:
    """What the copy holds, read from the copy's own snapshot (not the live database, which may
    have moved on): the last event, the ledger's size and newest tree head, the originals, the
    migrations. A restore compares these with what the replica learnt later."""
    cursor.execute("SELECT COUNT(*), MAX(id), MAX(occurred_at) FROM events_domainevent")
    count, last_id, last_at = cursor.fetchone()
    cursor.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_ledgerentry")
    entries = int(cursor.fetchone()[0])
    cursor.execute("SELECT tree_size, timestamp FROM ledger_checkpoint ORDER BY tree_size DESC, id DESC LIMIT 1")
    row = cursor.fetchone()
    cursor.execute("SELECT COUNT(*) FROM evidence_storedobject")
    originals = int(cursor.fetchone()[0])
    cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app")
    migrations = {app: name for app, name in cursor.fetchall()}
    if isinstance(last_at, dt.datetime):
        last_at = last_at.astimezone(dt.UTC).isoformat()
    elif isinstance(last_at, str):  # SQLite keeps UTC text
        last_at = dt.datetime.fromisoformat(last_at).replace(tzinfo=dt.UTC).isoformat()
    return {
        "events": {"count": int(count), "last_id": last_id, "last_at": last_at},
        "ledger": {"entries": entries,
                   "checkpoint": {"tree_size": int(row[0]), "timestamp": row[1]} if row else None},
        "originals": originals,
        "migrations": migrations,
    }


def _plain_database_url(url: str) -> str:
    """DATABASE_URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def configuration() -> dict[str, Any]:
    """The settings a restored installation needs, without secrets: every LAWTRAIL_* variable of
    this process (secrets left out by name) and the database URL without its password."""
    env: dict[str, str] = {}
    left_out: list[str] = []
    for name, value in sorted(os.environ.items()):
        if not (name.startswith("LAWTRAIL_") or name == "DATABASE_URL"):
            continue
        if any(word in name for word in _SECRET_WORDS):
            left_out.append(name)
            continue
        env[name] = _plain_database_url(value) if name == "DATABASE_URL" else value
    return {
        "environment": env,
        "secrets_left_out": left_out,
        "data_dir": str(settings.DATA_DIR),
        "time_zone": settings.TIME_ZONE,
        "ledger_origin": settings.LEDGER_ORIGIN,
        "ledger_key_file": str(settings.LEDGER_KEY_FILE),
        "store": get_store().describe(),
    }


def _signing_key() -> dict[str, Any]:
    """The public half of the signing key and where the key lives; the key itself is never copied."""
    from lawtrail.ledger.keys import load_public_key
    from lawtrail.verifier.checkpoint import key_id, public_key_text

    try:
        public = load_public_key()
    except DomainError:
        public = None
    return {"in_backup": False, "location": str(settings.LEDGER_KEY_FILE),
            "key_id": key_id(public) if public else None,
            "public_key": public_key_text(public) if public else None}


# ---------------------------------------------------------------- database copies


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _copy_sqlite(target: Path) -> dict[str, Any]:
    """SQLite's online backup API: one step, under one read transaction, so the copy is one
    consistent moment; in WAL mode the writers go on meanwhile (a stepped copy would restart on
    every write and might never finish on a busy server)."""
    path = _sqlite_path()
    if not path.is_file():
        raise BackupError("backup_no_database", f"数据库文件 {path} 不存在,没有可备份的数据库")
    # mode=rw: never create an empty database where the real one is missing.
    source = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=20)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            # The copy stands alone: no WAL file beside it to lose in transit.
            copy.execute("PRAGMA journal_mode=DELETE")
            (ok,) = copy.execute("PRAGMA integrity_check").fetchone()
            if ok != "ok":
                raise BackupError("backup_corrupt", f"数据库副本的完整性检查未通过:{ok}")
            return _facts(copy.cursor())
        finally:
            copy.close()
    finally:
        source.close()


def _pg_tool(name: str) -> str:
    folder = os.environ.get("LAWTRAIL_PG_BIN_DIR", "")
    found = shutil.which(name, path=folder) if folder else shutil.which(name)
    if not found:
        raise BackupError(f"{name.replace('_', '')}_missing",
                          f"找不到 {name}:PostgreSQL 数据库的备份与恢复使用 PostgreSQL 自带的 {name}"
                          "(Debian:apt-get install postgresql-client,版本不低于数据库服务器;"
                          "或用 LAWTRAIL_PG_BIN_DIR 指明其所在目录)")
    return found


def _pg_env() -> dict[str, str]:
    """libpq's variables for pg_dump/pg_restore: the password in the environment, not on a command line."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"),
                     ("PGDATABASE", "NAME")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _copy_postgresql(target: Path) -> dict[str, Any]:
    """pg_dump in its custom format, inside a snapshot this function holds open and reads the facts
    from: the dump and the manifest describe the same moment."""
    import psycopg

    pg_dump = _pg_tool("pg_dump")
    env = _pg_env()
    with psycopg.connect(host=env.get("PGHOST"), port=env.get("PGPORT"), user=env.get("PGUSER"),
                         password=env.get("PGPASSWORD"), dbname=env.get("PGDATABASE"), autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        facts = _facts(conn.cursor())
        done = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                               f"--snapshot={row[0]}", f"--file={target}"],
                              env=env, capture_output=True, text=True)
        conn.execute("COMMIT")
    if done.returncode != 0:
        raise BackupError("pg_dump_failed", f"pg_dump 未完成(退出码 {done.returncode}):{done.stderr.strip()[-500:]}")
    return facts


# ---------------------------------------------------------------- backup


@dataclass
class BackupReport:
    stamp: str
    target: str
    engine: str
    database_key: str
    size: int
    facts: dict[str, Any]
    checkpoints_shipped: int = 0
    originals_copied: int = 0
    originals_present: int = 0
    originals_failed: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ship_checkpoints(replica: Store | None = None) -> int:
    """Copy every signed tree head of the export directory that the replica lacks. The worker does
    this every minute: the replica then knows how far the ledger had grown after the last backup,
    which is what a restore names as lost."""
    replica = replica or _replica()
    folder = Path(settings.LEDGER_CHECKPOINT_DIR) if settings.LEDGER_CHECKPOINT_DIR else None
    if folder is None or not folder.is_dir():
        return 0
    shipped = 0
    known = _shipped.setdefault(replica.describe(), set())
    for path in sorted(folder.glob("checkpoint-*.json")):
        # Asked of the replica once per file and process, not every minute for every file of years.
        if path.name in known:
            continue
        key = CHECKPOINT_PREFIX + path.name
        if not replica.exists(key) and replica.put_file(key, path):
            shipped += 1
        known.add(path.name)
    return shipped


_shipped: dict[str, set[str]] = {}


def _refuse_unless_migrated() -> None:
    if "ledger_ledgerentry" not in connection.introspection.table_names():
        raise BackupError("backup_no_database", "数据库尚未创建或尚未迁移(lawtrail migrate),没有可备份的数据")


def backup_database(replica: Store | None = None) -> BackupReport:
    """A consistent online copy of the database, its facts and the configuration, into the replica."""
    replica = replica or _replica()
    _refuse_unless_migrated()
    started = time.perf_counter()
    stamp = _stamp(dt.datetime.now(dt.UTC))
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError("backup_engine", f"不支持备份该类数据库:{vendor}")
    name = "lawtrail.sqlite3" if vendor == "sqlite" else "lawtrail.pgdump"
    prefix = f"{DATABASE_PREFIX}{stamp}/"
    # The copy is made next to the replica (a link, not a second copy, on a local replica).
    with tempfile.TemporaryDirectory(dir=replica.staging_dir(), prefix="backup-") as tmp:
        copy = Path(tmp) / name
        facts = _copy_sqlite(copy) if vendor == "sqlite" else _copy_postgresql(copy)
        size = copy.stat().st_size
        digest = _sha256_file(copy)
        replica.put_file(prefix + name, copy)
    _put_json(replica, prefix + "config.json", configuration())
    manifest = {
        "format": FORMAT, "stamp": stamp, "taken_at": dt.datetime.now(dt.UTC).isoformat(),
        "engine": vendor, "lawtrail_version": lawtrail.__version__,
        "database": {"key": prefix + name, "sha256": digest, "size": size},
        "config": prefix + "config.json",
        "signing_key": _signing_key(),
        **facts,
    }
    # Written last: a backup that stopped half-way has no manifest and is never restored from.
    _put_json(replica, prefix + "manifest.json", manifest)
    return BackupReport(stamp=stamp, target=replica.describe(), engine=vendor, database_key=prefix + name,
                        size=size, facts=facts, seconds=round(time.perf_counter() - started, 3))


def backup() -> BackupReport:
    """`lawtrail backup`: the originals, the database, the originals stored meanwhile, then the signed
    tree heads. In that order, every original the copy names is in the replica."""
    from lawtrail.evidence.jobs import replicate

    replica = _replica()
    _refuse_unless_migrated()
    started = time.perf_counter()
    # Replicated before the copy too, so that the copy already holds the replication's own event
    # (made after it, that event would be the first thing a restore reports lost).
    before = replicate(replica=replica)
    report = backup_database(replica)
    after = replicate(replica=replica)
    report.originals_copied = len(before.copied) + len(after.copied)
    report.originals_present = after.present
    report.originals_failed = after.failed
    report.checkpoints_shipped = ship_checkpoints(replica)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def manifests(replica: Store) -> list[str]:
    """The stamps of the complete backups in the replica, oldest first."""
    stamps = {k[len(DATABASE_PREFIX):-len("/manifest.json")] for k in replica.iter_keys(DATABASE_PREFIX)
              if k.endswith("/manifest.json")}
    return sorted(stamps)


# ---------------------------------------------------------------- restore


@dataclass
class RestoreReport:
    stamp: str
    source: str
    taken_at: str
    engine: str
    events: dict[str, Any]
    ledger: dict[str, Any]
    originals_restored: int = 0
    originals_missing: list[str] = field(default_factory=list)
    # Found in the replica but newer than the backup: what was lost with the disk.
    newer_checkpoints: list[dict[str, Any]] = field(default_factory=list)
    newer_originals: list[dict[str, Any]] = field(default_factory=list)
    lost_entries: int = 0
    verify_ok: bool = False
    verify_problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_BENIGN = {"secret_key", "static"}  # what merely starting a command makes in a data directory


def data_dir_contents(path: Path) -> list[str]:
    """What a data directory already holds, apart from what any command makes on start; [] when empty.
    Run before Django starts, so nothing of ours has written there yet."""
    if not path.is_dir():
        return []
    found = []
    for entry in sorted(path.iterdir()):
        if entry.name in _BENIGN and (entry.is_file() or not any(entry.iterdir())):
            continue
        if entry.is_dir() and not any(entry.iterdir()):
            continue
        found.append(entry.name)
    return found


def _refuse_unless_empty() -> None:
    """Restore writes only into nothing: an existing database, originals or tree heads are never overwritten."""
    folder = Path(settings.DATA_DIR)
    if entries := data_dir_contents(folder):
        raise BackupError("restore_target_not_empty",
                          f"数据目录 {folder} 不是空的(已有 {'、'.join(entries[:5])}{'等' if len(entries) > 5 else ''}),"
                          "恢复只写入空的数据目录,不覆盖现有数据;请把 LAWTRAIL_DATA_DIR 指向一个新建的空目录后重试")
    if connection.vendor == "sqlite":
        path = _sqlite_path()
        if path.exists() and path.stat().st_size > 0:
            raise BackupError("restore_target_not_empty",
                              f"数据库文件 {path} 已存在,恢复不覆盖现有数据库;请指定新的数据库文件后重试")
    else:
        tables = connection.introspection.table_names()
        if tables:
            raise BackupError("restore_target_not_empty",
                              f"目标数据库 {settings.DATABASES['default']['NAME']} 中已有 {len(tables)} 张数据表,"
                              "恢复只写入空数据库;请新建一个空数据库并用 DATABASE_URL 指向它后重试")
    if next(iter(get_store().iter_keys("sha256/")), None) is not None:
        raise BackupError("restore_target_not_empty",
                          f"原始资料存储({get_store().describe()})中已有文件,恢复不覆盖现有存储;请指定空的存储后重试")


def _fetch(store: Store, key: str, target: Path, expected: dict[str, Any]) -> None:
    with store.open(key) as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())
    if target.stat().st_size != expected["size"] or _sha256_file(target) != expected["sha256"]:
        raise BackupError("backup_damaged", f"异地备份中的数据库副本 {key} 与备份清单记录的大小或 SHA-256 不符,未恢复")


def _restore_database(replica: Store, manifest: dict[str, Any]) -> None:
    folder = Path(settings.DATA_DIR)
    connections.close_all()
    with tempfile.TemporaryDirectory(dir=folder, prefix=".restore-") as tmp:
        copy = Path(tmp) / "database"
        _fetch(replica, manifest["database"]["key"], copy, manifest["database"])
        if manifest["engine"] == "sqlite":
            with sqlite3.connect(copy) as check:
                (ok,) = check.execute("PRAGMA integrity_check").fetchone()
            if ok != "ok":
                raise BackupError("backup_damaged", f"数据库副本的完整性检查未通过:{ok}")
            target = _sqlite_path()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(copy, target)
            return
        done = subprocess.run([_pg_tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner",
                               "--no-privileges", f"--dbname={settings.DATABASES['default']['NAME']}", str(copy)],
                              env=_pg_env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError("pg_restore_failed",
                              f"pg_restore 未完成(退出码 {done.returncode}),数据库未改动:{done.stderr.strip()[-500:]}")


def _restore_originals(replica: Store, report: RestoreReport) -> set[str]:
    """Every original the restored database refers to, copied from the replica and hash-checked
    against its key (the key is its SHA-256). Done without an action: recording it would add
    ledger entries the tree heads of the lost database never covered."""
    from lawtrail.evidence.models import StoredObject
    from lawtrail.retention.queries import disposed_object_keys

    primary = get_store()
    disposed = disposed_object_keys()
    known: set[str] = set()
    for key, sha256 in StoredObject.objects.order_by("id").values_list("key", "sha256").iterator():
        known.add(key)
        if key in disposed or primary.exists(key):
            continue
        if not replica.exists(key):
            report.originals_missing.append(key)
            continue
        with replica.open(key) as source:
            primary.put_stream(key, source)
        digest = hashlib.sha256()
        with primary.open(key) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            report.originals_missing.append(key)  # verify names it as changed
            continue
        report.originals_restored += 1
    return known


def _checkpoint_files(replica: Store, folder: Path) -> list[tuple[int, str, dict[str, Any]]]:
    """The replica's signed tree heads, copied into `folder` for verify: (size, file name, content)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for key in replica.iter_keys(CHECKPOINT_PREFIX):
        name = key[len(CHECKPOINT_PREFIX):]
        data = _get_json(replica, key)
        (folder / name).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if isinstance(data, dict) and isinstance(data.get("tree_size"), int):
            out.append((data["tree_size"], name, data))
    return sorted(out, key=lambda item: item[0])


def _config_env(config: dict[str, Any], folder: Path) -> str:
    """The recorded settings as shell lines, paths inside the old data directory moved into the new one."""
    old = config.get("data_dir") or ""
    lines = ["# 备份时的配置(不含密钥和口令);核对后在启动 LawTrail 的环境中加载,如 set -a; . ./config.env; set +a"]
    for name, value in config.get("environment", {}).items():
        if name in ("DATABASE_URL",):
            lines.append(f"# {name}={shlex.quote(value)}  (备份时的数据库;恢复后使用新的数据库)")
            continue
        if old and isinstance(value, str) and value.startswith(old):
            value = str(folder) + value[len(old):]
        lines.append(f"{name}={shlex.quote(value)}")
    for name in config.get("secrets_left_out", []):
        lines.append(f"# {name}=…  (密钥未写入备份,请从保管处取得)")
    return "\n".join(lines) + "\n"


def _install_signing_key(path: Path, manifest: dict[str, Any], report: RestoreReport) -> None:
    from lawtrail.ledger.keys import load_private_key
    from lawtrail.verifier.checkpoint import key_id

    target = Path(settings.LEDGER_KEY_FILE)
    key = load_private_key(path, create=False)
    recorded = (manifest.get("signing_key") or {}).get("key_id")
    if recorded and key_id(key.public_key()) != recorded:
        report.notes.append(f"所给签名密钥(标识 {key_id(key.public_key())})不是备份时的密钥(标识 {recorded});"
                            "若其间更替过密钥,以账本中的更替声明为准")
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(path.read_bytes())


def restore(replica: Store, *, stamp: str | None = None, signing_key: Path | None = None,
            public_key: Any = None) -> RestoreReport:
    """Rebuild an empty data directory (and empty database) from the newest complete backup in
    `replica`: database, originals, configuration; then verify it with the replica's signed tree
    heads and name what the replica knows of that is newer than the backup."""
    from lawtrail.ledger.keys import load_public_key
    from lawtrail.ledger.verify import verify_ledger
    from lawtrail.verifier.checkpoint import load_public_key as parse_public_key

    started = time.perf_counter()
    _refuse_unless_empty()
    stamps = manifests(replica)
    if not stamps:
        raise BackupError("no_backup", f"{replica.describe()} 中没有完整的数据库备份(database/…/manifest.json)")
    if stamp is not None and stamp not in stamps:
        raise BackupError("no_backup", f"{replica.describe()} 中没有时间戳为 {stamp} 的完整备份")
    stamp = stamp or stamps[-1]
    manifest = _get_json(replica, f"{DATABASE_PREFIX}{stamp}/manifest.json")
    if manifest.get("format") != FORMAT:
        raise BackupError("backup_format", f"备份清单的格式 {manifest.get('format')!r} 无法识别")
    if manifest["engine"] != connection.vendor:
        raise BackupError("restore_engine",
                          f"该备份来自 {manifest['engine']} 数据库,而目标是 {connection.vendor};"
                          "请用同类数据库恢复(DATABASE_URL)")
    report = RestoreReport(stamp=stamp, source=replica.describe(), taken_at=manifest["taken_at"],
                           engine=manifest["engine"], events=manifest["events"], ledger=manifest["ledger"])
    folder = Path(settings.DATA_DIR)
    _restore_database(replica, manifest)
    known = _restore_originals(replica, report)

    work = folder / "restore"
    work.mkdir(exist_ok=True)
    config = _get_json(replica, manifest["config"])
    (work / "config.env").write_text(_config_env(config, folder), encoding="utf-8")
    report.notes.append(f"备份时的配置(不含密钥)已写入 {work / 'config.env'},请核对后加载")
    if signing_key is not None:
        _install_signing_key(signing_key, manifest, report)
    if public_key is None and load_public_key() is None:
        recorded = (manifest.get("signing_key") or {}).get("public_key")
        if recorded:
            public_key = parse_public_key(recorded)
            report.notes.append("签名密钥未恢复(--signing-key):用备份清单中记录的公钥核验签名树头,"
                                "请与机关保存的公钥(lawtrail ledger public-key)核对;"
                                "恢复签名密钥前不要启动 lawtrail worker,否则会生成新密钥")

    heads = _checkpoint_files(replica, work / "checkpoints")
    entries = int(manifest["ledger"]["entries"])
    report.newer_checkpoints = [{"file": name, "tree_size": size, "timestamp": data.get("timestamp")}
                                for size, name, data in heads if size > entries]
    report.lost_entries = max([size for size, _, _ in heads] + [entries]) - entries
    for key in replica.iter_keys("sha256/"):
        if key not in known:
            report.newer_originals.append({"key": key, "size": replica.size(key)})

    result = verify_ledger(public_key=public_key, checkpoint_dirs=[str(work / "checkpoints")])
    # A tree head newer than the backup is the loss named above, not a fault of what was restored.
    problems = [p for p in result.problems if p.code != "database_rolled_back"]
    report.verify_ok = not problems
    report.verify_problems = [asdict(p) for p in problems]
    report.notes.extend(result.notes)
    report.seconds = round(time.perf_counter() - started, 3)
    (work / "report.json").write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    return report

