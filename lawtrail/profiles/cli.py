"""`lawtrail profiles coverage [ID] [--json]`: the article map of each regulation.

Importing this module needs no Django: `register` only adds a parser (beside `profiles list` and
`profiles show`, which the compliance app registers); the command runs after Django is set up,
so the compliance rules and document types have registered their Chinese names.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_profiles_coverage(args: argparse.Namespace) -> int:
    from lawtrail.lib.errors import InvalidInput
    from lawtrail.profiles.coverage import (
        MEANS,
        MEANS_LABELS,
        STATUS_LABELS,
        STATUSES,
        all_coverage,
        as_json,
        label_of,
        labels,
    )

    maps = all_coverage()
    if args.profile_id:
        if args.profile_id not in maps:
            raise InvalidInput("unknown_profile", f"未找到规范配置 {args.profile_id} 的条款覆盖表",
                               {"profile_id": args.profile_id})
        maps = {args.profile_id: maps[args.profile_id]}
    known = labels()
    if args.json:
        json.dump([as_json(c, known) for c in maps.values()], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    totals = {s: 0 for s in STATUSES}
    for cov in maps.values():
        print(f"{cov.profile_name}({cov.profile_id},{cov.regulation.source})")
        for a in cov.articles:
            parts = []
            for kind in MEANS:
                names = a.names(kind)
                if names:
                    # Several rule ids share one check (and its name): each name once.
                    shown = dict.fromkeys(label_of(kind, n, known) for n in names)
                    parts.append(f"{MEANS_LABELS[kind]}:" + "、".join(shown))
            if a.note:
                parts.append(("说明:" if a.status in ("n/a", "covered") else "缺:") + a.note)
            print(f"  {a.label:<6}\t{STATUS_LABELS[a.status]}\t" + ";".join(parts))
        counts = cov.counts()
        for s in STATUSES:
            totals[s] += counts[s]
        print("  " + _counts_line(counts, cov.applicable, STATUS_LABELS))
        print()
    if len(maps) > 1:
        print("合计:" + _counts_line(totals, sum(totals.values()) - totals["n/a"], STATUS_LABELS))
    return 0


def _counts_line(counts: dict[str, int], applicable: int, status_labels: dict[str, str]) -> str:
    return (f"适用条款 {applicable} 条:{status_labels['covered']} {counts['covered']},"
            f"{status_labels['partial']} {counts['partial']},{status_labels['gap']} {counts['gap']};"
            f"{status_labels['n/a']} {counts['n/a']} 条")


def _profiles_subparsers(subparsers: Any) -> Any:
    """The `profiles` command's own subcommands, whichever module added `profiles` first."""
    parser = subparsers.choices.get("profiles")
    if parser is None:
        parser = subparsers.add_parser("profiles", help="规范配置(各执法机关适用的全过程记录制度)")
        return parser.add_subparsers(dest="profiles_command", metavar="SUBCOMMAND")
    for action in parser._actions:  # argparse keeps no public handle on a parser's subcommands
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="profiles_command", metavar="SUBCOMMAND")


def register(subparsers: Any) -> None:
    sub = _profiles_subparsers(subparsers)
    p = sub.add_parser("coverage", help="条款覆盖表:各规范逐条的覆盖情况(检查、流程、文书)与统计")
    p.add_argument("profile_id", nargs="?", help="只显示该规范配置(如 labor-inspection)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_profiles_coverage)
