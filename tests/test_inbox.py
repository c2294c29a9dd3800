"""我的待办: one inbox per role, gathered from every app through the inbox registry.

hank (机关负责人) sees the 销毁申请 archie made; archie (档案管理员) sees the case files waiting to be
bound; uma (一中队负责人) sees her 调用单 counted with her other approvals, and the menu's badge
says the same number; sam (监督人员) lands on a page without the officer's buttons; the reads are
bounded: twice the cases, the same number of queries.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.access.actions import do_request_access
from lawtrail.accounts.models import User
from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file
from lawtrail.cases.choices import Stage
from lawtrail.documents.actions import do_approve_document
from lawtrail.lib import inbox
from lawtrail.retention.actions import do_decide_disposal, do_request_disposal
from lawtrail.testing import media
from lawtrail.testing.archive import closed_case, issue
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, beijing, register_case

pytestmark = pytest.mark.usefixtures("ledger")


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def keys(user: User) -> dict[str, int]:
    return {s.source.key: s.count for s in inbox.gather(user) if s.items}


def badge(page: str) -> int:
    found = re.search(r'id="nav-inbox"[^>]*>我的待办(?: <span class="count"[^>]*>(\d+)</span>)?', page)
    assert found, "the menu has no 我的待办"
    return int(found.group(1) or 0)


@pytest.fixture
def vault(settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> Path:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    return use_fresh_vault(settings, tmp_path / "vault")


def test_it_shows_the_head_a_disposal_request_waiting_for_his_approval(vault: Path, tmp_path: Path) -> None:
    w = build_world("commission-rules", name="某委员会")
    clip = ingest(media.make_clip(tmp_path / "old.mp4", seconds=1, created=beijing(2025, 6, 1), audio=False),
                  officer=w.alice)
    request = do_request_disposal([clip], reason="日常巡查视音频资料保存期限已满6个月", actor=w.archie)
    assert keys(w.hank).get("disposal_approvals") == 1
    assert "disposal_approvals" not in keys(w.archie)  # who asked does not approve
    page = client_for(w.hank).get("/").content.decode()
    assert 'id="inbox-disposal_approvals"' in page and f"/retention/disposals/{request.pk}/" in page
    do_decide_disposal(request, approve=True, opinion="同意销毁", actor=w.hank)
    assert "disposal_approvals" not in keys(w.hank)


def test_it_gives_the_archivist_a_queue_of_case_files_to_bind(world: World, vault: Path, tmp_path: Path) -> None:
    case, _doc, _ev = closed_case(world, tmp_path, clip=False)
    assert "case_files_to_bind" not in keys(world.archie)
    case_file = do_assemble_case_file(case, actor=world.alice)
    assert keys(world.archie)["case_files_to_bind"] == 1
    assert "case_files_to_bind" not in keys(world.alice) and "case_files_to_bind" not in keys(world.bob)
    # A case file is visible exactly when its case is (its rule applied through the join).
    from lawtrail.archive.models import CaseFile
    from lawtrail.cases.models import Case

    for who in (world.alice, world.andy, world.bob, world.uma, world.hank, world.lena, world.archie,
                world.sam, world.root):
        by_case = CaseFile.objects.filter(case__in=Case.objects.restrict(who).values("pk"))
        assert set(CaseFile.objects.restrict(who)) == set(by_case), who.username
    assert list(CaseFile.objects.restrict(world.alice)) == [case_file]
    assert not CaseFile.objects.restrict(world.bob).exists()  # another unit's officer
    page = client_for(world.archie).get("/inbox/").content.decode()
    assert 'id="inbox-case_files_to_bind"' in page and f"/cases/{case.pk}/case-file/" in page
    do_bind_case_file(case_file, actor=world.archie)
    assert "case_files_to_bind" not in keys(world.archie)


def test_the_unit_heads_access_requests_count_with_her_other_approvals(world: World, vault: Path) -> None:
    case = register_case(world)
    do_request_access(case, kind="internal", whole_case=True, purpose="复核",
                      expires_at=beijing(2026, 3, 5, 18, 0), actor=world.alice)
    # The page used to say "待我审批的调用单 1" beside "待我审批 0": one count of every approval now.
    assert keys(world.uma) == {"access_approvals": 1}
    page = client_for(world.uma).get("/").content.decode()
    assert badge(page) == 1
    assert re.search(r"<b>1</b><span>待我审批</span>", page), "the head's home counts every approval"
    assert keys(world.bob) == {} and badge(client_for(world.bob).get("/").content.decode()) == 0


def test_the_supervisors_home_is_not_the_officers_page(world: World) -> None:
    sam = client_for(world.sam).get("/").content.decode()
    assert "登记案件" not in sam and "合规检查" in sam and "我的待办" in sam
    alice = client_for(world.alice).get("/").content.decode()
    assert "登记案件" in alice and "我承办的案件" in alice


def test_the_inbox_reads_are_bounded(world: World, vault: Path) -> None:
    def queries_for(user: User) -> int:
        fresh = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as ctx:
            inbox.badge_count(fresh)
        return len(ctx.captured_queries)

    for _ in range(3):
        register_case(world)
    few = {u.username: queries_for(u) for u in (world.hank, world.uma, world.archie, world.alice)}
    for _ in range(6):
        register_case(world)
    many = {u.username: queries_for(u) for u in (world.hank, world.uma, world.archie, world.alice)}
    assert few == many
    assert keys(world.hank)["case_approvals"] == 9


def test_an_archived_case_file_is_no_longer_waiting(world: World, vault: Path, tmp_path: Path) -> None:
    case, _doc, _ev = closed_case(world, tmp_path, clip=False)
    do_bind_case_file(do_assemble_case_file(case, actor=world.alice), actor=world.archie)
    assert inbox.badge_count(User.objects.get(pk=world.archie.pk)) == 0


def test_a_documents_opinions_wait_for_each_approver_in_the_order_of_the_form(world: World, vault: Path) -> None:
    case = advance(world, register_case(world), to=Stage.REVIEWING)
    # The 立案审批表 the filing issued carries the opinions given on the case: nothing waits on it.
    assert all("document_approvals" not in keys(u) for u in (world.uma, world.hank, world.lena))
    doc = issue(world, case, "penalty_approval_form", sign=False)
    assert keys(world.uma).get("document_approvals") == 1
    assert "document_approvals" not in keys(world.hank) and "document_approvals" not in keys(world.lena)
    do_approve_document(doc, slot="unit_head", approved=True, opinion="同意上报", actor=world.uma)
    assert "document_approvals" not in keys(world.uma) and keys(world.lena).get("document_approvals") == 1
    do_approve_document(doc, slot="legal_review", approved=True, opinion="事实清楚", actor=world.lena)
    assert keys(world.hank).get("document_approvals") == 1
    page = client_for(world.hank).get("/inbox/").content.decode()
    assert 'id="inbox-document_approvals"' in page and f"/documents/{doc.pk}/" in page


def test_a_form_stores_the_opinion_it_waits_for_until_all_are_given_or_its_case_is_archived(
        world: World, vault: Path, tmp_path: Path) -> None:
    """文书上存着下一项待签的审批意见(表格顺序):逐项签署后依次变化,全部签完即无;案件归档后也无(我的待办只读这些文书)。"""
    from lawtrail.documents.models import Document
    from lawtrail.testing.scenarios import archive

    def waits(doc: Document) -> str | None:
        return Document.objects.values_list("awaiting_opinion", flat=True).get(pk=doc.pk)

    case = advance(world, register_case(world), to=Stage.REVIEWING)
    doc = issue(world, case, "penalty_approval_form", sign=False)
    assert waits(doc) == "unit_head"
    do_approve_document(doc, slot="unit_head", approved=True, opinion="同意上报", actor=world.uma)
    assert waits(doc) == "legal_review"
    do_approve_document(doc, slot="legal_review", approved=True, opinion="事实清楚", actor=world.lena)
    assert waits(doc) == "head"
    do_approve_document(doc, slot="head", approved=True, opinion="同意", actor=world.hank)
    assert waits(doc) is None and "document_approvals" not in keys(world.hank)
    # A draft waits for nothing; a form whose case is archived neither.
    closed, _, _ = closed_case(world, tmp_path, clip=False)
    pending = issue(world, closed, "penalty_approval_form", sign=False)
    asked = keys(world.uma).get("document_approvals", 0)
    assert waits(pending) == "unit_head" and asked >= 1
    archive(world, closed)
    assert waits(pending) is None
    assert not Document.objects.filter(case=closed, awaiting_opinion__isnull=False).exists()
    assert keys(world.uma).get("document_approvals", 0) < asked
    # The stored opinion is bookkeeping, not a record: the ledger's check of the live rows holds.
    from lawtrail.ledger.verify import verify_ledger

    report = verify_ledger()
    assert report.ok, report.problems[:3]


def test_the_stored_opinions_find_for_each_person_exactly_the_forms_the_signing_rules_give(
        world: World, vault: Path) -> None:
    """每个人的文书审批待办,与逐份文书按签署规则(表格顺序、谁可签署)算出的完全一致。"""
    from lawtrail.documents import signing
    from lawtrail.documents.choices import DocumentStatus
    from lawtrail.documents.models import Document
    from lawtrail.documents.queries import waiting_approvals

    forms = []
    for _ in range(4):
        case = advance(world, register_case(world), to=Stage.REVIEWING)
        forms.append(issue(world, case, "penalty_approval_form", sign=False))
    do_approve_document(forms[1], slot="unit_head", approved=True, opinion="同意上报", actor=world.uma)
    do_approve_document(forms[3], slot="unit_head", approved=True, opinion="同意上报", actor=world.uma)
    do_approve_document(forms[3], slot="legal_review", approved=True, opinion="事实清楚", actor=world.lena)

    def by_the_rules(user: User) -> list[int]:
        out = []
        for doc in Document.objects.restrict(user).filter(status=DocumentStatus.ISSUED).order_by("-pk"):
            if doc.case is not None and doc.case.stage == Stage.ARCHIVED:
                continue
            first = next((s for s in signing.slot_states(doc) if s.slot.role == "approver" and not s.complete), None)
            if first is not None and signing.may_sign(user, doc, first.slot):
                out.append(doc.pk)
        return out

    for user in User.objects.filter(is_active=True):
        assert [d.pk for d, _ in waiting_approvals(user)] == by_the_rules(user), user.username
    assert by_the_rules(world.uma) and by_the_rules(world.lena) and by_the_rules(world.hank)


def test_the_access_request_list_pages_as_one_sorted_list_would(world: World, vault: Path,
                                                               time_machine: TimeMachineFixture) -> None:
    """调用单列表分两路读取(本机关的、其他机关里与我有关的)再合并:每位用户每一页都与整体排序后截取的一页相同。"""
    from lawtrail.access.queries import newest_requests, visible_requests

    elsewhere = build_world(name="邻区劳动保障监察大队")  # another agency: its head is named as the requester of one of ours
    case = register_case(world)
    for i in range(5):
        time_machine.move_to(beijing(2026, 3, 2, 9, i), tick=False)
        do_request_access(case, kind="external" if i == 2 else "internal", whole_case=True, purpose=f"复核{i}",
                          requester=elsewhere.hank if i == 2 else None, requester_unit="邻区劳动保障监察大队",
                          expires_at=beijing(2026, 3, 5, 18, 0), actor=world.alice)
    other = register_case(elsewhere, by=elsewhere.alice)
    do_request_access(other, kind="external", whole_case=True, purpose="协查", requester=world.hank,
                      requester_unit="测试区劳动保障监察大队", expires_at=beijing(2026, 3, 5, 18, 0),
                      actor=elsewhere.alice)
    seen = 0
    for user in User.objects.filter(is_active=True):
        everything = list(visible_requests(user).order_by("-created_at", "-id"))
        seen += len(everything)
        for offset, limit in ((0, 20), (0, 2), (1, 2), (3, 5), (6, 3)):
            page, _ = newest_requests(user, visible_requests(user), offset=offset, limit=limit)
            assert [r.pk for r in page] == [r.pk for r in everything[offset:offset + limit]], (user.username, offset)
        # By cursor, two at a time: the same list, every request once.
        walked, after = [], ""
        while True:
            page, after = newest_requests(user, visible_requests(user), after=after or "", limit=2)
            walked += [r.pk for r in page]
            if after is None:
                break
        assert walked == [r.pk for r in everything], user.username
    assert seen and any(r.agency_id != world.hank.agency_id for r in visible_requests(world.hank))
