"""How facts are written in an official document: dates, amounts, numbering, names.

Dates are written in full with Arabic numerals and without padding (2026年3月2日, as
GB/T 9704-2012 7.3.5.1 asks of 成文日期); amounts in 万元 with thousands separators
(1,234.56万元); structure numbers 一、（一）1．（1）.  Free text from the ledgers passes
through ``Redactor`` so a 身份证号码 typed into a summary never reaches a document.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from addin.plumbing.redact import mask, redact

_DIGITS = "零一二三四五六七八九"


def chinese_date(day: dt.date) -> str:
    """2026年11月23日."""
    return f"{day.year}年{day.month}月{day.day}日"


def money(amount: float) -> str:
    """1,234.56: 万元 to 2 decimals, rounded half up, with thousands separators — as the
    returns show money (``addin.rollup.indicators.display_value``: the ledger may hold
    56.315, a form shows 56.32)."""
    shown = Decimal(repr(float(amount))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{shown:,.2f}"


def wan(amount: float) -> str:
    """1,234.56万元 (2 decimals, as on the forms)."""
    return f"{money(amount)}万元"


def percent(fraction: float) -> str:
    """0.5 → 50%; 0.125 → 12.5%."""
    text = f"{fraction * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (the 一、（一） numbering)."""
    if not 1 <= n <= 99:
        raise ValueError(f"序号 {n} 超出 1–99")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def sentence(text: str) -> str:
    """The text as a sentence: trimmed, ending in a Chinese full stop unless it already ends
    in closing punctuation."""
    text = text.strip()
    if not text:
        return text
    if text[-1] in "。！？；：…）)”』」】》":
        return text
    if text[-1] in ".,，、;":
        text = text[:-1]
    return text + "。"


_LEADING_SPACE = re.compile(r"^[\s\u3000]+")


def paragraphs(text: str) -> list[str]:
    """A cell's text as paragraphs: one per line, leading (full-width) spaces removed
    because the document indents every paragraph itself."""
    lines = re.split(r"\r\n|\r|\n", text)
    return [_LEADING_SPACE.sub("", line).rstrip() for line in lines if line.strip()]


def display_width(text: str) -> float:
    """Width in characters of the body font: full-width 1, half-width (digits, Latin) ½."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_name(text: str, limit: int = 60) -> str:
    """A piece of a file name that every file system accepts: no 身份证号码 (masked, its
    stars made ``_``), no path separators or reserved characters, no trailing dots or spaces, not a Windows device name."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", redact(text))).strip().strip(".").strip()
    cleaned = re.sub(r"\s+", " ", cleaned)[:limit].rstrip(". ")
    if not cleaned:
        return "未命名"
    if cleaned.upper().split(".")[0] in _WINDOWS_RESERVED:
        cleaned = "_" + cleaned
    return cleaned


class Redactor:
    """Masks 身份证号码 in text: the known numbers of the submission's people (whatever
    their shape), then every ID number in any written form (``addin.plumbing.redact``)."""

    def __init__(self, known: Iterable[str | None] = ()) -> None:
        numbers = sorted({n.strip() for n in known if n and len(n.strip()) >= 6}, key=len, reverse=True)
        self._known = [(re.compile(re.escape(n), re.IGNORECASE), mask(n.upper())) for n in numbers]

    def __call__(self, text: str) -> str:
        for pattern, masked in self._known:
            text = pattern.sub(masked, text)
        return redact(text)


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def word_safe(text: str) -> str:
    """Text Word can hold: control characters (an ``_x0001_`` in a cell) removed."""
    return _NOT_IN_XML.sub("", text)


UNCHECKED = "待核对"
UNCHECKED_RULE = f"（{UNCHECKED}：该项规定尚未与正式文本核对，定稿前请核对并删除本注）"
"""The highlighted note after a rule a profile has not checked (never plain text: it must
not slip through into a document that goes out)."""


def is_unchecked(*entries: object) -> bool:
    """An entry behind a rule was not compared with the official text."""
    return any(e is not None and not getattr(e, "checked", True) for e in entries)


def cite_rule(title: str, *entries: object) -> str:
    """The regulation cited for a rule: 《…》 (whether it was checked is for the caller to
    mark: ``is_unchecked`` → a highlighted ``UNCHECKED_RULE`` note)."""
    return cite(title)


def cite(title: str) -> str:
    """A regulation's title as cited in the text: 《name》（rest） — the profile titles are
    written "name（number, in force from …）"."""
    title = title.strip()
    if not title:
        return ""
    if title.startswith("《"):
        return title
    head, paren, rest = title.partition("（")
    return f"《{head}》" + (paren + rest if paren else "")


_GOOD_BREAK_AFTER = set("的于司面题和及与、）》〕")
_ASCII_WORD = re.compile(r"[0-9A-Za-z\-_.〔〕]")


def balanced_lines(text: str, per_line: float) -> list[str]:
    """Split a title into as few lines as fit ``per_line`` characters, balanced in length,
    breaking after a word end (的、于、公司、方面、问题 …) and never inside a number or code
    (GB/T 9704-2012 7.3.1: 回行时要做到词意完整，排列对称)."""
    text = text.strip()
    total = display_width(text)
    if total <= per_line or len(text) < 2:
        return [text]
    widths = [display_width(ch) for ch in text]
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    n = len(text)

    def cost(start: int, end: int, target: float) -> float:
        width = prefix[end] - prefix[start]
        if width > per_line:
            return math.inf
        penalty = 0.0
        if end < n:
            before, after = text[end - 1], text[end]
            if _ASCII_WORD.match(before) and _ASCII_WORD.match(after):
                return math.inf
            if before not in _GOOD_BREAK_AFTER:
                penalty = 100.0  # inside a word: only when nothing else fits
        return (width - target) ** 2 + penalty

    def split(count: int) -> tuple[float, list[int]] | None:
        target = total / count
        best: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [])}
        for lines in range(1, count + 1):
            for end in range(1, n + 1):
                options = [
                    (value + cost(start, end, target), breaks + [end])
                    for (used, start), (value, breaks) in best.items()
                    if used == lines - 1 and start < end
                ]
                choice = min(options, key=lambda item: item[0], default=None)
                if choice is not None and choice[0] < math.inf:
                    best[(lines, end)] = choice
        return best.get((count, n))

    fewest = math.ceil(total / per_line)
    candidates = []
    for count, extra_line_cost in ((fewest, 0.0), (fewest + 1, 30.0)):  # one more line only to keep words whole
        found = split(count)
        if found is not None:
            candidates.append((found[0] + extra_line_cost, found[1]))
    result = min(candidates, key=lambda item: item[0], default=None)
    if result is None:  # no acceptable breaks: fill lines greedily
        lines_out, current = [], ""
        for ch in text:
            if display_width(current + ch) > per_line:
                lines_out.append(current)
                current = ""
            current += ch
        return lines_out + [current]
    cuts = [0] + result[1]
    return [text[a:b] for a, b in zip(cuts, cuts[1:])]
