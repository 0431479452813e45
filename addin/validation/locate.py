"""Where a record's field sits in its workbook: the cell address for a problem."""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from addin.problems import Problem
from addin.workbook.schema import STANDARD, Record


class Locator:
    """Builds problems that point at the cell of a record's field."""

    def __init__(self, submission: Any) -> None:
        self.file = submission.file
        self.columns: dict[str, dict[str, int]] = getattr(submission, "columns", {}) or {}
        self.info_rows: dict[str, int] = getattr(submission.info, "rows", {}) or {}
        self._sheets = {sheet.key: (sheet.name, {c.field: c.header for c in sheet.columns}) for sheet in STANDARD.sheets}
        self._record_key = STANDARD.record.key
        self._letters: dict[int, str] = {}
        """Column index → its letters (A1 addresses are letters + row)."""

    def cell(self, sheet_key: str, field: str | None, record: Record | None) -> str:
        if field is None or record is None:
            return ""
        if sheet_key == self._record_key:
            row = self.info_rows.get(field)
            return "" if row is None else f"B{row}"
        col = self.columns.get(sheet_key, {}).get(field)
        if col is None or record.origin.row <= 0:
            return ""
        letters = self._letters.get(col)
        if letters is None:
            letters = self._letters[col] = xl_rowcol_to_cell(0, col)[:-1]
        return f"{letters}{record.origin.row}"

    def problem(self, sheet_key: str, field: str | None, record: Record | None, code: str, message: str,
                severity: str = "error") -> Problem:
        name, headers = self._sheets[sheet_key]
        cell = self.cell(sheet_key, field, record)
        if sheet_key == self._record_key:
            row = self.info_rows.get(field) if field else None
        else:
            row = record.origin.row if record is not None and record.origin.row > 0 else None
        return Problem.quick(
            file=self.file, sheet=name, cell=cell, code=code, message=message, severity=severity,
            row=row, column=headers[field] if field else "",
        )
