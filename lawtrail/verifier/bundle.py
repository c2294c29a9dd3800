"""Proof bundles (证明包): one JSON file an outsider can check with nothing but this package.

    {
      "format": "lawtrail-proof/1",
      "checkpoint": { <a signed tree head, see checkpoint.py> },
      "entry": {                                   (optional)
        "index": 17,                               entry number = leaf index, from 0
        "canonical": "<base64 of the entry's bytes>",
        "leaf_hash": "<hex SHA-256(0x00 || bytes)>",
        "inclusion_path": ["<hex>", ...]           RFC 6962 audit path to the checkpoint's root
      },
      "consistency": [                             (optional) older tree heads, e.g. a witness's
        {"checkpoint": { <older signed tree head> }, "path": ["<hex>", ...]}
      ],
      "key_history": [ <rotation statements, see keyring.py> ],   (when the key was ever replaced)
      "public_key": "<base64>"                     informational; trust the key you were given
    }

Checking a bundle: every checkpoint's Ed25519 signature under the agency's public key; the
entry's leaf hash from its bytes; the entry's own number equal to its index; the inclusion
path from the leaf to the checkpoint's root; each consistency path from the older tree head
to the checkpoint's. When the agency replaced its key, each checkpoint is checked under the
key the key history (rotation statements signed by both keys, followed from the key you
trust) gives for its size.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lawtrail.verifier.checkpoint import Checkpoint, FormatError, SignatureError, load_public_key
from lawtrail.verifier.entry import describe_entry, parse_entry
from lawtrail.verifier.keyring import KeyRing, Rotation, rotations_from_json
from lawtrail.verifier.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion

BUNDLE_FORMAT = "lawtrail-proof/1"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class BundleResult:
    checks: list[Check] = field(default_factory=list)
    entry: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [c.as_dict() for c in self.checks], "entry": self.entry,
                "notes": self.notes}


def make_bundle(checkpoint: Checkpoint, *, public_key: Ed25519PublicKey | None = None,
                entry: tuple[int, bytes, list[bytes]] | None = None,
                consistency: list[tuple[Checkpoint, list[bytes]]] | None = None,
                ring: KeyRing | None = None) -> dict[str, Any]:
    """The bundle's JSON: `entry` is (index, bytes, inclusion path). With `ring`, each checkpoint
    carries the key that signed it and the bundle the key history."""

    def key_of(cp: Checkpoint) -> Ed25519PublicKey | None:
        if ring is None:
            return public_key
        try:
            return ring.key_for(cp)
        except SignatureError:
            return None

    out: dict[str, Any] = {"format": BUNDLE_FORMAT, "checkpoint": checkpoint.to_json(key_of(checkpoint))}
    if entry is not None:
        index, canonical, path = entry
        out["entry"] = {"index": index, "canonical": base64.b64encode(canonical).decode(),
                        "leaf_hash": leaf_hash(canonical).hex(), "inclusion_path": [p.hex() for p in path]}
    if consistency:
        out["consistency"] = [{"checkpoint": old.to_json(key_of(old)), "path": [p.hex() for p in path]}
                              for old, path in consistency]
    if ring is not None and ring.rotations:
        out["key_history"] = [r.to_json() for r in ring.rotations]
    if "public_key" in out["checkpoint"]:
        out["public_key"] = out["checkpoint"]["public_key"]
    return out


def _hashes(value: Any, what: str) -> list[bytes]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(f"{what} 应为十六进制哈希的数组")
    try:
        return [bytes.fromhex(v) for v in value]
    except ValueError:
        raise FormatError(f"{what} 含有非十六进制的哈希")


def _signature(result: BundleResult, name: str, cp: Checkpoint, ring: KeyRing) -> bool:
    try:
        ring.verify(cp)
    except SignatureError as err:
        result.add(name, False, f"{cp.describe()}:{err}")
        return False
    result.add(name, True, f"{cp.describe()}:签名有效(密钥 {cp.key_id})")
    return True


def verify_bundle(bundle: Any, public_key: Ed25519PublicKey | None = None,
                  rotations: list[Rotation] | None = None) -> BundleResult:
    """Check everything a bundle claims. FormatError if it cannot be read at all.

    `rotations`: key history obtained apart from the bundle (added to the bundle's own)."""
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise FormatError(f"不是证明包(format 应为 {BUNDLE_FORMAT})")
    result = BundleResult()
    checkpoint = Checkpoint.from_json(bundle.get("checkpoint"))
    if public_key is None:
        embedded = bundle.get("public_key") or (bundle.get("checkpoint") or {}).get("public_key")
        if not isinstance(embedded, str):
            raise FormatError("未提供公钥,证明包内也没有附带公钥")
        public_key = load_public_key(embedded)
        result.notes.append("未指定机关公钥,使用证明包内附带的公钥:只能证明证明包自身一致,"
                            "不能证明它出自该机关。请用 --public-key 指定从机关处独立取得的公钥。")
    ring = _key_ring(result, public_key, [*(rotations or []), *(
        rotations_from_json(bundle["key_history"]) if bundle.get("key_history") is not None else [])])
    _signature(result, "签名树头", checkpoint, ring)

    entry = bundle.get("entry")
    if entry is not None:
        if not isinstance(entry, dict):
            raise FormatError("entry 应为对象")
        index = entry.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise FormatError("entry.index 无效")
        raw = entry.get("canonical")
        try:
            canonical = base64.b64decode(raw if isinstance(raw, str) else "\x00", validate=True)
        except ValueError:  # binascii.Error, or text that is not ASCII
            raise FormatError("entry.canonical 应为 base64 文本")
        path = _hashes(entry.get("inclusion_path"), "entry.inclusion_path")
        leaf = leaf_hash(canonical)
        claimed = entry.get("leaf_hash")
        result.add("叶哈希", claimed == leaf.hex(),
                   f"SHA-256(0x00 || 条目) = {leaf.hex()}" + ("" if claimed == leaf.hex() else f",证明包声称 {claimed}"))
        try:
            data = parse_entry(canonical)
        except ValueError as err:
            result.add("条目格式", False, f"条目内容无法解读:{err}")
        else:
            result.entry = data
            result.add("条目号", data["seq"] == index,
                       f"条目自身记载的序号 {data['seq']}" + (",与其位置一致" if data["seq"] == index
                                                     else f",与其在树中的位置 {index} 不符"))
        try:
            verify_inclusion(leaf, index, checkpoint.tree_size, path, checkpoint.root_hash)
        except ProofError as err:
            result.add("包含证明", False, f"第 {index} 条不在该签名树头({checkpoint.tree_size} 条)中:{err}")
        else:
            result.add("包含证明", True, f"第 {index} 条包含在 {checkpoint.tree_size} 条的树中"
                                     f"(审计路径 {len(path)} 个哈希)")

    consistency = bundle.get("consistency")
    if consistency is not None and not isinstance(consistency, list):
        raise FormatError("consistency 应为数组")
    for i, item in enumerate(consistency or []):
        if not isinstance(item, dict):
            raise FormatError("consistency 的每一项应为对象")
        old = Checkpoint.from_json(item.get("checkpoint"))
        path = _hashes(item.get("path"), f"consistency[{i}].path")
        name = f"一致性证明 {i + 1}"
        _signature(result, f"较早的签名树头 {i + 1}", old, ring)
        if old.tree_size == 0:
            result.add(name, not path, "空树与任何树一致")
            continue
        try:
            verify_consistency(old.tree_size, checkpoint.tree_size, old.root_hash, checkpoint.root_hash, path)
        except ProofError as err:
            result.add(name, False, f"{old.tree_size} 条的树头不是 {checkpoint.tree_size} 条的树的前缀"
                                    f"(历史被改写):{err}")
        else:
            result.add(name, True, f"{checkpoint.tree_size} 条的树是 {old.tree_size} 条的树的延续")
    if not result.checks:
        raise FormatError("证明包中没有可核验的内容")
    return result


def _key_ring(result: BundleResult, trusted: Ed25519PublicKey, rotations: list[Rotation]) -> KeyRing:
    """The keys to check signatures with, followed from the trusted key through the key history."""
    unique = list({r.signed_text(): r for r in rotations}.values())
    if not unique:
        return KeyRing.single(trusted)
    try:
        ring = KeyRing.follow(trusted, unique)
    except SignatureError as err:
        result.add("密钥更替", False, str(err))
        return KeyRing.single(trusted)
    result.add("密钥更替", True, f"{len(unique)} 次密钥更替,声明均经新旧两把密钥签名,链条完整:"
                              + ";".join(s.describe() for s in ring.spans))
    return ring


def describe(result: BundleResult) -> list[str]:
    lines = [f"{'✓' if c.ok else '✗'} {c.name}:{c.detail}" for c in result.checks]
    if result.entry is not None:
        lines.append("条目内容:")
        lines += [f"  {label}:{value}" for label, value in describe_entry(result.entry)]
    lines += [f"注意:{n}" for n in result.notes]
    lines.append("结论:全部核验通过" if result.ok else "结论:核验未通过")
    return lines
