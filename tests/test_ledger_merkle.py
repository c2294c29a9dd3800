"""The Merkle tree of RFC 6962 / RFC 9162: the published vectors, the reference tree, and properties."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawtrail.verifier.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofError,
    Tree,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "data" / "rfc6962"

# The eight leaves of RFC 6962's reference test tree, and its tree heads at sizes 0–8.
REFERENCE_LEAVES = [bytes.fromhex(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
REFERENCE_TREE = Tree([leaf_hash(d) for d in REFERENCE_LEAVES])


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _vectors(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors under {VECTORS}"
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(VECTORS / kind))) for f in files]


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1's definition, literally: the reference the fast code is held to."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


@pytest.mark.parametrize("v", _vectors("inclusion"))
def test_it_agrees_with_every_inclusion_vector(v: dict[str, Any]) -> None:
    proof = [_b64(p) for p in v["proof"] or []]
    try:
        verify_inclusion(_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, _b64(v["root"]))
        refused = False
    except ProofError:
        refused = True
    assert refused == v["wantErr"], v["desc"]
    if not v["wantErr"] and v["treeSize"] <= len(REFERENCE_LEAVES):
        # The proofs we cut are the published ones.
        assert REFERENCE_TREE.inclusion_proof(v["leafIdx"], v["treeSize"]) == proof


@pytest.mark.parametrize("v", _vectors("consistency"))
def test_it_agrees_with_every_consistency_vector(v: dict[str, Any]) -> None:
    proof = [_b64(p) for p in v["proof"] or []]
    try:
        verify_consistency(v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), proof)
        refused = False
    except ProofError:
        refused = True
    assert refused == v["wantErr"], v["desc"]
    if not v["wantErr"] and v["size2"] <= len(REFERENCE_LEAVES):
        assert REFERENCE_TREE.consistency_proof(v["size1"], v["size2"]) == proof


def test_it_computes_the_reference_tree_heads_at_every_size() -> None:
    assert EMPTY_ROOT.hex() == REFERENCE_ROOTS[0]
    for size, expected in enumerate(REFERENCE_ROOTS):
        leaves = [leaf_hash(d) for d in REFERENCE_LEAVES[:size]]
        assert REFERENCE_TREE.root(size).hex() == expected
        assert root_of(leaves).hex() == expected


leaf_lists = st.lists(st.binary(max_size=24), min_size=1, max_size=70)


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists)
def test_the_frontier_and_the_tree_match_the_definition_at_every_size(leaves: list[bytes]) -> None:
    hashes = [leaf_hash(d) for d in leaves]
    tree, frontier = Tree(hashes), Frontier()
    for size, h in enumerate(hashes, start=1):
        frontier.append(h)
        expected = _mth(leaves[:size])
        assert frontier.root() == expected == tree.root(size)


@settings(max_examples=80, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_an_inclusion_proof_proves_its_leaf_and_nothing_else(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(d) for d in leaves]
    tree = Tree(hashes)
    size = data.draw(st.integers(1, len(hashes)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    path = tree.inclusion_proof(index, size)
    root = tree.root(size)
    verify_inclusion(hashes[index], index, size, path, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash(leaves[index] + b"x"), index, size, path, root)
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
        if hashes[other] != hashes[index]:
            with pytest.raises(ProofError):
                verify_inclusion(hashes[index], other, size, path, root)
    if path:
        bent = [*path]
        bent[data.draw(st.integers(0, len(path) - 1))] = b"\x00" * 32
        with pytest.raises(ProofError):
            verify_inclusion(hashes[index], index, size, bent, root)


@settings(max_examples=80, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_a_consistency_proof_holds_only_for_an_unchanged_prefix(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(d) for d in leaves]
    tree = Tree(hashes)
    size = data.draw(st.integers(1, len(hashes)), label="size")
    old = data.draw(st.integers(1, size), label="old")
    path = tree.consistency_proof(old, size)
    verify_consistency(old, size, tree.root(old), tree.root(size), path)
    # A history rewritten inside the old prefix has another old root: the proof fails.
    changed = data.draw(st.integers(0, old - 1), label="changed")
    rewritten = Tree([*hashes[:changed], leaf_hash(leaves[changed] + b"x"), *hashes[changed + 1:]])
    with pytest.raises(ProofError):
        verify_consistency(old, size, rewritten.root(old), tree.root(size), path)
    with pytest.raises(ProofError):
        verify_consistency(old, size, tree.root(old), rewritten.root(size), path)


@settings(max_examples=60, deadline=None)
@given(leaves=st.lists(st.binary(max_size=8), min_size=1, max_size=90), data=st.data())
def test_frontiers_grown_apart_on_aligned_blocks_join_into_the_whole(leaves: list[bytes], data: st.DataObject) -> None:
    # What parallel verification relies on: blocks at multiples of a power of two join exactly.
    hashes = [leaf_hash(d) for d in leaves]
    block = 1 << data.draw(st.integers(0, 6), label="log2 block")
    whole = Frontier()
    for start in range(0, len(hashes), block):
        part = Frontier()
        part.extend(hashes[start:start + block])
        whole.join(part)
    assert whole.size == len(hashes) and whole.root() == _mth(leaves)
