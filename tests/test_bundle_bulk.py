"""`lawtrail bundle import FILE|DIR|- …`: many bundles in one run, each all or nothing, the refused
ones reported with where they came from and the JSON path of their fault."""

from __future__ import annotations

import copy
import io
import json
import marshal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.cli import main
from lawtrail.compliance import bundle as bundles
from lawtrail.events.models import DomainEvent
from lawtrail.testing.personas import World, build_world


def numbered(n: int) -> dict[str, Any]:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    b["case"]["number"] = f"示劳监立〔2025〕第{1000 + n}号"
    return b


def _last_analyze() -> Any:
    """When PostgreSQL last analyzed the documents table (None on SQLite, or never)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'documents_document'")
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def test_json_lines_a_directory_and_a_single_bundle_are_imported_in_one_run(
        transactional_db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Committed for real: on PostgreSQL the ledger numbers its entries as a transaction commits.
    world = build_world()
    lines = tmp_path / "many.jsonl"
    lines.write_text("".join(json.dumps(numbered(i), ensure_ascii=False) + "\n" for i in range(3)), encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.json").write_text(bundles.dumps(numbered(10)), encoding="utf-8")  # pretty-printed
    (folder / "b.jsonl").write_text(json.dumps(numbered(11), ensure_ascii=False) + "\n\n", encoding="utf-8")
    (folder / "notes.txt").write_text("不是数据包", encoding="utf-8")
    before = Case.objects.count()
    analyzed = _last_analyze()
    assert main(["bundle", "import", str(lines), str(folder), "--user", world.root.username]) == 0
    assert Case.objects.count() == before + 5
    out = capsys.readouterr()
    assert "已导入 5 个案件数据包,拒绝 0 个" in out.out
    assert "[5/5]" in out.err  # the progress line, not a terminal: its figures at the end
    # The planner's statistics after the bulk load: PostgreSQL's refreshed (its autovacuum may be
    # off or late), SQLite's left uncreated (its pages are planned without them).
    if connection.vendor == "postgresql":
        assert _last_analyze() not in (None, analyzed)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 0
    # Every row the imports wrote (inserted list by list) is frozen in its import's event.
    assert main(["verify"]) == 0, capsys.readouterr().out


def test_a_refused_bundle_is_reported_with_its_line_and_path_and_the_others_still_go_in(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_type = numbered(2)
    bad_type["documents"][-1]["type"] = "no_such_document"  # passes the schema, fails half-way
    bad_form = numbered(4)
    bad_form["case"]["title"] = 5
    texts = [json.dumps(numbered(1), ensure_ascii=False), json.dumps(bad_type, ensure_ascii=False),
             json.dumps(numbered(1), ensure_ascii=False),  # the same 案号 again
             json.dumps(bad_form, ensure_ascii=False), json.dumps(numbered(3), ensure_ascii=False)]
    src = tmp_path / "mixed.jsonl"
    src.write_text("\n".join(texts) + "\n", encoding="utf-8")
    report = tmp_path / "refused.jsonl"
    before = Case.objects.count()
    code = main(["bundle", "import", str(src), str(tmp_path / "missing.jsonl"), "--report", str(report),
                 "--user", world.root.username, "-q"])
    assert code == 1
    assert Case.objects.count() == before + 2
    assert not Case.objects.filter(number=bad_type["case"]["number"]).exists()  # nothing half-written
    refused = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [(r["source"], r["code"], r["path"]) for r in refused] == [
        (f"{src}:2", "bad_bundle", f"$.documents[{len(bad_type['documents']) - 1}].type"),
        (f"{src}:3", "case_exists", "$.case.number"),
        (f"{src}:4", "bad_bundle", "$.case.title"),
        (str(tmp_path / "missing.jsonl"), "bundle_unreadable", "$"),
    ]
    assert all(r["message"] for r in refused)
    # Each bundle read has its event, in order: the imported ones and the refusals (with their reason).
    events = DomainEvent.objects.filter(action="bundle.import").order_by("id")
    assert [(e.outcome, e.reason_code) for e in events] == [
        ("done", ""), ("refused", "bad_bundle"), ("refused", "case_exists"), ("refused", "bad_bundle"), ("done", "")]
    out = capsys.readouterr()
    assert "已导入 2 个案件数据包,拒绝 4 个" in out.out
    assert f"拒绝 {src}:3($.case.number)" in out.err


def test_standard_input_takes_json_lines(world: World, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "".join(json.dumps(numbered(20 + i), ensure_ascii=False) + "\n" for i in range(2))))
    assert main(["bundle", "import", "-", "--user", world.root.username]) == 0
    assert Case.objects.filter(number__in=[numbered(20)["case"]["number"], numbered(21)["case"]["number"]]).count() == 2
    assert "已导入 2 个" in capsys.readouterr().out


def test_an_unknown_user_is_refused_before_anything_is_read(world: World, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "one.json"
    src.write_text(bundles.dumps(numbered(30)), encoding="utf-8")
    assert main(["bundle", "import", str(src), "--user", "nobody-here"]) == 2
    assert "用户 nobody-here 不存在" in capsys.readouterr().err


def test_what_a_refused_bundle_made_is_not_taken_by_the_next_bundle_of_its_batch(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bundles share a transaction: the officer a refused bundle registered went with its savepoint,
    and the next bundle naming the same 执法证号 registers (and freezes) it again."""
    refused, kept = numbered(30), numbered(31)
    for b in (refused, kept):
        b["officers"][0].update(cert_no="LD-NEW-9", username="newcomer")
    refused["documents"][-1]["type"] = "no_such_document"  # refused after its officers were written
    src = tmp_path / "two.jsonl"
    src.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in (refused, kept)), encoding="utf-8")
    assert main(["bundle", "import", str(src), "--user", world.root.username, "-q"]) == 1
    [officer] = User.objects.filter(cert_no="LD-NEW-9")
    case = Case.objects.get(number=kept["case"]["number"])
    assert case.handler_id == officer.pk
    imported = DomainEvent.objects.get(action="bundle.import", outcome="done", case_id_frozen=case.pk)
    assert ["accounts.user", str(officer.pk)] in [r[:2] for r in imported.records]


def test_a_batch_queues_one_refresh_job_for_its_cases_which_refreshes_each(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    from huey.contrib.djhuey import HUEY

    from lawtrail.compliance import jobs, store
    from lawtrail.compliance.actions import do_import_bundles
    from lawtrail.compliance.models import CaseCheck

    def queued() -> dict[str, tuple[str, Any]]:
        # The queue's messages as stored (read without the task registry: other jobs may wait there too).
        messages = [HUEY.serializer.deserialize(item) for item in HUEY.storage.enqueued_items()]
        # (A message names its job by module and name: lawtrail.compliance.jobs.compliance.refresh_case.)
        return {m.id: (m.name.rpartition("jobs.")[2], m.args) for m in messages
                if m.name.rpartition("jobs.")[2].startswith("compliance.refresh_case")}

    before = queued()
    with django_capture_on_commit_callbacks(execute=True):
        cases = do_import_bundles([numbered(20), numbered(21), numbered(22)], actor=world.root)
    ids = sorted(c.pk for c in cases if isinstance(c, Case))
    assert len(ids) == 3
    # Marked stale at once (pages show 待更新); one job for the three, not one a case.
    assert set(CaseCheck.objects.filter(case_id__in=ids, stale=True).values_list("case_id", flat=True)) == set(ids)
    assert [job for key, job in queued().items() if key not in before] == [("compliance.refresh_cases", (ids,))]
    assert jobs.refresh_cases_job.call_local(ids) == 3
    assert all(c.event_id == store.last_event_id(c.case_id) and not c.stale
               for c in CaseCheck.objects.filter(case_id__in=ids))


def test_what_a_refused_bundle_wrote_is_written_again_by_the_next_bundle_of_its_batch(world: World) -> None:
    """The batch looks the 案号, originals and definitions up once for all its bundles: the case
    number and the originals of a bundle refused half-way went with its savepoint, so the next
    bundle naming the same ones is imported, stores the originals again and freezes them."""
    from lawtrail.compliance.actions import do_import_bundles
    from lawtrail.evidence.models import StoredObject
    from lawtrail.lib.errors import DomainError

    refused, kept = numbered(40), numbered(40)
    # Refused after its case, its originals and its recordings were written.
    refused["documents"][0]["media_links"] = [{"media": "no-such-recording"}]
    error, case = do_import_bundles([refused, kept], actor=world.root)
    assert isinstance(error, DomainError) and error.detail["path"] == "$.documents[0].media_links[0].media"
    assert isinstance(case, Case) and case.number == kept["case"]["number"]
    shas = {m["sha256"] for m in kept["media"]}
    stored = {str(pk) for pk in StoredObject.objects.filter(sha256__in=shas).values_list("pk", flat=True)}
    assert len(stored) == len(shas)
    imported = DomainEvent.objects.get(action="bundle.import", outcome="done", case_id_frozen=case.pk)
    assert stored <= {pk for label, pk, _ in imported.records if label == "evidence.storedobject"}


def test_the_checking_process_finds_what_the_import_itself_would(tmp_path: Path) -> None:
    """The bundles of the batches after the first are validated and hashed by a second process:
    a valid bundle's verdict is its SHA-256 and its value, an invalid one's None (checked again by
    the import)."""
    from lawtrail.compliance import bulk

    good, bad = numbered(50), numbered(51)
    bad["case"]["title"] = 5
    text = json.dumps(good, ensure_ascii=False)
    # (A line as read from a file carries its bytes, which the process reads as UTF-8, as the
    # import does: a byte-order mark is not JSON there either.)
    items = [bulk.Item("a:1", text, raw=text.encode()), bulk.Item("a:2", json.dumps(bad)),
             bulk.Item("a:3", "{不是 JSON"), bulk.Item("a:4", "\ufeff" + text, raw=b"\xef\xbb\xbf" + text.encode())]
    checker = bulk.Checker()
    try:
        verdicts = checker.verdicts(checker.submit(items), 4)
        assert verdicts[0] is not None and verdicts[1:] == [None, None, None]
        digest, packed = verdicts[0]
        assert digest == bundles.bundle_hash(good)
        assert marshal.loads(packed) == good and json.dumps(marshal.loads(packed)) == json.dumps(good)
    finally:
        checker.close()


def test_bundles_checked_by_the_second_process_are_imported_and_refused_as_the_first_batch_s(
        world: World, tmp_path: Path) -> None:
    """Three batches of two: the first checked in this process, the next two by the checking
    process. Refusals in each are reported with their line and path, every bundle has its event
    in order, and each imported case's event records its bundle's SHA-256."""
    from lawtrail.compliance import bulk

    kept = [numbered(60 + i) for i in range(4)]
    bad_form, bad_type = numbered(70), numbered(71)
    bad_form["case"]["title"] = 5  # fails the schema: caught by the checking process
    bad_type["documents"][-1]["type"] = "no_such_document"  # passes it, refused half-way
    order = [kept[0], bad_form, kept[1], bad_type, bad_form, kept[2]]
    src = tmp_path / "batches.jsonl"
    src.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in order) + "{不是 JSON\n" +
                   json.dumps(kept[3], ensure_ascii=False) + "\n", encoding="utf-8")
    summary = bulk.import_all(bulk.iter_bundles([str(src)], io.StringIO()), actor=world.root, batch=2)
    assert summary.imported == 4
    assert [(r["source"], r["code"], r["path"]) for r in summary.refused] == [
        (f"{src}:2", "bad_bundle", "$.case.title"),
        (f"{src}:4", "bad_bundle", f"$.documents[{len(bad_type['documents']) - 1}].type"),
        (f"{src}:5", "bad_bundle", "$.case.title"),
        (f"{src}:7", "bad_bundle", "$"),
    ]
    events = DomainEvent.objects.filter(action="bundle.import").order_by("id")
    assert [(e.outcome, e.reason_code) for e in events] == [
        ("done", ""), ("refused", "bad_bundle"), ("done", ""), ("refused", "bad_bundle"),
        ("refused", "bad_bundle"), ("done", ""), ("done", "")]
    for b in kept:
        case = Case.objects.get(number=b["case"]["number"])
        event = DomainEvent.objects.get(action="bundle.import", outcome="done", case_id_frozen=case.pk)
        assert event.payload["sha256"] == bundles.bundle_hash(b)


def test_an_imported_form_stores_the_opinion_it_waits_for_as_the_signing_would(world: World) -> None:
    """导入的文书同样存着下一项待签的审批意见(与签署时维护的一致);已归档案件的文书不再等待。"""
    from lawtrail.compliance.actions import do_import_bundles
    from lawtrail.documents import signing
    from lawtrail.documents.models import Document

    open_case = numbered(90)
    open_case["case"]["stage"] = "closed"
    open_case["case"].pop("archived_at", None)
    open_case["transitions"] = [t for t in open_case["transitions"] if t["to"] != "archived"]
    form = next(d for d in open_case["documents"] if any(s["role"] == "approver" for s in d["signatures"]))
    form["signatures"] = [s for s in form["signatures"] if s["role"] != "approver"]
    archived = numbered(91)
    first, second = do_import_bundles([open_case, archived], actor=world.root)
    assert isinstance(first, Case) and isinstance(second, Case)
    waiting = dict(Document.objects.filter(case=first, awaiting_opinion__isnull=False)
                   .values_list("type_code", "awaiting_opinion"))
    assert form["type"] in waiting
    for doc in Document.objects.filter(case=first).select_related("agency"):
        stored = doc.awaiting_opinion
        signing.refresh_awaiting(doc)  # what the signing keeps: the same
        assert doc.awaiting_opinion == stored, doc
    assert not Document.objects.filter(case=second, awaiting_opinion__isnull=False).exists()


def _stored_states(cases: list[Case]) -> list[tuple[str, str, str, Any]]:
    """Every record each case's import event froze: (label, key, digest, fields) as stored."""
    out: list[tuple[str, str, str, Any]] = []
    for case in cases:
        event = DomainEvent.objects.get(action="bundle.import", outcome="done", case_id_frozen=case.pk)
        assert len(event.records) == len(event.record_fields) > 50
        out += [(label, pk, dig, fields) for (label, pk, dig), fields in zip(event.records, event.record_fields,
                                                                               strict=True)]
    return out


def _live_states(stored: list[tuple[str, str, str, Any]]) -> list[tuple[str, str, str, Any]]:
    """The same records frozen from their rows as they are now (events.state.freeze)."""
    from django.apps import apps

    from lawtrail.events.state import freeze

    out = []
    for label, pk, _, _ in stored:
        row = apps.get_model(label)._default_manager.get(pk=pk)
        _, key, dig, fields = freeze(row)
        out.append((label, key, dig, fields))
    return out


def test_records_frozen_by_the_second_process_are_the_records_as_written(
        transactional_db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three batches: the records of each written bundle are frozen by the second process while
    the next ones are written. Each event's records and fields are those of the rows it wrote,
    and `lawtrail verify` finds every live row as its event froze it."""
    from lawtrail.compliance import bulk

    world = build_world()
    src = tmp_path / "three.jsonl"
    src.write_text("".join(json.dumps(numbered(80 + i), ensure_ascii=False) + "\n" for i in range(6)),
                   encoding="utf-8")
    summary = bulk.import_all(bulk.iter_bundles([str(src)], io.StringIO()), actor=world.root, batch=2)
    assert (summary.imported, summary.refused) == (6, [])
    cases = list(Case.objects.filter(number__in=[numbered(80 + i)["case"]["number"] for i in range(6)]))
    stored = _stored_states(cases)
    assert stored == _live_states(stored)
    assert main(["verify"]) == 0, capsys.readouterr().out


def test_a_freezer_that_fails_leaves_the_freezing_to_the_import_itself(world: World) -> None:
    """A freezer that cannot take the work, or whose work fails, changes nothing: the same records
    are frozen in this process, each event as without a freezer."""
    from concurrent.futures import Future

    from lawtrail.compliance.actions import do_import_bundles

    def refusing(groups: Any) -> Future[Any]:
        raise RuntimeError("no process")

    def failing(groups: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(OSError("the process died"))
        return future

    # (A first import makes the officers, the party and the originals the later ones share.)
    do_import_bundles([numbered(89)], actor=world.root)
    made = []
    for n, freezer in ((90, None), (91, refusing), (92, failing)):
        results = do_import_bundles([numbered(n), numbered(n + 10)], actor=world.root, freezer=freezer)
        assert all(isinstance(r, Case) for r in results)
        made.append(_stored_states(results))  # type: ignore[arg-type]
    for states in made:
        assert states == _live_states(states)
    # The same bundles' records, whichever way they were frozen: the same fields by model.
    shapes = [sorted((label, sorted(fields)) for label, _, _, fields in states) for states in made]
    assert shapes[0] == shapes[1] == shapes[2]
