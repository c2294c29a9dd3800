"""The only functions that change the evidence vault's records.

Each validates, writes and records its domain event in one durable transaction. No function
here (nor anywhere else) alters or removes an original's bytes: ingest adds them, the rest
changes what the records say about them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, Unit, User
from lawtrail.cases.models import Case, Inspection
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.events.state import note_changed
from lawtrail.evidence import hooks, media, retention
from lawtrail.evidence.choices import (
    ACTIVE_INTERRUPTIONS,
    DerivativeStatus,
    EvidenceClass,
    InterruptionStatus,
    MediaKind,
    RecordingCategory,
    StartBasis,
)
from lawtrail.evidence.models import (
    Evidence,
    EvidenceHandling,
    FootageLink,
    Interruption,
    LinkRejection,
    ReceptionSegment,
    RecordingStop,
    StoredObject,
)
from lawtrail.evidence.staging import Staged
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.text import neutralise
from lawtrail.profiles.registry import get_profile
from lawtrail.storage import get_store, original_key

# ---------------------------------------------------------------- shared checks


def may_handle(actor: User | None, unit_id: int, agency_id: int) -> bool:
    """Officers, handlers and heads of the unit, and the agency's archivists and administrators."""
    if actor is None or actor.is_superuser:
        return True
    if actor.agency_id != agency_id:
        return False
    if any(actor.has_role(r, unit_id) for r in (Role.OFFICER, Role.HANDLER, Role.HEAD)):
        return True
    return actor.has_agency_role(Role.ARCHIVIST) or actor.has_agency_role(Role.ADMIN)


def _require_handle(actor: User | None, unit: Unit) -> None:
    if not may_handle(actor, unit.pk, unit.agency_id):
        raise Forbidden("not_allowed", f"只有{unit.name}的执法人员、负责人或档案管理员可以办理此事项")


def _clean_name(name: str) -> str:
    # Kept as the client sent it (it is a fact), minus what no database can store.
    # Bidi and zero-width controls go too: they would let the shown name lie (lawtrail/lib/text.py).
    cleaned = neutralise("".join(ch for ch in name if ch >= " " and ch != "\x7f"))
    return cleaned.strip()[:255] or "未命名"


def _case_labels(case: Case | None) -> dict[str, str]:
    if case is None:
        return {"label_case_number": "", "label_party": "", "label_handler": ""}
    return {"label_case_number": case.number or "", "label_party": case.party.name,
            "label_handler": case.handler.display_name}


def _retention_fields(agency: Agency, evidence_class: str, recorded_at: dt.datetime,
                      long_term: bool = False) -> dict[str, Any]:
    kept = retention.retention_for(get_profile(agency.profile_id), evidence_class, recorded_at, long_term=long_term)
    return {"retention_until": kept.until, "retention_long_term": kept.long_term, "retention_basis": kept.basis}


def _brief(ev: Evidence) -> dict[str, Any]:
    return {"evidence_id": ev.pk, "sha256": ev.stored.sha256, "original_name": ev.original_name}


# ---------------------------------------------------------------- ingest


def _from_file_name(name: str) -> dict[str, Any]:
    """Device serial, officer's 执法证号 and start time from the body cam's naming convention."""
    pattern = settings.EVIDENCE_NAME_PATTERN
    if not pattern:
        return {}
    match = re.search(pattern, name)
    if not match:
        return {}
    found = {k: v for k, v in match.groupdict().items() if v}
    if "start" in found:
        try:
            # The device's clock runs on Beijing time; the name carries no zone of its own.
            found["start"] = dt.datetime.strptime(found["start"] + "+0800", "%Y%m%d%H%M%S%z")
        except ValueError:
            del found["start"]
    return found


def _queue_derivatives(evidence_id: int) -> None:
    # The jobs register here (EvidenceConfig.ready): the actions do not import them.
    for hook in hooks.after_ingest:
        hook(evidence_id)


def check_ingest(*, name: str, evidence_class: str = "", case: Case | None = None, officer: User | None = None,
                 clock_offset_seconds: float | None = None,
                 actor: User | None) -> tuple[Agency, Unit, User | None, dict[str, Any]]:
    """What an ingest can be refused for before any byte arrives: the class, the clock offset, the
    owner (case, officer, or the actor's unit) and whether the actor may file into it. The upload
    API asks this when an upload is created, so that a 2 GB upload is not refused at its last byte.

    Returns (agency, unit, officer, hints from the file name)."""
    if evidence_class and evidence_class not in EvidenceClass.values:
        raise InvalidInput("invalid_class", "音像资料类别无效", {"field": "evidence_class"})
    # The comparison also refuses NaN (every comparison with it is false).
    if clock_offset_seconds is not None and not -10 * 365 * 86400 < clock_offset_seconds < 10 * 365 * 86400:
        raise InvalidInput("invalid_clock_offset", "设备时钟偏差不合理", {"field": "clock_offset_seconds"})
    hinted = _from_file_name(name.replace("\\", "/").rsplit("/", 1)[-1])
    if officer is None and hinted.get("officer"):
        officer = User.objects.filter(cert_no=hinted["officer"]).first()

    if case is not None:
        agency, unit = case.agency, case.unit
    elif officer is not None and officer.agency_id and officer.unit_id:
        agency, unit = officer.agency, officer.unit  # type: ignore[assignment]
    elif actor is not None and actor.agency_id and actor.unit_id:
        agency, unit = actor.agency, actor.unit  # type: ignore[assignment]
    else:
        raise InvalidInput("no_owner", "请指定案件(案号)或执法人员(执法证号),以确定音像资料的归属",
                           {"field": "officer"})
    if officer is not None and (officer.agency_id != agency.pk or not officer.cert_no):
        raise InvalidInput("not_an_officer", f"{officer.display_name} 不是本机关持证执法人员", {"field": "officer"})
    if actor is not None and actor.agency_id != agency.pk and not actor.is_superuser:
        raise Forbidden("other_agency", "不能向其他执法机关的资料库入库")
    _require_handle(actor, unit)
    return agency, unit, officer, hinted


@domain_action("evidence.ingest")
def do_ingest_evidence(
    staged: Staged, *, original_name: str, source: str = "", evidence_class: str = "",
    case: Case | None = None, officer: User | None = None, device_serial: str = "",
    clock_offset_seconds: float | None = None, channel: str = "", actor: User | None,
    once_per_owner: bool = False, once_per_content: bool = False,
) -> Evidence:
    """Record a staged file as an original: commit its bytes under their hash, then label them.

    With `once_per_owner` (a folder ingest, which may be a re-run of one that was interrupted),
    the same file (bytes and name) already recorded for the same owner — the case, or with no
    case the officer — is returned as it is (`already_recorded`), and nothing is added. With
    `once_per_content` (a browser upload) the same bytes under any name are the same original:
    one record per owner, never listed twice in the case's 卷内目录.

    The bytes are committed to the store before the transaction: if the transaction then
    fails, an unreferenced object is left (the next ingest of the same bytes reuses it),
    never a record without its bytes.
    """
    name = _clean_name(original_name)
    if staged.size == 0:
        raise InvalidInput("empty_file", f"文件为空(0 字节),不能作为音像资料入库:{name}",
                           {"field": "file", "name": name})
    agency, unit, officer, hinted = check_ingest(name=name, evidence_class=evidence_class, case=case,
                                                 officer=officer, clock_offset_seconds=clock_offset_seconds,
                                                 actor=actor)
    device_serial = (device_serial or hinted.get("device", "")).strip()[:64]
    if once_per_owner or once_per_content:
        owner: dict[str, Any] = {"case": case} if case is not None else {"case": None, "officer": officer}
        # The same bytes under the same file name for the same owner: a file of the folder that
        # the interrupted run already took. (A copy under another name is recorded as before.)
        same = {} if once_per_content else {"original_name": name}
        existing = Evidence.objects.filter(agency=agency, stored__sha256=staged.sha256, **same,
                                           **owner).order_by("pk").first()
        if existing is not None:
            existing.already_recorded = True
            return existing

    facts = media.probe(staged.path, photo_zone=settings.EVIDENCE_PHOTO_TIMEZONE)
    if not device_serial and facts.camera_serial:
        device_serial = facts.camera_serial  # a camera's own serial, written in its photos' EXIF
    start_raw = facts.creation_time or hinted.get("start")
    start = start_raw - dt.timedelta(seconds=clock_offset_seconds) if (
        start_raw is not None and clock_offset_seconds is not None) else start_raw
    end = start + dt.timedelta(seconds=facts.duration or 0) if start is not None else None
    if not evidence_class:
        evidence_class = EvidenceClass.CASE if case is not None else (
            EvidenceClass.PATROL if facts.kind in (MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.PHOTO)
            else EvidenceClass.OTHER)

    key = original_key(staged.sha256)
    store = get_store()
    store.put_file(key, staged.path)

    now = timez.now()
    with transaction.atomic(durable=True):
        stored, created = StoredObject.objects.get_or_create(
            sha256=staged.sha256, defaults={"sm3": staged.sm3, "size": staged.size, "key": key, "stored_at": now})
        if stored.sm3 != staged.sm3 or stored.size != staged.size:
            # Same SHA-256, different SM3 or size: either a collision or a damaged store.
            raise Conflict("digest_mismatch", "同一 SHA-256 的已存对象 SM3 或大小不一致,请立即进行完整性校验",
                           {"sha256": staged.sha256})
        ev = Evidence.objects.create(
            agency=agency, unit=unit, stored=stored, original_name=name, source=source[:500],
            evidence_class=evidence_class, media_kind=facts.kind, case=case, **_case_labels(case),
            officer=officer, officer_name=officer.display_name if officer else "",
            officer_cert_no=(officer.cert_no or "") if officer else "", device_serial=device_serial,
            container=facts.container[:64], video_codec=facts.video_codec[:32], audio_codec=facts.audio_codec[:32],
            duration_seconds=facts.duration, width=facts.width, height=facts.height,
            creation_time_raw=facts.creation_time_raw, recorded_start_raw=start_raw,
            clock_offset_seconds=clock_offset_seconds, recorded_start=start, recorded_end=end,
            gps_raw=facts.gps_raw, gps_lat=facts.gps_lat, gps_lon=facts.gps_lon, facts=facts.as_json(),
            media_problem=facts.problem, media_problem_detail=facts.problem_detail,
            **_retention_fields(agency, evidence_class, start or now),
            proxy_status=DerivativeStatus.PENDING if facts.kind != MediaKind.OTHER else DerivativeStatus.NOT_NEEDED,
            ingested_at=now, ingested_by=actor, ingest_channel=channel[:16],
        )
        ev.was_duplicate = not created  # type: ignore[attr-defined]
        # A second copy of a clip already recorded from the same device adds no new pause.
        same_clip = not created and Evidence.objects.filter(stored=stored, device_serial=device_serial).exclude(
            pk=ev.pk).exists()
        gaps = {"interruptions": [], "resolved": []} if same_clip else _recompute_interruptions(
            ev, now, cause=f"补入录像 {ev.display_name}")
        record_event("evidence.ingest", ev, actor=actor, case_id=case.pk if case else None, agency_id=agency.pk,
                     payload={
                         "sha256": stored.sha256, "sm3": stored.sm3, "size": stored.size, "object_key": stored.key,
                         "original_name": name, "duplicate": not created, "class": evidence_class,
                         "media_kind": facts.kind, "media_problem": facts.problem,
                         "case_number": case.number if case else None,
                         "officer_cert_no": ev.officer_cert_no, "device_serial": device_serial,
                         "creation_time_raw": facts.creation_time_raw,
                         "clock_offset_seconds": clock_offset_seconds,
                         "recorded_start": start.isoformat() if start else None,
                         "recorded_end": end.isoformat() if end else None,
                         "duration": facts.duration, "interruptions": gaps["interruptions"],
                         "interruptions_resolved": gaps["resolved"],
                     })
        if ev.proxy_status == DerivativeStatus.PENDING:
            transaction.on_commit(functools.partial(_queue_derivatives, ev.pk))
    return ev


def _same_activity(a: Evidence, b: Evidence, gap: float) -> bool:
    return a.case_id == b.case_id and a.inspection_id == b.inspection_id and \
        gap <= settings.EVIDENCE_ACTIVITY_BREAK_MINUTES * 60


def _recompute_interruptions(ev: Evidence, now: dt.datetime, *, cause: str) -> dict[str, list[dict[str, Any]]]:
    """Recompute the pauses around one clip of a device after it arrived or changed activity.

    A clip touches three pairs of consecutive clips of its device: (previous, it), (it, next),
    and (previous, next), which it now stands between. A pair that is a pause of one activity
    gets an interruption (or gets its old one back); one that no longer is loses it: an open one
    is marked filled or superseded, an explained one superseded, each with the reason — never
    deleted, so an explanation once given stays on record.
    """
    out: dict[str, list[dict[str, Any]]] = {"interruptions": [], "resolved": []}
    if not ev.device_serial or ev.recorded_start is None or ev.recorded_end is None:
        return out
    clips = Evidence.objects.filter(agency_id=ev.agency_id, device_serial=ev.device_serial,
                                    media_kind__in=[MediaKind.VIDEO, MediaKind.AUDIO],
                                    recorded_start__isnull=False, recorded_end__isnull=False).exclude(pk=ev.pk)
    # A second copy of this very clip (same bytes) is not a neighbour of it.
    clips = clips.exclude(stored_id=ev.stored_id)
    before = clips.filter(recorded_start__lt=ev.recorded_start).order_by("-recorded_start", "-id").first()
    after = clips.filter(recorded_start__gt=ev.recorded_start).order_by("recorded_start", "id").first()
    tolerance = settings.EVIDENCE_GAP_TOLERANCE_SECONDS
    wanted: dict[tuple[int, int], float] = {}
    for first, second in ((before, ev), (ev, after)):
        if first is None or second is None:
            continue
        assert first.recorded_end is not None and second.recorded_start is not None
        gap = (second.recorded_start - first.recorded_end).total_seconds()
        if gap > tolerance and _same_activity(first, second, gap):
            wanted[(first.pk, second.pk)] = gap
    touched = Q(before=ev) | Q(after=ev)
    if before is not None and after is not None:
        touched |= Q(before=before, after=after)
    standing = Interruption.objects.select_for_update().filter(touched, status__in=ACTIVE_INTERRUPTIONS)
    for row in standing:
        if (row.before_id, row.after_id) in wanted:
            continue
        filled = before is not None and after is not None and (row.before_id, row.after_id) == (before.pk, after.pk)
        reason = f"{cause}:位于该中断时段内,中断已补齐" if filled else f"{cause}:前后录像已不属于同一执法活动"
        status = InterruptionStatus.FILLED if filled and row.status == InterruptionStatus.OPEN \
            else InterruptionStatus.SUPERSEDED
        Interruption.objects.filter(pk=row.pk).update(status=status, resolved_reason=reason, resolved_at=now)
        note_changed(Interruption.objects.filter(pk=row.pk))
        out["resolved"].append({"interruption_id": row.pk, "before": row.before_id, "after": row.after_id,
                                "was": row.status, "now": status, "reason": reason})
    for (first_id, second_id), gap in wanted.items():
        row, created = Interruption.objects.get_or_create(
            before_id=first_id, after_id=second_id,
            defaults={"agency_id": ev.agency_id, "unit_id": ev.unit_id, "device_serial": ev.device_serial,
                      "gap_seconds": gap, "detected_at": now})
        if not created and row.status not in ACTIVE_INTERRUPTIONS:
            # The pair is one activity again (e.g. both clips now linked to the same case).
            row.status = InterruptionStatus.EXPLAINED if (row.explanation or row.voice_note_id) \
                else InterruptionStatus.OPEN
            row.resolved_reason, row.resolved_at = "", None
            row.save(update_fields=["status", "resolved_reason", "resolved_at"])
            created = True
        if created:
            out["interruptions"].append({"interruption_id": row.pk, "before": first_id, "after": second_id,
                                         "gap_seconds": gap})
    return out


# ---------------------------------------------------------------- labels and links


def _put_in_case(evidence: Evidence, case: Case, inspection: Inspection | None) -> dict[str, list[dict[str, Any]]]:
    """Label a recording as evidence of `case` (inside the caller's transaction); the pauses around it
    are recomputed (linked to a case, the clip may now be one activity with its neighbours, or no longer)."""
    new_class = evidence.evidence_class if evidence.evidence_class == EvidenceClass.RECEPTION \
        else EvidenceClass.CASE
    fields = {**_case_labels(case), "case": case, "unit": case.unit, "evidence_class": new_class,
              **_retention_fields(evidence.agency, new_class, evidence.recorded_start or evidence.ingested_at,
                                  evidence.retention_long_term)}
    if inspection is not None:
        fields["inspection"] = inspection
    # Compare-and-set on the version: two people linking at once cannot both win.
    updated = Evidence.objects.filter(pk=evidence.pk, version=evidence.version).update(
        **fields, version=F("version") + 1)
    if updated != 1:
        raise Conflict("stale_evidence", "该音像资料已被他人更新,请刷新页面后重试")
    note_changed(Evidence.objects.filter(pk=evidence.pk))
    for k, v in fields.items():
        setattr(evidence, k, v)
    evidence.version += 1
    return _recompute_interruptions(evidence, timez.now(), cause=f"关联案件 {case.label}")


@domain_action("evidence.link")
def do_link_evidence(evidence: Evidence, *, case: Case, inspection: Inspection | None = None,
                     actor: User | None) -> Evidence:
    """Put a recording into a case (confirming a proposal or by hand); it becomes case evidence."""
    if case.agency_id != evidence.agency_id:
        raise InvalidInput("other_agency", "案件不属于本机关", {"field": "case_id"})
    _require_handle(actor, evidence.unit)
    _require_handle(actor, case.unit)
    if inspection is not None and inspection.agency_id != evidence.agency_id:
        raise InvalidInput("other_agency", "巡查记录不属于本机关", {"field": "inspection_id"})
    with transaction.atomic(durable=True):
        previous = evidence.case_id
        if previous == case.pk:
            raise Conflict("already_linked", f"该音像资料已关联案件 {case.label}")
        gaps = _put_in_case(evidence, case, inspection)
        record_event("evidence.link", evidence, actor=actor, case_id=case.pk, agency_id=evidence.agency_id,
                     payload={**_brief(evidence), "case_number": case.number, "case_id": case.pk,
                              "previous_case_id": previous, "class": evidence.evidence_class,
                              "party": case.party.name, "handler": case.handler.display_name,
                              "interruptions": gaps["interruptions"], "interruptions_resolved": gaps["resolved"]})
    return evidence


@domain_action("evidence.link_inspection")
def do_link_patrol_evidence(evidence: Evidence, *, inspection: Inspection, actor: User | None) -> Evidence:
    """巡查录像归属日常巡视检查: a recording of a patrol that opened no case belongs to that patrol
    (its unit, the 日常巡查 class and retention), so the patrol's footage rules can be checked on it.
    Footage already in a case stays there (it is linked with its case, do_link_evidence)."""
    if inspection.agency_id != evidence.agency_id:
        raise InvalidInput("other_agency", "巡查记录不属于本机关", {"field": "inspection_id"})
    _require_handle(actor, evidence.unit)
    _require_handle(actor, inspection.unit)
    if evidence.case_id is not None:
        raise Conflict("in_case", "该音像资料已关联案件,不能再归属于无案件的巡查")
    if evidence.inspection_id == inspection.pk:
        raise Conflict("already_linked", "该音像资料已归属于这次巡查")
    if evidence.media_kind not in (MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.PHOTO):
        raise InvalidInput("not_footage", "只有录像、录音或照片可以归属巡查", {"field": "evidence_id"})
    with transaction.atomic(durable=True):
        previous = evidence.inspection_id
        fields = {"inspection": inspection, "unit": inspection.unit, "evidence_class": EvidenceClass.PATROL,
                  **_retention_fields(evidence.agency, EvidenceClass.PATROL,
                                      evidence.recorded_start or evidence.ingested_at, evidence.retention_long_term)}
        # Compare-and-set on the version: two people linking at once cannot both win.
        if Evidence.objects.filter(pk=evidence.pk, version=evidence.version, case__isnull=True).update(
                **fields, version=F("version") + 1) != 1:
            raise Conflict("stale_evidence", "该音像资料已被他人更新,请刷新页面后重试")
        note_changed(Evidence.objects.filter(pk=evidence.pk))
        for k, v in fields.items():
            setattr(evidence, k, v)
        evidence.version += 1
        record_event("evidence.link_inspection", evidence, actor=actor, agency_id=evidence.agency_id, payload={
            **_brief(evidence), "inspection_id": inspection.pk, "previous_inspection_id": previous,
            "party": inspection.party.name, "place": inspection.place,
            "started_at": inspection.started_at.isoformat(), "ended_at": inspection.ended_at.isoformat()})
    return evidence


# A stated start further from the act than this is a typing mistake (a wrong day), not a clock.
STATED_START_REACH = dt.timedelta(days=2)


@domain_action("evidence.link_act")
def do_link_footage(evidence: Evidence, *, case: Case, act: str, stated_start: dt.datetime | None = None,
                    start_basis: str = "", basis_note: str = "", segment_in: float | None = None,
                    segment_out: float | None = None, actor: User | None) -> FootageLink:
    """录像关联执法环节: a person links a recording (or a segment of it) to the act of the case it records.

    A file without a time of its own (a phone clip, a file passed through a chat app) needs a
    stated start and where it comes from; a file with one keeps it (its own time is a fact of the
    file, the statement would only be a second opinion). The recording joins the case if it was
    not in it yet.
    """
    from lawtrail.evidence.queries import case_acts

    if case.agency_id != evidence.agency_id:
        raise InvalidInput("other_agency", "案件不属于本机关", {"field": "case_id"})
    _require_handle(actor, evidence.unit)
    _require_handle(actor, case.unit)
    if evidence.media_kind not in (MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.PHOTO):
        raise InvalidInput("not_footage", "只有录像、录音或照片可以关联执法环节", {"field": "evidence_id"})
    acts = {a.key: a for a in case_acts(case)}
    picked = acts.get(act)
    if picked is None:
        raise InvalidInput("unknown_act", "所选执法环节不属于该案件,请从列表中选择", {"field": "act"})
    basis_note = neutralise(basis_note.strip())[:500]
    if stated_start is not None:
        if evidence.recorded_start is not None:
            raise InvalidInput("has_own_time", "该文件已含录制时间,无需陈述开始时间;如需只关联其中一段,请填写片段起止",
                               {"field": "stated_start"})
        if stated_start.tzinfo is None:
            raise InvalidInput("naive_time", "开始时间须带时区", {"field": "stated_start"})
        if start_basis not in StartBasis.values:
            raise InvalidInput("missing_basis", "请选择开始时间的依据(执法人员陈述、文件名、设备屏幕显示或其他)",
                               {"field": "start_basis"})
        if start_basis == StartBasis.OTHER and not basis_note:
            raise InvalidInput("missing_basis_note", "依据为“其他”时请写明依据", {"field": "basis_note"})
        if picked.start is not None and abs(stated_start - picked.start) > STATED_START_REACH:
            raise InvalidInput("start_far_from_act", f"陈述的开始时间与{picked.label}的时间相差超过两天,请核对日期",
                               {"field": "stated_start"})
        if timez.now() < stated_start:
            raise InvalidInput("start_in_future", "开始时间不能晚于现在", {"field": "stated_start"})
    elif start_basis or basis_note:
        raise InvalidInput("basis_without_start", "填写了依据但未填写开始时间", {"field": "stated_start"})
    if evidence.recorded_start is None and stated_start is None and evidence.media_kind != MediaKind.PHOTO:
        raise InvalidInput("missing_start", "该文件没有录制时间:请填写它的开始时间并选择依据", {"field": "stated_start"})
    for key, value in (("segment_in", segment_in), ("segment_out", segment_out)):
        # The comparisons also refuse NaN.
        if value is not None and not 0 <= value < 10 * 86400:
            raise InvalidInput("invalid_segment", "片段起止须为不小于 0 的秒数", {"field": key})
    if segment_in is not None and segment_out is not None and not segment_in < segment_out:
        raise InvalidInput("invalid_segment", "片段终点须晚于起点", {"field": "segment_out"})
    duration = evidence.duration_seconds
    if duration is not None and any(v is not None and v > duration + 0.5 for v in (segment_in, segment_out)):
        raise InvalidInput("segment_beyond_end", f"片段超出录像长度({duration:.0f} 秒)", {"field": "segment_out"})
    with transaction.atomic(durable=True):
        if FootageLink.objects.filter(evidence=evidence, act=act).exists():
            raise Conflict("already_linked", f"该音像资料已关联{picked.label}")
        previous = evidence.case_id
        gaps = _put_in_case(evidence, case, None) if previous != case.pk else None
        name = actor.display_name if actor is not None else ""
        link = FootageLink.objects.create(
            evidence=evidence, case=case, act=act, act_label=picked.label[:200], stated_start=stated_start,
            start_basis=start_basis if stated_start is not None else "", basis_note=basis_note,
            segment_in=segment_in, segment_out=segment_out, linked_by=actor, linked_by_name=name,
            linked_at=timez.now())
        start, end = link.span()
        record_event("evidence.link_act", evidence, actor=actor, case_id=case.pk, agency_id=evidence.agency_id,
                     payload={**_brief(evidence), "case_id": case.pk, "case_number": case.number,
                              "previous_case_id": previous, "act": act, "act_label": link.act_label,
                              "stated_start": stated_start.isoformat() if stated_start else None,
                              "start_basis": link.start_basis, "basis": link.basis_label,
                              "segment_in": segment_in, "segment_out": segment_out,
                              "start": start.isoformat() if start else None,
                              "end": end.isoformat() if end else None,
                              "interruptions": gaps["interruptions"] if gaps else [],
                              "interruptions_resolved": gaps["resolved"] if gaps else []})
    return link


@domain_action("evidence.reject_link")
def do_reject_link(evidence: Evidence, *, case: Case, reason: str = "", actor: User) -> LinkRejection:
    if case.agency_id != evidence.agency_id:
        raise InvalidInput("other_agency", "案件不属于本机关", {"field": "case_id"})
    _require_handle(actor, evidence.unit)
    with transaction.atomic(durable=True):
        if LinkRejection.objects.filter(evidence=evidence, case=case).exists():
            raise Conflict("already_rejected", "已驳回过该关联建议")
        row = LinkRejection.objects.create(evidence=evidence, case=case, by=actor, at=timez.now(),
                                           reason=reason.strip())
        record_event("evidence.reject_link", evidence, actor=actor, case_id=case.pk, agency_id=evidence.agency_id,
                     payload={**_brief(evidence), "case_id": case.pk, "case_number": case.number,
                              "reason": row.reason})
    return row


@domain_action("evidence.long_term")
def do_mark_long_term(evidence: Evidence, *, reason: str, actor: User) -> Evidence:
    """长期保存: one of the profile's situations applies (an objection, obstruction, …)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("missing_field", "请说明转为长期保存的情形", {"field": "reason"})
    _require_handle(actor, evidence.unit)
    if get_profile(evidence.agency.profile_id).rule("evidence_long_term") is None:
        raise Conflict("no_long_term_rule", "本机关适用的规范未规定音像资料长期保存的情形")
    with transaction.atomic(durable=True):
        if evidence.retention_long_term:
            raise Conflict("already_long_term", "该音像资料已为长期保存")
        fields = _retention_fields(evidence.agency, evidence.evidence_class,
                                   evidence.recorded_start or evidence.ingested_at, long_term=True)
        Evidence.objects.filter(pk=evidence.pk).update(**fields, version=F("version") + 1)
        note_changed(Evidence.objects.filter(pk=evidence.pk))
        for k, v in fields.items():
            setattr(evidence, k, v)
        record_event("evidence.long_term", evidence, actor=actor, case_id=evidence.case_id,
                     agency_id=evidence.agency_id, payload={**_brief(evidence), "reason": reason,
                                                            "basis": evidence.retention_basis})
    return evidence


# ---------------------------------------------------------------- interruptions and reception days


@domain_action("evidence.explain_interruption")
def do_explain_interruption(interruption: Interruption, *, text: str = "", voice_note: Evidence | None = None,
                            actor: User) -> Interruption:
    """中断原因说明: written, or a voice note (an ingested recording of the same agency)."""
    text = text.strip()
    if not text and voice_note is None:
        raise InvalidInput("missing_field", "请填写中断原因或附上语音说明", {"field": "text"})
    if voice_note is not None and (voice_note.agency_id != interruption.agency_id
                                   or voice_note.media_kind not in (MediaKind.AUDIO, MediaKind.VIDEO)):
        raise InvalidInput("invalid_voice_note", "语音说明须为本机关的录音或录像", {"field": "voice_note_id"})
    _require_handle(actor, interruption.unit)
    with transaction.atomic(durable=True):
        updated = Interruption.objects.filter(pk=interruption.pk, status=InterruptionStatus.OPEN).update(
            status=InterruptionStatus.EXPLAINED, explanation=text, voice_note=voice_note, explained_by=actor,
            explained_at=timez.now())
        if updated != 1:
            raise Conflict("not_open", "该中断已说明或已补齐")
        interruption.refresh_from_db()
        record_event("evidence.explain_interruption", interruption, actor=actor,
                     case_id=interruption.before.case_id, agency_id=interruption.agency_id,
                     payload={"device_serial": interruption.device_serial, "gap_seconds": interruption.gap_seconds,
                              "before": interruption.before_id, "after": interruption.after_id, "text": text,
                              "voice_note_sha256": voice_note.stored.sha256 if voice_note else None})
    return interruption


def _handling_payload(h: EvidenceHandling) -> dict[str, Any]:
    return {"returned_at": h.returned_at.isoformat() if h.returned_at else None, "delay_reason": h.delay_reason,
            "title": h.title, "category": h.category, "place": h.place, "description": h.description}


@domain_action("evidence.record_return")
def do_record_evidence_return(evidence: Evidence, *, returned_at: dt.datetime, delay_reason: str = "",
                              actor: User) -> EvidenceHandling:
    """返回单位: when the officer got back to the office, from which the storage deadline runs where the
    text says so (3-safety-production 第十六条, 2-commission 第十九条), and why storage was late, if
    it was (特殊情况, 连续工作确实无法及时移交)."""
    _require_handle(actor, evidence.unit)
    if returned_at.tzinfo is None:
        raise InvalidInput("invalid_time", "返回单位时间须含时区", {"field": "returned_at"})
    if returned_at > timez.now():
        raise InvalidInput("invalid_time", "返回单位时间不能晚于现在", {"field": "returned_at"})
    if evidence.recorded_end is not None and returned_at < evidence.recorded_end:
        raise InvalidInput("invalid_time", "返回单位时间不能早于录制结束时间", {"field": "returned_at"})
    delay_reason = neutralise(delay_reason.strip())
    if len(delay_reason) > 2000:
        raise InvalidInput("too_long", "迟延原因不能超过 2000 字", {"field": "delay_reason"})
    with transaction.atomic(durable=True):
        # Locked: the return and the cataloguing are two steps on one row, maybe at once.
        Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
        h, _ = EvidenceHandling.objects.get_or_create(evidence=evidence)
        h.returned_at, h.delay_reason, h.return_noted_by_name = returned_at, delay_reason, actor.display_name
        h.save(update_fields=["returned_at", "delay_reason", "return_noted_by_name"])
        record_event("evidence.record_return", evidence, actor=actor, case_id=evidence.case_id,
                     agency_id=evidence.agency_id, payload=_handling_payload(h))
    return h


@domain_action("evidence.catalogue")
def do_catalogue_evidence(evidence: Evidence, *, title: str, category: str, place: str, description: str,
                          actor: User) -> EvidenceHandling:
    """分类整理并命名: the recording's 名称、分类, and a description of the 具体场所 and 主要内容
    (3-safety-production 第十七条). All four are asked: the text names each."""
    _require_handle(actor, evidence.unit)
    values = {"title": (title, "名称", 200), "place": (place, "场所", 200), "description": (description, "内容描述", 2000)}
    cleaned: dict[str, str] = {}
    for key, (value, label, limit) in values.items():
        text = neutralise((value or "").strip())
        if not text:
            raise InvalidInput("missing_field", f"请填写{label}", {"field": key})
        if len(text) > limit:
            raise InvalidInput("too_long", f"{label}不能超过 {limit} 字", {"field": key})
        cleaned[key] = text
    if category not in RecordingCategory.values:
        raise InvalidInput("invalid_category", "请选择分类", {"field": "category"})
    with transaction.atomic(durable=True):
        Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
        h, _ = EvidenceHandling.objects.get_or_create(evidence=evidence)
        h.title, h.place, h.description, h.category = cleaned["title"], cleaned["place"], cleaned["description"], category
        h.catalogued_at, h.catalogued_by_name = timez.now(), actor.display_name
        h.save(update_fields=["title", "place", "description", "category", "catalogued_at", "catalogued_by_name"])
        record_event("evidence.catalogue", evidence, actor=actor, case_id=evidence.case_id,
                     agency_id=evidence.agency_id, payload=_handling_payload(h))
    return h


def _stop_payload(stop: RecordingStop) -> dict[str, Any]:
    return {"stopped_at": stop.stopped_at.isoformat(), "cause": stop.cause, "device_serial": stop.device_serial,
            "reported_to": stop.reported_to_name, "reported_at": stop.reported_at.isoformat(),
            "explanation": stop.explanation}


def _moment(value: dt.datetime, field: str, label: str) -> dt.datetime:
    if value.tzinfo is None:
        raise InvalidInput("invalid_time", f"{label}须含时区", {"field": field})
    if value > timez.now():
        raise InvalidInput("invalid_time", f"{label}不能晚于现在", {"field": field})
    return value


@domain_action("evidence.report_stop")
def do_report_recording_stop(case: Case, *, stopped_at: dt.datetime, cause: str, reported_to: User,
                             reported_at: dt.datetime, device_serial: str = "", actor: User) -> RecordingStop:
    """确实无法继续记录: reported to the head of the case's unit (所属部门负责人), with when and why
    (2-commission 第十三条). The written explanation follows with do_explain_recording_stop."""
    _require_handle(actor, case.unit)
    stopped_at = _moment(stopped_at, "stopped_at", "中止记录时间")
    reported_at = _moment(reported_at, "reported_at", "报告时间")
    if reported_at < stopped_at:
        raise InvalidInput("invalid_time", "报告时间不能早于中止记录时间", {"field": "reported_at"})
    cause = neutralise(cause.strip())
    if not cause:
        raise InvalidInput("missing_field", "请填写无法继续记录的原因", {"field": "cause"})
    if len(cause) > 2000:
        raise InvalidInput("too_long", "原因不能超过 2000 字", {"field": "cause"})
    if reported_to.agency_id != case.agency_id or not reported_to.has_role(Role.HEAD, case.unit_id):
        raise InvalidInput("not_a_head", "请选择本案所属部门的负责人", {"field": "reported_to"})
    with transaction.atomic(durable=True):
        stop = RecordingStop.objects.create(
            agency_id=case.agency_id, unit_id=case.unit_id, case=case, device_serial=device_serial.strip()[:64],
            stopped_at=stopped_at, cause=cause, reported_to=reported_to, reported_to_name=reported_to.display_name,
            reported_at=reported_at, recorded_by_name=actor.display_name, recorded_at=timez.now())
        record_event("evidence.report_stop", stop, actor=actor, case_id=case.pk, agency_id=case.agency_id,
                     payload=_stop_payload(stop))
    return stop


@domain_action("evidence.explain_stop")
def do_explain_recording_stop(stop: RecordingStop, *, text: str, actor: User) -> RecordingStop:
    """事后书面说明 of a recording that could not go on."""
    _require_handle(actor, stop.unit)
    text = neutralise(text.strip())
    if not text:
        raise InvalidInput("missing_field", "请填写书面说明", {"field": "text"})
    if len(text) > 5000:
        raise InvalidInput("too_long", "书面说明不能超过 5000 字", {"field": "text"})
    with transaction.atomic(durable=True):
        updated = RecordingStop.objects.filter(pk=stop.pk, explanation="").update(
            explanation=text, explained_at=timez.now())
        if updated != 1:
            raise Conflict("already_explained", "该报告已有书面说明")
        note_changed(RecordingStop.objects.filter(pk=stop.pk))
        stop.refresh_from_db()
        record_event("evidence.explain_stop", stop, actor=actor, case_id=stop.case_id, agency_id=stop.agency_id,
                     payload=_stop_payload(stop))
    return stop


@domain_action("evidence.register_reception")
def do_register_reception_segment(evidence: Evidence, *, site: str, day: dt.date, actor: User | None) -> ReceptionSegment:
    """受理场所监控日存: the day's surveillance recording of a reception site, labelled with its date."""
    site = site.strip()
    if not site or len(site) > 100:
        raise InvalidInput("missing_field", "请填写受理场所(不超过 100 字)", {"field": "site"})
    if not dt.date(1990, 1, 1) <= day <= timez.beijing(timez.now()).date():
        raise InvalidInput("invalid_day", "日期无效", {"field": "day"})
    _require_handle(actor, evidence.unit)
    with transaction.atomic(durable=True):
        if ReceptionSegment.objects.filter(evidence=evidence).exists():
            raise Conflict("already_registered", "该音像资料已登记为受理场所监控")
        segment = ReceptionSegment.objects.create(agency_id=evidence.agency_id, unit_id=evidence.unit_id, site=site,
                                                  day=day, evidence=evidence, registered_by=actor,
                                                  registered_at=timez.now())
        recorded = dt.datetime.combine(day, dt.time(), tzinfo=timez.BEIJING)
        fields = {"evidence_class": EvidenceClass.RECEPTION,
                  **_retention_fields(evidence.agency, EvidenceClass.RECEPTION, recorded,
                                      evidence.retention_long_term)}
        Evidence.objects.filter(pk=evidence.pk).update(**fields, version=F("version") + 1)
        note_changed(Evidence.objects.filter(pk=evidence.pk))
        for k, v in fields.items():
            setattr(evidence, k, v)
        record_event("evidence.register_reception", segment, actor=actor, agency_id=evidence.agency_id,
                     payload={**_brief(evidence), "site": site, "day": day.isoformat()})
    return segment


# ---------------------------------------------------------------- derivatives, replication, fixity (system)


@domain_action("evidence.derive")
def do_attach_derivatives(evidence: Evidence, *, proxy_status: str, proxy_key: str = "", thumb_key: str = "",
                          detail: str = "", actor: User | None = None) -> Evidence:
    """Record the browser-safe proxy and thumbnail a background job made (never the original)."""
    with transaction.atomic(durable=True):
        Evidence.objects.filter(pk=evidence.pk).update(proxy_status=proxy_status, proxy_key=proxy_key,
                                                       thumb_key=thumb_key)
        note_changed(Evidence.objects.filter(pk=evidence.pk))
        evidence.proxy_status, evidence.proxy_key, evidence.thumb_key = proxy_status, proxy_key, thumb_key
        record_event("evidence.derive", evidence, actor=actor, agency_id=evidence.agency_id,
                     payload={**_brief(evidence), "proxy_status": proxy_status, "proxy_key": proxy_key,
                              "thumb_key": thumb_key, "detail": detail[:500]})
    return evidence


@domain_action("evidence.replicate")
def do_record_replication(keys: list[str], *, target: str, actor: User | None = None) -> int:
    with transaction.atomic(durable=True):
        count = StoredObject.objects.filter(key__in=keys).update(replicated_at=timez.now())
        note_changed(StoredObject.objects.filter(key__in=keys))
        record_event("evidence.replicate", None, actor=actor, object_type="evidence.storedobject", object_id="*",
                     payload={"target": target, "count": len(keys), "keys": keys[:1000]})
    return count


@domain_action("evidence.fixity")
def do_record_fixity(*, checked: list[str], problems: list[dict[str, Any]], store: str,
                     actor: User | None = None) -> None:
    """完整性校验: every object re-hashed; mismatches and missing objects named."""
    now = timez.now()
    bad = [p["key"] for p in problems]
    with transaction.atomic(durable=True):
        StoredObject.objects.filter(key__in=checked).exclude(key__in=bad).update(verified_at=now, verified_ok=True)
        StoredObject.objects.filter(key__in=bad).update(verified_at=now, verified_ok=False)
        note_changed(StoredObject.objects.filter(key__in=checked))
        note_changed(StoredObject.objects.filter(key__in=bad))
        record_event("evidence.fixity", None, actor=actor, object_type="evidence.storedobject", object_id="*",
                     payload={"store": store, "checked": len(checked), "problems": problems[:1000]})


@domain_action("evidence.restore")
def do_record_restore(stored: StoredObject, *, source: str, damaged: dict[str, Any] | None = None,
                      kept_aside: str = "", actor: User | None = None) -> StoredObject:
    """恢复: a missing object brought back, or a damaged one replaced (its bad digests and where
    its bytes were kept aside are part of the record)."""
    with transaction.atomic(durable=True):
        StoredObject.objects.filter(pk=stored.pk).update(verified_at=timez.now(), verified_ok=True)
        note_changed(StoredObject.objects.filter(pk=stored.pk))
        names = list(stored.records.values_list("original_name", flat=True)[:20])
        payload: dict[str, Any] = {"sha256": stored.sha256, "sm3": stored.sm3, "size": stored.size,
                                   "object_key": stored.key, "source": source, "names": names}
        if damaged is not None:
            payload.update(problem="mismatch", damaged=damaged, kept_aside=kept_aside)
        record_event("evidence.restore", stored, actor=actor, object_type="evidence.storedobject",
                     payload=payload)
    return stored

