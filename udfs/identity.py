"""Identity checks: 居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015)."""

from __future__ import annotations

import datetime as dt
import re

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[1-9]\d{16}[\dXx]$")

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def id_problem(number: str, today: dt.date | None = None) -> str | None:
    """None when the 身份证号码 is valid, else what is wrong (Chinese)."""
    text = number.strip()
    if len(text) != 18:
        return f"身份证号码应为18位，现为{len(text)}位"
    if not _ID_SHAPE.match(text):
        return "身份证号码前17位应为数字、首位不为0，末位为数字或X"
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return f"身份证号码中的出生日期 {text[6:14]} 不是存在的日期"
    if born.year < 1900 or born > (today or dt.date.today()):
        return f"身份证号码中的出生日期 {born.isoformat()} 不合理"
    expected = id_check_char(text[:17])
    if text[17].upper() != expected:
        return f"身份证号码校验位应为 {expected}，现为 {text[17]}（号码可能抄错）"
    return None


def id_valid(number: str, today: dt.date | None = None) -> bool:
    return id_problem(number, today) is None


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None when the 统一社会信用代码 is valid, else what is wrong (Chinese)."""
    text = code.strip()
    if len(text) != 18:
        return f"统一社会信用代码应为18位，现为{len(text)}位"
    if not _USCC_SHAPE.match(text):
        return "统一社会信用代码只能含数字和大写字母（不含 I、O、Z、S、V），第3–8位为行政区划数字"
    expected = uscc_check_char(text[:17])
    if text[17] != expected:
        return f"统一社会信用代码校验位应为 {expected}，现为 {text[17]}（代码可能抄错）"
    return None


def uscc_valid(code: str) -> bool:
    return uscc_problem(code) is None
