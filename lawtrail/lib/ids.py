"""Validation of Chinese identity numbers.

公民身份号码 (GB 11643-1999): 18 characters, ISO 7064 MOD 11-2 check character.
统一社会信用代码 (GB 32100-2015): 18 characters, MOD 31 check character over its alphabet.
"""

from __future__ import annotations

import datetime as dt

from lawtrail.lib import timez

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"

# The USCC alphabet leaves out I, O, Z, S and V, which read like digits.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problem(value: str) -> str | None:
    """Why `value` is not a valid 18-digit 公民身份号码, or None if it is."""
    v = value.strip().upper()
    if len(v) != 18:
        return "身份证号码应为 18 位"
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return "身份证号码前 17 位应为数字,末位为数字或 X"
    try:
        born = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if born.year < 1900 or born > timez.beijing(timez.now()).date():
        return "身份证号码中的出生日期无效"
    if id_check_char(v[:17]) != v[17]:
        return "身份证号码校验位不正确"
    return None


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """Why `value` is not a valid 统一社会信用代码, or None if it is."""
    v = value.strip().upper()
    if len(v) != 18:
        return "统一社会信用代码应为 18 位"
    if any(c not in USCC_ALPHABET for c in v):
        return "统一社会信用代码含有无效字符(不使用 I、O、Z、S、V)"
    if not v[2:8].isdigit():
        return "统一社会信用代码第 3–8 位应为行政区划代码"
    if uscc_check_char(v[:17]) != v[17]:
        return "统一社会信用代码校验位不正确"
    return None
