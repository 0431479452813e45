"""The validation report: per file a status and its problems; JSON and a console table."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from addin.problems import Problem

Status = Literal["valid", "invalid", "unreadable"]
STATUS_LABELS = {"valid": "通过", "invalid": "有错误", "unreadable": "无法读取"}
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def problem_json(problem: Problem) -> dict[str, Any]:
    """One problem as JSON: ``cell`` like "D7" (null for a whole sheet or file), ``row``
    the 1-based row (null when none), ``column`` the column's header as the standard
    names it (for 填报信息, the item's label; null when the problem is not about one)."""
    match = _CELL.match(problem.cell or "")
    row = getattr(problem, "row", None) or (int(match.group(2)) if match else None)
    out = {
        "code": problem.code,
        "sheet": problem.sheet or None,
        "cell": problem.cell or None,
        "row": row,
        "column": getattr(problem, "column", "") or None,
        "message": problem.message,
    }
    if problem.severity == "warning":  # answered in 情况说明, or still open
        out["explained"] = problem.explained
        out["explanation"] = problem.explanation
    return out


@dataclass
class FileReport:
    path: str
    sha256: str
    status: Status
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    """Ledger rows read and checked."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def open_warnings(self) -> list[Problem]:
        """Warnings nobody has answered in 情况说明."""
        return [p for p in self.warnings if not p.explained]

    @property
    def explained_warnings(self) -> list[Problem]:
        return [p for p in self.warnings if p.explained]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "status": self.status,
            "errors": [problem_json(p) for p in self.errors],
            "warnings": [problem_json(p) for p in self.warnings],
        }


@dataclass
class ValidationReport:
    files: list[FileReport] = field(default_factory=list)
    annotated: dict[str, str] = field(default_factory=dict)
    """Input path → annotated copy written by ``--annotate``."""
    annotation_errors: dict[str, str] = field(default_factory=dict)
    """Input path → why its annotated copy could not be written."""
    write_failed: str = ""
    """Why an annotated copy could not be written (a full disk…): then no output of the run is."""
    refused: list[str] = field(default_factory=list)
    """Annotated copies not written because a file this run did not create has their name."""

    @property
    def summary(self) -> dict[str, int]:
        counts = {"valid": 0, "invalid": 0, "unreadable": 0}
        for report in self.files:
            counts[report.status] += 1
        return counts

    @property
    def exit_code(self) -> int:
        """0 all valid (warnings allowed), 1 some invalid, 2 some unreadable."""
        summary = self.summary
        if summary["unreadable"] or self.refused:
            return 2
        return 1 if summary["invalid"] else 0

    def to_json(self) -> dict[str, Any]:
        return {"files": [f.to_json() for f in self.files], "summary": self.summary}

    def write_json(self, path: str | Path) -> None:
        from addin.plumbing.atomic import atomic_path
        from addin.plumbing.redact import redact_json

        with atomic_path(path) as temporary:
            temporary.write_text(json.dumps(redact_json(self.to_json()), ensure_ascii=False, indent=2), encoding="utf-8")
            with temporary.open("rb+") as handle:  # a full disk shows here, not later at close
                os.fsync(handle.fileno())

    def print(self, out: TextIO, limit: int = 200) -> None:
        """A readable console table: one block per file, one line per problem."""
        for report in self.files:
            label = STATUS_LABELS[report.status]
            explained = len(report.explained_warnings)
            answered = f"，其中已说明 {explained}" if explained else ""
            print(f"\n{report.path}：{label}（错误 {len(report.errors)}，提醒 {len(report.warnings)}{answered}）", file=out)
            rows = [(severity_label(p), p.sheet or "—", p.cell or "—", p.code,
                     p.message + (f" ▸ 情况说明：{p.explanation}" if p.explained else ""))
                    for p in report.errors + report.warnings]
            if not rows:
                continue
            widths = [max(_width(r[i]) for r in rows) for i in range(4)]
            for row in rows[:limit]:
                cells = [_pad(row[i], widths[i]) for i in range(4)]
                print("  " + "  ".join(cells) + "  " + row[4], file=out)
            if len(rows) > limit:
                print(f"  …… 另有 {len(rows) - limit} 条，见 JSON 报告或标注副本", file=out)
        summary = self.summary
        print(f"\n共 {len(self.files)} 个文件：通过 {summary['valid']}，有错误 {summary['invalid']}，"
              f"无法读取 {summary['unreadable']}", file=out)
        for source, copy in self.annotated.items():
            print(f"标注副本：{copy}", file=out)
        for source, why in self.annotation_errors.items():
            print(f"未能生成标注副本：{source}（{why}）", file=out)


def severity_label(problem: Problem) -> str:
    """错误 / 提醒 / 已说明 (a warning answered in 情况说明)."""
    if problem.severity == "error":
        return "错误"
    return "已说明" if problem.explained else "提醒"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
