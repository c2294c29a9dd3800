"""The five agencies' demo, loaded once for this module (it issues and renders some 150 documents),
read by each test in a transaction that is rolled back:

- one agency per regulation profile, each with its own people and a case at every stage, made
  through the actions: the steps' documents are issued (决定书 with their 文号, 送达回证 signed by the
  recipient), the inquiry records carry body-cam footage the compliance engine pairs with them, and
  the finished cases pass their agency's gates;
- issue 15's scenarios: the untouched demo verifies clean; each edit made behind the actions makes
  `lawtrail verify --json` exit 1 and name the record and the field;
- a person reads Chinese: every page, as every demo persona of every agency, without English words,
  the engine's ids, or links they may not open. The crawl starts at each persona's home page and
  follows every same-site page link (not downloads, which would only record accesses), so a page no
  menu reaches is not checked, and a new page is checked as soon as something links to it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve
from ledger_attacks import sql
from pagetext import NOT_PAGES, PAGES_PER_VIEW, RAW_IDS, Page, english_words

from lawtrail.accounts.models import Agency, User
from lawtrail.archive.models import CaseFile
from lawtrail.cases import hooks
from lawtrail.cases.models import Case, CaseNumberCounter
from lawtrail.cli import main
from lawtrail.compliance.engine import BLOCKING
from lawtrail.compliance.export import export_case
from lawtrail.compliance.queries import case_findings
from lawtrail.demo import PASSWORD, demo_agency_name, demo_cast, demo_logins_by_agency, demo_oversight_login
from lawtrail.documents.acts import required_missing
from lawtrail.documents.models import Document, Signature
from lawtrail.evidence.models import Evidence
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.lib.appendonly import registered_guards
from lawtrail.profiles.registry import all_profiles
from lawtrail.retention.models import DisposalRecord
from lawtrail.testing.shared_demo import committed_demo

EVERY_STAGE = {"registered", "filed", "investigating", "reviewing", "serving", "closed", "archived"}

pytestmark = [pytest.mark.usefixtures("ledger"), pytest.mark.slow,
              # One worker takes the whole module, so the demo is loaded once (Makefile: --dist loadgroup).
              pytest.mark.xdist_group("full_demo")]


@pytest.fixture(scope="module", autouse=True)
def demo_loaded(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[bool]:
    with committed_demo(django_db_blocker, tmp_path_factory.mktemp("demo-checkpoints")) as loaded:
        yield loaded

Expected = tuple[str, str, str | None]


def _unguard() -> None:
    """What the attacker does first: every guard dropped."""
    for guard in registered_guards():
        for trigger in guard.names(connection.vendor):
            sql(f"DROP TRIGGER IF EXISTS {trigger} ON {guard.table}" if connection.vendor == "postgresql"
                else f"DROP TRIGGER IF EXISTS {trigger}")


def _document_fields() -> Expected:
    doc = Document.objects.filter(type_code="inquiry_record").order_by("pk").first()  # one of each agency's
    assert doc is not None
    key = sorted(k for k, v in doc.fields.items() if isinstance(v, str) and v)[0]
    Document.objects.filter(pk=doc.pk).update(fields={**doc.fields, key: "伪造的内容"})
    return "record_changed", f"documents.document#{doc.pk}", f"fields.{key}"


def _document_number() -> Expected:
    doc = Document.objects.get(type_code="non_acceptance_decision")
    Document.objects.filter(pk=doc.pk).update(number=doc.number.replace("1号", "9号"))
    return "record_changed", f"documents.document#{doc.pk}", "number"


def _filed_case() -> Case:
    case = Case.objects.exclude(number=None).order_by("pk").first()
    assert case is not None
    return case


def _case_number() -> Expected:
    case = _filed_case()
    Case.objects.filter(pk=case.pk).update(number=f"{case.number}-改")
    return "record_changed", f"cases.case#{case.pk}", "number"


def _case_stage() -> Expected:
    case = _filed_case()
    Case.objects.filter(pk=case.pk).update(stage="registered" if case.stage != "registered" else "filed")
    return "record_changed", f"cases.case#{case.pk}", "stage"


def _case_party() -> Expected:
    case = _filed_case()
    other = Case.objects.exclude(party_id=case.party_id).values_list("party_id", flat=True).first()
    Case.objects.filter(pk=case.pk).update(party_id=other)
    return "record_changed", f"cases.case#{case.pk}", "party_id"


def _signature() -> Expected:
    signature = Signature.objects.order_by("pk").first()
    assert signature is not None
    Signature.objects.filter(pk=signature.pk).update(name="冒名者")
    return "record_changed", f"documents.signature#{signature.pk}", "name"


def _recording_time() -> Expected:
    evidence = Evidence.objects.exclude(recorded_start=None).order_by("pk").first()
    assert evidence is not None and evidence.recorded_start is not None
    Evidence.objects.filter(pk=evidence.pk).update(recorded_start=evidence.recorded_start - dt.timedelta(hours=3))
    return "record_changed", f"evidence.evidence#{evidence.pk}", "recorded_start"


def _officer() -> Expected:
    evidence = Evidence.objects.exclude(officer=None).order_by("pk").first()
    assert evidence is not None
    Evidence.objects.filter(pk=evidence.pk).update(officer_name="另一位执法人员")
    return "record_changed", f"evidence.evidence#{evidence.pk}", "officer_name"


def _disposal_record() -> Expected:
    record = DisposalRecord.objects.get()
    DisposalRecord.objects.filter(pk=record.pk).update(reason="到期清理")
    return "record_changed", f"retention.disposalrecord#{record.pk}", "reason"


def _counter() -> Expected:
    counter = CaseNumberCounter.objects.order_by("-last_seq").first()
    assert counter is not None
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last_seq=counter.last_seq - 1)
    return "counter_rolled_back", f"cases.casenumbercounter#{counter.pk}", "last_seq"


EDITS: list[Callable[[], Expected]] = [
    _document_fields, _document_number, _case_number, _case_stage, _case_party, _signature, _recording_time,
    _officer, _disposal_record, _counter,
]


def _verify_json() -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["verify", "--json"])
    return code, json.loads(out.getvalue())


class _Undo(Exception):
    pass


def test_the_untouched_demo_verifies_clean_and_every_edit_is_named(db: None, demo_loaded: bool) -> None:
    assert demo_loaded is True
    do_make_checkpoint()
    code, clean = _verify_json()
    assert code == 0 and clean["ok"], clean["problems"]
    assert clean["records_checked"] > 50

    for edit in EDITS:
        try:
            with transaction.atomic():  # each edit undone before the next
                _unguard()
                expected = edit()
                code, report = _verify_json()
                named = {(p["code"], p["record"], p["field"]) for p in report["problems"]}
                assert code == 1 and expected in named, (edit.__name__, report["problems"])
                changed = {n for n in named if n[0] in ("record_changed", "counter_rolled_back")}
                assert changed == {expected}, (edit.__name__, changed)
                problem = next(p for p in report["problems"] if (p["code"], p["record"], p["field"]) == expected)
                assert problem["ledgered"] != problem["live"] and problem["entry"] is not None
                raise _Undo
        except _Undo:
            pass
    code, again = _verify_json()
    assert code == 0, again["problems"]


def test_the_demo_loads_one_agency_per_profile_with_a_case_at_every_stage(db: None, demo_loaded: bool) -> None:
    assert demo_loaded is True
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


def test_every_page_speaks_chinese_to_every_persona(db: None, ledger: None) -> None:
    # Every persona of every demo agency (the five regulations), as the demo prints them.
    personas = [username for _agency, logins in demo_logins_by_agency() for username, _, _ in logins]
    personas.append(demo_oversight_login()[0])  # the supervising office across the agencies
    assert len(personas) > 40 and set(personas) == set(User.objects.values_list("username", flat=True))
    problems: dict[str, set[str]] = defaultdict(set)
    for user in User.objects.filter(username__in=personas).order_by("agency_id", "username"):
        client = Client()
        client.force_login(user)
        seen: set[str] = set()
        per_view: dict[str, int] = defaultdict(int)
        queue = ["/"]
        while queue:
            url = queue.pop(0)
            path = url.split("?")[0]
            if url in seen or NOT_PAGES.search(path) or "logout" in url:
                continue
            seen.add(url)
            try:
                view = resolve(path).url_name or path
            except Resolver404:
                view = path  # answered 404 below
            if per_view[view] >= PAGES_PER_VIEW:
                continue
            per_view[view] += 1
            response = client.get(url)
            where = f"{user.username} {url}"
            if response.status_code in (403, 404):
                problems[f"a link leads to {response.status_code}"].add(where)
            elif response.status_code >= 400:
                problems[f"status {response.status_code}"].add(where)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            page = Page()
            page.feed(response.content.decode())
            text = " ".join(page.text)
            for word in english_words(text):
                problems[f"English word {word!r}"].add(where)
            if "-----" in text:
                problems["a picker's empty line is a row of dashes"].add(where)
            for match in RAW_IDS.finditer(text):
                problems[f"raw id {match.group(0)!r}"].add(where)
            queue += [link for link in page.links if link not in seen]
    report = {k: sorted(v)[:3] + ([f"… {len(v)} pages"] if len(v) > 3 else []) for k, v in sorted(problems.items())}
    assert report == {}
