"""The demo serves five agencies in one installation, one per regulation profile, each with its own
people and a case at every stage, made through the actions: the steps' documents are issued (决定书
with their 文号, 送达回证 signed by the recipient), the inquiry records carry body-cam footage the
compliance engine pairs with them, and the finished cases pass their agency's gates."""

from __future__ import annotations

import pytest

from lawtrail.accounts.actions import do_create_user
from lawtrail.accounts.models import Agency, User
from lawtrail.archive.models import CaseFile
from lawtrail.cases import hooks
from lawtrail.cases.models import Case
from lawtrail.compliance.engine import BLOCKING
from lawtrail.compliance.export import export_case
from lawtrail.compliance.queries import case_findings
from lawtrail.demo import PASSWORD, demo_agency_name, demo_cast, demo_logins_by_agency, ensure_demo
from lawtrail.documents.acts import required_missing
from lawtrail.documents.models import Document, Signature
from lawtrail.evidence.models import Evidence
from lawtrail.lib.errors import Conflict
from lawtrail.profiles.registry import all_profiles
from lawtrail.testing.personas import build_world

EVERY_STAGE = {"registered", "filed", "investigating", "reviewing", "serving", "closed", "archived"}


def test_the_demo_loads_one_agency_per_profile_with_a_case_at_every_stage(db: None) -> None:
    assert ensure_demo() is True
    agencies = {a.profile_id: a for a in Agency.objects.all()}
    assert set(agencies) == set(all_profiles())
    for profile_id, agency in agencies.items():
        assert agency.name == demo_agency_name(profile_id)
        cases = Case.objects.filter(agency=agency, procedure="general")
        stages = set(cases.values_list("stage", flat=True))
        assert EVERY_STAGE <= stages, (profile_id, EVERY_STAGE - stages)
        # Numbers are the agency's own.
        numbers = [c.number for c in cases if c.number]
        assert numbers and all(n.startswith(agency.case_number_format.split("〔")[0]) for n in numbers)

        # Every case past filing had its inquiry recorded, on camera (the labour agency's older demo
        # cases, its investigating one): the engine pairs the clip with the record and finds
        # nothing that blocks.
        past_filing = cases.filter(stage="investigating") if profile_id == "labor-inspection" else \
            cases.exclude(stage__in=["registered", "filed"])
        for case in past_filing:
            inquiries = [d for d in export_case(case)["documents"] if d["type"] == "inquiry_record"]
            assert inquiries, case.label
            assert all(d["media"] for d in inquiries), case.label
            assert [f.message for f in case_findings(case) if f.severity == BLOCKING] == [], case.label

        for case in cases.filter(stage__in=["serving", "closed", "archived"]):
            decision = Document.objects.get(case=case, type_code__in=["penalty_decision", "rectification_order"],
                                            status="issued")
            assert decision.number  # its 文号
            receipt = Document.objects.get(case=case, type_code="service_receipt", status="issued")
            assert Signature.objects.filter(document=receipt, slot="recipient", kind="signed").exists()

        for case in cases.filter(stage__in=["closed", "archived"]):
            assert required_missing(case, closing=True) == []
            assert hooks.missing_for(case, hooks.ARCHIVE) == []
        archived = cases.get(stage="archived") if profile_id != "labor-inspection" else \
            cases.filter(stage="archived").first()
        assert archived is not None and CaseFile.objects.get(case=archived).status == "bound"


def test_each_agency_has_its_own_people_who_sign_in_with_the_demo_password(db: None) -> None:
    ensure_demo()
    listed = demo_logins_by_agency()
    assert len(listed) == len(all_profiles())
    usernames = [u for _agency, logins in listed for u, _, _ in logins]
    assert len(usernames) == len(set(usernames))
    for agency_name, logins in listed:
        agency = Agency.objects.get(name=agency_name)
        for username, password, who in logins:
            user = User.objects.get(username=username)
            assert password == PASSWORD and user.check_password(PASSWORD)
            assert user.agency_id == agency.pk and user.display_name in who
        cast = demo_cast(agency.profile_id)
        handler = User.objects.get(username=cast["handler"])
        assert Case.objects.filter(agency=agency, handler=handler).exists()
        assert Evidence.objects.filter(agency=agency, officer=handler).exists()


def test_a_second_run_changes_nothing(db: None) -> None:
    assert ensure_demo(profiles=["agriculture"]) is True
    counts = (Case.objects.count(), Document.objects.count(), Evidence.objects.count(), User.objects.count())
    assert ensure_demo(profiles=["agriculture"]) is False
    assert (Case.objects.count(), Document.objects.count(), Evidence.objects.count(),
            User.objects.count()) == counts
    assert list(Agency.objects.values_list("profile_id", flat=True)) == ["agriculture"]


def test_a_demo_username_already_taken_stops_that_agency_before_anything_is_made(db: None) -> None:
    world = build_world()
    do_create_user(username="majun", password="x-Lawtrail-2026", full_name="马骏", agency=world.agency,
                   unit=world.unit_a, roles=[], actor=None)
    with pytest.raises(Conflict) as refused:
        ensure_demo(profiles=["agriculture"])
    assert refused.value.code == "demo_username_taken" and "majun" in refused.value.message
    assert not Agency.objects.filter(profile_id="agriculture").exists()
