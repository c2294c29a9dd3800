"""The stored findings and deadline states (合规问题、期限预警): derived from a case's records by
the engine and written here, so pages, inboxes and dashboards read rows instead of exporting and
checking cases on every view.

Derived data, not domain state: a refresh records no domain event and the ledger does not track
it; it says what it was derived from (CaseCheck.event_id, the case's last event it accounts for).
A refresh is idempotent: run twice on an unchanged case it changes nothing but the times it was
last confirmed.

Who calls it: the worker job queued after each committed event of a case (compliance.jobs), the
periodic job that moves deadline states with the clock, and `lawtrail check --all`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet

from lawtrail.cases.models import Case
from lawtrail.compliance.engine import DeadlineReport, Evaluation, Finding, evaluate_all
from lawtrail.compliance.export import export_cases
from lawtrail.compliance.models import CaseCheck, Deadline, StoredFinding
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.profiles.registry import get_profile

log = logging.getLogger(__name__)

# A deadline's state moved (near or overdue): called with the row after the refresh's transaction
# commits. compliance.apps registers the notification (lawtrail.notices).
Transition = Callable[[Deadline, str], None]
_on_transition: list[Transition] = []


def on_deadline_transition(fn: Transition) -> None:
    """Register `fn(deadline, previous_state)`, called once per change of state into near/overdue."""
    if fn not in _on_transition:
        _on_transition.append(fn)


ALERT_STATES = (Deadline.NEAR, Deadline.OVERDUE)


@dataclass(frozen=True)
class Refreshed:
    case_id: int
    blocking: int
    warnings: int
    deadlines: int
    # Deadlines whose state turned near or overdue in this refresh: (row id, previous state).
    transitions: tuple[tuple[int, str], ...] = ()


def last_event_id(case_id: int) -> int:
    return last_event_ids([case_id]).get(case_id, 0)


def last_event_ids(case_ids: Collection[int]) -> dict[int, int]:
    """Each case's last event id (a case without events is missing), one query for them all."""
    rows = (DomainEvent.objects.filter(case_id_frozen__in=list(case_ids)).order_by()
            .values("case_id_frozen").annotate(m=Max("id")).values_list("case_id_frozen", "m"))
    return {int(case_id): int(m) for case_id, m in rows if case_id is not None}


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("agency", "unit", "party", "handler", "complaint")


def refresh_case(case: Case, *, now: dt.datetime | None = None, announce: bool = True) -> Refreshed:
    """Check `case` once (export, engine) and store its findings, deadlines and check state.
    `announce=False`: the deadlines found near or overdue are stored so, told to no one.

    A finding still reported keeps its row (last_seen_at moves); a new one gets a row seen first
    now; one no longer reported is resolved now and kept, so the trend stays visible. One
    transaction; the number of queries depends on the case's own records, not on other cases."""
    return refresh_cases([case], now=now, silent=() if announce else (case.pk,))[0]


def refresh_cases(cases: list[Case], *, now: dt.datetime | None = None, silent: Collection[int] = ()) -> list[Refreshed]:
    """`refresh_case` for many cases at once (`lawtrail check --all` takes a few hundred at a time):
    the same rows stored, read and written with a fixed number of queries and one transaction for
    them all. `silent`: the cases whose near or overdue deadlines are stored without a notice.
    A case that cannot be checked fails the whole call (the caller retries case by case)."""
    now = now or timez.now()
    # Read before exporting: an event that commits during the export is newer than what is stored,
    # and leaves the case stale (below) so the next job refreshes it again.
    events = last_event_ids([c.pk for c in cases])
    bundles = export_cases(cases)
    checked = []
    for case in cases:
        profile = get_profile(case.agency.profile_id)
        checked.append(Checked(case, evaluate_all(bundles.pop(case.pk), profile, now=now),
                               events.get(case.pk, 0), profile.id))
    return store_evaluations(checked, now=now, silent=silent)


@dataclass(frozen=True)
class Checked:
    """One case's evaluation, ready to store: with the last event it accounts for and its profile."""

    case: Case
    result: Evaluation
    event_id: int
    profile_id: str


def store_evaluation(case: Case, result: Evaluation, *, event_id: int, profile_id: str,
                     now: dt.datetime, announce: bool = True) -> Refreshed:
    return store_evaluations([Checked(case, result, event_id, profile_id)], now=now,
                             silent=() if announce else (case.pk,))[0]


def store_evaluations(checked: list[Checked], *, now: dt.datetime, silent: Collection[int] = ()) -> list[Refreshed]:
    from lawtrail.compliance.engine import BLOCKING

    ids = [c.case.pk for c in checked]
    out: list[Refreshed] = []
    with transaction.atomic():
        findings = _FindingWrites(now)
        deadlines = _DeadlineWrites(now)
        open_rows: dict[int, list[StoredFinding]] = {}
        for f in StoredFinding.objects.filter(case_id__in=ids, resolved_at__isnull=True):
            open_rows.setdefault(f.case_id, []).append(f)
        stored: dict[int, list[Deadline]] = {}
        for d in Deadline.objects.filter(case_id__in=ids):
            stored.setdefault(d.case_id, []).append(d)
        turned: dict[int, list[tuple[Deadline, str]]] = {}
        for c in checked:
            findings.plan(c.case, c.result.findings, open_rows.get(c.case.pk, []))
            turned[c.case.pk] = deadlines.plan(c.case, c.result.deadlines, stored.get(c.case.pk, []))
        findings.write()
        deadlines.write()
        # Still stale if an event came after the one read before the export.
        latest = last_event_ids(ids)
        states: list[CaseCheck] = []
        for c in checked:
            blocking = sum(1 for f in c.result.findings if f.severity == BLOCKING)
            transitions = tuple((row.pk, previous) for row, previous in turned[c.case.pk])
            out.append(Refreshed(c.case.pk, blocking, len(c.result.findings) - blocking, len(c.result.deadlines),
                                 transitions))
            states.append(CaseCheck(case_id=c.case.pk, profile_id=c.profile_id, checked_at=now, event_id=c.event_id,
                                    blocking=blocking, warnings=len(c.result.findings) - blocking,
                                    stale=latest.get(c.case.pk, 0) > c.event_id))
        # One row a case, written or rewritten in one statement (an upsert: a placeholder row that
        # mark_stale inserts meanwhile is overwritten, not a conflict).
        CaseCheck.objects.bulk_create(states, update_conflicts=True, unique_fields=["case"],
                                      update_fields=["profile_id", "checked_at", "event_id", "blocking", "warnings",
                                                     "stale"])
        quiet = set(silent)
        told = [(pk, previous) for r in out if r.case_id not in quiet for pk, previous in r.transitions]
        if _on_transition and told:
            rows = Deadline.objects.select_related("case", "handler").in_bulk([pk for pk, _ in told])
            for pk, previous in told:
                transaction.on_commit(functools.partial(_announce, rows[pk], previous))
    return out


def _announce(row: Deadline, previous: str) -> None:
    for fn in _on_transition:
        try:
            fn(row, previous)
        except Exception:  # noqa: BLE001 — a notice that fails must not undo the stored states
            log.exception("deadline transition not announced for case %s", row.case_id)


# Ids per `pk__in` list: well under the bound parameters a statement may carry on SQLite.
_IN_CHUNK = 500


def _in_chunks(pks: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(pks), _IN_CHUNK):
        yield pks[i:i + _IN_CHUNK]


class _FindingWrites:
    """The stored findings of many cases, planned case by case and written together.

    A finding still reported keeps its row: when nothing of it changed, only the time it was last
    seen moves (one UPDATE for all such rows, the common case of a re-check); one worded anew is
    rewritten whole."""

    FIELDS = ("severity", "message", "blocks", "lapse", "article", "source", "handler_id", "unit_id")

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.new: list[StoredFinding] = []
        self.changed: list[StoredFinding] = []
        self.seen_again: list[int] = []
        self.gone: list[int] = []

    def plan(self, case: Case, findings: list[Finding], open_rows: list[StoredFinding]) -> None:
        now = self.now
        by_key = {(r.rule, r.subject): r for r in open_rows}
        seen: set[tuple[str, str]] = set()
        for f in findings:
            key = (f.rule, f.subject)
            if key in seen:
                continue  # one row per rule and record: a check that names one record twice is one problem
            seen.add(key)
            row = by_key.get(key)
            if row is None:
                self.new.append(StoredFinding(
                    case=case, agency_id=case.agency_id, unit_id=case.unit_id, handler_id=case.handler_id,
                    profile_id=f.profile, rule=f.rule, article=f.article, source=f.source[:200],
                    severity=f.severity, subject=f.subject, message=f.message, lapse=f.lapse, blocks=list(f.blocks),
                    first_seen_at=now, last_seen_at=now))
                continue
            # The same problem, perhaps worded anew (a lapse's reason recorded, a count changed).
            before = tuple(getattr(row, name) for name in self.FIELDS)
            row.severity, row.message, row.blocks, row.lapse = f.severity, f.message, list(f.blocks), f.lapse
            row.article, row.source = f.article, f.source[:200]
            row.handler_id, row.unit_id, row.last_seen_at = case.handler_id, case.unit_id, now
            if tuple(getattr(row, name) for name in self.FIELDS) == before:
                self.seen_again.append(row.pk)
            else:
                self.changed.append(row)
        self.gone.extend(r.pk for key, r in by_key.items() if key not in seen)

    def write(self) -> None:
        if self.new:
            StoredFinding.objects.bulk_create(self.new)
        if self.changed:
            StoredFinding.objects.bulk_update(self.changed, ["severity", "message", "blocks", "lapse", "article",
                                                             "source", "handler", "unit", "last_seen_at"])
        for pks in _in_chunks(self.seen_again):
            StoredFinding.objects.filter(pk__in=pks).update(last_seen_at=self.now)
        for pks in _in_chunks(self.gone):
            StoredFinding.objects.filter(pk__in=pks).update(resolved_at=self.now)


class _DeadlineWrites:
    """The deadline rows of many cases, planned case by case and written together: a deadline
    whose dates and state did not change has only its refresh time moved."""

    FIELDS = ("unit_id", "handler_id", "article", "source", "label", "due_at", "warn_at", "met_at", "state")

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.new: list[Deadline] = []
        self.changed: list[Deadline] = []
        self.seen_again: list[int] = []
        self.gone: list[int] = []

    def plan(self, case: Case, reports: list[DeadlineReport], rows: list[Deadline]) -> list[tuple[Deadline, str]]:
        """The case's deadlines to write; those that turn near or overdue now, with their previous state
        (rows written with `write`, which gives new ones their ids)."""
        now = self.now
        by_key = {(r.rule, r.subject): r for r in rows}
        turned: list[tuple[Deadline, str]] = []
        seen: set[tuple[str, str]] = set()
        for d in reports:
            key = (d.rule, d.subject)
            if key in seen:
                continue
            seen.add(key)
            state = d.state(now)
            row = by_key.get(key)
            before: tuple[Any, ...] | None = None
            if row is None:
                row = Deadline(case=case, agency_id=case.agency_id, rule=d.rule, subject=d.subject, state=state)
                self.new.append(row)
                previous = Deadline.PENDING
            else:
                previous = row.state
                before = tuple(getattr(row, name) for name in self.FIELDS)
            row.unit_id, row.handler_id = case.unit_id, case.handler_id
            row.article, row.source, row.label = d.article, d.source[:200], d.label[:200]
            row.due_at, row.warn_at, row.met_at, row.state, row.refreshed_at = d.due_at, d.warn_at, d.met_at, state, now
            if before is not None:
                if tuple(getattr(row, name) for name in self.FIELDS) == before:
                    self.seen_again.append(row.pk)
                else:
                    self.changed.append(row)
            if state in ALERT_STATES and state != previous:
                turned.append((row, previous))
        # A deadline no longer asked (the case left the path that set it): nothing is due any more.
        self.gone.extend(r.pk for key, r in by_key.items() if key not in seen)
        return turned

    def write(self) -> None:
        if self.new:
            # Primary keys filled in (PostgreSQL and SQLite return them): the transitions name the rows.
            Deadline.objects.bulk_create(self.new)
            assert all(r.pk is not None for r in self.new)
        if self.changed:
            Deadline.objects.bulk_update(self.changed, ["unit", "handler", "article", "source", "label", "due_at",
                                                        "warn_at", "met_at", "state", "refreshed_at"])
        for pks in _in_chunks(self.seen_again):
            Deadline.objects.filter(pk__in=pks).update(refreshed_at=self.now)
        for pks in _in_chunks(self.gone):
            Deadline.objects.filter(pk__in=pks).delete()


def move_deadlines(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Move stored deadline states with the clock (pending → near → overdue) without re-checking
    the case: due and warning times do not change with the clock, only the state does. Returns how
    many rows moved; each move into near or overdue is announced once."""
    now = now or timez.now()
    moved = 0
    for target, condition in ((Deadline.OVERDUE, {"state__in": [Deadline.PENDING, Deadline.NEAR], "due_at__lt": now}),
                              (Deadline.NEAR, {"state": Deadline.PENDING, "warn_at__lte": now, "due_at__gte": now})):
        while True:
            with transaction.atomic():
                rows = list(Deadline.objects.select_for_update(of=("self",)).select_related("case", "handler")
                            .filter(**condition).order_by("pk")[:batch])
                if not rows:
                    break
                changes = [(r, r.state) for r in rows]
                # Compare-and-set: a refresh that moved the row meanwhile wins.
                for row, previous in changes:
                    if Deadline.objects.filter(pk=row.pk, state=previous).update(state=target, refreshed_at=now):
                        row.state = target
                        moved += 1
                        if _on_transition:
                            transaction.on_commit(functools.partial(_announce, row, previous))
            if len(rows) < batch:
                break
    return moved


def refresh_stale(*, limit: int = 1000, now: dt.datetime | None = None) -> int:
    """Refresh the cases marked stale (an event came after their last refresh), oldest check first."""
    ids = list(CaseCheck.objects.filter(stale=True).order_by("checked_at").values_list("case_id", flat=True)[:limit])
    cases = list(_cases().filter(pk__in=ids).order_by("pk"))
    for start in range(0, len(cases), BATCH):
        refresh_cases(cases[start:start + BATCH], now=now)
    return len(ids)


def refresh_if_behind(case_id: int) -> bool:
    """The worker job's body: refresh the case unless its stored rows already account for its last
    event (many events of one case in a burst queue several jobs; the first does the work)."""
    if not _behind([case_id]):
        return False
    case = _cases().filter(pk=case_id).first()
    if case is None:
        return False
    refresh_case(case)
    return True


def _behind(case_ids: Collection[int]) -> list[int]:
    """The cases whose stored rows do not account for their last event (never checked, marked
    stale, or with a newer event), in id order."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    states = {case_id: (event_id, stale) for case_id, event_id, stale
              in CaseCheck.objects.filter(case_id__in=ids).values_list("case_id", "event_id", "stale")}
    last = last_event_ids(ids)
    return [i for i in ids if i not in states or states[i][1] or states[i][0] < last.get(i, 0)]


def refresh_behind(case_ids: Collection[int], *, now: dt.datetime | None = None) -> int:
    """refresh_if_behind() for the many cases of one commit (a batch of imported bundles): which
    are behind is read once for them all, and those are refreshed `BATCH` at a time through
    refresh_cases() (a fixed number of queries a batch, as `lawtrail check --all` does), instead
    of one export and one transaction a case. A batch that fails is refreshed case by case; a case
    that fails then is logged and left stale for the periodic job. How many were refreshed."""
    behind = _behind(case_ids)
    if not behind:
        return 0
    cases = list(_cases().filter(pk__in=behind).order_by("pk"))
    refreshed = 0
    for start in range(0, len(cases), BATCH):
        batch = cases[start:start + BATCH]
        try:
            refreshed += len(refresh_cases(batch, now=now))
            continue
        except Exception:  # noqa: BLE001 — retried case by case below
            log.warning("cases %s–%s not refreshed together; refreshing them one by one", batch[0].pk,
                        batch[-1].pk, exc_info=True)
        for case in batch:
            try:
                refresh_case(case, now=now)
                refreshed += 1
            except Exception:  # noqa: BLE001 — the case stays stale; the periodic job refreshes it
                log.exception("refresh of case %s failed", case.pk)
    return refreshed


def mark_stale(case_ids: Iterable[int], *, now: dt.datetime | None = None) -> list[int]:
    """Mark these cases' stored rows as behind their events (pages show 待更新); the ids that need
    a job queued: those newly marked. A case already marked has a job queued, so a burst of events
    on one case queues one job (and the job refreshes from the case's latest events)."""
    # Only cases that exist: an id may come from a savepoint that rolled back after its event.
    ids = sorted(Case.objects.filter(pk__in=set(case_ids)).values_list("pk", flat=True))
    if not ids:
        return []
    flipped = set(CaseCheck.objects.filter(case_id__in=ids, stale=False).values_list("case_id", flat=True))
    if flipped:
        CaseCheck.objects.filter(case_id__in=flipped, stale=False).update(stale=True)
    known = set(CaseCheck.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
    missing = [i for i in ids if i not in known]
    if missing:
        # A case never checked: a placeholder row, stale, until its first refresh fills it.
        CaseCheck.objects.bulk_create([CaseCheck(case_id=i, profile_id="", checked_at=now or timez.now(), stale=True)
                                       for i in missing], ignore_conflicts=True)
    return sorted(flipped | set(missing))


# ---------------------------------------------------------------- lawtrail check --all


@dataclass
class Summary:
    cases: int = 0
    failed: list[tuple[int, str]] | None = None
    seconds: float = 0.0
    # Deadlines found already near or overdue in cases checked for the first time: stored, not announced.
    found_alerting: int = 0
    # Peak resident memory in kilobytes: this process's, and the highest of the worker processes'.
    peak_kb: int = 0
    worker_peak_kb: int = 0

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds > 0 else 0.0


def _chunks(ids: list[int], jobs: int) -> list[tuple[int, int]]:
    """Disjoint id ranges, several per worker so a slow range does not leave the others idle."""
    if not ids:
        return []
    size = max(20, min(500, len(ids) // (jobs * 8) or 1))
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


Ranged = tuple[int, list[tuple[int, str]], int, int]

# Cases read, checked and written together: one query per table for the lot, instead of some twenty
# per case. A hundred bundles in memory at once: 200 were no faster and held 30 MB more
# (docs/compliance-store.md).
BATCH = 100


def _check_range(lo: int, hi: int, agency_id: int | None, now: dt.datetime) -> Ranged:
    """Refresh the cases with ids in [lo, hi]: (cases done, failures, this process's peak RSS in KB,
    deadlines found near or overdue in cases never checked before).

    A case never checked before (an existing database's first fill, a case the worker has not
    reached yet) has its deadlines stored without a notice: one that is already overdue did not
    turn overdue now, and a first fill of years of cases would otherwise send a notice for every
    late deadline at once. They show yellow and red in the inboxes like any other; from then on
    each change of state is announced."""
    import resource

    qs = _cases().filter(pk__gte=lo, pk__lte=hi).order_by("pk")
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    # A placeholder row (profile not yet known, lawtrail.compliance.store.mark_stale) is no check.
    checked = set(CaseCheck.objects.filter(case_id__gte=lo, case_id__lte=hi).exclude(profile_id="")
                  .values_list("case_id", flat=True))
    done = found = 0
    failed: list[tuple[int, str]] = []
    cases = list(qs)
    for start in range(0, len(cases), BATCH):
        batch = cases[start:start + BATCH]
        first = {c.pk for c in batch if c.pk not in checked}
        try:
            refreshed = refresh_cases(batch, now=now, silent=first)
        except Exception:  # noqa: BLE001 — retried case by case below
            log.warning("cases %s–%s not checked together; checking them one by one", batch[0].pk, batch[-1].pk,
                        exc_info=True)
            refreshed = []
            for case in batch:
                try:
                    refreshed.append(refresh_case(case, now=now, announce=case.pk not in first))
                except Exception as err:  # noqa: BLE001 — one broken case must not stop the re-check of the others
                    log.exception("case %s not checked", case.pk)
                    failed.append((case.pk, f"{case.label}:{err}"))
        done += len(refreshed)
        found += sum(len(r.transitions) for r in refreshed if r.case_id in first)
    return done, failed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, found


def _check_range_in_worker(args: tuple[int, int, int | None, dt.datetime]) -> Ranged:
    return _check_range(*args)


def check_all(*, jobs: int = 1, agency_id: int | None = None, now: dt.datetime | None = None,
              progress: Callable[[int, int], None] | None = None) -> Summary:
    """Re-check every case (of one agency, with `agency_id`) into the store. With jobs > 1, that many
    worker processes take disjoint ranges of case ids, each with its own database connection."""
    import multiprocessing
    import resource
    import time

    from django.db import connections

    now = now or timez.now()
    started = time.monotonic()
    qs = Case.objects.order_by("pk")
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    ids = list(qs.values_list("pk", flat=True))
    total = len(ids)
    summary = Summary(failed=[])
    assert summary.failed is not None
    ranges = _chunks(ids, max(1, jobs))
    if progress:
        progress(0, total)
    if jobs <= 1:
        for lo, hi in ranges:
            done, failed, peak, found = _check_range(lo, hi, agency_id, now)
            summary.cases += done
            summary.found_alerting += found
            summary.failed.extend(failed)
            if progress:
                progress(summary.cases + len(summary.failed), total)
    else:
        # Each worker opens its own connection: none may inherit this process's open one.
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            for done, failed, peak, found in pool.imap_unordered(
                    _check_range_in_worker, [(lo, hi, agency_id, now) for lo, hi in ranges]):
                summary.cases += done
                summary.found_alerting += found
                summary.failed.extend(failed)
                summary.worker_peak_kb = max(summary.worker_peak_kb, peak)
                if progress:
                    progress(summary.cases + len(summary.failed), total)
    summary.seconds = time.monotonic() - started
    summary.peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return summary
