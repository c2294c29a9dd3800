"""`lawtrail check …`, `lawtrail profiles …`, `lawtrail bundle …`.

Importing this module needs no Django: `register` only adds parsers; their functions run
after the `lawtrail` command has set Django up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    print()


def cmd_profiles_list(args: argparse.Namespace) -> int:
    from lawtrail.profiles.registry import all_profiles

    rows = [{"id": p.id, "name": p.name, "agency_kind": p.agency_kind, "source": p.source, "rules": len(p.rules)}
            for p in all_profiles().values()]
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        print(f"{r['id']:<24}{r['name']}\t{r['agency_kind']}\t{r['source']}\t{r['rules']}条规则")
    return 0


def cmd_profiles_show(args: argparse.Namespace) -> int:
    from lawtrail.compliance.agency import AGENCY_RULES
    from lawtrail.compliance.engine import known_rules
    from lawtrail.profiles.registry import get_profile

    profile = get_profile(args.profile_id)
    labels = {rid: spec.label for rid, spec in known_rules().items()} | AGENCY_RULES
    rules: list[dict[str, Any]] = [{"id": r.id, "article": r.article, "quote": r.quote, "values": r.values,
                                    "checked": r.id in labels, "label": labels.get(r.id, "")}
                                   for r in profile.rules.values()]
    if args.json:
        _print_json({"id": profile.id, "name": profile.name, "agency_kind": profile.agency_kind,
                     "source": profile.source, "rules": rules})
        return 0
    print(f"{profile.name}({profile.id},{profile.agency_kind},来源 {profile.source})")
    for r in rules:
        values = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in dict(r["values"]).items())
        mark = "检查" if r["checked"] else "    "
        print(f"  {r['article']:<8}{r['id']:<30}{mark}  {values}")
        print(f"          「{r['quote']}」")
    print(f"共 {len(rules)} 条规则")
    return 0


def cmd_profiles_rules(args: argparse.Namespace) -> int:
    from lawtrail.compliance.ruletable import BEGIN, replace_in, rule_table

    if args.write:
        path = Path(args.write)
        try:
            changed = replace_in(path)
        except (OSError, ValueError) as err:
            print(f"无法写入规则表到 {path}:{err}(文件须含标记 {BEGIN})", file=sys.stderr)
            return 2
        print(f"已更新 {path}" if changed else f"{path} 已是最新")
        return 0
    sys.stdout.write(rule_table())
    return 0


def cmd_check_all(args: argparse.Namespace) -> int:
    from lawtrail.accounts.models import Agency
    from lawtrail.lib.errors import InvalidInput, NotFound

    if args.jobs < 1 or args.jobs > 64:
        raise InvalidInput("bad_jobs", "--jobs 须为 1 至 64 之间的整数")
    agency_id = None
    if args.agency:
        agency = Agency.objects.filter(pk=int(args.agency)).first() if args.agency.isdigit() else \
            Agency.objects.filter(name=args.agency).first()
        if agency is None:
            raise NotFound("agency_not_found", f"未找到执法机关 {args.agency}")
        agency_id = agency.pk
    summary = fill_store(jobs=args.jobs, agency_id=agency_id, quiet=args.quiet)
    assert summary.failed is not None
    for _case_id, message in summary.failed:
        print(f"检查失败 {message}", file=sys.stderr)
    print(f"已检查 {summary.cases} 件案件并存储检查结果;用时 {summary.seconds:.1f} 秒,每秒 {summary.rate:.1f} 件;"
          f"峰值内存 {summary.peak_kb / 1024:.0f} MB"
          + (f"(工作进程最高 {summary.worker_peak_kb / 1024:.0f} MB,共 {args.jobs} 个)" if args.jobs > 1 else ""))
    if summary.found_alerting:
        print(f"首次检查的案件中有 {summary.found_alerting} 项期限已临近或逾期:已存入承办人和负责人的待办(黄色、红色),"
              "未逐项发送通知;此后状态变化照常通知")
    if summary.failed:
        print(f"错误:{len(summary.failed)} 件案件检查失败(见上)", file=sys.stderr)
        return 1
    return 0


def fill_store(*, jobs: int = 1, agency_id: int | None = None, quiet: bool = False) -> Any:
    """`lawtrail check --all` (and the end of `lawtrail demo`): every case re-checked into the store."""
    from lawtrail.compliance.store import check_all

    def progress(done: int, total: int) -> None:
        sys.stderr.write(f"\r合规检查 {done}/{total} 件")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    from lawtrail.lib import dbstats

    summary = check_all(jobs=jobs, agency_id=agency_id, progress=None if quiet else progress)
    dbstats.after_bulk_load()  # the store's tables were just filled
    return summary


def cmd_check(args: argparse.Namespace) -> int:
    from lawtrail.compliance import bundle as bundles
    from lawtrail.compliance.engine import BLOCKING, evaluate
    from lawtrail.compliance.export import export_case, find_case
    from lawtrail.lib import timez
    from lawtrail.lib.errors import InvalidInput
    from lawtrail.profiles.registry import get_profile

    if args.all:
        if args.target:
            raise InvalidInput("check_target_and_all", "--all 检查全部案件,不能同时指定案号或数据包")
        return cmd_check_all(args)
    target = args.target
    if not target:
        raise InvalidInput("check_target_missing", "请指定案号或案件数据包文件,或用 --all 检查全部案件")
    if target.endswith(".json") or Path(target).is_file():
        data = bundles.load_file(Path(target))
    else:
        data = export_case(find_case(target))
    profile = get_profile(args.profile or data["agency"]["profile"])
    findings = evaluate(data, profile, now=timez.now())
    if args.json:
        _print_json([f.as_dict() for f in findings])
    else:
        label = data["case"]["number"] or data["case"]["id"]
        if not findings:
            print(f"{label}:依据《{profile.name}》检查,未发现问题")
        for f in findings:
            tag = "阻断" if f.severity == BLOCKING else "提示"
            print(f"[{tag}] {f.cite} {f.rule} {f.subject}:{f.message}")
    return 1 if any(f.severity == BLOCKING for f in findings) else 0


def cmd_check_agency(args: argparse.Namespace) -> int:
    from lawtrail.accounts.models import Agency
    from lawtrail.compliance.agency import agency_snapshot, check_agency
    from lawtrail.compliance.engine import BLOCKING
    from lawtrail.lib import timez
    from lawtrail.lib.errors import InvalidInput, NotFound
    from lawtrail.profiles.registry import get_profile

    agency = Agency.objects.filter(pk=args.agency).first() if args.agency.isdigit() else \
        Agency.objects.filter(name=args.agency).first()
    if agency is None:
        raise NotFound("agency_not_found", f"未找到执法机关 {args.agency}")
    try:
        end = dt.date.fromisoformat(args.to) if args.to else timez.beijing(timez.now()).date() - dt.timedelta(days=1)
        start = dt.date.fromisoformat(args.since) if args.since else end - dt.timedelta(days=29)
    except ValueError:
        raise InvalidInput("bad_date", "日期格式应为 YYYY-MM-DD")
    findings = check_agency(agency_snapshot(agency, start, end), get_profile(args.profile or agency.profile_id))
    if args.json:
        _print_json([f.as_dict() for f in findings])
    else:
        if not findings:
            print(f"{agency.name}:{start}至{end}未发现问题")
        for f in findings:
            print(f"[{'阻断' if f.severity == BLOCKING else '提示'}] {f.cite} {f.rule} {f.subject}:{f.message}")
    return 1 if any(f.severity == BLOCKING for f in findings) else 0


def cmd_bundle_export(args: argparse.Namespace) -> int:
    from lawtrail.compliance import bundle as bundles
    from lawtrail.compliance.export import export_case, find_case

    text = bundles.dumps(export_case(find_case(args.case)))
    if args.output:
        out = Path(args.output)
        if not out.parent.exists():
            print(f"错误:输出目录不存在:{out.parent}", file=sys.stderr)
            return 2
        out.write_text(text, encoding="utf-8")
        print(f"已导出案件 {args.case} 至 {out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_bundle_import(args: argparse.Namespace) -> int:
    from lawtrail.accounts.models import User
    from lawtrail.compliance import bulk
    from lawtrail.lib import dbstats
    from lawtrail.lib.errors import NotFound

    actor = User.objects.filter(username=args.user).first()
    if actor is None:
        raise NotFound("user_not_found", f"用户 {args.user} 不存在")
    progress = None if args.quiet else bulk.Progress(bulk.count_bundles(args.sources), sys.stderr)
    summary = bulk.import_all(bulk.iter_bundles(args.sources, sys.stdin), actor=actor, progress=progress)
    if summary.imported:
        dbstats.after_bulk_load()
    for refusal in summary.refused:
        print(f"拒绝 {refusal['source']}({refusal['path']}):{refusal['message']}", file=sys.stderr)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            for refusal in summary.refused:
                out.write(json.dumps(refusal, ensure_ascii=False) + "\n")
    elapsed = time.monotonic() - summary.started
    print(f"已导入 {summary.imported} 个案件数据包,拒绝 {len(summary.refused)} 个;"
          f"用时 {elapsed:.1f} 秒,每秒 {summary.rate():.1f} 个")
    return 1 if summary.refused else 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("check", help="依据规范配置检查案件(案号或案件数据包 JSON);有阻断问题时退出码为 1。"
                                            "--all:重新检查全部案件并存储检查结果与期限预警")
    p.add_argument("target", nargs="?", metavar="CASE_NO|BUNDLE.json", help="案号,或案件数据包文件")
    p.add_argument("--all", action="store_true", help="重新检查全部案件,把检查发现和期限状态存入数据库(页面、待办读取)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="与 --all 同用:N 个工作进程分段检查(默认 1)")
    p.add_argument("--agency", metavar="ID|名称", help="与 --all 同用:只检查该执法机关的案件")
    p.add_argument("-q", "--quiet", action="store_true", help="与 --all 同用:不显示进度")
    p.add_argument("--profile", metavar="ID", help="改用该规范配置检查(默认为案件所属机关的配置)")
    p.add_argument("--json", action="store_true", help="以 JSON 数组输出检查结果")
    p.set_defaults(func=cmd_check)

    p = subparsers.add_parser("check-agency", help="机关层面的检查:受理场所监控日存、执法记录仪配备")
    p.add_argument("agency", metavar="AGENCY", help="执法机关编号或名称")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="起始日期(默认截止日前 29 日)")
    p.add_argument("--to", metavar="YYYY-MM-DD", help="截止日期(默认昨日)")
    p.add_argument("--profile", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check_agency)

    p = subparsers.add_parser("profiles", help="规范配置(各执法机关适用的全过程记录制度)")
    sub = p.add_subparsers(dest="profiles_command", metavar="SUBCOMMAND")
    pr = sub.add_parser("rules", help="规则表:各检查的默认严重程度、阻止的阶段及各规范引用的条款(Markdown)")
    pr.add_argument("--markdown", action="store_true", help="以 Markdown 表格输出(默认)")
    pr.add_argument("--write", metavar="FILE", help="写入文档中规则表的标记之间(如 docs/compliance.md)")
    pr.set_defaults(func=cmd_profiles_rules)
    pl = sub.add_parser("list", help="列出已安装的规范配置(编号、名称、机关类别、来源文件、规则数)")
    pl.add_argument("--json", action="store_true", help="以 JSON 输出")
    pl.set_defaults(func=cmd_profiles_list)
    ps = sub.add_parser("show", help="列出规范配置的全部规则及其条款")
    ps.add_argument("profile_id", metavar="ID")
    ps.add_argument("--json", action="store_true", help="以 JSON 输出")
    ps.set_defaults(func=cmd_profiles_show)

    p = subparsers.add_parser("bundle", help="案件数据包(导出、导入)")
    sub = p.add_subparsers(dest="bundle_command", metavar="SUBCOMMAND")
    pe = sub.add_parser("export", help="将案件导出为案件数据包 JSON")
    pe.add_argument("case", metavar="CASE_NO")
    pe.add_argument("-o", "--output", metavar="FILE", help="输出文件(默认标准输出)")
    pe.set_defaults(func=cmd_bundle_export)
    pi = sub.add_parser("import", help="导入案件数据包,可一次导入多个(每个数据包全部成功或全部不导入;有被拒绝的数据包时退出码为 1)")
    pi.add_argument("sources", nargs="+", metavar="FILE|DIR|-",
                    help="数据包文件(单个 JSON,或每行一个数据包的 JSON Lines)、目录(其中的 .json/.jsonl/.ndjson)"
                         "或 -(标准输入)")
    pi.add_argument("--report", metavar="FILE", help="把被拒绝的数据包(来源、错误代码、说明、JSON 路径)逐行写入该文件")
    pi.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    pi.add_argument("--user", required=True, metavar="USERNAME", help="以该用户的名义导入(须属于目标执法机关)")
    pi.set_defaults(func=cmd_bundle_import)
