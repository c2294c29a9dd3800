"""案卷评查 and 考核: a reviewer scores a bound case file item by item against the profile's checklist,
the officer who handled the case replies, the reviewer closes it, and the period's 考核 per unit and
officer counts the review with the stored findings and the missed deadlines, in xlsx and PDF.

Personas (lawtrail.testing.personas): lena, 法制审核人员, reviews; sam, 监督人员, reads the 考核;
alice handled the case (unit A) and replies; bob, an officer of unit B, sees nothing of it;
archie binds the file.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file
from lawtrail.archive.models import CaseFile
from lawtrail.compliance.models import Deadline, StoredFinding
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.review import assessment
from lawtrail.review.actions import (
    do_close_review,
    do_reply_review,
    do_score_review,
    do_start_review,
    do_submit_review,
)
from lawtrail.review.checklist import checklist_for
from lawtrail.review.models import CaseReview, ReviewScore
from lawtrail.testing.api import ApiClient
from lawtrail.testing.archive import closed_case
from lawtrail.testing.personas import World


def assembled(world: World, tmp_path: Path) -> CaseFile:
    case, _doc, _clip = closed_case(world, tmp_path, clip=False)
    return do_assemble_case_file(case, actor=world.alice)


def bound(world: World, tmp_path: Path) -> CaseFile:
    return do_bind_case_file(assembled(world, tmp_path), actor=world.archie)


def score_all(review: CaseReview, world: World, *, short: int = 0) -> int:
    """Full marks on every item but the first, which loses `short` points (with a comment)."""
    total = 0
    for n, item in enumerate(review.checklist):
        points = int(item["points"]) - (short if n == 0 else 0)
        do_score_review(review, item=item["id"], score=points, comment="立案审批表缺承办机构意见" if points < item["points"]
                        else "", actor=world.lena)
        total += points
    return total


def closed_review(world: World, tmp_path: Path, *, short: int = 4) -> CaseReview:
    review = do_start_review(bound(world, tmp_path), actor=world.lena)
    score_all(review, world, short=short)
    do_submit_review(review, summary="案卷基本规范,立案审批记录不全。", actor=world.lena)
    do_reply_review(review, kind="accepted", actor=world.alice)
    return do_close_review(review, actor=world.lena)


# ---------------------------------------------------------------- the checklist


def test_全国基础评查项目共100分_每项注明所依据的法律条款() -> None:
    checklist = checklist_for("labor-inspection")
    assert checklist.total == 100
    assert all(i.basis.startswith("《中华人民共和国行政处罚法》第") for i in checklist.items)
    assert checklist.basis == "《中华人民共和国行政处罚法》第四十七条"


def test_本机关规定列明的评查内容替换或增加评查项目() -> None:
    commission = checklist_for("commission-rules")
    items = {i.id: i for i in commission.items}
    assert commission.basis.endswith("第二十三条")
    # 第七条 asks for the certificates' validity; 第十五条 lists the decision's contents; 第十九条 the 30 days.
    assert items["credentials"].basis.endswith("第七条") and "有效期" in items["credentials"].text
    assert items["decision"].basis.endswith("第十五条")
    assert items["case_file_on_time"].points == 5 and commission.total == 105
    safety = checklist_for("safety-production")
    assert safety.basis.endswith("第二十五条") and {"av_required", "case_file_on_time"} <= {i.id for i in safety.items}


# ---------------------------------------------------------------- the review


def test_已装订案卷逐项评分_提交_被评查人答复_评查人办结_每步留有事件(world: World, tmp_path: Path) -> None:
    case_file = bound(world, tmp_path)
    review = do_start_review(case_file, actor=world.lena)
    assert review.handler == world.alice and review.unit == world.unit_a and review.total_points == 100
    expected = score_all(review, world, short=4)
    # Scoring an item again replaces its score.
    first = review.checklist[0]
    do_score_review(review, item=first["id"], score=int(first["points"]) - 4, comment="立案审批表缺承办机构意见",
                    actor=world.lena)
    assert ReviewScore.objects.filter(review=review).count() == len(review.checklist)
    do_submit_review(review, summary="案卷基本规范,立案审批记录不全。", actor=world.lena)
    review.refresh_from_db()
    assert review.status == "submitted" and review.score == expected == 96 and review.rate == 96.0
    do_reply_review(review, kind="explained", reply="承办机构意见已在立案审批表背面补记。", actor=world.alice)
    do_close_review(review, note="说明属实,维持评分。", actor=world.lena)
    review.refresh_from_db()
    assert review.status == "closed" and review.closed_at is not None

    actions = list(DomainEvent.objects.filter(object_type__startswith="review.", outcome="done")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["review.start"] + ["review.score"] * (len(review.checklist) + 1) + \
        ["review.submit", "review.reply", "review.close"]
    close = DomainEvent.objects.filter(action="review.close").get()
    assert close.payload["score"] == 96 and close.payload["handler"] == world.alice.display_name


def test_得分超出该项分值或低于零分被拒绝并以中文说明(world: World, tmp_path: Path) -> None:
    review = do_start_review(bound(world, tmp_path), actor=world.lena)
    item = review.checklist[0]
    with pytest.raises(InvalidInput, match=f"应在 0 至 {item['points']} 分之间") as err:
        do_score_review(review, item=item["id"], score=int(item["points"]) + 1, actor=world.lena)
    assert err.value.code == "score_out_of_range"
    with pytest.raises(InvalidInput, match="分之间"):
        do_score_review(review, item=item["id"], score=-1, actor=world.lena)
    # A deduction must say why.
    with pytest.raises(InvalidInput, match="请填写评查意见"):
        do_score_review(review, item=item["id"], score=0, actor=world.lena)
    with pytest.raises(InvalidInput, match="评查项目不存在"):
        do_score_review(review, item="no_such_item", score=1, actor=world.lena)
    assert not ReviewScore.objects.filter(review=review).exists()
    # Refusals are on the record too.
    assert DomainEvent.objects.filter(action="review.score", outcome="refused").count() == 4
    # Nothing is submitted with an item left unscored.
    with pytest.raises(Conflict, match="未评分") as missing:
        do_submit_review(review, summary="评查意见", actor=world.lena)
    assert missing.value.code == "items_not_scored"


def test_只有已装订归档的案卷可以评查_且只能由法制审核或监督人员评查(
        world: World, tmp_path: Path) -> None:
    case_file = assembled(world, tmp_path)
    with pytest.raises(Conflict, match="尚未装订归档") as err:
        do_start_review(case_file, actor=world.lena)
    assert err.value.code == "case_file_not_bound"
    case_file = do_bind_case_file(case_file, actor=world.archie)
    for outsider in (world.alice, world.bob, world.archie, world.uma):
        with pytest.raises(Forbidden, match="只有法制审核人员或监督人员可以评查案卷"):
            do_start_review(case_file, actor=outsider)
    do_start_review(case_file, actor=world.sam)
    review = do_start_review(case_file, actor=world.lena)
    # One open review per reviewer and file; another reviewer may not score it.
    with pytest.raises(Conflict, match="尚未办结"):
        do_start_review(case_file, actor=world.lena)
    with pytest.raises(Forbidden, match="只有本次评查的评查人"):
        do_score_review(review, item=review.checklist[0]["id"], score=1, comment="x", actor=world.sam)


def test_被评查的承办人答复评查意见_有异议须说明理由(world: World, tmp_path: Path) -> None:
    review = do_start_review(bound(world, tmp_path), actor=world.lena)
    score_all(review, world, short=2)
    with pytest.raises(Conflict, match="不能办理"):
        do_reply_review(review, kind="accepted", actor=world.alice)  # not submitted yet
    do_submit_review(review, summary="基本规范。", actor=world.lena)
    for other in (world.andy, world.lena, world.uma):
        with pytest.raises(Forbidden, match="只有被评查的承办人可以答复"):
            do_reply_review(review, kind="accepted", actor=other)
    with pytest.raises(InvalidInput, match="请填写说明"):
        do_reply_review(review, kind="explained", reply="  ", actor=world.alice)
    with pytest.raises(Conflict, match="不能办理"):
        do_close_review(review, actor=world.lena)  # not answered yet
    do_reply_review(review, kind="explained", reply="已补正。", actor=world.alice)
    with pytest.raises(InvalidInput, match="办结意见"):
        do_close_review(review, actor=world.lena)  # an objection is answered in the closing
    do_close_review(review, note="采纳说明。", actor=world.lena)
    review.refresh_from_db()
    assert review.reply_kind == "explained" and review.replied_by_name == world.alice.display_name


def test_办结的评查不可更改_操作和数据库均拒绝(world: World, tmp_path: Path) -> None:
    review = closed_review(world, tmp_path)
    item = review.checklist[0]
    with pytest.raises(Conflict, match="评查已提交"):
        do_score_review(review, item=item["id"], score=0, comment="改分", actor=world.lena)
    with pytest.raises(Conflict):
        do_reply_review(review, kind="accepted", actor=world.alice)
    with pytest.raises(Conflict):
        do_close_review(review, actor=world.lena)
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseReview.objects.filter(pk=review.pk).update(score=100)
    with pytest.raises(DatabaseError), transaction.atomic():
        ReviewScore.objects.filter(review=review).update(score=0)
    review.refresh_from_db()
    assert review.score == 96


# ---------------------------------------------------------------- 考核


def findings_and_deadlines(world: World, review: CaseReview) -> None:
    """Stored findings and deadline states as the compliance worker leaves them (fixture rows)."""
    now = timez.now()
    common = {"case": review.case, "agency": world.agency, "unit": world.unit_a, "handler": world.alice}
    for n, resolved in enumerate([None, None, now]):
        StoredFinding.objects.create(**common, profile_id="labor-inspection", rule="case_file", article="第三十四条",
                                     severity="blocking", subject=f"s{n}", message="逾期组卷",
                                     first_seen_at=now - dt.timedelta(hours=2), last_seen_at=now, resolved_at=resolved)
    # One overdue now, one met late, one met in time: two missed.
    for n, (state, met) in enumerate([(Deadline.OVERDUE, None), (Deadline.MET, now), (Deadline.MET, now - dt.timedelta(hours=3))]):
        Deadline.objects.create(**common, rule="evidence_storage", subject=f"d{n}", label="音像资料储存",
                                due_at=now - dt.timedelta(hours=1), warn_at=now - dt.timedelta(days=1), state=state,
                                met_at=met, refreshed_at=now)


def this_month() -> assessment.Period:
    today = timez.beijing(timez.now())
    return assessment.Period("month", today.year, today.month)


def test_考核按单位和执法人员统计评查得分_合规问题和逾期期限_按公示的公式计分(
        world: World, tmp_path: Path) -> None:
    review = closed_review(world, tmp_path)
    findings_and_deadlines(world, review)
    report = assessment.build(world.sam, this_month())
    unit = next(r for r in report.units if r.name == world.unit_a.name)
    assert (unit.reviews, unit.average, unit.findings_new, unit.findings_resolved, unit.findings_open, unit.overdue) \
        == (1, 96.0, 3, 1, 2, 2)
    assert unit.score == 96.0 - 1 * 2 - 2 * 2
    other = next(r for r in report.units if r.name == world.unit_b.name)
    assert other.reviews == 0 and other.score == 100
    officer = next(r for r in report.officers if r.name == world.alice.display_name)
    assert officer.unit == world.unit_a.name and officer.score == unit.score
    # A unit head reads their own unit only; an officer reads none.
    assert [r.name for r in assessment.build(world.uma, this_month()).units] == [world.unit_a.name]
    with pytest.raises(Forbidden):
        assessment.build(world.alice, this_month())
    # Last year's period holds none of it.
    empty = assessment.build(world.sam, assessment.Period("year", this_month().year - 1, 1))
    assert all(r.reviews == 0 and r.overdue == 0 for r in empty.units)


def test_考核导出的电子表格和PDF载明单位的评查得分_合规问题数和逾期数(world: World, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    review = closed_review(world, tmp_path)
    findings_and_deadlines(world, review)
    client = Client()
    client.force_login(world.sam)
    period = this_month()
    query = f"?year={period.year}&p=m{period.number}"

    page = client.get(f"/reviews/assessment/{query}").content.decode()
    assert "考核得分 = 评查平均得分率" in page and world.unit_a.name in page

    response = client.get(f"/reviews/assessment/assessment.xlsx{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    rows = {r[0]: r for r in book["按单位"].iter_rows(values_only=True) if r and r[0]}
    assert rows[world.unit_a.name][1:] == (1, 96.0, 3, 1, 2, 2, 90.0)
    assert any("考核得分 =" in str(r[0]) for r in book["按单位"].iter_rows(values_only=True) if r and r[0])
    people = {r[0]: r for r in book["按执法人员"].iter_rows(values_only=True) if r and r[0]}
    assert people[world.alice.display_name][1:] == (world.unit_a.name, 1, 96.0, 3, 1, 2, 2, 90.0)

    response = client.get(f"/reviews/assessment/assessment.pdf{query}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    flat = "".join(text.split())
    assert f"{period.label}执法考核" in flat and "考核得分=评查平均得分率" in flat
    assert f"{world.unit_a.name}196.0312290.0" in flat
    # An officer may not read the 考核.
    client.force_login(world.alice)
    assert client.get(f"/reviews/assessment/assessment.xlsx{query}").status_code == 403


def test_考核导出与其他导出一样限制频率(world: World, settings: object) -> None:
    from django.core.cache import cache

    setattr(settings, "RATE_LIMIT_EXPENSIVE", 1)  # noqa: B010
    # One window for the whole test: the limiter counts in fixed windows, and a slow export must
    # not carry the second request over a window's end (it did once, under a loaded CI).
    setattr(settings, "RATE_LIMIT_WINDOW", 86400)  # noqa: B010
    cache.clear()
    client = Client()
    client.force_login(world.sam)
    assert client.get("/reviews/assessment/assessment.xlsx").status_code == 200
    refused = client.get("/reviews/assessment/assessment.xlsx")
    assert refused.status_code == 429 and "导出考核表过于频繁" in refused.content.decode()
    # A token has its budget too, the same kind as the page's.
    api = ApiClient(world.sam)
    assert api.get("/api/assessment.xlsx").status == 200
    refused_api = api.get("/api/assessment.xlsx")
    assert refused_api.status == 429 and refused_api.code == "rate_limited"
    cache.clear()


# ---------------------------------------------------------------- pages and inbox


def test_评查人在卷内目录旁逐项评分_承办人从待办答复(
        world: World, tmp_path: Path) -> None:
    case_file = bound(world, tmp_path)
    lena = Client()
    lena.force_login(world.lena)
    listing = lena.get("/reviews/").content.decode()
    assert case_file.archive_no in listing and "开始评查" in listing
    response = lena.post(f"/reviews/start/{case_file.pk}/")
    review = CaseReview.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.pk}/"
    page = lena.get(f"/reviews/{review.pk}/").content.decode()
    # The checklist and the file's index of contents (each record linked) on one page.
    assert review.checklist[0]["text"] in page and "卷内目录" in page
    assert f'href="/documents/{case_file.items[0]["id"]}/"' in page
    # Inbox: the reviewer's own review waits to be finished.
    assert "完成评分并提交" in lena.get("/inbox/").content.decode()

    form = {f"score_{i['id']}": i["points"] for i in review.checklist}
    first = review.checklist[0]
    too_many = lena.post(f"/reviews/{review.pk}/score/", {**form, f"score_{first['id']}": first["points"] + 5})
    assert too_many.status_code == 400 and f"应在 0 至 {first['points']} 分之间" in too_many.content.decode()
    assert lena.post(f"/reviews/{review.pk}/score/", form).status_code == 302
    assert lena.post(f"/reviews/{review.pk}/submit/", {"summary": "规范。"}).status_code == 302

    alice = Client()
    alice.force_login(world.alice)
    inbox = alice.get("/inbox/").content.decode()
    assert "评查待我答复" in inbox and case_file.archive_no in inbox
    assert alice.post(f"/reviews/{review.pk}/reply/", {"kind": "accepted"}).status_code == 302
    assert lena.post(f"/reviews/{review.pk}/close/", {}).status_code == 302
    record = alice.get(f"/reviews/{review.pk}/").content.decode()
    assert "已办结" in record and "无异议" in record and "100" in record
    # Another unit's officer sees nothing of it.
    bob = Client()
    bob.force_login(world.bob)
    assert bob.get(f"/reviews/{review.pk}/").status_code == 404


# ---------------------------------------------------------------- API


def test_接口对每种拒绝返回固定的错误代码(world: World, tmp_path: Path) -> None:
    case_file = assembled(world, tmp_path)
    lena, alice = ApiClient(world.lena), ApiClient(world.alice)
    assert lena.post("/api/reviews", {"case_file_id": case_file.pk}).code == "case_file_not_bound"
    case_file = do_bind_case_file(case_file, actor=world.archie)
    assert [f["archive_no"] for f in lena.get("/api/reviews/case-files").body] == [case_file.archive_no]
    assert alice.post("/api/reviews", {"case_file_id": case_file.pk}).code == "not_reviewer"
    assert lena.post("/api/reviews", {"case_file_id": 999999}).code == "unknown_reference"
    started = lena.post("/api/reviews", {"case_file_id": case_file.pk})
    assert started.status == 201, started.body
    url = f"/api/reviews/{started.body['id']}"
    item = started.body["items"][0]
    over = lena.post(f"{url}/scores", {"item": item["id"], "score": item["points"] + 1})
    assert over.status == 422 and over.code == "score_out_of_range" and "分之间" in over.body["message"]
    assert lena.post(f"{url}/scores", {"item": item["id"], "score": -1}).code == "score_out_of_range"
    assert lena.post(f"{url}/submit", {"summary": "x"}).code == "items_not_scored"
    for i in started.body["items"]:
        assert lena.post(f"{url}/scores", {"item": i["id"], "score": i["points"]}).status == 200
    assert alice.post(f"{url}/reply", {"kind": "accepted"}).code == "review_status"
    assert lena.post(f"{url}/submit", {"summary": "规范。"}).body["score"] == 100
    assert ApiClient(world.andy).post(f"{url}/reply", {"kind": "accepted"}).code == "not_reviewed_officer"
    assert ApiClient(world.bob).get(url).status == 404
    assert alice.post(f"{url}/reply", {"kind": "accepted"}).body["status"] == "replied"
    closed = lena.post(f"{url}/close", {})
    assert closed.status == 200 and closed.body["status"] == "closed"
    assert lena.post(f"{url}/scores", {"item": item["id"], "score": 0, "comment": "x"}).code == "review_submitted"

    report = ApiClient(world.sam).get("/api/assessment", period="year")
    assert report.status == 200 and report.body["units"][0]["reviews"] == 1 and "考核得分" in report.body["formula"]
    assert ApiClient(world.sam).get("/api/assessment", period="quarter", number=5).code == "invalid_period"
    assert alice.get("/api/assessment").code == "not_allowed"


# ---------------------------------------------------------------- the demo


def test_演示数据中的评查已办结并计入该单位的考核导出(db: None, ledger: None) -> None:
    from openpyxl import load_workbook

    from lawtrail.accounts.models import User
    from lawtrail.demo import ensure_demo
    from lawtrail.review.models import CaseReview

    ensure_demo(["labor-inspection"])  # the labour agency only: its bound case file is reviewed
    review = CaseReview.objects.get()
    assert review.status == "closed" and review.score == 97 and review.reply_kind == "accepted"
    client = Client()
    client.force_login(User.objects.get(username="zhoujie"))  # the demo's supervisor
    period = timez.beijing(review.submitted_at)
    response = client.get(f"/reviews/assessment/assessment.xlsx?year={period.year}&p=m{period.month}")
    rows = {r[0]: r for r in load_workbook(io.BytesIO(response.content))["按单位"].iter_rows(values_only=True) if r}
    assert rows[review.unit.name][1:3] == (1, 97.0)
    ensure_demo(["labor-inspection"])  # a second run reviews nothing again
    assert CaseReview.objects.count() == 1
    # The ledger holds the review as it stands: verify finds it consistent.
    import json
    from contextlib import redirect_stdout

    from lawtrail.cli import main
    from lawtrail.ledger.actions import do_make_checkpoint

    do_make_checkpoint()
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["verify", "--json"])
    report = json.loads(out.getvalue())
    assert code == 0 and report["ok"], report["problems"]
