"""The live checklist on the case page, the supervisor's findings page, and the findings API:
each shows what to add with its article, to those who may see the case."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from lawtrail.cases.models import Case
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.actions import do_import_bundle
from lawtrail.compliance.labels import rule_label
from lawtrail.compliance.store import check_all, refresh_case
from lawtrail.testing.api import ApiClient
from lawtrail.testing.pages import links, walk
from lawtrail.testing.personas import World


@pytest.fixture
def defective(world: World) -> Case:
    """An imported labour case whose inquiry record lacks its footage: one blocking finding (第十七条)."""
    b = copy.deepcopy(bundles.example("labor-inspection"))
    b["case"]["unit"] = world.unit_a.name
    b["case"]["officers"] = ["officer-1", "officer-2"]
    for d in b["documents"]:
        if d["type"] == "inquiry_record":
            d["media"] = []
            d["fields"]["situations"] = []
    # The interviewee's footage goes too, so nothing links the inquiry to a recording.
    b["media"] = [m for m in b["media"] if m["id"] not in ("media-1", "media-2")]
    b["interruptions"] = []
    for d in b["documents"]:
        d["media"] = [m for m in d.get("media", []) if m not in ("media-1", "media-2")]
    case = do_import_bundle(b, actor=world.root)
    # Pages read the stored findings (compliance.store), refreshed by a worker after the import.
    refresh_case(case)
    return case


def as_user(world: World, name: str) -> Client:
    c = Client()
    c.force_login(getattr(world, name))
    return c


AV_RULE = rule_label("av_required")


def test_the_case_page_lists_the_blocking_finding_with_its_article(world: World, defective: Case) -> None:
    html = as_user(world, "alice").get(f"/cases/{defective.pk}/").content.decode()
    assert 'id="compliance-checklist"' in html
    assert 'data-rule="av_required"' in html and "第十七条" in html and "请关联音像资料" in html
    assert "阻断" in html


def test_the_supervisor_sees_the_agencys_findings_and_filters_them(world: World, defective: Case) -> None:
    c = as_user(world, "sam")
    html = c.get("/compliance/").content.decode()
    # The rule and the record by their names, never the engine's ids.
    assert defective.label in html and AV_RULE in html and "<td>询问(调查)笔录</td>" in html
    assert "av_required" not in html.split("<tbody>")[1] and "doc-" not in html
    assert AV_RULE not in c.get("/compliance/", {"severity": "warning"}).content.decode().split("<tbody>")[1]
    assert AV_RULE in c.get("/compliance/", {"rule": "av_required"}).content.decode().split("<tbody>")[1]


def test_an_officer_may_not_open_the_agency_wide_page(world: World, defective: Case) -> None:
    assert as_user(world, "alice").get("/compliance/").status_code == 403


def test_the_api_lists_a_cases_findings_to_those_who_see_it(world: World, defective: Case) -> None:
    reply = ApiClient(world.alice).get(f"/api/cases/{defective.pk}/findings")
    assert reply.status == 200
    assert [(f["rule"], f["article"], f["severity"], f["subject"]) for f in reply.body] == [
        ("av_required", "第十七条", "blocking", f"doc-{defective.documents.get(type_code='inquiry_record').pk}")]
    assert ApiClient(world.alice).get(f"/api/cases/{defective.pk}/findings", severity="warning").body == []
    assert ApiClient(world.bob).get(f"/api/cases/{defective.pk}/findings").status == 404


def test_the_supervisor_pages_through_every_finding_and_filters_by_stage(
        world: World, defective: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    from lawtrail.cases.choices import Stage
    from lawtrail.compliance.models import StoredFinding
    from lawtrail.testing.scenarios import advance, register_case

    monkeypatch.setattr("lawtrail.compliance.views.LIMIT", 1)  # one finding a page
    newer = [advance(world, register_case(world, title=f"较新的案件{i}"), Stage.INVESTIGATING) for i in range(2)]
    check_all()
    total = StoredFinding.objects.filter(resolved_at__isnull=True).count()
    c = Client()
    c.force_login(world.sam)
    row = r'<a href="/cases/(\d+)/">'
    walked = walk(c, "/compliance/", row)
    assert len(walked.pages) == total and all(len(p) == 1 for p in walked.pages) and not walked.offsets
    assert f"共 {total} 项" in walked.last and "下一页" not in walked.last
    # Blocking findings before warnings, then the newest first: the order the walk met them in.
    seen = list(StoredFinding.objects.filter(resolved_at__isnull=True).order_by("severity", "-first_seen_at", "-id")
                .values_list("case_id", flat=True))
    assert walked.ids == seen
    # The filters travel with the pages; a stage narrows the findings to its cases.
    following = links(c.get("/compliance/", {"rule": "rights_notice", "stage": "investigating"}).content.decode())
    assert following["下一页"].startswith("rule=rights_notice&stage=investigating&after=")
    only = walk(c, "/compliance/", row, stage=defective.stage, rule="av_required")
    assert only.ids == [defective.pk]
    investigating = walk(c, "/compliance/", row, stage=newer[0].stage, rule="rights_notice")
    assert sorted(investigating.ids) == sorted(case.pk for case in newer) and defective.pk not in investigating.ids
    assert len(walk(c, "/compliance/", row, stage="nonsense").pages) == total  # read as all
