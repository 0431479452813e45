"""Intake of one input file for the roll-up: read, validate, and reduce to plain data.

Runs in worker processes (``--jobs``), so what it returns is plain and picklable:
rows are dicts of field → value with their source row, problems are ``Problem``s.
An input is either a subsidiary's standard workbook or an earlier roll-up output
(a group return being rolled up again by a provincial body): the latter's rows keep
the unit they came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from python_calamine import CalamineError, CalamineWorkbook

from addin.plumbing.guard import guarded, path_text, refusal
from addin.rollup.indicators import UnitLedgers, key_of, unit_indicators
from addin.problems import Problem
from addin.workbook.preflight import open_book, sheet_parts
from addin.workbook.read import light_row, unkept_rows, Submission, load_workbook
from addin.workbook.schema import STANDARD, STANDARD_VERSION
from addin.validation.report import FileReport
from addin.validation.checks import precheck_cells
from addin.validation.run import check_and_compute, fill_blanks, is_unreadable, no_gc, sha256_of

PROVENANCE = ("来源单位", "来源统一社会信用代码", "来源报告期", "来源文件", "来源行号")
"""Columns a consolidated ledger carries before the standard's columns."""
SUMMARY_SHEET = "汇总"
RESULTS_SHEET = "校验结果"


@dataclass(slots=True)
class Row:
    """One ledger row as plain data: the schema fields, and where it came from."""

    values: dict[str, Any]
    unit: str
    uscc: str
    period: str
    file: str
    row: int

    def __getattr__(self, name: str) -> Any:  # records' attribute access, for the indicators
        if name == "values":  # not set yet (while unpickling)
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class Intake:
    """What one input file brought."""

    path: str
    sha256: str
    kind: str  # "standard" | "consolidated" | "unreadable"
    report: FileReport
    info: dict[str, Any] = field(default_factory=dict)
    ledgers: dict[str, list[Row]] = field(default_factory=dict)

    indicators: dict[str, Any] | None = None
    """A standard workbook's unit indicators (``addin.rollup.indicators``), computed where it was
    read; 期初在办 is the roll-up's to fill in."""
    version: float = STANDARD_VERSION
    """The standard version of a subsidiary's workbook."""
    unkept: int = 0
    """Rows the file holds that no reader kept (``addin.workbook.read.unkept_rows``)."""

    def unit_ledgers(self, as_of: dt.date | None = None, brought_forward: int = 0) -> UnitLedgers:
        """This standard workbook's rows for the indicators, its deadlines judged by the one
        as-of rule: ``as_of`` (--as-of) if given, else its own 填报日期 (as ``validate`` does)."""
        warnings = [p for p in self.report.problems if p.severity == "warning"]
        explained = sum(1 for p in warnings if p.explained)
        return UnitLedgers(self.unit, self.uscc, **{s.key: self.ledgers.get(s.key, []) for s in STANDARD.ledgers},
                           brought_forward=brought_forward, version=self.version,
                           as_of=as_of or self.report_date or dt.date.today(), warnings_explained=explained,
                           warnings_open=len(warnings) - explained)

    @property
    def report_date(self) -> dt.date | None:
        """A standard workbook's 填报日期."""
        day = self.info.get("report_date")
        if isinstance(day, dt.datetime):
            return day.date()
        return day if isinstance(day, dt.date) else None

    @property
    def rows(self) -> int:
        """The rows the file holds: those read, and those no reader could keep (a repeated
        row element, an error of the file)."""
        return sum(len(rows) for rows in self.ledgers.values()) + getattr(self, "unkept", 0)

    # Intakes cross from the worker processes by pickle: the rows travel as columns
    # (a ledger's rows share their keys and repeat their values), dates as ordinals.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["ledgers"] = {key: _pack(rows) for key, rows in self.ledgers.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        ledgers = state.pop("ledgers")
        self.__dict__.update(state)
        self.ledgers = {key: _unpack(packed) for key, packed in ledgers.items()}

    @property
    def unit(self) -> str:
        return str(self.info.get("unit_name") or Path(self.path).stem)

    @property
    def uscc(self) -> str:
        return str(self.info.get("uscc") or "")

    @property
    def period_label(self) -> str:
        year, name = self.info.get("report_year"), self.info.get("report_period")
        return f"{year}-{name}" if year and name else ""


_DATES = {dt.date, type(None)}


def _pack(rows: list[Row]) -> tuple[Any, ...]:
    """Rows as (fields, value columns, date columns, provenance columns); rows whose
    keys differ from the first row's travel as they are."""
    if not rows:
        return ((), [], [], [])
    fields = tuple(rows[0].values)
    if any(tuple(r.values) != fields for r in rows):
        return (None, rows, [], [])
    columns = [list(column) for column in zip(*(r.values.values() for r in rows))]
    dates = []
    for k, column in enumerate(columns):
        kinds = set(map(type, column))
        if dt.date in kinds and kinds <= _DATES:
            columns[k] = [None if v is None else v.toordinal() for v in column]
            dates.append(k)
    provenance = [[r.unit for r in rows], [r.uscc for r in rows], [r.period for r in rows],
                  [r.file for r in rows], [r.row for r in rows]]
    return (fields, columns, dates, provenance)


def _unpack(packed: tuple[Any, ...]) -> list[Row]:
    fields, columns, dates, provenance = packed
    if fields is None:
        return list(columns)
    if not fields:
        return []
    for k in dates:
        days = {o: dt.date.fromordinal(o) for o in set(columns[k]) if o is not None}
        days[None] = None  # type: ignore[index]
        columns[k] = list(map(days.__getitem__, columns[k]))
    return [Row(dict(zip(fields, values)), unit, uscc, period, file, row)
            for values, unit, uscc, period, file, row in zip(zip(*columns), *provenance)]


def _plain(record: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name, None) for name in fields}


def _looks_consolidated(path: Path) -> bool:
    """An earlier roll-up output by its sheet names (no 填报信息, a 汇总, the ledgers);
    read from the package's workbook part, without opening the workbook."""
    names = set(sheet_parts(path))
    return (STANDARD.record.name not in names and SUMMARY_SHEET in names
            and STANDARD.ledgers[0].name in names)


def warm_engine() -> None:
    """Load what reading and checking a file needs — the work calendar, the rule profiles —
    so that the roll-up's forked workers (and the 收报台's fork server) start with it
    instead of each paying for it on its first file."""
    from udfs.errors import EngineError
    from udfs.profile import available_profiles, get_profile
    from udfs.workcalendar import default_calendar

    default_calendar()
    for key in available_profiles():
        try:
            get_profile(key)
        except EngineError:
            continue


def largest_first(pool: Any, work: Any, paths: Sequence[Path], *args: Any) -> Iterator[Any]:
    """``work(path, *args)`` for every path on ``pool``, results in the order of ``paths``.

    The files go to the workers one at a time, the largest first, so the work is shared
    evenly whatever the sizes (a big file last would keep one worker busy alone)."""
    def size(k: int) -> int:
        try:
            return Path(paths[k]).stat().st_size
        except OSError:
            return 0

    order = sorted(range(len(paths)), key=size, reverse=True)
    futures: dict[int, Any] = {}
    for k in order:
        futures[k] = pool.submit(work, paths[k], *args)
    for k in range(len(paths)):
        yield futures.pop(k).result()


def intake_file(path: str | Path, as_of: dt.date | None = None, parallel: bool | None = None) -> Intake:
    """Read and validate one input; never raises for a user's file (``addin.plumbing.guard``).

    ``parallel``: let the reader fork for a big file (None: its own default); the
    roll-up's worker processes pass False, so ``--jobs`` bounds the processes.
    """
    file = Path(path)
    return guarded(file, lambda f: _intake(f, as_of, parallel), lambda code, message: _unreadable(file, code, message))


def _unreadable(file: Path, code: str, message: str) -> Intake:
    digest = ""
    if refusal(file) is None:
        try:
            digest = sha256_of(file)
        except OSError:
            pass
    problem = Problem(file=path_text(file), code=code, message=message)
    return Intake(path_text(file), digest, "unreadable", FileReport(path_text(file), digest, "unreadable", [problem]))


def _intake(file: Path, as_of: dt.date | None, parallel: bool | None) -> Intake:
    digest = sha256_of(file)
    if _looks_consolidated(file):
        consolidated = _intake_consolidated(file, digest)
        if consolidated is not None:
            return consolidated
    with no_gc():
        submission = load_workbook(file, parallel=parallel, light=True, cell_checks=precheck_cells)
        problems, computed = check_and_compute(submission, as_of)
        return _standard(file, digest, submission, problems, computed, as_of)


def _standard(file: Path, digest: str, submission: Submission, problems: list[Problem],
              computed: dict[str, list[dict[str, Any]]], as_of: dt.date | None = None) -> Intake:
    """A subsidiary's workbook as plain rows; a blank computed cell takes the engine's value."""
    if is_unreadable(problems):
        return Intake(path_text(file), digest, "unreadable", FileReport(path_text(file), digest, "unreadable", problems))
    status = "invalid" if any(p.severity == "error" for p in problems) else "valid"
    info_fields = tuple(c.field for c in STANDARD.record.columns)
    info = _plain(submission.info, info_fields)
    intake = Intake(path_text(file), digest, "standard", FileReport(path_text(file), digest, status, problems), info)  # type: ignore[arg-type]
    unit, uscc, period, name = intake.unit, intake.uscc, intake.period_label, path_text(file)
    for sheet in STANDARD.ledgers:
        fields = tuple(c.field for c in sheet.columns)
        expected = computed.get(sheet.key, [])
        records = submission.ledgers.get(sheet.key, [])
        rows = [Row(dict(zip(fields, record)), unit, uscc, period, name, record.origin.row)  # a light row: the
                for record in records]                                                      # fields, then its origin
        for row, want in zip(rows, expected):
            fill_blanks(row.values, want)
        intake.ledgers[sheet.key] = rows
    intake.version = getattr(submission, "version", intake.version)
    intake.unkept = unkept_rows(problems)
    if status == "valid":
        units = intake.unit_ledgers(as_of)
        views = {sheet.key: _views(sheet.key, intake.ledgers[sheet.key]) for sheet in STANDARD.ledgers}
        intake.indicators = unit_indicators(replace(units, **views))
    return intake


def _views(key: str, rows: list[Row]) -> list[Any]:
    """The rows as the reader's light rows (named tuples: attribute access at C speed, for
    the indicators), or as they are when some row has other fields."""
    light = light_row(key)
    make, width = light._make, len(light._fields) - 1  # the fields, then origin
    if any(len(r.values) != width for r in rows):
        return rows
    return [make((*r.values.values(), None)) for r in rows]


def _intake_consolidated(file: Path, digest: str) -> Intake | None:
    """An earlier roll-up output: its ledger rows with the unit each came from; None
    when its first ledger has no provenance columns (then it is read as a standard one)."""
    try:
        book = open_book(file)
        with book:
            head = book.get_sheet_by_name(STANDARD.ledgers[0].name).to_python(nrows=1)
    except (CalamineError, OSError, ValueError):
        return None
    if not head or PROVENANCE[0] not in [str(v) for v in head[0]]:
        return None
    submission = load_workbook(file)
    problems = [p for p in submission.problems
                if p.code not in ("ZZ-READ-SHEET-MISSING", "ZZ-READ-LABEL-MISSING") or p.sheet != STANDARD.record.name]
    if is_unreadable(problems):
        return Intake(path_text(file), digest, "unreadable", FileReport(path_text(file), digest, "unreadable", problems))
    book = open_book(file)
    intake = Intake(path_text(file), digest, "consolidated", FileReport(path_text(file), digest, "valid", problems))  # type: ignore[arg-type]
    with book:
        for sheet in STANDARD.ledgers:
            fields = tuple(c.field for c in sheet.columns)
            provenance = _provenance(book, sheet.name)
            rows = []
            for record in submission.ledgers.get(sheet.key, []):
                unit, uscc, period, source, source_row = provenance.get(record.origin.row, ("", "", "", "", 0))
                rows.append(Row(_plain(record, fields), unit or "（未注明单位）", uscc, period,
                                source or path_text(file), int(source_row or 0) or record.origin.row))
            intake.ledgers[sheet.key] = rows
    if any(p.severity == "error" for p in problems):
        intake.report.status = "invalid"
    units = {r.unit for rows in intake.ledgers.values() for r in rows}
    intake.info = {"unit_name": "、".join(sorted(units))[:200] or file.stem,
                   "summary_units": _summary_units(file)}
    return intake


WARNING_KEYS = ("提醒_已说明", "提醒_未说明")
BROUGHT_FORWARD = "期初在办"
SUMMARY_AS_OF = "截至日期"
"""The 汇总 row giving, for each unit, the day its deadlines were judged on (--as-of, else its
填报日期): a group return rolled up again judges them on the same day."""
SUMMARY_LEVEL = "单位层级"
"""The 汇总 row giving each unit's 单位层级 (the order units are listed in)."""
SUMMARY_HEAD = ("指标", "行次", "计量单位", "合计")
"""The 汇总 sheet's first header cells; the units' columns follow."""


@dataclass(frozen=True)
class SummaryUnit:
    """What an earlier return's 汇总 sheet says of one unit that its ledger rows do not."""

    as_of: dt.date | None = None
    warnings_explained: int = 0
    warnings_open: int = 0
    brought_forward: int = 0
    """期初在办: it came from the archive, which a second roll-up need not be given."""
    level: str = ""
    """单位层级."""


def _summary_units(file: Path) -> dict[tuple[str, str], SummaryUnit]:
    """(统一社会信用代码, 单位) → the unit's 截至日期 and its (explained, open) warnings as an
    earlier return's 汇总 sheet has them: neither is in the units' rows.  The sheet has the
    indicators as rows and the units as columns (one before issue 17's had them the other way)."""
    try:
        book = open_book(file)
        with book:
            grid = book.get_sheet_by_name(SUMMARY_SHEET).to_python()
    except (CalamineError, OSError, ValueError):
        return {}
    if not grid:
        return {}
    header = [_text(v) for v in grid[0]]
    records: list[tuple[str, dict[str, Any]]] = []  # (unit, label → value)
    first = 3 if header[:3] == ["指标", "计量单位", "合计"] else len(SUMMARY_HEAD) \
        if header[:len(SUMMARY_HEAD)] == list(SUMMARY_HEAD) else 0
    if first:
        rows = {}
        for line in grid[1:]:  # a row's label: the indicator's key (its label read back), or the row's own name
            if line:
                rows[key_of(_text(line[0])) or _text(line[0])] = line
        for col in range(first, len(header)):
            if header[col]:
                records.append((header[col], {label: line[col] if col < len(line) else None
                                              for label, line in rows.items()}))
    elif "单位" in header:
        at = header.index("单位")
        for line in grid[1:]:
            if len(line) > at and _text(line[at]) not in ("", "合计"):
                records.append((_text(line[at]), dict(zip(header, line))))
    found: dict[tuple[str, str], SummaryUnit] = {}
    for unit, values in records:
        counts = [values.get(k) for k in WARNING_KEYS]
        explained, opened = (int(counts[0]), int(counts[1])) if all(  # type: ignore[arg-type]
            isinstance(v, (int, float)) for v in counts) else (0, 0)
        brought = values.get(BROUGHT_FORWARD)
        found[(_text(values.get("统一社会信用代码")), unit)] = SummaryUnit(
            _day(values.get(SUMMARY_AS_OF)), explained, opened,
            int(brought) if isinstance(brought, (int, float)) and not isinstance(brought, bool) else 0,
            _text(values.get(SUMMARY_LEVEL)))
    return found


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _provenance(book: CalamineWorkbook, sheet: str) -> dict[int, tuple[Any, ...]]:
    """Row number → the provenance columns' values, for one consolidated sheet."""
    if sheet not in book.sheet_names:
        return {}
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if not grid:
        return {}
    header = [str(v) for v in grid[0]]
    positions = [header.index(name) if name in header else None for name in PROVENANCE]
    found: dict[int, tuple[Any, ...]] = {}
    for number, line in enumerate(grid[1:], start=2):
        values = tuple(line[p] if p is not None and p < len(line) else "" for p in positions)
        found[number] = tuple(_text(v) for v in values[:4]) + (values[4],)
    return found


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()
