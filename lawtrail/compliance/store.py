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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, QuerySet

from lawtrail.cases.models import Case
from lawtrail.compliance.engine import DeadlineReport, Evaluation, Finding, evaluate_all
from lawtrail.compliance.export import export_case
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
    return DomainEvent.objects.filter(case_id_frozen=case_id).aggregate(m=Max("id"))["m"] or 0


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("agency", "unit", "party", "handler", "complaint")


def refresh_case(case: Case, *, now: dt.datetime | None = None, announce: bool = True) -> Refreshed:
    """Check `case` once (export, engine) and store its findings, deadlines and check state.
    `announce=False`: the deadlines found near or overdue are stored so, told to no one.

    A finding still reported keeps its row (last_seen_at moves); a new one gets a row seen first
    now; one no longer reported is resolved now and kept, so the trend stays visible. One
    transaction; the number of queries depends on the case's own records, not on other cases."""
    now = now or timez.now()
    # Read before exporting: an event that commits during the export is newer than what is stored,
    # and leaves the case stale (below) so the next job refreshes it again.
    event_id = last_event_id(case.pk)
    profile = get_profile(case.agency.profile_id)
    result = evaluate_all(export_case(case), profile, now=now)
    return store_evaluation(case, result, event_id=event_id, profile_id=profile.id, now=now, announce=announce)


def store_evaluation(case: Case, result: Evaluation, *, event_id: int, profile_id: str,
                     now: dt.datetime, announce: bool = True) -> Refreshed:
    from lawtrail.compliance.engine import BLOCKING

    transitions: list[tuple[int, str]] = []
    with transaction.atomic():
        _store_findings(case, result.findings, now)
        transitions = _store_deadlines(case, result.deadlines, now)
        blocking = sum(1 for f in result.findings if f.severity == BLOCKING)
        warnings = len(result.findings) - blocking
        # Still stale if an event came after the one read before the export.
        stale = DomainEvent.objects.filter(case_id_frozen=case.pk, id__gt=event_id).exists()
        CaseCheck.objects.update_or_create(case=case, defaults={
            "profile_id": profile_id, "checked_at": now, "event_id": event_id,
            "blocking": blocking, "warnings": warnings, "stale": stale})
        if announce and _on_transition and transitions:
            rows = Deadline.objects.select_related("case", "handler").in_bulk([pk for pk, _ in transitions])
            for pk, previous in transitions:
                row = rows[pk]
                transaction.on_commit(functools.partial(_announce, row, previous))
    return Refreshed(case.pk, blocking, warnings, len(result.deadlines), tuple(transitions))


def _announce(row: Deadline, previous: str) -> None:
    for fn in _on_transition:
        try:
            fn(row, previous)
        except Exception:  # noqa: BLE001 — a notice that fails must not undo the stored states
            log.exception("deadline transition not announced for case %s", row.case_id)


def _store_findings(case: Case, findings: list[Finding], now: dt.datetime) -> None:
    open_rows = {(r.rule, r.subject): r for r in StoredFinding.objects.filter(case=case, resolved_at__isnull=True)}
    seen: set[tuple[str, str]] = set()
    new: list[StoredFinding] = []
    changed: list[StoredFinding] = []
    for f in findings:
        key = (f.rule, f.subject)
        if key in seen:
            continue  # one row per rule and record: a check that names one record twice is one problem
        seen.add(key)
        row = open_rows.get(key)
        if row is None:
            new.append(StoredFinding(
                case=case, agency_id=case.agency_id, unit_id=case.unit_id, handler_id=case.handler_id,
                profile_id=f.profile, rule=f.rule, article=f.article, source=f.source[:200], severity=f.severity,
                subject=f.subject, message=f.message, lapse=f.lapse, blocks=list(f.blocks),
                first_seen_at=now, last_seen_at=now))
            continue
        # The same problem, perhaps worded anew (a lapse's reason recorded, a count changed).
        row.severity, row.message, row.blocks, row.lapse = f.severity, f.message, list(f.blocks), f.lapse
        row.article, row.source = f.article, f.source[:200]
        row.handler_id, row.unit_id, row.last_seen_at = case.handler_id, case.unit_id, now
        changed.append(row)
    gone = [r.pk for key, r in open_rows.items() if key not in seen]
    if new:
        StoredFinding.objects.bulk_create(new)
    if changed:
        StoredFinding.objects.bulk_update(changed, ["severity", "message", "blocks", "lapse", "article", "source",
                                                    "handler", "unit", "last_seen_at"])
    if gone:
        StoredFinding.objects.filter(pk__in=gone).update(resolved_at=now)


def _store_deadlines(case: Case, reports: list[DeadlineReport], now: dt.datetime) -> list[tuple[int, str]]:
    """Upsert the case's deadlines; the (row id, previous state) of those that turned near/overdue."""
    rows = {(r.rule, r.subject): r for r in Deadline.objects.filter(case=case)}
    new: list[Deadline] = []
    changed: list[Deadline] = []
    turned: list[tuple[Deadline, str]] = []
    seen: set[tuple[str, str]] = set()
    for d in reports:
        key = (d.rule, d.subject)
        if key in seen:
            continue
        seen.add(key)
        state = d.state(now)
        row = rows.get(key)
        if row is None:
            row = Deadline(case=case, agency_id=case.agency_id, rule=d.rule, subject=d.subject, state=state)
            new.append(row)
            previous = Deadline.PENDING
        else:
            previous = row.state
            changed.append(row)
        row.unit_id, row.handler_id = case.unit_id, case.handler_id
        row.article, row.source, row.label = d.article, d.source[:200], d.label[:200]
        row.due_at, row.warn_at, row.met_at, row.state, row.refreshed_at = d.due_at, d.warn_at, d.met_at, state, now
        if state in ALERT_STATES and state != previous:
            turned.append((row, previous))
    gone = [r.pk for key, r in rows.items() if key not in seen]
    if new:
        Deadline.objects.bulk_create(new)
    if changed:
        Deadline.objects.bulk_update(changed, ["unit", "handler", "article", "source", "label", "due_at", "warn_at",
                                               "met_at", "state", "refreshed_at"])
    if gone:
        # A deadline no longer asked (the case left the path that set it): nothing is due any more.
        Deadline.objects.filter(pk__in=gone).delete()
    if turned and any(r.pk is None for r, _ in turned):
        # bulk_create fills primary keys on PostgreSQL and SQLite; refetch only if a backend did not.
        ids = {(r.rule, r.subject): r.pk for r in Deadline.objects.filter(case=case)}
        return [(ids[(r.rule, r.subject)], p) for r, p in turned]
    return [(r.pk, p) for r, p in turned]


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
    for case in _cases().filter(pk__in=ids):
        refresh_case(case, now=now)
    return len(ids)


def refresh_if_behind(case_id: int) -> bool:
    """The worker job's body: refresh the case unless its stored rows already account for its last
    event (many events of one case in a burst queue several jobs; the first does the work)."""
    state = CaseCheck.objects.filter(case_id=case_id).values_list("event_id", "stale").first()
    if state is not None and not state[1] and state[0] >= last_event_id(case_id):
        return False
    case = _cases().filter(pk=case_id).first()
    if case is None:
        return False
    refresh_case(case)
    return True


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
    for case in qs.iterator(chunk_size=200):
        try:
            first = case.pk not in checked
            refreshed = refresh_case(case, now=now, announce=not first)
            if first:
                found += len(refreshed.transitions)
            done += 1
        except Exception as err:  # noqa: BLE001 — one broken case must not stop the re-check of the others
            log.exception("case %s not checked", case.pk)
            failed.append((case.pk, f"{case.label}:{err}"))
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
