"""Many cases, fast: a few cases walked through the real actions, then copied row for row.

The page-size tests need an agency with a thousand cases whose rows look like real ones (each
case its documents, signatures, recordings, approvals, stage moves, case file and events), built
in seconds. Walking a thousand cases through the actions takes minutes, so `templates` walks one
case per interesting state through them, and `grow` copies those cases' rows with `bulk_create`
(a handful of INSERTs per batch, whatever the number of cases): each copy gets its own ids, 案号,
document numbers, hashes and 档号, and its events point at the copy.

The copies skip what is not the case's own (the ledger's entries, stored compliance findings):
page reads do not follow them, and no test that uses these cases verifies the ledger.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import models

from lawtrail.access.models import AccessRequest
from lawtrail.archive.models import CaseFile
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Approval, Case, CaseTransition, Service
from lawtrail.documents.models import ActDocument, Document, Signature
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.models import Evidence, FootageLink, StoredObject
from lawtrail.lib import timez
from lawtrail.testing.personas import World

# Copied in this order: a row's foreign keys point at rows copied before it (or at shared rows:
# agency, unit, users, party, which are kept).
COPIED: list[type[models.Model]] = [Case, Approval, CaseTransition, Service, Document, Signature, ActDocument,
                                    StoredObject, Evidence, FootageLink, CaseFile, AccessRequest, DomainEvent]


def templates(world: World, root: Path) -> list[Case]:
    """One case of alice's (一中队) per state the pages show differently, through the real actions:
    waiting for its filing opinions; investigating with an issued, signed document and a recording;
    waiting for its decision's review; closed with its case file waiting to be bound, with an
    access request pending; archived. The caller points the evidence vault somewhere first."""
    from lawtrail.access.actions import do_request_access
    from lawtrail.archive.actions import do_assemble_case_file
    from lawtrail.evidence.actions import do_link_evidence
    from lawtrail.testing import media
    from lawtrail.testing.archive import closed_case, issue
    from lawtrail.testing.evidence import ingest
    from lawtrail.testing.scenarios import advance, draft_decision, register_case

    waiting = register_case(world)
    investigating = advance(world, register_case(world), to=Stage.INVESTIGATING)
    issue(world, investigating, "rights_notice")
    clip = ingest(media.make_clip(root / "site.mp4", seconds=1), officer=world.alice)
    do_link_evidence(clip, case=investigating, actor=world.alice)
    reviewing = advance(world, register_case(world), to=Stage.REVIEWING)
    draft_decision(reviewing)
    closed, _, _ = closed_case(world, root)
    do_assemble_case_file(closed, actor=world.alice)
    do_request_access(closed, kind="internal", purpose="复查案件办理情况", expires_at=timez.now() + dt.timedelta(days=30),
                      actor=world.andy, whole_case=True)
    archived = advance(world, closed_case(world, root, clip=False)[0], to=Stage.ARCHIVED)
    return [Case.objects.get(pk=c.pk) for c in (waiting, investigating, reviewing, closed, archived)]


def _rows_of(case: Case) -> dict[type[models.Model], list[models.Model]]:
    docs = Document.objects.filter(case=case)
    evidence = Evidence.objects.filter(case=case)
    return {
        Case: [case],
        Approval: list(Approval.objects.filter(case=case)),
        CaseTransition: list(CaseTransition.objects.filter(case=case)),
        Service: list(Service.objects.filter(case=case)),
        # A correction points at the version it replaced: the older first.
        Document: list(docs.order_by("id")),
        Signature: list(Signature.objects.filter(document__in=docs)),
        ActDocument: list(ActDocument.objects.filter(case=case)),
        StoredObject: list(StoredObject.objects.filter(records__in=evidence).distinct()),
        Evidence: list(evidence),
        FootageLink: list(FootageLink.objects.filter(case=case)),
        CaseFile: list(CaseFile.objects.filter(case=case)),
        AccessRequest: list(AccessRequest.objects.filter(case=case)),
        DomainEvent: list(DomainEvent.objects.filter(case_id_frozen=case.pk).order_by("id")),
    }


_EVENT_OBJECTS = {"cases.case": Case, "documents.document": Document, "evidence.evidence": Evidence,
                  "archive.casefile": CaseFile, "access.accessrequest": AccessRequest}


def grow(templates: Iterable[Case], count: int, *, start: int = 0, batch: int = 200) -> int:
    """Add `count` copies of the template cases (taken in turn), numbered from `start`; their
    registration times step back an hour each, so the newest page of the list keeps the templates.
    Returns the next free number (the `start` of the next call)."""
    sources = [(c, _rows_of(c)) for c in templates]
    done = 0
    while done < count:
        n = min(batch, count - done)
        _copy([sources[(start + done + i) % len(sources)] for i in range(n)], start + done)
        done += n
    return start + count


def _copy(chosen: list[tuple[Case, dict[type[models.Model], list[models.Model]]]], start: int) -> None:
    # ids[(model, template pk)] -> the copy's pk, one dict per copy.
    maps: list[dict[tuple[type[models.Model], int], int]] = [{} for _ in chosen]
    for model in COPIED:
        made: list[tuple[int, models.Model, models.Model]] = []
        for k, (case, rows) in enumerate(chosen):
            serial = start + k
            for row in rows.get(model, []):
                made.append((k, row, _copy_row(model, row, maps[k], serial, case)))
        if not made:
            continue
        created = model._default_manager.bulk_create([m for _, _, m in made])
        for (k, row, _), new in zip(made, created, strict=True):
            maps[k][(model, int(row.pk))] = int(new.pk)
        # A row pointing at a row of its own table (a corrected document at the version it
        # replaced) is pointed once both copies exist.
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is model:
                fixed = []
                for (k, row, _), new in zip(made, created, strict=True):
                    old = getattr(row, f.attname)
                    if old is not None:
                        setattr(new, f.attname, maps[k][(model, int(old))])
                        fixed.append(new)
                if fixed:
                    model._default_manager.bulk_update(fixed, [f.name])
        if model is Case:
            through = Case.officers.through
            links = []
            for k, (case, _) in enumerate(chosen):
                for officer_id in case.officers.values_list("pk", flat=True):
                    links.append(through(case_id=maps[k][(Case, case.pk)], user_id=officer_id))
            through.objects.bulk_create(links)


def _copy_row(model: type[models.Model], row: models.Model, ids: dict[tuple[type[models.Model], int], int],
              serial: int, case: Case) -> models.Model:
    values: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(row, f.attname)
        if f.is_relation and value is not None and f.related_model is model:
            value = None  # pointed after the copies exist (_copy)
        elif f.is_relation and value is not None and f.related_model in COPIED:
            related: Any = f.related_model
            value = ids[(related, int(value))]
        values[f.attname] = value
    tag = f"{serial + 1:05d}"
    if model is Case:
        values["registered_at"] = case.registered_at - dt.timedelta(hours=serial + 1)
        if values["number"]:
            values["number"] = f"{values['number']}-批{tag}"
        values["title"] = f"{case.title}({tag})"
    elif model is Document and values["number_seq"] is not None:
        values["number_seq"] = 100_000 + serial * 10 + int(values["number_seq"]) % 10
        values["number"] = f"{values['number']}-批{tag}"
    elif model is StoredObject:
        values["sha256"] = secrets.token_hex(32)
        values["key"] = f"{values['key']}.{tag}"
    elif model is CaseFile:
        values["seq"] = 100_000 + serial
        values["archive_no"] = f"{values['archive_no']}-{tag}"
    elif model is AccessRequest and values["number_seq"] is not None:
        values["number_seq"] = 100_000 + serial
        values["number"] = f"{values['number']}-{tag}"
    elif model is DomainEvent:
        values["case_id_frozen"] = ids[(Case, case.pk)]
        target = _EVENT_OBJECTS.get(values["object_type"])
        if target is not None and (target, int(values["object_id"])) in ids:
            values["object_id"] = str(ids[(target, int(values["object_id"]))])
    return model(**values)
