"""Named people and an agency for tests, built through the real actions.

alice   — officer and 承办人 in 一中队; handles the cases under test
andy    — officer in 一中队; alice's partner on site
bob     — officer and 承办人 in 二中队; a colleague from another unit who must see nothing of 一中队
uma     — 负责人 of 一中队 (承办机构意见)
hank    — agency 负责人 (机关负责人意见, decision approval)
lena    — 法制审核人员, agency-wide
archie  — 档案管理员, agency-wide
sam     — 监督人员, agency-wide: sees everything, changes nothing
root    — 系统管理员
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lawtrail.accounts.actions import do_create_agency, do_create_unit, do_create_user
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, Unit, User
from lawtrail.cases.actions import do_create_party
from lawtrail.cases.models import Party
from lawtrail.lib.ids import id_check_char, uscc_check_char

PASSWORD = "Lawtrail-test-2026"


def valid_id_number(prefix17: str = "11010519491231002") -> str:
    return prefix17 + id_check_char(prefix17)


def valid_uscc(prefix17: str = "91510100MA61234") -> str:
    prefix17 = (prefix17 + "00")[:17]
    return prefix17 + uscc_check_char(prefix17)


@dataclass
class World:
    agency: Agency
    unit_a: Unit
    unit_b: Unit
    alice: User
    andy: User
    bob: User
    uma: User
    hank: User
    lena: User
    archie: User
    sam: User
    root: User
    company: Party
    person: Party


def build_world(profile_id: str = "labor-inspection", name: str = "测试区劳动保障监察大队") -> World:
    # The first world of a test gets the plain names (alice, bob…); later ones a numeric suffix.
    # Counted, not taken from the agency's id: PostgreSQL sequences do not roll back between tests.
    nth = Agency.objects.count() + 1
    agency = do_create_agency(
        name=name, short_name="测劳监", profile_id=profile_id,
        case_number_format="测劳监立〔{year}〕第{seq}号", simple_case_number_format="测劳监简〔{year}〕第{seq}号",
        actor=None,
    )
    unit_a = do_create_unit(agency, name="一中队", actor=None)
    unit_b = do_create_unit(agency, name="二中队", actor=None)
    valid_from, valid_until = dt.date(2024, 1, 1), dt.date(2030, 12, 31)
    tag = str(nth)

    def user(username: str, full_name: str, unit: Unit | None, roles: list[tuple[str, Unit | None]],
             cert: str | None = None) -> User:
        return do_create_user(
            username=f"{username}{'' if tag == '1' else tag}", password=PASSWORD, full_name=full_name,
            agency=agency, unit=unit, roles=roles, cert_no=f"{cert}-{tag}" if cert else None,
            cert_valid_from=valid_from if cert else None, cert_valid_until=valid_until if cert else None,
            actor=None,
        )

    alice = user("alice", "艾丽", unit_a, [(Role.OFFICER, unit_a), (Role.HANDLER, unit_a)], "LD001")
    andy = user("andy", "安迪", unit_a, [(Role.OFFICER, unit_a)], "LD002")
    bob = user("bob", "鲍勃", unit_b, [(Role.OFFICER, unit_b), (Role.HANDLER, unit_b)], "LD003")
    uma = user("uma", "乌玛", unit_a, [(Role.HEAD, unit_a)], "LD004")
    hank = user("hank", "汉克", None, [(Role.HEAD, None)], "LD005")
    lena = user("lena", "莉娜", None, [(Role.LEGAL_REVIEWER, None)])
    archie = user("archie", "阿奇", None, [(Role.ARCHIVIST, None)])
    sam = user("sam", "山姆", None, [(Role.SUPERVISOR, None)])
    root = user("root", "管理员", None, [(Role.ADMIN, None)])
    company = do_create_party(kind="organisation", name="某某建筑劳务有限公司", uscc=valid_uscc(f"9151010{tag:0>4}A612"),
                              legal_representative="张三", address="名山区某路1号", actor=alice)
    person = do_create_party(kind="person", name="李四", id_number=valid_id_number(f"11010519800101{tag:0>3}"),
                             actor=alice)
    return World(agency, unit_a, unit_b, alice, andy, bob, uma, hank, lena, archie, sam, root, company, person)
