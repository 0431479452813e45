"""Validate files and folders: read, check, report — one file's trouble never stops the rest."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from addin.problems import Problem
from addin.read import Submission, load_workbook
from addin.recompute import recompute, workbook_calendar
from addin.schema import STANDARD
from addin.validation.checks import ALL_CHECKS, Context
from addin.validation.deadlines import check_deadlines
from addin.validation.locate import Locator
from addin.validation.report import FileReport, ValidationReport
from udfs.errors import EngineError
from udfs.profile import Profile, get_profile

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
ESCALATED = {"ZZ-READ-TEXT-NUMBER", "ZZ-READ-TEXT-DATE"}
"""Reader warnings that the standard treats as errors: a number or date stored as text."""

Progress = Callable[[int, int, str], None]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders searched recursively for workbooks (lock files skipped)."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith("~$")))
        else:
            found.append(path)
    return found


def _profile(submission: Submission) -> Profile | None:
    key = getattr(submission.info, "profile", None)
    if not key:
        return None
    try:
        return get_profile(key)
    except EngineError:
        return None


def is_unreadable(problems: Sequence[Problem]) -> bool:
    return any(p.code.startswith("ZZ-FILE-") or p.code == "ZZ-READ-FILE" for p in problems)


def check_submission(submission: Submission, as_of: dt.date | None = None) -> list[Problem]:
    """Every problem of a read workbook; fills its blank computed cells from the engine."""
    problems = [
        p.model_copy(update={"severity": "error"}) if p.code in ESCALATED else p for p in submission.problems
    ]
    if is_unreadable(problems):
        return problems
    calendar = workbook_calendar(submission.calendar_days)
    computed = recompute(submission, calendar)
    ctx = Context(submission, Locator(submission), _profile(submission), computed)
    for check in ALL_CHECKS:
        problems.extend(check(ctx))
    when = as_of or getattr(submission.info, "report_date", None)
    problems.extend(check_deadlines(ctx, when, calendar))
    _fill_computed(submission, computed)
    return problems


def _fill_computed(submission: Submission, computed: dict[str, list[dict[str, Any]]]) -> None:
    for sheet in STANDARD.ledgers:
        values = computed.get(sheet.key, [])
        for record, expected in zip(submission.ledgers.get(sheet.key, []), values):
            for field, value in expected.items():
                if getattr(record, field, None) is None and not (isinstance(value, str) and value.startswith("#")):
                    setattr(record, field, value)


def validate_file(path: Path, as_of: dt.date | None = None) -> tuple[FileReport, Submission]:
    try:
        digest = sha256_of(path)
    except OSError as exc:
        problem = Problem(file=str(path), code="ZZ-FILE-IO", message=f"无法打开文件：{exc.strerror or exc}")
        return FileReport(str(path), "", "unreadable", [problem]), load_workbook(path)
    submission = load_workbook(path)
    problems = check_submission(submission, as_of)
    if is_unreadable(problems):
        status = "unreadable"
    elif any(p.severity == "error" for p in problems):
        status = "invalid"
    else:
        status = "valid"
    return FileReport(str(path), digest, status, problems), submission  # type: ignore[arg-type]


def validate_paths(inputs: Iterable[str | Path], as_of: dt.date | None = None,
                   annotate_dir: str | Path | None = None, progress: Progress | None = None) -> ValidationReport:
    """Validate files and folders (recursively); the same report the command line prints."""
    report = ValidationReport()
    files = expand_inputs(inputs)
    for number, path in enumerate(files, start=1):
        if progress:
            progress(number, len(files), str(path))
        file_report, _ = validate_file(path, as_of)
        report.files.append(file_report)
        if annotate_dir is not None and file_report.status == "invalid":
            from addin.validation.annotate import annotate

            report.annotated[str(path)] = str(annotate(path, file_report, Path(annotate_dir)))
    return report
