"""Ledger JSON API: an object's entries as the history page shows them, proofs an outsider checks
with the independent verifier alone, and the latest signed tree head for witnesses."""

from __future__ import annotations

import base64

import pytest

from lawtrail.cases.choices import Stage
from lawtrail.ledger import keys
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.models import LedgerEntry
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case
from lawtrail.verifier.bundle import verify_bundle
from lawtrail.verifier.checkpoint import Checkpoint
from lawtrail.verifier.merkle import leaf_hash

pytestmark = pytest.mark.usefixtures("ledger")


def test_an_objects_entries_and_an_entrys_proof_check_out_with_the_verifier_alone(world: World) -> None:
    case = advance(world, register_case(world), Stage.INVESTIGATING)
    first = do_make_checkpoint()
    assert first is not None
    alice = ApiClient(world.alice)

    page = alice.get(f"/api/ledger/objects/cases.case/{case.pk}/entries")
    assert page.status == 200 and page.body["count"] == len(page.body["items"]) > 2
    seqs = [e["seq"] for e in page.body["items"]]
    assert seqs == sorted(seqs)
    stored = {e.seq: bytes(e.canonical) for e in LedgerEntry.objects.filter(seq__in=seqs)}
    for item in page.body["items"]:
        raw = base64.b64decode(item["canonical"])
        assert raw == stored[item["seq"]] and item["leaf_hash"] == leaf_hash(raw).hex()
        assert item["facts"]["seq"] == item["seq"]

    public_key = keys.load_public_key()
    proof = alice.get(f"/api/ledger/entries/{seqs[-1]}/proof")
    assert proof.status == 200
    result = verify_bundle(proof.body, public_key)
    assert result.ok and result.entry is not None and result.entry["seq"] == seqs[-1]

    # More history, a second tree head: the proof against the first still holds, and the second extends it.
    advance(world, case, Stage.FILED)
    second = do_make_checkpoint()
    assert second is not None
    again = alice.get(f"/api/ledger/entries/{seqs[0]}/proof", checkpoint_id=first.pk)
    assert verify_bundle(again.body, public_key).ok and again.body["checkpoint"]["tree_size"] == first.tree_size
    consistency = alice.get("/api/ledger/consistency", from_id=first.pk, to_id=second.pk)
    assert consistency.status == 200 and verify_bundle(consistency.body, public_key).ok
    assert alice.get("/api/ledger/consistency", from_id=second.pk, to_id=first.pk).code == "checkpoints_reversed"

    latest = alice.get("/api/ledger/checkpoints/latest")
    assert latest.status == 200 and latest.body["id"] == second.pk
    Checkpoint.from_json(latest.body).verify(public_key)


def test_entries_follow_the_history_pages_permissions(world: World) -> None:
    case = advance(world, register_case(world), Stage.FILED)
    do_make_checkpoint()
    seq = LedgerEntry.objects.filter(event__case_id_frozen=case.pk).order_by("seq").values_list("seq", flat=True)[0]
    bob = ApiClient(world.bob)  # another unit: sees nothing of alice's case
    assert bob.get(f"/api/ledger/objects/cases.case/{case.pk}/entries").body == {"count": 0, "items": [], "next": None}
    assert bob.get(f"/api/ledger/entries/{seq}").code == "no_entry"
    assert bob.get(f"/api/ledger/entries/{seq}/proof").code == "no_entry"
    assert ApiClient(world.alice).get(f"/api/ledger/entries/{seq}").status == 200
    assert ApiClient().get(f"/api/ledger/entries/{seq}").status == 401
    assert ApiClient(world.alice).get("/api/ledger/consistency", from_id=999999).code == "no_checkpoint"
