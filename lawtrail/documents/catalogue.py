"""The catalogue of document types (文书目录), read from YAML files.

Each type says what it records (typed fields, which are mandatory, where a field is
pre-filled from), who signs it (officers, the party, witnesses, approvers), which stage and
action of the procedure it belongs to, and its layout. Adding a type or a field is a change
of data: a file in `catalogue/` (or in a directory of LAWTRAIL_DOCUMENT_CATALOGUE_DIRS).

Importable without Django: the CLI lists the catalogue before Django is set up.
"""

from __future__ import annotations

import functools
import os
import string
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lawtrail.documents.prefill import SOURCES
from lawtrail.lib.errors import InvalidInput

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"

# The phases of whole-process recording, as 第三条 of the labour rules lists them, plus
# the patrol inspection the labour rules treat apart (第二章).
STAGES: dict[str, str] = {
    "intake": "程序启动",
    "investigation": "调查取证",
    "decision": "审查决定",
    "service": "送达执行",
    "archive": "归档管理",
    "patrol": "日常巡视检查",
}

FIELD_TYPES: dict[str, str] = {
    "text": "单行文字",
    "textarea": "多行文字",
    "date": "日期",
    "datetime": "日期时间",
    "amount": "金额(元)",
    "integer": "整数",
    "choice": "选项",
    "lines": "多项(每行一项)",
    "multichoice": "多选",
    "table": "表格(每行一条,各栏以 | 分隔)",
}

# Who signs, and how: officers, participants and approvers sign by being logged in; the
# party, witnesses and outside people (experts) sign by hand on the tablet.
SIGNER_ROLES: dict[str, str] = {
    "officer": "执法人员",
    "participant": "参加人员",
    "approver": "审批人",
    "party": "当事人",
    "witness": "见证人",
    "external": "其他人员",
}
LOGIN_ROLES = frozenset({"officer", "participant", "approver"})
HAND_ROLES = frozenset({"party", "witness", "external"})

APPROVALS: dict[str, str] = {
    "unit_head": "承办机构意见",
    "head": "负责人意见",
    "legal_review": "法制审核意见",
}

LAYOUT_STYLES: dict[str, str] = {"form": "表格式", "record": "笔录式", "notice": "文书式"}

TEXT_MAX = 500
TEXTAREA_MAX = 20000


class CatalogueError(InvalidInput):
    pass


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str = "text"
    required: bool = False
    prefill: str = ""
    options: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    # Another datetime field this one must come after (an inquiry's end after its start).
    after: str = ""
    help: str = ""


@dataclass(frozen=True)
class SignerSpec:
    key: str
    role: str
    label: str
    min: int = 1
    # A profile rule whose `min_officers` raises `min` (第九条 of the agriculture rules: two).
    min_rule: str = ""
    refusable: bool = False
    # A profile rule that, where the agency's regulation has it, requires a fingerprint.
    fingerprint_rule: str = ""
    # The profile rule saying how many witnesses a refusal to sign needs.
    refusal_rule: str = "signature_refusal"
    approval: str = ""
    # Approvals listed by a profile rule (`filing_approval.approvers`): one slot each.
    approvals_from: str = ""


@dataclass(frozen=True)
class LayoutSpec:
    style: str = "form"
    rows: tuple[tuple[str, ...], ...] = ()
    header: tuple[tuple[str, ...], ...] = ()
    addressee: str = ""
    # Blocks of a notice's body: a field key, or {"text": "...{key}..."}.
    body: tuple[Any, ...] = ()
    date: str = ""


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    stage: str
    action: str
    fields: tuple[FieldSpec, ...]
    signers: tuple[SignerSpec, ...]
    layout: LayoutSpec
    basis: tuple[str, ...] = ()
    numbered: bool = True
    abbr: str = ""
    source: str = field(default="", compare=False)

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage)

    def articles_for(self, profile_id: str) -> str:
        """The articles of one agency's regulation this type rests on ("第九条、第十条"), or "".
        `basis` lists "<profile id> <articles>" for every regulation that names the type; a person
        reads only their own regulation's, never a profile id."""
        return "、".join(rest.strip() for entry in self.basis
                        for pid, _, rest in [entry.partition(" ")] if pid == profile_id and rest.strip())

    @property
    def mandatory(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.required]

    def field(self, key: str) -> FieldSpec | None:
        for f in self.fields:
            if f.key == key:
                return f
        return None

    def snapshot(self) -> dict[str, Any]:
        """The type as data, frozen into each document so later catalogue edits do not change it."""
        data = asdict(self)
        data.pop("source", None)
        return data

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> DocumentType:
        layout = data.get("layout") or {}
        return cls(
            code=data["code"], name=data["name"], stage=data["stage"], action=data["action"],
            fields=tuple(FieldSpec(**{**f, "options": tuple(f.get("options", ())),
                                      "columns": tuple(f.get("columns", ()))}) for f in data["fields"]),
            signers=tuple(SignerSpec(**s) for s in data["signers"]),
            layout=LayoutSpec(
                style=layout.get("style", "form"),
                rows=tuple(tuple(r) for r in layout.get("rows", ())),
                header=tuple(tuple(r) for r in layout.get("header", ())),
                addressee=layout.get("addressee", ""), body=tuple(layout.get("body", ())),
                date=layout.get("date", ""),
            ),
            basis=tuple(data.get("basis", ())), numbered=bool(data.get("numbered", True)),
            abbr=data.get("abbr", ""),
        )

    def signer_summary(self) -> list[str]:
        out = []
        for s in self.signers:
            if s.role == "approver" and s.approvals_from:
                out.append(f"{s.label}(按规范 {s.approvals_from})")
            elif s.role == "approver":
                out.append(s.label)
            else:
                out.append(s.label + (f"≥{s.min}" if s.min > 1 else "") + ("(可拒签)" if s.refusable else ""))
        return out


# ---------------------------------------------------------------- loading


class _Map(dict[str, Any]):
    """A YAML mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]


# libyaml's parser when PyYAML has it (the same safe constructors, ten times faster: the catalogue
# is read at the start of every command that writes documents, a bundle import among them).
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"重复的键 {key}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


class _Where:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int | None, field_name: str, message: str) -> CatalogueError:
        where = self.path.name + (f" 第{line}行" if line else "")
        return CatalogueError("bad_catalogue", f"文书目录文件 {where} 字段 {field_name}:{message}",
                              {"file": str(self.path), "line": line, "field": field_name})


def _line(m: Any, key: str | None = None) -> int | None:
    if isinstance(m, _Map):
        return m.key_lines.get(key, m.line) if key else m.line
    return None


def _str(w: _Where, m: _Map, key: str, where: str, *, required: bool = True, default: str = "") -> str:
    value = m.get(key, None)
    if value is None or value == "":
        if required:
            raise w.fail(_line(m), f"{where}.{key}", "缺少必填字段")
        return default
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise w.fail(_line(m, key), f"{where}.{key}", "应为文字")
    return str(value).strip()


def _bool(w: _Where, m: _Map, key: str, where: str, default: bool) -> bool:
    value = m.get(key, default)
    if not isinstance(value, bool):
        raise w.fail(_line(m, key), f"{where}.{key}", "应为 true 或 false")
    return value


def _int(w: _Where, m: _Map, key: str, where: str, default: int) -> int:
    value = m.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise w.fail(_line(m, key), f"{where}.{key}", "应为非负整数")
    return value


def _strings(w: _Where, m: _Map, key: str, where: str) -> tuple[str, ...]:
    value = m.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise w.fail(_line(m, key), f"{where}.{key}", "应为文字列表")
    return tuple(v.strip() for v in value)


def _known(w: _Where, m: _Map, allowed: set[str], where: str) -> None:
    for key in m:
        if key not in allowed:
            raise w.fail(_line(m, key), f"{where}.{key}", f"未知字段(可用:{'、'.join(sorted(allowed))})")


_FIELD_KEYS = {"key", "label", "type", "required", "prefill", "options", "columns", "after", "help"}
_SIGNER_KEYS = {"key", "role", "label", "min", "min_rule", "refusable", "fingerprint_rule", "refusal_rule",
                "approval", "approvals_from"}
_TYPE_KEYS = {"code", "name", "stage", "action", "basis", "numbered", "abbr", "use", "fields", "signers", "layout"}
_LAYOUT_KEYS = {"style", "rows", "header", "addressee", "body", "date"}


def _field(w: _Where, m: Any, where: str) -> FieldSpec:
    if not isinstance(m, _Map):
        raise w.fail(None, where, "应为映射(key、label、type…)")
    _known(w, m, _FIELD_KEYS, where)
    key = _str(w, m, "key", where)
    if not key.isidentifier():
        raise w.fail(_line(m, "key"), f"{where}.key", "只能使用字母、数字和下划线")
    where = f"{where}[{key}]"
    ftype = _str(w, m, "type", where, required=False, default="text")
    if ftype not in FIELD_TYPES:
        raise w.fail(_line(m, "type"), f"{where}.type", f"类型无效(可用:{'、'.join(FIELD_TYPES)})")
    prefill = _str(w, m, "prefill", where, required=False)
    if prefill and prefill not in SOURCES:
        raise w.fail(_line(m, "prefill"), f"{where}.prefill", f"未知的预填来源 {prefill}")
    options = _strings(w, m, "options", where)
    if ftype in ("choice", "multichoice") and not options:
        raise w.fail(_line(m), f"{where}.options", "选项字段须列出 options")
    columns = _strings(w, m, "columns", where)
    if ftype == "table" and not columns:
        raise w.fail(_line(m), f"{where}.columns", "表格字段须列出 columns")
    return FieldSpec(key=key, label=_str(w, m, "label", where), type=ftype,
                     required=_bool(w, m, "required", where, False), prefill=prefill, options=options,
                     columns=columns, after=_str(w, m, "after", where, required=False),
                     help=_str(w, m, "help", where, required=False))


def _signer(w: _Where, m: Any, where: str) -> SignerSpec:
    if not isinstance(m, _Map):
        raise w.fail(None, where, "应为映射(key、role、label…)")
    _known(w, m, _SIGNER_KEYS, where)
    role = _str(w, m, "role", where)
    if role not in SIGNER_ROLES:
        raise w.fail(_line(m, "role"), f"{where}.role", f"签名人类型无效(可用:{'、'.join(SIGNER_ROLES)})")
    approval = _str(w, m, "approval", where, required=False)
    approvals_from = _str(w, m, "approvals_from", where, required=False)
    if role == "approver":
        if bool(approval) == bool(approvals_from):
            raise w.fail(_line(m), f"{where}.approval", "审批人须且只须写明 approval 或 approvals_from 之一")
        if approval and approval not in APPROVALS:
            raise w.fail(_line(m, "approval"), f"{where}.approval", f"审批类型无效(可用:{'、'.join(APPROVALS)})")
    elif approval or approvals_from:
        raise w.fail(_line(m), f"{where}.approval", "只有审批人(role: approver)可以写 approval")
    key = _str(w, m, "key", where, required=False, default=approval or approvals_from or role)
    default_min = 0 if role == "witness" else 1
    refusable = _bool(w, m, "refusable", where, False)
    if refusable and role != "party":
        raise w.fail(_line(m, "refusable"), f"{where}.refusable", "只有当事人(role: party)可以拒绝签字")
    return SignerSpec(
        key=key, role=role,
        label=_str(w, m, "label", where, required=role != "approver" or bool(approvals_from),
                   default=APPROVALS.get(approval, "")),
        min=_int(w, m, "min", where, default_min), min_rule=_str(w, m, "min_rule", where, required=False),
        refusable=refusable, fingerprint_rule=_str(w, m, "fingerprint_rule", where, required=False),
        refusal_rule=_str(w, m, "refusal_rule", where, required=False, default="signature_refusal"),
        approval=approval, approvals_from=approvals_from,
    )


def _key_rows(w: _Where, m: _Map, key: str, where: str, keys: set[str]) -> tuple[tuple[str, ...], ...]:
    value = m.get(key, [])
    if not isinstance(value, list):
        raise w.fail(_line(m, key), f"{where}.{key}", "应为列表(每行一组字段)")
    rows = []
    for row in value:
        row = row if isinstance(row, list) else [row]
        for k in row:
            if k not in keys:
                raise w.fail(_line(m, key), f"{where}.{key}", f"引用了不存在的字段 {k}")
        rows.append(tuple(row))
    return tuple(rows)


def _layout(w: _Where, m: Any, where: str, keys: set[str]) -> LayoutSpec:
    if m is None:
        return LayoutSpec()
    if not isinstance(m, _Map):
        raise w.fail(None, where, "应为映射(style…)")
    _known(w, m, _LAYOUT_KEYS, where)
    style = _str(w, m, "style", where, required=False, default="form")
    if style not in LAYOUT_STYLES:
        raise w.fail(_line(m, "style"), f"{where}.style", f"版式无效(可用:{'、'.join(LAYOUT_STYLES)})")
    body: list[Any] = []
    raw_body = m.get("body", [])
    if not isinstance(raw_body, list):
        raise w.fail(_line(m, "body"), f"{where}.body", "应为列表")
    for block in raw_body:
        if isinstance(block, str):
            if block not in keys:
                raise w.fail(_line(m, "body"), f"{where}.body", f"引用了不存在的字段 {block}")
            body.append(block)
        elif isinstance(block, dict) and set(block) == {"text"} and isinstance(block["text"], str):
            for _lit, name, _spec, _conv in string.Formatter().parse(block["text"]):
                if name is not None and name not in keys:
                    raise w.fail(_line(block), f"{where}.body", f"文字模板引用了不存在的字段 {{{name}}}")
            body.append({"text": block["text"]})
        else:
            raise w.fail(_line(block), f"{where}.body", "每项应为字段名或 {text: 模板}")
    for single in ("addressee", "date"):
        if m.get(single) and m[single] not in keys:
            raise w.fail(_line(m, single), f"{where}.{single}", f"引用了不存在的字段 {m[single]}")
    return LayoutSpec(style=style, rows=_key_rows(w, m, "rows", where, keys),
                      header=_key_rows(w, m, "header", where, keys), addressee=str(m.get("addressee") or ""),
                      body=tuple(body), date=str(m.get("date") or ""))


def _document_type(w: _Where, m: Any, index: int, fragments: dict[str, list[Any]]) -> DocumentType:
    where = f"types[{index}]"
    if not isinstance(m, _Map):
        raise w.fail(None, where, "应为映射(code、name…)")
    _known(w, m, _TYPE_KEYS, where)
    code = _str(w, m, "code", where)
    if not code.isidentifier() or code.lower() != code:
        raise w.fail(_line(m, "code"), f"{where}.code", "代码只能使用小写字母、数字和下划线")
    where = f"types[{code}]"
    stage = _str(w, m, "stage", where)
    if stage not in STAGES:
        raise w.fail(_line(m, "stage"), f"{where}.stage", f"阶段无效(可用:{'、'.join(STAGES)})")
    raw_fields: list[Any] = []
    for name in _strings(w, m, "use", where):
        if name not in fragments:
            raise w.fail(_line(m, "use"), f"{where}.use", f"未定义的公用字段组 {name}")
        raw_fields.extend(fragments[name])
    listed = m.get("fields", [])
    if not isinstance(listed, list):
        raise w.fail(_line(m, "fields"), f"{where}.fields", "应为列表")
    raw_fields.extend(listed)
    if not raw_fields:
        raise w.fail(_line(m), f"{where}.fields", "至少要有一个字段")
    fields = [_field(w, f, f"{where}.fields") for f in raw_fields]
    seen: set[str] = set()
    for f, raw in zip(fields, raw_fields, strict=True):
        if f.key in seen:
            raise w.fail(_line(raw), f"{where}.fields[{f.key}]", "字段重复")
        seen.add(f.key)
    for f in fields:
        if f.after and (f.after not in seen or next(x for x in fields if x.key == f.after).type != f.type):
            raise w.fail(_line(m, "fields"), f"{where}.fields[{f.key}].after", f"应引用同类型的字段,而不是 {f.after}")
    raw_signers = m.get("signers", [])
    if not isinstance(raw_signers, list):
        raise w.fail(_line(m, "signers"), f"{where}.signers", "应为列表")
    signers = [_signer(w, s, f"{where}.signers") for s in raw_signers]
    slot_keys = [s.key for s in signers]
    if len(slot_keys) != len(set(slot_keys)):
        raise w.fail(_line(m, "signers"), f"{where}.signers", "签名栏 key 重复")
    numbered = _bool(w, m, "numbered", where, True)
    abbr = _str(w, m, "abbr", where, required=numbered)
    return DocumentType(
        code=code, name=_str(w, m, "name", where), stage=stage, action=_str(w, m, "action", where),
        fields=tuple(fields), signers=tuple(signers), layout=_layout(w, m.get("layout"), f"{where}.layout", seen),
        basis=_strings(w, m, "basis", where), numbered=numbered, abbr=abbr, source=w.path.name,
    )


def _read(path: Path) -> Any:
    w = _Where(path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 — a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise w.fail(mark.line + 1 if mark else None, "-", f"YAML 语法错误:{getattr(err, 'problem', err)}")


def load_catalogue(directories: list[Path]) -> dict[str, DocumentType]:
    """Every type in the `*.yaml` files of `directories`; `_fragments.yaml` holds shared field groups."""
    fragments: dict[str, list[Any]] = {}
    files: list[Path] = []
    for directory in directories:
        for path in sorted(Path(directory).glob("*.yaml")):
            if path.name == "_fragments.yaml":
                data = _read(path)
                w = _Where(path)
                if not isinstance(data, _Map) or not isinstance(data.get("fragments"), dict):
                    raise w.fail(1, "fragments", "应为映射:名称 → 字段列表")
                for name, items in data["fragments"].items():
                    if not isinstance(items, list):
                        raise w.fail(_line(data["fragments"], name), f"fragments.{name}", "应为字段列表")
                    fragments[name] = items
            else:
                files.append(path)
    found: dict[str, DocumentType] = {}
    for path in files:
        w = _Where(path)
        data = _read(path)
        if not isinstance(data, _Map) or not isinstance(data.get("types"), list):
            raise w.fail(1, "types", "顶层应为 types: [文书类型…]")
        for index, item in enumerate(data["types"]):
            doc_type = _document_type(w, item, index, fragments)
            if doc_type.code in found:
                raise w.fail(_line(item, "code"), f"types[{doc_type.code}].code",
                             f"代码与 {found[doc_type.code].source} 中的类型重复")
            found[doc_type.code] = doc_type
    # Listed in the order of the procedure, each stage's types in the order they were written.
    order = list(STAGES)
    return dict(sorted(found.items(), key=lambda item: order.index(item[1].stage)))


def catalogue_dirs() -> list[Path]:
    extra = os.environ.get("LAWTRAIL_DOCUMENT_CATALOGUE_DIRS", "")
    return [CATALOGUE_DIR] + [Path(p) for p in extra.split(os.pathsep) if p]


@functools.cache
def catalogue() -> dict[str, DocumentType]:
    return load_catalogue(catalogue_dirs())


def get_type(code: str) -> DocumentType:
    try:
        return catalogue()[code]
    except KeyError:
        raise InvalidInput("unknown_document_type", f"文书目录中没有「{code}」这一类型", {"field": "type"})
