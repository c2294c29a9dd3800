"""The `lawtrail` command. Each subcommand works on whatever the environment points at
(DATABASE_URL, LAWTRAIL_DATA_DIR), so scripts and tests can use a throw-away data directory."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    import django

    django.setup()


def _migrate(verbose: bool = False) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)


def cmd_migrate(args: argparse.Namespace) -> int:
    from lawtrail.ledger.guards import check_before_migrate, restoring_guards

    with restoring_guards(args.restore_guards):
        check_before_migrate()
        _migrate(verbose=True)
    return 0


def _print_logins() -> None:
    from lawtrail.demo import demo_logins_by_agency, demo_oversight_login

    print("演示账号(密码相同,每个执法机关各一套):")
    for agency, logins in demo_logins_by_agency():
        print(f"【{agency}】")
        for username, password, who in logins:
            print(f"  {username:<10} {password}   {who}")
    username, password, who = demo_oversight_login()
    print("【跨机关监督】")
    print(f"  {username:<10} {password}   {who}")


def cmd_doctor(args: argparse.Namespace) -> int:
    from lawtrail.doctor import ERROR, as_json, run_checks

    findings = run_checks()
    if args.json:
        json.dump(as_json(findings), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for finding in findings:
            print(finding.line())
    return 1 if any(f.status == ERROR for f in findings) else 0


def _self_check(*, expect_worker: bool) -> bool:
    """`demo` and `serve` start with the self-check: problems are printed, and an error stops them
    (a server that would issue blank PDFs or lose uploads must not look ready)."""
    from lawtrail.doctor import ERROR, OK, run_checks

    findings = run_checks(expect_worker=expect_worker)
    problems = [f for f in findings if f.status != OK]
    for finding in problems:
        print(finding.line(), file=sys.stderr)
    if any(f.status == ERROR for f in problems):
        print("自检未通过,请按上述提示处理后重试(lawtrail doctor 可再次检查)", file=sys.stderr)
        return False
    print(f"自检完成:{len(findings) - len(problems)} 项正常" + (f",{len(problems)} 项提示" if problems else ""))
    return True


def cmd_demo(args: argparse.Namespace) -> int:
    from django.conf import settings

    from lawtrail.demo import ensure_demo

    _migrate()
    if not _self_check(expect_worker=False):
        return 1
    if args.profile:
        from lawtrail.profiles.registry import get_profile

        for profile_id in args.profile:
            get_profile(profile_id)  # an unknown one is refused with its name
    from lawtrail.compliance import incremental

    # The store is filled once at the end, not case by case after each of the demo's events.
    with incremental.paused():
        loaded = ensure_demo(profiles=args.profile or None)
    print(("已载入演示数据" if loaded else "演示数据已存在,未重复载入") + f"(数据目录 {settings.DATA_DIR})")
    from lawtrail.cases.models import Case
    from lawtrail.compliance.cli import fill_store
    from lawtrail.compliance.models import CaseCheck

    if loaded or CaseCheck.objects.filter(stale=False).count() < Case.objects.count():
        # The pages read stored findings and deadlines: fill the store now, so they show at once.
        summary = fill_store(quiet=True)
        print(f"已检查 {summary.cases} 件案件并存储检查结果与期限预警")
    _print_logins()
    return 0


def _proxy_options() -> dict[str, Any]:
    """Waitress's own reverse-proxy support, when settings.TRUSTED_PROXY names the proxy."""
    from django.conf import settings

    if not settings.TRUSTED_PROXY:
        return {}
    return {"trusted_proxy": settings.TRUSTED_PROXY, "trusted_proxy_count": settings.TRUSTED_PROXY_COUNT,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}, "clear_untrusted_proxy_headers": True}


def cmd_serve(args: argparse.Namespace) -> int:
    if args.topology == "scale":
        from lawtrail import topology

        _migrate()
        if not _self_check(expect_worker=False):
            return 1
        if args.demo:
            _print_logins()
        return topology.run(host=args.host, port=args.port, web=args.web or (os.cpu_count() or 1),
                            workers=args.workers)

    from waitress import serve

    from lawtrail.lib.limits import limit_malloc_arenas
    from lawtrail.wsgi import application

    limit_malloc_arenas()

    _migrate()
    if not _self_check(expect_worker=args.no_worker):
        return 1
    worker = None
    if not args.no_worker:
        # One command must give a working system: previews, replication and fixity need the
        # background worker, so serve starts one beside itself (at scale, run `lawtrail worker`
        # on other machines and pass --no-worker).
        import subprocess

        worker = subprocess.Popen([sys.executable, "-m", "lawtrail", "worker"])
        # A plain SIGTERM would end this process and leave the worker behind: unwind instead.
        import signal

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"LawTrail 已启动:http://{args.host}:{args.port}/  (Ctrl+C 停止)", flush=True)
    if args.demo:
        _print_logins()
    try:
        serve(application, host=args.host, port=args.port, threads=args.threads, ident="LawTrail", **_proxy_options())
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from lawtrail.worker import run

    return run()


def cmd_cases_list(args: argparse.Namespace) -> int:
    from lawtrail.cases.models import Case

    qs = Case.objects.select_related("unit", "handler", "party", "agency").order_by("agency_id", "id")
    if args.stage:
        qs = qs.filter(stage=args.stage)
    rows: list[dict[str, Any]] = [
        {"id": c.pk, "number": c.number, "stage": c.stage, "stage_label": c.get_stage_display(),
         "agency": c.agency.name, "unit": c.unit.name, "handler": c.handler.display_name,
         "handler_cert_no": c.handler.cert_no, "party": c.party.name, "title": c.title,
         "registered_at": c.registered_at.isoformat()}
        for c in qs
    ]
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not rows:
        print("没有案件")
        return 0
    for r in rows:
        print(f"{r['number'] or '(待立案#' + str(r['id']) + ')':<24}\t{r['stage_label']}\t{r['unit']}\t"
              f"{r['handler']}\t{r['party']}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from lawtrail.accounts.actions import do_create_api_token
    from lawtrail.accounts.models import User

    user = User.objects.filter(username=args.username).first()
    if user is None:
        print(f"错误:用户 {args.username} 不存在", file=sys.stderr)
        return 2
    print(do_create_api_token(user, name=args.name, actor=None))
    return 0


# Apps that bring subcommands of their own: each module has `register(subparsers)`, adding
# parsers whose `func(args) -> int` runs after Django is set up (and optionally `prepare(args)`, run
# before it, for work that needs no Django). Importing them must not need Django.
COMMAND_MODULES: list[str] = [
    "lawtrail.evidence.cli",
    "lawtrail.backup.cli",  # after evidence.cli: the whole backup on its `backup` command, and `restore`
    "lawtrail.ledger.cli",
    "lawtrail.documents.cli",
    "lawtrail.retention.cli",
    "lawtrail.archive.cli",
    "lawtrail.access.cli",
    "lawtrail.compliance.cli",
    "lawtrail.profiles.cli",  # after compliance.cli: adds `coverage` to its `profiles` command
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lawtrail", description="LawTrail 行政执法全过程记录系统")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="创建/迁移数据库,载入演示数据(幂等)并打印演示账号")
    p.add_argument("--profile", action="append", metavar="ID",
                   help="只载入该规范配置的演示机关(可重复;默认五个机关全部载入)")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("serve", help="启动 Web 界面和 API(先迁移数据库)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--demo", action="store_true", help="启动时打印演示账号")
    p.add_argument("--no-worker", action="store_true", help="不在本机启动后台任务进程(另行运行 lawtrail worker)")
    p.add_argument("--topology", choices=["embedded", "scale"], default="embedded",
                   help="embedded:一个进程(默认);scale:多个 Web 进程(gunicorn)和后台任务进程,"
                        "需 PostgreSQL、Redis 与 S3(环境变量见 README)")
    p.add_argument("--web", type=int, metavar="N", help="规模拓扑的 Web 进程数(默认为 CPU 核数)")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="规模拓扑的后台任务进程数(默认 2)")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("doctor", help="自检:文书字体、数据库、数据目录与剩余空间、签名密钥、任务队列、音视频解码")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("worker", help="运行后台任务(预览转码、定时异地备份、每日完整性校验、账本检查点)")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("migrate", help="创建或迁移数据库(发现防篡改保护缺失时拒绝执行)")
    p.add_argument("--restore-guards", action="store_true",
                   help="恢复缺失或停用的防篡改保护(数据库触发器),并在账本中记录其曾缺失")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("cases", help="案件")
    cases_sub = p.add_subparsers(dest="cases_command", metavar="SUBCOMMAND")
    pl = cases_sub.add_parser("list", help="列出案件(案号、阶段、机构、承办人、当事人)")
    pl.add_argument("--json", action="store_true", help="以 JSON 输出")
    pl.add_argument("--stage", help="只列出该阶段的案件(如 investigating)")
    pl.set_defaults(func=cmd_cases_list)
    p = sub.add_parser("token", help="API 令牌")
    token_sub = p.add_subparsers(dest="token_command", metavar="SUBCOMMAND")
    pt = token_sub.add_parser("create", help="为用户签发 API 令牌并打印(只显示一次)")
    pt.add_argument("username")
    pt.add_argument("--name", default="cli")
    pt.set_defaults(func=cmd_token_create)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        # A command may start work that needs no Django (reading and hashing files) while it loads.
        if getattr(args, "prepare", None) is not None:
            args.prepare(args)
        _setup()
        from lawtrail.events.context import Origin, origin

        with origin(Origin(channel="cli")):
            return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader has what it wanted.
        return 0
    except Exception as err:  # noqa: BLE001 — the CLI's promise: a message and a non-zero exit, no trace
        from django.core.exceptions import ImproperlyConfigured

        from lawtrail.lib.errors import DomainError

        if isinstance(err, DomainError):
            print(f"错误:{err.message}({err.code})", file=sys.stderr)
            return 2
        if isinstance(err, ImproperlyConfigured):
            print(f"配置错误:{err}", file=sys.stderr)
            return 2
        if os.environ.get("LAWTRAIL_DEBUG"):
            raise
        print(f"错误:{type(err).__name__}: {err}", file=sys.stderr)
        return 1
