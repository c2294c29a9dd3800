"""Many case bundles in one run: files, JSON lines, directories or standard input, streamed.

Bundles are imported in batches (`do_import_bundles`: one transaction a batch, each bundle all of
it or nothing in a savepoint of its own, the batch's events through the ledger's bulk path); a
refused bundle is reported with where it came from and the JSON path of its fault, and the run
goes on with the next. The bundles are read as they are imported, a batch at a time, so memory
stays flat however many there are.
"""

from __future__ import annotations

import itertools
import json
import marshal
import multiprocessing
import pickle
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

from lawtrail.compliance.bundle import Checked, check_texts, decode
from lawtrail.events.state import Plain, freeze_plain
from lawtrail.lib.checkpoints import background_checkpoints
from lawtrail.lib.collector import paused
from lawtrail.lib.errors import DomainError
from lawtrail.lib.frozen import Encoded

if TYPE_CHECKING:
    from lawtrail.compliance.actions import Freezer

BUNDLE_SUFFIXES = (".json", ".jsonl", ".ndjson")
# What the checking process says of a bundle: its bundle_hash() and its value (marshal), or None.
Verdict = tuple[str, bytes] | None


@dataclass(frozen=True)
class Item:
    """One bundle's text, or the reason it could not be read, and where it came from."""

    source: str  # "file.jsonl:17", "dir/case.json", "-:3"
    text: str = ""
    unreadable: str = ""
    # The text's UTF-8 bytes as read from a file: what the checking process is sent (bytes cross
    # to it as they are; a text would be encoded again, holding this process meanwhile).
    raw: bytes = b""


def _lines_or_document(stream: IO[str] | IO[bytes], name: str) -> Iterator[Item]:
    """JSON lines when the first line is a whole JSON value, otherwise one (pretty-printed) bundle.
    A binary stream is read as UTF-8 (UnicodeDecodeError where it is not)."""
    lines: Iterator[str | bytes] = iter(stream)
    first = next(lines, "")
    while first and not first.strip():
        first = next(lines, "")
    if not first:
        return
    try:
        json.loads(first)
    except json.JSONDecodeError:
        yield _item(name, first + stream.read())  # type: ignore[operator]
        return
    except UnicodeDecodeError:
        pass  # (raised again below, by the item)
    yield _item(f"{name}:1", first)
    for number, line in enumerate(lines, start=2):
        if line.strip():
            yield _item(f"{name}:{number}", line)


def _item(source: str, text: str | bytes) -> Item:
    return Item(source, text.decode("utf-8"), raw=text) if isinstance(text, bytes) else Item(source, text)


def _file(path: Path) -> Iterator[Item]:
    try:
        with path.open("rb") as stream:
            yield from _lines_or_document(stream, str(path))
    except (OSError, UnicodeDecodeError) as err:
        yield Item(str(path), unreadable=f"无法读取文件:{err.strerror if isinstance(err, OSError) else '不是 UTF-8 文本'}")


def iter_bundles(sources: Iterable[str], stdin: TextIO) -> Iterator[Item]:
    """Every bundle of the sources in order: `-` is standard input, a directory gives its bundle
    files (.json, .jsonl, .ndjson) in name order, a file gives one bundle or one per line."""
    for source in sources:
        if source == "-":
            yield from _lines_or_document(stdin, "-")
            continue
        path = Path(source)
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.is_file() and p.suffix in BUNDLE_SUFFIXES):
                yield from _file(child)
        elif path.is_file():
            yield from _file(path)
        else:
            yield Item(source, unreadable="文件或目录不存在")


def count_bundles(sources: Iterable[str]) -> int | None:
    """How many bundles the sources hold, for the progress bar; None when unknown (stdin)."""
    total = 0
    for source in sources:
        if source == "-":
            return None
        path = Path(source)
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in BUNDLE_SUFFIXES) \
            if path.is_dir() else [path]
        for f in files:
            try:
                with f.open("rb") as stream:
                    head = stream.readline()
                    try:
                        json.loads(head)
                    except (json.JSONDecodeError, UnicodeDecodeError):
                        total += 1
                        continue
                    total += 1 + sum(1 for line in stream if line.strip())
            except OSError:
                total += 1
    return total


@dataclass
class Summary:
    imported: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def seen(self) -> int:
        return self.imported + len(self.refused)

    def rate(self) -> float:
        return self.imported / max(time.monotonic() - self.started, 1e-9)


class Progress:
    """A bar on stderr when it is a terminal; otherwise a line every `every` bundles."""

    def __init__(self, total: int | None, stream: TextIO, every: int = 1000) -> None:
        self.total, self.stream, self.every = total, stream, every
        self.tty = stream.isatty()
        self._last = 0.0
        self._shown = 0

    def update(self, summary: Summary, *, final: bool = False) -> None:
        now = time.monotonic()
        if self.tty:
            if not final and now - self._last < 0.2:
                return
            self._last = now
            if self.total:
                share = min(1.0, summary.seen / self.total)
                bar = "█" * int(share * 30) + "░" * (30 - int(share * 30))
                head = f"{bar} {share:5.1%} {summary.seen:,}/{self.total:,}"
            else:
                head = f"{summary.seen:,}"
            self.stream.write(f"\r{head} 已导入 {summary.imported:,} 拒绝 {len(summary.refused):,} "
                              f"{summary.rate():,.1f} 个/秒 ")
            if final:
                self.stream.write("\n")
        elif final or summary.seen // self.every > self._shown // self.every:
            # (Counts move a batch at a time: a line each time they pass a multiple of `every`.)
            self._shown = summary.seen
            of = f"/{self.total:,}" if self.total else ""
            self.stream.write(f"[{summary.seen:,}{of}] 已导入 {summary.imported:,} 拒绝 {len(summary.refused):,} "
                              f"{summary.rate():,.1f} 个/秒\n")
        self.stream.flush()


def freeze_groups(groups: list[list[Plain]]) -> list[tuple[Encoded, str]]:
    """The second process's other work: each bundle's records frozen (events.state.freeze_plain),
    the fields sent back as their JSON text only (what the ledger's bulk path stores; the same
    values again as objects would cost this process more to read than the text)."""
    return [(records, fields.text) for records, fields in map(freeze_plain, groups)]


def freeze_pickled(groups: bytes) -> bytes:
    """freeze_groups() between pickles: what crosses between the processes is pickled and
    unpickled by the writing process's own thread (Checker.freezer), not by the pool's threads,
    which would hold its interpreter lock for each whole pickle while the writer waits for it."""
    return pickle.dumps(freeze_groups(pickle.loads(groups)), protocol=pickle.HIGHEST_PROTOCOL)


class _Unpickling:
    """The future of freeze_pickled()'s result, unpickled when asked for (a Frozen)."""

    def __init__(self, future: Future[bytes]) -> None:
        self.future = future

    def result(self) -> list[tuple[Encoded, str]]:
        return cast("list[tuple[Encoded, str]]", pickle.loads(self.future.result()))


class Checker:
    """A second process that validates and hashes the next batch's bundles (bundle.check_texts)
    while this one writes the current batch, and freezes the records of the bundles this one has
    written (freeze_groups) while it writes the next ones: a bundle's schema, references and
    times and the canonical JSON of its SHA-256 are a seventh of an import's CPU, and freezing
    its hundred records (their fields' canonical JSON and SHA-256, for its event) a quarter; the
    writing itself cannot be shared (one writer at a time). Started for a second batch only: a
    single bundle is not kept waiting for a process to start. When the process cannot be started
    or dies, the bundles are checked, and their records frozen, here, as without it."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    def submit(self, items: list[Item]) -> Future[list[Verdict]] | None:
        if self._broken:
            return None
        try:
            if self._pool is None:
                # spawn: a fresh interpreter, not a fork of one holding the database's connection.
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            return self._pool.submit(check_texts, [item.raw or item.text for item in items])
        except (OSError, RuntimeError):
            self._broken = True
            return None

    def freezer(self) -> Freezer | None:
        """do_import_bundles' `freezer` while the process runs, else None (frozen in this one)."""
        if self._pool is None or self._broken:
            return None
        pool = self._pool
        return lambda groups: _Unpickling(pool.submit(freeze_pickled,
                                                      pickle.dumps(groups, protocol=pickle.HIGHEST_PROTOCOL)))

    def verdicts(self, future: Future[list[Verdict]] | None, count: int) -> list[Verdict]:
        """Each bundle's digest and packed value when the process found it valid; None to check
        it here."""
        if future is not None:
            try:
                return future.result()
            except (BrokenProcessPool, OSError, RuntimeError):
                self._broken = True
        return [None] * count

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def import_all(items: Iterable[Item], *, actor: Any, progress: Progress | None = None,
               batch: int = 100) -> Summary:
    """Import every bundle; refusals are collected, each with its source, code, message and path.

    Bundles go `batch` at a time through do_import_bundles (one transaction, a savepoint and an
    event each, the events through the ledger's bulk path). A batch that fails as a whole (not a
    bundle's refusal) is imported again one bundle at a time, so each bundle's fate is its own.
    From the second batch on, the batch after the one being written is validated meanwhile by a
    second process (Checker). On SQLite the write-ahead log is checkpointed by a second thread
    meanwhile (lib.checkpoints), not inside each batch's commit."""
    summary = Summary()
    stream = iter(items)
    checker = Checker()
    try:
        with background_checkpoints():
            chunk = list(itertools.islice(stream, batch))
            checking: Future[list[Verdict]] | None = None
            while chunk:
                following = list(itertools.islice(stream, batch))
                verdicts = checker.verdicts(checking, len(chunk))
                checking = checker.submit(following) if following else None
                # The batch's bundles decoded and written with the cyclic collector held off (they are
                # as many objects as the rows they become, and hold no cycles); it runs between batches.
                with paused():
                    # Each item with its bundle, or with its refusal when it could not even be read: reported in order.
                    _flush([(item, *_parse(item, verdict)) for item, verdict in zip(chunk, verdicts, strict=True)],
                           actor, summary, checker.freezer())
                if progress is not None and len(chunk) == batch:
                    progress.update(summary)
                chunk = following
    finally:
        checker.close()
    if progress is not None:
        progress.update(summary, final=True)
    return summary


def _refusal(source: str, err: DomainError) -> dict[str, Any]:
    return {"source": source, "code": err.code, "message": err.message, "path": err.detail.get("path", "$")}


def _parse(item: Item, verdict: Verdict = None) -> tuple[dict[str, Any] | Checked | None, dict[str, Any] | None]:
    """(the bundle's JSON value, None) or (None, its refusal); the value as a `Checked` bundle
    when the checking process found it valid (`verdict`: its digest and its value, packed)."""
    if verdict is not None:
        digest, packed = verdict
        return Checked(marshal.loads(packed), digest), None
    if item.unreadable:
        return None, {"source": item.source, "code": "bundle_unreadable", "message": item.unreadable, "path": "$"}
    try:
        data = decode(item.text)
    except DomainError as err:
        return None, _refusal(item.source, err)
    return data, None


def _flush(pending: list[tuple[Item, dict[str, Any] | Checked | None, dict[str, Any] | None]], actor: Any,
           summary: Summary, freezer: Freezer | None = None) -> None:
    from lawtrail.compliance.actions import do_import_bundle, do_import_bundles

    readable = [data for _, data, _ in pending if data is not None]
    results: list[Any] | None = None
    if readable:
        try:
            results = do_import_bundles(readable, actor=actor, freezer=freezer)
        except Exception:  # noqa: BLE001 — the batch as a whole failed (or the actor may not import): one by one
            results = None
    done = iter(results or [])
    for item, data, refusal in pending:
        if data is None:
            summary.refused.append(refusal or {})
            continue
        if results is None:
            try:
                do_import_bundle(data.data if isinstance(data, Checked) else data, actor=actor)  # which validates it
                summary.imported += 1
            except DomainError as err:
                summary.refused.append(_refusal(item.source, err))
            continue
        result = next(done)
        if isinstance(result, DomainError):
            summary.refused.append(_refusal(item.source, result))
        else:
            summary.imported += 1
