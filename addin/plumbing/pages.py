"""Page setup by what a sheet holds, so every sheet of the returns prints readably.

A sheet is measured in points from its column widths (Excel's character widths, as
Excel and LibreOffice turn them into pixels), then given the smallest paper that takes
it at a readable scale: A4 portrait or landscape, else A3 landscape, else A3 landscape
on several pages wide with the first column(s) repeated — the scale never below about
``MIN_SCALE``.  Every sheet repeats its header row, has the sheet
name, unit and period in the page header and "第 N 页 共 M 页" in the footer, and a
print area that ends at its last row (no blank pages).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from xlsxwriter.worksheet import Worksheet

A4, A3 = 9, 8
"""xlsxwriter's paper codes."""
PAPER_POINTS = {A4: (595.0, 842.0), A3: (842.0, 1191.0)}
"""(short side, long side) in points."""
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = 0.4, 0.75, 0.6
"""Margins in inches; the page header and footer sit in the top and bottom margins."""
MIN_SCALE = 70
"""Percent: below it 10-point text prints under 7 points high."""
COUNT_SCALE = 72
"""Percent the pages across are counted at: LibreOffice draws a column about 3% wider than
``POINTS_PER_CHARACTER``, so its own fit to that many pages stays at about ``MIN_SCALE``
(measured: the blank template's 问题线索台账 on two A3 pages at 72%)."""
INTERNAL_MARK = "内部资料"
"""The page-header marking of a sheet that prints 身份证号码."""
ROW_POINTS = 15.0
"""The default row height the returns use (10-point 等线)."""
POINTS_PER_CHARACTER = 5.6
"""A column one character wide, in points: Excel draws 5.25 with 等线 (7 px a character
and 5 px padding, at 96 dpi), LibreOffice a little more with the face it puts in its
place; the pages are counted with the wider."""


def column_points(width: float) -> float:
    """A column ``width`` characters wide, in points (the wider rendering)."""
    return width * POINTS_PER_CHARACTER if width > 0 else 0.0


@dataclass(frozen=True)
class Layout:
    paper: int
    landscape: bool
    pages_wide: int
    pages_tall: int
    """0: as many as the rows need."""


WIDE_FIRST = ((A4, False), (A4, True), (A3, True))
"""Papers to try for a ledger (rows down, many columns)."""
TALL_FIRST = ((A4, False), (A3, False))
"""Papers to try for a summary (many rows of indicators, units across)."""


def _printable(paper: int, landscape: bool) -> tuple[float, float]:
    short, long = PAPER_POINTS[paper]
    width, height = (long, short) if landscape else (short, long)
    return width - 2 * MARGIN_SIDE * 72, height - (MARGIN_TOP + MARGIN_BOTTOM) * 72


def choose_layout(widths: Sequence[float], repeat_columns: int = 1, height: float | None = None,
                  papers: Sequence[tuple[int, bool]] = WIDE_FIRST) -> Layout:
    """The first of ``papers`` (paper, landscape) that takes the columns on one page width
    at a readable scale (≥ 85% on the smaller papers, ≥ ``MIN_SCALE`` on the last); else
    the last, several pages wide with the first ``repeat_columns`` repeated on each, the
    pages counted at ``COUNT_SCALE`` so the printing application's own fitting stays at
    about ``MIN_SCALE``.  Printed as "fit to N pages wide": Excel and LibreOffice each fit
    their own rendering.

    ``height``: the points of a short sheet (a summary), fitted to as few pages tall as
    keep the scale readable; None lets the rows run on."""
    total = sum(column_points(w) for w in widths)
    repeated = sum(column_points(w) for w in widths[:repeat_columns])

    def tall(paper: int, landscape: bool) -> int:
        if height is None:
            return 0
        printable = _printable(paper, landscape)[1]
        return max(1, math.ceil(height * 0.8 / printable))

    for paper, landscape in papers:
        printable = _printable(paper, landscape)[0]
        least = MIN_SCALE if (paper, landscape) == papers[-1] else 85
        if total * least / 100 <= printable:
            return Layout(paper, landscape, 1, tall(paper, landscape))
    paper, landscape = papers[-1]
    usable = _printable(paper, landscape)[0] / (COUNT_SCALE / 100) - repeated
    pages = max(2, math.ceil((total - repeated) / max(usable, 1.0)))
    return Layout(paper, landscape, pages, tall(paper, landscape))


def header_escape(text: str) -> str:
    """Text for a page header: ``&`` starts a header code, so a literal one is doubled."""
    return text.replace("&", "&&")


def _sized(text: str) -> str:
    """Header text after a font-size code (``&9``): a leading digit would be read as part of
    the size (``&92026年度``), so it is set off by a space."""
    text = header_escape(text)
    return " " + text if text[:1].isdigit() else text


HEADER_LIMIT = 255
"""Excel's limit on a page header's text (xlsxwriter drops a longer one, with only a warning)."""


def _header(unit: str, title: str, mark: str, period: str) -> str:
    """The page header: the unit at the left, the title in the middle, the period at the
    right — the longer of a unit name and a title too long for Excel's limit shortened with
    “…”, never the header dropped."""
    def text(left: str, middle: str) -> str:
        return f"&L&9{_sized(left)}&C&10{_sized(middle)}{mark}&R&9{_sized(period)}"

    while len(text(unit, title)) > HEADER_LIMIT and (unit or title):
        if len(unit) >= len(title):
            unit = unit[:-2] + "…" if len(unit) > 2 else ""
        else:
            title = title[:-2] + "…" if len(title) > 2 else ""
    return text(unit, title)


def page_setup(sheet: Worksheet, widths: Sequence[float], last_row: int, title: str, unit: str = "",
               period: str = "", repeat_columns: int = 1, header_rows: tuple[int, int] = (0, 0),
               height: float | None = None, papers: Sequence[tuple[int, bool]] = WIDE_FIRST,
               internal: bool = False) -> Layout:
    """Paper, scale, print titles, header and footer, and the print area (0-based,
    inclusive ``last_row``) of a sheet whose columns have ``widths``.  ``internal``: the
    sheet prints 身份证号码, and its page header says （内部资料） after the title."""
    layout = choose_layout(widths, repeat_columns, height, papers=papers)
    sheet.set_paper(layout.paper)
    if layout.landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_margins(left=MARGIN_SIDE, right=MARGIN_SIDE, top=MARGIN_TOP, bottom=MARGIN_BOTTOM)
    sheet.fit_to_pages(layout.pages_wide, layout.pages_tall)
    sheet.repeat_rows(*header_rows)
    if layout.pages_wide > 1 and repeat_columns:
        sheet.repeat_columns(0, repeat_columns - 1)
        sheet.print_across()  # the pages of the same rows follow each other
    mark = f" &B（{INTERNAL_MARK}）&B" if internal else ""
    sheet.set_header(_header(unit, title, mark, period), {"margin": 0.3})
    sheet.set_footer("&C&9第 &P 页 共 &N 页", {"margin": 0.25})
    sheet.print_area(0, 0, max(last_row, header_rows[1]), max(len(widths) - 1, 0))
    return layout
