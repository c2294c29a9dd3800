"""The only functions that change case files (案卷) and record package exports.

Assembling (立卷) is the case officers' work once the case is closed; checking and binding
(检查、装订归档) is the archivist's, and it archives the case in the same transaction. A
bound case file is never changed again (the database refuses it too).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.db import transaction

from lawtrail.accounts.models import Agency, User
from lawtrail.archive import package, queries
from lawtrail.archive import render as printing
from lawtrail.archive.choices import CaseFileStatus, ItemKind, Retention
from lawtrail.archive.models import ArchiveCounter, CaseFile, Fonds, PackageExport
from lawtrail.cases import hooks
from lawtrail.cases.actions import move_case_within
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.events.models import DomainEvent
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.sequences import next_in_sequence
from lawtrail.packagecheck.archive_no import format_archive_no

MAX_NOTES = 2000


def _same_agency(actor: User, case: Case) -> None:
    if not actor.is_superuser and actor.agency_id != case.agency_id:
        raise Forbidden("other_agency", "不能操作其他执法机关的数据")


def _bound(case_file: CaseFile) -> Conflict:
    return Conflict("case_file_bound", f"案卷 {case_file.archive_no} 已装订归档,不能再更改")


def fonds_code(agency: Agency) -> str:
    """全宗号: as set for the agency; until its archives office assigns one, Q + the agency's number."""
    fonds = Fonds.objects.filter(agency=agency).first()
    return fonds.code if fonds else f"Q{agency.pk:03d}"


def _retention(case: Case, value: str) -> str:
    if value:
        if value not in Retention.values:
            raise InvalidInput("invalid_retention", "保管期限应为 Y(永久)、D30(定期30年)或 D10(定期10年)",
                               {"field": "retention"})
        return value
    rule = queries.deadline_rule(case)
    default = str(rule.values.get("retention", "")) if rule else ""
    return default if default in Retention.values else Retention.YEARS_30.value


def _day(moment: Any) -> str:
    return f"{timez.beijing(moment):%Y-%m-%d}" if moment else ""


def _cover(case: Case, items: list[dict[str, Any]], assembled_at: Any) -> dict[str, Any]:
    return {
        "agency": case.agency.name, "unit": case.unit.name, "case_number": case.number or "", "title": case.title,
        "party": case.party.name, "handler": case.handler.display_name,
        "start_date": _day(case.filed_at or case.registered_at), "end_date": _day(case.closed_at),
        "assembled_day": _day(assembled_at),
    }


@domain_action("case_file.assemble")
def do_assemble_case_file(case: Case, *, retention: str = "", notes: str = "", actor: User) -> CaseFile:
    """立卷: gather the case's issued documents and AV records into the cover, index and reference sheet.

    May be repeated until the archivist binds the file; the 档号 given at the first assembly stays.
    """
    _same_agency(actor, case)
    if not queries.may_assemble(actor, case):
        raise Forbidden("not_case_officer", "只有本案执法人员(承办人)可以组卷")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise InvalidInput("field_too_long", f"备考表说明不能超过 {MAX_NOTES} 个字", {"field": "notes"})
    code = _retention(case, retention)
    with transaction.atomic(durable=True):
        case = Case.objects.select_for_update().select_related("agency", "unit", "party", "handler").get(pk=case.pk)
        if case.stage == Stage.ARCHIVED:
            raise Conflict("case_archived", "案件已归档,案卷已装订")
        if case.stage != Stage.CLOSED or case.closed_at is None:
            raise Conflict("case_not_closed", "案件结案后才能组卷", {"stage": case.stage})
        case_file = CaseFile.objects.select_for_update().filter(case=case).first()
        if case_file is not None and case_file.is_bound:
            raise _bound(case_file)
        items = queries.contents(case)
        now = timez.now()
        if case_file is None:
            year = timez.beijing(case.closed_at).year
            # 件号: gap-free per agency and year, held by the file from its first assembly on.
            seq = next_in_sequence(ArchiveCounter, agency_id=case.agency_id, year=year)
            case_file = CaseFile(agency_id=case.agency_id, case=case, fonds=fonds_code(case.agency), year=year,
                                 seq=seq)
        else:
            case_file.revision += 1
        case_file.retention = code
        case_file.archive_no = format_archive_no(case_file.fonds, case_file.year, code, case_file.seq)
        case_file.title = f"{case.party.name}{case.title}案"[:300]
        case_file.items = items
        case_file.cover = _cover(case, items, now)
        case_file.notes = notes
        docs = [i for i in items if i["kind"] == ItemKind.DOCUMENT]
        media = [i for i in items if i["kind"] == ItemKind.MEDIA]
        records = [i for i in items if i["kind"] == ItemKind.RECORD]
        case_file.document_count, case_file.media_count = len(docs), len(media)
        case_file.page_count = sum(int(i["pages"]) for i in docs)
        case_file.media_seconds = round(sum(float(i["duration_seconds"] or 0) for i in media), 3)
        case_file.assembled_by, case_file.assembled_by_name, case_file.assembled_at = actor, actor.display_name, now
        case_file.status = CaseFileStatus.ASSEMBLED
        case_file.pdf = printing.render_pdf(case_file)
        case_file.pdf_sha256 = hashlib.sha256(case_file.pdf).hexdigest()
        case_file.save()
        record_event("case_file.assemble", case_file, actor=actor, case_id=case.pk, payload={
            "archive_no": case_file.archive_no, "case_number": case.number, "retention": code,
            "items": len(items), "documents": len(docs), "media": len(media), "records": len(records), "page_count": case_file.page_count,
            "revision": case_file.revision, "pdf_sha256": case_file.pdf_sha256,
        })
    return case_file


@domain_action("case_file.bind")
def do_bind_case_file(case_file: CaseFile, *, note: str = "", actor: User) -> CaseFile:
    """检查并装订归档: the archivist checks the file against the case, freezes it and archives the case."""
    case = case_file.case
    _same_agency(actor, case)
    if not queries.may_bind(actor, case):
        raise Forbidden("not_archivist", "只有档案管理员可以检查并装订归档")
    if case_file.is_bound:
        raise _bound(case_file)
    note = (note or "").strip()[:MAX_NOTES]
    with transaction.atomic(durable=True):
        case = Case.objects.select_for_update().select_related("agency", "unit", "party", "handler").get(pk=case.pk)
        case_file = CaseFile.objects.select_for_update().get(pk=case_file.pk)
        if case_file.is_bound:
            raise _bound(case_file)
        if queries.contents(case) != case_file.items:
            raise Conflict("case_file_stale", "组卷后本案的文书、音像资料或附卷说明有变化,请承办人重新组卷后再装订")
        # Binding is a gate: every blocking rule of the profile, and every 文书 the law asks of
        # the file (立案审批表, 决定书, 送达回证, 结案审批表), simple procedure included.
        hooks.refuse_if_missing(case, hooks.BIND)
        now = timez.now()
        # What the ledger holds about the case before this binding: the package's history check counts them.
        case_events = DomainEvent.objects.filter(case_id_frozen=case.pk).count()
        case_file.status = CaseFileStatus.BOUND
        case_file.checked_by, case_file.checked_by_name, case_file.bound_at = actor, actor.display_name, now
        case_file.cover = {**case_file.cover, "checked_day": _day(now)}
        if note:
            case_file.notes = f"{case_file.notes}\n检查意见:{note}".strip()
        case_file.pdf = printing.render_pdf(case_file)
        case_file.pdf_sha256 = hashlib.sha256(case_file.pdf).hexdigest()
        case_file.save()
        record_event("case_file.bind", case_file, actor=actor, case_id=case.pk, payload={
            "archive_no": case_file.archive_no, "case_number": case.number, "pdf_sha256": case_file.pdf_sha256,
            "size": len(case_file.pdf), "page_count": case_file.page_count,
            "items": [[i["seq"], i["kind"], i["id"], i["sha256"]] for i in case_file.items],
            "case_events": case_events,
        })
        move_case_within(case, to=Stage.ARCHIVED, actor=actor, note=f"案卷装订归档,档号 {case_file.archive_no}", at=now)
    return case_file


@domain_action("package.export")
def do_export_package(case_file: CaseFile, *, out: Path, actor: User | None) -> PackageExport:
    """导出归档包: write the bound case file as a BagIt package (ZIP) to `out`, and record that it was.

    `actor` None is the operator at the server's console, who holds the database anyway.
    """
    case = case_file.case
    if actor is not None:
        _same_agency(actor, case)
        if not queries.may_export(actor, case):
            raise Forbidden("not_allowed_to_export", "导出归档包须由档案管理员、法制审核人员或负责人办理")
    by = actor.display_name if actor is not None else "系统(服务器控制台)"
    if not case_file.is_bound or case.stage != Stage.ARCHIVED:
        raise Conflict("case_file_not_bound", "案卷尚未装订归档,不能导出归档包")
    # Written before the transaction: it streams the originals and signs a tree head (its own
    # transaction). A failure below removes the file, so no package exists without its record.
    written = package.write_package(case_file, out, exported_by=by)
    try:
        with transaction.atomic(durable=True):
            row = PackageExport.objects.create(
                case_file=case_file, exported_by=actor, exported_by_name=by, exported_at=timez.now(),
                file_name=out.name[:200], size=written.size, sha256=written.sha256, payload_oxum=written.payload_oxum,
                checkpoint_size=written.tree_size,
            )
            record_event("package.export", case_file, actor=actor, case_id=case.pk, payload={
                "archive_no": case_file.archive_no, "case_number": case.number, "file_name": row.file_name,
                "package_sha256": written.sha256, "size": written.size, "payload_oxum": written.payload_oxum,
                "tree_size": written.tree_size, "ledger_entries": written.entries,
            })
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    if actor is not None:
        # access: every download lands in the access register (调用登记), the package too.
        from lawtrail.access.serving import record_package_export

        record_package_export(actor, case, sha256=written.sha256, archive_no=case_file.archive_no)
    return row
