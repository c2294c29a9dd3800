"""The holes a probe found, each written as the attack: a persona, a request, the expected refusal.

Every answer here goes through the one access policy (lawtrail/access/policy.py): marked records
are left out or refused like missing ones, downloads need a role that keeps records, and every
download lands in the access register.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.access.actions import do_decide_access_request, do_mark_confidential, do_request_access
from lawtrail.cases.actions import do_create_party, do_decide_complaint, do_register_complaint
from lawtrail.cases.choices import PartyKind
from lawtrail.cases.models import Party
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Conflict
from lawtrail.testing.access import Records, build_records, in_days
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, valid_id_number
from lawtrail.testing.scenarios import beijing


@pytest.fixture
def records(world: World, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> Records:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return build_records(world, settings, tmp_path)


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def text(reply: object) -> str:
    body = reply.body
    return json.dumps(body, ensure_ascii=False) if not isinstance(body, bytes) else body.decode("latin-1")


# ---------------------------------------------------------------- the case bundle


def test_the_bundle_leaves_out_a_privacy_document_for_the_supervisor_and_the_administrator(
        world: World, records: Records) -> None:
    r = records
    do_mark_confidential(r.doc, level="privacy", reason="含劳动者身份证号", actor=world.alice)
    secret_field = next(v for v in r.doc.fields.values() if isinstance(v, str) and len(v) > 3)
    for reader in (world.sam, world.root):
        got = ApiClient(reader).get(f"/api/cases/{r.case.pk}/bundle")
        assert got.status == 200, reader
        assert f"doc-{r.doc.pk}" not in [d["id"] for d in got.body["documents"]], reader
        assert r.doc.pdf_sha256 not in text(got), reader
    assert secret_field  # the document has content to leak
    # The case's own officer is cleared; her read of marked material is in the register.
    mine = ApiClient(world.alice).get(f"/api/cases/{r.case.pk}/bundle")
    assert f"doc-{r.doc.pk}" in [d["id"] for d in mine.body["documents"]]
    reads = DomainEvent.objects.filter(action="access.view_confidential", object_id=str(r.doc.pk))
    assert list(reads.values_list("actor_username", flat=True)) == ["alice"]


def test_the_bundle_leaves_out_state_secret_footage_for_everyone_but_the_agency_head(
        world: World, records: Records) -> None:
    r = records
    do_mark_confidential(r.clip, level="state", reason="涉及国家秘密", actor=world.hank)
    for reader in (world.alice, world.uma, world.sam, world.archie, world.lena):
        got = ApiClient(reader).get(f"/api/cases/{r.case.pk}/bundle")
        assert got.status == 200
        assert f"media-{r.clip.pk}" not in text(got), reader
        assert r.clip.stored.sha256 not in text(got), reader
        assert f"media-{r.photo.pk}" in text(got), reader  # the unmarked photo stays
    head = ApiClient(world.hank).get(f"/api/cases/{r.case.pk}/bundle")
    assert r.clip.stored.sha256 in text(head)


# ---------------------------------------------------------------- retention "why kept"


def test_why_kept_does_not_show_state_secret_footage_to_uncleared_users(world: World, records: Records) -> None:
    r = records
    do_mark_confidential(r.clip, level="state", reason="涉及国家秘密", actor=world.hank)
    for reader in (world.alice, world.archie, world.sam):
        api = ApiClient(reader)
        assert api.get(f"/api/retention/evidence/{r.clip.pk}").status == 404, reader
        case = api.get(f"/api/retention/cases/{r.case.pk}")
        assert case.status == 200 and r.clip.pk not in [e["id"] for e in case.body["evidence"]], reader
        assert r.clip.display_name not in text(case), reader
        web = client_for(reader)
        assert web.get(f"/retention/evidence/{r.clip.pk}/").status_code == 404, reader
        assert r.clip.display_name not in web.get(f"/retention/cases/{r.case.pk}/").content.decode(), reader
    assert ApiClient(world.hank).get(f"/api/retention/evidence/{r.clip.pk}").status == 200
    assert r.clip.display_name in client_for(world.hank).get(f"/retention/cases/{r.case.pk}/").content.decode()


# ---------------------------------------------------------------- intake documents


def test_intake_documents_follow_the_download_rule_of_case_documents(world: World, records: Records) -> None:
    c = do_register_complaint(unit=world.unit_a, kind="complaint", respondent=world.company,
                              facts="拖欠工资", complainant_name="王五", complainant_phone="13800000000",
                              actor=world.alice)
    c = do_decide_complaint(c, outcome="not_accepted", reason="不属于本机关管辖", actor=world.alice)
    doc = do_create_document(c, type_code="non_acceptance_decision", actor=world.alice)
    doc = do_issue_document(do_update_document(doc, fields={
        "legal_basis": "《劳动保障监察条例》第十三条", "remedy": "如不服本决定,可在六十日内申请行政复议"},
        actor=world.alice), actor=world.alice)
    # The supervisor and the administrator read; they do not take records away (as on a case's).
    for reader in (world.sam, world.root):
        api = ApiClient(reader)
        assert api.get(f"/api/documents/{records.doc.pk}/issued-pdf").status == 403, reader
        assert api.get(f"/api/documents/{doc.pk}/issued-pdf").status == 403, reader
        assert api.get(f"/api/documents/{doc.pk}/render", format="docx").status == 403, reader
        assert client_for(reader).get(f"/documents/{doc.pk}/issued.pdf").status_code == 403, reader
        assert api.get(f"/api/documents/{doc.pk}").status == 200, reader  # reading stays
    # The unit's officers print it for the complainant; another unit sees nothing.
    assert ApiClient(world.andy).get(f"/api/documents/{doc.pk}/issued-pdf").status == 200
    assert ApiClient(world.bob).get(f"/api/documents/{doc.pk}/issued-pdf").status == 404
    downloads = DomainEvent.objects.filter(action="access.download", object_id=str(doc.pk))
    assert list(downloads.filter(outcome="done").values_list("actor_username", flat=True)) == ["andy"]


# ---------------------------------------------------------------- the bound case file


@pytest.mark.usefixtures("ledger")
def test_the_case_file_pdf_and_the_package_pass_the_policy_and_are_registered(
        world: World, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> None:
    from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file
    from lawtrail.testing.archive import closed_case
    from lawtrail.testing.evidence import use_fresh_vault

    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    case, _doc, _clip = closed_case(world, tmp_path)
    cf = do_assemble_case_file(case, retention="D30", notes="齐全", actor=world.alice)
    do_bind_case_file(cf, note="已检查", actor=world.archie)
    # The handler of a closed case, the supervisor: no download; another unit: nothing at all.
    for user, status in ((world.alice, 403), (world.sam, 403), (world.bob, 404)):
        assert ApiClient(user).get(f"/api/cases/{case.pk}/case-file/pdf").status == status, user
    assert client_for(world.alice).get(f"/cases/{case.pk}/case-file/case-file.pdf").status_code == 403
    got = ApiClient(world.archie).get(f"/api/cases/{case.pk}/case-file/pdf")
    assert got.status == 200 and bytes(got.body).startswith(b"%PDF-")
    assert client_for(world.archie).get(f"/cases/{case.pk}/case-file/case-file.pdf").status_code == 200
    api = ApiClient(world.archie)
    exported = api.client.post(f"/api/cases/{case.pk}/archive-package", headers=api.headers)
    assert exported.status_code == 200
    lines = DomainEvent.objects.filter(action="access.download", case_id_frozen=case.pk, outcome="done")
    assert sorted(e.payload["format"] for e in lines) == ["archive_package", "case_file_pdf", "case_file_pdf"]
    assert {e.actor_username for e in lines} == {"archie"}
    register = ApiClient(world.archie).get("/api/access-register", case_id=case.pk)
    assert register.status == 200 and len(register.body) >= 3


# ---------------------------------------------------------------- no existence oracle


def test_a_request_naming_a_hidden_record_answers_like_a_missing_one(world: World, records: Records) -> None:
    r = records
    do_mark_confidential(r.clip, level="state", reason="涉及国家秘密", actor=world.hank)
    alice = ApiClient(world.alice)

    def ask(evidence_id: int) -> tuple[int, str, str]:
        got = alice.post("/api/access-requests", {
            "case_id": r.case.pk, "kind": "internal", "evidence_ids": [evidence_id], "purpose": "复核",
            "expires_at": in_days(3).isoformat()})
        return got.status, got.body["code"], got.body["message"].replace(str(evidence_id), "N")

    assert ask(r.clip.pk) == ask(r.clip.pk + 100000)

    # Under an approved 调用单, a record it does not name answers like a missing one too.
    req = do_request_access(r.case, kind="external", documents=[r.doc], purpose="诉讼", requester=r.olga,
                            requester_unit="名山区人民法院", expires_at=in_days(3), actor=world.archie)
    do_decide_access_request(req, approved=True, opinion="同意", actor=world.hank)
    olga = ApiClient(r.olga)

    def copy(evidence_id: int) -> tuple[int, bytes]:
        got = olga.client.get(f"/api/access-requests/{req.pk}/evidence/{evidence_id}/copy", headers=olga.headers)
        return got.status_code, got.content

    assert copy(r.photo.pk) == copy(r.photo.pk + 100000)
    assert copy(r.clip.pk) == copy(r.clip.pk + 100000)
    assert copy(r.clip.pk)[0] == 404


# ---------------------------------------------------------------- parties


def test_a_person_is_seen_only_by_units_with_business_with_them_and_by_agency_wide_roles(
        world: World) -> None:
    person = world.person  # registered by alice (一中队)
    assert ApiClient(world.bob).get(f"/api/parties/{person.pk}").status == 404
    listed = ApiClient(world.bob).get("/api/parties").body
    assert person.id_number not in json.dumps(listed, ensure_ascii=False)
    assert ApiClient(world.alice).get(f"/api/parties/{person.pk}").status == 200
    for reader in (world.sam, world.lena, world.hank):
        assert ApiClient(reader).get(f"/api/parties/{person.pk}").status == 200, reader
    # A company (public 统一社会信用代码) stays shared: 二中队 may register a case against it.
    assert ApiClient(world.bob).get(f"/api/parties/{world.company.pk}").status == 200
    # Registering the same person again does not hand out the other unit's record.
    with pytest.raises(Conflict) as dup:
        do_create_party(kind=PartyKind.PERSON, name="李四", id_number=person.id_number, actor=world.bob)
    assert "李四" not in dup.value.message and not dup.value.detail
    # Once 二中队 has a complaint against the person, it sees them.
    do_register_complaint(unit=world.unit_b, kind="complaint", respondent=person, facts="拖欠工资",
                          complainant_name="赵六", complainant_phone="13900000000", actor=world.bob)
    assert ApiClient(world.bob).get(f"/api/parties/{person.pk}").status == 200
    mine = do_create_party(kind=PartyKind.PERSON, name="周七", id_number=valid_id_number("11010519900101123"),
                           actor=world.bob)
    assert set(Party.objects.restrict(world.andy).filter(pk__in=[mine.pk, person.pk])) == {person}


# ---------------------------------------------------------------- one ledger entry by its number


@pytest.mark.usefixtures("ledger")
def test_one_entry_is_served_to_exactly_those_who_see_it_in_the_ledger(world: World, records: Records) -> None:
    """The proof, the entry API and the 核验 page look an entry up by its own event (a few rows at
    any size); they must answer as the ledger's list does, for every persona and every entry."""
    from lawtrail.ledger import queries
    from lawtrail.ledger.models import LedgerEntry

    r = records
    do_mark_confidential(r.clip, level="state", reason="涉及国家秘密", actor=world.hank)
    seqs = list(LedgerEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs
    shown: dict[str, set[int]] = {}
    for reader in (world.alice, world.andy, world.bob, world.uma, world.hank, world.lena, world.archie,
                   world.sam, world.root):
        listed = set(queries.visible_entries(reader).values_list("seq", flat=True))
        one_by_one = {seq for seq in seqs if queries.visible_entry(reader, seq) is not None}
        assert one_by_one == listed, reader.username
        shown[reader.username] = one_by_one
    assert queries.visible_entry(world.root, seqs[-1] + 1) is None
    # The answers differ by persona: another unit sees less than the case's officer, and the
    # footage's registration is withheld from her once it is a state secret, but not from the head.
    clip_entries = set(LedgerEntry.objects.filter(event__object_type="evidence.evidence",
                                                  event__object_id=str(r.clip.pk)).values_list("seq", flat=True))
    assert clip_entries and not clip_entries & shown["alice"] and clip_entries <= shown["hank"]
    assert shown["bob"] < shown["alice"]


# ---------------------------------------------------------------- documents tested by their own case


def test_a_document_tested_by_its_own_case_is_seen_by_exactly_those_who_see_it_in_the_lists(
        world: World, records: Records) -> None:
    """The documents API looks documents up by their own case, complaint or patrol (EXISTS, by_key)
    instead of against every case in reach (IN): the same documents for every persona and action,
    marked ones left out alike."""
    import datetime as dt

    from lawtrail.access.policy import ACTIONS, restrict
    from lawtrail.accounts.models import User
    from lawtrail.cases.actions import do_record_inspection
    from lawtrail.documents.models import Document
    from lawtrail.lib import timez
    from lawtrail.testing.scenarios import register_case

    def rejected(by: User) -> Document:
        assert by.unit is not None
        c = do_register_complaint(unit=by.unit, kind="complaint", respondent=world.company, facts="拖欠工资",
                                  complainant_name="王五", complainant_phone="13800000000", actor=by)
        c = do_decide_complaint(c, outcome="not_accepted", reason="不属于本机关管辖", actor=by)
        return do_create_document(c, type_code="non_acceptance_decision", actor=by)

    start = timez.now().replace(microsecond=0) - dt.timedelta(hours=2)
    patrol = do_record_inspection(
        unit=world.unit_a, party=world.company, place="工地", started_at=start, ended_at=start + dt.timedelta(hours=1),
        officers=[], findings="检查工资台账", outcome="record", actor=world.alice)
    on_patrol = do_create_document(patrol, type_code="check_record", actor=world.alice)
    other_unit = register_case(world, by=world.bob)
    mine = {records.doc, rejected(world.alice), on_patrol,
            do_create_document(other_unit, type_code="rights_notice", actor=world.bob), rejected(world.bob)}
    do_mark_confidential(records.doc, level="privacy", reason="含劳动者身份证号", actor=world.alice)
    assert set(Document.objects.all()) >= mine
    seen: dict[str, set[Document]] = {}
    for reader in (world.alice, world.andy, world.bob, world.uma, world.hank, world.lena, world.archie,
                   world.sam, world.root, records.olga):
        for action in ACTIONS:
            by_scope = set(restrict(Document.objects.all(), reader, action))
            by_key = set(restrict(Document.objects.all(), reader, action, by_key=True))
            assert by_key == by_scope, (reader.username, action)
        seen[reader.username] = set(restrict(Document.objects.all(), reader, by_key=True)) & mine
    # The answers differ by persona: another unit sees its own two documents only; the marked one is
    # left out for the supervisor, who sees the rest of the agency, and kept for the case's officer.
    assert seen["alice"] == {d for d in mine if d.owner.unit_id == world.unit_a.pk}
    assert seen["bob"] == {d for d in mine if d.owner.unit_id == world.unit_b.pk} and len(seen["bob"]) == 2
    assert seen["sam"] == mine - {records.doc} and seen["lena"] == mine and not seen[records.olga.username]
