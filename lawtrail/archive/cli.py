"""`lawtrail package export|verify`. Importing this module needs no Django; `verify` never sets it up."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def cmd_export(args: argparse.Namespace) -> int:
    from lawtrail.accounts.models import User
    from lawtrail.archive.actions import do_export_package
    from lawtrail.archive.models import CaseFile
    from lawtrail.archive.queries import visible_case_by_number
    from lawtrail.cases.models import Case
    from lawtrail.lib.errors import InvalidInput, NotFound

    actor = None
    if args.user:
        actor = User.objects.filter(username=args.user, is_active=True).first()
        if actor is None:
            raise NotFound("no_user", f"用户「{args.user}」不存在")
        case = visible_case_by_number(actor, args.case_no)
    else:
        found = Case.objects.filter(number=args.case_no).first()
        if found is None:
            raise NotFound("not_found", f"案件「{args.case_no}」不存在")
        case = found
    case_file = CaseFile.objects.filter(case=case).first()
    if case_file is None:
        raise NotFound("no_case_file", f"案件「{args.case_no}」尚未组卷")
    out = Path(args.output)
    if not out.parent.is_dir():
        raise InvalidInput("bad_output", f"输出目录不存在:{out.parent}", {"field": "output"})
    row = do_export_package(case_file, out=out, actor=actor)
    print(f"已导出归档包 {case_file.archive_no} 至 {out}({row.size} 字节,SHA-256 {row.sha256},"
          f"Payload-Oxum {row.payload_oxum})")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from lawtrail.packagecheck.__main__ import run

    return run(args)


def _verify_now(args: argparse.Namespace) -> None:
    # Offline: no Django, no database. The result is the exit status of the whole command.
    raise SystemExit(cmd_verify(args))


def register(subparsers: Any) -> None:
    from lawtrail.packagecheck.__main__ import add_arguments

    p = subparsers.add_parser("package", help="归档包(BagIt):导出与离线核验")
    sub = p.add_subparsers(dest="package_command", metavar="SUBCOMMAND")
    pe = sub.add_parser("export", help="将已装订归档的案卷导出为 BagIt 归档包(ZIP)")
    pe.add_argument("case_no", metavar="CASE_NO", help="案号")
    pe.add_argument("-o", "--output", required=True, metavar="FILE", help="输出的 .zip 文件")
    pe.add_argument("--user", help="以该用户的身份导出(档案管理员、法制审核人员或负责人);不指定时以服务器控制台身份导出")
    pe.set_defaults(func=cmd_export)
    pv = sub.add_parser("verify", help="离线核验归档包(ZIP 或目录):真实性、完整性、可用性、安全性")
    add_arguments(pv)
    pv.set_defaults(func=cmd_verify, prepare=_verify_now)
