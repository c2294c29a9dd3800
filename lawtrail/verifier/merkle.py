"""Merkle tree hashing, proofs and their checks, as RFC 6962 §2.1 / RFC 9162 §2.1 define them.

Standard library only: this module is part of the verifier handed to outsiders.

    leaf hash      SHA-256(0x00 || entry)
    node hash      SHA-256(0x01 || left || right)
    empty tree     SHA-256("")

A tree of n leaves splits at k, the largest power of two smaller than n: the left part is a
perfect subtree of k leaves, the right part the rest, recursively. Leaf indices start at 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof that does not prove what it claims (or is malformed)."""


def leaf_hash(entry: bytes) -> bytes:
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The tree head of these leaf hashes (MTH)."""
    frontier = Frontier()
    for h in leaf_hashes:
        frontier.append(h)
    return frontier.root()


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees, largest first.

    Appending costs one node hash on average and memory stays O(log n), so a verifier can
    stream a million entries and still know the tree head at any size it passes.
    """

    __slots__ = ("size", "_hashes")

    def __init__(self) -> None:
        self.size = 0
        self._hashes: list[bytes] = []

    def append(self, h: bytes) -> None:
        hashes = self._hashes
        n = self.size = self.size + 1
        # Each trailing zero bit of the new size closes one perfect subtree.
        while not n & 1:
            h = _sha256(b"\x01" + hashes.pop() + h).digest()
            n >>= 1
        hashes.append(h)

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append(h)

    def extend_batch(self, leaf_hashes: Sequence[bytes]) -> None:
        """extend(), faster for long runs: whole aligned perfect subtrees are hashed level by
        level (a comprehension per level instead of a method call per leaf)."""
        i, n = 0, len(leaf_hashes)
        while i < n:
            left = n - i
            height = (left.bit_length() - 1) if self.size == 0 else min(
                left.bit_length() - 1, (self.size & -self.size).bit_length() - 1)
            if height < 3:
                self.append(leaf_hashes[i])
                i += 1
                continue
            level = list(leaf_hashes[i:i + (1 << height)])
            while len(level) > 1:
                level = [_sha256(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=True)]
            self.push_subtree(level[0], height)
            i += 1 << height

    def push_subtree(self, h: bytes, height: int) -> None:
        """Append a whole perfect subtree of 2**height leaves (its root `h`), aligned on its size."""
        unit = 1 << height
        if self.size % unit:
            raise ValueError("a subtree must start at a multiple of its size")
        self.size += unit
        n = self.size >> height
        hashes = self._hashes
        while not n & 1:
            h = _sha256(b"\x01" + hashes.pop() + h).digest()
            n >>= 1
        hashes.append(h)

    def join(self, other: Frontier) -> None:
        """Append the leaves `other` holds (a frontier started where this one ends)."""
        heights = [b for b in range(other.size.bit_length() - 1, -1, -1) if other.size >> b & 1]
        for h, height in zip(other._hashes, heights, strict=True):
            self.push_subtree(h, height)

    def copy(self) -> Frontier:
        twin = Frontier()
        twin.size, twin._hashes = self.size, list(self._hashes)
        return twin

    def root(self) -> bytes:
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT
        acc = hashes[-1]
        for h in reversed(hashes[:-1]):
            acc = _sha256(b"\x01" + h + acc).digest()
        return acc


class Subtrees:
    """Proofs cut from the hashes of perfect, aligned subtrees, wherever they come from.

    A subclass answers `perfect(height, index)`: the hash of leaves [index·2^height,
    (index+1)·2^height). Every other hash a proof needs is combined from those, as RFC 6962
    splits a tree, so a source that reads stored subtree hashes (tiles) cuts each proof from
    O(log n) of them.
    """

    size: int

    def perfect(self, height: int, index: int) -> bytes:
        raise NotImplementedError

    def leaf(self, index: int) -> bytes:
        return self.perfect(0, index)

    def _mth(self, start: int, end: int) -> bytes:
        """MTH of leaves [start, end)."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        # A perfect, aligned subtree is asked for as it is; anything else splits as RFC 6962 does.
        if n & (n - 1) == 0 and start % n == 0:
            return self.perfect(n.bit_length() - 1, start // n)
        k = _split(n)
        return node_hash(self._mth(start, start + k), self._mth(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        self._check_size(size)
        return self._mth(0, size)

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} outside 0..{self.size}")

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 6962 §2.1.1."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} outside 0..{size - 1}")
        path: list[bytes] = []
        start, end, m = 0, size, index
        while end - start > 1:
            k = _split(end - start)
            if m < k:
                path.append(self._mth(start + k, end))
                end = start + k
            else:
                path.append(self._mth(start, start + k))
                start, m = start + k, m - k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[0:size]) of RFC 6962 §2.1.2 (empty when the sizes are equal)."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 < old_size <= size:
            raise ValueError(f"old size {old_size} outside 1..{size}")
        path: list[bytes] = []
        start, end, m, whole = 0, size, old_size, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                path.append(self._mth(start + k, end))
                end = start + k
            else:
                path.append(self._mth(start, start + k))
                start, m, whole = start + k, m - k, False
        if not whole:
            path.append(self._mth(start, end))
        path.reverse()
        return path


def fold(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree from its 2^h lowest hashes, in order (a power of two of them)."""
    level = list(hashes)
    if not level or len(level) & (len(level) - 1):
        raise ValueError("a perfect subtree has a power of two of hashes")
    while len(level) > 1:
        level = [_sha256(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=True)]
    return level[0]


class Tree(Subtrees):
    """All levels of a tree over known leaf hashes, to cut inclusion and consistency proofs.

    Levels are kept as packed bytes (32 bytes a node): a million leaves take about 64 MB.
    """

    def __init__(self, leaf_hashes: Iterable[bytes]) -> None:
        level = b"".join(leaf_hashes)
        if len(level) % HASH_SIZE:
            raise ValueError("leaf hashes must be 32 bytes each")
        self.size = len(level) // HASH_SIZE
        self._levels = [level]
        while len(level) >= 2 * HASH_SIZE:
            pairs = len(level) // (2 * HASH_SIZE)
            level = b"".join(
                _sha256(b"\x01" + level[i:i + 2 * HASH_SIZE]).digest()
                for i in range(0, pairs * 2 * HASH_SIZE, 2 * HASH_SIZE)
            )
            self._levels.append(level)

    def perfect(self, height: int, index: int) -> bytes:
        level = self._levels[height]
        return level[index * HASH_SIZE:(index + 1) * HASH_SIZE]


def root_from_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """The root an inclusion path leads to (RFC 9162 §2.1.3.2); ProofError if it cannot be a path."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} outside tree of size {size}")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in path):
        raise ProofError("hashes must be 32 bytes")
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            raise ProofError("inclusion path too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion path too short")
    return r


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless `path` proves leaf `index` is in the tree of `size` with `root`."""
    if root_from_inclusion(leaf, index, size, path) != root:
        raise ProofError("inclusion path does not lead to the tree head")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, path: Sequence[bytes]) -> None:
    """Raise ProofError unless `path` proves the tree (size2, root2) extends (size1, root1).

    RFC 9162 §2.1.4.2. Equal sizes need equal roots and an empty path. An empty old tree
    proves nothing (every tree "extends" it): it is refused, as the published vectors expect,
    so a caller must treat size 0 on its own.
    """
    if size1 > size2:
        raise ProofError(f"old size {size1} exceeds new size {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from an empty tree proves nothing")
    if size1 == size2:
        if path:
            raise ProofError("equal sizes need an empty consistency path")
        if root1 != root2:
            raise ProofError("equal sizes but different tree heads")
        return
    if not path:
        raise ProofError("empty consistency path")
    if any(len(p) != HASH_SIZE for p in path):
        raise ProofError("hashes must be 32 bytes")
    steps = list(path)
    if size1 & (size1 - 1) == 0:
        steps.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = steps[0]
    for c in steps[1:]:
        if sn == 0:
            raise ProofError("consistency path too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency path too short")
    if fr != root1:
        raise ProofError("consistency path does not lead to the old tree head")
    if sr != root2:
        raise ProofError("consistency path does not lead to the new tree head")
