"""`python -m lawtrail.packagecheck FILE`: check an archive package offline, without Django."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser(prog: str = "python -m lawtrail.packagecheck") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="LawTrail 归档包离线核验:BagIt 有效性,及电子档案的真实性、完整性、可用性、安全性"
                               "(不需要 LawTrail 的服务器或数据库)")
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="归档包:.zip 文件,或解压后的目录")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    parser.add_argument("--public-key", help="机关公钥:文件(PEM 或 base64)或公钥本身(强烈建议指定)")


def run(args: argparse.Namespace) -> int:
    # Imported here: `lawtrail` builds its parser with add_arguments() on every start.
    from lawtrail.packagecheck.check import verify_package
    from lawtrail.verifier.checkpoint import FormatError, load_public_key

    key = None
    if args.public_key:
        path = Path(args.public_key)
        try:
            key = load_public_key(path.read_text(encoding="utf-8") if path.is_file() else args.public_key)
        except (FormatError, OSError) as err:
            print(f"错误:{err}", file=sys.stderr)
            return 2
    report = verify_package(args.file, key)
    if args.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print("\n".join(report.lines()))
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
