"""校验本工作簿 (the ribbon button): validate one saved workbook with the real validator
(``addin.validation``), and write the results beside it.

    validate_workbook(path) -> WorkbookValidation
        .issues        every problem: level 错误/警告, sheet, row, column, message (and cell, code)
        .annotated     the annotated copy (invalid workbooks only), beside the book
        .report        the JSON report, beside the book
        .message       one Chinese sentence: N errors, M warnings, where the copy is

The workbook itself is only read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from addin.problems import Problem
from addin.validation import validate_paths
from addin.validation.annotate import annotated_name
from addin.validation.report import STATUS_LABELS, ValidationReport


@dataclass(frozen=True)
class Issue:
    level: str  # 错误 / 警告
    sheet: str
    row: int | str
    column: str
    message: str
    cell: str = ""
    code: str = ""


@dataclass
class WorkbookValidation:
    path: Path
    status: str  # valid / invalid / unreadable
    issues: list[Issue] = field(default_factory=list)
    annotated: Path | None = None
    report: Path | None = None

    @property
    def errors(self) -> int:
        return sum(1 for issue in self.issues if issue.level == "错误")

    @property
    def warnings(self) -> int:
        return len(self.issues) - self.errors

    @property
    def message(self) -> str:
        lines = [f"{self.path.name}：{STATUS_LABELS[self.status]}，错误 {self.errors} 条、警告 {self.warnings} 条。"]
        if self.annotated is not None:
            lines.append(f"标注副本（出错的单元格已标红并加批注）：{self.annotated}")
        if self.report is not None:
            lines.append(f"校验报告（JSON）：{self.report}")
        return "\n".join(lines)


def report_name(source: Path) -> str:
    return f"{source.stem}（校验报告）.json"


def _issue(problem: Problem) -> Issue:
    answer = f"（已说明：{problem.explanation}）" if problem.explained else ""
    return Issue("错误" if problem.severity == "error" else "警告", problem.sheet or "（整个文件）",
                 problem.row or "", problem.column or "", problem.message + answer, problem.cell, problem.code)


def validate_workbook(path: str | Path, out_dir: str | Path | None = None,
                      as_of: dt.date | None = None) -> WorkbookValidation:
    """Validate a saved workbook; the annotated copy (if it has errors) and the JSON report
    go to ``out_dir`` (default: the workbook's folder)."""
    source = Path(path)
    folder = Path(out_dir) if out_dir is not None else source.parent
    report: ValidationReport = validate_paths([source], as_of=as_of, annotate_dir=folder)
    (file_report,) = report.files
    target = folder / report_name(source)
    report.write_json(target)
    annotated = report.annotated.get(str(source))
    issues = [_issue(p) for p in file_report.errors + file_report.warnings]
    return WorkbookValidation(source, file_report.status, issues, Path(annotated) if annotated else None, target)


__all__ = ["Issue", "WorkbookValidation", "annotated_name", "report_name", "validate_workbook"]
