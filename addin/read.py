"""Workbook → ``Submission``: typed records that remember their file, sheet and row.

Reads any workbook with the standard's sheet names and headers: made from the template,
re-saved by Excel, WPS or LibreOffice, or written by another tool.  Columns are found by
header in any order (full-width/half-width and spaces do not matter), extra columns are
ignored, blank rows are skipped, cached formula values are used and text is trimmed.
Bulk reading is python-calamine.

What cannot be read is a ``Problem`` (file, sheet, cell, stable code, Chinese message),
never an exception: a missing sheet or column, a cell whose value has the wrong type.
The validator builds on these records for everything else.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny
from python_calamine import CalamineError, CalamineWorkbook
from xlsxwriter.utility import xl_rowcol_to_cell

from udfs import vocab
from udfs.values import EXCEL_EPOCH

from addin.preflight import check_file
from addin.problems import Problem
from addin.schema import STANDARD, Column, ColumnType, InfoRecord, Origin, Record, Sheet, record_model

CALENDAR_SHEET = "工作日历"
HEADER_SEARCH_ROWS = 10
"""The header row is looked for among a sheet's first rows (row 1 in the standard)."""

_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$")
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_BLANKS = " \t\r\n\u3000\u00a0"


class Submission(BaseModel):
    """One workbook as read: the 填报信息 record, the ledgers' rows, and the problems."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: str
    info: SerializeAsAny[InfoRecord]
    ledgers: dict[str, list[SerializeAsAny[Record]]] = Field(default_factory=dict)
    """Rows by sheet key (``clues``, ``losses``, …) in sheet order."""
    problems: list[Problem] = Field(default_factory=list)
    calendar_days: list[dt.date] = Field(default_factory=list)
    """The dates listed in the workbook's 工作日历 sheet (empty when it has none)."""
    columns: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Where each column was found: sheet key → field → 0-based column index."""

    def rows(self, key: str) -> list[Record]:
        return self.ledgers.get(key, [])

    @property
    def ok(self) -> bool:
        """No problem of severity error."""
        return not any(p.severity == "error" for p in self.problems)


def normalise_header(text: object) -> str:
    """Headers compare without spaces and with full-width forms folded (（万元） = (万元))."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(folded.split())


def load_workbook(path: str | Path) -> Submission:
    """Read a workbook; every problem is in ``Submission.problems``."""
    file = Path(path)
    name = str(file)
    empty_info = record_model(STANDARD.record.key)(origin=Origin(file=name, sheet=STANDARD.record.name, row=0))
    unreadable = check_file(file)
    if unreadable is not None:
        problem = Problem(file=name, code=unreadable.code, message=unreadable.message)
        return Submission(file=name, info=empty_info, problems=[problem])  # type: ignore[arg-type]
    try:
        book = CalamineWorkbook.from_path(str(file))
    except (CalamineError, OSError, ValueError) as exc:
        problem = Problem(file=name, code="ZZ-READ-FILE", message=f"无法读取工作簿：{exc}")
        return Submission(file=name, info=empty_info, problems=[problem])  # type: ignore[arg-type]
    reader = _Reader(name, book)
    with book:
        info = reader.info()
        ledgers = {sheet.key: reader.ledger(sheet) for sheet in STANDARD.ledgers}
        calendar = reader.calendar()
    return Submission(file=name, info=info, ledgers=ledgers, problems=reader.problems,  # type: ignore[arg-type]
                      calendar_days=calendar, columns=reader.columns)


class _Reader:
    def __init__(self, file: str, book: CalamineWorkbook) -> None:
        self.file = file
        self.book = book
        self.problems: list[Problem] = []
        self.columns: dict[str, dict[str, int]] = {}
        self.names = {normalise_header(n): n for n in book.sheet_names}

    def problem(self, sheet: str, row: int | None, col: int | None, code: str, message: str,
                severity: str = "error") -> None:
        cell = "" if row is None or col is None else xl_rowcol_to_cell(row, col)
        self.problems.append(Problem(file=self.file, sheet=sheet, cell=cell, code=code, message=message,
                                     severity=severity))  # type: ignore[arg-type]

    def _grid(self, sheet: Sheet | str) -> list[list[Any]] | None:
        title = sheet if isinstance(sheet, str) else sheet.name
        actual = self.names.get(normalise_header(title))
        if actual is None:
            return None
        try:
            return self.book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        except CalamineError as exc:
            self.problem(title, None, None, "ZZ-READ-SHEET", f"工作表「{title}」无法读取：{exc}")
            return []

    # -- 填报信息 -------------------------------------------------------------------------------
    def info(self) -> InfoRecord:
        sheet = STANDARD.record
        model = record_model(sheet.key)
        grid = self._grid(sheet)
        if grid is None:
            self.problem(sheet.name, None, None, "ZZ-READ-SHEET-MISSING", f"缺少工作表「{sheet.name}」")
            return model(origin=Origin(file=self.file, sheet=sheet.name, row=0))  # type: ignore[return-value]
        wanted = {normalise_header(c.header): c for c in sheet.columns}
        values: dict[str, Any] = {}
        rows: dict[str, int] = {}
        for r, line in enumerate(grid):
            if not line:
                continue
            column = wanted.get(normalise_header(line[0])) if isinstance(line[0], str) else None
            if column is None or column.field in rows:
                continue
            rows[column.field] = r + 1
            raw = line[1] if len(line) > 1 else None
            values[column.field] = self.cell(sheet, column, raw, r, 1)
        for column in sheet.columns:
            if column.field not in rows and not column.computed:
                self.problem(sheet.name, None, None, "ZZ-READ-LABEL-MISSING",
                             f"「{sheet.name}」的A列缺少项目“{column.header}”")
        origin = Origin(file=self.file, sheet=sheet.name, row=min(rows.values(), default=0))
        return model(origin=origin, rows=rows, **values)  # type: ignore[return-value]

    # -- the ledgers ---------------------------------------------------------------------------
    def ledger(self, sheet: Sheet) -> list[Record]:
        grid = self._grid(sheet)
        if grid is None:
            self.problem(sheet.name, None, None, "ZZ-READ-SHEET-MISSING", f"缺少工作表「{sheet.name}」")
            return []
        header_row, positions = self._header(sheet, grid)
        if header_row is None:
            self.problem(sheet.name, None, None, "ZZ-READ-HEADER-MISSING",
                         f"「{sheet.name}」第1行没有找到本表的列标题（应为 {'、'.join(c.header for c in sheet.columns[:3])} 等）")
            return []
        self.columns[sheet.key] = positions
        used = set(positions.values())
        strays = {col: str(value) for col, value in enumerate(grid[header_row])
                  if col not in used and isinstance(value, str) and value.strip()}
        for column in sheet.columns:
            if column.field not in positions:
                severity = "warning" if column.computed else "error"
                hint = ""
                guess = difflib.get_close_matches(normalise_header(column.header),
                                                  [normalise_header(v) for v in strays.values()], n=1, cutoff=0.5)
                if guess:
                    col, found = next((c, v) for c, v in strays.items() if normalise_header(v) == guess[0])
                    hint = f"；第{header_row + 1}行{xl_rowcol_to_cell(header_row, col)}单元格为“{found}”，是否被改了名？请改回“{column.header}”"
                self.problem(sheet.name, header_row, None, "ZZ-READ-HEADER-MISSING",
                             f"「{sheet.name}」缺少列“{column.header}”{hint}", severity)
        model = record_model(sheet.key)
        inputs = [(c, positions[c.field]) for c in sheet.input_columns if c.field in positions]
        records: list[Record] = []
        for r in range(header_row + 1, len(grid)):
            line = grid[r]
            if all(_blank(_at(line, col)) for _, col in inputs):
                continue
            values = {
                column.field: self.cell(sheet, column, _at(line, col), r, col)
                for column in sheet.columns
                if (col := positions.get(column.field)) is not None
            }
            records.append(model(origin=Origin(file=self.file, sheet=sheet.name, row=r + 1), **values))
        return records

    def _header(self, sheet: Sheet, grid: list[list[Any]]) -> tuple[int | None, dict[str, int]]:
        """The header row (0-based): the one of the first rows naming most of the columns."""
        wanted = {normalise_header(c.header): c for c in sheet.columns}
        best: tuple[int | None, list[tuple[int, Column]]] = (None, [])
        for r, line in enumerate(grid[:HEADER_SEARCH_ROWS]):
            found = [(col, wanted[key]) for col, value in enumerate(line)
                     if isinstance(value, str) and (key := normalise_header(value)) in wanted]
            if len({c.field for _, c in found}) > len({c.field for _, c in best[1]}):
                best = (r, found)
        row, found = best
        positions: dict[str, int] = {}
        for col, column in found:
            if column.field in positions:
                self.problem(sheet.name, row, col, "ZZ-READ-HEADER-DUPLICATE",
                             f"「{sheet.name}」的列“{column.header}”出现了两次，只读取第一次出现的那一列", "warning")
            else:
                positions[column.field] = col
        return row, positions

    # -- 工作日历 ----------------------------------------------------------------------------------
    def calendar(self) -> list[dt.date]:
        grid = self._grid(CALENDAR_SHEET)
        if not grid:
            return []
        days: list[dt.date] = []
        for line in grid[1:]:
            value = _at(line, 0)
            if isinstance(value, dt.datetime):
                days.append(value.date())
            elif isinstance(value, dt.date):
                days.append(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
                days.append(EXCEL_EPOCH + dt.timedelta(days=int(value)))
        return days

    # -- one cell ------------------------------------------------------------------------------------
    def cell(self, sheet: Sheet, column: Column, raw: Any, row: int, col: int) -> Any:
        """The typed value of a cell, or None with a problem recorded."""
        if isinstance(raw, str):
            raw = raw.strip(_BLANKS)
        if _blank(raw):
            return None
        if column.computed and isinstance(raw, str) and raw.startswith("#"):
            self.problem(sheet.name, row, col, "ZZ-READ-FORMULA-ERROR", f"“{column.header}”显示错误：{raw}")
            return None
        try:
            return _CONVERTERS[column.type](raw, column)
        except _Unreadable as exc:
            self.problem(sheet.name, row, col, exc.code, exc.message, exc.severity)
            return exc.value


class _Unreadable(Exception):
    def __init__(self, code: str, message: str, value: Any = None, severity: str = "error") -> None:
        super().__init__(message)
        self.code, self.message, self.value, self.severity = code, message, value, severity


def _at(line: list[Any], col: int) -> Any:
    return line[col] if col < len(line) else None


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip(_BLANKS) == ""
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _text(raw: Any, column: Column) -> str:
    if isinstance(raw, bool):
        return vocab.YES if raw else vocab.NO
    if isinstance(raw, float):
        if raw.is_integer():
            text = str(int(raw))
            if column.check is not None and abs(raw) >= 1e15:
                raise _Unreadable("ZZ-READ-TEXT-AS-NUMBER",
                                  f"“{column.header}”存成了数字 {text}，末几位可能已丢失；请把单元格设为文本格式后重新录入",
                                  text)
            return text
        return repr(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    return str(raw)


def _date(raw: Any, column: Column) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:
            return EXCEL_EPOCH + dt.timedelta(days=int(raw))
    if isinstance(raw, str):
        match = _DATE_TEXT.match(unicodedata.normalize("NFKC", raw))
        if match:
            try:
                day = dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                pass
            else:
                raise _Unreadable("ZZ-READ-TEXT-DATE",
                                  f"“{column.header}”的“{raw}”是文本，应为日期格式（已按 {day.isoformat()} 读取）",
                                  day, "warning")
    raise _Unreadable("ZZ-READ-DATE", f"“{column.header}”的“{_shown(raw)}”不是日期，应填写如 2026-11-23 的日期")


def _number(raw: Any, column: Column) -> float:
    if isinstance(raw, bool):
        raise _Unreadable("ZZ-READ-NUMBER", f"“{column.header}”不能是逻辑值 {raw}")
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).replace(",", "").strip()
        percent = column.type is ColumnType.PERCENT and text.endswith("%")
        body = text[:-1].strip() if percent else text
        if _NUMBER_TEXT.match(body):
            value = float(body) / 100 if percent else float(body)
            raise _Unreadable("ZZ-READ-TEXT-NUMBER",
                              f"“{column.header}”的“{raw}”是文本，应为数值格式（已按 {value:g} 读取）", value, "warning")
    what = "比例（如 0.5 或 50%）" if column.type is ColumnType.PERCENT else "数字（单位万元，不带单位和千分位）"
    raise _Unreadable("ZZ-READ-NUMBER", f"“{column.header}”的“{_shown(raw)}”不是数字，应填写{what}")


def _integer(raw: Any, column: Column) -> int:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"\d+", unicodedata.normalize("NFKC", raw).strip()):
        value = int(unicodedata.normalize("NFKC", raw).strip())
        raise _Unreadable("ZZ-READ-TEXT-NUMBER", f"“{column.header}”的“{raw}”是文本，应为数值格式（已按 {value} 读取）",
                          value, "warning")
    raise _Unreadable("ZZ-READ-INTEGER", f"“{column.header}”的“{_shown(raw)}”不是整数，应填写如 2026 的整数")


def _flag(raw: Any, column: Column) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw in (vocab.YES, vocab.NO):
        return raw == vocab.YES
    raise _Unreadable("ZZ-READ-FLAG", f"“{column.header}”应填 是 或 否，而不是“{_shown(raw)}”")


_CONVERTERS = {
    ColumnType.TEXT: _text,
    ColumnType.ENUM: _text,
    ColumnType.DATE: _date,
    ColumnType.NUMBER: _number,
    ColumnType.PERCENT: _number,
    ColumnType.INTEGER: _integer,
    ColumnType.FLAG: _flag,
}


def problems_at(submission: Submission, sheet: str, codes: Iterable[str] | None = None) -> list[Problem]:
    """The problems of one sheet (optionally only some codes)."""
    wanted = set(codes) if codes is not None else None
    return [p for p in submission.problems if p.sheet == sheet and (wanted is None or p.code in wanted)]
