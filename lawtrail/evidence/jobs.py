"""Background jobs (Huey): derivatives for viewing, replication to the off-site copy, fixity.

Each job reads originals and records its result through an action; none writes to an
original. Enqueued after commit (transaction.on_commit), so a job never sees a record that
was rolled back. `lawtrail worker` runs the consumer, with the periodic ones on schedule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from lawtrail.evidence import derivatives, hooks
from lawtrail.evidence.actions import (
    do_attach_derivatives,
    do_record_fixity,
    do_record_replication,
    do_record_restore,
)
from lawtrail.evidence.choices import DerivativeStatus, MediaKind
from lawtrail.evidence.models import Evidence, StoredObject, UploadSession
from lawtrail.evidence.staging import CHUNK, new_sm3
from lawtrail.lib import timez
from lawtrail.storage import Store, get_replica, get_store

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- derivatives


def _destroyed(ev: Evidence) -> str:
    """Why no preview is made for a record destroyed under a disposal record (lawtrail/retention),
    or "" while it is kept. A job queued before the disposal ends with this reason, not an error."""
    return hooks.retention.disposed(ev)


def build_derivatives(evidence_id: int) -> Evidence:
    ev = Evidence.objects.select_related("stored").get(pk=evidence_id)
    if gone := _destroyed(ev):
        return do_attach_derivatives(ev, proxy_status=DerivativeStatus.NOT_NEEDED, detail=gone)
    twin = (Evidence.objects.filter(stored=ev.stored, proxy_status__in=[DerivativeStatus.READY,
                                                                          DerivativeStatus.NOT_NEEDED])
            .exclude(pk=ev.pk).first())
    if twin is not None:
        # The same bytes were ingested before: their derivatives serve this record too.
        return do_attach_derivatives(ev, proxy_status=twin.proxy_status, proxy_key=twin.proxy_key,
                                     thumb_key=twin.thumb_key, detail="与相同内容的记录共用")
    store = get_store()
    thumb_key = proxy_key = ""
    status = DerivativeStatus.NOT_NEEDED
    detail = ""
    try:
        if ev.media_kind in (MediaKind.VIDEO, MediaKind.PHOTO):
            with store.open(ev.stored.key) as source:
                thumb = derivatives.make_thumbnail(source)
            if thumb:
                thumb_key = derivatives.store_bytes(store, "thumb", thumb, "jpg")
        browser_safe = bool((ev.facts or {}).get("browser_safe"))
        if ev.media_kind in (MediaKind.VIDEO, MediaKind.AUDIO) and not browser_safe:
            target = derivatives.temp_path(store, "proxy")
            try:
                with store.open(ev.stored.key) as source:
                    ext = derivatives.make_proxy(source, target)
                proxy_key = derivatives.store_file(store, "proxy", target, ext)
            finally:
                target.unlink(missing_ok=True)
            status = DerivativeStatus.READY
    except Exception as err:  # noqa: BLE001 — a damaged original still gets recorded, just without preview
        if gone := _destroyed(ev):  # destroyed while this job ran
            status, detail = DerivativeStatus.NOT_NEEDED, gone
        else:
            log.warning("derivatives for evidence %s failed: %s", evidence_id, err)
            status, detail = DerivativeStatus.FAILED, f"{type(err).__name__}: {err}"
    return do_attach_derivatives(ev, proxy_status=status, proxy_key=proxy_key, thumb_key=thumb_key, detail=detail)


@db_task()
def make_derivatives(evidence_id: int) -> None:
    build_derivatives(evidence_id)


# ---------------------------------------------------------------- hashing stored objects


def _kept(qs: QuerySet[StoredObject]) -> QuerySet[StoredObject]:
    """Retention and disposal (lawtrail/retention): objects destroyed under a disposal record are
    neither checked, replicated nor restored."""
    return hooks.retention.kept(qs)


def digests_of(store: Store, key: str) -> tuple[str, str, int]:
    sha256, sm3, size = hashlib.sha256(), new_sm3(), 0
    with store.open(key) as f:
        while chunk := f.read(CHUNK):
            sha256.update(chunk)
            sm3.update(chunk)
            size += len(chunk)
    return sha256.hexdigest(), sm3.hexdigest(), size


# ---------------------------------------------------------------- replication


@dataclass
class ReplicationReport:
    target: str
    copied: list[str] = field(default_factory=list)
    present: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)


def replicate(*, primary: Store | None = None, replica: Store | None = None) -> ReplicationReport:
    """Copy every stored original the replica lacks; a copy counts once its hash is checked there."""
    primary = primary or get_store()
    replica = replica or get_replica()
    if replica is None:
        raise ImproperlyConfigured("未配置异地备份(LAWTRAIL_REPLICA_DIR 或 LAWTRAIL_REPLICA_S3_BUCKET)")
    report = ReplicationReport(target=replica.describe())
    confirmed: list[str] = []
    for stored in _kept(StoredObject.objects.order_by("id")).iterator():
        if replica.size(stored.key) == stored.size:
            report.present += 1
            if stored.replicated_at is None:
                confirmed.append(stored.key)
            continue
        try:
            with primary.open(stored.key) as source:
                replica.put_stream(stored.key, source)
            sha256, sm3, size = digests_of(replica, stored.key)
            if (sha256, sm3, size) != (stored.sha256, stored.sm3, stored.size):
                raise ValueError("备份副本的杂凑值与原始记录不一致")
        except Exception as err:  # noqa: BLE001 — one bad object must not stop the others
            report.failed.append({"key": stored.key, "error": str(err)})
            continue
        report.copied.append(stored.key)
        confirmed.append(stored.key)
    if confirmed:
        do_record_replication(confirmed, target=report.target)
    return report


@db_periodic_task(crontab(minute="17"))
def replicate_hourly() -> None:
    if get_replica() is not None:
        replicate()


# ---------------------------------------------------------------- fixity


@dataclass
class FixityReport:
    store: str
    checked: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _names(stored: StoredObject) -> list[str]:
    return list(stored.records.values_list("original_name", flat=True)[:20])


def fixity(*, store: Store | None = None, record: bool = True) -> FixityReport:
    """Re-hash every stored original; report each missing or changed object by key and file names."""
    store = store or get_store()
    report = FixityReport(store=store.describe())
    for stored in _kept(StoredObject.objects.order_by("id")).iterator():
        report.checked.append(stored.key)
        if not store.exists(stored.key):
            report.problems.append({"key": stored.key, "problem": "missing", "names": _names(stored),
                                    "message": f"对象缺失:{stored.key}({'、'.join(_names(stored))})"})
            continue
        sha256, sm3, size = digests_of(store, stored.key)
        if (sha256, sm3, size) != (stored.sha256, stored.sm3, stored.size):
            report.problems.append({
                "key": stored.key, "problem": "mismatch", "names": _names(stored),
                "expected": {"sha256": stored.sha256, "sm3": stored.sm3, "size": stored.size},
                "found": {"sha256": sha256, "sm3": sm3, "size": size},
                "message": f"内容与入库时不一致:{stored.key}({'、'.join(_names(stored))})",
            })
    if record:
        do_record_fixity(checked=report.checked, problems=report.problems, store=report.store)
    return report


@db_periodic_task(crontab(minute="43", hour="2"))
def fixity_nightly() -> None:
    report = fixity()
    for problem in report.problems:
        log.error("fixity: %s", problem["message"])


# ---------------------------------------------------------------- restore


@dataclass
class RestoreReport:
    restored: list[str] = field(default_factory=list)  # were missing
    replaced: list[str] = field(default_factory=list)  # were damaged
    failed: list[dict[str, str]] = field(default_factory=list)


def restore(keys: list[str] | None = None, *, primary: Store | None = None,
            replica: Store | None = None) -> RestoreReport:
    """Bring back, from the replica, each original the primary lacks or holds damaged, bit-exact.

    Without `keys`: every missing object, and every object the last fixity run found damaged
    (re-hashed here first). With `keys`: those objects, each re-hashed. A damaged object is
    replaced only by a replica copy whose SHA-256, SM3 and size match what was recorded at
    ingest; its damaged bytes are kept aside (see Store.replace_damaged), and the replacement is
    a recorded action naming both.
    """
    primary = primary or get_store()
    replica = replica or get_replica()
    if replica is None:
        raise ImproperlyConfigured("未配置异地备份(LAWTRAIL_REPLICA_DIR 或 LAWTRAIL_REPLICA_S3_BUCKET)")
    report = RestoreReport()
    qs = _kept(StoredObject.objects.order_by("id"))
    if keys:
        qs = qs.filter(key__in=keys)
    for stored in qs.iterator():
        expected = (stored.sha256, stored.sm3, stored.size)
        damaged: dict[str, Any] | None = None
        if primary.exists(stored.key):
            if not keys and stored.verified_ok is not False:
                continue  # not flagged by fixity: not re-hashed on every restore
            sha256, sm3, size = digests_of(primary, stored.key)
            if (sha256, sm3, size) == expected:
                continue
            damaged = {"sha256": sha256, "sm3": sm3, "size": size}
        try:
            if replica.size(stored.key) is None:
                raise FileNotFoundError("备份中也没有该对象")
            if digests_of(replica, stored.key) != expected:
                raise ValueError("备份副本的杂凑值与原始记录不一致,未恢复")
            aside = ""
            with replica.open(stored.key) as source:
                if damaged is None:
                    primary.put_stream(stored.key, source)
                else:
                    aside = primary.replace_damaged(stored.key, source)
            if digests_of(primary, stored.key) != expected:
                raise ValueError("恢复后的对象杂凑值不一致")
        except Exception as err:  # noqa: BLE001 — report per object
            report.failed.append({"key": stored.key, "error": str(err)})
            continue
        do_record_restore(stored, source=replica.describe(), damaged=damaged, kept_aside=aside)
        (report.restored if damaged is None else report.replaced).append(stored.key)
    return report


# ---------------------------------------------------------------- abandoned uploads


def expire_uploads(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Drop the part files of uploads nobody continued for a week (never an original: they were never ingested)."""
    from lawtrail.evidence import uploads

    cutoff = timez.now() - older_than
    stale = UploadSession.objects.filter(evidence__isnull=True, updated_at__lt=cutoff).exclude(error="expired")
    count = 0
    for session in stale:
        uploads.part_path(session).unlink(missing_ok=True)
        UploadSession.objects.filter(pk=session.pk).update(error="expired")
        count += 1
    return count


@db_periodic_task(crontab(minute="5", hour="3"))
def expire_uploads_nightly() -> None:
    expire_uploads()


# ---------------------------------------------------------------- staging files of killed ingests


def sweep_staging() -> tuple[int, int]:
    """Remove the staged files of ingests whose process was killed: (files, bytes)."""
    from lawtrail.evidence.staging import sweep_abandoned

    files, size = sweep_abandoned(get_store().staging_dir())
    if files:
        log.info("swept %d staged file(s) of interrupted ingests (%d bytes)", files, size)
    return files, size


@db_periodic_task(crontab(minute="*/15"))
def sweep_staging_periodically() -> None:
    sweep_staging()

