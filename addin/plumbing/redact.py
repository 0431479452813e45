"""One redaction for every text the project writes: a 身份证号码 in any written form is masked.

    find_ids(text)   the ID numbers in ``text``: where they are and what they read as
    redact(text)     ``text`` with each of them masked (first 4 and last 4 kept)
    mask(number)     the mask itself (also the 禁入查询's masked ID)
    redact_json / redacted_console / RedactingFilter   the same at the JSON, console and log boundaries

What counts as "an ID in any written form".  The text is read as a sequence of tokens:

* a digit of any script (``unicodedata.digit``: half/full width, Arabic-Indic, Devanagari,
  circled ①, superscript ¹, subscript ₁, ⑴ ⒈ ❶ …), a Chinese numeral (〇 零 一…九,
  壹 贰 叁 … 玖, any character whose numeric value is a single digit), or X/x/Ｘ/ｘ;
* between tokens, up to three separators are skipped: spaces of every kind (no-break,
  ideographic, tab, line break), invisible format characters (zero-width space, BOM, soft
  hyphen), and punctuation (colon, comma, hyphen, dash, dot, parentheses, quotes …);
* anything else (a letter, a Chinese character, a fourth separator) ends the run.

In each run it looks for

1. a valid 18-character ID anywhere — inside a longer run too: first character 1–9,
   17 digits then a digit or X, a birth date between 1900 and today, and the GB 11643
   check character right;
2. a run (or a group of digits without separators) of exactly 18 characters shaped like
   an ID with a plausible birth date (18xx–20xx, month 01–12, day 01–31) even when the
   check character is wrong — a mistyped ID quoted in an error message is still an ID;
3. a run (or group) of exactly 15 digits shaped like an old ID (first digit 1–9, a
   YYMMDD birth date at positions 7–12).

Ordinary numbers stay: an amount, a date, a phone number, a 统一社会信用代码 (it has
letters, or no plausible date at the ID's date position) do not meet these rules.  The
mask replaces the whole original span (separators included) by the number as read, with
all but its first 4 and last 4 characters as ``*``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator, TextIO

from udfs.identity import id_check_char

MAX_SEPARATORS = 3
_X = frozenset("XxＸｘ")
_BREAKS = frozenset("*＊")  # a masked ID's stars never join two runs
_SKIPPED_CATEGORIES = ("Z", "C", "P")


@dataclass(frozen=True)
class FoundId:
    start: int  # span in the original text: text[start:end]
    end: int
    number: str  # as read: ASCII digits, X upper-case
    valid: bool  # the check character is right (rule 1)


def mask(number: str) -> str:
    """``1101**********002X``: the first 4 and last 4 characters kept (shorter: all stars)."""
    value = str(number or "")
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def _digit(char: str) -> str | None:
    value = unicodedata.digit(char, None)
    if value is None:
        number = unicodedata.numeric(char, None)
        if number is None or number != int(number) or not 0 <= number <= 9:
            return None
        value = int(number)
    return str(value)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], Any]:
    """The quick scan's two patterns: the runs (``_runs_pattern``) and a test that the text
    holds at least 15 of their characters — an ID has 15 or 18, so a text with fewer is
    left after one pass in C (most cells and messages: names, dates, amounts)."""
    others = "".join(ch for ch in map(chr, range(0x80, 0x10000))
                     if ch.isnumeric() and not ch.isdecimal() and _digit(ch) is not None)
    chars = f"\\d{re.escape(others)}XxＸｘ"
    token = f"[{chars}]"
    gap = r"(?:[^\w*＊]|_)"
    runs = re.compile(f"{token}(?:{gap}{{0,{MAX_SEPARATORS}}}+{token})*+")
    enough = re.compile(f"(?:[^{chars}]*+{token}){{15}}")  # possessive: one pass, no backtracking
    return runs, enough.match


def _runs_pattern() -> re.Pattern[str]:
    """Maximal runs of digit-like characters with at most three non-word characters between
    neighbours — a superset of the exact scan's runs (its characters are a superset, its
    gaps too), found without backtracking.  A text with no such run of 15 characters or
    more holds no ID and is left at once: most messages and cells."""
    return _patterns()[0]


def holds_digits_run(text: str) -> bool:
    """Might ``text`` hold an ID number (a run of 15 digit-like characters or more)?  When
    not, ``redact`` leaves it as it is, whatever the day."""
    return len(text) >= 15 and bool(_candidate_spans(text))


def _candidate_spans(text: str) -> list[tuple[int, int]]:
    runs, enough = _patterns()
    if enough(text) is None:  # fewer than 15 digit-like characters: no run can hold an ID
        return []
    return [m.span() for m in runs.finditer(text) if m.end() - m.start() >= 15]


Token = tuple[str, int, int]  # (character as read, run group, origin index)


def _runs(text: str) -> list[list[Token]]:
    runs: list[list[Token]] = []
    current: list[Token] = []
    group = 0
    gap = 0
    for index, char in enumerate(text):
        read = "X" if char in _X else _digit(char)
        if read is not None:
            if gap and current:
                group += 1
            current.append((read, group, index))
            gap = 0
            if read == "X":  # X ends an ID: nothing after it belongs to the same number
                runs.append(current)
                current, gap = [], 0
            continue
        if current and char not in _BREAKS and unicodedata.category(char)[0] in _SKIPPED_CATEGORIES:
            gap += 1
            if gap <= MAX_SEPARATORS:
                continue
        if current:
            runs.append(current)
        current, gap = [], 0
    if current:
        runs.append(current)
    return runs


def _born(year: int, month: int, day: int, today: dt.date) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year and born <= today


def _valid18(chars: str, today: dt.date) -> bool:
    if chars[0] == "0" or not chars[:17].isdigit():
        return False
    if not _born(int(chars[6:10]), int(chars[10:12]), int(chars[12:14]), today):
        return False
    return id_check_char(chars[:17]) == chars[17]


def _shaped18(chars: str) -> bool:
    return (len(chars) == 18 and chars[0] != "0" and chars[:17].isdigit() and chars[6:8] in ("18", "19", "20")
            and "01" <= chars[10:12] <= "12" and "01" <= chars[12:14] <= "31")


def _shaped15(chars: str) -> bool:
    return (len(chars) == 15 and chars.isdigit() and chars[0] != "0" and "01" <= chars[8:10] <= "12"
            and "01" <= chars[10:12] <= "31")


def find_ids(text: str, today: dt.date | None = None) -> list[FoundId]:
    """Every ID number in ``text`` (see the module's rules), in order, not overlapping."""
    if len(text) < 15:
        return []
    spans = _candidate_spans(text)
    if not spans:
        return []
    day = today or dt.date.today()
    found: list[FoundId] = []
    runs = []
    for start, end in spans:  # the exact scan only where the quick one found a long enough run
        runs.extend([(c, g, i + start) for c, g, i in run] for run in _runs(text[start:end]))
    for run in runs:
        if len(run) < 15:
            continue
        chars = "".join(t[0] for t in run)
        taken = [False] * len(run)
        hits: list[tuple[int, int, bool]] = []
        i = 0
        while i + 18 <= len(chars):
            if _valid18(chars[i:i + 18], day):
                hits.append((i, i + 18, True))
                for k in range(i, i + 18):
                    taken[k] = True
                i += 18
            else:
                i += 1
        candidates = [(0, len(run))]
        start = 0
        for k in range(1, len(run) + 1):
            if k == len(run) or run[k][1] != run[start][1]:
                candidates.append((start, k))
                start = k
        for a, b in candidates:
            piece = chars[a:b]
            if any(taken[a:b]) or not (_shaped18(piece) or _shaped15(piece)):
                continue
            hits.append((a, b, False))
            for k in range(a, b):
                taken[k] = True
        for a, b, valid in hits:
            found.append(FoundId(run[a][2], run[b - 1][2] + 1, chars[a:b], valid))
    found.sort(key=lambda f: f.start)
    return found


def redact(text: str, today: dt.date | None = None) -> str:
    """``text`` with every ID number found masked; anything else unchanged."""
    if not isinstance(text, str):
        return text
    hits = find_ids(text, today)
    if not hits:
        return text
    parts: list[str] = []
    at = 0
    for hit in hits:
        if hit.start < at:
            continue
        parts.append(text[at:hit.start])
        parts.append(mask(hit.number))
        at = hit.end
    parts.append(text[at:])
    return "".join(parts)


def redact_value(value: object) -> object:
    """A cell's value: strings redacted, anything else as it is."""
    return redact(value) if isinstance(value, str) else value


class RedactingStream:
    """A text stream whose every ``write`` passes ``redact`` (the console: stdout, stderr);
    everything else is the wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def redacted_console() -> Iterator[None]:
    """While inside: ``sys.stdout`` and ``sys.stderr`` redact what is written to them."""
    saved = sys.stdout, sys.stderr
    sys.stdout = RedactingStream(saved[0])  # type: ignore[assignment]
    sys.stderr = RedactingStream(saved[1])  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class RedactingFilter(logging.Filter):
    """A logging filter that masks ID numbers in the formatted message (logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact_json(value: Any) -> Any:
    """A JSON-shaped value with every string in it (keys too) redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_json(k): redact_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_json(v) for v in value]
    return value
