"""`lawtrail ingest`, `lawtrail backup …` and `lawtrail evidence reception-report`.

Importing this module needs no Django: the parsers are built here, the work is imported
inside each command, after `lawtrail.cli` has set Django up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO


def register(sub: Any) -> None:
    p = sub.add_parser("ingest", help="音像资料入库(文件或目录,递归;如执法记录仪采集站目录)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="文件或目录")
    p.add_argument("--case", metavar="CASE_NO", help="所属案件的案号")
    p.add_argument("--officer", metavar="CERT_NO", help="拍摄的执法人员的执法证号")
    p.add_argument("--class", dest="evidence_class", metavar="CLASS",
                   help="类别:patrol 日常巡查、case 案件证据、reception 受理场所监控、other 其他")
    p.add_argument("--device", metavar="SERIAL", default="", help="执法记录仪设备编号")
    p.add_argument("--clock-offset", type=float, metavar="SECONDS",
                   help="设备时钟偏差(设备时间减标准时间,秒;如设备快 8 小时填 28800)")
    p.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                   help="同时读取的文件数(每个文件占用约 16 MB 内存)")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    p.set_defaults(func=cmd_ingest, prepare=prepare_ingest)

    p = sub.add_parser("backup", help="异地备份、完整性校验与恢复")
    backup = p.add_subparsers(dest="backup_command", metavar="SUBCOMMAND")
    b = backup.add_parser("replicate", help="把备份中缺少的原始文件复制到异地备份")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_backup_replicate)
    b = backup.add_parser("verify", help="重新计算全部原始文件的杂凑值,报告缺失或被改动的文件")
    b.add_argument("--replica", action="store_true", help="校验异地备份而不是主存储")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_backup_verify)
    b = backup.add_parser("restore", help="从异地备份恢复主存储中缺失或损坏的原始文件(逐字节一致)")
    b.add_argument("keys", nargs="*", metavar="KEY",
                   help="只恢复这些存储键(逐个重新校验);默认:全部缺失的,及最近一次完整性校验发现损坏的")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_backup_restore)

    p = sub.add_parser("evidence", help="音像资料的统计与报告")
    evidence = p.add_subparsers(dest="evidence_command", metavar="SUBCOMMAND")
    e = evidence.add_parser("reception-report", help="受理场所监控缺失日:区间内没有保存当日监控录像的日期")
    e.add_argument("--from", dest="date_from", required=True, type=_day, metavar="DATE", help="开始日期 YYYY-MM-DD")
    e.add_argument("--to", dest="date_to", required=True, type=_day, metavar="DATE", help="结束日期 YYYY-MM-DD(含)")
    e.add_argument("--site", default="", metavar="S", help="只统计这一受理场所")
    e.add_argument("--json", action="store_true", help="每个受理场所一个 JSON 对象")
    e.set_defaults(func=cmd_reception_report)


def _day(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD:{text}")


class _Cancelled(Exception):
    """Raised in a staging thread to stop it (the command failed or was interrupted)."""


# ---------------------------------------------------------------- ingest


def _files(paths: list[str]) -> Iterator[tuple[Path, str | None]]:
    """Every regular file under the paths, in a stable order; (path, problem) for a bad path."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                for name in sorted(filenames):
                    candidate = Path(dirpath) / name
                    if candidate.is_file():
                        yield candidate, None
        elif path.is_file():
            yield path, None
        else:
            yield path, "文件或目录不存在" if not path.exists() else "不是普通文件"


class Progress:
    """A progress bar on stderr when it is a terminal; otherwise one line per finished file."""

    def __init__(self, total_bytes: int, total_files: int, stream: TextIO) -> None:
        self.total, self.files, self.stream = max(total_bytes, 1), total_files, stream
        self.done = 0
        self.finished = 0
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.cancelled = threading.Event()
        self.tty = stream.isatty()
        self._last = 0.0

    def add(self, n: int) -> None:
        if self.cancelled.is_set():
            raise _Cancelled()  # stage_stream removes its temp file on the way out
        with self.lock:
            self.done += n
            now = time.monotonic()
            if self.tty and now - self._last > 0.2:
                self._last = now
                self._draw()

    def _draw(self) -> None:
        share = min(1.0, self.done / self.total)
        width = 30
        bar = "█" * int(share * width) + "░" * (width - int(share * width))
        rate = self.done / max(time.monotonic() - self.started, 1e-6) / 1e6
        self.stream.write(f"\r{bar} {share:5.1%} {self.done / 1e6:,.0f}/{self.total / 1e6:,.0f} MB "
                          f"{rate:,.0f} MB/s  {self.finished}/{self.files} 个文件 ")
        self.stream.flush()

    def file_done(self, line: str) -> None:
        with self.lock:
            self.finished += 1
            if self.tty:
                self._draw()
            else:
                self.stream.write(f"[{self.finished}/{self.files}] {line}\n")
                self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()


_STATUS = {"stored": "已入库", "duplicate": "已入库(内容重复,只存一份)", "already": "此前已入库(同一归属,跳过)",
           "error": "失败"}


class IngestPlan:
    """The files to ingest, staged (read once, both hashes) by worker threads.

    Staging needs no Django, so it starts before Django is set up (`prepare_ingest`); the
    ingest actions then run in the command's own thread as each file finishes staging.
    """

    def __init__(self, paths: list[str], jobs: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from lawtrail.evidence.staging import stage_file, sweep_abandoned
        from lawtrail.storage import get_store

        # Staged files of an ingest that was killed are swept on the next start (and by the worker).
        swept, swept_bytes = sweep_abandoned(get_store().staging_dir())
        if swept:
            print(f"已清理此前中断的入库留下的暂存文件 {swept} 个({swept_bytes / 1e6:,.1f} MB)", file=sys.stderr)
        self.found = list(_files(paths))
        total = sum(p.stat().st_size for p, problem in self.found if problem is None)
        self.progress = Progress(total, len(self.found), sys.stderr)
        self.pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="stage")
        staging = get_store().staging_dir()
        self.futures: dict[Any, Path] = {
            self.pool.submit(stage_file, path, staging, progress=self.progress.add): path
            for path, problem in self.found if problem is None
        }
        self.consumed: set[Any] = set()

    def close(self) -> None:
        """Stop staging and remove every temp file no action took over (after an error or Ctrl+C)."""
        self.progress.cancelled.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        for future in self.futures:
            if future in self.consumed or future.cancelled() or future.exception() is not None:
                continue
            future.result().path.unlink(missing_ok=True)


def prepare_ingest(args: argparse.Namespace) -> None:
    # Reading and hashing start at once; Django loads meanwhile (a few tenths of a second).
    # The staging area comes from the settings, which need no app registry.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    # While Django's pure-Python import holds the GIL, a hashing thread waits for it after every
    # chunk; a short switch interval hands it over sooner (the default 5 ms halves SM3's speed).
    sys.setswitchinterval(0.0005)
    # Huey imports the Redis and PostgreSQL clients whenever they are installed (~0.1 s of CPU
    # that competes with the hashing threads). This process uses neither unless configured to:
    # mark them absent, which huey takes as "not installed".
    if not os.environ.get("LAWTRAIL_REDIS_URL"):
        sys.modules.setdefault("redis", None)  # type: ignore[arg-type]
    if os.environ.get("DATABASE_URL", "sqlite").startswith("sqlite"):
        sys.modules.setdefault("psycopg", None)  # type: ignore[arg-type]
    if args.jobs >= 1:
        args.plan = IngestPlan(args.paths, args.jobs)


def cmd_ingest(args: argparse.Namespace) -> int:
    plan: IngestPlan | None = getattr(args, "plan", None)
    try:
        return _ingest(args, plan)
    finally:
        if plan is not None:
            plan.close()


def _ingest(args: argparse.Namespace, plan: IngestPlan | None) -> int:
    from collections import Counter
    from concurrent.futures import as_completed

    from lawtrail.accounts.models import User
    from lawtrail.cases.models import Case
    from lawtrail.evidence.choices import EvidenceClass
    from lawtrail.evidence.ingest import Outcome, failed, ingest_staged_outcome
    from lawtrail.evidence.staging import check_sm3
    from lawtrail.lib.errors import InvalidInput

    check_sm3()
    if args.jobs < 1:
        raise InvalidInput("invalid_jobs", "--jobs 至少为 1")
    case = officer = None
    if args.case:
        matches = list(Case.objects.select_related("agency", "unit", "party", "handler").filter(number=args.case))
        if not matches:
            raise InvalidInput("unknown_case", f"案号 {args.case} 不存在")
        if len(matches) > 1:
            raise InvalidInput("ambiguous_case", f"案号 {args.case} 在多个执法机关中存在,无法确定")
        case = matches[0]
    if args.officer:
        officer = User.objects.select_related("agency", "unit").filter(cert_no=args.officer).first()
        if officer is None:
            raise InvalidInput("unknown_officer", f"执法证号 {args.officer} 对应的执法人员不存在")
    if args.evidence_class and args.evidence_class not in EvidenceClass.values:
        raise InvalidInput("invalid_class", f"类别 {args.evidence_class} 无效,可选:{'、'.join(EvidenceClass.values)}")
    if case is None and officer is None:
        raise InvalidInput("no_owner", "请用 --case 指定案号或用 --officer 指定执法证号,以确定音像资料的归属")
    if plan is None:  # called without prepare (from code, not the command line)
        plan = IngestPlan(args.paths, args.jobs)
        args.plan = plan

    progress = plan.progress
    outcomes: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if args.json:
            print(json.dumps(outcome.as_json(), ensure_ascii=False), flush=True)
        elif outcome.status != "error":
            flag = f"  [{outcome.flagged}] {outcome.message}" if outcome.flagged else ""
            print(f"{_STATUS[outcome.status]}\t{(outcome.sha256 or '')[:16]}\t{outcome.path}{flag}", flush=True)
        if outcome.status == "error":
            print(f"错误:{outcome.path}:{outcome.message}({outcome.error_code})", file=sys.stderr, flush=True)
        progress.file_done(f"{_STATUS[outcome.status]} {outcome.path}")

    started = progress.started
    for path, problem in plan.found:
        if problem:
            report(Outcome(path=str(path), name=path.name, status="error", error_code="bad_path", message=problem))
    # once_per_owner: a folder ingest run again (after an interruption) adds nothing twice.
    options = {"case": case, "officer": officer, "evidence_class": args.evidence_class or "",
               "device_serial": args.device, "clock_offset_seconds": args.clock_offset, "channel": "cli",
               "actor": None, "once_per_owner": True}
    for future in as_completed(plan.futures):
        path = plan.futures[future]
        plan.consumed.add(future)
        error = future.exception()
        if error is not None:
            # Each file's own cause (a full disk is not "cannot read"); the batch goes on.
            report(failed(path, error, staging=True))
            continue
        report(ingest_staged_outcome(future.result(), path, **options))
    progress.close()
    elapsed = time.monotonic() - started
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("stored", "duplicate", "already", "error")}
    flagged = sum(1 for o in outcomes if o.flagged)
    size = sum(o.size or 0 for o in outcomes if o.status != "already")
    causes = Counter(o.message for o in outcomes if o.status == "error")
    print(f"共 {len(outcomes)} 个文件:新入库 {counts['stored']},内容重复(只存一份) {counts['duplicate']},"
          f"此前已入库(跳过) {counts['already']},"
          f"文件有问题已标记 {flagged},失败 {counts['error']};{size / 1e6:,.1f} MB,用时 {elapsed:.1f} 秒"
          + (f",{size / 1e6 / elapsed:,.0f} MB/s" if elapsed > 0 and size else ""), file=sys.stderr)
    for cause, n in causes.items():
        print(f"失败原因:{cause}({n} 个文件)", file=sys.stderr)
    return 2 if counts["error"] else 0


# ---------------------------------------------------------------- backup


def _emit(args: argparse.Namespace, data: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for line in lines:
            print(line)


def cmd_backup_replicate(args: argparse.Namespace) -> int:
    from lawtrail.evidence.jobs import replicate

    report = replicate()
    _emit(args, {"target": report.target, "copied": report.copied, "present": report.present,
                 "failed": report.failed},
          [f"异地备份:{report.target}", f"新复制 {len(report.copied)} 个,已有 {report.present} 个,失败 {len(report.failed)} 个"]
          + [f"失败:{f['key']}:{f['error']}" for f in report.failed])
    return 1 if report.failed else 0


def cmd_backup_verify(args: argparse.Namespace) -> int:
    from lawtrail.evidence.jobs import fixity
    from lawtrail.storage import get_replica

    store = None
    if args.replica:
        store = get_replica()
        if store is None:
            print("错误:未配置异地备份(LAWTRAIL_REPLICA_DIR 或 LAWTRAIL_REPLICA_S3_BUCKET)", file=sys.stderr)
            return 2
    report = fixity(store=store)
    _emit(args, {"store": report.store, "checked": len(report.checked), "problems": report.problems},
          [f"校验 {report.store}:共 {len(report.checked)} 个对象,问题 {len(report.problems)} 个"]
          + [p["message"] for p in report.problems])
    for p in report.problems:
        print(f"错误:{p['message']}", file=sys.stderr)
    return 1 if report.problems else 0


def cmd_backup_restore(args: argparse.Namespace) -> int:
    from lawtrail.evidence.jobs import restore

    report = restore(args.keys or None)
    _emit(args, {"restored": report.restored, "replaced": report.replaced, "failed": report.failed},
          [f"已恢复 {len(report.restored)} 个缺失对象,替换 {len(report.replaced)} 个损坏对象,失败 {len(report.failed)} 个"]
          + [f"已恢复:{k}" for k in report.restored] + [f"已替换损坏对象:{k}" for k in report.replaced]
          + [f"失败:{f['key']}:{f['error']}" for f in report.failed])
    return 1 if report.failed else 0


def cmd_reception_report(args: argparse.Namespace) -> int:
    from lawtrail.evidence.models import ReceptionSegment
    from lawtrail.evidence.queries import missing_reception_days

    rows = missing_reception_days(ReceptionSegment.objects.all(), args.date_from, args.date_to, args.site)
    if args.json:
        for r in rows:
            print(json.dumps({"agency": r.agency, "site": r.site, "from": args.date_from.isoformat(),
                              "to": args.date_to.isoformat(), "days": r.days, "saved": r.saved,
                              "missing": [d.isoformat() for d in r.missing]}, ensure_ascii=False))
        return 0
    if not rows:
        print("没有登记过受理场所监控" + (f"(受理场所:{args.site})" if args.site else ""))
    for r in rows:
        head = f"{r.agency} · {r.site}:{args.date_from}~{args.date_to} 共 {r.days} 天,已保存 {r.saved} 天"
        print(head + (f",缺 {len(r.missing)} 天:" + "、".join(d.isoformat() for d in r.missing) if r.missing
                      else ",无缺失"))
    return 0
