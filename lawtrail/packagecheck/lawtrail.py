"""The checks that apply when a bag is a LawTrail archive package (归档包).

A bag is taken for one when its bag-info.txt says `LawTrail-Package: lawtrail-archive/1` or
it holds data/metadata/metadata.json; either without the other is itself a failure. The
package layout and metadata are described in lawtrail/archive/package.py.

The anchor of trust is the agency's signed tree head (data/ledger/checkpoint.json), checked
against the public key given (or, failing that, the one the package carries — said so in
the notes). Every ledger entry in the package proves its inclusion under that tree head, and
the entries record the SHA-256 of each issued PDF (document.issue), of each original
recording (evidence.ingest), of each explanation filed with the case (text_record.register)
and of the case file with its whole index (case_file.bind).
A package whose files and manifests were all rewritten still fails: the files no longer
match what the signed ledger recorded.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lawtrail.packagecheck import formats
from lawtrail.packagecheck.archive_no import archive_no_problem
from lawtrail.packagecheck.bagit import Bag
from lawtrail.packagecheck.report import Report
from lawtrail.verifier.checkpoint import Checkpoint, FormatError, SignatureError, load_public_key
from lawtrail.verifier.entry import parse_entry
from lawtrail.verifier.merkle import ProofError, leaf_hash, verify_inclusion

PACKAGE_FORMAT = "lawtrail-archive/1"
EXTRACT_FORMAT = "lawtrail-ledger-extract/1"
METADATA_PATH = "data/metadata/metadata.json"
TAG_FILES = {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "tagmanifest-sm3.txt"}
REQUIRED_ITEM_KEYS = ("seq", "kind", "id", "path", "name", "title", "date", "recorded_at", "size", "format", "sha256",
                      "sm3", "ledger_entry")
REQUIRED_KEYS = ("format", "archive_no", "fonds", "year", "retention", "agency", "case", "case_file", "items", "ledger")


def is_lawtrail(bag: Bag) -> bool:
    return bag.info_value("LawTrail-Package") is not None or METADATA_PATH in bag.source.members


def _json(bag: Bag, path: str, problems: list[str]) -> Any:
    if path not in bag.source.members:
        problems.append(f"缺少 {path}")
        return None
    try:
        return json.loads(bag.source.read(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as err:
        problems.append(f"{path} 无法解析:{err}")
        return None


def _time(text: Any) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def check_lawtrail(bag: Bag, report: Report, public_key: Ed25519PublicKey | None = None) -> None:
    report.kind = "lawtrail"
    members = bag.source.members

    # ---- usability: the metadata and the ledger extract parse
    problems: list[str] = []
    if bag.info_value("LawTrail-Package") != PACKAGE_FORMAT:
        problems.append(f"bag-info.txt 未声明 LawTrail-Package: {PACKAGE_FORMAT}")
    meta = _json(bag, METADATA_PATH, problems)
    if meta is not None and (not isinstance(meta, dict) or meta.get("format") != PACKAGE_FORMAT):
        problems.append(f"元数据的 format 不是 {PACKAGE_FORMAT}")
        meta = None
    ledger: dict[str, Any] = meta["ledger"] if isinstance(meta, dict) and isinstance(meta.get("ledger"), dict) else {}
    extract = _json(bag, str(ledger.get("entries_path", "data/ledger/entries.json")), problems)
    cp_json = _json(bag, str(ledger.get("checkpoint_path", "data/ledger/checkpoint.json")), problems)
    checkpoint: Checkpoint | None = None
    try:
        checkpoint = Checkpoint.from_json(cp_json) if cp_json is not None else None
    except FormatError as err:
        problems.append(f"签名树头无法读取:{err}")
    if extract is not None and (not isinstance(extract, dict) or extract.get("format") != EXTRACT_FORMAT
                                or not isinstance(extract.get("entries"), list)):
        problems.append(f"账本摘录的 format 不是 {EXTRACT_FORMAT}")
        extract = None
    report.add("usability", "lawtrail.metadata", "元数据可解析", problems, "元数据、账本摘录和签名树头均可解析")
    meta = meta if isinstance(meta, dict) else {}
    items: list[dict[str, Any]] = [i for i in meta.get("items", []) if isinstance(i, dict)] \
        if isinstance(meta.get("items"), list) else []
    case_file: dict[str, Any] = meta["case_file"] if isinstance(meta.get("case_file"), dict) else {}
    case: dict[str, Any] = meta["case"] if isinstance(meta.get("case"), dict) else {}

    # ---- integrity: required metadata, sequence numbers
    problems = [f"元数据缺少「{k}」" for k in REQUIRED_KEYS if k not in meta]
    for i, item in enumerate(items):
        missing = [k for k in REQUIRED_ITEM_KEYS if k not in item]
        if missing:
            problems.append(f"卷内第 {i + 1} 项缺少 {'、'.join(missing)}")
    for k in ("path", "sha256", "sm3", "size", "ledger_entry", "bound_at", "checked_by", "assembled_by"):
        if not case_file.get(k):
            problems.append(f"案卷信息缺少「{k}」")
    for k in ("id", "number", "title", "party", "handler"):
        if not case.get(k):
            problems.append(f"案件信息缺少「{k}」")
    for label in ("Payload-Oxum", "Bagging-Date", "Archive-Number", "Source-Organization"):
        if not bag.info_value(label):
            problems.append(f"bag-info.txt 缺少 {label}")
    report.add("integrity", "lawtrail.required_metadata", "必备元数据齐全", problems,
               f"案卷 {meta.get('archive_no')} 的 {len(items)} 项卷内文件元数据齐全")
    seqs = [i.get("seq") for i in items]
    problems = [] if seqs == list(range(1, len(items) + 1)) else [f"卷内顺序号应为 1…{len(items)} 连续,实为 {seqs}"]
    report.add("integrity", "lawtrail.sequence", "卷内顺序号连续", problems, f"顺序号 1–{len(items)} 连续无缺号")

    # ---- authenticity: 档号
    problems = []
    no = meta.get("archive_no")
    if problem := archive_no_problem(no):
        problems.append(problem)
    elif bag.info_value("Archive-Number") != no:
        problems.append(f"bag-info.txt 的 Archive-Number「{bag.info_value('Archive-Number')}」与元数据的档号「{no}」不符")
    elif str(no).split("-")[:3] != [str(meta.get("fonds")), str(meta.get("year")), str(meta.get("retention"))]:
        problems.append(f"档号「{no}」与元数据的全宗号、年度、保管期限不符")
    report.add("authenticity", "lawtrail.archive_no", "档号格式", problems, f"档号 {no} 格式正确")

    # ---- authenticity: the SM3 tag manifest is there and covers the tag files
    problems = []
    for algorithm in ("sha256", "sm3"):
        table = bag.tagmanifests.get(algorithm)
        if table is None:
            problems.append(f"缺少 tagmanifest-{algorithm}.txt")
            continue
        for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt"):
            if name not in table:
                problems.append(f"tagmanifest-{algorithm}.txt 未列出 {name}")
    if "sha256" not in bag.manifests:
        problems.append("缺少 manifest-sha256.txt")
    report.add("authenticity", "lawtrail.tag_manifests", "SHA-256 与 SM3 标签清单", problems,
               "tagmanifest-sha256.txt 与 tagmanifest-sm3.txt 覆盖全部标签文件")

    # ---- authenticity: the signed tree head and the inclusion proofs
    problems = []
    if checkpoint is not None:
        key = public_key
        if key is None:
            embedded = cp_json.get("public_key") if isinstance(cp_json, dict) else None
            try:
                key = load_public_key(embedded) if isinstance(embedded, str) else None
            except FormatError:
                key = None
            if key is None:
                problems.append("未提供机关公钥,签名树头也未附带公钥")
            else:
                report.notes.append("未指定机关公钥,使用归档包内附带的公钥:只能证明归档包自身一致,"
                                    "不能证明它出自该机关。请用 --public-key 指定从机关处独立取得的公钥。")
        if key is not None:
            try:
                checkpoint.verify(key)
            except SignatureError as err:
                problems.append(str(err))
    else:
        problems.append("没有可核验的签名树头")
    report.add("authenticity", "lawtrail.checkpoint_signature", "签名树头签名", problems,
               f"签名树头({checkpoint.describe() if checkpoint else ''})签名有效")

    entries: dict[int, dict[str, Any]] = {}
    problems = []
    for raw in (extract or {}).get("entries", []):
        try:
            index = raw["index"]
            canonical = base64.b64decode(raw["canonical"], validate=True)
            audit = [bytes.fromhex(h) for h in raw["inclusion_path"]]
            data = parse_entry(canonical)
        except (KeyError, TypeError, ValueError) as err:
            problems.append(f"账本条目无法读取:{err}")
            continue
        if data["seq"] != index:
            problems.append(f"条目 #{index} 自身记载的序号是 {data['seq']}")
            continue
        if checkpoint is None:
            continue
        try:
            verify_inclusion(leaf_hash(canonical), index, checkpoint.tree_size, audit, checkpoint.root_hash)
        except ProofError as err:
            problems.append(f"条目 #{index} 的包含证明不成立:{err}")
            continue
        entries[index] = data
    report.add("authenticity", "lawtrail.ledger_proofs", "账本条目包含证明", problems,
               f"{len(entries)} 条账本条目均包含在签名树头中")

    # ---- authenticity: every file is what the signed ledger recorded
    problems = []
    for item in items:
        seq, entry = item.get("seq"), entries.get(item.get("ledger_entry"))  # type: ignore[arg-type]
        if entry is None:
            problems.append(f"卷内第 {seq} 项引用的账本条目 #{item.get('ledger_entry')} 不在包内或未通过证明")
            continue
        payload = entry.get("payload") or {}
        obj = entry.get("object") or {}
        if item.get("kind") == "document":
            anchored = entry.get("action") == "document.issue" and payload.get("document_id") == item.get("id")
        elif item.get("kind") == "record":
            anchored = entry.get("action") == "text_record.register" and obj.get("id") == str(item.get("id"))
        else:
            anchored = entry.get("action") == "evidence.ingest" and obj.get("id") == str(item.get("id"))
        if not anchored:
            problems.append(f"卷内第 {seq} 项引用的账本条目 #{item.get('ledger_entry')} 不是它的签发/入库记录")
        elif payload.get("sha256") != item.get("sha256"):
            problems.append(f"卷内第 {seq} 项的 SHA-256 与账本记录({str(payload.get('sha256'))[:16]}…)不符")
        elif entry.get("at") != item.get("recorded_at"):
            problems.append(f"卷内第 {seq} 项的时间 {item.get('recorded_at')} 与账本记录 {entry.get('at')} 不符")
    bind = entries.get(case_file.get("ledger_entry"))  # type: ignore[arg-type]
    bind_payload = (bind or {}).get("payload") or {}
    if bind is None or bind.get("action") != "case_file.bind":
        problems.append(f"案卷装订的账本条目 #{case_file.get('ledger_entry')} 不在包内或不是装订记录")
    else:
        if bind_payload.get("pdf_sha256") != case_file.get("sha256"):
            problems.append("案卷 PDF 的 SHA-256 与装订时账本记录的不符")
        if bind_payload.get("archive_no") != no:
            problems.append(f"档号与装订时账本记录的「{bind_payload.get('archive_no')}」不符")
        recorded = [[i.get("seq"), i.get("kind"), i.get("id"), i.get("sha256")] for i in items]
        if bind_payload.get("items") != recorded:
            problems.append("卷内目录与装订时账本记录的卷内目录不符")
    report.add("authenticity", "lawtrail.ledger_anchors", "文件与账本记录一致", problems,
               f"案卷 PDF 与 {len(items)} 项卷内文件的摘要、时间均与签名账本的记录一致")

    # ---- authenticity: each file's name, size, format and time match its metadata
    problems = []
    described = [dict(case_file, kind="case_file", seq="案卷"), *items]
    for item in described:
        path = str(item.get("path", ""))
        member = members.get(path)
        if member is None:
            problems.append(f"「{path}」不在包内")
            continue
        digests = bag.computed.get(path, {})
        if item.get("size") != member.size:
            problems.append(f"「{path}」大小 {member.size} 字节,元数据记载 {item.get('size')} 字节")
        if digests.get("sha256") and digests["sha256"] != item.get("sha256"):
            problems.append(f"「{path}」的 SHA-256 与元数据不符")
        if item.get("format") and formats.mime_for(path) != item.get("format"):
            problems.append(f"「{path}」的格式与元数据记载的 {item.get('format')} 不符")
        expected = _time(item.get("recorded_at") or case_file.get("bound_at"))
        if member.modified is not None and expected is not None and abs((member.modified - expected).total_seconds()) > 2:
            problems.append(f"「{path}」的文件时间 {member.modified:%Y-%m-%d %H:%M:%S}Z 与元数据不符")
    for path in members:
        if path.startswith(("data/documents/", "data/media/", "data/records/", "data/case-file/")) and \
                path not in {str(i.get("path")) for i in described}:
            problems.append(f"「{path}」未在元数据中描述")
    report.add("authenticity", "lawtrail.file_facts", "文件名称、大小、格式、时间与元数据一致", problems,
               f"{len(described)} 个文件的名称、大小、格式、时间均与元数据一致")

    # ---- integrity: history complete
    problems = []
    if bind is not None:
        case_id = case.get("id")
        before = [e for s, e in entries.items() if e.get("case") == case_id and s < bind["seq"]]
        expected_count = bind_payload.get("case_events")
        if not isinstance(expected_count, int) or len(before) < expected_count:
            problems.append(f"装订前本案应有 {expected_count} 条账本记录,包内只有 {len(before)} 条")
        moved = [e for e in entries.values() if e.get("action") == "case.transition"
                 and (e.get("payload") or {}).get("to") == "archived" and e.get("case") == case_id]
        if not moved:
            problems.append("包内没有案件转入「归档」的记录")
    else:
        problems.append("没有装订记录,无法核对历史记录")
    declared = ledger.get("entry_count")
    if declared != len((extract or {}).get("entries", [])):
        problems.append(f"元数据声明 {declared} 条账本条目,账本摘录中有 {len((extract or {}).get('entries', []))} 条")
    report.add("integrity", "lawtrail.history", "历史记录完整", problems,
               f"本案 {len(entries)} 条账本记录齐全(含装订与归档)")

    # ---- usability: every file opens in an approved format
    problems = []
    security_active: list[str] = []
    security_encrypted: list[str] = [f"「{m.path}」在 ZIP 中加密" for m in members.values() if m.encrypted]
    for path, member in sorted(members.items()):
        if not path.startswith("data/") or member.symlink or member.encrypted:
            continue
        with bag.source.open(path) as f:
            seekable: Any = f
            result = formats.probe(path, seekable, member.size)
        if result.problem:
            problems.append(f"「{path}」:{result.problem}")
        if result.encrypted:
            security_encrypted.append(f"「{path}」已加密")
        security_active += [f"「{path}」含{what}" for what in result.active]
        for item in described:
            if item.get("path") == path and item.get("pages") is not None and result.pages is not None \
                    and item["pages"] != result.pages:
                problems.append(f"「{path}」有 {result.pages} 页,元数据记载 {item['pages']} 页")
    report.add("usability", "lawtrail.formats", "文件可按认可格式打开", problems,
               "全部文件均可按 PDF、MP4/MOV/M4A、JPEG、PNG、WAV、MP3、MPEG-TS、JSON、HTML 打开")

    # ---- security
    report.add("security", "lawtrail.encrypted", "无加密内容", security_encrypted, "没有加密的文件或内容")
    names = [p for p in members if p.lower().endswith(formats.EXECUTABLE_SUFFIXES)]
    report.add("security", "lawtrail.executable", "无可执行内容",
               security_active + [f"「{p}」是可执行文件类型" for p in names], "没有可执行程序、脚本或 PDF 动作")
    listed = set(bag.manifests.get("sha256", {}))
    outside = [p for p in members if not p.startswith("data/") and p not in TAG_FILES]
    outside += [p for p in members if p.startswith("data/") and p not in listed]
    report.add("security", "lawtrail.outside", "包内无清单以外的文件", [f"「{p}」不属于载荷或标签文件" for p in outside],
               "包内只有载荷文件和 5 个标签文件")
    report.summary.update({"archive_no": no, "case_number": case.get("number"), "agency": meta.get("agency"),
                           "items": len(items), "ledger_entries": len(entries),
                           "tree_size": checkpoint.tree_size if checkpoint else None})
