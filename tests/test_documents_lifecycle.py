"""执法文书: drafts pre-filled from the case, issue with a number and a hashed PDF, immutability,
signatures, refusals with the witnesses the profile asks for, approvals, corrections."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from time_machine import TimeMachineFixture

from lawtrail.documents.actions import (
    do_approve_document,
    do_correct_document,
    do_create_document,
    do_issue_document,
    do_record_hand_signature,
    do_record_refusal,
    do_set_number_scheme,
    do_sign_document,
    do_update_document,
)
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import Document, DocumentCounter, Signature
from lawtrail.documents.signing import is_complete, slot_states
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Conflict, DomainError, Forbidden, InvalidInput
from lawtrail.testing.documents import handwriting_png, sample_fields
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, beijing, register_case

PNG = handwriting_png()


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


@contextmanager
def written() -> Iterator[list[DomainEvent]]:
    mark = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events: list[DomainEvent] = []
    try:
        yield events
    finally:
        events.extend(DomainEvent.objects.filter(id__gt=mark).order_by("id"))


def actions_of(fn: Callable[[], object]) -> list[str]:
    with written() as events:
        fn()
    return [e.action for e in events]


def investigating_case(world: World):  # type: ignore[no-untyped-def]
    return advance(world, register_case(world), to="investigating")


def draft(world: World, case, code: str = "inquiry_record", **extra: object) -> Document:  # type: ignore[no-untyped-def]
    doc = do_create_document(case, type_code=code, actor=world.alice)
    fields = sample_fields(get_type(code), prefilled=doc.fields)
    fields.update(extra)
    return do_update_document(doc, fields=fields, actor=world.alice)


def issued(world: World, case, code: str = "inquiry_record") -> Document:  # type: ignore[no-untyped-def]
    return do_issue_document(draft(world, case, code), actor=world.alice)


# ---------------------------------------------------------------- drafts


def test_it_prefills_a_draft_from_the_case(world: World) -> None:
    case = investigating_case(world)
    with written() as events:
        doc = do_create_document(case, type_code="inquiry_record", actor=world.alice)
    assert [e.action for e in events] == ["document.create"]
    assert events[0].case_id_frozen == case.pk and events[0].payload["type"] == "inquiry_record"
    f = doc.fields
    assert f["case_number"] == case.number and f["case_title"] == case.title
    # Officers with their 执法证号, the handler first.
    assert f["officers"] == f"艾丽(执法证号 {world.alice.cert_no})、安迪(执法证号 {world.andy.cert_no})"
    assert f["officer_count"] == 2
    assert f["interviewee"] == "张三" and f["recorder"] == "艾丽"
    assert f["started_at"] == "2026-04-20T09:30:00+08:00"
    assert doc.status == "draft" and doc.number == "" and doc.version == 1


def test_it_refuses_to_issue_a_document_missing_a_mandatory_field_and_names_the_field(world: World) -> None:
    case = investigating_case(world)
    doc = do_create_document(case, type_code="inquiry_record", actor=world.alice)
    fields = sample_fields(doc.doc_type, prefilled=doc.fields)
    del fields["ended_at"]
    doc = do_update_document(doc, fields=fields, actor=world.alice)
    with pytest.raises(InvalidInput) as err:
        do_issue_document(doc, actor=world.alice)
    assert err.value.code == "missing_field"
    assert "询问结束时间" in err.value.message and err.value.detail == {"field": "ended_at", "fields": ["ended_at"], "document_id": doc.pk}
    doc.refresh_from_db()
    assert doc.status == "draft" and not doc.pdf_sha256
    refused = DomainEvent.objects.filter(action="document.issue", object_id=str(doc.pk)).get()
    assert (refused.outcome, refused.reason_code) == ("refused", "missing_field")


def test_it_refuses_an_end_time_before_the_start(world: World) -> None:
    case = investigating_case(world)
    doc = do_create_document(case, type_code="inquiry_record", actor=world.alice)
    with pytest.raises(InvalidInput) as err:
        do_update_document(doc, fields={"ended_at": "2026-04-20T09:00:00+08:00"}, actor=world.alice)
    assert err.value.code == "bad_time_range" and "询问结束时间应晚于询问开始时间" in err.value.message


def test_it_refuses_unknown_fields_and_naive_times(world: World) -> None:
    case = investigating_case(world)
    doc = do_create_document(case, type_code="inquiry_record", actor=world.alice)
    with pytest.raises(InvalidInput) as err:
        do_update_document(doc, fields={"colour": "红"}, actor=world.alice)
    assert err.value.code == "unknown_field"
    with pytest.raises(InvalidInput) as err:
        do_update_document(doc, fields={"ended_at": "2026-04-20T11:00"}, actor=world.alice)
    assert "时区" in err.value.message


# ---------------------------------------------------------------- issue and immutability


def test_issuing_numbers_the_document_and_records_the_hash_of_its_pdf(world: World) -> None:
    case = investigating_case(world)
    first = draft(world, case, "inquiry_notice")
    with written() as events:
        first = do_issue_document(first, actor=world.alice)
    assert [e.action for e in events] == ["document.issue"]
    pdf = bytes(first.pdf)
    assert pdf.startswith(b"%PDF") and first.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert events[0].payload["sha256"] == first.pdf_sha256 and events[0].payload["size"] == len(pdf)
    assert first.number == "测劳监询通〔2026〕1号" and events[0].payload["number"] == first.number
    second = issued(world, case, "inquiry_notice")
    other_type = issued(world, case, "evidence_request_notice")
    assert second.number == "测劳监询通〔2026〕2号"
    assert other_type.number == "测劳监调证〔2026〕1号"  # counted per type


def test_a_refused_issue_gives_no_number_away(world: World) -> None:
    case = investigating_case(world)
    incomplete = do_create_document(case, type_code="inquiry_notice", actor=world.alice)
    with pytest.raises(InvalidInput):
        do_issue_document(incomplete, actor=world.alice)
    # (the 立案审批表 the filing issued has its own counter)
    assert not DocumentCounter.objects.filter(type_code="inquiry_notice").exists()
    assert issued(world, case, "inquiry_notice").number.endswith("〔2026〕1号")


def test_the_agency_number_scheme_is_used(world: World) -> None:
    do_set_number_scheme(world.agency, format="名劳监{abbr}字〔{year}〕第{seq:03d}号", actor=world.root)
    case = investigating_case(world)
    assert issued(world, case, "inquiry_notice").number == "名劳监询通字〔2026〕第001号"
    with pytest.raises(InvalidInput):
        do_set_number_scheme(world.agency, format="{agency}{nope}", actor=world.root)
    with pytest.raises(Forbidden):
        do_set_number_scheme(world.agency, format="{year}{seq}", actor=world.alice)


def test_an_issued_document_cannot_be_altered(world: World) -> None:
    case = investigating_case(world)
    doc = issued(world, case)
    before = (doc.fields, doc.pdf_sha256)
    with pytest.raises(Conflict) as err:
        do_update_document(doc, fields={"place": "别处"}, actor=world.alice)
    assert err.value.code == "document_immutable" and "已签发,不能修改" in err.value.message
    with pytest.raises(Conflict):
        do_issue_document(doc, actor=world.alice)
    doc.refresh_from_db()
    assert (doc.fields, doc.pdf_sha256) == before
    assert DomainEvent.objects.filter(action="document.update", outcome="refused").count() == 1


def test_the_database_itself_refuses_to_change_an_issued_document_or_a_signature(world: World) -> None:
    from django.db import DatabaseError, transaction

    case = investigating_case(world)
    doc = issued(world, case)
    do_sign_document(doc, slot="officers", actor=world.alice)
    attempts = [
        lambda: Document.objects.filter(pk=doc.pk).update(fields={"place": "别处"}),
        lambda: Document.objects.filter(pk=doc.pk).update(pdf_sha256="0" * 64),
        lambda: Document.objects.filter(pk=doc.pk).update(status="draft"),
        lambda: Signature.objects.filter(document=doc).update(name="别人"),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    doc.refresh_from_db()
    assert doc.fields["place"] != "别处" and doc.status == "issued"
    # Superseding is the one change an issued version allows.
    assert Document.objects.filter(pk=doc.pk).update(status="superseded") == 1


def test_an_officer_of_another_unit_can_neither_see_nor_write(world: World) -> None:
    case = investigating_case(world)
    doc = issued(world, case)
    assert Document.objects.restrict(world.bob).count() == 0
    # The supervisor sees the whole agency: the record and the 立案审批表 the filing issued.
    assert set(Document.objects.restrict(world.sam)) == {doc, case.documents.get(type_code="filing_approval_form")}
    with pytest.raises(Forbidden):
        do_create_document(case, type_code="inquiry_record", actor=world.bob)
    with pytest.raises(Forbidden):
        do_sign_document(doc, slot="officers", actor=world.bob)


# ---------------------------------------------------------------- signatures


def test_officers_sign_by_being_logged_in(world: World) -> None:
    case = investigating_case(world)
    doc = issued(world, case)
    with written() as events:
        sig = do_sign_document(doc, slot="officers", actor=world.alice)
    assert [e.action for e in events] == ["document.sign"]
    assert (sig.name, sig.cert_no, sig.user, sig.document_sha256) == (
        "艾丽", world.alice.cert_no, world.alice, doc.pdf_sha256)
    assert events[0].payload["cert_no"] == world.alice.cert_no and events[0].payload["sha256"] == doc.pdf_sha256
    with pytest.raises(Conflict):
        do_sign_document(doc, slot="officers", actor=world.alice)
    with pytest.raises(InvalidInput):
        do_sign_document(doc, slot="interviewee", actor=world.alice)


def test_a_draft_cannot_be_signed(world: World) -> None:
    case = investigating_case(world)
    with pytest.raises(Conflict) as err:
        do_sign_document(draft(world, case), slot="officers", actor=world.alice)
    assert err.value.code == "document_not_issued"


def test_the_party_signs_by_hand_and_the_image_is_kept(world: World) -> None:
    case = investigating_case(world)
    doc = issued(world, case)
    with written() as events:
        sig = do_record_hand_signature(doc, slot="interviewee", name="张三", image=PNG, actor=world.alice)
    assert [e.action for e in events] == ["document.hand_sign"]
    assert bytes(sig.image) == PNG and sig.image_sha256 == hashlib.sha256(PNG).hexdigest()
    assert events[0].payload["image_sha256"] == sig.image_sha256
    with pytest.raises(Conflict):
        do_record_refusal(doc, slot="interviewee", name="张三", reason="不签", actor=world.alice)
    with pytest.raises(InvalidInput) as err:
        do_record_hand_signature(doc, slot="witnesses", name="路人", image=b"GIF89a", actor=world.alice)
    assert err.value.code == "invalid_signature_image"


def test_under_the_labour_rules_a_refusal_needs_a_reason_but_no_witness(world: World) -> None:
    case = investigating_case(world)
    doc = issued(world, case)
    with pytest.raises(InvalidInput) as err:
        do_record_refusal(doc, slot="interviewee", name="张三", reason=" ", actor=world.alice)
    assert err.value.detail == {"field": "reason"}
    sig = do_record_refusal(doc, slot="interviewee", name="张三", reason="对笔录内容有异议", actor=world.alice)
    assert sig.kind == "refused" and sig.witnesses == []


@pytest.fixture
def farm(db: None) -> World:
    """An agency under the agriculture rules: two officers, fingerprints, two witnesses to a refusal."""
    return build_world("agriculture", "测试区农业农村局")


def test_under_the_agriculture_rules_a_refusal_needs_two_disinterested_witnesses(farm: World) -> None:
    case = investigating_case(farm)
    doc = issued(farm, case)
    with pytest.raises(InvalidInput) as err:
        do_record_refusal(doc, slot="interviewee", name="张三", reason="拒绝签字", witnesses=[{"name": "王五"}],
                          actor=farm.alice)
    assert err.value.code == "witnesses_required"
    assert "2名以上无利害关系人见证" in err.value.message and "第十一条" in err.value.message
    with pytest.raises(InvalidInput) as err:
        do_record_refusal(doc, slot="interviewee", name="张三", reason="拒绝签字",
                          witnesses=[{"name": "王五"}, {"name": "安迪"}], actor=farm.alice)
    assert err.value.code == "interested_witness"
    with written() as events:
        sig = do_record_refusal(doc, slot="interviewee", name="张三", reason="拒绝签字",
                                witnesses=[{"name": "王五", "id_number": "110105194912310021"}, {"name": "赵六"}],
                                actor=farm.alice)
    assert [e.action for e in events] == ["document.refuse"]
    assert [w["name"] for w in sig.witnesses] == ["王五", "赵六"]
    assert sig.rule_article.endswith("第十一条")
    assert events[0].payload["required_witnesses"] == 2 and events[0].payload["witnesses"] == ["王五", "赵六"]


def test_under_the_agriculture_rules_the_inquiry_needs_a_fingerprint_and_two_officers(farm: World) -> None:
    case = investigating_case(farm)
    doc = issued(farm, case)
    with pytest.raises(InvalidInput) as err:
        do_record_hand_signature(doc, slot="interviewee", name="张三", image=PNG, actor=farm.alice)
    assert err.value.code == "fingerprint_required" and "按手印" in err.value.message
    do_record_hand_signature(doc, slot="interviewee", name="张三", image=PNG, fingerprint=True, actor=farm.alice)
    do_sign_document(doc, slot="officers", actor=farm.alice)
    states = {s.slot.key: s for s in slot_states(doc)}
    assert not states["officers"].complete and "需2人签名" in states["officers"].missing_text
    assert not is_complete(doc)
    do_sign_document(doc, slot="officers", actor=farm.andy)
    assert is_complete(doc)


# ---------------------------------------------------------------- approvals


def test_approvals_are_signatures_with_an_opinion_in_the_order_of_the_form(world: World) -> None:
    case = advance(world, register_case(world), to="reviewing")
    doc = issued(world, case, "penalty_approval_form")
    with pytest.raises(Conflict) as err:
        do_approve_document(doc, slot="head", approved=True, opinion="同意", actor=world.hank)
    assert err.value.code == "approval_out_of_order" and "承办机构意见" in err.value.message
    with pytest.raises(Forbidden):
        do_approve_document(doc, slot="unit_head", approved=True, opinion="同意", actor=world.alice)
    do_approve_document(doc, slot="unit_head", approved=True, opinion="同意上报", actor=world.uma)
    with pytest.raises(Forbidden):
        do_approve_document(doc, slot="legal_review", approved=True, opinion="合法", actor=world.hank)
    with written() as events:
        sig = do_approve_document(doc, slot="legal_review", approved=True, opinion="事实清楚,依据正确",
                                  actor=world.lena)
    assert [e.action for e in events] == ["document.approve"]
    assert events[0].actor_role == "legal_reviewer" and events[0].payload["opinion"] == "事实清楚,依据正确"
    assert (sig.kind, sig.approved, sig.name) == ("approval", True, "莉娜")
    do_approve_document(doc, slot="head", approved=True, opinion="同意", actor=world.hank)
    with pytest.raises(Conflict):
        do_approve_document(doc, slot="head", approved=False, opinion="再议", actor=world.hank)


def test_the_filing_form_asks_for_the_approvals_the_profile_lists(world: World, farm: World) -> None:
    labour = do_issue_document(draft(world, register_case(world), "filing_approval_form"), actor=world.alice)
    assert [s.slot.key for s in slot_states(labour) if s.slot.role == "approver"] == ["filing_approval.head"]
    agri = do_issue_document(draft(farm, register_case(farm), "filing_approval_form"), actor=farm.alice)
    # The agriculture form also has the legal office's line a 重大行政执法行为 needs (第七条), which may stay empty.
    assert [(s.slot.label, s.slot.min) for s in slot_states(agri) if s.slot.role == "approver"] == [
        ("承办机构意见", 1), ("机关负责人意见", 1), ("法制机构合法性审查意见(重大行政执法行为)", 0)]


# ---------------------------------------------------------------- corrections


def test_a_correction_is_a_new_version_and_supersedes_the_old_once_issued(world: World) -> None:
    case = investigating_case(world)
    old = issued(world, case, "inquiry_notice")
    do_record_hand_signature(old, slot="recipient", name="张三", image=PNG, actor=world.alice)
    with written() as events:
        new = do_correct_document(old, reason="地点写错", fields={"appear_place": "名山区劳动保障监察大队"},
                                  actor=world.alice)
    assert [e.action for e in events] == ["document.correct"]
    assert (new.version, new.previous, new.status, new.fields["appear_place"]) == (2, old, "draft", "名山区劳动保障监察大队")
    old.refresh_from_db()
    assert old.status == "issued"
    with pytest.raises(Conflict):
        do_correct_document(old, reason="又错了", actor=world.alice)
    with written() as events:
        new = do_issue_document(new, actor=world.alice)
    assert [e.action for e in events] == ["document.issue", "document.supersede"]
    assert events[0].payload["previous_id"] == old.pk and events[0].payload["previous_sha256"] == old.pdf_sha256
    old.refresh_from_db()
    assert old.status == "superseded" and new.number == old.number and new.pdf_sha256 != old.pdf_sha256
    assert Signature.objects.filter(document=old).count() == 1  # the old version keeps what was signed
    with pytest.raises(DomainError) as err:
        do_sign_document(old, slot="recipient", actor=world.alice)
    assert err.value.code == "document_superseded"
    with pytest.raises(Conflict):
        do_correct_document(old, reason="再改", actor=world.alice)
    assert DocumentCounter.objects.get(type_code=old.type_code).last_seq == 1
