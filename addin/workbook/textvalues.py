"""What a clerk typed as text where a number or date belongs, and what it should be.

"120万元", "1,200.5", "１２０" (full-width), "50%" and "2026.3.5" are text in a cell
that must hold a number or a real date.  The validator reports them as errors; these
helpers say what the cell should hold instead ("应填写数字 120").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_UNIT_SUFFIX = re.compile(r"^(?P<number>.+?)\s*(?P<unit>亿元|万元|千元|元|万|亿|%|％)$")
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$")
_UNIT_FACTORS = {"亿元": 10000.0, "亿": 10000.0, "万元": 1.0, "万": 1.0, "千元": 0.1, "元": 0.0001}


def _normalise(text: str) -> tuple[str, list[str]]:
    """Full-width to half-width and thousands separators removed, with what was changed."""
    notes: list[str] = []
    folded = unicodedata.normalize("NFKC", text).strip()
    if folded != text.strip():
        notes.append("含全角字符")
    if re.search(r"\d,\d{3}", folded):
        folded = folded.replace(",", "")
        notes.append("含千分位逗号")
    return folded, notes


def read_number(text: str, percent: bool = False) -> tuple[float | None, bool, str]:
    """For a text cell in a number column: (the number it probably means, whether that is
    certain — the text is the number itself, only stored as text, with thousands
    separators or in full-width digits — and why the text is wrong).

    ``percent``: the column holds a ratio (0.5 = 50%), so "50%" means 0.5 for certain.
    A unit ("120万元") gives the number it probably means, but not for certain.
    """
    folded, notes = _normalise(text)
    value: float | None = None
    certain = False
    unit_match = _UNIT_SUFFIX.match(folded)
    if unit_match and _PLAIN_NUMBER.match(unit_match.group("number").replace(",", "")):
        number = float(unit_match.group("number").replace(",", ""))
        unit = unit_match.group("unit")
        if unit in ("%", "％"):
            value = number / 100 if percent else None
            certain = percent
            notes.append("带了百分号")
        else:
            value = round(number * _UNIT_FACTORS[unit], 6)
            notes.append(f"带了单位“{unit}”（本列单位已是万元）")
    elif _PLAIN_NUMBER.match(folded):
        value = float(folded)
        certain = True
        if not notes:
            notes.append("以文本格式存储")
    reason = "、".join(notes) if notes else "不是数字"
    return value, certain, reason


def suggest_number(text: str, percent: bool = False) -> tuple[float | None, str]:
    """For a text cell in a number column: (the number it probably means, why it is wrong)."""
    value, _, reason = read_number(text, percent)
    return value, reason


def shown_number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def number_message(header: str, text: str, percent: bool = False) -> str:
    value, reason = suggest_number(text, percent)
    if value is None:
        what = "比例（如 0.5 表示 50%）" if percent else "数字（单位万元，不带单位和千分位）"
        return f"{header}“{text}”{reason}，应填写{what}"
    return f"{header}“{text}”{reason}，应填写数字 {shown_number(value)}（设置为数值格式）"


def suggest_date(text: str) -> dt.date | None:
    folded, _ = _normalise(text)
    match = _DATE_TEXT.match(folded)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def date_message(header: str, text: str) -> str:
    day = suggest_date(text)
    if day is None:
        return f"{header}“{text}”不是日期，应填写真正的日期（如 2026-11-23，设置为日期格式）"
    return f"{header}“{text}”是文本，应填写日期 {day.isoformat()}（设置为日期格式）"
