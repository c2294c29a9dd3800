"""签名树头: signed on demand and periodically with a key kept outside the database, exported
for witnesses, and proof bundles cut against them."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from ledger_attacks import drop_triggers, rewrite_entry

from lawtrail.cases.choices import Stage
from lawtrail.ledger import keys
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.jobs import make_checkpoint
from lawtrail.ledger.models import Checkpoint
from lawtrail.ledger.proofs import export_checkpoint, prove
from lawtrail.ledger.verify import verify_witness_files
from lawtrail.lib.errors import Conflict, InvalidInput
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case
from lawtrail.verifier.bundle import verify_bundle
from lawtrail.verifier.checkpoint import Checkpoint as SignedCheckpoint

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def key_file(settings: Any, tmp_path: Path) -> Path:
    settings.LEDGER_KEY_FILE = tmp_path / "keys" / "ledger-signing.key"
    settings.LEDGER_KEY_GENERATE = True
    return Path(settings.LEDGER_KEY_FILE)


def test_the_first_checkpoint_makes_the_agency_key_in_the_data_dir(world: World, key_file: Path) -> None:
    assert not key_file.exists()
    row = do_make_checkpoint()
    assert row is not None and key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert row.origin == world.agency.name and row.tree_size > 0
    row.signed.verify(keys.load_private_key().public_key())


def test_it_signs_again_only_when_the_ledger_grew(world: World, key_file: Path) -> None:
    first = make_checkpoint()
    assert first is not None
    assert make_checkpoint() is None  # the periodic job: nothing new, nothing signed
    assert do_make_checkpoint(force=True) is not None
    register_case(world)
    grown = do_make_checkpoint()
    assert grown is not None and grown.tree_size > Checkpoint.objects.get(pk=first).tree_size


def test_at_scale_a_missing_key_is_refused_not_made(world: World, settings: Any, tmp_path: Path) -> None:
    settings.LEDGER_KEY_FILE = tmp_path / "mounted-secret.key"
    settings.LEDGER_KEY_GENERATE = False
    with pytest.raises(keys.LedgerKeyError) as refused:
        do_make_checkpoint()
    assert refused.value.code == "ledger_key_missing" and "LAWTRAIL_LEDGER_KEY_FILE" in refused.value.message
    assert not Path(settings.LEDGER_KEY_FILE).exists()


def test_it_refuses_to_sign_a_rewritten_history(world: World, key_file: Path) -> None:
    do_make_checkpoint()
    drop_triggers()
    rewrite_entry(2, reason="改写")
    register_case(world)
    with pytest.raises(Conflict) as refused:
        do_make_checkpoint()
    assert refused.value.code == "ledger_rewritten"


def test_an_exported_checkpoint_is_what_a_witness_can_check(world: World, key_file: Path, tmp_path: Path) -> None:
    do_make_checkpoint()
    exported = export_checkpoint()
    assert exported["format"] == "lawtrail-checkpoint/1" and exported["key_id"] == Checkpoint.objects.get().key_id
    path = tmp_path / "witness.json"
    path.write_text(json.dumps(exported, ensure_ascii=False))
    [(name, cp)] = verify_witness_files([str(path)])
    cp.verify(keys.load_private_key().public_key())
    path.write_text("{not json")
    with pytest.raises(InvalidInput):
        verify_witness_files([str(path)])


def test_a_bundle_proves_an_entry_and_consistency_with_a_witness(world: World, key_file: Path) -> None:
    case = register_case(world)
    do_make_checkpoint()
    witness = SignedCheckpoint.from_json(export_checkpoint())
    advance(world, case, Stage.INVESTIGATING)
    do_make_checkpoint()
    public = keys.load_private_key().public_key()
    bundle = prove(5, witnesses=[("legal-office.json", witness)])
    result = verify_bundle(bundle, public)
    assert result.ok, [c.as_dict() for c in result.checks]
    assert result.entry is not None and result.entry["seq"] == 5
    assert [c.name for c in result.checks] == ["签名树头", "叶哈希", "条目号", "包含证明", "较早的签名树头 1",
                                               "一致性证明 1"]

    forged = copy.deepcopy(bundle)
    forged["entry"]["index"] = 6
    assert not verify_bundle(forged, public).ok
    forged = copy.deepcopy(bundle)
    forged["entry"]["inclusion_path"][0] = "00" * 32
    assert [c.name for c in verify_bundle(forged, public).checks if not c.ok] == ["包含证明"]


def test_a_witness_from_another_history_fails_the_consistency_proof(world: World, key_file: Path) -> None:
    do_make_checkpoint()
    witness = SignedCheckpoint.from_json(export_checkpoint())
    drop_triggers()
    rewrite_entry(1, reason="改写")
    from django.db import connection

    with connection.cursor() as cursor:
        # A thorough forger also drops the stored tiles, which would betray the rewrite at signing.
        cursor.execute("DELETE FROM ledger_checkpointnote")
        cursor.execute("DELETE FROM ledger_checkpoint")
        cursor.execute("DELETE FROM ledger_ledgertile")
    register_case(world)
    do_make_checkpoint()
    result = verify_bundle(prove(None, witnesses=[("legal-office.json", witness)]),
                           keys.load_private_key().public_key())
    assert [c.name for c in result.checks if not c.ok] == ["一致性证明 1"]


def test_it_says_when_an_entry_is_not_signed_yet(world: World, key_file: Path) -> None:
    with pytest.raises(Conflict) as refused:
        prove(0)
    assert refused.value.code == "not_yet_signed"
