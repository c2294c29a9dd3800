"""The ledger as standard tlog clients read it: the latest signed tree head as a C2SP signed note
(tlog-checkpoint) and the tree's tiles (tlog-tiles) under /api/ledger/tlog/."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lawtrail.cli import main
from lawtrail.ledger import keys
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.verifier import note
from lawtrail.verifier.merkle import Tree, verify_inclusion

pytestmark = pytest.mark.usefixtures("ledger")

# The example of the signed-note specification's reference implementation (Go's sumdb/note).
GO_SIGNER = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_LINE = ("\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
           "\n")


def test_notes_are_signed_and_opened_as_the_reference_implementation_does() -> None:
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(GO_SIGNER)[1:])
    assert note.verifier_key("PeterNeumann", private.public_key()) == GO_VERIFIER
    assert note.signature_line(GO_TEXT, "PeterNeumann", private) == GO_LINE
    name, key = note.parse_verifier_key(GO_VERIFIER)
    assert note.open_note(note.signed_note(GO_TEXT, GO_LINE), name, key) == GO_TEXT
    with pytest.raises(note.NoteError):
        note.open_note(note.signed_note(GO_TEXT.replace("think", "thinks"), GO_LINE), name, key)
    with pytest.raises(note.NoteError):
        note.parse_verifier_key(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))
    assert note.key_name("名山区 劳动+保障") == "名山区_劳动_保障"


def test_a_tlog_client_reads_the_checkpoint_and_proves_an_entry_from_the_tiles(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    from lawtrail.testing.scenarios import register_case

    for _ in range(3):
        register_case(world)
    row = do_make_checkpoint()
    assert row is not None
    alice = ApiClient(world.alice)

    got = alice.get("/api/ledger/tlog/checkpoint")
    assert got.status == 200
    assert main(["ledger", "public-key", "--note"]) == 0
    name, key = note.parse_verifier_key(capsys.readouterr().out)
    assert key == keys.load_public_key()
    origin, size, root = note.open_note(got.body.decode(), name, key).splitlines()
    assert (origin, int(size), base64.b64decode(root)) == (row.origin, row.tree_size, bytes(row.root_hash))

    # What a client does with the tiles alone: the leaf hashes of the (partial) level-0 tile, a
    # proof from them, checked against the signed root.
    n = row.tree_size
    assert n < 256
    tile = alice.get(f"/api/ledger/tlog/tile/0/000.p/{n}")
    assert tile.status == 200 and len(tile.body) == 32 * n
    leaves = [tile.body[i:i + 32] for i in range(0, len(tile.body), 32)]
    verify_inclusion(leaves[5], 5, n, Tree(leaves).inclusion_proof(5), bytes(row.root_hash))
    assert alice.get(f"/api/ledger/tlog/tile/0/000.p/{n - 1}").body == tile.body[:-32]  # a narrower view

    assert alice.get("/api/ledger/tlog/tile/0/000").code == "no_tile"  # not full at this size
    assert alice.get(f"/api/ledger/tlog/tile/0/000.p/{n + 1}").code == "no_tile"
    assert alice.get("/api/ledger/tlog/tile/0/0").code == "invalid_tile"
    assert alice.get("/api/ledger/tlog/tile/0/x001/000.p/256").code == "invalid_tile"
    assert ApiClient().get("/api/ledger/tlog/checkpoint").status == 401


def test_tile_numbers_are_written_in_groups_of_three() -> None:
    from lawtrail.ledger.tiles import parse_tile_path

    assert parse_tile_path("x001/x234/067") == (1234067, None)
    assert parse_tile_path("x001/000.p/5") == (1000, 5)
    assert parse_tile_path("067") == (67, None)
    for bad in ("67", "x1/067", "067.p/0", "067.p/256", "067.p/", "x001", "../000"):
        assert parse_tile_path(bad) is None, bad
