"""The Merkle tree's stored tiles (C2SP tlog-tiles layout) and proofs cut from them.

Tile (L, N) holds the hashes of the tree's nodes at height 8·L, numbers N·256 … N·256+w-1:
level 0 the leaf hashes, level L+1 the roots of the full tiles of level L. Any perfect,
aligned subtree's hash is then at most 127 hashes of one tile folded together, so a proof or a
tree head of n entries reads one tile a level: O(log n) rows however long the ledger grows.

`extend(size)` stores the tiles of the first `size` entries (full tiles once, the rightmost
tile of each level grown in place); signing a tree head calls it, so every signed tree is
tiled. A tile that is missing or too narrow for the size asked is built from the level below
(from the entries at level 0), so a proof is right even before its tiles are stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from django.db import IntegrityError, connection, transaction

from lawtrail.ledger.models import LedgerTile
from lawtrail.lib.errors import Conflict
from lawtrail.verifier.merkle import HASH_SIZE, Subtrees, fold

HEIGHT = 8
WIDTH = 1 << HEIGHT


def _hashes(packed: bytes) -> list[bytes]:
    return [packed[i:i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)]


def _leaf_range(start: int, end: int) -> bytes:
    """The stored leaf hashes of entries start … end-1, packed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT leaf_hash FROM ledger_ledgerentry WHERE seq >= %s AND seq < %s ORDER BY seq",
                       [start, end])
        return b"".join(bytes(r[0]) for r in cursor.fetchall())


def _stored(level: int, first: int, last: int) -> dict[int, bytes]:
    """Stored tiles of one level with index first … last, by index."""
    rows = LedgerTile.objects.filter(level=level, index__gte=first, index__lte=last).values_list("index", "hashes")
    return {int(i): bytes(h) for i, h in rows}


class StoredTree(Subtrees):
    """The ledger's first `size` entries as a Merkle tree read from its tiles."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._tiles: dict[tuple[int, int], bytes] = {}

    def perfect(self, height: int, index: int) -> bytes:
        if (index + 1) << height > self.size:
            raise ValueError(f"subtree {height}/{index} outside a tree of {self.size}")
        level, rest = divmod(height, HEIGHT)
        first = index << rest  # the subtree's first node at the tile level's height
        tile, offset = divmod(first, WIDTH)
        packed = self.tile(level, tile)
        return fold(_hashes(packed[offset * HASH_SIZE:(offset + (1 << rest)) * HASH_SIZE]))

    def width(self, level: int, index: int) -> int:
        """How many hashes tile (level, index) holds in a tree of this size."""
        return max(0, min(WIDTH, (self.size >> (level * HEIGHT)) - index * WIDTH))

    def tile(self, level: int, index: int) -> bytes:
        """Tile (level, index) of this tree, packed: stored if it is, else built from below."""
        key = (level, index)
        if key not in self._tiles:
            want = self.width(level, index)
            row = LedgerTile.objects.filter(level=level, index=index).values_list("hashes", flat=True).first()
            packed = bytes(row) if row is not None else b""
            if len(packed) < want * HASH_SIZE:
                packed = self._build(level, index, want)
            self._tiles[key] = packed[:want * HASH_SIZE]
        return self._tiles[key]

    def _build(self, level: int, index: int, width: int) -> bytes:
        start = index * WIDTH
        if level == 0:
            return _leaf_range(start, start + width)
        below = _stored(level - 1, start, start + width - 1)
        out = []
        for j in range(start, start + width):
            packed = below.get(j)
            if packed is None or len(packed) < WIDTH * HASH_SIZE:
                packed = self.tile(level - 1, j)
            out.append(fold(_hashes(packed)))
        return b"".join(out)


def extend(size: int) -> int:
    """Store the tiles of the first `size` entries that are not stored yet; how many tiles were
    written. Idempotent, and safe beside another call (a tile is only ever widened)."""
    written = 0
    level = 0
    with transaction.atomic():
        while (nodes := size >> (level * HEIGHT)) > 0:
            last = LedgerTile.objects.filter(level=level).order_by("-index").values_list("index", "hashes").first()
            if last is None:
                have, head = 0, b""
            else:
                have = int(last[0]) * WIDTH + len(bytes(last[1])) // HASH_SIZE
                head = bytes(last[1]) if len(bytes(last[1])) < WIDTH * HASH_SIZE else b""
            if level == 0 and head:
                # The entries under the growing tile are read again (at most 255): one rewritten
                # there since it was stored is refused here, as verify would report it.
                start = int(last[0]) * WIDTH  # type: ignore[index]
                if _leaf_range(start, start + len(head) // HASH_SIZE) != head:
                    raise Conflict("ledger_rewritten", f"账本第 {start} 条起的条目与已存的账本瓦片不一致(已被改写),"
                                                       "拒绝签署;请运行 lawtrail verify 查明")
            if have < nodes:
                written += _write(level, have, head, _new_nodes(level, have, nodes))
            level += 1
    return written


def _new_nodes(level: int, start: int, end: int) -> Iterator[bytes]:
    """Nodes start … end-1 at the height of tile level `level`, packed 32 bytes each."""
    if level == 0:
        step = WIDTH * 64
        for a in range(start, end, step):
            b = min(a + step, end)
            packed = _leaf_range(a, b)
            if len(packed) != (b - a) * HASH_SIZE:
                raise Conflict("ledger_gap", f"账本第 {a}–{b - 1} 条不连续(应有 {b - a} 条,实有 {len(packed) // HASH_SIZE} 条),"
                                             "拒绝签署;请运行 lawtrail verify 查明")
            yield packed
        return
    for a in range(start, end, WIDTH):
        b = min(a + WIDTH, end)
        below = _stored(level - 1, a, b - 1)
        yield b"".join(fold(_hashes(below[j])) for j in range(a, b))


def _write(level: int, start: int, head: bytes, chunks: Iterator[bytes]) -> int:
    """Append packed nodes from number `start` on to the tiles of `level` (`head`: what the
    rightmost stored tile already holds when it is not full)."""
    pending = head
    index = start // WIDTH
    written = 0
    full = WIDTH * HASH_SIZE

    def put(packed: bytes) -> None:
        nonlocal written
        width = len(packed) // HASH_SIZE
        updated = LedgerTile.objects.filter(level=level, index=index, width__lt=width).update(
            width=width, hashes=packed)
        if not updated and not LedgerTile.objects.filter(level=level, index=index).exists():
            try:
                with transaction.atomic():
                    LedgerTile.objects.create(level=level, index=index, width=width, hashes=packed)
            except IntegrityError:
                pass  # stored meanwhile by another signing: the same hashes (a tile is derived)
        written += 1

    for chunk in chunks:
        pending += chunk
        while len(pending) >= full:
            put(pending[:full])
            pending, index = pending[full:], index + 1
    if pending:
        put(pending)
    return written


_PATH = re.compile(r"^((?:x\d{3}/)*\d{3})(?:\.p/(\d{1,3}))?$")


def parse_tile_path(text: str) -> tuple[int, int | None] | None:
    """(N, W or None) of a tlog-tiles path tail "x001/x234/067[.p/W]"; None if it is not one."""
    m = _PATH.match(text)
    if m is None:
        return None
    width = int(m.group(2)) if m.group(2) is not None else None
    if width is not None and not 0 < width < WIDTH:
        return None
    return int(m.group(1).replace("x", "").replace("/", "")), width


def tile_bytes(level: int, index: int, width: int, size: int) -> bytes:
    """A tile as served to tlog clients: its first `width` hashes in a tree of `size` entries."""
    tree = StoredTree(size)
    if not 0 < width <= tree.width(level, index):
        raise ValueError("no such tile in this tree")
    return tree.tile(level, index)[:width * HASH_SIZE]


def check(problem: Callable[..., None]) -> int:
    """Compare every stored tile with the tile the entries make; each difference is a problem
    (`tile_mismatch`). Returns how many tiles were compared. One pass over the leaf hashes, then
    one over each level's tiles (the level above is computed from the level below as it goes)."""
    compared = 0
    level = 0
    expected: Iterator[bytes] = _leaf_chunks()
    while True:
        roots: list[bytes] = []
        stored = LedgerTile.objects.filter(level=level).order_by("index").values_list("index", "hashes").iterator(
            chunk_size=500)
        made = enumerate(expected)
        at, current = -1, b""
        any_stored = False
        for index, packed in stored:
            any_stored = True
            packed = bytes(packed)
            while at < index:
                nxt = next(made, None)
                if nxt is None:
                    at, current = index, b""
                    break
                at, current = nxt
                if len(current) == WIDTH * HASH_SIZE:
                    roots.append(fold(_hashes(current)))
            compared += 1
            if current[:len(packed)] != packed or at != index:
                problem("tile_mismatch", f"账本瓦片 {level}/{index}(自条目 #{(index * WIDTH) << (level * HEIGHT)} 起)"
                                         "与账本条目算出的哈希不一致(瓦片被改动,或其下的条目被改写)",
                        entry=(index * WIDTH) << (level * HEIGHT))
        if not any_stored:
            return compared
        for _, current in made:  # the rest of this level, for the roots of the next one
            if len(current) == WIDTH * HASH_SIZE:
                roots.append(fold(_hashes(current)))
        expected = _chunks(roots)
        level += 1


def _chunks(hashes: list[bytes]) -> Iterator[bytes]:
    for i in range(0, len(hashes), WIDTH):
        yield b"".join(hashes[i:i + WIDTH])


def _leaf_chunks() -> Iterator[bytes]:
    """The leaf hashes in order, 256 to a chunk (the last may be shorter)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute("SELECT leaf_hash FROM ledger_ledgerentry ORDER BY seq")
        pending = b""
        while rows := cursor.fetchmany(WIDTH * 16):
            pending += b"".join(bytes(r[0]) for r in rows)
            full = len(pending) - len(pending) % (WIDTH * HASH_SIZE)
            for i in range(0, full, WIDTH * HASH_SIZE):
                yield pending[i:i + WIDTH * HASH_SIZE]
            pending = pending[full:]
        if pending:
            yield pending
