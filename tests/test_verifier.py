"""The independent verifier: runs without Django or the database, checks what it is handed,
and refuses what it cannot read with a message rather than a crash."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawtrail.verifier.bundle import make_bundle, verify_bundle
from lawtrail.verifier.checkpoint import Checkpoint, FormatError, key_id, public_key_text
from lawtrail.verifier.entry import entry_prefix
from lawtrail.verifier.merkle import Tree, leaf_hash

AGENCY_KEY = Ed25519PrivateKey.generate()
PUBLIC = public_key_text(AGENCY_KEY.public_key())


def entry(seq: int) -> bytes:
    facts = {"action": "case.file", "actor": {"name": "艾丽", "cert_no": "LD001"}, "at": "2026-04-20T01:30:00.000000Z",
             "object": {"type": "cases.case", "id": str(seq), "repr": f"案件{seq}"}, "outcome": "done"}
    return entry_prefix(seq, 100 + seq) + b'"state":null,' + json.dumps(
        facts, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()[1:]


ENTRIES = [entry(i) for i in range(13)]
TREE = Tree([leaf_hash(e) for e in ENTRIES])


def checkpoint(size: int, key: Ed25519PrivateKey = AGENCY_KEY) -> Checkpoint:
    return Checkpoint("测试区劳动保障监察大队", size, TREE.root(size), "2026-04-20T02:00:00.000000Z",
                      key_id(key.public_key())).signed_by(key)


def bundle(index: int = 7, size: int = 13, old: int = 5) -> dict[str, Any]:
    return make_bundle(checkpoint(size), public_key=AGENCY_KEY.public_key(),
                       entry=(index, ENTRIES[index], TREE.inclusion_proof(index, size)),
                       consistency=[(checkpoint(old), TREE.consistency_proof(old, size))])


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The verifier in a fresh interpreter where Django cannot even be imported."""
    code = ("import sys; sys.modules['django'] = None; from lawtrail.verifier.__main__ import main; "
            f"raise SystemExit(main({list(args)!r}))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=60)


def test_a_good_bundle_passes_every_check() -> None:
    result = verify_bundle(bundle(), AGENCY_KEY.public_key())
    assert result.ok and result.entry is not None and result.entry["seq"] == 7
    assert not result.notes


def test_without_a_pinned_key_it_says_what_is_not_proven() -> None:
    result = verify_bundle(bundle())
    assert result.ok and "使用证明包内附带的公钥" in result.notes[0]


def test_it_refuses_a_tree_head_signed_by_another_key() -> None:
    forged = bundle()
    forged["checkpoint"] = checkpoint(13, Ed25519PrivateKey.generate()).to_json()
    result = verify_bundle(forged, AGENCY_KEY.public_key())
    assert [c.name for c in result.checks if not c.ok] == ["签名树头"]


def test_it_refuses_an_entry_that_was_changed() -> None:
    forged = bundle()
    forged["entry"]["canonical"] = base64.b64encode(ENTRIES[7].replace("艾丽".encode(), "鲍勃".encode())).decode()
    failed = [c.name for c in verify_bundle(forged, AGENCY_KEY.public_key()).checks if not c.ok]
    assert failed == ["叶哈希", "包含证明"]


@pytest.mark.slow
def test_the_command_runs_without_django_and_exits_by_its_findings(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text(json.dumps(bundle(), ensure_ascii=False))
    (tmp_path / "cp.json").write_text(json.dumps(checkpoint(13).to_json()))
    (tmp_path / "agency.pub").write_text(PUBLIC)
    good = run("bundle", "b.json", "--public-key", "agency.pub", tmp_path=tmp_path)
    assert good.returncode == 0, good.stderr
    assert "结论:全部核验通过" in good.stdout and "艾丽" in good.stdout and "执法证号 LD001" in good.stdout
    assert run("checkpoint", "cp.json", "--public-key", PUBLIC, tmp_path=tmp_path).returncode == 0

    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    refused = run("bundle", "b.json", "--public-key", other, "--json", tmp_path=tmp_path)
    assert refused.returncode == 1 and json.loads(refused.stdout)["ok"] is False

    (tmp_path / "junk.json").write_text("[1, 2")
    junk = run("bundle", "junk.json", tmp_path=tmp_path)
    assert junk.returncode == 2 and "不是有效的 JSON" in junk.stderr and "Traceback" not in junk.stderr


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**64) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.lists(st.sampled_from(["checkpoint", "entry", "consistency", "index", "canonical", "leaf_hash",
                                      "inclusion_path", "path", "tree_size", "root_hash", "signature", "timestamp",
                                      "key_id", "origin", "format", 0]), min_size=1, max_size=3),
       value=json_values)
def test_any_damage_to_a_bundle_is_refused_or_reported_never_a_crash(path: list[Any], value: Any) -> None:
    damaged: Any = bundle()
    target = damaged
    for step in path[:-1]:
        if isinstance(target, dict) and step in target:
            target = target[step]
        elif isinstance(target, list) and isinstance(step, int) and step < len(target):
            target = target[step]
    last = path[-1]
    if isinstance(target, dict) and isinstance(last, str):
        target[last] = value
    elif isinstance(target, list) and isinstance(last, int) and last < len(target):
        target[last] = value
    try:
        result = verify_bundle(damaged, AGENCY_KEY.public_key())
    except FormatError:
        return
    if result.ok:
        # Whatever still passes is true: the entry is the one at that index, the older heads are real.
        entry_part = damaged.get("entry")
        if entry_part is not None:
            assert base64.b64decode(entry_part["canonical"]) == ENTRIES[entry_part["index"]]
        for item in damaged.get("consistency") or []:
            old = Checkpoint.from_json(item["checkpoint"])
            assert old.tree_size == 0 or old.root_hash == TREE.root(old.tree_size)


@settings(max_examples=150, deadline=None)
@given(data=json_values)
def test_arbitrary_json_is_refused_with_a_format_error(data: Any) -> None:
    with pytest.raises(FormatError):
        verify_bundle(data, AGENCY_KEY.public_key())
