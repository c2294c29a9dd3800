"""`lawtrail retention …` (due, explain, recompute) and `lawtrail disposal …` (request, approve, execute, show).

Importing this module needs no Django: `register` only adds parsers; their functions run
after the `lawtrail` command has set Django up. Steps a person answers for (a request, an
approval, an execution) name that person with `--as USERNAME`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    print()


def _user(username: str) -> Any:
    from lawtrail.accounts.models import User
    from lawtrail.lib.errors import NotFound

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound("unknown_user", f"用户 {username} 不存在")
    return user


def cmd_due(args: argparse.Namespace) -> int:
    from lawtrail.retention import queries

    rows = [d.as_dict() for d in queries.due(None)]
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("没有保存期限已满、可申请销毁的音像资料")
        return 0
    for r in rows:
        print(f"#{r['evidence_id']:<6}\t{r['class_label']}\t{r['name']}\t至 {r['until']}\t"
              f"{r['size']} 字节\t{r['basis']}" + (f"\t已列入销毁申请第 {r['request_id']} 号" if r["request_id"] else ""))
    print(f"共 {len(rows)} 条")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from lawtrail.cases.models import Case
    from lawtrail.evidence.models import Evidence
    from lawtrail.lib.errors import NotFound
    from lawtrail.retention import queries

    target = args.target.strip()
    if target.isdigit():
        ev = Evidence.objects.select_related("agency", "case", "stored").filter(pk=int(target)).first()
        if ev is None:
            raise NotFound("not_found", f"音像资料 {target} 不存在")
        data = queries.explain_evidence(ev)
    else:
        case = Case.objects.select_related("agency").filter(number=target).first()
        if case is None:
            raise NotFound("not_found", f"案号 {target} 不存在")
        data = queries.explain_case(case)
    if args.json:
        _print_json(data)
        return 0
    kept = data["retention"]
    print(f"{data['record']['class_label']} {data['record']['label']}")
    print(f"保存期限:{kept['kind_label']}" + (f",至 {kept['until']}" if kept["until"] else ""))
    if kept["rule"]:
        print(f"依据:{kept['rule']['article']} {kept['rule']['quote']}")
    for line in data["why"]:
        print(f"· {line}")
    for t in data["triggers"]:
        print(f"长期保存情形:{t['article']}{t['item']} {t['text']}({t['on']};{t['reason']};{t['set_by']})")
    for h in data["holds"]:
        print(f"冻结:{h['reason']}({h['on']};{h['set_by']})")
    for c in data.get("cases", []):
        print(f"关联案件:{c['number'] or '#' + str(c['id'])} {c['title']}")
    return 0


def cmd_recompute(args: argparse.Namespace) -> int:
    from lawtrail.retention.actions import do_recompute_retention

    changed = do_recompute_retention()
    if args.json:
        _print_json(changed)
    else:
        print(f"已重新计算;{len(changed)} 条记录的保存期限新确定或延长(保存期限只延长,不自动缩短)")
    return 0


def _request(number: int, user: Any) -> Any:
    from lawtrail.lib.errors import NotFound
    from lawtrail.retention.models import DisposalRequest

    found = DisposalRequest.objects.filter(pk=number, agency_id=user.agency_id).first()
    if found is None:
        raise NotFound("not_found", f"销毁申请第 {number} 号不存在")
    return found


def cmd_request(args: argparse.Namespace) -> int:
    from lawtrail.evidence.models import Evidence
    from lawtrail.lib.errors import InvalidInput
    from lawtrail.retention.actions import do_request_disposal

    user = _user(args.actor)
    found = {e.pk: e for e in Evidence.objects.select_related("agency", "case", "stored").filter(
        pk__in=args.evidence_ids, agency_id=user.agency_id)}
    missing = [i for i in args.evidence_ids if i not in found]
    if missing:
        raise InvalidInput("unknown_reference", f"音像资料 {missing[0]} 不存在或不属于本机关")
    request = do_request_disposal([found[i] for i in dict.fromkeys(args.evidence_ids)], reason=args.reason,
                                  actor=user)
    print(f"已提出销毁申请第 {request.pk} 号({request.items.count()} 条),待机关负责人审批")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from lawtrail.retention.actions import do_decide_disposal

    user = _user(args.actor)
    request = do_decide_disposal(_request(args.number, user), approve=not args.reject, opinion=args.opinion,
                                 actor=user)
    print(f"销毁申请第 {request.pk} 号:{request.get_status_display()}")
    return 0


def cmd_execute(args: argparse.Namespace) -> int:
    from lawtrail.retention.actions import do_execute_disposal

    user = _user(args.actor)
    record = do_execute_disposal(_request(args.number, user), actor=user)
    print(f"已销毁 {len(record.items)} 条({record.total_bytes} 字节),销毁记录第 {record.pk} 号")
    for r in record.refused:
        print(f"未销毁 #{r['evidence_id']} {r['name']}:{r['message']}")
    failures = getattr(record, "removal_failures", [])
    for f in failures:
        print(f"删除对象失败 {f['key']}({f['store']}):{f['error']};可运行 lawtrail disposal purge 重试",
              file=sys.stderr)
    return 1 if failures else 0


def cmd_show(args: argparse.Namespace) -> int:
    from lawtrail.lib.errors import NotFound
    from lawtrail.retention.models import DisposalRecord

    record = DisposalRecord.objects.filter(pk=args.number).first()
    if record is None:
        raise NotFound("not_found", f"销毁记录第 {args.number} 号不存在")
    data = {"id": record.pk, "request_id": record.request_id, "requested_by": record.requested_by_name,
            "requested_at": record.requested_at, "approved_by": record.approved_by_name,
            "approved_at": record.approved_at, "executed_by": record.executed_by_name,
            "executed_at": record.executed_at, "reason": record.reason, "opinion": record.opinion,
            "items": record.items, "refused": record.refused, "total_bytes": record.total_bytes}
    if args.json:
        _print_json(data)
        return 0
    print(f"销毁记录第 {record.pk} 号(销毁申请第 {record.request_id} 号)")
    print(f"申请:{record.requested_by_name} {record.requested_at:%Y-%m-%d %H:%M}  "
          f"批准:{record.approved_by_name} {record.approved_at:%Y-%m-%d %H:%M}  "
          f"执行:{record.executed_by_name} {record.executed_at:%Y-%m-%d %H:%M}")
    for i in record.items:
        print(f"#{i['evidence_id']}\t{i['name']}\t{i['size']} 字节\tSHA-256 {i['sha256']}\t{i['basis']}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from lawtrail.retention.actions import purge_disposed_objects

    failed = purge_disposed_objects()
    for f in failed:
        print(f"删除对象失败 {f['key']}({f['store']}):{f['error']}", file=sys.stderr)
    print("已按销毁记录清理存储" if not failed else f"{len(failed)} 个对象删除失败")
    return 1 if failed else 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("retention", help="保存期限:到期清单、保存原因、重新计算")
    sub = p.add_subparsers(dest="retention_command", metavar="SUBCOMMAND")
    s = sub.add_parser("due", help="列出保存期限已满、未长期保存、未冻结、可申请销毁的音像资料")
    s.add_argument("--json", action="store_true", help="以 JSON 输出")
    s.set_defaults(func=cmd_due)
    s = sub.add_parser("explain", help="说明一条音像资料(编号)或一个案件(案号)为何仍在保存")
    s.add_argument("target", metavar="EVIDENCE_ID|CASE_NO")
    s.add_argument("--json", action="store_true", help="以 JSON 输出")
    s.set_defaults(func=cmd_explain)
    s = sub.add_parser("recompute", help="按现行规则重新计算保存期限(只延长,不缩短)")
    s.add_argument("--json", action="store_true", help="以 JSON 输出")
    s.set_defaults(func=cmd_recompute)

    p = subparsers.add_parser("disposal", help="销毁:申请、审批、执行、销毁记录")
    sub = p.add_subparsers(dest="disposal_command", metavar="SUBCOMMAND")
    s = sub.add_parser("request", help="提出销毁申请(档案管理员或机关负责人)")
    s.add_argument("evidence_ids", nargs="+", type=int, metavar="EVIDENCE_ID")
    s.add_argument("--reason", required=True, help="申请理由")
    s.add_argument("--as", dest="actor", required=True, metavar="USERNAME", help="申请人的用户名")
    s.set_defaults(func=cmd_request)
    s = sub.add_parser("approve", help="审批销毁申请(机关负责人,不得是申请人)")
    s.add_argument("number", type=int, metavar="REQUEST_NO")
    s.add_argument("--reject", action="store_true", help="不同意销毁(须填写意见)")
    s.add_argument("--opinion", default="", help="审批意见")
    s.add_argument("--as", dest="actor", required=True, metavar="USERNAME", help="审批人的用户名")
    s.set_defaults(func=cmd_approve)
    s = sub.add_parser("execute", help="执行已批准的销毁申请,生成销毁记录")
    s.add_argument("number", type=int, metavar="REQUEST_NO")
    s.add_argument("--as", dest="actor", required=True, metavar="USERNAME", help="执行人的用户名")
    s.set_defaults(func=cmd_execute)
    s = sub.add_parser("show", help="显示销毁记录")
    s.add_argument("number", type=int, metavar="RECORD_NO")
    s.add_argument("--json", action="store_true", help="以 JSON 输出")
    s.set_defaults(func=cmd_show)
    s = sub.add_parser("purge", help="重试删除销毁记录所列、仍在存储中的对象")
    s.set_defaults(func=cmd_purge)
