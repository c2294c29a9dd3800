"""The verdict on a package: checks grouped by the four properties of electronic records.

真实性 authenticity, 完整性 integrity, 可用性 usability, 安全性 security — the properties
DA/T 70-2018《文书类电子档案检测一般要求》 checks an electronic record for. Each check has a
stable code (for scripts), a Chinese name and what it found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROPERTIES = {
    "authenticity": "真实性",
    "integrity": "完整性",
    "usability": "可用性",
    "security": "安全性",
}


@dataclass
class Check:
    prop: str
    code: str
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"property": self.prop, "code": self.code, "name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Report:
    package: str
    kind: str = "bagit"  # "lawtrail" once the LawTrail metadata is found
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def add(self, prop: str, code: str, name: str, problems: list[str], passed: str) -> bool:
        """A check that passes when `problems` is empty; its detail lists the first problems."""
        ok = not problems
        detail = passed if ok else ";".join(problems[:5]) + (f"(另有 {len(problems) - 5} 处)" if len(problems) > 5 else "")
        self.checks.append(Check(prop, code, name, ok, detail))
        return ok

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def as_dict(self) -> dict[str, Any]:
        return {
            "package": self.package, "kind": self.kind, "ok": self.ok,
            "properties": {p: {"name": label, "ok": all(c.ok for c in self.checks if c.prop == p),
                               "checks": [c.as_dict() for c in self.checks if c.prop == p]}
                           for p, label in PROPERTIES.items()},
            "failed": [c.code for c in self.failed],
            "warnings": self.warnings, "notes": self.notes, "summary": self.summary,
        }

    def lines(self) -> list[str]:
        kind = "LawTrail 归档包" if self.kind == "lawtrail" else "BagIt 包(未发现 LawTrail 元数据,只核验 BagIt 有效性)"
        out = [f"核验对象:{self.package}({kind})"]
        for p, label in PROPERTIES.items():
            checks = [c for c in self.checks if c.prop == p]
            if not checks:
                continue
            out.append(f"【{label}】{'通过' if all(c.ok for c in checks) else '未通过'}")
            out += [f"  {'✓' if c.ok else '✗'} {c.name}({c.code}):{c.detail}" for c in checks]
        out += [f"警告:{w}" for w in self.warnings]
        out += [f"注意:{n}" for n in self.notes]
        if self.ok:
            out.append("结论:全部核验通过")
        else:
            out.append("结论:核验未通过 — " + "、".join(f"{c.name}({c.code})" for c in self.failed))
        return out
