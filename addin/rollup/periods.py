"""Reporting periods (报告年度 + 报告期) and their order."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from udfs.errors import ArgumentError

PERIOD_ENDS = {
    "第一季度": (3, 31),
    "上半年": (6, 30),
    "第二季度": (6, 30),
    "第三季度": (9, 30),
    "第四季度": (12, 31),
    "年度": (12, 31),
}
PERIOD_NAMES = tuple(PERIOD_ENDS)


def parse_date(text: str, what: str = "日期") -> dt.date:
    """A date given on the command line (2026-11-23)."""
    from udfs.values import to_date

    return to_date(text, what)


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period; ordered by its last day, then by name."""

    end: dt.date
    year: int
    name: str

    @classmethod
    def of(cls, year: int, name: str) -> "Period":
        if name not in PERIOD_ENDS:
            raise ArgumentError(f"未知报告期 '{name}'（可选：{'、'.join(PERIOD_NAMES)}）")
        month, day = PERIOD_ENDS[name]
        return cls(dt.date(year, month, day), year, name)

    @classmethod
    def parse(cls, text: str) -> "Period":
        """'2026-年度', '2026年度', '2026-第一季度'."""
        match = re.fullmatch(r"\s*(\d{4})\s*[-年/ ]?\s*(\S+?)\s*", text)
        if not match:
            raise ArgumentError(f"报告期 '{text}' 应写成 2026年度 或 2026年第一季度")
        name = match.group(2)
        if name == "度":  # "2026年度"
            name = "年度"
        return cls.of(int(match.group(1)), name)

    @property
    def label(self) -> str:
        """The stable key (the archive's, the summary JSON's, a workbook's 报告期 compared): 2026-年度."""
        return f"{self.year}-{self.name}"

    @property
    def text(self) -> str:
        """As a form or message shows it: 2026年度, 2026年第一季度."""
        return f"{self.year}年度" if self.name == "年度" else f"{self.year}年{self.name}"


def shown(label: str | None) -> str:
    """A period label (2026-年度) as forms and messages write it (2026年度); as it is when it
    is no period."""
    if not label:
        return ""
    try:
        return Period.parse(label).text
    except ArgumentError:
        return label
