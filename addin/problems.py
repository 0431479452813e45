"""Problems found in a workbook: data with a location, a stable code and a Chinese message.

The reader reports what it cannot read (a missing sheet or column, a cell whose value
has the wrong type); the validator adds what breaks the rules.  Nothing here raises for a
user's mistake: that is a ``Problem``, never a traceback.

Every code is one entry of the catalogue ``addin/problem_codes.toml`` (severity, stage,
Chinese title and how to fix it), loaded once into ``CATALOGUE``.  A problem whose code is
not catalogued, or whose severity the catalogue does not allow for it, is a defect of the
program: making one raises ``ProblemCodeError``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from addin.plumbing.redact import holds_digits_run, redact as redact_ids

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")
SEVERITY_LABELS: Mapping[str, str] = MappingProxyType({"error": "错误", "warning": "提醒"})
"""How a severity is shown to a clerk (as in the reports and annotated copies)."""
STAGES = ("文件", "读取", "校验", "汇总", "文书", "规则")
"""The stages in pipeline order (the docs page follows it; a new stage goes last)."""
CATALOGUE_FILE = Path(__file__).with_name("problem_codes.toml")
CODE_PATTERN = re.compile(r"ZZ(?:-[A-Z0-9]+)+")
_set = object.__setattr__


class ProblemCodeError(ValueError):
    """A code missing from the catalogue, a severity it does not allow, or a malformed
    catalogue: a defect of the program, never of a user's file."""


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One catalogue entry."""

    code: str
    severities: tuple[Severity, ...]
    """The severities a problem with this code may have; the usual one first."""
    stage: str
    """文件 / 读取 / 校验 / 汇总 / 文书 / 规则: the step that raises it."""
    title: str
    """A short Chinese title, e.g. 「不是日期」."""
    fix: str
    """A Chinese sentence telling a clerk how to fix it."""

    @property
    def severity(self) -> Severity:
        return self.severities[0]

    @property
    def severity_label(self) -> str:
        """错误, 提醒, or 错误或提醒."""
        return "或".join(SEVERITY_LABELS[s] for s in self.severities)


def load_catalogue(path: Path = CATALOGUE_FILE) -> Mapping[str, CodeInfo]:
    """The catalogue in file order; ``ProblemCodeError`` says what is malformed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProblemCodeError(f"问题代码目录 {path} 无法读取：{exc}") from None
    if set(data) != {"codes"} or not isinstance(data["codes"], dict):
        raise ProblemCodeError(f"问题代码目录 {path} 应只有 [codes.\"ZZ-…\"] 各项")
    entries: dict[str, CodeInfo] = {}
    for code, entry in data["codes"].items():
        entries[code] = _entry(path, code, entry)
    return MappingProxyType(entries)


def _entry(path: Path, code: str, entry: Any) -> CodeInfo:
    where = f"问题代码目录 {path.name} 的 {code}"
    if not CODE_PATTERN.fullmatch(code):
        raise ProblemCodeError(f"{where}：代码应为 ZZ- 开头的大写字母、数字和连字符")
    if not isinstance(entry, dict) or set(entry) != {"severity", "stage", "title", "fix"}:
        raise ProblemCodeError(f"{where}：应正好有 severity、stage、title、fix 四项")
    severity = entry["severity"]
    severities = tuple(severity) if isinstance(severity, list) else (severity,)
    if not severities or len(set(severities)) != len(severities) or any(s not in SEVERITIES for s in severities):
        raise ProblemCodeError(f"{where}：severity 应为 \"error\"、\"warning\" 或 [\"error\", \"warning\"]")
    for key in ("stage", "title", "fix"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ProblemCodeError(f"{where}：{key} 应为非空的中文文字")
    return CodeInfo(code, severities, entry["stage"], entry["title"], entry["fix"])  # type: ignore[arg-type]


CATALOGUE: Mapping[str, CodeInfo] = load_catalogue()
"""code → its entry, in the catalogue's order."""
_ALLOWED: dict[str, frozenset[str]] = {code: frozenset(info.severities) for code, info in CATALOGUE.items()}


def code_info(code: str) -> CodeInfo:
    """The catalogue entry of ``code``; ``ProblemCodeError`` when it has none."""
    info = CATALOGUE.get(code)
    if info is None:
        raise ProblemCodeError(f"问题代码 {code} 不在问题代码目录 {CATALOGUE_FILE.name} 中")
    return info


def check_code(code: str, severity: str | None = None) -> str:
    """``code`` itself when it is catalogued (and allows ``severity``, when given);
    otherwise ``ProblemCodeError``.  For every maker of problems that are not ``Problem``."""
    allowed = _ALLOWED.get(code)
    if allowed is None or (severity is not None and severity not in allowed):
        _refuse(code, severity)
    return code


def _refuse(code: str, severity: str | None) -> None:
    info = code_info(code)
    raise ProblemCodeError(f"问题代码 {code} 在问题代码目录中的严重程度为 {info.severity_label}，"
                           f"不能是 {SEVERITY_LABELS.get(str(severity), severity)}")


def by_stage() -> list[tuple[str, list[CodeInfo]]]:
    """The catalogue's codes grouped by the step that reports them, steps in pipeline order
    (the docs page and the manual's 常见问题 both list them so)."""
    stages = sorted({info.stage for info in CATALOGUE.values()},
                    key=lambda s: (STAGES.index(s) if s in STAGES else len(STAGES), s))
    return [(stage, [info for info in CATALOGUE.values() if info.stage == stage]) for stage in stages]


def codes_markdown() -> str:
    """The Chinese docs page of the catalogue (docs/problem-codes.md)."""
    lines = [
        "# 问题代码",
        "",
        "校验、汇总和生成文书时报出的每个问题都有一个稳定的代码（`ZZ-…`），写在校验结果、JSON 报告和标注副本的"
        "批注中。下表按报出的步骤列出全部代码：**错误**使文件被退回（或文书不生成），**提醒**不阻止上报。",
        "",
        f"本页由 `addin/{CATALOGUE_FILE.name}` 生成（`zhuize codes --markdown > docs/problem-codes.md`），"
        "请改那个文件，不要手改本页。",
        "",
    ]
    for stage, infos in by_stage():
        lines += [f"## {stage}", "", "| 代码 | 严重程度 | 问题 | 怎么改 |", "|---|---|---|---|"]
        lines += [f"| `{info.code}` | {info.severity_label} | {_cell(info.title)} | {_cell(info.fix)} |" for info in infos]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_PLAIN: set[str] = set()
"""Messages known to hold no ID number (``Problem.quick``)."""


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    sheet: str = ""
    cell: str = ""
    """A1-style address such as "D7"; "" for a whole sheet or file."""
    code: str
    message: str
    severity: Severity = "error"
    row: int | None = None
    """1-based row of the record the problem is about (None for a sheet or file)."""
    unkept_rows: int = 0
    """Rows the file holds that this problem leaves unread (a repeated row element, a sheet
    whose header was not found, a copy of a standard sheet): counted among the file's rows."""
    column: str = ""
    """The header of the column the problem is about ("" when none)."""
    explanation: str | None = None
    """A warning the filler answered in 情况说明: the 说明 (with who and when); None when open."""

    @property
    def explained(self) -> bool:
        return self.explanation is not None

    @model_validator(mode="after")
    def _catalogued(self) -> "Problem":
        if self.severity not in _ALLOWED.get(self.code, ()):
            _refuse(self.code, self.severity)
        return self

    @classmethod
    def quick(cls, file: str, sheet: str, cell: str, code: str, message: str, severity: Severity = "error",
              row: int | None = None, column: str = "") -> "Problem":
        """A problem from values that already have their types, without pydantic's
        validation (the validator makes thousands of them on a large workbook); the code
        and severity are still checked against the catalogue: one dictionary lookup."""
        if severity not in _ALLOWED.get(code, ()):
            _refuse(code, severity)
        problem = cls.__new__(cls)
        if message not in _PLAIN:
            if holds_digits_run(message):
                message = redact_ids(message)
            else:  # no run of 15 digit-like characters: no ID, whatever the day (a row's message repeats)
                if len(_PLAIN) >= 4096:
                    _PLAIN.clear()
                _PLAIN.add(message)
        _set(problem, "__dict__", {"file": file, "sheet": sheet, "cell": cell, "code": code, "message": message,
                                   "severity": severity, "row": row, "unkept_rows": 0, "column": column,
                                   "explanation": None})
        _set(problem, "__pydantic_fields_set__", {"file", "sheet", "cell", "code", "message", "severity", "row",
                                                  "column"})
        _set(problem, "__pydantic_extra__", None)
        _set(problem, "__pydantic_private__", None)
        return problem

    @field_validator("message")
    @classmethod
    def _no_identity_numbers(cls, message: str) -> str:
        """A 身份证号码 (valid or not, in any written form) never appears in a message."""
        return redact_ids(message)

    @property
    def info(self) -> CodeInfo:
        """The catalogue entry of this problem's code (title, how to fix it, stage)."""
        return CATALOGUE[self.code]

    @property
    def where(self) -> str:
        """「问题线索台账」D7 — for messages and reports."""
        parts = [f"「{self.sheet}」" if self.sheet else self.file]
        if self.cell:
            parts.append(self.cell)
        return "".join(parts)

    @property
    def place(self) -> str:
        """「问题线索台账」D7 inside the file ("" for the file as a whole): for lines that
        have already named the file."""
        return f"「{self.sheet}」{self.cell}" if self.sheet else ""

    def __str__(self) -> str:
        return f"{self.where}：{self.message}（{self.code}）"
