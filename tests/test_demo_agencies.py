"""Loading an agency's demo twice changes nothing, and a demo username already taken stops that agency
before anything is made. The five agencies' demo itself (one agency per profile, a case at every
stage, each agency's people) is tested in test_demo_full.py, which loads it once."""

from __future__ import annotations

import pytest

from lawtrail.accounts.actions import do_create_user
from lawtrail.accounts.models import Agency, User
from lawtrail.cases.models import Case
from lawtrail.demo import ensure_demo
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.lib.errors import Conflict
from lawtrail.testing.personas import build_world


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
