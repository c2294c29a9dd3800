"""The one place domain events are written."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypedDict, TypeVar, Unpack

from django.db import models, transaction
from django.db.models.base import ModelState

from lawtrail.events.context import current_origin
from lawtrail.events.models import DomainEvent, Outcome
from lawtrail.events.state import take_changes
from lawtrail.lib import timez
from lawtrail.lib.errors import DomainError

if TYPE_CHECKING:
    from lawtrail.accounts.models import User

P = ParamSpec("P")
T = TypeVar("T")

Writer = Callable[[DomainEvent], DomainEvent]


def _save(event: DomainEvent) -> DomainEvent:
    event.save(force_insert=True)
    return event


# Who inserts an event: the ledger registers its writer here (lawtrail.ledger.apps), which puts
# the event and its entry in one statement; without a ledger the event is saved as it is.
_writer: list[Writer] = [_save]


def set_writer(writer: Writer) -> None:
    """Register the function that inserts each event (the ledger's appender). One writer: an event
    and its entry are written together, in the action's transaction."""
    _writer[0] = writer


Listener = Callable[[DomainEvent], None]

# Who wants to know an event was written: called with each event right after it is inserted, inside
# the action's transaction (compliance registers the refresh of the case's stored findings, which it
# queues for after commit). A listener must be cheap and must not write domain events.
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Register `listener(event)`, called after each event is written (registering again is a no-op)."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(events: Sequence[DomainEvent]) -> None:
    """Tell the listeners about events written another way than record_event (a bulk writer)."""
    for listener in _listeners:
        for event in events:
            listener(event)


def _new_event(**values: Any) -> DomainEvent:
    """An unsaved DomainEvent with exactly these attribute values.

    Model.__init__ (field by field, with its signals) costs as much as the rest of
    the hot path; DomainEvent has no init signals, defaults or descriptors to honour
    beyond what is set here (every concrete field, by attname), so fill it directly.
    """
    event = DomainEvent.__new__(DomainEvent)
    event._state = ModelState()
    event.__dict__.update(values)
    return event


class EventDetails(TypedDict, total=False):
    """What an event may say besides its action, object and actor (record_event's and new_event's
    keywords, one list for both; defaults in new_event)."""

    role: str  # the actor's role in this action (default: their primary role)
    case_id: int | None
    agency_id: int | None  # default: the actor's agency
    payload: dict[str, Any] | None
    outcome: str  # Outcome.DONE unless refused
    reason_code: str
    reason: str
    object_type: str  # default: obj's label (for an event about no one object, or many)
    object_id: str
    changed: Sequence[models.Model]  # records changed by QuerySet.update(), frozen with the event


def record_event(action: str, obj: models.Model | None, *, actor: User | None,
                 **details: Unpack[EventDetails]) -> DomainEvent:
    """Write one event (and, through the registered writer, its ledger entry, 账本条目).

    Call inside the action's transaction so the change, its event and the entry commit together.
    A done event freezes the state of `obj`, of `changed` and of every tracked record saved or
    deleted in the transaction since the previous event (lawtrail.events.state).
    """
    event = _writer[0](new_event(action, obj, actor=actor, **details))
    for listener in _listeners:
        listener(event)
    return event


def new_event(action: str, obj: models.Model | None, *, actor: User | None,
              frozen: tuple[list[Any], list[Any]] | None = None, **details: Unpack[EventDetails]) -> DomainEvent:
    """The event record_event() writes, frozen now but not written: for a bulk path that writes many
    events together (the ledger's append_many) in the same transaction as their records.

    `frozen`: the event's `records` and `record_fields` made already (state.freeze_plain of
    what state.gather_changes gathered for it), instead of take_changes() here."""
    unknown = details.keys() - EventDetails.__optional_keys__
    if unknown:
        raise TypeError(f"new_event() got unexpected keyword arguments: {sorted(unknown)}")
    agency_id = details.get("agency_id")
    outcome = details.get("outcome", Outcome.DONE)
    object_type = details.get("object_type", "")
    object_id = details.get("object_id", "")
    role = details.get("role", "")
    where = current_origin()
    officer_cert = ""
    if actor is not None:
        officer_cert = actor.cert_no or ""
        if agency_id is None:
            agency_id = actor.agency_id
    event = _new_event(
        id=None,
        occurred_at=timez.now(),
        action=action,
        outcome=outcome,
        reason_code=details.get("reason_code", ""),
        reason=details.get("reason", ""),
        actor_id=actor.pk if actor is not None else None,
        actor_name=actor.display_name if actor else "系统",
        actor_username=actor.username if actor else "",
        actor_role=role or (actor.primary_role if actor else ""),
        actor_cert_no=officer_cert,
        agency_id_frozen=agency_id,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=str(obj)[:255] if obj is not None else "",
        case_id_frozen=details.get("case_id"),
        payload=details.get("payload") or {},
        client_ip=where.client_ip,
        user_agent=where.user_agent,
        channel=where.channel,
        request_id=where.request_id,
    )
    if frozen is not None:
        event.records, event.record_fields = frozen
    elif outcome == Outcome.DONE:
        event.records, event.record_fields = take_changes(obj, details.get("changed", ()))
    else:
        event.records, event.record_fields = [], []
    if actor is not None:
        event._state.fields_cache["actor"] = actor
    return event


def domain_action(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Mark a `do_*` function as the action `action`.

    A refused action (a DomainError) rolls its own transaction back; the refusal is then
    recorded in a transaction of its own, because who tried what and why it was refused is
    part of the record too.
    """

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except DomainError as err:
                actor = kwargs.get("actor")
                target = args[0] if args and isinstance(args[0], models.Model) else None
                case_id = getattr(target, "case_id", None) or (
                    target.pk if target is not None and target._meta.model_name == "case" else None
                )
                with transaction.atomic():
                    record_event(
                        action,
                        target,
                        actor=actor,  # type: ignore[arg-type]
                        case_id=case_id,
                        outcome=Outcome.REFUSED,
                        reason_code=err.code,
                        reason=err.message,
                        object_type="" if target is not None else action.split(".")[0],
                        object_id="" if target is not None else "-",
                    )
                raise

        wrapper.action_name = action  # type: ignore[attr-defined]
        return wrapper

    return decorate
