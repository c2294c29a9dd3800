"""当事人: 公民身份号码 (GB 11643) and 统一社会信用代码 (GB 32100) are checked before a party is kept."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawtrail.cases.actions import do_create_party
from lawtrail.cases.choices import PartyKind
from lawtrail.cases.models import Party
from lawtrail.lib.errors import Conflict, InvalidInput
from lawtrail.lib.ids import USCC_ALPHABET, id_check_char, id_number_problem, uscc_check_char, uscc_problem
from lawtrail.testing.personas import World, build_world, valid_id_number, valid_uscc

DIGITS = string.digits
# What a clerk might type: every digit and capital letter, including those the USCC leaves out.
TYPED = string.digits + string.ascii_uppercase


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.text(DIGITS, min_size=6, max_size=6))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)))
    seq = draw(st.text(DIGITS, min_size=3, max_size=3))
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + id_check_char(first17)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    authority_and_kind = draw(st.text(USCC_ALPHABET, min_size=2, max_size=2))
    region = draw(st.text(DIGITS, min_size=6, max_size=6))
    organisation = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    first17 = authority_and_kind + region + organisation
    return first17 + uscc_check_char(first17)


@st.composite
def one_character_changed(draw: st.DrawFn, valid: st.SearchStrategy[str]) -> tuple[str, str]:
    original = draw(valid)
    at = draw(st.integers(min_value=0, max_value=len(original) - 1))
    # Validation is case-insensitive, so 'x' for 'X' is no change.
    other = draw(st.sampled_from(TYPED).filter(lambda c: c != original[at].upper()))
    return original, original[:at] + other + original[at + 1:]


# ---------------------------------------------------------------- properties


@given(id_numbers())
def test_every_well_formed_id_number_is_accepted(value: str) -> None:
    assert id_number_problem(value) is None
    assert id_number_problem(value.lower()) is None


@given(one_character_changed(id_numbers()))
def test_any_single_character_change_of_an_id_number_is_refused(pair: tuple[str, str]) -> None:
    _original, changed = pair
    assert id_number_problem(changed) is not None


@given(usccs())
def test_every_well_formed_uscc_is_accepted(value: str) -> None:
    assert uscc_problem(value) is None


@given(one_character_changed(usccs()))
def test_any_single_character_change_of_a_uscc_is_refused(pair: tuple[str, str]) -> None:
    _original, changed = pair
    assert uscc_problem(changed) is not None


# ---------------------------------------------------------------- examples


@pytest.mark.parametrize("value", [
    "11010519491231002X",  # the example of GB 11643-1999 itself
    "11010519491231002x",  # the check X typed in lower case
    " 11010519491231002X ",  # surrounding spaces
])
def test_it_accepts_real_format_id_numbers(value: str) -> None:
    assert id_number_problem(value) is None


@pytest.mark.parametrize("value", [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
])
def test_it_accepts_real_usccs(value: str) -> None:
    assert uscc_problem(value) is None
    assert uscc_problem(value.lower()) is None


def with_check(first17: str) -> str:
    return first17 + id_check_char(first17)


@pytest.mark.parametrize(("value", "why"), [
    (with_check("11010519490230002"), "30 February"),
    (with_check("11010519491331002"), "month 13"),
    (with_check("11010519491200002"), "day 0"),
    (with_check("11010518991231002"), "before 1900"),
    (with_check("11010520990101002"), "not born yet"),
])
def test_it_refuses_an_id_number_whose_birth_date_is_impossible(value: str, why: str) -> None:
    assert id_number_problem(value) == "身份证号码中的出生日期无效", why


@pytest.mark.parametrize("value", ["", "11010519491231002", "11010519491231002XX", "1101051949123100AX",
                                   "11010519491231002Y"])
def test_it_refuses_an_id_number_of_the_wrong_shape(value: str) -> None:
    assert id_number_problem(value) is not None


@pytest.mark.parametrize("value", ["", "91440300192203821", "9144030019220382I6", "91AB0300192203821X",
                                   "914403001922038217"])
def test_it_refuses_a_uscc_of_the_wrong_shape_or_check(value: str) -> None:
    assert uscc_problem(value) is not None


# ---------------------------------------------------------------- keeping parties


def test_a_person_is_kept_with_the_id_number_normalised(world: World) -> None:
    party = do_create_party(kind=PartyKind.PERSON, name="赵六", id_number=" 11010519491231002x ",
                            uscc="ignored", actor=world.alice)
    party.refresh_from_db()
    assert party.id_number == "11010519491231002X"
    assert party.uscc == ""
    assert party.identifier == "11010519491231002X"


@pytest.mark.parametrize(("kind", "fields", "code", "field"), [
    (PartyKind.PERSON, {"id_number": "110105194912310021"}, "invalid_id_number", "id_number"),
    (PartyKind.PERSON, {"uscc": "914403001922038216"}, "invalid_id_number", "id_number"),
    (PartyKind.ORGANISATION, {"uscc": "914403001922038217"}, "invalid_uscc", "uscc"),
    (PartyKind.ORGANISATION, {"id_number": "11010519491231002X"}, "invalid_uscc", "uscc"),
    ("robot", {"id_number": "11010519491231002X"}, "invalid_party_kind", "kind"),
])
def test_it_refuses_a_party_without_a_valid_identifier(
        world: World, kind: str, fields: dict[str, str], code: str, field: str) -> None:
    before = Party.objects.count()
    with pytest.raises(InvalidInput) as err:
        do_create_party(kind=kind, name="某某", actor=world.alice, **fields)
    assert err.value.code == code
    assert err.value.detail == {"field": field}
    assert Party.objects.count() == before


def test_a_party_needs_a_name(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        do_create_party(kind=PartyKind.PERSON, name=" ", id_number="11010519491231002X", actor=world.alice)
    assert err.value.detail == {"field": "name"}


def test_a_person_already_registered_is_refused_with_the_existing_party(world: World) -> None:
    lowered = world.person.id_number.lower()
    with pytest.raises(Conflict) as err:
        do_create_party(kind=PartyKind.PERSON, name="李四(重复)", id_number=lowered, actor=world.andy)
    assert err.value.code == "party_exists"
    assert err.value.detail == {"party_id": world.person.pk}
    # Another unit learns that the number is taken, not whose record it is.
    with pytest.raises(Conflict) as err:
        do_create_party(kind=PartyKind.PERSON, name="李四(重复)", id_number=lowered, actor=world.bob)
    assert err.value.code == "party_exists" and err.value.detail == {}
    assert Party.objects.filter(id_number=world.person.id_number).count() == 1


def test_an_organisation_already_registered_is_refused_with_the_existing_party(world: World) -> None:
    with pytest.raises(Conflict) as err:
        do_create_party(kind=PartyKind.ORGANISATION, name="同一家公司", uscc=f" {world.company.uscc} ",
                        actor=world.alice)
    assert err.value.code == "party_exists"
    assert err.value.detail == {"party_id": world.company.pk}


def test_another_agency_keeps_its_own_record_of_the_same_party(world: World) -> None:
    other = build_world(name="第二区劳动保障监察大队")
    twin = do_create_party(kind=PartyKind.ORGANISATION, name=world.company.name, uscc=world.company.uscc,
                           actor=other.alice)
    assert twin.pk != world.company.pk
    assert twin.agency == other.agency


def test_the_persona_helpers_build_valid_identifiers() -> None:
    assert id_number_problem(valid_id_number()) is None
    assert uscc_problem(valid_uscc()) is None
