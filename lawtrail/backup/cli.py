"""`lawtrail backup` (without a subcommand: the whole backup) and `lawtrail restore`.

Registered after lawtrail.evidence.cli, whose `backup` command (replicate, verify, restore of the
originals) this completes. Importing this module needs no Django.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.choices["backup"]
    p.description = ("不带子命令:完整备份——数据库的一致性在线副本、配置(不含密钥)、签名树头与原始文件,"
                     "写入异地备份(LAWTRAIL_REPLICA_DIR 或 LAWTRAIL_REPLICA_S3_BUCKET)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_backup)
    backup = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    b = backup.add_parser("checkpoints", help="把新签署的签名树头送到异地备份(后台任务每分钟一次;无后台任务时供 cron 使用)")
    b.set_defaults(func=cmd_ship_checkpoints)

    r = sub.add_parser("restore", help="从异地备份恢复到空的数据目录和空数据库:数据库、原始文件、配置,随后核验")
    r.add_argument("--from", dest="source", metavar="DIR",
                   help="异地备份所在目录(默认:已配置的异地备份 LAWTRAIL_REPLICA_DIR / LAWTRAIL_REPLICA_S3_*)")
    r.add_argument("--backup", metavar="STAMP", help="恢复这一次备份(默认:最新的完整备份)")
    r.add_argument("--signing-key", metavar="FILE", help="机关的账本签名密钥文件(单独保管,不在备份中)")
    r.add_argument("--public-key", metavar="KEY", help="核验用的机关公钥(文件或公钥本身)")
    r.add_argument("--json", action="store_true", help="以 JSON 输出")
    r.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    from lawtrail.backup.core import backup

    report = backup()
    if args.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        facts = report.facts
        last = facts["events"]["last_at"] or "无"
        print(f"已备份到 {report.target}:数据库副本 {report.database_key}({report.size / 1e6:,.1f} MB,"
              f"{facts['events']['count']} 个事件,最后一个发生于 {last};账本 {facts['ledger']['entries']} 条)")
        print(f"原始文件:新复制 {report.originals_copied} 个,已有 {report.originals_present} 个,"
              f"失败 {len(report.originals_failed)} 个;签名树头新送出 {report.checkpoints_shipped} 个;"
              f"用时 {report.seconds} 秒")
        print("账本签名密钥不在备份中,须另行保管(见部署文档:备份与恢复)")
    for failure in report.originals_failed:
        print(f"错误:原始文件 {failure['key']} 未复制:{failure['error']}", file=sys.stderr)
    return 1 if report.originals_failed else 0


def cmd_ship_checkpoints(args: argparse.Namespace) -> int:
    from lawtrail.backup.core import ship_checkpoints

    print(f"签名树头新送出 {ship_checkpoints()} 个")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from lawtrail.backup.core import BackupError, restore
    from lawtrail.storage import LocalStore, get_replica

    if args.source:
        folder = Path(args.source)
        if not folder.is_dir():
            raise BackupError("no_backup", f"异地备份目录 {folder} 不存在")
        replica: Any = LocalStore(folder, name="replica")
    else:
        replica = get_replica()
        if replica is None:
            raise BackupError("no_backup", "未指定 --from,也未配置异地备份(LAWTRAIL_REPLICA_DIR 或 LAWTRAIL_REPLICA_S3_BUCKET)")
    public_key = None
    if args.public_key:
        from lawtrail.verifier.checkpoint import load_public_key

        path = Path(args.public_key)
        public_key = load_public_key(path.read_text(encoding="utf-8") if path.is_file() else args.public_key)
    report = restore(replica, stamp=args.backup, signing_key=Path(args.signing_key) if args.signing_key else None,
                     public_key=public_key)
    if args.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0 if report.verify_ok else 1
    ledger = report.ledger
    print(f"已从 {report.source} 恢复备份 {report.stamp}(备份于 {report.taken_at}):"
          f"{report.events['count']} 个事件(最后一个发生于 {report.events['last_at'] or '无'}),"
          f"账本 {ledger['entries']} 条,原始文件恢复 {report.originals_restored} 个,用时 {report.seconds} 秒")
    for key in report.originals_missing:
        print(f"✗ 原始文件未能恢复:{key}")
    if report.lost_entries or report.newer_originals:
        print("备份之后的记录(未能恢复,数据库中没有):")
        for cp in report.newer_checkpoints:
            print(f"  签名树头 {cp['file']}:账本已达 {cp['tree_size']} 条(签署于 {cp['timestamp']})")
        if report.lost_entries:
            print(f"  账本共缺 {report.lost_entries} 条:其间的事件、案号、文书编号已丢失,可能被再次发出,须人工核对")
        for item in report.newer_originals:
            print(f"  原始文件 {item['key']}({item['size']} 字节):在异地备份中,但恢复的数据库中没有其入库记录")
    else:
        print("异地备份中没有比本次备份更新的签名树头或原始文件")
    for problem in report.verify_problems:
        print(f"✗ {problem['message']}  [{problem['code']}]")
    for note in report.notes:
        print(f"注意:{note}")
    print("核验:恢复的数据全部一致" if report.verify_ok else f"核验:发现 {len(report.verify_problems)} 处不一致")
    return 0 if report.verify_ok else 1
