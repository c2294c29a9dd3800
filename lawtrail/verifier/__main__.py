"""`python -m lawtrail.verifier`: check a signed tree head or a proof bundle, without Django."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lawtrail.verifier.bundle import describe, verify_bundle
from lawtrail.verifier.checkpoint import Checkpoint, FormatError, SignatureError, load_public_key
from lawtrail.verifier.keyring import KeyRing, Rotation, rotations_from_json


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise FormatError(f"无法读取文件 {path}:{err.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise FormatError(f"{path} 不是有效的 JSON:{err}")


def _public_key(value: str | None) -> Ed25519PublicKey | None:
    """--public-key takes a file (PEM or base64 text) or the key itself."""
    if value is None:
        return None
    path = Path(value)
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else value
    except OSError as err:
        raise FormatError(f"无法读取公钥文件 {value}:{err.strerror}")
    return load_public_key(text)


def _rotations(path: str | None) -> list[Rotation]:
    """--keys: a key history exported by `lawtrail ledger keys`."""
    return rotations_from_json(_read_json(path)) if path else []


def cmd_checkpoint(args: argparse.Namespace) -> int:
    cp = Checkpoint.from_json(_read_json(args.file))
    key = _public_key(args.public_key)
    assert key is not None  # argparse requires it
    try:
        KeyRing.follow(key, _rotations(args.keys)).verify(cp)
        ok, detail = True, "签名有效"
    except SignatureError as err:
        ok, detail = False, str(err)
    if args.json:
        json.dump({"ok": ok, "detail": detail, "tree_size": cp.tree_size, "root_hash": cp.root_hash.hex(),
                   "timestamp": cp.timestamp, "origin": cp.origin, "key_id": cp.key_id},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(f"{'✓' if ok else '✗'} 签名树头({cp.origin}):{cp.describe()}:{detail}")
    return 0 if ok else 1


def cmd_bundle(args: argparse.Namespace) -> int:
    result = verify_bundle(_read_json(args.file), _public_key(args.public_key), _rotations(args.keys))
    if args.json:
        json.dump(result.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print("\n".join(describe(result)))
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lawtrail.verifier",
        description="LawTrail 独立核验程序:核验签名树头与证明包(不需要 LawTrail 的服务器或数据库)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("checkpoint", help="核验签名树头的签名")
    p.add_argument("file", help="lawtrail ledger export-checkpoint 导出的 JSON 文件")
    p.add_argument("--public-key", required=True, help="机关公钥:文件(PEM 或 base64)或公钥本身")
    p.add_argument("--keys", metavar="FILE", help="密钥历史(lawtrail ledger keys 导出):机关更替过密钥时使用")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_checkpoint)
    p = sub.add_parser("bundle", help="核验证明包:条目、包含证明、一致性证明和签名")
    p.add_argument("file", help="lawtrail ledger prove 导出的证明包")
    p.add_argument("--public-key", help="机关公钥(强烈建议指定;不指定时只能证明证明包自身一致)")
    p.add_argument("--keys", metavar="FILE", help="密钥历史(lawtrail ledger keys 导出;证明包通常已附带)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_bundle)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except FormatError as err:
        print(f"错误:{err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
