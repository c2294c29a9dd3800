"""`lawtrail access register`: the access register (调用登记), as a table or CSV.

Importing this module needs no Django: `register` only adds parsers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import types
from typing import Any


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD,而不是「{text}」")


def cmd_register(args: argparse.Namespace) -> int:
    from lawtrail.access import queries
    from lawtrail.cases.models import Case

    if args.case and not Case.objects.filter(number=args.case).exists():
        print(f"错误:案号 {args.case} 不存在", file=sys.stderr)
        return 2
    events = queries.register(None, queries.RegisterFilter(case_number=args.case or "", date_from=args.date_from,
                                                           date_to=args.date_to, person=args.person or ""))
    if args.csv:
        sys.stdout.write(queries.register_csv(events))
        return 0
    rows = queries.rows(events)
    for r in rows:
        print("\t".join(str(r[c]) for c in ("时间", "事项", "结果", "资料", "案件", "调阅人", "复制人", "审批人",
                                            "事由", "调用单")))
    print(f"共 {len(rows)} 条")
    return 0


def register(subparsers: Any) -> None:
    from lawtrail.documents.cli import _ChineseParser

    p = subparsers.add_parser("access", help="调用、复制与保密")
    p.error = types.MethodType(_ChineseParser.error, p)
    sub = p.add_subparsers(dest="access_command", metavar="SUBCOMMAND", parser_class=_ChineseParser)
    pr = sub.add_parser("register", help="调用登记:查阅涉密资料、下载、复制(调阅人、复制人、审批人、时间、事由)")
    pr.add_argument("--case", metavar="CASE_NO", help="案号")
    pr.add_argument("--from", dest="date_from", type=_day, metavar="DATE", help="起始日期(北京时间,含)")
    pr.add_argument("--to", dest="date_to", type=_day, metavar="DATE", help="截止日期(北京时间,含)")
    pr.add_argument("--person", metavar="NAME", help="调阅人、复制人或审批人")
    pr.add_argument("--csv", action="store_true", help="以 CSV 输出")
    pr.set_defaults(func=cmd_register)
