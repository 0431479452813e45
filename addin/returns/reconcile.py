"""The group return's 对账 sheet (standard 2.1): every clue of the previous period of the
same kind (from the archive) with its state now — 办结并销号 / 办结未销号 / 在办 / 本期缺失 —
and the counts, so that the year-end 对账销号 check is a list, not a count (seed 002:
办结后予以对账销号; SASAC 2020: 问题线索对账销号管理).

``write_reconcile_sheet`` is called by ``addin.returns.group.GroupWriter.write``; the lines
come from the roll-up (``addin.rollup.numbering.reconcile``).
"""

from __future__ import annotations

from typing import Any

from addin.rollup.numbering import STATES, state_counts

RECONCILE_SHEET = "对账"
HEADERS = ("统一社会信用代码", "单位", "线索编号", "统一编号", "上期报告期", "上期办理阶段", "本期办理阶段", "本期状态")
WIDTHS = (20, 22, 16, 24, 13, 12, 12, 12)
COUNT_COLUMN = len(HEADERS) + 1  # one blank column, then 状态 | 线索数


def write_reconcile_sheet(writer: Any) -> None:
    """The 对账 sheet of a group return (``writer``: the ``GroupWriter``); with no archive
    (nothing to reconcile against) the sheet says so."""
    result = writer.result
    lines = result.reconciliation
    sheet = writer._sheet(RECONCILE_SHEET)
    wrap = writer.formats.get(text_wrap=True, valign="top")
    plain = writer.formats.get(valign="top")
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width, wrap if col == 1 else plain)
    sheet.set_column(COUNT_COLUMN, COUNT_COLUMN, 14)
    sheet.set_column(COUNT_COLUMN + 1, COUNT_COLUMN + 1, 9)
    counts = state_counts(lines or [])
    summary: list[tuple[str, Any]] = [("状态", "线索数"), *counts.items(), ("合计", sum(counts.values()))]
    note = ("上期各线索（档案中同类报告期的最近一期）在本期的状态" if lines is not None
            else "未指定档案（--archive），无法与上期对账")
    rows = lines or []
    # the list (an Excel Table) and, beside it, the counts: row by row (constant memory: in order)
    height = max(len(rows), len(summary) + 1)
    note_row = len(summary) + 1
    for row in range(0, height + 1):
        if row == note_row:
            sheet.set_row(row, 54)  # the note, wrapped over the two count columns
        if row == 0:
            sheet.write_row(0, 0, HEADERS, writer.plain_header)
        elif row <= len(rows):
            line = rows[row - 1]
            sheet.write_row(row, 0, (line.uscc, line.unit, line.clue_id, line.unified_id, line.previous_period,
                                     line.previous_stage, line.stage_now, line.state))
        if row < len(summary):
            label, value = summary[row]
            style = writer.plain_header if row == 0 else None
            sheet.write(row, COUNT_COLUMN, label, style)
            sheet.write(row, COUNT_COLUMN + 1, value, style)
        elif row == note_row:
            sheet.merge_range(row, COUNT_COLUMN, row, COUNT_COLUMN + 1, note, wrap)
    sheet.freeze_panes(1, 1)
    writer._table("Reconciliation", HEADERS, max(len(rows), 1))
    writer._setup(sheet, [*WIDTHS, 2, 14, 9], max(height, 1))


__all__ = ["RECONCILE_SHEET", "STATES", "write_reconcile_sheet"]
