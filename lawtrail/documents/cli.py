"""`lawtrail documents …`: the catalogue of document types, and rendering a document to a file.

Importing this module needs no Django: `register` only adds parsers; their functions run
after the `lawtrail` command has set Django up.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
from pathlib import Path
from typing import Any, NoReturn


def cmd_types(args: argparse.Namespace) -> int:
    from lawtrail.documents.catalogue import catalogue

    rows: list[dict[str, Any]] = [
        {"code": t.code, "name": t.name, "stage": t.stage, "stage_label": t.stage_label, "action": t.action,
         "numbered": t.numbered, "mandatory": [f.key for f in t.mandatory],
         "mandatory_labels": [f.label for f in t.mandatory],
         "signers": [{"key": s.key, "role": s.role, "label": s.label, "min": s.min, "refusable": s.refusable,
                      "approval": s.approval or s.approvals_from} for s in t.signers],
         "source": t.source}
        for t in catalogue().values()
    ]
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for r in rows:
        signers = "、".join(s["label"] for s in r["signers"]) or "无"
        print(f"{r['code']:<32}{r['name']}\t{r['stage_label']}\t必填:{'、'.join(r['mandatory_labels'])}\t签名:{signers}")
    print(f"共 {len(rows)} 种文书")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from lawtrail.documents import render
    from lawtrail.documents.models import Document

    try:
        doc_id = int(args.doc_id)
    except ValueError:
        print(f"错误:文书编号应为数字,而不是「{args.doc_id}」", file=sys.stderr)
        return 2
    doc = Document.objects.select_related("case", "agency").filter(pk=doc_id).first()
    if doc is None:
        print(f"错误:文书 {doc_id} 不存在", file=sys.stderr)
        return 2
    data = render.current_pdf(doc) if args.format == "pdf" else render.render_docx(doc)
    out = Path(args.output)
    if not out.parent.exists():
        print(f"错误:输出目录不存在:{out.parent}", file=sys.stderr)
        return 2
    out.write_bytes(data)
    print(f"已输出 {doc.type_name} {doc.number or '(未编号)'} 至 {out}({len(data)} 字节)")
    return 0


class _ChineseParser(argparse.ArgumentParser):
    """Bad input is told in Chinese, on stderr, with exit status 2 (as argparse does)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        translated = (message.replace("the following arguments are required", "缺少参数")
                      .replace("argument", "参数").replace("invalid choice", "无效的选项")
                      .replace("choose from", "可选"))
        print(f"错误:{translated}", file=sys.stderr)
        raise SystemExit(2)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("documents", help="执法文书")
    p.error = types.MethodType(_ChineseParser.error, p)
    sub = p.add_subparsers(dest="documents_command", metavar="SUBCOMMAND", parser_class=_ChineseParser)
    pt = sub.add_parser("types", help="列出文书目录(代码、名称、阶段、必填字段、签名人)")
    pt.add_argument("--json", action="store_true", help="以 JSON 输出")
    pt.set_defaults(func=cmd_types)
    pr = sub.add_parser("render", help="将文书输出为 PDF 或 DOCX 文件")
    pr.add_argument("doc_id", metavar="DOC_ID", help="文书编号(数据库编号)")
    pr.add_argument("--format", choices=["pdf", "docx"], default="pdf", help="输出格式(默认 pdf)")
    pr.add_argument("-o", "--output", required=True, metavar="FILE", help="输出文件")
    pr.set_defaults(func=cmd_render)
