"""Pages: an object's history read from the ledger, and one entry's proof checked on request."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.cases import queries as case_queries
from lawtrail.events.context import channel_label
from lawtrail.events.types import EVENT_TYPES
from lawtrail.ledger import keys, proofs, queries
from lawtrail.ledger.models import LedgerEntry
from lawtrail.lib.errors import DomainError
from lawtrail.verifier.bundle import verify_bundle
from lawtrail.verifier.checkpoint import parse_timestamp
from lawtrail.verifier.entry import describe_entry, parse_entry


@dataclass
class EntryRow:
    """One entry as the ledger holds it (its bytes decoded), for the history page."""

    seq: int
    leaf_hash: str
    facts: dict[str, Any]

    @property
    def at(self) -> dt.datetime | None:
        try:
            return parse_timestamp(str(self.facts.get("at")))
        except ValueError:
            return None

    @property
    def action_label(self) -> str:
        action = str(self.facts.get("action", ""))
        return EVENT_TYPES.get(action, action)

    @property
    def actor(self) -> dict[str, Any]:
        return self.facts.get("actor") or {}

    @property
    def refused(self) -> bool:
        return self.facts.get("outcome") != "done"

    @property
    def object_repr(self) -> str:
        return str((self.facts.get("object") or {}).get("repr", ""))

    @property
    def channel(self) -> str:
        origin = self.facts.get("origin") or {}
        return " ".join(v for v in (channel_label(str(origin.get("channel") or "")), str(origin.get("ip") or "")) if v)


def _rows(entries: QuerySet[LedgerEntry]) -> list[EntryRow]:
    rows = []
    for e in entries.select_related(None).only("seq", "canonical", "leaf_hash"):
        try:
            facts = parse_entry(bytes(e.canonical))
        except ValueError:
            facts = {"action": "(条目内容无法解读)", "outcome": "?"}
        rows.append(EntryRow(e.seq, bytes(e.leaf_hash).hex(), facts))
    return rows


def _history(request: HttpRequest, title: str, entries: QuerySet[LedgerEntry], back: str = "") -> HttpResponse:
    rows = _rows(entries)
    latest = queries.latest_checkpoint()
    return render(request, "ledger/history.html", {
        "title": title, "rows": rows, "checkpoint": latest, "back": back,
        "covered": latest.tree_size if latest else 0,
    })


@login_required
def case_history(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    case = get_object_or_404(case_queries.visible_cases(user), pk=pk)
    return _history(request, f"{case.label} · 账本记录", queries.case_entries(user, case),
                    back=reverse("case_detail", args=[case.pk]))


@login_required
def object_history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    entries = queries.object_entries(user, object_type, object_id)
    if not entries.exists():
        raise Http404
    return _history(request, f"{object_type} #{object_id} · 账本记录", entries)


def _visible_entry(user: User, seq: int) -> LedgerEntry:
    entry = queries.visible_entry(user, seq)
    if entry is None:
        raise Http404
    return entry


@login_required
def entry_verify(request: HttpRequest, seq: int) -> HttpResponse:
    """Check the entry's inclusion proof against the latest signed tree head, as an outsider would."""
    user: User = request.user  # type: ignore[assignment]
    entry = _visible_entry(user, seq)
    context: dict[str, Any] = {"seq": seq, "event": entry.event}
    try:
        bundle = proofs.prove(seq)
        public_key = keys.load_public_key()
        result = verify_bundle(bundle, public_key)
    except DomainError as err:
        context["error"] = err.message
    else:
        context.update(result=result, bundle=bundle, path=bundle["entry"]["inclusion_path"],
                       checkpoint=bundle["checkpoint"], facts=_labelled(result.entry) if result.entry else [])
    return render(request, "ledger/entry_verify.html", context)


def _labelled(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """The verifier's description of an entry, with this installation's Chinese labels for
    codes (the independent verifier knows none: it shows the codes as the entry holds them)."""
    role = str((entry.get("actor") or {}).get("role") or "")
    lines = []
    for label, value in describe_entry(entry):
        if label == "事项":
            value = f"{EVENT_TYPES.get(value, value)}({value})"
        elif label == "操作人" and role in Role.values:
            value = value.replace(f"({role})", f"({Role(role).label})", 1)
        lines.append((label, value))
    return lines


@login_required
def entry_proof(request: HttpRequest, seq: int) -> HttpResponse:
    """The proof bundle, to hand over and check with `python -m lawtrail.verifier bundle`."""
    user: User = request.user  # type: ignore[assignment]
    _visible_entry(user, seq)
    try:
        bundle = proofs.prove(seq)
    except DomainError as err:
        return JsonResponse(err.as_dict(), status=err.status, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="lawtrail-proof-{seq}.json"'
    return response
