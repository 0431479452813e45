"""Validate files and folders: read, check, report — one file's trouble never stops the rest."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from addin.plumbing.forked import Forked, can_fork
from addin.plumbing.guard import guarded, path_text, refusal
from addin.plumbing.outputs import OutputError, OutputRefused, OutputSet, os_error_message, output_marker
from addin.problems import Problem
from addin.workbook.read import TEXT_VALUE_CODES, Submission, load_workbook, unkept_rows
from addin.workbook.recompute import NOT_COLUMNS, recompute, workbook_calendar
from addin.workbook.schema import STANDARD
from addin.validation.checks import (Check, Context, check_additions, check_additions_engine, check_cells,
                                     check_closing, check_computed, check_handling, check_links, check_rows,
                                     precheck_cells)
from addin.validation.standard21 import check_additions_21
from addin.validation.deadlines import check_deadlines
from addin.validation.explanations import apply_explanations
from addin.validation.locate import Locator
from addin.validation.report import FileReport, ValidationReport
from udfs.errors import EngineError
from udfs.profile import Profile, get_profile
from udfs.workcalendar import WorkCalendar, default_calendar

INPUT_CHECKS: tuple[Check, ...] = (check_cells, check_rows, check_links, check_additions, check_additions_21)
"""Checks of what was filled in: they do not need the engine's values (standard 2.1's columns:
``addin.validation.standard21``, which builds on ``checks`` and so is listed here)."""
ENGINE_CHECKS: tuple[Check, ...] = (check_closing, check_handling, check_computed, check_additions_engine)
"""Checks against the engine's values (``Context.computed``)."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
ESCALATED = TEXT_VALUE_CODES
"""Reader warnings that the standard treats as errors: a number or date stored as text."""
UNREADABLE_CODES = {"ZZ-READ-FILE", "ZZ-READ-SHEET", "ZZ-READ-INTERNAL"}
"""Besides every ZZ-FILE-… code: the file could not be read at all."""

Progress = Callable[[int, int, str], None]
ANNOTATE_MAX_ROWS = 50_000
"""Larger workbooks get no annotated copy (openpyxl would need minutes and gigabytes);
their problems are all in the report."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


SKIPPED_KINDS = {
    "other": "不是工作簿的文件（如 .csv、.txt）",
    "lock": "Excel 打开时留下的临时锁定文件（~$ 开头）",
    "hidden": "隐藏文件或本程序的临时文件（. 开头）",
    "link": "指向不存在位置（或循环）的链接",
    "special": "名为工作簿却不是普通文件的项（文件夹、管道、设备）",
    "ours": "本程序生成的文件（集团汇总、国资委报表、校验标注副本）",
    "unopened": "无法打开的文件夹（没有权限或已损坏；其中的文件未读取，请检查权限后重试）",
}
"""Why an entry of an input folder was not read, in the summary's words."""


@dataclass
class InputSet:
    """The files to read, and every entry of the input folders that was skipped, by kind."""

    files: list[Path] = field(default_factory=list)
    skipped: dict[str, list[Path]] = field(default_factory=dict)

    def skipped_lines(self, limit: int = 5) -> list[str]:
        """One line per kind: how many, which (the first few)."""
        lines = []
        for kind, paths in self.skipped.items():
            names = "、".join(path_text(p) for p in paths[:limit]) + ("等" if len(paths) > limit else "")
            lines.append(f"已跳过 {len(paths)} 项{SKIPPED_KINDS[kind]}：{names}")
        return lines


def scan_inputs(inputs: Iterable[str | Path]) -> InputSet:
    """Files as given; folders searched recursively for workbooks.  Nothing in a folder is
    silently ignored: each entry that is not read is in ``skipped`` with its kind.  Links
    are followed to regular files only; nothing is opened except to recognise our own
    outputs (``addin.plumbing.outputs.output_marker``)."""
    found = InputSet()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            unopened = found.skipped.setdefault("unopened", [])
            for entry in _walk(path, set(), unopened.append):
                kind = _skip_kind(entry)
                if kind is None:
                    found.files.append(entry)
                elif kind != "folder":
                    found.skipped.setdefault(kind, []).append(entry)
            if not unopened:
                del found.skipped["unopened"]
        else:
            found.files.append(path)
    return found


def _walk(folder: Path, seen: set[tuple[int, int]], unopened: Callable[[Path], None]) -> Iterator[Path]:
    try:
        info = folder.stat()
        entries = sorted(folder.iterdir())
    except OSError:
        unopened(folder)  # listed with the skipped items: never silently passed over
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:  # a link back up the tree
        return
    seen.add(key)
    for entry in entries:
        if entry.is_dir() and entry.suffix.lower() not in WORKBOOK_SUFFIXES:
            yield from _walk(entry, seen, unopened)
        else:
            yield entry


def _skip_kind(entry: Path) -> str | None:
    name = entry.name
    workbook = entry.suffix.lower() in WORKBOOK_SUFFIXES
    if name.startswith("~$"):
        return "lock"
    if name.startswith("."):
        return "hidden"
    refused = refusal(entry)
    if refused is not None:
        if refused[0] == "ZZ-FILE-LINK":
            return "link"
        return "special" if workbook else "other"
    if not workbook:
        return "other"
    if output_marker(entry) is not None:
        return "ours"
    return None


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """The files ``scan_inputs`` finds (files as given, folders searched recursively)."""
    return scan_inputs(inputs).files


@contextmanager
def no_gc() -> Iterator[None]:
    """Reading and checking build many small objects and free none of them: the cyclic
    collector would only rescan them again and again (a third of the time on a large
    workbook).  Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _profile(submission: Submission) -> Profile | None:
    key = getattr(submission.info, "profile", None)
    if not key:
        return None
    try:
        return get_profile(key)
    except EngineError:
        return None


def is_unreadable(problems: Sequence[Problem]) -> bool:
    return any(p.code.startswith("ZZ-FILE-") or p.code in UNREADABLE_CODES for p in problems)


def check_submission(submission: Submission, as_of: dt.date | None = None, fill: bool = True) -> list[Problem]:
    """Every problem of a read workbook; fills its blank computed cells from the engine
    (``fill``; rows read with ``load_workbook(light=True)`` are not filled)."""
    with no_gc():
        problems, computed = check_and_compute(submission, as_of)
        if fill and computed:
            _fill_computed(submission, computed)
        return problems


def check_and_compute(submission: Submission, as_of: dt.date | None = None
                      ) -> tuple[list[Problem], dict[str, list[dict[str, Any]]]]:
    """Every problem of a read workbook, and the engine's values of its computed columns
    (sheet key → one dict per row; empty when the workbook could not be read)."""
    problems = [
        p.model_copy(update={"severity": "error"}) if p.code in ESCALATED else p for p in submission.problems
    ]
    if is_unreadable(problems):
        return problems, {}
    unread = {(p.sheet, p.cell) for p in problems if p.cell and p.severity == "error"}
    ctx = Context(submission, Locator(submission), _profile(submission), {}, unread)
    helper = Forked.start(lambda: [p for check in INPUT_CHECKS for p in check(ctx)], lambda exc: None) \
        if _large(submission) else None
    when = as_of or getattr(submission.info, "report_date", None)
    try:
        computed, late = _engine_values(submission, ctx, when)
    except BaseException:
        if helper is not None:
            helper.result()
        raise
    problems = _without_expected_errors(submission, problems, computed)
    found = helper.result() if helper is not None else None
    if found is None:  # no helper, or it failed: the same checks here
        found = [p for check in INPUT_CHECKS for p in check(ctx)]
    problems.extend(found)
    for check in ENGINE_CHECKS:
        problems.extend(check(ctx))
    problems.extend(late)
    return apply_explanations(submission, problems), computed


def _engine_values(submission: Submission, ctx: Context, when: dt.date | None
                   ) -> tuple[dict[str, list[dict[str, Any]]], list[Problem]]:
    """The computed columns and the deadline problems, computed once.

    The workbook's own 工作日历 matters only for a year the engine's calendar lacks.  It is
    read first when the year after the file's date (``when``, else today) is such a year —
    deadlines of the report year run into the next — and for any other file only when a
    computation asks for such a year, which then computes everything again with it.
    Either way the answers are those of reading it first."""
    def compute(calendar: WorkCalendar) -> list[Problem]:
        ctx.computed = recompute(submission, calendar)
        return list(check_deadlines(ctx, when, calendar))

    base = default_calendar()
    if submission.calendar_days is not None or (when or dt.date.today()).year + 1 not in base.years:
        late = compute(_with_workbook_days(submission, base))
    else:
        probe = base.recording()
        late = compute(probe)
        if probe.missed:  # a year only the workbook's own 工作日历 may supply
            late = compute(_with_workbook_days(submission, base))
    return ctx.computed, late


_CALENDARS: dict[Any, tuple[WorkCalendar, WorkCalendar]] = {}
"""(工作日历 part key, the engine's calendar) → the calendar extended with the workbook's days:
files of one template build it once per process."""


def _with_workbook_days(submission: Submission, base: WorkCalendar) -> WorkCalendar:
    days = submission.workbook_days()  # read once per template and process (``Submission.workbook_days``)
    key = getattr(submission, "calendar_key", None)
    cached = _CALENDARS.get((key, id(base))) if key is not None else None
    if cached is not None and cached[0] is base:
        return cached[1]
    calendar = workbook_calendar(days, base)
    if key is not None:
        if len(_CALENDARS) >= 8:
            _CALENDARS.pop(next(iter(_CALENDARS)))
        _CALENDARS[(key, id(base))] = (base, calendar)
    return calendar


HELPER_ROWS = 20_000
"""Workbooks with more ledger rows than this run the input checks in a forked helper,
beside the engine's recomputation (Linux only; the same problems either way)."""


def _large(submission: Submission) -> bool:
    return (can_fork()
            and sum(len(rows) for rows in submission.ledgers.values()) > HELPER_ROWS)


def _without_expected_errors(submission: Submission, problems: list[Problem],
                             computed: dict[str, list[dict[str, Any]]]) -> list[Problem]:
    """A computed cell showing the engine's error text where the engine also gives an
    error is not a broken formula: the inputs are wrong, and their own checks say why."""
    shown = [p for p in problems if p.code == "ZZ-READ-FORMULA-ERROR" and p.row is not None]
    if not shown:
        return problems
    sheets = {sheet.name: sheet for sheet in STANDARD.ledgers}
    index: dict[str, dict[int, int]] = {}
    expected: set[int] = set()
    for problem in shown:
        sheet = sheets.get(problem.sheet)
        if sheet is None or not problem.column or not problem.message.startswith(f"“{problem.column}”显示错误："):
            continue
        if sheet.key not in index:
            index[sheet.key] = {r.origin.row: k for k, r in enumerate(submission.rows(sheet.key))}
        k = index[sheet.key].get(problem.row)  # type: ignore[arg-type]
        values = computed.get(sheet.key, [])
        field = next((c.field for c in sheet.columns if c.header == problem.column), None)
        if k is None or k >= len(values) or field is None:
            continue
        want = values[k].get(field)
        if isinstance(want, str) and want.startswith("#"):
            expected.add(id(problem))
    return [p for p in problems if id(p) not in expected]


def _fill_computed(submission: Submission, computed: dict[str, list[dict[str, Any]]]) -> None:
    """Blank computed cells take the engine's value (not its error text)."""
    for sheet in STANDARD.ledgers:
        values = computed.get(sheet.key, [])
        for record, expected in zip(submission.ledgers.get(sheet.key, []), values):
            if isinstance(record, tuple):
                return  # read-only rows (load_workbook(light=True))
            record.__pydantic_fields_set__.update(fill_blanks(record.__dict__, expected))


def fill_blanks(values: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """A blank computed cell takes the engine's value (not its error text); the fields filled."""
    filled = []
    for name, value in expected.items():
        if value is not None and values.get(name) is None and name not in NOT_COLUMNS \
                and not (isinstance(value, str) and value.startswith("#")):
            values[name] = value
            filled.append(name)
    return filled


def validate_file(path: Path, as_of: dt.date | None = None) -> tuple[FileReport, Submission | None]:
    """One file's report (and what was read); never raises for a user's file."""
    return _validate_file(Path(path), as_of, keep=True)


def _validate_file(path: Path, as_of: dt.date | None, keep: bool) -> tuple[FileReport, Submission | None]:
    name = path_text(path)
    refused = refusal(path)
    if refused is not None:  # a folder, a FIFO, a device, a dangling link: never opened
        return FileReport(name, "", "unreadable", [Problem(file=name, code=refused[0], message=refused[1])]), None
    digest: list[str] = []
    hasher = threading.Thread(target=lambda: digest.append(_digest_or_blank(path)), daemon=True)
    hasher.start()  # hashing releases the GIL: it runs beside the reading

    def work(file: Path) -> tuple[Submission | None, list[Problem], int]:
        with no_gc():
            submission = load_workbook(file, light=True, cell_checks=precheck_cells)
            problems = check_submission(submission, as_of, fill=False)
            rows = sum(len(v) for v in submission.ledgers.values()) + unkept_rows(problems)
            # not kept: freed while the collector is off, nothing for it to scan
            return (submission if keep else None), problems, rows

    def unreadable(code: str, message: str) -> tuple[Submission | None, list[Problem], int]:
        return None, [Problem(file=name, code=code, message=message)], 0

    submission, problems, rows = guarded(path, work, unreadable)
    hasher.join()
    if is_unreadable(problems):
        status = "unreadable"
    elif any(p.severity == "error" for p in problems):
        status = "invalid"
    else:
        status = "valid"
    return FileReport(name, digest[0] if digest else "", status, problems, rows), submission  # type: ignore[arg-type]


def _digest_or_blank(path: Path) -> str:
    try:
        return sha256_of(path)
    except OSError:
        return ""


def validate_paths(inputs: Iterable[str | Path], as_of: dt.date | None = None,
                   annotate_dir: str | Path | None = None, progress: Progress | None = None,
                   outputs: OutputSet | None = None, force: bool = True) -> ValidationReport:
    """Validate files and folders (recursively); the same report the command line prints.

    ``annotate_dir``: write an annotated copy of every invalid workbook there (the
    inputs are never modified, and no copy ever takes an input's name).  ``outputs``: the
    copies join that set (committed by the caller with its other outputs: all or none);
    without it they are committed here, at the end.  ``force``: an existing file at a
    copy's name (not an input) may be replaced; else that copy is not written and the
    report says why (``refused``)."""
    report = ValidationReport()
    files = expand_inputs(inputs)
    own = outputs is None
    if outputs is None:
        outputs = OutputSet(files, force=force)
    taken: set[str] = set()
    for number, path in enumerate(files, start=1):
        if progress:
            progress(number, len(files), path_text(path))
        file_report, _ = _validate_file(path, as_of, keep=False)
        report.files.append(file_report)
        if annotate_dir is not None and file_report.status == "invalid" and file_report.rows > ANNOTATE_MAX_ROWS:
            report.annotation_errors[path_text(path)] = (
                f"工作簿有 {file_report.rows:,} 行，超过 {ANNOTATE_MAX_ROWS:,} 行，未生成标注副本；全部问题见报告")
        elif annotate_dir is not None and file_report.status == "invalid":
            _annotate_one(path, file_report, Path(annotate_dir), files, taken, outputs, report)
    if own:
        with outputs:
            try:
                outputs.commit()
            except OutputError as exc:
                for source in list(report.annotated):
                    report.annotation_errors[source] = exc.message
                report.annotated.clear()
    return report


def _annotate_one(path: Path, file_report: FileReport, folder: Path, files: Sequence[Path], taken: set[str],
                  outputs: OutputSet, report: ValidationReport) -> None:
    from addin.validation.annotate import annotate, annotated_name

    name = annotated_name(path)
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 1
    # never onto an input, whatever its name (an input may be called like an annotated copy)
    while name.casefold() in taken or any(_same_file(folder / name, source) for source in files):
        number += 1
        name = f"{stem}({number}){suffix}"
    taken.add(name.casefold())
    target = folder / name
    try:
        outputs.plan(target)
        report.annotated[path_text(path)] = path_text(annotate(path, file_report, folder, name, writer=outputs.write))
    except OutputRefused as exc:
        report.annotation_errors[path_text(path)] = exc.message
        report.refused.append(str(target))
    except OutputError as exc:  # the report is kept; the set of outputs is not (all or none)
        report.annotation_errors[path_text(path)] = exc.message
        report.write_failed = report.write_failed or exc.message
    except OSError as exc:
        report.annotation_errors[path_text(path)] = os_error_message(exc, target)
        report.write_failed = report.write_failed or os_error_message(exc, target)
    except Exception:  # noqa: BLE001 - a file the copying library cannot take: the report still has it all
        report.annotation_errors[path_text(path)] = "此文件的内容无法复制为标注副本（文件可能已损坏）；全部问题见报告"


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return str(a.absolute()).casefold() == str(b.absolute()).casefold()
