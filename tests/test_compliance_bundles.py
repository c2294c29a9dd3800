"""Case bundles: export → import → export is lossless (modulo the documented ids), an import is
one event and all-or-nothing, and a malformed bundle is refused with the JSON path of its mistake."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawtrail.cases.models import Case
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.actions import do_import_bundle
from lawtrail.compliance.export import export_case
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import InvalidInput
from lawtrail.testing.personas import World, build_world

LISTS = ("parties", "officers", "approvals", "transitions", "services", "documents", "media", "interruptions",
         "follow_ups", "accountability", "recording_stops", "text_records")


def normalized(b: dict[str, Any]) -> dict[str, Any]:
    """The bundle with every id replaced by its list position: ids are the exporting database's own."""
    text = json.dumps(b, ensure_ascii=False)
    renames: dict[str, str] = {}
    for name in LISTS:
        for i, item in enumerate(b.get(name) or []):
            renames[item["id"]] = f"{name}#{i}"
    renames[b["case"]["id"]] = "case#"
    if b.get("complaint"):
        renames[b["complaint"]["id"]] = "complaint#"
    out = json.loads(text)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str) and node in renames:
            return renames[node]
        return node

    out = walk(out)
    out.pop("exported_at")
    out["agency"].pop("name")
    for o in out["officers"]:
        o.pop("username", None)
    return out


@pytest.fixture
def two_worlds(db: None) -> tuple[World, World]:
    return build_world(), build_world(name="另一劳动保障监察大队")


def test_a_bundle_round_trips_through_two_databases_losslessly(two_worlds: tuple[World, World]) -> None:
    first, second = two_worlds
    case = do_import_bundle(copy.deepcopy(bundles.example("labor-inspection")), actor=first.root)
    exported = bundles.validate(export_case(case))
    again = do_import_bundle(copy.deepcopy(exported), actor=second.root)
    assert again.agency_id == second.agency.pk
    assert normalized(bundles.validate(export_case(again))) == normalized(exported)


def test_附卷的文字记录随数据包传递_转化说明及其所涉音像资料和打印件摘要不丢失(db: None) -> None:
    first, second = build_world("safety-production"), build_world("safety-production", name="另一应急管理局")
    example = bundles.example("safety-production")
    case = do_import_bundle(copy.deepcopy(example), actor=first.root)
    exported = bundles.validate(export_case(case))
    (record,) = exported["text_records"]
    assert (record["kind"], record["article"], record["medium"]) == ("evidence_explanation", "第二十条", "光盘 GP-2025-001")
    media = next(m for m in exported["media"] if m["id"] == record["media"])
    assert media["sha256"] == next(m for m in example["media"] if m["id"] == "media-1")["sha256"]
    again = do_import_bundle(copy.deepcopy(exported), actor=second.root)
    assert normalized(bundles.validate(export_case(again))) == normalized(exported)
    # A record naming a recording the bundle does not hold, or an impossible date, is refused with its path.
    wrong = copy.deepcopy(example)
    wrong["text_records"][0]["media"] = "media-99"
    with pytest.raises(InvalidInput) as missing:
        bundles.validate(wrong)
    assert missing.value.detail["path"] == "$.text_records[0].media"
    wrong = copy.deepcopy(example)
    wrong["text_records"][0]["dated"] = "2025-02-30"
    with pytest.raises(InvalidInput) as impossible:
        bundles.validate(wrong)
    assert impossible.value.detail["path"] == "$.text_records[0].dated"


def test_an_imported_exemplary_case_keeps_its_history_and_checks_clean(two_worlds: tuple[World, World]) -> None:
    from lawtrail.compliance.queries import case_findings

    first, _ = two_worlds
    example = bundles.example("labor-inspection")
    case = do_import_bundle(copy.deepcopy(example), actor=first.root)
    assert case.registered_at == bundles.parse_time(example["case"]["registered_at"])
    assert [f.as_dict() for f in case_findings(case)] == []


def test_不得删改音像记录_原件校验不一致的音像资料被查出并随数据包传递(two_worlds: tuple[World, World]) -> None:
    # 委员会细则第二十一条: 任何单位或者个人不得伪造、剪接、删改、销毁行政执法视音频记录.
    from lawtrail.compliance.engine import evaluate
    from lawtrail.evidence.actions import do_record_fixity
    from lawtrail.evidence.models import Evidence
    from lawtrail.profiles.registry import get_profile

    first, second = two_worlds
    case = do_import_bundle(copy.deepcopy(bundles.example("commission-rules")), actor=first.root)
    sound = bundles.validate(export_case(case))
    assert all("fixity_ok" not in m for m in sound["media"])
    assert evaluate(sound, get_profile("commission-rules"), now=bundles.parse_time(sound["exported_at"])) == []
    altered = Evidence.objects.filter(case=case).order_by("pk").first()
    assert altered is not None
    do_record_fixity(checked=[altered.stored.key], problems=[{"key": altered.stored.key, "problem": "mismatch"}],
                     store="test", actor=first.root)
    b = bundles.validate(export_case(case))
    [flagged] = [m for m in b["media"] if m.get("fixity_ok") is False]
    findings = evaluate(b, get_profile("commission-rules"), now=bundles.parse_time(b["exported_at"]))
    assert [(f.rule, f.article, f.subject, f.severity) for f in findings] == [
        ("evidence_no_alteration", "第二十一条", flagged["id"], "blocking")]
    # Imported elsewhere, the failed check is kept: the finding does not vanish on the way.
    again = do_import_bundle(copy.deepcopy(b), actor=second.root)
    assert [m.get("fixity_ok") for m in bundles.validate(export_case(again))["media"]].count(False) == 1


def test_an_import_is_one_event_naming_the_bundles_hash(two_worlds: tuple[World, World]) -> None:
    first, _ = two_worlds
    example = bundles.example("agriculture")
    before = DomainEvent.objects.count()
    case = do_import_bundle(copy.deepcopy(example), actor=first.root)
    events = list(DomainEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.outcome) for e in events] == [("bundle.import", "done")]
    assert events[0].payload["sha256"] == bundles.bundle_hash(example)
    assert events[0].case_id_frozen == case.pk


def test_a_bundle_failing_half_way_leaves_nothing_behind(two_worlds: tuple[World, World]) -> None:
    first, _ = two_worlds
    b = copy.deepcopy(bundles.example("labor-inspection"))
    b["documents"][-1]["type"] = "no_such_document"  # passes the schema, fails after the case is written
    cases = Case.objects.count()
    with pytest.raises(InvalidInput) as err:
        do_import_bundle(b, actor=first.root)
    assert err.value.detail["path"] == f"$.documents[{len(b['documents']) - 1}].type"
    assert Case.objects.count() == cases
    refused = DomainEvent.objects.order_by("-pk").first()
    assert refused is not None and (refused.action, refused.outcome) == ("bundle.import", "refused")


def test_only_an_administrator_imports(two_worlds: tuple[World, World]) -> None:
    first, _ = two_worlds
    with pytest.raises(Exception) as err:
        do_import_bundle(copy.deepcopy(bundles.example("labor-inspection")), actor=first.alice)
    assert getattr(err.value, "code", "") == "not_admin"


@pytest.mark.parametrize(("mutate", "path"), [
    (lambda b: b["documents"][1].update(media=["media-99"]), "$.documents[1].media[0]"),
    (lambda b: b["media"][0].update(sha256="xyz"), "$.media[0].sha256"),
    (lambda b: b["case"].update(registered_at="2025-02-30T09:00:00Z"), "$.case.registered_at"),
    (lambda b: b["case"].update(registered_at="2025-03-03T09:00:00"), "$.case.registered_at"),
    (lambda b: b["services"][0].update(method="pigeon"), "$.services[0].method"),
    (lambda b: b["approvals"][0].update(at="2025-13-01T09:00:00Z"), "$.approvals[0].at"),
    (lambda b: b["officers"][1].update(cert_valid_until="2030-02-31"), "$.officers[1].cert_valid_until"),
    (lambda b: b["officers"].append(dict(b["officers"][0])), "$.officers[4].id"),
    (lambda b: b["case"].update(party="party-9"), "$.case.party"),
    (lambda b: b.update(version=2), "$.version"),
])
def test_a_malformed_bundle_is_refused_naming_its_json_path(mutate: Any, path: str) -> None:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    mutate(b)
    with pytest.raises(bundles.BundleError) as err:
        bundles.validate(b)
    assert err.value.code == "bad_bundle"
    assert err.value.detail["path"] == path
    assert path in err.value.message


def inquiry_index(b: dict[str, Any]) -> int:
    return next(i for i, d in enumerate(b["documents"]) if d["type"] == "inquiry_record")


@pytest.mark.parametrize(("key", "value", "why"), [
    ("started_at", "2025-05-12T10:00:00", "带时区"),           # no offset: read differently in every zone
    ("started_at", "2025-02-30T10:00:00+08:00", "无效"),        # no such day
    ("started_at", "10:00", "只有钟点"),                         # a clock time says no day
    ("remark_time", "10:00:30", "只有钟点"),                     # whatever the field is called
    ("remark_time", "2025-05-12 10:00", "带时区"),
    ("served_on", "2025-13-01", "日期"),
    ("served_on", "明天", "日期"),
])
def test_文书字段中的时间须带时区且真实存在_否则按其路径拒收(key: str, value: str, why: str) -> None:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    i = inquiry_index(b)
    b["documents"][i]["fields"][key] = value
    with pytest.raises(bundles.BundleError) as err:
        bundles.validate(b)
    assert err.value.detail["path"] == f"$.documents[{i}].fields.{key}"
    assert why in err.value.message and value in err.value.message


def test_times_nested_in_a_fields_table_are_checked_too_and_words_are_not_times() -> None:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    i = inquiry_index(b)
    b["documents"][i]["fields"]["rows"] = [{"at": "2025-05-12T10:00:00+08:00", "note": "上午10时许到达现场"}]
    bundles.validate(b)  # an offset moment and prose are fine
    b["documents"][i]["fields"]["rows"][0]["at"] = "9:30"
    with pytest.raises(bundles.BundleError) as err:
        bundles.validate(b)
    assert err.value.detail["path"] == f"$.documents[{i}].fields.rows[0].at"


def test_文书时间与音像不能核对时不再静默跳过() -> None:
    from lawtrail.compliance.engine import evaluate
    from lawtrail.profiles.registry import get_profile

    b = copy.deepcopy(bundles.example("labor-inspection"))
    doc = b["documents"][inquiry_index(b)]
    assert doc["media"], "the exemplary inquiry has its recording"
    del doc["fields"]["started_at"]
    now = bundles.parse_time(b["exported_at"] or "2026-01-05T02:00:00Z")
    findings = evaluate(bundles.validate(b), get_profile("labor-inspection"), now=now)
    assert [(f.rule, f.subject) for f in findings] == [("av_time_match", doc["id"])]
    assert "无法核对" in findings[0].message and "未记载起止时间" in findings[0].message


def test_text_that_is_not_json_names_its_line_and_column() -> None:
    with pytest.raises(bundles.BundleError) as err:
        bundles.loads('{\n  "format": "lawtrail-case-bundle",\n  "version": 1,,\n}')
    assert (err.value.detail["line"], err.value.detail["column"]) == (3, 16)


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    _nested, max_leaves=8)


def _paths(node: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [where]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*where, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*where, i))
    return out


EXAMPLE = bundles.example("labor-inspection")
PATHS = [p for p in _paths(EXAMPLE) if p]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), JSON)
def test_any_value_anywhere_is_accepted_or_refused_with_a_path_never_crashes(path: tuple[Any, ...], value: Any) -> None:
    b = copy.deepcopy(EXAMPLE)
    node = b
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        bundles.validate(b)
    except bundles.BundleError as err:
        assert err.code == "bad_bundle" and err.detail["path"].startswith("$")
