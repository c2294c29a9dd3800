"""档号 (archival reference code): how LawTrail writes it and how it is checked.

    <全宗号>-<年度>-<保管期限代码>-<件号>        e.g. Q001-2026-D30-0007

Following DA/T 13-1994《档号编制规则》 (the 档号 is built from the fonds number, the
classification (here: the year) and the item number, joined by "-") and the codes of
DA/T 22-2015《归档文件整理规则》 for the retention period (Y 永久, D30 定期30年, D10 定期10年).
The 件号 has four digits (more once a year passes 9999 case files), gap-free per agency and year.
"""

from __future__ import annotations

import re

RETENTION_CODES = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
ARCHIVE_NO = re.compile(r"^(?P<fonds>[A-Z0-9]{1,8})-(?P<year>(?:19|20)\d{2})-(?P<retention>Y|D30|D10)-(?P<seq>\d{4,6})$")


def format_archive_no(fonds: str, year: int, retention: str, seq: int) -> str:
    return f"{fonds}-{year}-{retention}-{seq:04d}"


def archive_no_problem(value: object) -> str | None:
    """Why `value` is not a well-formed 档号, or None."""
    if not isinstance(value, str) or not ARCHIVE_NO.match(value):
        return f"档号「{value}」不符合「全宗号-年度-保管期限(Y/D30/D10)-件号」的格式"
    if int(ARCHIVE_NO.match(value).group("seq")) < 1:  # type: ignore[union-attr]
        return f"档号「{value}」的件号应从 0001 起"
    return None
