"""Argument coercion shared by every ZZ_ function.

Cells hand over floats, strings, booleans, datetimes or nothing; ``zhuize calc`` hands
over text.  These helpers turn them into the engine's types or raise ``ArgumentError``
with a Chinese message naming the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from udfs.errors import ArgumentError

EXCEL_EPOCH = dt.date(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (serial 1 = 1900-01-01 after the 1900 leap bug)."""

# what README promises, and nothing else: a cell and ``zhuize calc`` refuse Y/N, yes/no,
# 2026.3.5 and full-width digits alike (the validator reports them in a workbook)
_TRUE_WORDS = {"是", "TRUE"}
_FALSE_WORDS = {"否", "FALSE"}
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)"
                       r"(?:[ T]00:00(?::00)?)?$", re.ASCII)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)


def is_blank(value: Any) -> bool:
    """An empty cell: None, an empty or all-space string, or NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float):
        return math.isnan(value)
    return False


def serial_to_date(serial: float) -> dt.date:
    if serial < 1 or serial >= 2958466:
        raise ArgumentError(f"日期序号 {serial:g} 超出 Excel 的日期范围")
    if serial != int(serial):
        serial = math.floor(serial)
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def date_to_serial(value: dt.date) -> int:
    return (value - EXCEL_EPOCH).days


def to_date(value: Any, what: str = "日期") -> dt.date:
    """A real date, an Excel serial number or ISO text (2026-11-23, 2026/11/23, 2026年11月23日)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ArgumentError(f"{what}不能是逻辑值 {value!r}")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            raise ArgumentError(f"缺少{what}")
        return serial_to_date(float(value))
    if isinstance(value, str):
        text = value.strip()
        match = _ISO_DATE.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups() if g is not None)
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ArgumentError(f"{what} '{text}' 不是存在的日期") from None
        if _NUMBER.match(text):
            return serial_to_date(float(text))
        raise ArgumentError(f"{what} '{text}' 不是日期，应为 2026-11-23 这样的日期（半角数字）")
    if value is None:
        raise ArgumentError(f"缺少{what}")
    raise ArgumentError(f"{what}的值 {value!r} 无法识别")


def to_number(value: Any, what: str = "数值") -> float:
    """A plain number; numeric text such as '120.5' is accepted from the command line."""
    if isinstance(value, bool):
        raise ArgumentError(f"{what}不能是逻辑值 {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            raise ArgumentError(f"{what}不是有效数字")
        return number
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.match(text):
            number = float(text)
            if math.isinf(number):
                raise ArgumentError(f"{what} '{text}' 超出数值范围")
            return number
        raise ArgumentError(f"{what} '{text}' 不是数字，应填写纯数字（如 120.5），不带单位和千分位")
    if value is None:
        raise ArgumentError(f"缺少{what}")
    raise ArgumentError(f"{what}的值 {value!r} 不是数字")


MAX_DAY_COUNT = 100_000
"""Working-day counts beyond this many (about 400 years) are a mistake, not a deadline."""


def to_day_count(value: Any, what: str = "工作日数") -> int:
    """A whole number of days; fractions truncate toward zero, as Excel's WORKDAY does."""
    number = to_number(value, what)
    if abs(number) > MAX_DAY_COUNT:
        raise ArgumentError(f"{what} {number:g} 超出范围（绝对值不超过 {MAX_DAY_COUNT:,}）")
    return int(number)


def to_bool(value: Any, what: str = "是/否") -> bool:
    """是/否, TRUE/FALSE (any case), a logical value, the numbers 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().upper()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
    if value is None:
        raise ArgumentError(f"缺少{what}（应填 是 或 否）")
    raise ArgumentError(f"{what} 应填 是 或 否（或 TRUE/FALSE），而不是 '{value}'")


def to_text(value: Any, what: str = "文本") -> str:
    if value is None:
        raise ArgumentError(f"缺少{what}")
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).strip()


def to_choice(value: Any, choices: tuple[str, ...], what: str, aliases: dict[str, str] | None = None) -> str:
    """One of a closed list; the message names the value and the allowed ones."""
    text = "" if value is None else str(value).strip()
    if aliases and text in aliases:
        text = aliases[text]
    if text in choices:
        return text
    if not text:
        raise ArgumentError(f"缺少{what}（可选：{'、'.join(choices)}）")
    raise ArgumentError(f"未知{what} '{text}'（可选：{'、'.join(choices)}）")
