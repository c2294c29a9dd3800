"""`lawtrail verify`: walk the whole record and name everything that no longer matches.

One streaming pass over the entries (memory stays O(log n) for the tree): each entry's
leaf hash against its bytes, its number against its place, its bytes against the
DomainEvent row it froze; the tree head at every size a signed tree head (ours, or a
witness's) names. Then events the ledger does not know, the triggers, and every stored
evidence object's hash against the entry that recorded its ingest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import connection, connections, transaction

from lawtrail.ledger import keys
from lawtrail.ledger.canonical import event_columns, row_tail, row_tail_as_stored
from lawtrail.ledger.models import Checkpoint as CheckpointRow
from lawtrail.lib.appendonly import guard_faults
from lawtrail.lib.errors import DomainError
from lawtrail.verifier.checkpoint import Checkpoint, FormatError, SignatureError, parse_timestamp
from lawtrail.verifier.entry import ENTRY_PREFIX, ENTRY_VERSION
from lawtrail.verifier.keyring import KeyRing
from lawtrail.verifier.merkle import EMPTY_ROOT, Frontier

EVIDENCE_ACTION = "evidence.ingest"
DOCUMENT_ACTION = "document.issue"
_CLAIM_MARKERS = tuple(b'"action":"%s"' % a.encode() for a in (EVIDENCE_ACTION, DOCUMENT_ACTION))
# The action is the first fact of an entry: after {"v":1,"seq":…,"event":…,"state":"<64 hex>",
_MARKER_WITHIN = 200
_CHUNK = 10000
# Below this many entries one process walks them all (starting walkers costs more than it saves).
_PARALLEL_FROM = 100_000
_sha256 = hashlib.sha256


@dataclass
class Problem:
    """One thing that no longer matches, named so a person can find it."""

    code: str
    message: str
    entry: int | None = None
    event: int | None = None
    checkpoint: int | None = None
    witness: str | None = None
    object_key: str | None = None
    document: str | None = None
    # A live record that no longer matches the ledger: "label#pk", the field's attribute name,
    # the value the ledger froze and the value the row holds.
    record: str | None = None
    field: str | None = None
    ledgered: Any = None
    live: Any = None
    guard: str | None = None  # a database trigger


@dataclass
class Report:
    entries: int = 0
    root_hash: str = ""
    checkpoints: int = 0
    keys: int = 0
    witnesses: int = 0
    evidence_checked: int = 0
    documents_checked: int = 0
    records_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, code: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(code, message, **where))

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        return out


@dataclass
class _Target:
    """A tree head some signed checkpoint claims for the first `size` entries."""

    size: int
    root: bytes
    label: str
    where: dict[str, Any]


def _as_bytes(value: Any) -> bytes:
    """A blob as bytes: PostgreSQL gives memoryviews; a tampered SQLite cell may hold text or NULL."""
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return bytes(value)


def _state_of(tail: bytes) -> tuple[bool, str | None]:
    """The ledger-only member "state" that opens an entry's tail: (well-formed, value)."""
    if tail.startswith(b'"state":null,'):
        return True, None
    if tail.startswith(b'"state":"') and tail[73:75] == b'",':
        return True, tail[9:73].decode("ascii", "replace")
    return False, None


def _differing_fields(stored: bytes, rebuilt: bytes) -> list[str]:
    try:
        a, b = json.loads(stored), json.loads(rebuilt)
    except ValueError:
        return ["(条目内容无法解读)"]
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _check_key_history(report: Report, public_key: Ed25519PublicKey) -> KeyRing:
    """The key rotations the ledger records: each signed by both keys, one unbroken chain through
    the trusted key, each statement's entry where it says it is. The keys to check tree heads with."""
    try:
        found = keys.ledger_rotations()
        ring = KeyRing.follow(public_key, [r for _, r in found])
    except (SignatureError, FormatError) as err:
        report.problem("key_history", f"账本记录的密钥更替无法核验:{err}(其他密钥签署的签名树头因此无法核验)")
        return KeyRing.single(public_key)
    except Exception as err:  # noqa: BLE001 — a statement too damaged to parse is a finding, not a crash
        report.problem("key_history", f"账本记录的密钥更替无法解读:{type(err).__name__}: {err}"
                                      "(其他密钥签署的签名树头因此无法核验)")
        return KeyRing.single(public_key)
    for seq, rotation in found:
        if seq != rotation.tree_size - 1:
            report.problem("key_rotation_position", f"条目 #{seq} 的密钥更替声明称自己是第 {rotation.tree_size} 条"
                                                    "(条目被移动或声明被伪造)", entry=seq)
    report.keys = len(ring.spans)
    return ring


def _checkpoint_rows(report: Report) -> list[tuple[int, Checkpoint]]:
    """The signed tree heads the database holds, read by SQL: a row whose cells no longer have the
    shape of a tree head (a number that is not one, a hash of the wrong length) is named, not fatal."""
    out: list[tuple[int, Checkpoint]] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, tree_size, root_hash, timestamp, origin, key_id, signature "
                       "FROM ledger_checkpoint ORDER BY id")
        rows = cursor.fetchall()
    for pk, size, root, timestamp, origin, kid, signature in rows:
        root, signature = _as_bytes(root), _as_bytes(signature)
        wrong = []
        if type(size) is not int or size < 0:
            wrong.append(f"条目数({size!r})")
        if len(root) != 32:
            wrong.append(f"树根哈希({len(root)} 字节)")
        if len(signature) != 64:
            wrong.append(f"签名({len(signature)} 字节)")
        if not isinstance(timestamp, str):
            wrong.append("签署时间")
        else:
            try:
                parse_timestamp(timestamp)
            except ValueError:
                wrong.append(f"签署时间({timestamp!r})")
        if not isinstance(origin, str) or not isinstance(kid, str):
            wrong.append("账本名称或密钥标识")
        if wrong:
            report.problem("checkpoint_malformed", f"签名树头 #{pk} 的{'、'.join(wrong)}不是有效的值(记录被改动或损坏)",
                           checkpoint=pk)
            continue
        out.append((pk, Checkpoint(origin, size, root, timestamp, kid, signature)))
    return out


def _check_signatures(report: Report, public_key: Ed25519PublicKey | None,
                      witnesses: Iterable[tuple[str, Checkpoint]]) -> list[_Target]:
    """Every signed tree head's signature (ours and the witnesses'), under the key the key history
    gives for its size; the tree heads that pass are checked against the entries later."""
    targets: list[_Target] = []
    rows = _checkpoint_rows(report)
    report.checkpoints = len(rows)
    if rows and public_key is None:
        report.problem("key_missing", "找不到账本签名密钥(LAWTRAIL_LEDGER_KEY_FILE),无法核验签名树头的签名;"
                                      "可用 --public-key 指定机关公钥")
    ring = _check_key_history(report, public_key) if public_key is not None else None
    for pk, cp in rows:
        label = f"签名树头 #{pk}({cp.tree_size} 条,签署于 {cp.timestamp})"
        if ring is not None:
            try:
                ring.verify(cp)
            except SignatureError as err:
                report.problem("checkpoint_signature", f"{label}的签名无效:{err}", checkpoint=pk)
                continue
        targets.append(_Target(cp.tree_size, cp.root_hash, label, {"checkpoint": pk}))
    own = {(cp.tree_size, cp.root_hash, cp.signature) for _, cp in rows}
    for name, cp in witnesses:
        if name.startswith(_FROM_DIRECTORY):
            if (cp.tree_size, cp.root_hash, cp.signature) in own:
                continue  # the database still holds this very tree head: the copy adds nothing
        else:
            report.witnesses += 1
        where = (f"导出目录中的签名树头 {name[len(_FROM_DIRECTORY):]}" if name.startswith(_FROM_DIRECTORY)
                 else f"见证方保存的签名树头 {name}")
        label = f"{where}({cp.tree_size} 条,签署于 {cp.timestamp})"
        if ring is None:
            report.problem("key_missing", f"没有机关公钥,无法核验{label}的签名", witness=name)
            continue
        try:
            ring.verify(cp)
        except SignatureError as err:
            report.problem("witness_signature", f"{label}的签名无效:{err}", witness=name)
            continue
        targets.append(_Target(cp.tree_size, cp.root_hash, label, {"witness": name}))
    return targets


@dataclass(frozen=True)
class _Claim:
    """Content an entry froze the hash of: an evidence object (by store key) or an issued
    document's PDF (by document id)."""

    seq: int
    kind: str  # "evidence" | "document"
    key: str
    sha256: str
    name: str


@dataclass
class _Part:
    """What one walker found in entries start … end-1."""

    start: int
    end: int
    count: int = 0
    problems: list[Problem] = field(default_factory=list)
    claims: list[_Claim] = field(default_factory=list)
    frontier: Frontier = field(default_factory=Frontier)
    # Leaves the frontier held before the walk (an incremental check starts from the tree of a
    # verified head, read from the tiles); 0 for a walker whose frontier is its own part.
    base: int = 0
    # The walker's own frontier when the whole tree reaches each size a tree head names.
    snapshots: dict[int, Frontier] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.count == self.end - self.start


def _walk(start: int, end: int, events: bool, evidence: bool, sizes: frozenset[int],
          seed: Frontier | None = None) -> _Part:
    """Check entries start … end-1 in chunks, growing their part of the tree.

    One check family per function: the entries themselves (_Entries: numbering, leaf hashes,
    positions, the tree), the DomainEvent rows they froze (_check_events), and the content
    they name (_collect_claims: evidence objects and issued documents, checked afterwards).
    """
    part = _Part(start, end) if seed is None else _Part(start, end, frontier=seed.copy(), base=seed.size)
    entries = _Entries(part, sizes)
    if not events and connection.vendor == "postgresql":
        _walk_hashed_by_the_server(part, entries, evidence)
    else:
        for rows in _entry_rows(start, end, events):
            canon = entries.check(rows)
            if events:
                _check_events(part, rows, canon)
            if evidence:
                _collect_claims(part, rows, canon)
    entries.finish()
    return part


# PostgreSQL hashes each entry and checks its fixed prefix itself (sha256() and the comparison run
# in C beside the data): per entry only its number, event, stored leaf hash, the verdict and, for
# the few that name content, the bytes cross the wire.
_PG_CHECKED = (
    "SELECT l.seq, l.event_id, l.leaf_hash, "
    "sha256('\\x00'::bytea || l.canonical) = l.leaf_hash "
    "AND substring(l.canonical from 1 for octet_length(p.prefix)) = p.prefix, "
    "CASE WHEN {claims} THEN l.canonical END "
    "FROM ledger_ledgerentry l CROSS JOIN LATERAL (SELECT convert_to("
    "'{{\"v\":{version},\"seq\":' || l.seq || ',\"event\":' || l.event_id || ',', 'UTF8') AS prefix) p "
    "WHERE l.seq >= %s AND l.seq < %s ORDER BY l.seq"
)


def _walk_hashed_by_the_server(part: _Part, entries: _Entries, evidence: bool) -> None:
    """The entries-only walk on PostgreSQL. A chunk whose entries all hash to their stored leaf
    hash and sit where their bytes say, numbered on from the last, grows the tree from the
    stored leaf hashes (equal to the recomputed ones); any other chunk is read again whole and
    checked here entry by entry, which names each finding."""
    head = f"substring(l.canonical from 1 for {_MARKER_WITHIN})"
    claims = " OR ".join(f"position('\\x{m.hex()}'::bytea in {head}) > 0" for m in _CLAIM_MARKERS)
    sql = _PG_CHECKED.format(claims=claims, version=ENTRY_VERSION)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [part.start, part.end])
        while rows := cursor.fetchmany(_CHUNK):
            first, last = rows[0][0], rows[-1][0]
            if first == entries.expected and last == first + len(rows) - 1 and all(r[3] for r in rows):
                entries._grow([bytes(r[2]) for r in rows])
                if evidence:
                    for row in rows:
                        if row[4] is not None and (claim := _content_claim(row[0], bytes(row[4]))) is not None:
                            part.claims.append(claim)
                continue
            for full in _entry_rows(first, last + 1, False):
                canon = entries.check(full)
                if evidence:
                    _collect_claims(part, full, canon)


def _entry_rows(start: int, end: int, events: bool) -> Iterator[list[tuple[Any, ...]]]:
    """Entries start … end-1 in order, a chunk at a time (with their DomainEvent row's columns)."""
    sql = ("SELECT l.seq, l.event_id, l.canonical, l.leaf_hash"
           + (f", {event_columns(connection.vendor)}" if events else "")
           + " FROM ledger_ledgerentry l"
           + (" LEFT JOIN events_domainevent e ON e.id = l.event_id" if events else "")
           + " WHERE l.seq >= %s AND l.seq < %s ORDER BY l.seq")
    if connection.vendor == "sqlite":
        # The driver's cursor: rows as the sqlite3 module makes them, nothing in between.
        connection.ensure_connection()
        raw = connection.connection.cursor()
        try:
            raw.execute(sql.replace("%s", "?"), (start, end))
            while rows := raw.fetchmany(_CHUNK):
                yield rows
        finally:
            raw.close()
        return
    with connection.chunked_cursor() as cursor:  # a server-side cursor on PostgreSQL
        cursor.execute(sql, [start, end])
        while rows := cursor.fetchmany(_CHUNK):
            yield rows


class _Entries:
    """Numbering, leaf hashes and positions of a walker's entries, and its part of the tree.

    A chunk without surprises (consecutive numbers from where the last one ended, every leaf
    hash and prefix as stored) is checked with a few whole-list operations and grows the
    tree a perfect subtree at a time; any other chunk goes through the same checks entry by
    entry, which names each finding.
    """

    def __init__(self, part: _Part, sizes: frozenset[int]) -> None:
        self.part = part
        self.sizes = sorted(sizes)
        self.expected = part.start  # the number the next entry should have

    def check(self, rows: list[tuple[Any, ...]]) -> list[bytes]:
        """Check a chunk; returns its entries' bytes."""
        seqs = [r[0] for r in rows]
        ids = [r[1] for r in rows]
        canon = [r[2] for r in rows]
        stored = [r[3] for r in rows]
        if not all(map(bytes.__instancecheck__, canon)) or not all(map(bytes.__instancecheck__, stored)):
            canon = [_as_bytes(c) for c in canon]  # memoryviews (PostgreSQL), text or NULL (a tampered cell)
            stored = [_as_bytes(c) for c in stored]
        leaves = [_sha256(b"\x00" + c).digest() for c in canon]
        n = len(rows)
        if (seqs[0] == self.expected and seqs[-1] == self.expected + n - 1 and leaves == stored
                and all(type(i) is int for i in ids)
                and all(map(bytes.startswith, canon, map(ENTRY_PREFIX.__mod__, zip(seqs, ids, strict=True))))):
            self._grow(leaves)
        else:
            self._one_by_one(seqs, ids, canon, stored, leaves)
        return canon

    def _grow(self, leaves: list[bytes]) -> None:
        """Append consecutive leaves, keeping the frontier at every size a tree head names."""
        part, frontier = self.part, self.part.frontier
        first = self.expected
        last = first + len(leaves)
        done = 0
        for size in self.sizes:
            if first < size <= last:
                frontier.extend_batch(leaves[done:size - first])
                done = size - first
                part.snapshots[part.start - part.base + frontier.size] = frontier.copy()
        frontier.extend_batch(leaves[done:])
        self.expected = last

    def _one_by_one(self, seqs: list[int], ids: list[int], canon: list[bytes], stored: list[bytes],
                    leaves: list[bytes]) -> None:
        part, frontier = self.part, self.part.frontier
        problem = part.problems.append
        sizes = self.sizes
        for seq, event_id, canonical, stored_leaf, leaf in zip(seqs, ids, canon, stored, leaves, strict=True):
            if seq != self.expected:
                missing = f"#{self.expected}" if seq == self.expected + 1 else f"#{self.expected}–#{seq - 1}"
                problem(Problem("entry_missing", f"条目 {missing} 缺失(被删除)", entry=self.expected))
                self.expected = seq
            self.expected += 1
            if leaf != stored_leaf:
                problem(Problem("entry_hash", f"条目 #{seq} 的内容与其叶哈希不符(条目被改动)", entry=seq,
                                event=event_id))
            if type(event_id) is not int or not canonical.startswith(ENTRY_PREFIX % (seq, event_id)):
                problem(Problem("entry_position", f"条目 #{seq} 记载的序号或事件号与其所在位置不符"
                                                  "(条目被移动、替换或重排)", entry=seq, event=event_id))
            frontier.append(leaf)
            if self.expected in sizes:  # (expected: the size the tree has now, when nothing is missing)
                part.snapshots[part.start - part.base + frontier.size] = frontier.copy()

    def finish(self) -> None:
        part = self.part
        part.count = part.frontier.size - part.base
        if self.expected < part.end:
            missing = f"#{self.expected}" if self.expected == part.end - 1 else f"#{self.expected}–#{part.end - 1}"
            part.problems.append(Problem("entry_missing", f"条目 {missing} 缺失(被删除)", entry=self.expected))


def _check_events(part: _Part, rows: list[tuple[Any, ...]], canon: list[bytes]) -> None:
    """Each entry's bytes against the DomainEvent row it froze (rebuilt from the row's columns)."""
    problem = part.problems.append
    # SQLite gives back the payload text the writer stored; PostgreSQL's jsonb prints its own.
    as_stored = connection.vendor == "sqlite"
    for row, canonical in zip(rows, canon, strict=True):
        seq, event_id = row[0], row[1]
        if type(event_id) is not int:
            continue  # already named as entry_position
        prefix = ENTRY_PREFIX % (seq, event_id)
        if not canonical.startswith(prefix):
            continue  # already named as entry_position: its bytes are not this row's
        if row[4] is None:
            problem(Problem("event_missing", f"条目 #{seq} 记录的领域事件 #{event_id} 已不存在(事件被删除)",
                            entry=seq, event=event_id))
            continue
        tail = canonical[len(prefix):]
        formed, state = _state_of(tail)
        if as_stored and formed and row_tail_as_stored(row[4:], state) == tail:
            continue  # the row holds the very bytes the entry froze
        try:
            rebuilt = row_tail(row[4:], state)
        except Exception as err:  # noqa: BLE001 — a row too damaged to rebuild is named, not fatal
            problem(Problem("event_malformed", f"领域事件 #{event_id}(条目 #{seq})无法解读:{type(err).__name__}: {err}"
                                               "(事件记录在账本之外被改动或损坏)", entry=seq, event=event_id))
            continue
        if not formed or tail != rebuilt:
            fields = "、".join(_differing_fields(canonical, prefix + rebuilt))
            problem(Problem("event_mismatch", f"条目 #{seq} 与领域事件 #{event_id} 不一致(不同的字段:{fields}):"
                                              "事件记录在账本之外被改动", entry=seq, event=event_id))


def _collect_claims(part: _Part, rows: list[tuple[Any, ...]], canon: list[bytes]) -> None:
    """Entries that froze a content hash (an evidence ingest, a document issue), for the content checks."""
    for row, canonical in zip(rows, canon, strict=True):
        # The action is the first fact after the fixed members: look only near the start.
        for marker in _CLAIM_MARKERS:
            if canonical.find(marker, 0, _MARKER_WITHIN) >= 0:
                claim = _content_claim(row[0], canonical)
                if claim is not None:
                    part.claims.append(claim)
                break


def _walk_here(args: tuple[int, int, bool, bool, frozenset[int]]) -> _Part:
    """A walker in a process of its own (forked: it opens its own database connection)."""
    return _walk(*args)


def _ranges(size: int) -> list[tuple[int, int]]:
    """Split entries 0 … size-1 for parallel walkers, at multiples of a power of two so that
    each walker's part of the tree is made of whole subtrees of the full tree."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or size < _PARALLEL_FROM or connection.in_atomic_block or threading.active_count() > 1:
        # Inside a transaction other processes would not see what it wrote; and a process with
        # threads (a web server, a worker) must not fork.
        return [(0, size)]
    block = 1 << (max(1, -(-size // workers)) - 1).bit_length()
    return [(start, min(start + block, size)) for start in range(0, size, block)]


def verify_ledger(
    *, witnesses: Iterable[tuple[str, Checkpoint]] = (), public_key: Ed25519PublicKey | None = None,
    events: bool = True, evidence: bool = True, checkpoint_dirs: Iterable[str] | None = None,
    since: CheckpointRow | None = None,
) -> Report:
    """Check everything; `events=False` skips the comparison with DomainEvent rows and live records.

    `since`: a signed tree head an earlier full check found sound. The entries it covers are then
    not read again: the tree it signed is read from the stored tiles (O(log n) rows) and must
    lead to its root, and only the entries after it are walked, their tree grown from there
    (a consistency check from that head to the newer ones). Routine, cheap; a full check from
    time to time still reads everything (a rewrite under the old head shows only there).

    Each family of checks runs on its own: data too damaged for one (a cell of the wrong type where
    nothing expected it) is reported as a finding that names the check, and the others still run."""
    started = time.perf_counter()
    report = Report()
    if public_key is None:
        public_key = keys.load_public_key()
    # Tree heads first: each was signed over entries committed before it, so all of them lie
    # within the entries counted next; entries appended meanwhile are left for the next run.
    targets: list[_Target] = []
    with _guarded(report, "签名树头"):
        found = list(witnesses)
        found += newest_in_directories(report, checkpoint_dirs)
        targets = _check_signatures(report, public_key, found)
    parts: list[_Part] = []
    with _guarded(report, "账本条目"):
        sizes = frozenset(t.size for t in targets)
        if since is None:
            parts = _walk_all(events, evidence, sizes)
            whole, roots = _join(parts, sizes)
        else:
            parts, whole, roots = _walk_since(report, since, events, evidence, sizes)
            older = [t for t in targets if t.size < since.tree_size]
            targets = [t for t in targets if t.size >= since.tree_size]
            report.notes.append(f"增量核验:自签名树头 #{since.pk}({since.tree_size} 条)起,"
                                f"只读取其后的条目;其前的 {len(older)} 个签名树头与条目已在完整核验中核验"
                                "(定期仍应运行不带 --since 的完整核验)")
        for p in parts:
            report.problems.extend(p.problems)
        report.entries = whole.size
        report.root_hash = whole.root().hex()
        _check_tree_heads(report, targets, whole, roots)
    if since is None:
        with _guarded(report, "账本瓦片"):
            from lawtrail.ledger.tiles import check as check_tiles

            check_tiles(report.problem)
    if events:
        with _guarded(report, "领域事件"):
            _unledgered_events(report)
        with _guarded(report, "现有记录"):
            from lawtrail.ledger.livestate import check_live_records

            report.records_checked = check_live_records(report.problem)
    with _guarded(report, "防篡改保护"):
        _database_rules(report)
    if evidence:
        claims = [c for p in parts for c in p.claims]
        with _guarded(report, "证据对象"):
            _check_evidence(report, claims)
        with _guarded(report, "已签发文书"):
            _check_documents(report, claims)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


@contextlib.contextmanager
def _guarded(report: Report, what: str) -> Iterator[None]:
    # Inside a caller's transaction a failed query would spoil it for the checks after (PostgreSQL):
    # each check then runs in a savepoint. (Not otherwise: walkers run in parallel only outside one.)
    savepoint = transaction.savepoint() if connection.in_atomic_block else None
    try:
        yield
    except Exception as err:  # noqa: BLE001 — never a crash: the check that could not finish is the finding
        if savepoint is not None:
            transaction.savepoint_rollback(savepoint)
        report.problem("verify_incomplete", f"核验「{what}」时遇到无法解读的数据,未能完成:{type(err).__name__}: {err}"
                                            "(数据被改动或损坏;其余核验照常进行)")
    else:
        if savepoint is not None:
            transaction.savepoint_commit(savepoint)


def _walk_all(events: bool, evidence: bool, sizes: frozenset[int]) -> list[_Part]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_ledgerentry")
        size = int(cursor.fetchone()[0])
    jobs = [(a, b, events, evidence, sizes) for a, b in _ranges(size)]
    if len(jobs) == 1:
        return [_walk(*jobs[0])]
    connections.close_all()  # a forked walker must not share the parent's connection
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        return pool.map(_walk_here, jobs)


def _check_tree_heads(report: Report, targets: list[_Target], whole: Frontier, roots: dict[int, bytes]) -> None:
    """Each signed tree head (ours or a witness's) against the tree the entries make."""
    for t in targets:
        kind = "checkpoint" if "checkpoint" in t.where else "witness"
        if t.size > whole.size and str(t.where.get("witness", "")).startswith(_FROM_DIRECTORY):
            report.problem("database_rolled_back",
                           f"数据库比{t.label}旧:该签名树头已覆盖 {t.size} 条,数据库中的账本只有 {whole.size} 条"
                           f"(数据库被回滚、从旧备份恢复或丢失了已提交的数据,缺少 {t.size - whole.size} 条;"
                           "其间发出的案号、文书编号可能被再次发出)", **t.where)
        elif t.size > whole.size:
            report.problem(f"{kind}_beyond",
                           f"{t.label}记录了 {t.size} 条,账本现只有 {whole.size} 条(条目被删除或截断)", **t.where)
        elif (roots.get(t.size) if t.size else EMPTY_ROOT) != t.root:
            report.problem(f"{kind}_root", f"{t.label}与账本前 {t.size} 条不一致:签署之后账本被改写", **t.where)


def _walk_since(report: Report, since: CheckpointRow, events: bool, evidence: bool,
                sizes: frozenset[int]) -> tuple[list[_Part], Frontier, dict[int, bytes]]:
    """The incremental walk: the tree of `since` from the tiles, then the entries after it."""
    from lawtrail.ledger.tiles import StoredTree

    start = since.tree_size
    tree = StoredTree(start)
    seed = Frontier()
    for height in range(start.bit_length() - 1, -1, -1):
        if start >> height & 1:
            seed.push_subtree(tree.perfect(height, seed.size >> height), height)
    if seed.root() != bytes(since.root_hash):
        report.problem("since_root", f"账本前 {start} 条(读自账本瓦片)与作为起点的签名树头 #{since.pk} 不一致:"
                                     "请运行不带 --since 的完整核验", checkpoint=since.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_ledgerentry")
        total = int(cursor.fetchone()[0])
    part = _walk(start, max(start, total), events, evidence, sizes, seed=seed)
    if not part.complete:
        roots: dict[int, bytes] = {}
        return [part], _tree_in_one_pass(sizes, roots), roots
    roots = {at: f.root() for at, f in part.snapshots.items()}
    roots[start] = seed.root()
    return [part], part.frontier, roots


def _join(parts: list[_Part], sizes: frozenset[int]) -> tuple[Frontier, dict[int, bytes]]:
    """The whole tree from the walkers' parts, and its heads at the signed sizes."""
    roots: dict[int, bytes] = {}
    if not all(p.complete for p in parts):
        # Entries are missing (already reported): positions shift, so grow the tree in one pass.
        return _tree_in_one_pass(sizes, roots), roots
    whole = Frontier()
    for p in parts:
        for at, local in p.snapshots.items():
            joined = whole.copy()
            joined.join(local)
            roots[at] = joined.root()
        whole.join(p.frontier)
    return whole, roots


def _tree_in_one_pass(sizes: frozenset[int], roots: dict[int, bytes]) -> Frontier:
    frontier = Frontier()
    with connection.chunked_cursor() as cursor:
        cursor.execute("SELECT canonical FROM ledger_ledgerentry ORDER BY seq")
        while rows := cursor.fetchmany(_CHUNK):
            for (canonical,) in rows:
                frontier.append(_sha256(b"\x00" + _as_bytes(canonical)).digest())
                if frontier.size in sizes:
                    roots[frontier.size] = frontier.root()
    return frontier


def _content_claim(seq: int, canonical: bytes) -> _Claim | None:
    """The content hash a done evidence ingest or document issue froze; None for anything else."""
    try:
        data = json.loads(canonical)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("outcome") != "done":
        return None
    content: dict[str, Any] = data["content"] if isinstance(data.get("content"), dict) else {}
    payload: dict[str, Any] = data["payload"] if isinstance(data.get("payload"), dict) else {}
    sha = str(content.get("sha256") or "")
    if data.get("action") == EVIDENCE_ACTION:
        return _Claim(seq, "evidence", str(content.get("object_key") or ""), sha,
                      str(payload.get("original_name") or ""))
    if data.get("action") == DOCUMENT_ACTION:
        obj: dict[str, Any] = data["object"] if isinstance(data.get("object"), dict) else {}
        name = f"{payload.get('name') or '文书'} {payload.get('number') or ''}".strip()
        if payload.get("version") not in (None, 1):
            name += f"(第{payload['version']}版)"
        return _Claim(seq, "document", str(payload.get("document_id") or obj.get("id") or ""), sha, name)
    return None


def _unledgered_events(report: Report) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT e.id FROM events_domainevent e LEFT JOIN ledger_ledgerentry l ON l.event_id = e.id "
                       "WHERE l.seq IS NULL ORDER BY e.id")
        candidates = [r[0] for r in cursor.fetchall()]
        # An event and its entry commit together: one seen alone may have committed after the
        # entries were read. Ask again about those only.
        ledgered: set[int] = set()
        for start in range(0, len(candidates), 500):
            part = candidates[start:start + 500]
            placeholders = ",".join(["%s"] * len(part))
            cursor.execute(f"SELECT event_id FROM ledger_ledgerentry WHERE event_id IN ({placeholders})", part)
            ledgered.update(r[0] for r in cursor.fetchall())
    for event_id in candidates:
        if event_id not in ledgered:
            report.problem("event_unledgered", f"领域事件 #{event_id} 没有账本条目(在账本之外写入)", event=event_id)


def _database_rules(report: Report) -> None:
    """Every registered guard (lawtrail.lib.appendonly: the ledger's, the documents', the disposal
    records'…) present and enabled."""
    for fault in guard_faults(connection):
        if fault.state == "missing":
            report.problem("triggers_missing", f"防篡改保护缺失:{fault.label}已被删除(有人关闭了数据库的只增不改保护,"
                                               "受保护的记录可能已被改动;lawtrail migrate --restore-guards 可恢复并留痕)",
                           guard=fault.trigger, record=fault.guard.table)
        else:
            report.problem("triggers_disabled", f"防篡改保护被停用:{fault.label}已被停用(DISABLE TRIGGER;"
                                                "lawtrail migrate --restore-guards 可恢复并留痕)",
                           guard=fault.trigger, record=fault.guard.table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT event_id FROM ledger_pendingentry ORDER BY event_id")
            for (event_id,) in cursor.fetchall():
                report.problem("entry_unnumbered", f"领域事件 #{event_id} 的账本条目未获得条目号(定序触发器未运行)",
                               event=event_id)


def _check_evidence(report: Report, claims: list[_Claim]) -> None:
    """Every stored evidence object's SHA-256 against the entry that recorded its ingest."""
    claims = [c for c in claims if c.kind == "evidence"]
    try:
        from lawtrail.storage import get_store
    except ImportError:
        report.notes.append("证据存储模块(lawtrail.storage)尚未安装:跳过证据对象的哈希核验")
        return
    store = get_store()
    digests: dict[str, str | Exception] = {}
    absent = _disposed_keys(report)
    for claim in claims:
        seq, key, sha, name = claim.seq, claim.key, claim.sha256, claim.name
        if not key or not sha or key in absent:
            continue
        if key not in digests:
            digests[key] = _hash_object(store, key)
        found = digests[key]
        what = f"证据对象 {key}" + (f"({name})" if name else "")
        if isinstance(found, Exception):
            report.problem("evidence_missing", f"{what}无法读取(条目 #{seq} 记录其入库):{found}",
                           entry=seq, object_key=key)
        elif found != sha:
            report.problem("evidence_hash", f"{what}的 SHA-256 为 {found},与条目 #{seq} 记录的 {sha} 不符"
                                            "(证据被替换或损坏)", entry=seq, object_key=key)
        else:
            report.evidence_checked += 1
    if not claims:
        report.notes.append("账本中没有证据入库条目")


def _check_documents(report: Report, claims: list[_Claim]) -> None:
    """Every issued document version's stored PDF (documents_document.pdf) against the SHA-256
    its `document.issue` entry froze. Read by SQL, not the ORM: a row an attacker edited is read
    as it is, and a missing documents app only skips this check."""
    claims = [c for c in claims if c.kind == "document" and c.key and c.sha256]
    if not claims:
        return
    if "documents_document" not in connection.introspection.table_names():
        report.notes.append("文书模块未安装:跳过已签发文书 PDF 的哈希核验")
        return
    for start in range(0, len(claims), 500):
        batch = claims[start:start + 500]
        ids = [int(c.key) for c in batch if c.key.isdigit()]
        found: dict[str, bytes | None] = {}
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, pdf FROM documents_document WHERE id IN ({','.join(['%s'] * len(ids))})",
                               ids)
                found = {str(pk): (None if pdf is None else _as_bytes(pdf)) for pk, pdf in cursor.fetchall()}
        for claim in batch:
            what = f"文书 #{claim.key}" + (f"「{claim.name}」" if claim.name else "")
            pdf = found.get(claim.key)
            if pdf is None:
                report.problem("document_missing", f"{what}签发时的 PDF 已不存在(条目 #{claim.seq} 记录其签发)",
                               entry=claim.seq, document=claim.key)
                continue
            digest = _sha256(pdf).hexdigest()
            if digest != claim.sha256:
                report.problem("document_hash", f"{what}保存的 PDF 的 SHA-256 为 {digest},与条目 #{claim.seq} "
                                                f"记录的 {claim.sha256} 不符(签发后的文书被改动或替换)",
                               entry=claim.seq, document=claim.key)
            else:
                report.documents_checked += 1


# ---- Retention and disposal (lawtrail/retention): objects destroyed under a disposal record are
# expected absent; only those. An object missing without a disposal record is still reported.
def _disposed_keys(report: Report) -> set[str]:
    try:
        from lawtrail.retention.queries import disposed_object_keys
    except ImportError:
        return set()
    keys = disposed_object_keys()
    if keys:
        report.notes.append(f"{len(keys)} 个证据对象已按销毁记录销毁,不再核验其内容")
    return keys


def _hash_object(store: Any, key: str) -> str | Exception:
    digest = _sha256()
    try:
        with store.open(key) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except Exception as err:  # noqa: BLE001 — any failure to read is what we report, by key
        return err
    return digest.hexdigest()


_FROM_DIRECTORY = "导出目录:"
_EXPORTED = re.compile(r"checkpoint-(\d+)-\d+\.json$")


def newest_in_directories(report: Report, directories: Iterable[str] | None) -> list[tuple[str, Checkpoint]]:
    """The signed tree head covering the most entries in each directory (the export directory the
    worker writes, settings.LEDGER_CHECKPOINT_DIR, when none are named; or a witness's copies): kept
    outside the database, it is what a database restored to an older state cannot take back. A file
    that cannot be read is a finding."""
    if directories is None:
        directories = [settings.LEDGER_CHECKPOINT_DIR] if settings.LEDGER_CHECKPOINT_DIR else []
    out: list[tuple[str, Checkpoint]] = []
    for directory in directories:
        folder = Path(directory)
        if not folder.is_dir():
            continue
        best: tuple[int, str, Checkpoint] | None = None
        named = sorted((int(m.group(1)), p) for p in folder.glob("*.json") if (m := _EXPORTED.search(p.name)))
        # The worker's files carry their size in the name: the newest is read, not every one.
        candidates = [p for _, p in named[-1:]] + [p for p in folder.glob("*.json") if not _EXPORTED.search(p.name)]
        for path in candidates:
            try:
                for name, cp in verify_witness_files([str(path)]):
                    if best is None or cp.tree_size > best[0]:
                        best = (cp.tree_size, name, cp)
            except DomainError as err:
                report.problem("checkpoint_file_malformed", f"签名树头文件无法读取:{err.message}",
                               witness=str(path))
        if best is not None:
            out.append((f"{_FROM_DIRECTORY}{best[1]}", best[2]))
    return out


def verify_witness_files(paths: Iterable[str]) -> list[tuple[str, Checkpoint]]:
    """Read witness checkpoint files (each one exported checkpoint, or a list of them)."""
    from lawtrail.lib.errors import InvalidInput

    out: list[tuple[str, Checkpoint]] = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except OSError as err:
            raise InvalidInput("witness_unreadable", f"无法读取见证方文件 {path}:{err.strerror}")
        except (ValueError, UnicodeDecodeError) as err:
            raise InvalidInput("witness_not_json", f"见证方文件 {path} 不是有效的 JSON:{err}")
        items = data if isinstance(data, list) else [data]
        for i, item in enumerate(items):
            try:
                out.append((path if len(items) == 1 else f"{path}[{i}]", Checkpoint.from_json(item)))
            except FormatError as err:
                raise InvalidInput("witness_invalid", f"见证方文件 {path}:{err}")
    return out
