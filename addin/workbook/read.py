"""Workbook → ``Submission``: typed records that remember their file, sheet and row.

Reads any workbook with the standard's sheet names and headers: made from the template,
re-saved by Excel, WPS or LibreOffice, or written by another tool.  Columns are found by
header in any order (full-width/half-width and spaces do not matter), extra columns are
ignored, blank rows are skipped, cached formula values are used and text is trimmed.
Bulk reading is python-calamine, after the preflight (``addin.workbook.preflight``) has found the
file safe to parse.

What cannot be read is a ``Problem`` (file, sheet, cell, stable code, Chinese message
saying what the cell should hold), never an exception: a missing sheet or column, a
renamed header, a cell whose value has the wrong type, a cell showing an error value.
The validator builds on these records for everything else.

Speed: cells are converted column by column with a fast path for the expected type
(a float in a number column, a date in a date column, …); only the odd cell takes the
slow path that explains what is wrong.  Records are built without re-validation — the
converters already give each field its schema type.
"""

from __future__ import annotations

import re

import datetime as dt
import difflib
import math
import unicodedata
from collections import namedtuple
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SerializeAsAny
from python_calamine import CalamineError, CalamineWorkbook
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell

from udfs import vocab
from udfs.values import EXCEL_EPOCH

from addin.plumbing.guard import path_text
from addin.plumbing.forked import Forked, can_fork
from addin.workbook.preflight import (Scan, formula_rows, open_book, readable_copy, scan_file, shared_index_cells,
                                      sheet_parts)
from addin.problems import Problem
from addin.workbook.schema import (EXPLANATIONS, SELF_CHECK, STANDARD, STANDARD_VERSION, Column, ColumnType, InfoRecord,
                                   Origin, Record, VERSIONS, Sheet, record_model, version_of)
from addin.workbook.textvalues import date_message, number_message, read_number, shown_number, suggest_date

CellChecks = Callable[["Submission", set[tuple[str, str]], list[str]], dict[str, list[Problem]]]
"""The validator's cell checks over a partly read submission: (submission, cells already
reported unreadable, ledger keys) → problems per ledger key."""

CALENDAR_SHEET = "工作日历"
HEADER_SEARCH_ROWS = 10
"""The header row is looked for among a sheet's first rows (row 1 in the standard)."""

_BLANKS = " \t\r\n\u3000\u00a0"
TEXT_VALUE_CODES = frozenset({"ZZ-READ-TEXT-NUMBER", "ZZ-READ-TEXT-DATE"})
"""A number or date stored as text: read, but an error for the validator."""
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
SELF_CHECK_COLUMNS: dict[str, str] = {s.name: xl_col_to_name(s.index(SELF_CHECK)) for s in STANDARD.ledgers
                                      if any(c.field == SELF_CHECK for c in s.columns)}
"""Sheet name → the column letter of 自查 in the standard (the preflight lists its formula cells)."""
"""Dates (and years) outside these are read errors: no clue, loss or filing is dated so
(a damaged value such as NaN shows as 1899-12-30)."""
_SLOW = object()
"""Marks a cell the fast path could not convert (it takes the slow path)."""


_CALENDAR_DAYS: dict[tuple[Any, ...], tuple[dt.date, ...]] = {}
"""工作日历 days by part key (``Submission._calendar_key``): a few templates' worth per process."""


class Submission(BaseModel):
    """One workbook as read: the 填报信息 record, the ledgers' rows, and the problems."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: str
    info: SerializeAsAny[InfoRecord]
    ledgers: dict[str, list[SerializeAsAny[Record]]] = Field(default_factory=dict)
    """Rows by sheet key (``clues``, ``losses``, …) in sheet order."""
    problems: list[Problem] = Field(default_factory=list)
    calendar_days: list[dt.date] | None = None
    """The dates listed in the workbook's 工作日历 sheet (empty when it has none); None
    until ``workbook_days`` reads them — most workbooks never need them (see there)."""
    columns: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Where each column was found: sheet key → field → 0-based column index.  A ledger
    (or 填报信息) that is missing has no entry; a column that is missing has no field."""
    version: float = STANDARD_VERSION
    """The standard version of the file (``schema.version_of`` its 模板版本): a v1 file's
    missing v2 columns, lines and sheets are no problem; their cells read as blank or
    at their stated default."""
    _typed: dict[str, dict[str, list[Any]]] = PrivateAttr(default_factory=dict)
    """The ledgers' typed columns as read (light rows only: they cannot change)."""
    _cells: dict[str, list[Problem]] = PrivateAttr(default_factory=dict)
    """Cell-check problems of some ledgers, found by the reading process (light rows only)."""
    _calendar_key: tuple[Any, ...] | None = PrivateAttr(default=None)
    """The 工作日历 part's (CRC-32, size) from the preflight (with workbook.xml's and styles.xml's): files made from one template
    share it, and its days are read once per process (``workbook_days``)."""

    def precomputed_cell_problems(self, key: str) -> list[Problem] | None:
        return self._cells.get(key)

    def typed_column(self, key: str, name: str) -> list[Any] | None:
        """One field's values over a ledger's rows, when kept from reading (else None)."""
        return self._typed.get(key, {}).get(name)

    def rows(self, key: str) -> list[Record]:
        return self.ledgers.get(key, [])

    def workbook_days(self) -> list[dt.date]:
        """The dates the workbook's 工作日历 lists, read on first use.

        They matter only for a year the engine's calendar lacks (``workbook_calendar``),
        so the reader leaves the sheet — a workbook's largest — unread until a
        computation asks for such a year.
        """
        if self.calendar_days is None:
            key = self._calendar_key
            cached = _CALENDAR_DAYS.get(key) if key is not None else None
            if cached is None:
                cached = tuple(read_calendar_days(self.file))
                if key is not None:
                    if len(_CALENDAR_DAYS) >= 16:
                        _CALENDAR_DAYS.pop(next(iter(_CALENDAR_DAYS)))
                    _CALENDAR_DAYS[key] = cached
            self.calendar_days = list(cached)
        return self.calendar_days

    @property
    def calendar_key(self) -> tuple[Any, ...] | None:
        """The 工作日历 part's (CRC-32, size), when the preflight saw it (see ``_calendar_key``)."""
        return self._calendar_key

    @property
    def ok(self) -> bool:
        """No problem of severity error."""
        return not any(p.severity == "error" for p in self.problems)


def normalise_header(text: object) -> str:
    """Headers compare without spaces and with full-width forms folded (（万元） = (万元))."""
    return _normalised(text if type(text) is str else str(text))


@lru_cache(maxsize=4096)
def _normalised(text: str) -> str:  # the same headers and sheet names, file after file
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split())


_COPY_MARKS = (
    re.compile(r"^(?:copyof|副本)(.+)$", re.IGNORECASE),
    re.compile(r"^(.+?)(?:\(\d+\)|-?副本\d*|-?copy\d*|-?\d+)$", re.IGNORECASE),
)


def copied_from(name: str, standard: dict[str, str]) -> str | None:
    """The standard sheet ``name`` looks like a copy of (``standard``: normalised → name), or None."""
    text = normalise_header(name)
    for _ in range(3):  # 「Copy of 问题线索台账 (2)」: peel each mark
        for mark in _COPY_MARKS:
            match = mark.match(text)
            if match:
                text = match.group(1)
                if text in standard:
                    return standard[text]
    return None


PARALLEL_BYTES = 24 * 1024 * 1024
"""Ledger sheets larger than this (inflated XML, in total) are read by two processes."""
_CHILD_SHARE = 0.56
"""The share of the ledgers' bytes the second process reads.  More than half: the first
one also reads 填报信息, builds the records and runs the checks across sheets, while the
child's bytes are mostly the clue ledger's formula text (cheap to pass over).  Measured on
bench_validate's 100,000-row workbook (validate in one warm process, best of two):
0.48 → 2.8–3.0 s, 0.56–0.58 → 2.3–2.4 s, 0.62 → 2.6 s, 0.70 → 3.0 s."""


def load_workbook(path: str | Path, parallel: bool | None = None, light: bool = False,
                  cell_checks: "CellChecks | None" = None, _bad: dict[str, dict[str, str]] | None = None
                  ) -> Submission:
    """Read a workbook; every problem is in ``Submission.problems``.

    ``parallel``: read the largest ledgers in a second process (forked; Linux only).
    Default: when the ledgers are large (see ``PARALLEL_BYTES``).  Either way the
    result is the same.

    ``light``: the ledgers' rows are read-only named tuples with the same attributes as
    the records (``row.clue_id``, ``row.origin.row``), ten times cheaper to build — for
    a caller that only checks them (``zhuize validate``).

    ``cell_checks`` (light rows only): the validator's cell checks, which a second reading
    process then runs on the ledgers it read (``Submission.precomputed_cell_problems``).
    The validator passes them in, so that reading never imports validation.
    """
    file = Path(path)
    name = path_text(file)
    child = _Child.start(file) if parallel is not False and can_fork() else None
    if child is not None and parallel is None and child.bytes < PARALLEL_BYTES:
        child = child.cancel()
    if child is not None and not child.started:
        child.cell_checks = cell_checks if light else None
        child = child.fork()
    try:
        scan = scan_file(file, skip=child.parts if child else frozenset(), formula_columns=SELF_CHECK_COLUMNS)
        if _bad:
            scan.bad_cells.update(_bad)
        if scan.unreadable is not None:
            problem = Problem(file=name, code=scan.unreadable.code, message=scan.unreadable.message)
            return _empty(name, [problem])
        with readable_copy(file, scan) as source:
            try:
                book = open_book(source)
            except (CalamineError, OSError, ValueError):
                return _empty(name, [Problem(file=name, code="ZZ-READ-FILE", message=_open_failure(file))])
            with book:
                reader = _Reader(name, book, scan)
                info = reader.info()
                reader.copied_sheets()
                ledgers: dict[str, list[Record]] = {}
                typed: dict[str, dict[str, list[Any]]] = {}
                cells: dict[str, list[Problem]] = {}
                for sheet in STANDARD.ledgers:
                    if child is None or sheet.key not in child.keys:
                        ledgers[sheet.key] = reader.ledger(sheet, light, typed)
        if child is not None:
            result = child.result()
            child = None
            if result.unreadable is not None:
                return _empty(name, [Problem(file=name, code=result.unreadable[0], message=result.unreadable[1])])
            reader.problems.extend(result.problems)
            reader.deferred.extend(result.deferred)
            reader.found_additions |= result.found_additions
            for key, (positions, data) in result.ledgers.items():
                sheet = STANDARD.sheet(key)
                if positions is not None:
                    reader.columns[key] = positions
                ledgers[key] = [] if data is None else build_records(name, sheet, data, light)
                if light and data is not None:
                    typed[key] = data.columns
            if light:
                cells = result.cells
        broken = {p.sheet for p in reader.problems if p.code == "ZZ-READ-SHEET"}
        if broken and _bad is None and child is None:
            # a sheet the parser refused: a shared-string index beyond the table? then it is
            # read again without those cells, each reported at its cell
            names = {normalise_header(n): n for n in scan.sheet_parts}
            parts = [scan.sheet_parts[names[key]] for key in map(normalise_header, broken) if key in names]
            found = shared_index_cells(file, parts)
            if found:
                return load_workbook(file, False, light, cell_checks, _bad=found)
        version = version_of(getattr(info, "template_version", None), reader.found_additions)
        # a v2 file must have the v2 columns (a 2.1 file the 2.1 ones); a v1 file never does
        reader.problems.extend(p for since, p in reader.deferred if since <= version)
        order = {sheet.name: index for index, sheet in enumerate(STANDARD.sheets)}
        problems = sorted(reader.problems, key=lambda p: order.get(p.sheet, len(order)))
        ledgers = {sheet.key: ledgers.get(sheet.key, []) for sheet in STANDARD.ledgers}
        columns = {key: reader.columns[key] for key in [STANDARD.record.key] + [s.key for s in STANDARD.ledgers]
                   if key in reader.columns}
        submission = Submission.model_construct(file=name, info=info, ledgers=ledgers, problems=problems,
                                                calendar_days=None, columns=columns, version=version)
        if light:
            submission._typed = typed
            submission._cells = cells
        calendar_part = {normalise_header(n): p for n, p in scan.sheet_parts.items()}.get(normalise_header(CALENDAR_SHEET))
        # the part's bytes, and what gives them meaning (workbook.xml: the 1904 date system; styles)
        keys = [scan.part_keys.get(p) for p in (calendar_part, "xl/workbook.xml", "xl/styles.xml")]
        submission._calendar_key = tuple(keys) if calendar_part and keys[0] is not None else None  # type: ignore[assignment]
        return submission
    finally:
        if child is not None:
            child.cancel()




@dataclass
class _ChildResult:
    unreadable: tuple[str, str] | None = None
    problems: list[Problem] = field(default_factory=list)
    ledgers: dict[str, tuple[dict[str, int] | None, _Ledger | None]] = field(default_factory=dict)
    cells: dict[str, list[Problem]] = field(default_factory=dict)
    deferred: list[tuple[float, Problem]] = field(default_factory=list)
    found_additions: bool = False


class _Child:
    """A forked process that preflights and reads some of the ledgers, returning their
    typed columns through a pipe (dates travel as ordinals)."""

    def __init__(self, file: Path, keys: list[str], parts: frozenset[str], size: int) -> None:
        self.file, self.keys, self.parts, self.bytes = file, keys, parts, size
        self.process: Forked | None = None
        self.started = False
        self.cell_checks: CellChecks | None = None

    @classmethod
    def start(cls, file: Path) -> "_Child | None":
        parts = sheet_parts(file)
        ledgers = [(parts[sheet.name][1], sheet.key, parts[sheet.name][0]) for sheet in STANDARD.ledgers
                   if sheet.name in parts]
        total = sum(size for size, _, _ in ledgers)
        if len(ledgers) < 2 or len({part for _, _, part in ledgers}) != len(ledgers):
            return None
        target = total * _CHILD_SHARE
        best: list[tuple[int, str, str]] = []
        for mask in range(1, (1 << len(ledgers)) - 1):  # six ledgers: 62 ways to split them
            subset = [entry for bit, entry in enumerate(ledgers) if mask >> bit & 1]
            if abs(sum(e[0] for e in subset) - target) < abs(sum(e[0] for e in best) - target) or not best:
                best = subset
        chosen = best
        return cls(file, [k for _, k, _ in chosen], frozenset(p for _, _, p in chosen), total)

    def fork(self) -> "_Child | None":
        def failed(exc: BaseException) -> _ChildResult:
            return _ChildResult(("ZZ-READ-FILE", f"无法读取工作簿：{type(exc).__name__}: {exc}"))

        process = Forked.start(lambda: _read_part(self.file, self.keys, self.parts, self.cell_checks), failed)
        if process is None:
            return None
        self.process, self.started = process, True
        return self

    def result(self) -> _ChildResult:
        assert self.process is not None
        result = self.process.result()
        self.process = None
        if result is None:  # the child died (a signal, out of memory) before it could answer
            return _ChildResult(("ZZ-READ-FILE", "读取工作簿时出错（读取进程异常退出），文件可能已损坏"))
        for _, data in result.ledgers.values():
            if data is not None:
                data.restore_dates()
        return result  # type: ignore[no-any-return]

    def cancel(self) -> None:
        if self.process is not None:
            self.process.cancel()
            self.process = None
        return None


def _read_part(file: Path, keys: list[str], parts: frozenset[str],
               cell_checks: "CellChecks | None" = None) -> _ChildResult:
    """What the second process does: preflight its parts (and the workbook's own), read
    its ledgers into typed columns (and, for the validator, run their cell checks)."""
    scan = scan_file(file, skip=frozenset(p for _, (p, _) in sheet_parts(file).items() if p not in parts),
                     formula_columns=SELF_CHECK_COLUMNS)
    if scan.unreadable is not None:
        return _ChildResult((scan.unreadable.code, scan.unreadable.message))
    result = _ChildResult()
    with readable_copy(file, scan) as source, open_book(source) as book:
        reader = _Reader(path_text(file), book, scan)
        for key in keys:
            sheet = STANDARD.sheet(key)
            grid = reader._grid(sheet)
            if grid is None:
                if sheet.since <= 1:
                    reader.problem(sheet.name, None, None, "ZZ-READ-SHEET-MISSING", f"缺少工作表「{sheet.name}」")
                result.ledgers[key] = (None, None)
                continue
            data = reader.ledger_data(sheet, grid)
            del grid
            result.ledgers[key] = (reader.columns.get(key), data)
    result.problems = reader.problems
    result.deferred = reader.deferred
    result.found_additions = reader.found_additions
    if cell_checks is not None:
        result.cells = _cell_checks(path_text(file), result, keys, cell_checks)
    for _, data in result.ledgers.values():
        if data is not None:
            data.pack_dates()
    return result


def _cell_checks(file: str, result: _ChildResult, keys: list[str], checks: "CellChecks") -> dict[str, list[Problem]]:
    """The cell checks of the ledgers one process read (what the validator's would find)."""
    ledgers = {key: build_records(file, STANDARD.sheet(key), data, light=True)
               for key, (_, data) in result.ledgers.items() if data is not None}
    columns = {key: positions for key, (positions, _) in result.ledgers.items() if positions is not None}
    info = record_model(STANDARD.record.key)(origin=Origin(file=file, sheet=STANDARD.record.name, row=0))
    part = Submission.model_construct(file=file, info=info, ledgers=ledgers, problems=result.problems, columns=columns)
    part._typed = {key: data.columns for key, (_, data) in result.ledgers.items() if data is not None}
    unread = {(p.sheet, p.cell) for p in result.problems
              if p.cell and (p.severity == "error" or p.code in TEXT_VALUE_CODES)}
    return checks(part, unread, [key for key in keys if key in ledgers])


def read_calendar_days(path: str | Path) -> list[dt.date]:
    """The dates column A of a workbook's 工作日历 lists ([] when it has none or cannot be read;
    the file was preflighted when it was loaded)."""
    try:
        book = open_book(path)
        with book:
            names = {normalise_header(n): n for n in book.sheet_names}
            actual = names.get(normalise_header(CALENDAR_SHEET))
            return _calendar_days(book.get_sheet_by_name(actual).to_python(skip_empty_area=False)) if actual else []
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - a damaged calendar sheet (even a parser panic): no days from it
        return []


def _open_failure(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods"):
        return (f"文件扩展名为 {suffix}，但内容是 .xlsx 工作簿（扩展名被改过）；请把扩展名改回 .xlsx，"
                "或用 Excel 打开后另存为 .xlsx 再报送")
    return "无法读取工作簿（文件可能已损坏）；请用 Excel 或 WPS 打开后另存为新的 .xlsx 再报送"


def _calendar_days(grid: list[list[Any]] | None) -> list[dt.date]:
    days: list[dt.date] = []
    for line in (grid or [])[1:]:
        value = _at(line, 0)
        if isinstance(value, dt.datetime):
            days.append(value.date())
        elif isinstance(value, dt.date):
            days.append(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
            days.append(EXCEL_EPOCH + dt.timedelta(days=int(value)))
    return days


def _empty(name: str, problems: list[Problem]) -> Submission:
    info = record_model(STANDARD.record.key)(origin=Origin(file=name, sheet=STANDARD.record.name, row=0))
    return Submission(file=name, info=info, problems=problems)  # type: ignore[arg-type]


empty_submission = _empty
"""A submission with nothing read but its problems (a file that cannot be read)."""


# -- building records without re-validation --------------------------------------------------

_set = object.__setattr__


def _construct(model: type[BaseModel], values: dict[str, Any]) -> Any:
    """``model.model_construct(**values)`` for values that already have their types."""
    record = model.__new__(model)
    _set(record, "__dict__", values)
    _set(record, "__pydantic_fields_set__", set(values))
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record


def _origin(file: str, sheet: str, row: int) -> Origin:
    return _construct(Origin, {"file": file, "sheet": sheet, "row": row})


@dataclass
class _Ledger:
    """One ledger as read: the data rows' numbers and typed columns."""

    rows: list[int] = field(default_factory=list)
    """1-based row numbers of the data rows."""
    columns: dict[str, list[Any]] = field(default_factory=dict)
    packed: list[str] = field(default_factory=list)

    def pack_dates(self) -> None:
        """Dates as ordinals and each distinct text once, to cross a pipe quickly."""
        memo: dict[str, str] = {}
        share = memo.setdefault
        for name, values in self.columns.items():
            if values and any(type(v) is str for v in values[:64]):
                self.columns[name] = [share(v, v) if type(v) is str else v for v in values]
                continue
            if dt.date in set(map(type, values)):  # a date column: dates and None only
                self.columns[name] = [None if v is None else v.toordinal() for v in values]
                self.packed.append(name)

    def restore_dates(self) -> None:
        for name in self.packed:
            values = self.columns[name]
            lookup = {v: None if v is None else dt.date.fromordinal(v) for v in set(values)}
            self.columns[name] = list(map(lookup.__getitem__, values))
        self.packed = []


class _Reader:
    def __init__(self, file: str, book: CalamineWorkbook, scan: Scan | None = None) -> None:
        self.file = file
        self.book = book
        self.scan = scan or Scan()
        self.problems: list[Problem] = []
        self.deferred: list[tuple[float, Problem]] = []
        """Problems about version 2's columns and lines: kept only for a v2 file."""
        self.found_additions = False
        """Some column, line or sheet of version 2 was found."""
        self.columns: dict[str, dict[str, int]] = {}
        self.names = {normalise_header(n): n for n in book.sheet_names}

    def problem(self, sheet: str, row: int | None, col: int | None, code: str, message: str,
                severity: str = "error", column: Column | None = None, deferred: float = 0,
                unkept: int = 0) -> None:
        """``deferred``: the version of the standard from which the problem counts (a column
        that version added: only a file of that version or later must have it)."""
        cell = "" if row is None or col is None else xl_rowcol_to_cell(row, col)
        problem = Problem(
            file=self.file, sheet=sheet, cell=cell, code=code, message=message, severity=severity,  # type: ignore[arg-type]
            row=None if row is None or col is None else row + 1, column=column.header if column else "",
            unkept_rows=unkept)
        if deferred > 1:
            self.deferred.append((deferred, problem))
        else:
            self.problems.append(problem)

    def _grid(self, sheet: Sheet | str) -> list[list[Any]] | None:
        title = sheet if isinstance(sheet, str) else sheet.name
        actual = self.names.get(normalise_header(title))
        if actual is None:
            return None
        try:
            return self.book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        except CalamineError:
            self.problem(title, None, None, "ZZ-READ-SHEET",
                         f"工作表「{title}」已损坏，无法读取；请用 Excel 或 WPS 打开后另存为新的 .xlsx 再报送")
            return []

    def _bad_values(self, title: str, column_at: Callable[[int, int], Column | None]) -> None:
        """Cells the preflight found holding a value no reader should see (NaN, ±inf, an
        impossible shared-string index): read as blank, reported here at their cell."""
        actual = self.names.get(normalise_header(title))
        for cell, why in (self.scan.bad_cells_of_sheet(actual) if actual else {}).items():
            row, col = xl_cell_to_rowcol(cell)
            column = column_at(row, col)
            what = f"“{column.header}”" if column else "此单元格"
            self.problem(title, row, col, "ZZ-READ-BAD-VALUE", f"{what}：{why}；请重新填写{_what(column) if column else '正确的内容'}",
                         column=column)

    def _count_unread_rows(self, title: str, grid: list[list[Any]], header_row: int, data_rows: list[int]) -> None:
        """Columns missing from the header (an error): rows with content only in the columns
        not found are not read — counted on that error among the rows the file holds."""
        at = next((k for k, p in enumerate(self.problems)
                   if p.code == "ZZ-READ-HEADER-MISSING" and p.sheet == title and p.severity == "error"), None)
        if at is None:
            return
        kept = set(data_rows)
        unread = sum(1 for r in range(header_row + 1, len(grid))
                     if r not in kept and not all(_blank(v) for v in grid[r]))
        if unread:
            problem = self.problems[at]
            self.problems[at] = problem.model_copy(update={"unkept_rows": problem.unkept_rows + unread})

    def _repeated_rows(self, title: str) -> None:
        """Row elements whose number repeats an earlier one: the reader keeps one, so each is
        an error at its row — and counted among the rows the file holds (``unkept_rows``)."""
        actual = self.names.get(normalise_header(title))
        for number in self.scan.repeated_rows_of_sheet(actual) if actual else []:
            at = (number - 1, 0) if number >= 1 else (None, None)  # a row numbered 0 has no cell
            self.problem(title, *at, "ZZ-READ-ROW-REPEATED",
                         f"「{title}」第{number}行在文件中出现了不止一次（文件内部结构异常，可能被其他软件改动过），"
                         f"其中一行的内容读不到：请用 Excel 或 WPS 打开后另存为新的 .xlsx，核对第{number}行后重新报送",
                         unkept=1)

    def _error_cells(self, sheet: Sheet) -> dict[tuple[int, int], str]:
        """Cells of the sheet whose cached value is a spreadsheet error: (row, col) → text."""
        actual = self.names.get(normalise_header(sheet.name))
        found = self.scan.errors_of_sheet(actual) if actual else {}
        return {xl_cell_to_rowcol(cell): text for cell, text in found.items()}

    def copied_sheets(self) -> None:
        """A sheet named like a copy of a standard one (Excel's 「问题线索台账 (2)」, 「Copy of …」,
        「… - 副本」): its rows would never be read, so it is an error naming it."""
        standard = {normalise_header(s.name): s.name for s in STANDARD.sheets}
        for actual in self.book.sheet_names:
            if normalise_header(actual) in standard:
                continue
            original = copied_from(actual, standard)
            if original is None:
                self._renamed_ledger(actual)
            else:
                grid = self._grid(actual)
                ledger = next((s for s in STANDARD.ledgers if s.name == original), None)
                held = held_rows(ledger, grid) if grid and ledger is not None else 0
                self.problem(actual, None, None, "ZZ-READ-SHEET-COPY",
                             f"工作表「{actual}」像是「{original}」的副本，其中的行不会被读取或汇总"
                             + (f"（{held} 行）" if held else "")
                             + f"：请把这些行移到「{original}」中并删除「{actual}」后重新报送", unkept=held)

    def _renamed_ledger(self, actual: str) -> None:
        """A sheet of another name holding a missing ledger's header (renamed 「Sheet1」): an
        error naming both, its rows counted among the rows the file holds."""
        missing = [s for s in STANDARD.ledgers if normalise_header(s.name) not in self.names]
        if not missing:
            return
        try:
            head = self.book.get_sheet_by_name(actual).to_python(nrows=HEADER_SEARCH_ROWS * 5)
        except Exception:  # noqa: BLE001 - a sheet calamine cannot take is not one of ours to count
            return
        for ledger in missing:
            if held_header_row(ledger, head, max(3, len(ledger.columns) // 2)) is None:
                continue  # (the template's own 列表 names a few columns: not a ledger)
            grid = self._grid(actual) or []
            held = held_rows(ledger, grid)
            self.problem(actual, None, None, "ZZ-READ-SHEET-RENAMED",
                         f"工作表「{actual}」有「{ledger.name}」的列标题，像是改了名的「{ledger.name}」，其中的行不会被读取或汇总"
                         + (f"（{held} 行）" if held else "") + f"：请把它改回「{ledger.name}」后重新报送", unkept=held)
            return

    # -- 填报信息 -------------------------------------------------------------------------------
    def info(self) -> InfoRecord:
        sheet = STANDARD.record
        model = record_model(sheet.key)
        grid = self._grid(sheet)
        if grid is None:
            self.problem(sheet.name, None, None, "ZZ-READ-SHEET-MISSING", f"缺少工作表「{sheet.name}」")
            return model(origin=Origin(file=self.file, sheet=sheet.name, row=0))  # type: ignore[return-value]
        self.columns[sheet.key] = {}
        errors = self._error_cells(sheet)
        wanted = {normalise_header(c.header): c for c in sheet.columns}
        values: dict[str, Any] = {}
        rows: dict[str, int] = {}
        labels: list[tuple[int, str]] = []
        for r, line in enumerate(grid):
            if not line or not isinstance(line[0], str) or not line[0].strip():
                continue
            column = wanted.get(normalise_header(line[0]))
            if column is None:
                labels.append((r, line[0].strip()))
                continue
            if column.field in rows:
                continue
            rows[column.field] = r + 1
            self.columns[sheet.key][column.field] = 1
            if column.since > 1:
                self.found_additions = True
            if (r, 1) in errors:
                self._error_value(sheet, column, r, 1, errors[(r, 1)])
                continue
            raw = line[1] if len(line) > 1 else None
            values[column.field] = self.cell(sheet, column, raw, r, 1)
        taken: set[str] = set()
        for column in sorted(sheet.columns, key=lambda c: c.since):  # v1's lines claim a renamed label first
            if column.field not in rows and not column.computed:
                later = column.since > 1
                guess = _closest(column.header, [text for _, text in labels if not (later and text in taken)])
                if guess is not None:
                    taken.add(guess)
                    r = next(r for r, text in labels if text == guess)
                    self.problem(sheet.name, r, 0, "ZZ-READ-LABEL-RENAMED",
                                 f"「{sheet.name}」A{r + 1} 的项目名称为“{guess}”，应为“{column.header}”，请改回标准名称",
                                 column=column, deferred=column.since)
                else:
                    self.problem(sheet.name, None, None, "ZZ-READ-LABEL-MISSING",
                                 f"「{sheet.name}」的A列缺少项目“{column.header}”，请使用标准填报模板", deferred=column.since)
        by_row = {r - 1: c for c in sheet.columns if (r := rows.get(c.field)) is not None}
        self._bad_values(sheet.name, lambda r, col: by_row.get(r) if col == 1 else None)
        origin = Origin(file=self.file, sheet=sheet.name, row=min(rows.values(), default=0))
        return model(origin=origin, rows=rows, **values)  # type: ignore[return-value]

    # -- the ledgers ---------------------------------------------------------------------------
    def ledger(self, sheet: Sheet, light: bool = False, typed: dict[str, Any] | None = None) -> list[Record]:
        grid = self._grid(sheet)
        if grid is None:
            if sheet.since <= 1:  # 情况说明 (v2) is only there when a filler needs it
                self.problem(sheet.name, None, None, "ZZ-READ-SHEET-MISSING", f"缺少工作表「{sheet.name}」")
            return []
        data = self.ledger_data(sheet, grid)
        if data is None:
            return []
        if light and typed is not None:
            typed[sheet.key] = data.columns
        return build_records(self.file, sheet, data, light)

    def ledger_data(self, sheet: Sheet, grid: list[list[Any]]) -> _Ledger | None:
        self._repeated_rows(sheet.name)
        header_row, positions = self._header(sheet, grid)
        if header_row is None:
            expected = "、".join(c.header for c in sheet.columns[:3])
            held = held_rows(sheet, grid)
            lower = held_header_row(sheet, grid)
            where = f"列标题在第{lower + 1}行，应在第1行：请删除标题上方的行" if lower is not None else \
                f"第1行没有找到本表的列标题（应为 {expected} 等），请使用标准填报模板"
            self.problem(sheet.name, None, None, "ZZ-READ-HEADER-MISSING",
                         f"「{sheet.name}」{where}" + (f"（表中 {held} 行内容因此未能读取）" if held else ""),
                         unkept=held)
            return None
        self.columns[sheet.key] = positions
        # 情况说明 may be added to a file of any version (README; the annotated copy adds it to a
        # v1 file): it does not make a file without 模板版本 a v2 file
        if sheet.key != EXPLANATIONS.key and (
                sheet.since > 1 or any(c.since > 1 for c in sheet.columns if c.field in positions)):
            self.found_additions = True
        renamed = self._missing_headers(sheet, grid[header_row], header_row, positions)
        by_col = {col: c for c in sheet.columns if (col := positions.get(c.field)) is not None}
        self._bad_values(sheet.name, lambda r, col: by_col.get(col))
        inputs = [positions[c.field] for c in sheet.input_columns if c.field in positions]
        computed = sorted(set(positions.values()) - set(inputs))
        data_rows = _data_rows(grid, header_row + 1, inputs, computed)
        self._count_unread_rows(sheet.name, grid, header_row, data_rows)
        self._extra_columns(sheet, grid, header_row, set(positions.values()) | renamed, data_rows)
        errors = {rc: text for rc, text in self._error_cells(sheet).items() if rc[0] > header_row}
        out = _Ledger(rows=[r + 1 for r in data_rows])
        if not data_rows:
            return out
        if SELF_CHECK in positions:
            self._self_check_formulas(sheet, positions[SELF_CHECK], data_rows)
        width = len(grid[0]) if grid else 0
        lines = [grid[r] for r in data_rows]
        by_col = list(zip(*lines)) if all(len(line) == width for line in lines) else None
        for column in sheet.columns:
            col = positions.get(column.field)
            if col is None:
                continue
            raws = by_col[col] if by_col is not None else [_at(line, col) for line in lines]
            values = self._convert(sheet, column, raws, data_rows, col)
            if column.default is not None and None in values:
                default = column.default
                values = [default if v is None else v for v in values]
            out.columns[column.field] = values
        if errors:
            where = {r: k for k, r in enumerate(data_rows)}
            fields = {col: c for c in sheet.columns if (col := positions.get(c.field)) is not None}
            for (r, col), text in sorted(errors.items()):
                if r in where and col in fields:
                    column = fields[col]
                    out.columns[column.field][where[r]] = None
                    self._error_value(sheet, column, r, col, text)
        return out

    def _self_check_formulas(self, sheet: Sheet, col: int, data_rows: list[int]) -> None:
        """自查 is computed by the template's formula: filled rows whose 自查 cell holds none
        (typed over, pasted as values, rows added below the template's) are one reminder per
        sheet.  The validator never reads what 自查 shows."""
        part = self.scan.sheet_parts.get(self.names.get(normalise_header(sheet.name), ""))
        if part is None:
            return
        letter = xl_col_to_name(col)
        found = self.scan.formula_rows.get(part) if SELF_CHECK_COLUMNS.get(sheet.name) == letter else None
        if found is None:  # 自查 not where the standard puts it (or the scan did not look): read the part
            found = formula_rows(self.file, part, letter)
        if found is None:
            return
        missing = [r for r in data_rows if r + 1 not in found]
        if not missing:
            return
        shown = "、".join(f"{letter}{r + 1}" for r in missing[:5]) + ("等" if len(missing) > 5 else "")
        self.problem(sheet.name, missing[0], col, "ZZ-READ-SELF-CHECK-FORMULA",
                     f"「{sheet.name}」有 {len(missing)} 行的“自查”不是模板的公式（{shown}），这些行没有自查；"
                     "请从标准模板复制“自查”列的公式向下填充（自查不影响校验结果）", "warning",
                     sheet.column(SELF_CHECK))

    def _error_value(self, sheet: Sheet, column: Column, row: int, col: int, text: str) -> None:
        if column.computed:
            self.problem(sheet.name, row, col, "ZZ-READ-FORMULA-ERROR",
                         f"“{column.header}”显示错误值 {text}，公式已损坏；请从标准模板复制本列的公式恢复", column=column)
        else:
            self.problem(sheet.name, row, col, "ZZ-READ-ERROR-VALUE",
                         f"“{column.header}”是错误值 {text}，应填写{_what(column)}", column=column)

    def _extra_columns(self, sheet: Sheet, grid: list[list[Any]], header_row: int, known: set[int],
                       data_rows: list[int]) -> None:
        """A column the standard does not have, holding data: a warning naming its header
        (its data is not read, and nothing is dropped without a word)."""
        for col, value in enumerate(grid[header_row]):
            if col in known or _blank(value):
                continue
            if any(not _blank(_at(grid[r], col)) for r in data_rows):
                self.problem(sheet.name, header_row, col, "ZZ-READ-EXTRA-COLUMN",
                             f"「{sheet.name}」的列“{str(value).strip()[:40]}”不是标准列，其中填写的数据不会读取和汇总；"
                             "如需报送请填入对应的标准列或“备注”，否则请删除该列", "warning")

    def _missing_headers(self, sheet: Sheet, header: list[Any], header_row: int, positions: dict[str, int]) -> set[int]:
        """Each missing column once: at the renamed header cell when one is close enough
        (or a blank header cell where the column belongs), else for the whole sheet;
        returns the columns taken for renamed ones."""
        used = set(positions.values())
        strays = {col: str(value).strip() for col, value in enumerate(header)
                  if col not in used and isinstance(value, str) and value.strip()}
        # 自查 is the template's own check (computed, for the filler): a file without it is complete
        claimed: set[int] = set()
        for since in VERSIONS:  # older versions' columns claim a renamed header first, as before
            missing = [c for c in sheet.columns
                       if c.field not in positions and c.since == since and c.field != SELF_CHECK]
            self._missing_of(sheet, header, header_row, used, strays, missing, claimed, since)
        return claimed

    def _missing_of(self, sheet: Sheet, header: list[Any], header_row: int, used: set[int], strays: dict[int, str],
                    missing: list[Column], claimed: set[int], deferred: float) -> None:
        pairs: list[tuple[float, int, Column]] = []
        for column in missing:
            for col, text in strays.items():
                if col in claimed:
                    continue
                score = difflib.SequenceMatcher(None, normalise_header(column.header), normalise_header(text)).ratio()
                if score >= 0.5:
                    pairs.append((score, col, column))
        assigned: dict[str, int] = {}
        for score, col, column in sorted(pairs, key=lambda p: -p[0]):
            if col in claimed or column.field in assigned:
                continue
            claimed.add(col)
            assigned[column.field] = col
        for column in missing:
            severity = "warning" if column.computed else "error"
            col = assigned.get(column.field)
            if col is not None:
                self.problem(sheet.name, header_row, col, "ZZ-READ-HEADER-RENAMED",
                             f"列标题“{strays[col]}”不是本表的标准列名，应为“{column.header}”；请改回“{column.header}”"
                             "（列标题改名后本列数据无法识别）", severity, column, deferred)
                continue
            index = sheet.index(column.field)
            blank = index < len(header) and index not in used and _blank(header[index])
            if blank:
                self.problem(sheet.name, header_row, index, "ZZ-READ-HEADER-MISSING",
                             f"列标题为空，应为“{column.header}”；请填写列标题“{column.header}”", severity, column, deferred)
            else:
                self.problem(sheet.name, None, None, "ZZ-READ-HEADER-MISSING",
                             f"「{sheet.name}」缺少列“{column.header}”，请从标准模板补上这一列", severity, column, deferred)

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
                             f"「{sheet.name}」的列“{column.header}”出现了两次，只读取第一次出现的那一列"
                             f"（{xl_col_to_name(positions[column.field])}列），请删除重复的列", "warning", column)
            else:
                positions[column.field] = col
        return row, positions

    # -- cells ------------------------------------------------------------------------------------------
    def _convert(self, sheet: Sheet, column: Column, raws: Sequence[Any], rows: list[int], col: int) -> list[Any]:
        """The typed values of one column's data cells (fast path, then the odd ones)."""
        kind = column.type
        if kind in (ColumnType.TEXT, ColumnType.ENUM):
            # each distinct value once (a column repeats its values: lists, names, units)
            lookup = {v: (v.strip(_BLANKS) or None) if type(v) is str else (None if v is None else _SLOW)
                      for v in set(raws)}
            out = list(map(lookup.__getitem__, raws))
            if column.computed and any(v is not None and v is not _SLOW and v[0] == "#" for v in out):
                for k, v in enumerate(out):
                    if v is not None and v is not _SLOW and v[0] == "#":
                        out[k] = _SLOW
        elif kind in (ColumnType.NUMBER, ColumnType.PERCENT):
            out = [v if type(v) is float else (None if v == "" or v is None else _SLOW) for v in raws]
            if not math.isfinite(sum(v for v in out if type(v) is float)):  # a NaN or ±inf among them
                out = [_SLOW if type(v) is float and not math.isfinite(v) else v for v in out]
        elif kind is ColumnType.DATE:
            date = dt.date
            out = [v if type(v) is date else (None if v == "" or v is None else _SLOW) for v in raws]
            days = [v for v in out if type(v) is date]
            if days and (min(days) < FIRST_DATE or max(days) > LAST_DATE):
                out = [_SLOW if type(v) is date and not FIRST_DATE <= v <= LAST_DATE else v for v in out]
        elif kind is ColumnType.FLAG:
            flags = _FLAG_VALUES
            out = [flags.get(v, _SLOW) if type(v) is str else (None if v is None else _SLOW) for v in raws]
        else:
            out = [_SLOW] * len(raws)
        if _SLOW in out:
            for k, v in enumerate(out):
                if v is _SLOW:
                    out[k] = self.cell(sheet, column, raws[k], rows[k], col)
        return out

    def cell(self, sheet: Sheet, column: Column, raw: Any, row: int, col: int) -> Any:
        """The typed value of a cell, or None with a problem recorded."""
        if isinstance(raw, str):
            raw = raw.strip(_BLANKS)
        if _blank(raw):
            return None
        if column.computed and isinstance(raw, str) and raw.startswith("#"):
            self.problem(sheet.name, row, col, "ZZ-READ-FORMULA-ERROR",
                         f"“{column.header}”显示错误：{raw}（请检查同一行的填报内容，或从标准模板复制本列的公式恢复）",
                         column=column)
            return None
        try:
            return _CONVERTERS[column.type](raw, column)
        except _Unreadable as exc:
            self.problem(sheet.name, row, col, exc.code, exc.message, exc.severity, column)
            return exc.value


_FLAG_VALUES = {vocab.YES: True, vocab.NO: False, "": None}


def held_header_row(sheet: Sheet, grid: list[list[Any]], least: int = 3) -> int | None:
    """The 0-based row naming at least ``least`` of the sheet's columns, anywhere (None: none)."""
    wanted = {normalise_header(c.header) for c in sheet.columns}
    for r, line in enumerate(grid):
        if len({normalise_header(v) for v in line if isinstance(v, str)} & wanted) >= least:
            return r
    return None


def held_rows(sheet: Sheet, grid: list[list[Any]]) -> int:
    """The rows a sheet holds when its header was not where the reader looks: the rows
    with any content below a header found lower down (or all rows with content)."""
    header = held_header_row(sheet, grid)
    start = 0 if header is None else header + 1
    return sum(1 for line in grid[start:] if not all(_blank(v) for v in line))


def unkept_rows(problems: Iterable[Problem]) -> int:
    """Rows the file holds that no reader could keep (a repeated row element): counted with
    the file's rows, so the reconciliation counts what the file holds."""
    return sum(getattr(p, "unkept_rows", 0) for p in problems)


def _data_rows(grid: list[list[Any]], first: int, inputs: list[int], computed: Sequence[int] = ()) -> list[int]:
    """0-based indexes of the rows from ``first`` on with any input cell filled — or, with
    every input blank, a computed cell holding a value (a blank row's formulas show ""):
    such a row is read (its blank inputs are errors), never silently dropped."""
    if not inputs:
        return []
    out = []
    lead = inputs[0]
    for r in range(first, len(grid)):
        line = grid[r]
        value = line[lead] if lead < len(line) else None
        if type(value) is str and value and not value[0].isspace() and value[-1] not in _BLANKS:
            out.append(r)  # the common case: the row's key is filled
        elif not all(_blank(_at(line, col)) for col in inputs):
            out.append(r)
        elif computed and not all(_blank(_at(line, col)) for col in computed):
            out.append(r)
    return out


class LightOrigin(NamedTuple):
    file: str
    sheet: str
    row: int


@lru_cache(maxsize=None)
def light_row(key: str) -> type:
    """The named tuple of one ledger's rows: the record's fields, then ``origin``."""
    sheet = STANDARD.sheet(key)
    return namedtuple(_light_name(key), [c.field for c in sheet.columns] + ["origin"])  # type: ignore[misc]


def _light_name(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_")) + "Row"


def build_records(file: str, sheet: Sheet, data: _Ledger, light: bool = False) -> list[Any]:
    """Records from a ledger's typed columns (every field present, None when blank)."""
    fields = [c.field for c in sheet.columns]
    blank = [None] * len(data.rows)
    columns = [data.columns.get(c.field, blank if c.default is None else [c.default] * len(data.rows))
               for c in sheet.columns]
    if light:
        origins = [LightOrigin(file, sheet.name, row) for row in data.rows]
        return list(map(light_row(sheet.key)._make, zip(*columns, origins)))
    model = record_model(sheet.key)
    fields.append("origin")
    columns.append([_origin(file, sheet.name, row) for row in data.rows])
    return [_construct(model, dict(zip(fields, values))) for values in zip(*columns)]


def _closest(text: str, options: Iterable[str], cutoff: float = 0.5) -> str | None:
    keys = {normalise_header(o): o for o in options}
    found = difflib.get_close_matches(normalise_header(text), list(keys), n=1, cutoff=cutoff)
    return keys[found[0]] if found else None


def _what(column: Column) -> str:
    return {
        ColumnType.DATE: "日期（如 2026-11-23）",
        ColumnType.NUMBER: "数字（单位万元）",
        ColumnType.PERCENT: "比例（如 0.5 或 50%）",
        ColumnType.INTEGER: "整数",
        ColumnType.FLAG: "是 或 否",
        ColumnType.ENUM: "列表中的选项",
        ColumnType.TEXT: "文本",
    }[column.type]


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
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return shown_number(value) if math.isfinite(value) else str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
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
                                  f"“{column.header}”存成了数字 {text}，末几位可能已丢失；请把单元格设为文本格式后重新录入"
                                  "完整的号码", text)
            return text
        return repr(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    return str(raw)


def _not_finite(header: str, raw: float) -> str:
    what = "不是数字（NaN）" if math.isnan(raw) else "溢出（无穷大）"
    return f"{header}：单元格中的数值{what}，不是有效数字，文件可能被其他软件改动过；请重新填写该单元格"


def _date(raw: Any, column: Column) -> dt.date:
    header = f"“{column.header}”"
    if isinstance(raw, float) and not math.isfinite(raw):
        raise _Unreadable("ZZ-READ-BAD-VALUE", _not_finite(header, raw))
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        raw = EXCEL_EPOCH + dt.timedelta(days=int(raw))
    if isinstance(raw, dt.date):
        if not FIRST_DATE <= raw <= LAST_DATE:
            raise _Unreadable("ZZ-READ-DATE-RANGE",
                              f"{header}为 {raw.isoformat()}，年份不合理（应在 {FIRST_DATE.year}–{LAST_DATE.year} 年之间），"
                              "请核对后重新填写")
        return raw
    if isinstance(raw, str):
        day = suggest_date(raw)
        if day is not None:
            raise _Unreadable("ZZ-READ-TEXT-DATE", date_message(header, raw), day, "warning")
        raise _Unreadable("ZZ-READ-DATE", date_message(header, raw))
    raise _Unreadable("ZZ-READ-DATE",
                      f"{header}“{_shown(raw)}”不是日期，应填写真正的日期（如 2026-11-23，设置为日期格式）")


def _number(raw: Any, column: Column) -> float:
    header = f"“{column.header}”"
    percent = column.type is ColumnType.PERCENT
    if isinstance(raw, bool):
        what = "比例（如 0.5 或 50%）" if percent else "数字（单位万元）"
        raise _Unreadable("ZZ-READ-NUMBER", f"{header}是逻辑值 {_shown(raw)}，应填写{what}")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise _Unreadable("ZZ-READ-BAD-VALUE", _not_finite(header, raw))
        return float(raw)
    if isinstance(raw, str):
        value, certain, _ = read_number(raw, percent)
        if value is not None and certain:
            raise _Unreadable("ZZ-READ-TEXT-NUMBER", number_message(header, raw, percent), value, "warning")
        raise _Unreadable("ZZ-READ-NUMBER", number_message(header, raw, percent))
    what = "比例（如 0.5 或 50%）" if percent else "数字（单位万元，不带单位和千分位）"
    raise _Unreadable("ZZ-READ-NUMBER", f"{header}“{_shown(raw)}”不是数字，应填写{what}")


def _integer(raw: Any, column: Column) -> int:
    header = f"“{column.header}”"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw) and float(raw).is_integer():
        value = int(raw)
        if column.field.endswith("year") and not FIRST_DATE.year <= value <= LAST_DATE.year:
            raise _Unreadable("ZZ-READ-DATE-RANGE",
                              f"{header}为 {value}，年份不合理（应在 {FIRST_DATE.year}–{LAST_DATE.year} 年之间），请填写如 2026 的年份")
        return value
    if isinstance(raw, str):
        value, certain, _ = read_number(raw)
        if value is not None and certain and value.is_integer():
            raise _Unreadable("ZZ-READ-TEXT-NUMBER", number_message(header, raw), int(value), "warning")
        if value is not None and value.is_integer():
            raise _Unreadable("ZZ-READ-INTEGER", number_message(header, raw))
    raise _Unreadable("ZZ-READ-INTEGER", f"{header}“{_shown(raw)}”不是整数，应填写如 2026 的整数")


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

