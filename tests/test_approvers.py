"""Who may sign which opinion, and who may handle a unit's case."""

from __future__ import annotations

import pytest

from lawtrail.cases.actions import do_give_approval, do_register_case
from lawtrail.cases.choices import ApprovalKind
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Forbidden, InvalidInput
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import register_case


@pytest.fixture
def agri(db: None) -> World:
    return build_world("agriculture", name="测试区农业农村局")


def test_it_keeps_the_agency_head_from_signing_the_units_opinion(agri: World) -> None:
    case = register_case(agri)
    with pytest.raises(Forbidden) as err:
        do_give_approval(case, kind=ApprovalKind.FILING_UNIT_HEAD, approved=True, opinion="同意", actor=agri.hank)
    assert err.value.code == "not_approver"
    assert not case.approvals.exists()
    do_give_approval(case, kind=ApprovalKind.FILING_UNIT_HEAD, approved=True, opinion="同意", actor=agri.uma)


def test_it_refuses_a_handler_from_another_unit(agri: World) -> None:
    before = DomainEvent.objects.filter(action="case.register", outcome="done").count()
    with pytest.raises(InvalidInput) as err:
        do_register_case(unit=agri.unit_a, title="案由", source="inspection", party=agri.company, facts="事实",
                         handler=agri.bob, handler_opinion="建议立案", actor=agri.alice)
    assert err.value.code == "invalid_handler" and err.value.detail == {"field": "handler"}
    assert DomainEvent.objects.filter(action="case.register", outcome="done").count() == before
