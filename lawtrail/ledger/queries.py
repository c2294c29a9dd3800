"""Reads of the ledger: leaves, trees, tree heads, and the entries a user may see."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.events.models import DomainEvent
from lawtrail.ledger.models import Checkpoint, LedgerEntry


def leaf_hashes(size: int) -> list[bytes]:
    """The stored leaf hashes of entries 0 … size-1, in order."""
    with connection.chunked_cursor() as cursor:
        cursor.execute("SELECT leaf_hash FROM ledger_ledgerentry WHERE seq < %s ORDER BY seq", [size])
        out: list[bytes] = []
        while rows := cursor.fetchmany(20000):
            out.extend(bytes(r[0]) for r in rows)
    return out


def ledger_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_ledgerentry")
        return int(cursor.fetchone()[0])


def latest_checkpoint(covering: int | None = None) -> Checkpoint | None:
    """The newest signed tree head (that includes entry `covering`, if given)."""
    qs = Checkpoint.objects.all()
    if covering is not None:
        qs = qs.filter(tree_size__gt=covering)
    return qs.order_by("-tree_size", "-id").first()


def _visible_events(user: User) -> Q:
    """Events this user may read in the ledger: those of cases they see; the rest of their
    agency only for those who see the whole agency (supervisors, legal reviewers, heads)."""
    cases = Case.objects.restrict(user).values("pk")
    rule = Q(case_id_frozen__in=cases)
    if user.is_superuser:
        return Q()
    if user.sees_whole_agency and user.agency_id is not None:
        rule |= Q(agency_id_frozen=user.agency_id)
    return rule


def visible_entries(user: User) -> QuerySet[LedgerEntry]:
    # access: an entry carries its event's facts (hashes, file names) and cannot be redacted without
    # breaking its proof, so entries about marked records the user may not read are not served.
    from lawtrail.access.policy import hidden_events

    events = DomainEvent.objects.filter(_visible_events(user)).exclude(hidden_events(user))
    return LedgerEntry.objects.filter(event__in=events.values("pk")).select_related("event")


def visible_entry(user: User, seq: int) -> LedgerEntry | None:
    """Entry `seq` if it is among `visible_entries(user)`, read by its own event: the entry, its
    event, and whether the user sees that one case — a few rows at any size of the ledger, where
    the filter over `visible_entries` lets SQLite list every visible case of the scope first."""
    entry = LedgerEntry.objects.filter(seq=seq, event__isnull=False).select_related("event").first()
    if entry is None:
        return None
    event = entry.event
    if not user.is_superuser:
        whole = user.sees_whole_agency and user.agency_id is not None and event.agency_id_frozen == user.agency_id
        if not whole and (event.case_id_frozen is None
                          or not Case.objects.restrict(user).filter(pk=event.case_id_frozen).exists()):
            return None
    from lawtrail.access.policy import hidden_events

    if DomainEvent.objects.filter(pk=event.pk).filter(hidden_events(user)).exists():
        return None
    return entry


def case_entries(user: User, case: Case) -> QuerySet[LedgerEntry]:
    """Every entry about a case the user may see: its own events and those of its objects."""
    return visible_entries(user).filter(
        Q(event__case_id_frozen=case.pk) | Q(event__object_type="cases.case", event__object_id=str(case.pk))
    ).order_by("seq")


def object_entries(user: User, object_type: str, object_id: str) -> QuerySet[LedgerEntry]:
    return visible_entries(user).filter(event__object_type=object_type, event__object_id=object_id).order_by("seq")
