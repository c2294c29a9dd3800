"""跨机关监督授权的管理页面: the installation administrator grants a supervising office's user a
read-only view of chosen agencies, and withdraws it, from pickers; both are recorded.

root (系统管理员) manages the grants; hank (机关负责人) and sam (监督人员) of the agency may not; jiandu is the
supervising office's user (belongs to no agency); a second agency stands beside the first.
"""

from __future__ import annotations

import pytest
from django.test import Client

from lawtrail.accounts.actions import (
    do_create_agency,
    do_create_user,
    do_grant_oversight,
    do_revoke_oversight,
)
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, OversightGrant, User
from lawtrail.events.models import DomainEvent, Outcome
from lawtrail.lib.errors import Conflict, Forbidden
from lawtrail.testing.personas import World, build_world

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def w(db: None) -> World:
    return build_world()


@pytest.fixture
def other(w: World) -> Agency:
    return do_create_agency(name="测试区农业农村局", short_name="测农", profile_id="agriculture",
                            case_number_format="测农立〔{year}〕第{seq}号",
                            simple_case_number_format="测农简〔{year}〕第{seq}号", actor=None)


@pytest.fixture
def office(w: World) -> User:
    # The supervising office's user: no agency, so nothing it sees can be acted on.
    return do_create_user(username="jiandu", password="pw-Lawtrail-2026", full_name="韩立", agency=None, unit=None,
                          roles=[(Role.SUPERVISOR, None)], actor=None)


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_管理员在页面上选择监督机构用户和被监督机关授予监督权限并留痕(w: World, other: Agency, office: User) -> None:
    c = client_for(w.root)
    page = c.get("/oversight/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "跨机关监督授权" in html and "韩立" in html and "jiandu" not in html and other.name in html
    # Only users of no agency are offered: the agency's own people are not in the picker.
    assert "艾丽" not in html.split('id="oversight-grant"')[1]
    r = c.post("/oversight/", {"office_user": office.pk, "agencies": [w.agency.pk, other.pk]})
    assert r.status_code == 302
    assert set(OversightGrant.objects.filter(user=office).values_list("agency_id", flat=True)) == {w.agency.pk, other.pk}
    e = DomainEvent.objects.get(action="oversight.grant", outcome=Outcome.DONE)
    assert e.payload["user"] == "jiandu" and set(e.payload["agencies"]) == {w.agency.name, other.name}
    listed = c.get("/oversight/").content.decode()
    assert "暂无跨机关监督授权" not in listed and "撤销" in listed


def test_管理员撤销监督权限后监督机构不再看到该机关_撤销留痕(w: World, other: Agency, office: User) -> None:
    do_grant_oversight(office, agencies=[w.agency, other], actor=w.root)
    grant = OversightGrant.objects.get(user=office, agency=other)
    r = client_for(w.root).post(f"/oversight/{grant.pk}/revoke/")
    assert r.status_code == 302
    assert list(OversightGrant.objects.filter(user=office).values_list("agency_id", flat=True)) == [w.agency.pk]
    e = DomainEvent.objects.get(action="oversight.revoke", outcome=Outcome.DONE)
    assert e.payload == {"user": "jiandu", "agency": other.name}
    with pytest.raises(Conflict):
        do_revoke_oversight(office, agency=other, actor=w.root)


def test_只有系统管理员可以授予或撤销跨机关监督权限(w: World, other: Agency, office: User) -> None:
    do_grant_oversight(office, agencies=[other], actor=w.root)
    grant = OversightGrant.objects.get(user=office)
    for who in (w.hank, w.sam, w.alice, office):
        c = client_for(who)
        assert c.get("/oversight/").status_code == 403
        assert c.post("/oversight/", {"office_user": office.pk, "agencies": [w.agency.pk]}).status_code == 403
        assert c.post(f"/oversight/{grant.pk}/revoke/").status_code == 403
    with pytest.raises(Forbidden):
        do_revoke_oversight(office, agency=other, actor=w.hank)
    assert OversightGrant.objects.filter(user=office).count() == 1
    assert "跨机关监督" not in client_for(w.hank).get("/").content.decode()
    assert 'href="/oversight/"' in client_for(w.root).get("/").content.decode()


def test_授予本机关用户监督权限被拒绝并在表单上说明(w: World, other: Agency, office: User) -> None:
    # The picker offers no agency user; a forged post naming one is refused by the form.
    r = client_for(w.root).post("/oversight/", {"office_user": w.sam.pk, "agencies": [other.pk]})
    assert r.status_code == 400
    assert not OversightGrant.objects.exists()
