"""Reads of the archive: what a case file holds, its deadline, who may do what with it."""

from __future__ import annotations

import io
from typing import Any

from django.urls import reverse

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.archive.choices import CaseFileStatus, ItemKind
from lawtrail.archive.models import CaseFile
from lawtrail.cases import workflow
from lawtrail.cases.models import Case
from lawtrail.documents.choices import DocumentStatus
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.ledger.canonical import utc_text
from lawtrail.lib import inbox
from lawtrail.lib.errors import NotFound
from lawtrail.profiles.registry import Rule
from lawtrail.registers.choices import NEEDS_EVIDENCE as FILED_WITH_CASE
from lawtrail.registers.models import TextRecord

# Who may export or download an archive package, until the access-request branch brings
# grants: the archivist who keeps the file, the heads and the supervisors.


def pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def suffix_of(evidence: Evidence) -> str:
    name = evidence.display_name
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 and len(name) - dot <= 6 else ".bin"


def mime_of(evidence: Evidence) -> str:
    from lawtrail.packagecheck.formats import mime_for

    return mime_for("x" + suffix_of(evidence)) or "application/octet-stream"


def contents(case: Case) -> list[dict[str, Any]]:
    """卷内目录: every issued document (the standing version of each, once), every AV record of the
    case and the explanations filed with it (附卷说明), in the order the profile gives
    (`case_file_order`: by type, then by date; an explanation after the recordings).

    Each item freezes the facts the index and the package need (number, title, date, pages or
    duration, size, hashes), so that the bound file keeps saying what was bound.
    """
    order = workflow.profile_of(case).case_file_order
    rank = {code: i for i, code in enumerate(order)}
    last = len(order)
    rows: list[tuple[int, Any, int, int, dict[str, Any]]] = []
    # The case's documents and those made on its complaint before it was a case (登记表 …).
    docs = Document.objects.of_case(case).filter(status=DocumentStatus.ISSUED).exclude(pdf=None).order_by("id")
    for d in docs:
        assert d.issued_at is not None
        pdf = bytes(d.pdf or b"")
        rows.append((rank.get(d.type_code, last), d.issued_at, 0, d.pk, {
            "kind": ItemKind.DOCUMENT.value, "id": d.pk, "number": d.number, "title": d.type_name,
            "date": utc_text(d.issued_at), "pages": pdf_pages(pdf), "duration_seconds": None, "size": len(pdf),
            "sha256": d.pdf_sha256, "format": "application/pdf", "name": f"{d.type_name}.pdf",
        }))
    for e in Evidence.objects.filter(case=case).select_related("stored").order_by("id"):
        moment = e.recorded_start or e.ingested_at
        rows.append((rank.get("media", last), moment, 1, e.pk, {
            "kind": ItemKind.MEDIA.value, "id": e.pk, "number": "", "title": f"{e.get_media_kind_display()} {e.display_name}",
            "date": utc_text(moment), "pages": None,
            "duration_seconds": round(e.duration_seconds, 3) if e.duration_seconds is not None else None,
            "size": e.stored.size, "sha256": e.stored.sha256, "sm3": e.stored.sm3, "format": mime_of(e),
            "name": e.display_name,
        }))
    # What the case's records ask to be filed with it (附卷): each follows the recordings, in the
    # order it was registered.
    for r in TextRecord.objects.filter(case=case, kind__in=FILED_WITH_CASE).exclude(pdf=None).order_by("id"):
        pdf = bytes(r.pdf or b"")
        rows.append((rank.get("media", last), r.recorded_at, 2, r.pk, {
            "kind": ItemKind.RECORD.value, "id": r.pk, "number": "", "title": f"{r.get_kind_display()}《{r.title}》",
            "date": utc_text(r.recorded_at), "pages": pdf_pages(pdf), "duration_seconds": None, "size": len(pdf),
            "sha256": r.pdf_sha256, "format": "application/pdf", "name": f"{r.title}.pdf",
        }))
    rows.sort(key=lambda r: (r[0], r[2] == 2, r[1], r[2], r[3]))
    return [{"seq": i, **row[4]} for i, row in enumerate(rows, start=1)]


def deadline_rule(case: Case) -> Rule | None:
    """The profile's rule that sets when the case file is due (its article and sentence)."""
    return workflow.profile_of(case).rule("case_file")


def case_file_of(user: User, case: Case) -> CaseFile | None:
    return CaseFile.objects.restrict(user).filter(case=case).first()


def visible_case(user: User, pk: int) -> Case:
    case = Case.objects.restrict(user).select_related("agency", "party", "unit", "handler").filter(pk=pk).first()
    if case is None:
        raise NotFound("not_found", "案件不存在或无权查看", {"id": pk})
    return case


def visible_case_by_number(user: User, number: str) -> Case:
    case = Case.objects.restrict(user).select_related("agency", "party", "unit", "handler").filter(
        number=number).first()
    if case is None:
        raise NotFound("not_found", f"案件「{number}」不存在或无权查看", {"number": number})
    return case


def may_assemble(user: User, case: Case) -> bool:
    return workflow.is_case_officer(user, case)


def may_bind(user: User, case: Case) -> bool:
    return user.is_superuser or user.has_role(Role.ARCHIVIST, case.unit_id)


def may_export(user: User, case: Case) -> bool:
    """An archive package is a copy of the whole case file, so the one access policy decides, as for
    any download (lawtrail/access/policy.py): archivists, legal reviewers and heads, not the handler
    (no one keeps records to themselves), not a supervisor, who reads; marked records need clearance."""
    from lawtrail.access.policy import authorize

    return bool(authorize(user, "download", case).allowed)


def next_pages(case: Case, user: User) -> list[tuple[str, str]]:
    """The case's next step done on its case file's page, for this user: after 结案 the officers
    assemble the file (立卷), then the archivist checks and binds it, which archives the case."""
    if case.stage != "closed":
        return []
    url = reverse("case_file", args=[case.pk])
    case_file = CaseFile.objects.filter(case=case).first()
    if case_file is None:
        return [("立卷:组卷(封面、卷内目录、备考表)", url)] if may_assemble(user, case) else []
    if not case_file.is_bound and may_bind(user, case):
        return [("检查装订案卷,归档", url)]
    return []


def waiting_binding(user: User) -> list[CaseFile]:
    """案卷 assembled by the officers and waiting for this archivist's check and binding (装订归档)."""
    if not (user.is_superuser or any(g.role == Role.ARCHIVIST for g in user.grants)):
        return []
    files = CaseFile.objects.restrict(user).filter(status=CaseFileStatus.ASSEMBLED).select_related("case", "case__unit")
    # An archivist of one unit binds that unit's files only (may_bind); an agency-wide grant, all.
    # Asked in SQL, so that the rows read stay as many as the inbox lists.
    if not (user.is_superuser or user.has_agency_role(Role.ARCHIVIST)):
        files = files.filter(case__unit_id__in={g.unit_id for g in user.grants if g.role == Role.ARCHIVIST})
    return [f for f in files.order_by("assembled_at", "pk")[:inbox.LIMIT + 1] if may_bind(user, f.case)]


def inbox_binding(user: User) -> list[inbox.Item]:
    return [inbox.Item(f.case.label, f.title, "检查装订归档", reverse("case_file", args=[f.case_id]))
            for f in waiting_binding(user)]
