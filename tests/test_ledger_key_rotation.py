"""`lawtrail ledger rotate-key`: a new key signs from then on, tree heads of the old key stay valid
within their range, and an outsider who pinned either key follows the hand-over."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lawtrail.cases.choices import Stage
from lawtrail.events.recorder import record_event
from lawtrail.ledger import keys
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.cli import cmd_keys, cmd_rotate_key
from lawtrail.ledger.models import Checkpoint, LedgerEntry
from lawtrail.ledger.proofs import consistency, export_checkpoint, prove
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib.errors import Conflict
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case
from lawtrail.verifier.bundle import verify_bundle
from lawtrail.verifier.checkpoint import Checkpoint as SignedCheckpoint
from lawtrail.verifier.checkpoint import format_timestamp, key_id
from lawtrail.verifier.keyring import KeyRing, Rotation, rotations_from_json

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def key_file(settings: Any, tmp_path: Path) -> Path:
    settings.LEDGER_KEY_FILE = tmp_path / "keys" / "ledger-signing.key"
    settings.LEDGER_KEY_GENERATE = True
    return Path(settings.LEDGER_KEY_FILE)


def rotate(capsys: pytest.CaptureFixture[str]) -> str:
    assert cmd_rotate_key(argparse.Namespace(new_key=None)) == 0
    return capsys.readouterr().out


def test_after_a_rotation_old_and_new_tree_heads_verify_and_an_outsider_follows_the_chain(
        world: World, key_file: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    advance(world, register_case(world), Stage.INVESTIGATING)
    before = do_make_checkpoint()
    assert before is not None
    old_private = keys.load_private_key()
    old_public = old_private.public_key()
    witness = SignedCheckpoint.from_json(export_checkpoint(before))

    out = rotate(capsys)
    new_public = keys.load_public_key()
    assert new_public is not None and key_id(new_public) != key_id(old_public)
    assert "已记录密钥更替" in out and list(key_file.parent.glob("*.retired-*"))
    [entry] = LedgerEntry.objects.filter(event__action="ledger.rotate_key")
    [(seq, rotation)] = keys.ledger_rotations()
    assert seq == entry.seq and rotation.tree_size == entry.seq + 1
    signers = [(c.tree_size, c.key_id) for c in Checkpoint.objects.order_by("id")]
    # The hand-over is covered by both keys: sealed by the old one, then signed again by the new one.
    assert signers[1:] == [(entry.seq + 1, key_id(old_public)), (entry.seq + 1, key_id(new_public))]

    advance(world, register_case(world, title="第二件"), Stage.FILED)
    after = do_make_checkpoint()
    assert after is not None and after.key_id == key_id(new_public)
    report = verify_ledger(witnesses=[("witness", witness)])
    assert report.ok, [p.message for p in report.problems]
    assert report.keys == 2 and report.checkpoints == 4
    # Trusting only the old key (what a witness pinned years ago) is enough.
    assert verify_ledger(public_key=old_public).ok

    # The outsider's tools, with the old key alone: a proof of a new entry, and of the old head's extension.
    latest_seq = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True)[0]
    bundle = prove(latest_seq)
    result = verify_bundle(json.loads(json.dumps(bundle)), old_public)
    assert result.ok and any(c.name == "密钥更替" and c.ok for c in result.checks)
    assert verify_bundle(consistency(before, after), old_public).ok
    assert cmd_keys(argparse.Namespace(out=str(tmp_path / "keys.json"))) == 0
    history = rotations_from_json(json.loads((tmp_path / "keys.json").read_text()))
    KeyRing.follow(old_public, history).verify(after.signed)

    # The retired key signs nothing new.
    with pytest.raises(Conflict) as refused:
        do_make_checkpoint(private_key=old_private, force=True)
    assert refused.value.code == "ledger_key_retired"


def test_verify_names_a_head_signed_by_the_retired_key_and_a_forged_rotation(
        world: World, key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    advance(world, register_case(world), Stage.INVESTIGATING)
    do_make_checkpoint()
    stolen = keys.load_private_key()
    rotate(capsys)
    advance(world, register_case(world, title="第二件"), Stage.FILED)
    do_make_checkpoint()
    assert verify_ledger().ok

    # Someone who kept the old key signs a head over today's ledger: it is outside that key's range.
    size = LedgerEntry.objects.count()
    current = Checkpoint.objects.order_by("-id").first()
    assert current is not None
    forged = SignedCheckpoint(current.origin, size, bytes(current.root_hash), format_timestamp(
        current.signed_at), key_id(stolen.public_key())).signed_by(stolen)
    row = Checkpoint.objects.create(tree_size=forged.tree_size, root_hash=forged.root_hash,
                                    timestamp=forged.timestamp, origin=forged.origin, key_id=forged.key_id,
                                    signature=forged.signature)
    report = verify_ledger()
    [problem] = report.problems
    assert problem.code == "checkpoint_signature" and problem.checkpoint == row.pk and "有效范围" in problem.message

    # A "rotation" to an attacker's key, not signed by the current key, breaks the chain and is named.
    attacker, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    fake = Rotation.make("x", attacker, other, size + 1, format_timestamp(current.signed_at))
    record_event("ledger.rotate_key", None, actor=None, object_type="ledger.key", object_id=fake.new_key_id,
                 payload={"rotation": fake.to_json()})
    assert "key_history" in {p.code for p in verify_ledger().problems}
