"""`lawtrail ledger …` and `lawtrail verify`. Importing this module needs no Django."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def _write_json(data: Any, out: str | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _witnesses(paths: list[str] | None) -> list[Any]:
    from lawtrail.ledger.verify import verify_witness_files

    return verify_witness_files(paths or [])


def _entry_no(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"条目号应为整数:{value}")
    if number < 0:
        raise argparse.ArgumentTypeError("条目号从 0 开始")
    return number


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from lawtrail.ledger.actions import do_make_checkpoint
    from lawtrail.ledger.queries import latest_checkpoint

    row = do_make_checkpoint(force=args.force)
    if row is None:
        latest = latest_checkpoint()
        if not args.quiet and latest is not None:
            print(f"账本自签名树头 #{latest.pk} 以来没有新条目,未签署新的签名树头({latest.tree_size} 条)")
        return 0
    if not args.quiet:
        print(f"已签署签名树头 #{row.pk}:{row.tree_size} 条,树根 {bytes(row.root_hash).hex()},"
              f"时间 {row.timestamp},密钥 {row.key_id}")
    return 0


def cmd_export_checkpoint(args: argparse.Namespace) -> int:
    from lawtrail.ledger.models import Checkpoint
    from lawtrail.ledger.proofs import export_checkpoint
    from lawtrail.lib.errors import NotFound

    row = None
    if args.id is not None:
        row = Checkpoint.objects.filter(pk=args.id).first()
        if row is None:
            raise NotFound("no_checkpoint", f"签名树头 #{args.id} 不存在")
    _write_json(export_checkpoint(row), args.out)
    return 0


def cmd_prove(args: argparse.Namespace) -> int:
    from lawtrail.ledger.proofs import prove

    _write_json(prove(args.entry, witnesses=_witnesses(args.witness)), args.out)
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from django.conf import settings

    from lawtrail.ledger.keys import generate_key
    from lawtrail.verifier.checkpoint import key_id, public_key_text

    path = Path(args.out or settings.LEDGER_KEY_FILE)
    key = generate_key(path)
    print(f"已生成账本签名密钥:{path}(请妥善保管,勿放入数据库或其备份)")
    print(f"公钥:{public_key_text(key.public_key())}  密钥标识:{key_id(key.public_key())}")
    return 0


def cmd_public_key(args: argparse.Namespace) -> int:
    from lawtrail.ledger.keys import LedgerKeyError, load_public_key
    from lawtrail.verifier.checkpoint import key_id, public_key_text

    key = load_public_key()
    if key is None:
        raise LedgerKeyError("ledger_key_missing", "尚无账本签名密钥(首次签署签名树头时生成,或运行 lawtrail ledger keygen)")
    if args.note:
        # The same key as a signed-note verifier key, for tlog tools reading /api/ledger/tlog/checkpoint.
        from lawtrail.ledger.actions import ledger_origin
        from lawtrail.verifier import note

        print(note.verifier_key(note.key_name(ledger_origin()), key))
    elif args.json:
        _write_json({"public_key": public_key_text(key), "key_id": key_id(key)}, None)
    else:
        print(f"{public_key_text(key)}  (密钥标识 {key_id(key)})")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Replace the signing key: the hand-over is a ledger entry signed by both keys, sealed by a tree
    head of the old key; then the new key becomes the key file and signs a tree head of its own."""
    import os

    from django.conf import settings

    from lawtrail.ledger.actions import do_make_checkpoint, do_rotate_key
    from lawtrail.ledger.keys import generate_key, load_private_key
    from lawtrail.verifier.checkpoint import key_id, public_key_text

    key_file = Path(settings.LEDGER_KEY_FILE)
    old = load_private_key(create=False)
    old_id = key_id(old.public_key())
    if args.new_key:
        new = load_private_key(Path(args.new_key), create=False)
        staged = None
    else:
        staged = key_file.with_name(key_file.name + ".next")
        new = generate_key(staged)
    rotation, seal = do_rotate_key(new, actor=None, old_key=old)
    print(f"已记录密钥更替(条目 #{rotation.tree_size - 1}):{old_id} → {rotation.new_key_id};"
          f"原密钥签署的签名树头 #{seal.pk} 封存了前 {seal.tree_size} 条")
    if staged is not None:
        retired = key_file.with_name(f"{key_file.name}.retired-{old_id}")
        os.replace(key_file, retired)
        os.replace(staged, key_file)
        print(f"新密钥已启用:{key_file};原密钥已移至 {retired}(请离线保存或销毁,不要留在服务器上)")
    else:
        print(f"请把 LAWTRAIL_LEDGER_KEY_FILE 指向新密钥 {args.new_key}(或用它替换 {key_file}),"
              "此后原密钥签署的签名树头将被拒绝")
    first = do_make_checkpoint(private_key=new, force=True)
    assert first is not None
    print(f"新密钥签署的签名树头 #{first.pk}:{first.tree_size} 条")
    print(f"新公钥:{public_key_text(new.public_key())}  密钥标识:{rotation.new_key_id}"
          "(交给见证方;持有原公钥的见证方可凭 lawtrail ledger keys 导出的密钥历史核验)")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from lawtrail.ledger.keys import LedgerKeyError, key_ring

    ring = key_ring()
    if ring is None:
        raise LedgerKeyError("ledger_key_missing", "尚无账本签名密钥(首次签署签名树头时生成,或运行 lawtrail ledger keygen)")
    _write_json(ring.to_json(), args.out)
    return 0


def _verified_file() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "ledger-verified.json"


def _remember_verified(entries: int) -> None:
    """After a clean check: the newest signed head it covered, the start of the next `--since last`."""
    from lawtrail.ledger.models import Checkpoint

    row = Checkpoint.objects.filter(tree_size__lte=entries).order_by("-tree_size", "-id").first()
    if row is None:
        return
    path = _verified_file()
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps({"checkpoint": row.pk, "tree_size": row.tree_size}) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _since(value: str) -> Any:
    from lawtrail.ledger.models import Checkpoint
    from lawtrail.lib.errors import InvalidInput, NotFound

    if value == "last":
        try:
            value = str(json.loads(_verified_file().read_text(encoding="utf-8"))["checkpoint"])
        except (OSError, ValueError, KeyError, TypeError):
            raise NotFound("no_verified_checkpoint", "尚无核验无误的记录:请先运行一次不带 --since 的完整核验")
    if not value.isdigit():
        raise InvalidInput("invalid_since", "--since 应为签名树头编号,或 last(上次核验无误时的最新签名树头)")
    row = Checkpoint.objects.filter(pk=int(value)).first()
    if row is None:
        raise NotFound("no_checkpoint", f"签名树头 #{value} 不存在")
    return row


def cmd_verify(args: argparse.Namespace) -> int:
    from lawtrail.ledger.verify import verify_ledger
    from lawtrail.lib.errors import InvalidInput
    from lawtrail.verifier.checkpoint import FormatError, load_public_key

    public_key = None
    if args.public_key:
        path = Path(args.public_key)
        try:
            public_key = load_public_key(path.read_text(encoding="utf-8") if path.is_file() else args.public_key)
        except FormatError as err:
            raise InvalidInput("invalid_public_key", str(err))
    since = _since(args.since) if args.since else None
    report = verify_ledger(witnesses=_witnesses(args.witness), public_key=public_key,
                           events=not args.ledger_only, evidence=not args.ledger_only,
                           checkpoint_dirs=args.checkpoint_dir, since=since)
    if report.ok:
        _remember_verified(report.entries)
    if args.json:
        _write_json(report.as_dict(), None)
        return 0 if report.ok else 1
    print(f"账本核验:共 {report.entries} 条,当前树根 {report.root_hash}")
    print(f"签名树头 {report.checkpoints} 个(密钥 {report.keys} 把),见证方签名树头 {report.witnesses} 个,"
          f"证据对象 {report.evidence_checked} 个、已签发文书 {report.documents_checked} 份已核验哈希,"
          f"现有记录 {report.records_checked} 条已与账本比对,用时 {report.seconds} 秒")
    for p in report.problems:
        print(f"✗ {p.message}  [{p.code}]")
    for note in report.notes:
        print(f"注意:{note}")
    print("结论:全部一致" if report.ok else f"结论:发现 {len(report.problems)} 处不一致")
    return 0 if report.ok else 1


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("ledger", help="防篡改账本:签名树头、证明包、签名密钥")
    sub = p.add_subparsers(dest="ledger_command", metavar="SUBCOMMAND")
    pc = sub.add_parser("checkpoint", help="签署签名树头(账本自上次签署以来没有新条目时不重复签署)")
    pc.add_argument("--force", action="store_true", help="即使没有新条目也签署")
    pc.add_argument("--quiet", action="store_true", help="不输出(供 cron 使用)")
    pc.set_defaults(func=cmd_checkpoint)
    pe = sub.add_parser("export-checkpoint", help="导出签名树头 JSON,交见证方(如法制机构)保存")
    pe.add_argument("--id", type=int, help="签名树头编号(默认最新)")
    pe.add_argument("--out", help="写入文件(默认输出到标准输出)")
    pe.set_defaults(func=cmd_export_checkpoint)
    pp = sub.add_parser("prove", help="导出证明包:条目、包含证明,以及对见证方签名树头的一致性证明")
    pp.add_argument("entry", nargs="?", type=_entry_no, help="条目号(从 0 开始)")
    pp.add_argument("--witness", action="append", metavar="FILE", help="见证方保存的签名树头(可多次指定)")
    pp.add_argument("--out", help="写入文件(默认输出到标准输出)")
    pp.set_defaults(func=cmd_prove)
    pk = sub.add_parser("keygen", help="生成机关的账本签名密钥(Ed25519)")
    pk.add_argument("--out", help="密钥文件路径(默认 LAWTRAIL_LEDGER_KEY_FILE 或数据目录下的 ledger-signing.key)")
    pk.set_defaults(func=cmd_keygen)
    pu = sub.add_parser("public-key", help="显示账本签名公钥及其标识(交给见证方和核验方)")
    pu.add_argument("--json", action="store_true", help="以 JSON 输出")
    pu.add_argument("--note", action="store_true",
                    help="以签名注记(C2SP signed-note)核验密钥格式输出,供读取 /api/ledger/tlog/ 的通用工具使用")
    pu.set_defaults(func=cmd_public_key)
    pr = sub.add_parser("rotate-key", help="更替账本签名密钥:新旧密钥共同签署的更替声明记入账本,原密钥封存,新密钥此后签署")
    pr.add_argument("--new-key", metavar="PATH",
                    help="新密钥文件(lawtrail ledger keygen --out 生成);缺省时在原密钥旁生成并替换原密钥文件")
    pr.set_defaults(func=cmd_rotate_key)
    ph = sub.add_parser("keys", help="导出密钥历史(每次更替声明及各密钥的有效范围),供见证方和独立核验程序使用")
    ph.add_argument("--out", help="写入文件(默认输出到标准输出)")
    ph.set_defaults(func=cmd_keys)

    pv = subparsers.add_parser("verify", help="核验账本、签名树头、见证方签名树头与证据对象,发现不一致时以非零状态退出")
    pv.add_argument("--json", action="store_true", help="以 JSON 输出")
    pv.add_argument("--witness", action="append", metavar="FILE", help="见证方保存的签名树头(可多次指定)")
    pv.add_argument("--checkpoint-dir", action="append", metavar="DIR",
                    help="签名树头文件所在目录(可多次指定;默认为系统自动导出签名树头的目录 LAWTRAIL_LEDGER_CHECKPOINT_DIR):"
                         "数据库比其中最新的签名树头旧时报告数据库被回滚")
    pv.add_argument("--public-key", help="机关公钥(文件或公钥本身;默认取自签名密钥文件)")
    pv.add_argument("--since", metavar="ID|last",
                    help="增量核验:从该签名树头(或 last:上次核验无误时的最新签名树头)起,只读取其后的条目;"
                         "其前的部分由账本瓦片与该树头的签名核对(定期仍应做完整核验)")
    pv.add_argument("--ledger-only", action="store_true",
                    help="只核验账本自身(条目、Merkle 树、签名树头、见证方签名树头),不比对领域事件、不重算证据哈希;"
                         "适合频繁的快速核验")
    pv.set_defaults(func=cmd_verify)
